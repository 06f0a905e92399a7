package auth

import (
	"context"
	"time"
)

// This file is the directory side of `dossierd import` and `dossierd
// export`: a whole directory (a Snapshot, the TMS's export) is compared
// with the stored one and the differences are written in one transaction.
//
// The import runs every few minutes from a scheduled task, against a
// daemon that polls Generation: an import that changes nothing must write
// nothing (no trigger fires, the daemon rebuilds nothing, the file is not
// rewritten), and one that changes a little must write only that little.
// So the whole stored directory is read into memory, compared with the
// snapshot, and only the rows that differ are written.
//
// One file per step of Apply: import_validate.go (the snapshot alone, then
// against the stored directory), import_state.go (reading the stored
// directory), import_passwords.go (verifying and hashing), import_plan.go
// (the differences: pure), import_write.go (folders and rows);
// import_problems.go collects what is wrong, import_export.go goes the
// other way.

// Kind names one list of a Snapshot, as the import files name it.
type Kind string

const (
	KindAccounts    Kind = "accounts"
	KindSessions    Kind = "sessions"
	KindEnrollments Kind = "enrollments"
)

// Snapshot is a whole directory as the TMS exports it (SPEC section 7).
type Snapshot struct {
	Accounts    []ImportAccount
	Sessions    []Session // Hidden: true keeps (or makes) the session hidden
	Enrollments []Enrollment
}

// ImportAccount is one account of a Snapshot. Login, role, ref, name,
// email, disabled and expiry are the file's truth: a field left empty is empty
// after the import. Credentials are different: the TMS usually knows
// nothing of them, and an import must not wipe a password or key that an
// administrator set with `dossierd account`. So:
//   - Password (plain text, hashed with argon2id) or PasswordHash (an
//     argon2id or bcrypt string, stored as it is), or neither, which keeps
//     the stored password (a new account then has none);
//   - PublicKeys replace the stored keys only if PublicKeysGiven, which
//     readers set when the file carries the field (even empty).
type ImportAccount struct {
	Login, Role, Ref, Name string
	Email                  string
	Password               string
	PasswordHash           string
	PublicKeys             []string
	PublicKeysGiven        bool
	Disabled               bool
	ExpiresAt              string
}

// ApplyOptions change what Apply does.
type ApplyOptions struct {
	// DryRun computes the Diff and writes nothing (and hashes nothing).
	DryRun bool
	// Prune makes the snapshot the whole truth: accounts absent from it are
	// disabled, sessions absent are hidden, enrollments absent are removed.
	// Nothing is deleted, neither rows nor files. Without Prune, what the
	// snapshot does not mention is left as it is.
	Prune bool
	// Progress, when set, is told how far the slow stages are (StageHash,
	// StageFolders, StageWrite). It is called from Apply's goroutine, at most every few
	// hundred items, and with done == total at the end of a stage.
	Progress func(stage string, done, total int)
}

// Stages reported to ApplyOptions.Progress, in this order.
const (
	StageHash    = "checking passwords"
	StageFolders = "creating folders"
	StageWrite   = "writing" // the only one that holds the write lock
)

// Op is what an import does to one item.
type Op string

const (
	OpAdded    Op = "added"
	OpChanged  Op = "changed"
	OpDisabled Op = "disabled" // an account that was enabled (by --prune or by the file)
	OpHidden   Op = "hidden"   // a session that was shown (by --prune or by the file)
	OpRemoved  Op = "removed"  // an enrollment
)

// Change is one item an import adds or changes.
type Change struct {
	Kind Kind
	Op   Op
	// Key is the login, the session code, or "SESSION ROLE REF".
	Key string
	// Fields lists what changes, by import field name ("name", "password",
	// "folder", "enabled", "shown", "client"...), for OpChanged, OpDisabled and
	// OpHidden of an item the file mentions. Never a value: a password or
	// hash must not end up in a log.
	Fields []string
}

// Counts are the numbers of one kind of item by Op. Unchanged counts the
// items of the snapshot that were already as the snapshot says.
type Counts struct {
	Added, Changed, Disabled, Hidden, Removed, Unchanged int
}

// Diff is what an import changes (or, dry, would change).
type Diff struct {
	Accounts, Sessions, Enrollments Counts
	// Changes are ordered by kind (accounts, sessions, enrollments), then
	// key.
	Changes []Change
	// Locked is how long Apply held the directory's write lock, during
	// which other writers (the CLI, the daemon's audit trail) wait; zero
	// when it wrote nothing.
	Locked time.Duration
}

// Empty reports whether the import changes nothing.
func (d *Diff) Empty() bool { return len(d.Changes) == 0 }

// Counts returns the counts of one kind.
func (d *Diff) Counts(k Kind) Counts {
	switch k {
	case KindAccounts:
		return d.Accounts
	case KindSessions:
		return d.Sessions
	}
	return d.Enrollments
}

// CheckImport validates snap as Apply would, against the stored directory,
// and changes nothing. It returns an *ImportError listing every problem, a
// database error, or nil.
func (s *Store) CheckImport(ctx context.Context, snap *Snapshot, opts ApplyOptions) error {
	p, ps := s.prepareImport(snap)
	st, err := s.readImportState(ctx)
	if err != nil {
		return err
	}
	ps = append(ps, p.check(st, opts.Prune)...)
	return ps.err()
}

// Apply makes the stored directory follow snap, in one transaction: all of
// it or, on any error, nothing. Items are matched by natural key (login and
// session code case-insensitively; enrollment by session, role and ref),
// and only the rows that differ are written, so an import identical to the
// stored directory writes nothing and leaves Generation where it was.
//
// Everything is validated first, and every problem is returned at once as
// an *ImportError. The Layout is told about added accounts, sessions and
// enrollments (and accounts whose role or ref changed) twice: before the
// transaction, so that creating many folders does not hold the write lock,
// and in it, so that their folders surely exist when it commits (a Layout
// must be idempotent, as Enroll already requires). Files on disk are never
// deleted.
//
// Plain passwords: argon2id is slow on purpose (tens of milliseconds, 19
// MiB each), so Apply never hashes a password that did not change. Before
// the transaction, each plain password is verified against the stored
// hash of its account; only a new account or a failed verification gets a
// new hash. Both run in parallel, outside the transaction, so that the
// write lock is not held meanwhile. A re-import of plain passwords still
// costs one verification per password; a TMS that can export hashes
// (password_hash) or leave out unchanged passwords avoids it.
func (s *Store) Apply(ctx context.Context, snap *Snapshot, opts ApplyOptions) (*Diff, error) {
	p, ps := s.prepareImport(snap)

	// First, a look at the stored directory without the write lock: to
	// report every problem at once, to find out which passwords need
	// hashing, and to plan. The state is read in one transaction, so the
	// plan is that of a consistent snapshot: if it changes nothing (the
	// import scheduled every few minutes, most of the time) or if this is a
	// dry run, that is the answer, and the write lock is never taken.
	st, err := s.readImportState(ctx)
	if err != nil {
		return nil, err
	}
	ps = append(ps, p.check(st, opts.Prune)...)
	if err := ps.err(); err != nil {
		return nil, err
	}
	pw, err := p.passwords(ctx, st, opts)
	if err != nil {
		return nil, err
	}
	pl, err := p.plan(st, pw, opts)
	if err != nil {
		return nil, err
	}
	if opts.DryRun || pl.diff.Empty() {
		return pl.diff, nil
	}

	// Folders for what the import adds are made before the transaction:
	// for a first import that is hundreds of thousands of mkdirs, which
	// would hold the write lock (and make the daemon's own writes, the
	// audit trail, wait) for as long. Inside the transaction the Layout is
	// told again, as its contract says, which costs next to nothing for
	// folders that exist (vfs.Storage remembers them). Should the
	// transaction then fail, these folders stay, empty, as a Layout call
	// before a failed commit leaves them anyway.
	if err := s.makeImportFolders(ctx, pl, opts); err != nil {
		return nil, err
	}

	// The transaction reads the directory again, which is what counts:
	// another process may have changed it meanwhile.
	tx, err := s.db.BeginTx(ctx, nil) // IMMEDIATE: see dsnParams
	if err != nil {
		return nil, dbError(err)
	}
	defer tx.Rollback()
	locked := time.Now()
	if st, err = loadImportState(ctx, tx); err != nil {
		return nil, err
	}
	if err := p.check(st, opts.Prune).err(); err != nil {
		return nil, err
	}
	if pl, err = p.plan(st, pw, opts); err != nil {
		return nil, err
	}
	if err := s.executeImport(ctx, tx, pl, opts); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, dbError(err)
	}
	pl.diff.Locked = time.Since(locked)
	return pl.diff, nil
}

// importProgress reports one stage to ApplyOptions.Progress every `every` steps.
type importProgress struct {
	fn           func(string, int, int)
	stage        string
	n, total, ev int
}

func newImportProgress(fn func(string, int, int), stage string, total, every int) *importProgress {
	if fn != nil {
		fn(stage, 0, total)
	}
	return &importProgress{fn: fn, stage: stage, total: total, ev: every}
}

func (p *importProgress) step() {
	p.n++
	if p.fn != nil && p.n%p.ev == 0 {
		p.fn(p.stage, p.n, p.total)
	}
}

func (p *importProgress) done() {
	if p.fn != nil {
		p.fn(p.stage, p.total, p.total)
	}
}

package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dossierd/dossierd/domain"
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
// disabled and expiry are the file's truth: a field left empty is empty
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
	// "folder", "enabled", "shown"...), for OpChanged, OpDisabled and
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

func (d *Diff) add(c Change) {
	d.Changes = append(d.Changes, c)
	n := d.counts(c.Kind)
	switch c.Op {
	case OpAdded:
		n.Added++
	case OpChanged:
		n.Changed++
	case OpDisabled:
		n.Disabled++
	case OpHidden:
		n.Hidden++
	case OpRemoved:
		n.Removed++
	}
}

func (d *Diff) counts(k Kind) *Counts {
	switch k {
	case KindAccounts:
		return &d.Accounts
	case KindSessions:
		return &d.Sessions
	}
	return &d.Enrollments
}

// ImportProblem is one thing wrong with a Snapshot. Text follows the field
// name: "role" + ` "teacher" is not one of client, trainee, trainer, staff`.
type ImportProblem struct {
	Kind  Kind
	Index int    // position in the Snapshot's list
	Field string // import field name ("login", "expires_at"); "" for the whole item
	Text  string
	// Other is the position, in the same list, of the item this one
	// clashes with (the first of two duplicates), or -1.
	Other int
}

// ImportError lists every problem of a refused import. Apply makes no
// change when it returns one. The readers of import files (tmsimport) turn
// Kind and Index into file names and line numbers.
type ImportError struct {
	Problems []ImportProblem
}

func (e *ImportError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "import refused, nothing was changed (%d problem%s)", len(e.Problems), pluralS(len(e.Problems)))
	for _, p := range e.Problems {
		fmt.Fprintf(&b, "\n  %s[%d]: %s", p.Kind, p.Index, p.Field)
		if p.Field != "" {
			b.WriteString(" ")
		}
		b.WriteString(p.Text)
		if p.Other >= 0 {
			fmt.Fprintf(&b, " (first at %s[%d])", p.Kind, p.Other)
		}
	}
	return b.String()
}

func pluralS(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

type importProblems []ImportProblem

func (ps *importProblems) addf(k Kind, i int, field, format string, args ...any) {
	*ps = append(*ps, ImportProblem{Kind: k, Index: i, Field: field, Text: fmt.Sprintf(format, args...), Other: -1})
}

func (ps *importProblems) add(k Kind, i int, field string, err error) {
	*ps = append(*ps, ImportProblem{Kind: k, Index: i, Field: field, Text: problemText(err), Other: -1})
}

// err sorts the problems in file order and returns them as an error, or
// nil when there are none.
func (ps importProblems) err() error {
	if len(ps) == 0 {
		return nil
	}
	order := map[Kind]int{KindAccounts: 0, KindSessions: 1, KindEnrollments: 2}
	slices.SortStableFunc(ps, func(a, b ImportProblem) int {
		if a.Kind != b.Kind {
			return order[a.Kind] - order[b.Kind]
		}
		return a.Index - b.Index
	})
	return &ImportError{Problems: ps}
}

// problemText renders a validation error as the text that follows the
// field name in a problem. The field's own label is left out: the import
// names the field as the file does ("expires_at", not "expiry date").
func problemText(err error) string {
	var ve *ValidationError
	if !errors.As(err, &ve) {
		return err.Error()
	}
	if ve.Msg == "" && ve.Err != nil && ve.Value != "" {
		// The filename policy's message starts `name "X" refused: ...`;
		// after the field name, `ref "X" refused: ...` says it once.
		if rest, ok := strings.CutPrefix(ve.Err.Error(), "name "); ok && strings.HasPrefix(rest, strconv.Quote(ve.Value)) {
			return rest
		}
	}
	var parts []string
	if ve.Value != "" {
		parts = append(parts, strconv.Quote(ve.Value))
	}
	if ve.Msg != "" {
		parts = append(parts, ve.Msg)
	}
	s := strings.Join(parts, " ")
	if ve.Err != nil {
		if s != "" {
			s += ": "
		}
		s += ve.Err.Error()
	}
	return s
}

// looseDate matches what office software makes of a date: 30/06/2027,
// 30.06.2027, or an ISO date followed by a time.
var looseDate = regexp.MustCompile(`^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$`)

// dateText explains a bad date and, when the value looks like a French
// (day first) date or a date and time, says what to write instead.
func dateText(value string) string {
	msg := strconv.Quote(value) + " is not a date of the form YYYY-MM-DD"
	candidate := ""
	if m := looseDate.FindStringSubmatch(value); m != nil {
		d, _ := strconv.Atoi(m[1])
		mo, _ := strconv.Atoi(m[2])
		candidate = fmt.Sprintf("%s-%02d-%02d", m[3], mo, d)
	} else if len(value) > 10 && (value[10] == ' ' || value[10] == 'T') {
		candidate = value[:10]
	}
	if candidate != "" {
		if _, err := parseDate(candidate); err == nil {
			msg += " (write " + candidate + ")"
		}
	}
	return msg
}

// prepared is a validated, normalised snapshot.
type prepared struct {
	accounts    []pAccount
	sessions    []pSession
	enrollments []pEnrollment  // exact duplicates dropped
	accountIdx  map[string]int // lower-case login -> index
	sessionIdx  map[string]int // folded code -> index
}

type pAccount struct {
	ImportAccount
	key  string // lower-case login: logins are ASCII, compared as NOCASE does
	keys string // normalised public keys, one a line, as stored
}

type pSession struct {
	Session
	key, folderKey string
}

type pEnrollment struct {
	index     int
	session   string // as in the snapshot
	sessKey   string // folded session code
	role, ref string
}

type roleRef struct{ role, ref string }

// prepareImport validates what can be checked without the database and
// normalises the snapshot. It never modifies snap.
func (s *Store) prepareImport(snap *Snapshot) (*prepared, importProblems) {
	var ps importProblems
	p := &prepared{
		accountIdx: make(map[string]int, len(snap.Accounts)),
		sessionIdx: make(map[string]int, len(snap.Sessions)),
	}
	// Refs are checked against the filename policy once per distinct
	// value: 200,000 enrollments name far fewer refs.
	nameOK := map[string]bool{}
	checkName := func(field, value string) error {
		if nameOK[value] {
			return nil
		}
		err := s.checkName(field, value)
		nameOK[value] = err == nil
		return err
	}

	for i, a := range snap.Accounts {
		const k = KindAccounts
		pa := pAccount{ImportAccount: a, key: strings.ToLower(a.Login)}
		if err := ValidateLogin(a.Login); err != nil {
			ps.add(k, i, "login", err)
		} else if first, dup := p.accountIdx[pa.key]; dup {
			ps = append(ps, ImportProblem{Kind: k, Index: i, Field: "login", Other: first,
				Text: strconv.Quote(a.Login) + " appears twice, ignoring case"})
		} else {
			p.accountIdx[pa.key] = i
		}
		roleErr := validateRole(a.Role)
		if roleErr != nil {
			ps.add(k, i, "role", roleErr)
		}
		switch {
		case a.Role == domain.RoleStaff && a.Ref != "":
			ps.addf(k, i, "ref", "%q must be empty for a staff account", a.Ref)
		case a.Role != domain.RoleStaff && a.Ref == "":
			// With an unknown role, the role is the problem to report.
			if roleErr == nil {
				ps.addf(k, i, "ref", "is required for a %s account", a.Role)
			}
		case a.Role != domain.RoleStaff:
			if err := checkName("ref", a.Ref); err != nil {
				ps.add(k, i, "ref", err)
			}
		}
		if err := validateText("name", a.Name); err != nil {
			ps.add(k, i, "name", err)
		}
		if a.Password != "" && a.PasswordHash != "" {
			// Which one was meant? Guessing would store a password the
			// TMS did not intend.
			ps.addf(k, i, "password", "and password_hash are both given; give only one")
		}
		if a.PasswordHash != "" {
			if err := ValidHash(a.PasswordHash); err != nil {
				// The hash's own message, without "password hash".
				ps.add(k, i, "password_hash", err)
			}
		}
		if a.PublicKeysGiven {
			var keys []string
			seen := map[string]bool{}
			for _, line := range a.PublicKeys {
				n, err := ParsePublicKey(line)
				if err != nil {
					if strings.TrimSpace(line) == "" {
						ps.addf(k, i, "public_keys", "has an empty entry")
					} else {
						ps.add(k, i, "public_keys", err)
					}
					continue
				}
				// Same key twice (whatever the comment): keep the first,
				// as normalizeKeys does.
				if f := strings.Fields(n); !seen[f[1]] {
					seen[f[1]] = true
					keys = append(keys, n)
				}
			}
			pa.PublicKeys = keys
			pa.keys = strings.Join(keys, "\n")
		}
		if a.ExpiresAt != "" {
			if _, err := parseDate(a.ExpiresAt); err != nil {
				ps.addf(k, i, "expires_at", "%s", dateText(a.ExpiresAt))
			}
		}
		p.accounts = append(p.accounts, pa)
	}

	folders := map[string]int{}
	for i, sess := range snap.Sessions {
		const k = KindSessions
		ps2 := pSession{Session: sess, key: foldKey(sess.Code)}
		if ps2.Folder == "" {
			ps2.Folder = sess.Code
		}
		ps2.folderKey = foldKey(ps2.Folder)
		if err := s.checkName("code", sess.Code); err != nil {
			ps.add(k, i, "code", err)
		} else if first, dup := p.sessionIdx[ps2.key]; dup {
			ps = append(ps, ImportProblem{Kind: k, Index: i, Field: "code", Other: first,
				Text: strconv.Quote(sess.Code) + " appears twice, ignoring case"})
		} else {
			p.sessionIdx[ps2.key] = i
		}
		if sess.Folder != "" {
			if err := s.checkName("folder", sess.Folder); err != nil {
				ps.add(k, i, "folder", err)
			}
		}
		if first, dup := folders[ps2.folderKey]; dup {
			ps = append(ps, ImportProblem{Kind: k, Index: i, Field: "folder", Other: first,
				Text: strconv.Quote(ps2.Folder) + " is the folder of two sessions, ignoring case"})
		} else {
			folders[ps2.folderKey] = i
		}
		if err := validateText("title", sess.Title); err != nil {
			ps.add(k, i, "title", err)
		}
		badDate := false
		for _, d := range []struct{ field, value string }{{"starts_on", sess.StartsOn}, {"ends_on", sess.EndsOn}} {
			if d.value == "" {
				continue
			}
			if _, err := parseDate(d.value); err != nil {
				ps.addf(k, i, d.field, "%s", dateText(d.value))
				badDate = true
			}
		}
		if !badDate && sess.StartsOn != "" && sess.EndsOn != "" && sess.EndsOn < sess.StartsOn {
			ps.addf(k, i, "ends_on", "%q is before starts_on %q", sess.EndsOn, sess.StartsOn)
		}
		p.sessions = append(p.sessions, ps2)
	}

	seen := make(map[enrKey]bool, len(snap.Enrollments))
	sessKeys := map[string]string{} // session as written -> folded, computed once
	for i, e := range snap.Enrollments {
		const k = KindEnrollments
		sk, known := sessKeys[e.Session]
		if !known {
			sk = foldKey(e.Session)
			sessKeys[e.Session] = sk
		}
		pe := pEnrollment{index: i, session: e.Session, sessKey: sk, role: internRole(e.Role), ref: e.Ref}
		ok := true
		if e.Session == "" {
			ps.addf(k, i, "session", "is required")
			ok = false
		}
		if err := validateEnrollRole(e.Role); err != nil {
			ps.add(k, i, "role", err)
			ok = false
		}
		if e.Ref == "" {
			ps.addf(k, i, "ref", "is required")
			ok = false
		} else if err := checkName("ref", e.Ref); err != nil {
			ps.add(k, i, "ref", err)
			ok = false
		}
		if !ok {
			continue
		}
		// The same enrollment twice is what a TMS joining its tables
		// produces; it means nothing more than once.
		key := enrKey{pe.sessKey, pe.role, e.Ref}
		if seen[key] {
			continue
		}
		seen[key] = true
		p.enrollments = append(p.enrollments, pe)
	}
	return p, ps
}

// importState is the stored directory, read in the import's transaction.
type importState struct {
	accounts    map[string]*dbAccount // lower-case login
	sessions    map[string]*dbSession // folded code
	enrollments map[enrKey]bool
}

type dbAccount struct {
	id                     int64
	login, role, ref, name string
	hash, keys, expires    string
	disabled               bool
	inFile                 bool
}

type dbSession struct {
	id int64
	Session
	folderKey string
	inFile    bool
}

// enrKey is an enrollment by folded session code, role and ref.
type enrKey struct{ sess, role, ref string }

func loadImportState(ctx context.Context, q queryer) (*importState, error) {
	st := &importState{accounts: map[string]*dbAccount{}, sessions: map[string]*dbSession{}, enrollments: map[enrKey]bool{}}
	rows, err := q.QueryContext(ctx, `SELECT id, login, role, ref, name, password_hash, public_keys, disabled, expires_at FROM accounts`)
	if err != nil {
		return nil, dbError(err)
	}
	for rows.Next() {
		a := &dbAccount{}
		if err := rows.Scan(&a.id, &a.login, &a.role, &a.ref, &a.name, &a.hash, &a.keys, &a.disabled, &a.expires); err != nil {
			rows.Close()
			return nil, dbError(err)
		}
		st.accounts[strings.ToLower(a.login)] = a
	}
	if err := rows.Err(); err != nil {
		return nil, dbError(err)
	}
	rows, err = q.QueryContext(ctx, `SELECT s.id, `+sessionColumns+`, s.code_key, s.folder_key FROM sessions s`)
	if err != nil {
		return nil, dbError(err)
	}
	keys := map[int64]string{} // session id -> folded code
	for rows.Next() {
		sess := &dbSession{}
		var codeKey string
		if err := rows.Scan(&sess.id, &sess.Code, &sess.Title, &sess.StartsOn, &sess.EndsOn, &sess.Folder, &sess.Hidden, &codeKey, &sess.folderKey); err != nil {
			rows.Close()
			return nil, dbError(err)
		}
		st.sessions[codeKey] = sess
		keys[sess.id] = codeKey
	}
	if err := rows.Err(); err != nil {
		return nil, dbError(err)
	}
	// Enrollments are the bulk (hundreds of thousands): read by session id,
	// without a join, and keyed by the session's folded code, one string
	// shared by all the enrollments of a session.
	rows, err = q.QueryContext(ctx, `SELECT session_id, role, ref FROM enrollments`)
	if err != nil {
		return nil, dbError(err)
	}
	for rows.Next() {
		var k enrKey
		var id int64
		if err := rows.Scan(&id, &k.role, &k.ref); err != nil {
			rows.Close()
			return nil, dbError(err)
		}
		k.sess = keys[id]
		k.role = internRole(k.role)
		st.enrollments[k] = true
	}
	return st, dbError(rows.Err())
}

// internRole returns the constant for a role, so that hundreds of
// thousands of enrollments do not each keep a copy of "trainee".
func internRole(role string) string {
	for _, r := range roles {
		if role == r {
			return r
		}
	}
	return role
}

// check validates the snapshot against the stored directory: what the
// enrollments name must exist after the import, and session folders must
// not clash with those of stored sessions the snapshot does not mention.
func (p *prepared) check(st *importState, prune bool) importProblems {
	var ps importProblems
	for k, a := range st.accounts {
		_, a.inFile = p.accountIdx[k]
	}
	for k, sess := range st.sessions {
		_, sess.inFile = p.sessionIdx[k]
	}
	// Who can be enrolled after the import: the snapshot's accounts and,
	// unless the snapshot is the whole truth, the stored ones it does not
	// mention. (With Prune those are disabled, so they do not count.)
	refs := map[roleRef]bool{}
	for _, a := range p.accounts {
		refs[roleRef{a.Role, a.Ref}] = true
	}
	if !prune {
		for _, a := range st.accounts {
			if !a.inFile {
				refs[roleRef{a.role, a.ref}] = true
			}
		}
	}
	storedFolders := map[string]*dbSession{}
	for _, sess := range st.sessions {
		if !sess.inFile {
			storedFolders[sess.folderKey] = sess
		}
	}
	for i, sess := range p.sessions {
		if other := storedFolders[sess.folderKey]; other != nil {
			ps.addf(KindSessions, i, "folder", "%q is already the folder of session %q, which is not in the file", sess.Folder, other.Code)
		}
	}
	for i := range p.enrollments {
		e := &p.enrollments[i]
		_, inFile := p.sessionIdx[e.sessKey]
		stored := st.sessions[e.sessKey]
		switch {
		case inFile:
		case stored != nil && !prune:
		case stored != nil:
			ps.addf(KindEnrollments, e.index, "session", "%q is not in the file (with --prune, sessions absent from the file are hidden and cannot be enrolled in)", e.session)
		default:
			ps.addf(KindEnrollments, e.index, "session", "%q is neither in the file nor in the directory", e.session)
		}
		if !refs[roleRef{e.role, e.ref}] {
			if prune {
				ps.addf(KindEnrollments, e.index, "ref", "%q has no %s account in the file (with --prune, accounts absent from the file are disabled and do not count)", e.ref, e.role)
			} else {
				ps.addf(KindEnrollments, e.index, "ref", "%q has no %s account, neither in the file nor in the directory", e.ref, e.role)
			}
		}
	}
	return ps
}

// CheckImport validates snap as Apply would, against the stored directory,
// and changes nothing. It returns an *ImportError listing every problem, a
// database error, or nil.
func (s *Store) CheckImport(ctx context.Context, snap *Snapshot, opts ApplyOptions) error {
	p, ps := s.prepareImport(snap)
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return dbError(err)
	}
	defer tx.Rollback()
	st, err := loadImportState(ctx, tx)
	if err != nil {
		return err
	}
	ps = append(ps, p.check(st, opts.Prune)...)
	return ps.err()
}

// pwResult is what was found out, before the transaction, about one plain
// password of the snapshot.
type pwResult struct {
	// against is the stored hash the password was verified against; when
	// it is still the stored hash in the transaction, the password is
	// unchanged.
	against  string
	verified bool
	hash     string // a new argon2id hash, when one was needed
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

// makeImportFolders tells the Layout about what the plan adds.
func (s *Store) makeImportFolders(ctx context.Context, pl *importPlan, opts ApplyOptions) error {
	if s.layout == nil {
		return nil
	}
	total := len(pl.newSessions) + len(pl.newAccounts) + len(pl.changedAccounts) + len(pl.addEnrollments)
	if total == 0 {
		return nil
	}
	prog := newImportProgress(opts.Progress, StageFolders, total, 500)
	for _, sess := range pl.newSessions {
		if err := s.layout.SessionFolders(sess.Code); err != nil {
			return fmt.Errorf("creating the folders of session %q: %w", sess.Code, err)
		}
		prog.step()
	}
	for _, list := range [][]accountWrite{pl.newAccounts, pl.changedAccounts} {
		for _, w := range list {
			if w.folderChanged {
				if err := s.accountFolder(w.a.Role, w.a.Ref); err != nil {
					return err
				}
			}
			prog.step()
		}
	}
	for _, e := range pl.addEnrollments {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := s.layout.EnrollmentFolder(e.code, e.role, e.ref); err != nil {
			return fmt.Errorf("creating the folder of %s %q in session %q: %w", e.role, e.ref, e.code, err)
		}
		prog.step()
	}
	prog.done()
	return nil
}

func (s *Store) readImportState(ctx context.Context) (*importState, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, dbError(err)
	}
	defer tx.Rollback()
	return loadImportState(ctx, tx)
}

// passwords verifies and hashes the plain passwords of the snapshot, in
// parallel. A dry run only verifies: it has to know whether a password
// changes, not what the new hash is.
func (p *prepared) passwords(ctx context.Context, st *importState, opts ApplyOptions) (map[string]pwResult, error) {
	type job struct {
		key, password, against string
	}
	var jobs []job
	for _, a := range p.accounts {
		if a.Password == "" {
			continue
		}
		var against string
		if old := st.accounts[a.key]; old != nil {
			against = old.hash
		}
		if against == "" && opts.DryRun {
			continue // a new password for sure, and no hash needed
		}
		jobs = append(jobs, job{a.key, a.Password, against})
	}
	out := make(map[string]pwResult, len(jobs))
	if len(jobs) == 0 {
		return out, nil // and no progress reported
	}
	// argon2id takes 7 MiB per call with our parameters (imported hashes
	// may ask more): a few workers use the cores without holding much
	// memory.
	workers := min(runtime.GOMAXPROCS(0), 8, len(jobs))
	type result struct {
		key string
		r   pwResult
		err error
	}
	jobCh := make(chan job)
	resCh := make(chan result)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobCh {
				r := pwResult{against: j.against}
				var err error
				if j.against != "" {
					// An unusable stored hash (err) just means the
					// password must be set anew.
					r.verified, _ = VerifyPassword(j.against, j.password)
				}
				if !r.verified && !opts.DryRun {
					r.hash, err = HashPassword(j.password)
				}
				select {
				case resCh <- result{j.key, r, err}:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() {
		defer close(jobCh)
		for _, j := range jobs {
			select {
			case jobCh <- j:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(resCh) }()
	progress := newImportProgress(opts.Progress, StageHash, len(jobs), 16)
	for res := range resCh {
		if res.err != nil {
			return nil, res.err
		}
		out[res.key] = res.r
		progress.step()
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(out) != len(jobs) {
		return nil, errors.New("checking passwords: interrupted")
	}
	progress.done()
	return out, nil
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

// The rows to write, as decided by plan.
type importPlan struct {
	diff *Diff

	newSessions     []*pSession
	changedSessions []sessionUpdate
	hideSessions    []int64

	newAccounts     []accountWrite
	changedAccounts []accountWrite
	disableAccounts []int64

	removeEnrollments []enrollmentWrite
	addEnrollments    []enrollmentWrite
}

type sessionUpdate struct {
	id            int64
	s             Session // final values
	folderKey     string
	folderChanged bool // its folder key changes (see executeImport)
}

type accountWrite struct {
	id            int64 // 0 for a new account
	a             *pAccount
	hash, keys    string // final values
	folderChanged bool   // a new (role, ref): tell the Layout
	plainNoHash   bool   // the password must be hashed in the transaction (see plan)
}

type enrollmentWrite struct {
	sessKey, code, role, ref string // code as stored (or as in the file, for a new session)
}

// plan compares the snapshot with the stored directory.
func (p *prepared) plan(st *importState, pw map[string]pwResult, opts ApplyOptions) (*importPlan, error) {
	pl := &importPlan{diff: &Diff{}}
	d := pl.diff

	for i := range p.sessions {
		sess := &p.sessions[i]
		old := st.sessions[sess.key]
		if old == nil {
			pl.newSessions = append(pl.newSessions, sess)
			d.add(Change{Kind: KindSessions, Op: OpAdded, Key: sess.Code})
			continue
		}
		final := sess.Session
		final.Code = old.Code // the folders on disk are named after the stored code
		if final.Folder == sess.Code {
			// The default folder follows the stored spelling of the code,
			// as UpdateSession does.
			final.Folder = old.Code
		}
		var fields []string
		if final.Title != old.Title {
			fields = append(fields, "title")
		}
		if final.StartsOn != old.StartsOn {
			fields = append(fields, "starts_on")
		}
		if final.EndsOn != old.EndsOn {
			fields = append(fields, "ends_on")
		}
		if final.Folder != old.Folder {
			fields = append(fields, "folder")
		}
		op := OpChanged
		switch {
		case final.Hidden && !old.Hidden:
			op = OpHidden
		case !final.Hidden && old.Hidden:
			fields = append(fields, "shown")
		}
		if len(fields) == 0 && op == OpChanged {
			d.Sessions.Unchanged++
			continue
		}
		fk := foldKey(final.Folder)
		pl.changedSessions = append(pl.changedSessions, sessionUpdate{id: old.id, s: final, folderKey: fk, folderChanged: fk != old.folderKey})
		d.add(Change{Kind: KindSessions, Op: op, Key: old.Code, Fields: fields})
	}
	if opts.Prune {
		for _, old := range st.sessions {
			if !old.inFile && !old.Hidden {
				pl.hideSessions = append(pl.hideSessions, old.id)
				d.add(Change{Kind: KindSessions, Op: OpHidden, Key: old.Code})
			}
		}
	}

	// The (role, ref)s that accounts will have after the import: an
	// enrollment of anything else is removed, as DeleteAccount and
	// UpdateAccount do, or a later account reusing the ref would inherit
	// its sessions.
	refsAfter := map[roleRef]bool{}
	for i := range p.accounts {
		a := &p.accounts[i]
		refsAfter[roleRef{a.Role, a.Ref}] = true
		old := st.accounts[a.key]
		w := accountWrite{a: a}
		pwChanged := false
		switch {
		case a.PasswordHash != "":
			w.hash = a.PasswordHash
			pwChanged = old != nil && old.hash != a.PasswordHash
		case a.Password != "":
			r := pw[a.key]
			switch {
			case old != nil && r.verified && old.hash == r.against:
				w.hash = old.hash
			case r.hash != "":
				w.hash, pwChanged = r.hash, true
			default:
				// The stored hash changed since it was looked at before
				// the transaction (or this is a dry run, which does not
				// hash): the password is set anew.
				w.plainNoHash, pwChanged = true, true
			}
		case old != nil:
			w.hash = old.hash
		}
		if a.PublicKeysGiven || old == nil {
			w.keys = a.keys
		} else {
			w.keys = old.keys
		}
		if old == nil {
			w.folderChanged = true
			pl.newAccounts = append(pl.newAccounts, w)
			d.add(Change{Kind: KindAccounts, Op: OpAdded, Key: a.Login})
			continue
		}
		w.id = old.id
		var fields []string
		if a.Role != old.role {
			fields = append(fields, "role")
		}
		if a.Ref != old.ref {
			fields = append(fields, "ref")
		}
		if a.Name != old.name {
			fields = append(fields, "name")
		}
		if pwChanged {
			fields = append(fields, "password")
		}
		if w.keys != old.keys {
			fields = append(fields, "public_keys")
		}
		if a.ExpiresAt != old.expires {
			fields = append(fields, "expires_at")
		}
		op := OpChanged
		switch {
		case a.Disabled && !old.disabled:
			op = OpDisabled
		case !a.Disabled && old.disabled:
			fields = append(fields, "enabled")
		}
		if len(fields) == 0 && op == OpChanged {
			d.Accounts.Unchanged++
			continue
		}
		w.folderChanged = a.Role != old.role || a.Ref != old.ref
		pl.changedAccounts = append(pl.changedAccounts, w)
		d.add(Change{Kind: KindAccounts, Op: op, Key: old.login, Fields: fields})
	}
	for _, old := range st.accounts {
		if old.inFile {
			continue
		}
		refsAfter[roleRef{old.role, old.ref}] = true // disabled, not deleted
		if opts.Prune && !old.disabled {
			pl.disableAccounts = append(pl.disableAccounts, old.id)
			d.add(Change{Kind: KindAccounts, Op: OpDisabled, Key: old.login})
		}
	}

	inFile := make(map[enrKey]bool, len(p.enrollments))
	for _, e := range p.enrollments {
		k := enrKey{e.sessKey, e.role, e.ref}
		inFile[k] = true
		if st.enrollments[k] {
			d.Enrollments.Unchanged++
			continue
		}
		var code string
		if old := st.sessions[e.sessKey]; old != nil {
			code = old.Code
		} else {
			// check made sure that a session not stored is in the file.
			code = p.sessions[p.sessionIdx[e.sessKey]].Code
		}
		pl.addEnrollments = append(pl.addEnrollments, enrollmentWrite{e.sessKey, code, e.role, e.ref})
		d.add(Change{Kind: KindEnrollments, Op: OpAdded, Key: code + " " + e.role + " " + e.ref})
	}
	for k := range st.enrollments {
		if inFile[k] || (!opts.Prune && refsAfter[roleRef{k.role, k.ref}]) {
			continue
		}
		code := st.sessions[k.sess].Code
		pl.removeEnrollments = append(pl.removeEnrollments, enrollmentWrite{k.sess, code, k.role, k.ref})
		d.add(Change{Kind: KindEnrollments, Op: OpRemoved, Key: code + " " + k.role + " " + k.ref})
	}

	order := map[Kind]int{KindAccounts: 0, KindSessions: 1, KindEnrollments: 2}
	slices.SortFunc(d.Changes, func(a, b Change) int {
		if a.Kind != b.Kind {
			return order[a.Kind] - order[b.Kind]
		}
		return strings.Compare(a.Key, b.Key)
	})
	return pl, nil
}

// executeImport writes the plan in tx and tells the Layout about what was added.
func (s *Store) executeImport(ctx context.Context, tx *sql.Tx, pl *importPlan, opts ApplyOptions) error {
	total := len(pl.newSessions) + len(pl.changedSessions) + len(pl.hideSessions) +
		len(pl.newAccounts) + len(pl.changedAccounts) + len(pl.disableAccounts) +
		len(pl.removeEnrollments) + len(pl.addEnrollments)
	if total == 0 {
		return nil
	}
	prog := newImportProgress(opts.Progress, StageWrite, total, 500)
	now := timestamp(s.now())
	stmt := func(query string) (*sql.Stmt, error) {
		st, err := tx.PrepareContext(ctx, query)
		return st, dbError(err)
	}

	// Sessions. Folder keys are unique, and SQLite checks uniqueness at
	// every statement: two sessions swapping folders would collide half
	// way. Moving every changing folder key to a placeholder first (no
	// real folder contains "/") lets the final values land in any order.
	ids := map[string]int64{} // folded code -> id, for enrollments
	for _, u := range pl.changedSessions {
		if u.folderChanged {
			if _, err := tx.ExecContext(ctx, `UPDATE sessions SET folder_key = ? WHERE id = ?`, "/"+strconv.FormatInt(u.id, 10), u.id); err != nil {
				return dbError(err)
			}
		}
	}
	for _, u := range pl.changedSessions {
		if _, err := tx.ExecContext(ctx, `UPDATE sessions SET title = ?, starts_on = ?, ends_on = ?, folder = ?, folder_key = ?, hidden = ? WHERE id = ?`,
			u.s.Title, u.s.StartsOn, u.s.EndsOn, u.s.Folder, u.folderKey, u.s.Hidden, u.id); err != nil {
			return dbError(err)
		}
		prog.step()
	}
	for _, id := range pl.hideSessions {
		if _, err := tx.ExecContext(ctx, `UPDATE sessions SET hidden = 1 WHERE id = ?`, id); err != nil {
			return dbError(err)
		}
		prog.step()
	}
	if len(pl.newSessions) > 0 {
		ins, err := stmt(`INSERT INTO sessions (code, code_key, title, starts_on, ends_on, folder, folder_key, hidden) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer ins.Close()
		for _, sess := range pl.newSessions {
			res, err := ins.ExecContext(ctx, sess.Code, sess.key, sess.Title, sess.StartsOn, sess.EndsOn, sess.Folder, sess.folderKey, sess.Hidden)
			if err != nil {
				return dbError(err)
			}
			if ids[sess.key], err = res.LastInsertId(); err != nil {
				return dbError(err)
			}
			if s.layout != nil {
				if err := s.layout.SessionFolders(sess.Code); err != nil {
					return fmt.Errorf("creating the folders of session %q: %w", sess.Code, err)
				}
			}
			prog.step()
		}
	}

	// Accounts.
	if len(pl.newAccounts) > 0 {
		ins, err := stmt(`INSERT INTO accounts (login, role, ref, name, password_hash, public_keys, disabled, expires_at, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer ins.Close()
		for _, w := range pl.newAccounts {
			if err := w.hashNow(); err != nil {
				return err
			}
			a := w.a
			if _, err := ins.ExecContext(ctx, a.Login, a.Role, a.Ref, a.Name, w.hash, w.keys, a.Disabled, a.ExpiresAt, now, now); err != nil {
				return dbError(err)
			}
			if err := s.accountFolder(a.Role, a.Ref); err != nil {
				return err
			}
			prog.step()
		}
	}
	if len(pl.changedAccounts) > 0 {
		upd, err := stmt(`UPDATE accounts SET role = ?, ref = ?, name = ?, password_hash = ?, public_keys = ?, disabled = ?, expires_at = ?, updated_at = ? WHERE id = ?`)
		if err != nil {
			return err
		}
		defer upd.Close()
		for _, w := range pl.changedAccounts {
			if err := w.hashNow(); err != nil {
				return err
			}
			a := w.a
			if _, err := upd.ExecContext(ctx, a.Role, a.Ref, a.Name, w.hash, w.keys, a.Disabled, a.ExpiresAt, now, w.id); err != nil {
				return dbError(err)
			}
			if w.folderChanged {
				if err := s.accountFolder(a.Role, a.Ref); err != nil {
					return err
				}
			}
			prog.step()
		}
	}
	for _, id := range pl.disableAccounts {
		if _, err := tx.ExecContext(ctx, `UPDATE accounts SET disabled = 1, updated_at = ? WHERE id = ?`, now, id); err != nil {
			return dbError(err)
		}
		prog.step()
	}

	// Enrollments: the session ids of stored sessions are read once.
	if len(pl.removeEnrollments)+len(pl.addEnrollments) > 0 {
		rows, err := tx.QueryContext(ctx, `SELECT code_key, id FROM sessions`)
		if err != nil {
			return dbError(err)
		}
		for rows.Next() {
			var k string
			var id int64
			if err := rows.Scan(&k, &id); err != nil {
				rows.Close()
				return dbError(err)
			}
			ids[k] = id
		}
		if err := rows.Err(); err != nil {
			return dbError(err)
		}
	}
	if len(pl.removeEnrollments) > 0 {
		del, err := stmt(`DELETE FROM enrollments WHERE session_id = ? AND role = ? AND ref = ?`)
		if err != nil {
			return err
		}
		defer del.Close()
		for _, e := range pl.removeEnrollments {
			if _, err := del.ExecContext(ctx, ids[e.sessKey], e.role, e.ref); err != nil {
				return dbError(err)
			}
			prog.step()
		}
	}
	if len(pl.addEnrollments) > 0 {
		ins, err := stmt(`INSERT INTO enrollments (session_id, role, ref) VALUES (?, ?, ?)`)
		if err != nil {
			return err
		}
		defer ins.Close()
		for _, e := range pl.addEnrollments {
			if err := ctx.Err(); err != nil {
				return err
			}
			if _, err := ins.ExecContext(ctx, ids[e.sessKey], e.role, e.ref); err != nil {
				return dbError(err)
			}
			if s.layout != nil {
				if err := s.layout.EnrollmentFolder(e.code, e.role, e.ref); err != nil {
					return fmt.Errorf("creating the folder of %s %q in session %q: %w", e.role, e.ref, e.code, err)
				}
			}
			prog.step()
		}
	}
	prog.done()
	return nil
}

// hashNow hashes a plain password in the transaction: only when the stored
// hash changed between the look before the transaction and the
// transaction, which a concurrent `account passwd` can cause.
func (w *accountWrite) hashNow() error {
	if !w.plainNoHash {
		return nil
	}
	h, err := HashPassword(w.a.Password)
	if err != nil {
		return err
	}
	w.hash, w.plainNoHash = h, false
	return nil
}

// Export returns the whole directory as a Snapshot, read in one
// transaction, without secrets: no password or hash (PasswordHash is
// empty, so importing it keeps the stored passwords); public keys are
// included (PublicKeysGiven). Accounts are ordered by login, sessions by
// code, enrollments by session, role and ref.
func (s *Store) Export(ctx context.Context) (*Snapshot, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, dbError(err)
	}
	defer tx.Rollback()
	snap := &Snapshot{}
	rows, err := tx.QueryContext(ctx, `SELECT `+accountColumns+` FROM accounts ORDER BY login`)
	if err != nil {
		return nil, dbError(err)
	}
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			rows.Close()
			return nil, dbError(err)
		}
		snap.Accounts = append(snap.Accounts, ImportAccount{
			Login: a.Login, Role: a.Role, Ref: a.Ref, Name: a.Name,
			PublicKeys: a.PublicKeys, PublicKeysGiven: true,
			Disabled: a.Disabled, ExpiresAt: a.ExpiresAt,
		})
	}
	if err := rows.Err(); err != nil {
		return nil, dbError(err)
	}
	rows, err = tx.QueryContext(ctx, `SELECT `+sessionColumns+` FROM sessions s ORDER BY s.code_key, s.code`)
	if err != nil {
		return nil, dbError(err)
	}
	for rows.Next() {
		sess, err := scanSession(rows)
		if err != nil {
			rows.Close()
			return nil, dbError(err)
		}
		snap.Sessions = append(snap.Sessions, sess)
	}
	if err := rows.Err(); err != nil {
		return nil, dbError(err)
	}
	rows, err = tx.QueryContext(ctx, `SELECT s.code, e.role, e.ref FROM enrollments e JOIN sessions s ON s.id = e.session_id
		ORDER BY s.code_key, s.code, e.role, e.ref`)
	if err != nil {
		return nil, dbError(err)
	}
	for rows.Next() {
		var e Enrollment
		if err := rows.Scan(&e.Session, &e.Role, &e.Ref); err != nil {
			rows.Close()
			return nil, dbError(err)
		}
		snap.Enrollments = append(snap.Enrollments, e)
	}
	return snap, dbError(rows.Err())
}

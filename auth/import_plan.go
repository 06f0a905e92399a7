package auth

import (
	"slices"
	"strings"

	"github.com/dossierd/dossierd/domain"
)

// The plan: what the import changes, computed from the prepared snapshot
// and the stored state alone. It is pure (no database, no disk), so that
// the dry run, the look before the lock and the transaction agree, and
// so that it is tested without SQLite (import_plan_test.go).

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
	clientChanges     []enrollmentWrite // stored enrollments whose client changes
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
	client                   string // final value
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
		if a.Email != old.email {
			fields = append(fields, "email")
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
	changeClient := func(k enrKey, client string) {
		code := st.sessions[k.sess].Code
		pl.clientChanges = append(pl.clientChanges, enrollmentWrite{k.sess, code, k.role, k.ref, client})
		d.add(Change{Kind: KindEnrollments, Op: OpChanged, Key: code + " " + k.role + " " + k.ref, Fields: []string{"client"}})
	}
	for _, e := range p.enrollments {
		k := enrKey{e.sessKey, e.role, e.ref}
		inFile[k] = true
		if client, stored := st.enrollments[k]; stored {
			if client == e.client {
				d.Enrollments.Unchanged++
			} else {
				changeClient(k, e.client)
			}
			continue
		}
		var code string
		if old := st.sessions[e.sessKey]; old != nil {
			code = old.Code
		} else {
			// check made sure that a session not stored is in the file.
			code = p.sessions[p.sessionIdx[e.sessKey]].Code
		}
		pl.addEnrollments = append(pl.addEnrollments, enrollmentWrite{e.sessKey, code, e.role, e.ref, e.client})
		d.add(Change{Kind: KindEnrollments, Op: OpAdded, Key: code + " " + e.role + " " + e.ref})
	}
	for k, client := range st.enrollments {
		if inFile[k] {
			continue
		}
		if !opts.Prune && refsAfter[roleRef{k.role, k.ref}] {
			// Kept; but a trainee sent by a client whose ref no account
			// has any more is sent by no one, as DeleteAccount does.
			if client != "" && !refsAfter[roleRef{domain.RoleClient, client}] {
				changeClient(k, "")
			}
			continue
		}
		code := st.sessions[k.sess].Code
		pl.removeEnrollments = append(pl.removeEnrollments, enrollmentWrite{k.sess, code, k.role, k.ref, ""})
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

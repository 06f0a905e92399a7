package auth

import (
	"strings"

	"github.com/dossierd/dossierd/catalogue"
	"github.com/dossierd/dossierd/domain"
)

// Validation: prepareImport checks what needs no database and normalises
// the snapshot; check checks it against the stored directory.

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
	client    string
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
				Text: catalogue.AppearsTwice.F(a.Login)})
		} else {
			p.accountIdx[pa.key] = i
		}
		roleErr := validateRole(a.Role)
		if roleErr != nil {
			ps.add(k, i, "role", roleErr)
		}
		switch {
		case a.Role == domain.RoleStaff && a.Ref != "":
			ps.addf(k, i, "ref", catalogue.MustBeEmptyStaff, a.Ref)
		case a.Role != domain.RoleStaff && a.Ref == "":
			// With an unknown role, the role is the problem to report.
			if roleErr == nil {
				ps.addf(k, i, "ref", catalogue.ImportRefRequired, a.Role)
			}
		case a.Role != domain.RoleStaff:
			if err := checkName("ref", a.Ref); err != nil {
				ps.add(k, i, "ref", err)
			}
		}
		if err := validateText("name", a.Name); err != nil {
			ps.add(k, i, "name", err)
		}
		if err := validateEmail("email", a.Email); err != nil {
			ps.add(k, i, "email", err)
		}
		if a.Password != "" && a.PasswordHash != "" {
			// Which one was meant? Guessing would store a password the
			// TMS did not intend.
			ps.addf(k, i, "password", catalogue.PasswordAndHashBoth)
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
						ps.addf(k, i, "public_keys", catalogue.EmptyEntry)
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
				ps = append(ps, ImportProblem{Kind: k, Index: i, Field: "expires_at", Text: dateText(a.ExpiresAt), Other: -1})
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
				Text: catalogue.AppearsTwice.F(sess.Code)})
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
				Text: catalogue.FolderOfTwo.F(ps2.Folder)})
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
				ps = append(ps, ImportProblem{Kind: k, Index: i, Field: d.field, Text: dateText(d.value), Other: -1})
				badDate = true
			}
		}
		if !badDate && sess.StartsOn != "" && sess.EndsOn != "" && sess.EndsOn < sess.StartsOn {
			ps.addf(k, i, "ends_on", catalogue.EndsBeforeStarts, sess.EndsOn, sess.StartsOn)
		}
		p.sessions = append(p.sessions, ps2)
	}

	seen := make(map[enrKey]int, len(snap.Enrollments)) // -> index in p.enrollments
	sessKeys := map[string]string{}                     // session as written -> folded, computed once
	for i, e := range snap.Enrollments {
		const k = KindEnrollments
		sk, known := sessKeys[e.Session]
		if !known {
			sk = foldKey(e.Session)
			sessKeys[e.Session] = sk
		}
		pe := pEnrollment{index: i, session: e.Session, sessKey: sk, role: internRole(e.Role), ref: e.Ref, client: e.Client}
		ok := true
		if e.Session == "" {
			ps.addf(k, i, "session", catalogue.ImportRequired)
			ok = false
		}
		if err := validateEnrollRole(e.Role); err != nil {
			ps.add(k, i, "role", err)
			ok = false
		}
		if e.Ref == "" {
			ps.addf(k, i, "ref", catalogue.ImportRequired)
			ok = false
		} else if err := checkName("ref", e.Ref); err != nil {
			ps.add(k, i, "ref", err)
			ok = false
		}
		if e.Client != "" && e.Role != domain.RoleTrainee && ok {
			ps.addf(k, i, "client", catalogue.ImportClientNotTrainee, e.Client, e.Role)
			ok = false
		}
		if !ok {
			continue
		}
		// The same enrollment twice is what a TMS joining its tables
		// produces; it means nothing more than once, unless the two
		// disagree on who sent the trainee.
		key := enrKey{pe.sessKey, pe.role, e.Ref}
		if j, dup := seen[key]; dup {
			if first := p.enrollments[j]; first.client != pe.client {
				ps = append(ps, ImportProblem{Kind: k, Index: i, Field: "client", Other: first.index,
					Text: catalogue.ClientsDiffer.F(pe.client, first.client)})
			}
			continue
		}
		seen[key] = len(p.enrollments)
		p.enrollments = append(p.enrollments, pe)
	}
	return p, ps
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
			ps.addf(KindSessions, i, "folder", catalogue.FolderOfStored, sess.Folder, other.Code)
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
			ps.addf(KindEnrollments, e.index, "session", catalogue.SessionPruned, e.session)
		default:
			ps.addf(KindEnrollments, e.index, "session", catalogue.SessionNowhere, e.session)
		}
		for _, r := range []struct{ field, role, ref string }{{"ref", e.role, e.ref}, {"client", domain.RoleClient, e.client}} {
			if r.ref == "" || refs[roleRef{r.role, r.ref}] {
				continue
			}
			if prune {
				ps.addf(KindEnrollments, e.index, r.field, catalogue.RefPruned, r.ref, r.role)
			} else {
				ps.addf(KindEnrollments, e.index, r.field, catalogue.RefNowhere, r.ref, r.role)
			}
		}
	}
	return ps
}

package auth

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/dossierd/dossierd/domain"
)

func generation(t *testing.T, s *Store) int64 {
	t.Helper()
	g, err := s.Generation(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func mustApply(t *testing.T, s *Store, snap *Snapshot, opts ApplyOptions) *Diff {
	t.Helper()
	d, err := s.Apply(context.Background(), snap, opts)
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	return d
}

// changes renders a diff's changes as "kind op key: fields" lines.
func changes(d *Diff) []string {
	var out []string
	for _, c := range d.Changes {
		l := string(c.Kind) + " " + string(c.Op) + " " + c.Key
		if len(c.Fields) > 0 {
			l += ": " + strings.Join(c.Fields, ",")
		}
		out = append(out, l)
	}
	return out
}

func baseSnapshot(key string) *Snapshot {
	return &Snapshot{
		Accounts: []ImportAccount{
			{Login: "acme", Role: domain.RoleClient, Ref: "C0042", Name: "ACME SARL", PasswordHash: testHash()},
			{Login: "jdupont", Role: domain.RoleTrainee, Ref: "T0107", Name: "Jeanne Dupont", Password: "jeanne-2026",
				PublicKeys: []string{key + "  jeanne@laptop"}, PublicKeysGiven: true, ExpiresAt: "2027-06-30"},
			{Login: "fmartin", Role: domain.RoleTrainer, Ref: "F0003", Name: "François Martin"},
			{Login: "backoffice", Role: domain.RoleStaff, Name: "Back office"},
		},
		Sessions: []Session{
			{Code: "S2026-014", Title: "SST Lyon", StartsOn: "2026-03-02", EndsOn: "2026-03-04", Folder: "S2026-014 SST Lyon"},
			{Code: "S2026-021", Title: "Excel"},
		},
		Enrollments: []Enrollment{
			{"S2026-014", domain.RoleClient, "C0042", ""},
			{"S2026-014", domain.RoleTrainee, "T0107", ""},
			{"s2026-014", domain.RoleTrainee, "T0107", ""}, // a duplicate (case of the code aside) is harmless
			{"S2026-014", domain.RoleTrainer, "F0003", ""},
			{"S2026-021", domain.RoleClient, "C0042", ""},
		},
	}
}

func TestApplyAddsThenIsIdempotent(t *testing.T) {
	ctx := context.Background()
	l := &fakeLayout{}
	s := newStore(t, Options{Layout: l})
	key := testKey(t).line
	snap := baseSnapshot(key)
	orig := *snap
	orig.Accounts = slices.Clone(snap.Accounts)

	d := mustApply(t, s, snap, ApplyOptions{})
	want := []string{
		"accounts added acme", "accounts added backoffice", "accounts added fmartin", "accounts added jdupont",
		"sessions added S2026-014", "sessions added S2026-021",
		"enrollments added S2026-014 client C0042", "enrollments added S2026-014 trainee T0107",
		"enrollments added S2026-014 trainer F0003", "enrollments added S2026-021 client C0042",
	}
	if got := changes(d); !reflect.DeepEqual(got, want) {
		t.Errorf("changes:\n%q\nwant\n%q", got, want)
	}
	if d.Accounts.Added != 4 || d.Sessions.Added != 2 || d.Enrollments.Added != 4 {
		t.Errorf("counts %+v %+v %+v", d.Accounts, d.Sessions, d.Enrollments)
	}
	if !reflect.DeepEqual(snap.Accounts, orig.Accounts) {
		t.Error("Apply modified the snapshot")
	}
	calls := l.take()
	for _, c := range []string{"account(client,C0042)", "account(trainee,T0107)", "account(trainer,F0003)",
		"session(S2026-014)", "session(S2026-021)", "enrollment(S2026-014,trainee,T0107)", "enrollment(S2026-021,client,C0042)"} {
		if !slices.Contains(calls, c) {
			t.Errorf("Layout was not called with %s: %q", c, calls)
		}
	}
	// Each twice: before the transaction, and in it.
	if len(calls) != 2*(3+2+4) || !reflect.DeepEqual(calls[:9], calls[9:]) {
		t.Errorf("%d Layout calls, want 2 x 9: %q", len(calls), calls)
	}

	// What was stored.
	j, err := s.Account(ctx, "JDUPONT")
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := VerifyPassword(j.PasswordHash, "jeanne-2026"); !ok || !strings.HasPrefix(j.PasswordHash, "$argon2id$") {
		t.Errorf("plain password not hashed with argon2id: %q", j.PasswordHash)
	}
	if want := []string{key + " jeanne@laptop"}; !reflect.DeepEqual(j.PublicKeys, want) || j.ExpiresAt != "2027-06-30" {
		t.Errorf("jdupont = %+v", j)
	}
	if a, _ := s.Account(ctx, "acme"); a.PasswordHash != testHash() {
		t.Error("password_hash not stored as it is")
	}
	if f, _ := s.Account(ctx, "fmartin"); f.PasswordHash != "" {
		t.Error("an account without password got one")
	}
	if got, _ := s.SessionsOf(ctx, domain.RoleClient, "C0042"); len(got) != 2 || got[0].Folder != "S2026-014 SST Lyon" || got[1].Folder != "S2026-021" {
		t.Errorf("SessionsOf(C0042) = %+v", got)
	}

	// The same import again: nothing written, generation unmoved, no
	// password re-hashed (the hash is the very same string).
	gen := generation(t, s)
	d = mustApply(t, s, snap, ApplyOptions{})
	if !d.Empty() || d.Locked != 0 {
		t.Errorf("second import changed %q (write lock held %v)", changes(d), d.Locked)
	}
	if d.Accounts.Unchanged != 4 || d.Sessions.Unchanged != 2 || d.Enrollments.Unchanged != 4 {
		t.Errorf("unchanged counts %+v %+v %+v", d.Accounts, d.Sessions, d.Enrollments)
	}
	if g := generation(t, s); g != gen {
		t.Errorf("generation moved %d -> %d on an identical import", gen, g)
	}
	if j2, _ := s.Account(ctx, "jdupont"); j2.PasswordHash != j.PasswordHash || !j2.UpdatedAt.Equal(j.UpdatedAt) {
		t.Error("an unchanged plain password was hashed again")
	}
	if calls := l.take(); len(calls) != 0 {
		t.Errorf("Layout called on an identical import: %q", calls)
	}

	// Neither password nor password_hash, and no public_keys: the stored
	// credentials stay.
	snap.Accounts[1].Password = ""
	snap.Accounts[1].PublicKeys, snap.Accounts[1].PublicKeysGiven = nil, false
	if d := mustApply(t, s, snap, ApplyOptions{}); !d.Empty() {
		t.Errorf("import without credentials changed %q", changes(d))
	}
}

func TestApplyChanges(t *testing.T) {
	ctx := context.Background()
	l := &fakeLayout{}
	s := newStore(t, Options{Layout: l})
	key, key2 := testKey(t).line, testKey(t).line
	snap := baseSnapshot(key)
	mustApply(t, s, snap, ApplyOptions{})
	l.take()
	before, _ := s.Account(ctx, "jdupont")

	snap = baseSnapshot(key)
	snap.Accounts[0].Name = "ACME SAS"
	snap.Accounts[0].Disabled = true
	snap.Accounts[1].Password = "new-password"
	snap.Accounts[1].PublicKeys = []string{key2}
	snap.Accounts[1].ExpiresAt = ""
	snap.Accounts[2].Ref = "F0004" // the trainer gets another ref: its enrollment goes
	snap.Enrollments = slices.DeleteFunc(snap.Enrollments, func(e Enrollment) bool { return e.Ref == "F0003" })
	snap.Sessions[0].Title = "SST Lyon (2 jours)"
	snap.Sessions[1].Hidden = true
	d := mustApply(t, s, snap, ApplyOptions{})
	want := []string{
		"accounts disabled acme: name",
		"accounts changed fmartin: ref",
		"accounts changed jdupont: password,public_keys,expires_at",
		"sessions changed S2026-014: title",
		"sessions hidden S2026-021",
		"enrollments removed S2026-014 trainer F0003",
	}
	if got := changes(d); !reflect.DeepEqual(got, want) {
		t.Errorf("changes:\n%q\nwant\n%q", got, want)
	}
	if calls := l.take(); !reflect.DeepEqual(calls, []string{"account(trainer,F0004)", "account(trainer,F0004)"}) {
		t.Errorf("Layout calls %q", calls)
	}
	j, _ := s.Account(ctx, "jdupont")
	if ok, _ := VerifyPassword(j.PasswordHash, "new-password"); !ok || j.PasswordHash == before.PasswordHash {
		t.Error("changed plain password not stored")
	}
	if !reflect.DeepEqual(j.PublicKeys, []string{key2}) || j.ExpiresAt != "" {
		t.Errorf("jdupont = %+v", j)
	}
	if a, _ := s.Account(ctx, "acme"); !a.Disabled || a.Name != "ACME SAS" {
		t.Errorf("acme = %+v", a)
	}
	if got, _ := s.SessionsOf(ctx, domain.RoleClient, "C0042"); len(got) != 1 {
		t.Errorf("a hidden session is still shown: %+v", got)
	}
	if d := mustApply(t, s, snap, ApplyOptions{}); !d.Empty() {
		t.Errorf("re-import changed %q", changes(d))
	}

	// Back: the account is enabled, the session shown again.
	snap.Accounts[0].Disabled = false
	snap.Sessions[1].Hidden = false
	d = mustApply(t, s, snap, ApplyOptions{})
	if got, want := changes(d), []string{"accounts changed acme: enabled", "sessions changed S2026-021: shown"}; !reflect.DeepEqual(got, want) {
		t.Errorf("changes %q, want %q", got, want)
	}
}

func TestApplyDryRun(t *testing.T) {
	ctx := context.Background()
	l := &fakeLayout{}
	s := newStore(t, Options{Layout: l})
	snap := baseSnapshot(testKey(t).line)
	gen := generation(t, s)
	dry := mustApply(t, s, snap, ApplyOptions{DryRun: true})
	if g := generation(t, s); g != gen {
		t.Errorf("dry run moved the generation %d -> %d", gen, g)
	}
	if calls := l.take(); len(calls) != 0 {
		t.Errorf("dry run called the Layout: %q", calls)
	}
	if a, _ := s.Accounts(ctx); len(a) != 0 {
		t.Errorf("dry run stored accounts: %+v", a)
	}
	real := mustApply(t, s, snap, ApplyOptions{})
	if !reflect.DeepEqual(changes(dry), changes(real)) {
		t.Errorf("dry run said %q, the import did %q", changes(dry), changes(real))
	}

	// A password change is seen by a dry run (it verifies) without storing.
	before, _ := s.Account(ctx, "jdupont")
	snap.Accounts[1].Password = "another"
	dry = mustApply(t, s, snap, ApplyOptions{DryRun: true, Prune: true})
	if got := changes(dry); !reflect.DeepEqual(got, []string{"accounts changed jdupont: password"}) {
		t.Errorf("dry run changes %q", got)
	}
	if after, _ := s.Account(ctx, "jdupont"); after.PasswordHash != before.PasswordHash {
		t.Error("dry run changed a password")
	}
}

func TestApplyPrune(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, Options{})
	full := baseSnapshot(testKey(t).line)
	mustApply(t, s, full, ApplyOptions{})

	// The TMS no longer lists globex... which was never imported, acme,
	// session S2026-021 and its enrollment.
	mustAddAccount(t, s, "admin2", domain.RoleStaff, "")
	part := baseSnapshot(testKey(t).line)
	part.Accounts = part.Accounts[1:]
	part.Sessions = part.Sessions[:1]
	part.Enrollments = []Enrollment{{"S2026-014", domain.RoleTrainee, "T0107", ""}, {"S2026-014", domain.RoleTrainer, "F0003", ""}}
	part.Accounts[0].PublicKeysGiven = false

	// Without prune, what is absent stays.
	d := mustApply(t, s, part, ApplyOptions{DryRun: true})
	if !d.Empty() {
		t.Errorf("import without prune would change %q", changes(d))
	}

	d = mustApply(t, s, part, ApplyOptions{Prune: true})
	want := []string{
		"accounts disabled acme", "accounts disabled admin2",
		"sessions hidden S2026-021",
		"enrollments removed S2026-014 client C0042", "enrollments removed S2026-021 client C0042",
	}
	if got := changes(d); !reflect.DeepEqual(got, want) {
		t.Errorf("changes:\n%q\nwant\n%q", got, want)
	}
	if a, err := s.Account(ctx, "acme"); err != nil || !a.Disabled {
		t.Errorf("acme = %+v, %v; want kept and disabled", a, err)
	}
	if sess, err := s.Session(ctx, "S2026-021"); err != nil || !sess.Hidden {
		t.Errorf("S2026-021 = %+v, %v; want kept and hidden", sess, err)
	}
	gen := generation(t, s)
	if d := mustApply(t, s, part, ApplyOptions{Prune: true}); !d.Empty() {
		t.Errorf("second pruning import changed %q", changes(d))
	}
	if g := generation(t, s); g != gen {
		t.Error("second pruning import moved the generation")
	}

	// They come back: enabled, shown, enrolled again (admin2, still absent,
	// is already disabled).
	d = mustApply(t, s, full, ApplyOptions{Prune: true})
	want = []string{
		"accounts changed acme: enabled",
		"sessions changed S2026-021: shown",
		"enrollments added S2026-014 client C0042", "enrollments added S2026-021 client C0042",
	}
	if got := changes(d); !reflect.DeepEqual(got, want) {
		t.Errorf("changes:\n%q\nwant\n%q", got, want)
	}
}

func TestApplySwapsFolders(t *testing.T) {
	s := newStore(t, Options{})
	snap := &Snapshot{Sessions: []Session{{Code: "S1", Folder: "Alpha"}, {Code: "S2", Folder: "Beta"}}}
	mustApply(t, s, snap, ApplyOptions{})
	snap.Sessions[0].Folder, snap.Sessions[1].Folder = "beta", "Alpha"
	d := mustApply(t, s, snap, ApplyOptions{})
	if got := changes(d); !reflect.DeepEqual(got, []string{"sessions changed S1: folder", "sessions changed S2: folder"}) {
		t.Errorf("changes %q", got)
	}
	if s1, _ := s.Session(context.Background(), "S1"); s1.Folder != "beta" {
		t.Errorf("S1 folder %q", s1.Folder)
	}
	// A new session may take a folder another one leaves.
	snap.Sessions = append(snap.Sessions, Session{Code: "S3", Folder: "beta"})
	snap.Sessions[0].Folder = "Gamma"
	mustApply(t, s, snap, ApplyOptions{})
}

func TestApplyProblems(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, Options{CheckName: func(name string) error {
		if strings.ContainsAny(name, "éè'") {
			return errors.New(`name "` + name + `" refused: not allowed; try "x"`)
		}
		return nil
	}})
	mustAddAccount(t, s, "stored", domain.RoleTrainee, "T-STORED")
	mustAddSession(t, s, Session{Code: "S-STORED", Folder: "Stored folder"})
	gen := generation(t, s)

	type want struct {
		kind  Kind
		index int
		field string
		text  string
		other int
	}
	tests := []struct {
		name  string
		snap  Snapshot
		prune bool
		want  []want
	}{
		{"unknown role", Snapshot{Accounts: []ImportAccount{{Login: "a", Role: "teacher", Ref: "X"}}},
			false, []want{{KindAccounts, 0, "role", `"teacher" is not one of client, trainee, trainer, staff`, -1}}},
		{"duplicate login", Snapshot{Accounts: []ImportAccount{
			{Login: "acme", Role: domain.RoleStaff}, {Login: "x", Role: domain.RoleStaff}, {Login: "ACME", Role: domain.RoleStaff}}},
			false, []want{{KindAccounts, 2, "login", `"ACME" appears twice, ignoring case`, 0}}},
		{"bad login", Snapshot{Accounts: []ImportAccount{{Login: "jean dupont", Role: domain.RoleStaff}}},
			false, []want{{KindAccounts, 0, "login", `"jean dupont" contains ' '`, -1}}},
		{"ref for staff, no ref for client", Snapshot{Accounts: []ImportAccount{
			{Login: "a", Role: domain.RoleStaff, Ref: "S1"}, {Login: "b", Role: domain.RoleClient}}},
			false, []want{{KindAccounts, 0, "ref", `"S1" must be empty for a staff account`, -1}, {KindAccounts, 1, "ref", "is required for a client account", -1}}},
		{"ref refused by the policy", Snapshot{Accounts: []ImportAccount{{Login: "a", Role: domain.RoleClient, Ref: "Société"}}},
			false, []want{{KindAccounts, 0, "ref", `"Société" refused: not allowed; try "x"`, -1}}},
		{"both passwords", Snapshot{Accounts: []ImportAccount{{Login: "a", Role: domain.RoleStaff, Password: "p", PasswordHash: testHash()}}},
			false, []want{{KindAccounts, 0, "password", "and password_hash are both given", -1}}},
		{"invalid hash", Snapshot{Accounts: []ImportAccount{{Login: "a", Role: domain.RoleStaff, PasswordHash: "$6$salt$hash"}}},
			false, []want{{KindAccounts, 0, "password_hash", `has unsupported format "$6$"`, -1}}},
		{"malformed key", Snapshot{Accounts: []ImportAccount{{Login: "a", Role: domain.RoleStaff, PublicKeys: []string{"ssh-ed25519 AAAA!!"}, PublicKeysGiven: true}}},
			false, []want{{KindAccounts, 0, "public_keys", `"ssh-ed25519 AAAA!!": has key data that is not valid base64`, -1}}},
		{"bad dates", Snapshot{
			Accounts: []ImportAccount{{Login: "a", Role: domain.RoleStaff, ExpiresAt: "30/06/2027"}},
			Sessions: []Session{{Code: "S1", StartsOn: "2026-02-30"}, {Code: "S2", StartsOn: "2026-03-04", EndsOn: "2026-03-02"}}},
			false, []want{
				{KindAccounts, 0, "expires_at", `"30/06/2027" is not a date of the form YYYY-MM-DD (write 2027-06-30)`, -1},
				{KindSessions, 0, "starts_on", `"2026-02-30" is not a date of the form YYYY-MM-DD`, -1},
				{KindSessions, 1, "ends_on", `"2026-03-02" is before starts_on "2026-03-04"`, -1}}},
		{"duplicate session code and folder", Snapshot{Sessions: []Session{
			{Code: "S1", Folder: "Welding"}, {Code: "s1"}, {Code: "S3", Folder: "WELDING"}}},
			false, []want{
				{KindSessions, 1, "code", `"s1" appears twice, ignoring case`, 0},
				{KindSessions, 2, "folder", `"WELDING" is the folder of two sessions, ignoring case`, 0}}},
		{"folder of a stored session", Snapshot{Sessions: []Session{{Code: "S1", Folder: "stored FOLDER"}}},
			false, []want{{KindSessions, 0, "folder", `"stored FOLDER" is already the folder of session "S-STORED"`, -1}}},
		{"folder and code refused", Snapshot{Sessions: []Session{{Code: "S'1", Folder: "Été"}}},
			false, []want{{KindSessions, 0, "code", `"S'1" refused`, -1}, {KindSessions, 0, "folder", `"Été" refused`, -1}}},
		{"enrollment of unknown session, ref and role", Snapshot{
			Accounts:    []ImportAccount{{Login: "a", Role: domain.RoleClient, Ref: "C1"}},
			Enrollments: []Enrollment{{"S9", domain.RoleClient, "C1", ""}, {"S-STORED", domain.RoleTrainee, "T9", ""}, {"S-STORED", domain.RoleStaff, "C1", ""}, {"S-STORED", domain.RoleClient, "é", ""}}},
			false, []want{
				{KindEnrollments, 0, "session", `"S9" is neither in the file nor in the directory`, -1},
				{KindEnrollments, 1, "ref", `"T9" has no trainee account, neither in the file nor in the directory`, -1},
				{KindEnrollments, 2, "role", `"staff" cannot be enrolled`, -1},
				{KindEnrollments, 3, "ref", `"é" refused`, -1}}},
		{"enrollment of stored things, with prune", Snapshot{Enrollments: []Enrollment{{"S-STORED", domain.RoleTrainee, "T-STORED", ""}}},
			true, []want{
				{KindEnrollments, 0, "session", `"S-STORED" is not in the file (with --prune`, -1},
				{KindEnrollments, 0, "ref", `"T-STORED" has no trainee account in the file (with --prune`, -1}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, dry := range []bool{false, true} {
				d, err := s.Apply(ctx, &tc.snap, ApplyOptions{Prune: tc.prune, DryRun: dry})
				checkErr := s.CheckImport(ctx, &tc.snap, ApplyOptions{Prune: tc.prune})
				var ie *ImportError
				if !errors.As(err, &ie) || d != nil {
					t.Fatalf("Apply = %v, %v; want an *ImportError", d, err)
				}
				if !reflect.DeepEqual(checkErr, err) {
					t.Errorf("CheckImport = %v\nApply = %v", checkErr, err)
				}
				if len(ie.Problems) != len(tc.want) {
					t.Errorf("%d problems, want %d:\n%v", len(ie.Problems), len(tc.want), err)
				}
				for i, w := range tc.want {
					if i >= len(ie.Problems) {
						break
					}
					p := ie.Problems[i]
					if p.Kind != w.kind || p.Index != w.index || p.Field != w.field || !strings.HasPrefix(p.Text, w.text) || p.Other != w.other {
						t.Errorf("problem %d = %+v\nwant %+v", i, p, w)
					}
				}
			}
		})
	}
	if g := generation(t, s); g != gen {
		t.Errorf("refused imports moved the generation %d -> %d", gen, g)
	}
	if a, _ := s.Accounts(ctx); len(a) != 1 {
		t.Errorf("refused imports stored accounts: %+v", a)
	}

	// Without prune, stored sessions and accounts can be enrolled.
	enroll := &Snapshot{Enrollments: []Enrollment{{"s-stored", domain.RoleTrainee, "T-STORED", ""}}}
	if d := mustApply(t, s, enroll, ApplyOptions{}); !reflect.DeepEqual(changes(d), []string{"enrollments added S-STORED trainee T-STORED"}) {
		t.Errorf("changes %q", changes(d))
	}
}

// failingLayout fails every call after the first `ok` ones.
type failingLayout struct {
	fakeLayout
	ok int
}

func (l *failingLayout) check(err error) error {
	if err == nil && len(l.calls) > l.ok {
		return errors.New("disk full")
	}
	return err
}

func (l *failingLayout) AccountFolder(role, ref string) error {
	return l.check(l.fakeLayout.AccountFolder(role, ref))
}
func (l *failingLayout) SessionFolders(code string) error {
	return l.check(l.fakeLayout.SessionFolders(code))
}
func (l *failingLayout) EnrollmentFolder(code, role, ref string) error {
	return l.check(l.fakeLayout.EnrollmentFolder(code, role, ref))
}

func TestApplyLayoutErrorRollsBack(t *testing.T) {
	ctx := context.Background()
	// Failing before the transaction (call 5 of the 9 made beforehand),
	// then in it (call 12: the transaction has written rows by then).
	for _, ok := range []int{4, 11} {
		l := &failingLayout{ok: ok}
		s := newStore(t, Options{Layout: l})
		gen := generation(t, s)
		_, err := s.Apply(ctx, baseSnapshot(testKey(t).line), ApplyOptions{})
		if err == nil || !strings.Contains(err.Error(), "creating the folder") || !strings.HasSuffix(err.Error(), "disk full") {
			t.Fatalf("Apply = %v", err)
		}
		if len(l.calls) != ok+1 {
			t.Errorf("%d Layout calls, want %d", len(l.calls), ok+1)
		}
		if a, _ := s.Accounts(ctx); len(a) != 0 || generation(t, s) != gen {
			t.Errorf("a failed import left %d accounts, generation %d -> %d", len(a), gen, generation(t, s))
		}
	}
}

// The stored hash may change between the verification (before the
// transaction) and the transaction: the password is then hashed anew.
func TestApplyPasswordChangedMeanwhile(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, Options{})
	snap := &Snapshot{Accounts: []ImportAccount{{Login: "a", Role: domain.RoleStaff, Password: "pw"}}}
	mustApply(t, s, snap, ApplyOptions{})
	p, _ := s.prepareImport(snap)
	st, err := s.readImportState(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pw, err := p.passwords(ctx, st, ApplyOptions{})
	if err != nil || !pw["a"].verified {
		t.Fatalf("passwords = %+v, %v", pw, err)
	}
	// Another process sets another password...
	if err := s.SetPassword(ctx, "a", "other"); err != nil {
		t.Fatal(err)
	}
	st, _ = s.readImportState(ctx)
	p.check(st, false)
	pl, err := p.plan(st, pw, ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := changes(pl.diff); !reflect.DeepEqual(got, []string{"accounts changed a: password"}) || !pl.changedAccounts[0].plainNoHash {
		t.Fatalf("plan %q", got)
	}
	// ...and the import, which says "pw", wins.
	mustApply(t, s, snap, ApplyOptions{})
	a, _ := s.Account(ctx, "a")
	if ok, _ := VerifyPassword(a.PasswordHash, "pw"); !ok {
		t.Error("the imported password was not set")
	}
}

func TestExportRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, Options{})
	key := testKey(t).line
	mustApply(t, s, baseSnapshot(key), ApplyOptions{})
	part := baseSnapshot(key)
	part.Sessions = part.Sessions[:1]
	part.Enrollments = part.Enrollments[:4]
	part.Accounts[0].Disabled = true
	mustApply(t, s, part, ApplyOptions{Prune: true})

	snap, err := s.Export(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range snap.Accounts {
		if a.Password != "" || a.PasswordHash != "" || !a.PublicKeysGiven {
			t.Errorf("exported account %+v carries a secret or lacks its keys", a)
		}
	}
	if len(snap.Sessions) != 2 || !snap.Sessions[1].Hidden {
		t.Errorf("exported sessions %+v", snap.Sessions)
	}
	gen := generation(t, s)
	for _, prune := range []bool{false, true} {
		if d := mustApply(t, s, snap, ApplyOptions{Prune: prune}); !d.Empty() {
			t.Errorf("importing the export (prune %v) changed %q", prune, changes(d))
		}
	}
	if generation(t, s) != gen {
		t.Error("importing the export moved the generation")
	}
	again, _ := s.Export(ctx)
	if !reflect.DeepEqual(snap, again) {
		t.Error("export differs after importing it")
	}
}

func TestProgressReported(t *testing.T) {
	s := newStore(t, Options{})
	var stages []string
	last := map[string][2]int{}
	snap := &Snapshot{Accounts: []ImportAccount{{Login: "a", Role: domain.RoleStaff, Password: "pw"}, {Login: "b", Role: domain.RoleStaff}}}
	mustApply(t, s, snap, ApplyOptions{Progress: func(stage string, done, total int) {
		if !slices.Contains(stages, stage) {
			stages = append(stages, stage)
		}
		last[stage] = [2]int{done, total}
	}})
	if !reflect.DeepEqual(stages, []string{StageHash, StageWrite}) || last[StageHash] != [2]int{1, 1} || last[StageWrite] != [2]int{2, 2} {
		t.Errorf("progress: stages %q, last %v", stages, last)
	}
}

package auth

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/dossierd/dossierd/domain"
)

func TestSessionCRUD(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, Options{})

	mustAddSession(t, s, Session{Code: "S2026-014", Title: "Soudure", StartsOn: "2026-03-02", EndsOn: "2026-03-06"})
	mustAddSession(t, s, Session{Code: "S2026-002", Folder: "l'été", Hidden: true})

	got, err := s.Session(ctx, "s2026-014")
	if err != nil {
		t.Fatal(err)
	}
	want := Session{Code: "S2026-014", Title: "Soudure", StartsOn: "2026-03-02", EndsOn: "2026-03-06", Folder: "S2026-014"}
	if got != want {
		t.Errorf("Session = %+v, want %+v (folder defaults to the code)", got, want)
	}

	dup := []struct {
		sess Session
		msg  string
	}{
		{Session{Code: "S2026-014"}, `session "S2026-014" already exists`},
		{Session{Code: "s2026-014", Folder: "x"}, `session "s2026-014" already exists (as "S2026-014")`},
		{Session{Code: "S3", Folder: "s2026-014"}, `session folder "s2026-014" is already used by session "S2026-014"`},
		// Case folding is Unicode's, not just ASCII's.
		{Session{Code: "S4", Folder: "L'ÉTÉ"}, `session folder "L'ÉTÉ" is already used by session "S2026-002"`},
	}
	for _, d := range dup {
		err := s.AddSession(ctx, d.sess)
		if !errors.Is(err, ErrExists) || err.Error() != d.msg {
			t.Errorf("AddSession(%+v) = %v, want %q", d.sess, err, d.msg)
		}
	}

	all, err := s.Sessions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || all[0].Code != "S2026-002" || !all[0].Hidden || all[1].Code != "S2026-014" {
		t.Errorf("Sessions = %+v", all)
	}

	// Update: found case-insensitively, the code keeps its spelling.
	if err := s.UpdateSession(ctx, Session{Code: "s2026-014", Title: "Soudure TIG", Folder: "Soudure"}); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Session(ctx, "S2026-014")
	if want := (Session{Code: "S2026-014", Title: "Soudure TIG", Folder: "Soudure"}); got != want {
		t.Errorf("after update: %+v, want %+v", got, want)
	}
	if err := s.UpdateSession(ctx, Session{Code: "S2026-014", Folder: "L'Été"}); !errors.Is(err, ErrExists) {
		t.Errorf("UpdateSession to a used folder = %v, want ErrExists", err)
	}
	// Its own folder, in another case, is not a conflict.
	if err := s.UpdateSession(ctx, Session{Code: "S2026-014", Folder: "SOUDURE"}); err != nil {
		t.Errorf("UpdateSession keeping its own folder: %v", err)
	}
	// An empty folder goes back to the code, as stored.
	if err := s.UpdateSession(ctx, Session{Code: "s2026-014"}); err != nil {
		t.Fatal(err)
	}
	if got, _ = s.Session(ctx, "S2026-014"); got.Folder != "S2026-014" {
		t.Errorf("default folder after update = %q", got.Folder)
	}

	if err := s.DeleteSession(ctx, "S2026-002"); err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{
		"Session":       func() error { _, err := s.Session(ctx, "S2026-002"); return err }(),
		"UpdateSession": s.UpdateSession(ctx, Session{Code: "S2026-999"}),
		"DeleteSession": s.DeleteSession(ctx, "S2026-999"),
	} {
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("%s of a missing session = %v, want ErrNotFound", name, err)
		}
	}
	if err := s.DeleteSession(ctx, "S2026-999"); err.Error() != `no session "S2026-999"` {
		t.Errorf("message = %q", err)
	}
	// The freed folder can be used again.
	mustAddSession(t, s, Session{Code: "S5", Folder: "l'été"})
}

func TestSessionValidation(t *testing.T) {
	ctx := context.Background()
	policy := func(name string) error {
		if strings.ContainsAny(name, " '") {
			return errors.New("must not contain spaces or quotes")
		}
		return nil
	}
	s := newStore(t, Options{CheckName: policy})
	tests := []struct {
		sess Session
		want string
	}{
		{Session{}, "session code must not be empty"},
		{Session{Code: "a/b"}, `session code "a/b" must not contain "/"`},
		{Session{Code: "."}, `session code "." is not a usable name`},
		{Session{Code: "S 1"}, `session code "S 1": must not contain spaces or quotes`},
		{Session{Code: "S1", Folder: "S2026 014 l'été"}, `session folder "S2026 014 l'été": must not contain spaces or quotes`},
		{Session{Code: "S1", Folder: "a\x00b"}, `session folder "a\x00b" must not contain a NUL byte`},
		{Session{Code: "S1", Title: "a\tb"}, `session title "a\tb" must not contain control characters`},
		{Session{Code: "S1", StartsOn: "2026-02-30"}, `start date "2026-02-30" is not a date of the form YYYY-MM-DD`},
		{Session{Code: "S1", EndsOn: "tomorrow"}, `end date "tomorrow" is not a date`},
		{Session{Code: "S1", StartsOn: "2026-03-06", EndsOn: "2026-03-02"}, `end date "2026-03-02" is before the start date 2026-03-06`},
	}
	for _, tt := range tests {
		for op, f := range map[string]func(context.Context, Session) error{"AddSession": s.AddSession, "UpdateSession": s.UpdateSession} {
			err := f(ctx, tt.sess)
			var ve *ValidationError
			if !errors.As(err, &ve) || err.Error() != tt.want && !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("%s(%+v) = %v, want %q", op, tt.sess, err, tt.want)
			}
		}
	}
	if all, _ := s.Sessions(ctx); len(all) != 0 {
		t.Errorf("invalid sessions were stored: %+v", all)
	}
}

func TestEnrollments(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, Options{})
	mustAddAccount(t, s, "t1", domain.RoleTrainee, "T1")
	mustAddAccount(t, s, "acme", domain.RoleClient, "C42")
	mustAddAccount(t, s, "boss", domain.RoleStaff, "")
	mustAddSession(t, s, Session{Code: "S1", Folder: "zeta"})
	mustAddSession(t, s, Session{Code: "S2", Folder: "Alpha"})
	mustAddSession(t, s, Session{Code: "S3", Folder: "beta", Hidden: true})
	mustAddSession(t, s, Session{Code: "S4", Folder: "gamma"})

	for _, e := range []Enrollment{
		{"S1", domain.RoleTrainee, "T1", ""}, {"s2", domain.RoleTrainee, "T1", ""}, {"S3", domain.RoleTrainee, "T1", ""},
		{"S1", domain.RoleClient, "C42", ""},
		{"S1", domain.RoleTrainee, "T1", ""}, // again: not an error
	} {
		if err := s.Enroll(ctx, e); err != nil {
			t.Fatalf("Enroll(%+v): %v", e, err)
		}
	}

	bad := []struct {
		e    Enrollment
		want error
		msg  string
	}{
		{Enrollment{"S2026-999", domain.RoleTrainee, "T1", ""}, ErrNotFound, `no session "S2026-999"`},
		{Enrollment{"S1", domain.RoleTrainee, "T0999", ""}, ErrNotFound, `no trainee account with ref "T0999"`},
		{Enrollment{"S1", domain.RoleTrainer, "T1", ""}, ErrNotFound, `no trainer account with ref "T1"`},
		{Enrollment{"S1", domain.RoleStaff, "", ""}, nil, `role "staff" cannot be enrolled (only client, trainee, trainer)`},
		{Enrollment{"S1", "boss", "x", ""}, nil, `role "boss" cannot be enrolled (only client, trainee, trainer)`},
		{Enrollment{"S1", domain.RoleClient, "", ""}, nil, `ref is required`},
	}
	for _, b := range bad {
		err := s.Enroll(ctx, b.e)
		if err == nil || err.Error() != b.msg || b.want != nil && !errors.Is(err, b.want) {
			t.Errorf("Enroll(%+v) = %v, want %q", b.e, err, b.msg)
		}
	}

	all, err := s.Enrollments(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []Enrollment{{"S1", domain.RoleClient, "C42", ""}, {"S1", domain.RoleTrainee, "T1", ""}, {"S2", domain.RoleTrainee, "T1", ""}, {"S3", domain.RoleTrainee, "T1", ""}}
	if !reflect.DeepEqual(all, want) {
		t.Errorf("Enrollments = %+v\nwant %+v", all, want)
	}

	folders := func(role, ref string) []string {
		t.Helper()
		ss, err := s.SessionsOf(ctx, role, ref)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, x := range ss {
			out = append(out, x.Folder)
		}
		return out
	}
	// Ordered by folder, case-insensitively; the hidden S3 left out.
	if got, want := folders(domain.RoleTrainee, "T1"), []string{"Alpha", "zeta"}; !reflect.DeepEqual(got, want) {
		t.Errorf("SessionsOf(T1) = %q, want %q", got, want)
	}
	if got := folders(domain.RoleClient, "C42"); !reflect.DeepEqual(got, []string{"zeta"}) {
		t.Errorf("SessionsOf(C42) = %q", got)
	}
	// The role matters, not only the ref.
	if got := folders(domain.RoleClient, "T1"); got != nil {
		t.Errorf("SessionsOf(client T1) = %q", got)
	}

	if err := s.Unenroll(ctx, Enrollment{"s1", domain.RoleTrainee, "T1", ""}); err != nil {
		t.Fatal(err)
	}
	for _, e := range []Enrollment{{"S1", domain.RoleTrainee, "T1", ""}, {"S4", domain.RoleClient, "C42", ""}, {"S9", domain.RoleClient, "C42", ""}} {
		if err := s.Unenroll(ctx, e); !errors.Is(err, ErrNotFound) {
			t.Errorf("Unenroll(%+v) = %v, want ErrNotFound", e, err)
		}
	}
	if err := s.Unenroll(ctx, Enrollment{"S4", domain.RoleClient, "C42", ""}); err.Error() != `client "C42" is not enrolled in session "S4"` {
		t.Errorf("message = %q", err)
	}

	if err := s.DeleteSession(ctx, "S1"); err != nil {
		t.Fatal(err)
	}
	all, _ = s.Enrollments(ctx)
	if want := []Enrollment{{"S2", domain.RoleTrainee, "T1", ""}, {"S3", domain.RoleTrainee, "T1", ""}}; !reflect.DeepEqual(all, want) {
		t.Errorf("after deleting S1: %+v, want %+v", all, want)
	}
	// A new session with the old code starts with nobody enrolled.
	mustAddSession(t, s, Session{Code: "S1"})
	if got := folders(domain.RoleClient, "C42"); got != nil {
		t.Errorf("recreated S1 inherited enrollments: %q", got)
	}
}

// fakeLayout records calls and fails those whose kind is in fail.
type fakeLayout struct {
	mu    sync.Mutex
	calls []string
	fail  map[string]bool
}

func (l *fakeLayout) record(kind string, args ...string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = append(l.calls, kind+"("+strings.Join(args, ",")+")")
	if l.fail[kind] {
		return fmt.Errorf("mkdir /srv/dossierd/%s: permission denied", strings.Join(args, "/"))
	}
	return nil
}

func (l *fakeLayout) AccountFolder(role, ref string) error { return l.record("account", role, ref) }
func (l *fakeLayout) SessionFolders(code string) error     { return l.record("session", code) }
func (l *fakeLayout) EnrollmentFolder(code, role, ref string) error {
	return l.record("enrollment", code, role, ref)
}

func (l *fakeLayout) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.calls
	l.calls = nil
	return c
}

func TestLayoutCalls(t *testing.T) {
	ctx := context.Background()
	l := &fakeLayout{}
	s := newStore(t, Options{Layout: l})

	steps := []struct {
		name string
		do   func() error
		want []string
	}{
		{"client", func() error {
			_, err := s.AddAccount(ctx, Account{Login: "acme", Role: domain.RoleClient, Ref: "C42"}, "")
			return err
		},
			[]string{"account(client,C42)"}},
		{"staff", func() error {
			_, err := s.AddAccount(ctx, Account{Login: "boss", Role: domain.RoleStaff}, "")
			return err
		},
			nil},
		{"rename only", func() error {
			return s.UpdateAccount(ctx, Account{Login: "acme", Role: domain.RoleClient, Ref: "C42", Name: "ACME"})
		},
			nil},
		{"new ref", func() error { return s.UpdateAccount(ctx, Account{Login: "acme", Role: domain.RoleClient, Ref: "C43"}) },
			[]string{"account(client,C43)"}},
		{"session", func() error { return s.AddSession(ctx, Session{Code: "S1", Folder: "Welding"}) },
			[]string{"session(S1)"}},
		{"session update", func() error { return s.UpdateSession(ctx, Session{Code: "S1", Title: "x"}) },
			nil},
		{"enroll", func() error { return s.Enroll(ctx, Enrollment{"s1", domain.RoleClient, "C43", ""}) },
			[]string{"enrollment(S1,client,C43)"}}, // the code as stored
		{"enroll again", func() error { return s.Enroll(ctx, Enrollment{"S1", domain.RoleClient, "C43", ""}) },
			[]string{"enrollment(S1,client,C43)"}},
		{"duplicate account", func() error {
			_, err := s.AddAccount(ctx, Account{Login: "ACME", Role: domain.RoleClient, Ref: "C9"}, "")
			return ignore(err, ErrExists)
		}, nil},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if got := l.take(); !reflect.DeepEqual(got, st.want) {
			t.Errorf("%s: Layout calls %q, want %q", st.name, got, st.want)
		}
	}
}

func TestLayoutErrorRollsBack(t *testing.T) {
	ctx := context.Background()
	l := &fakeLayout{fail: map[string]bool{"account": true, "session": true, "enrollment": true}}
	s := newStore(t, Options{Layout: l})
	gen0, _ := s.Generation(ctx)

	_, err := s.AddAccount(ctx, Account{Login: "t1", Role: domain.RoleTrainee, Ref: "T1"}, "")
	if err == nil || err.Error() != `creating the folder of trainee "T1": mkdir /srv/dossierd/trainee/T1: permission denied` {
		t.Errorf("AddAccount = %v", err)
	}
	if known, _ := s.LoginKnown(ctx, "t1"); known {
		t.Error("the account was stored although its folder failed")
	}
	if err := s.AddSession(ctx, Session{Code: "S1"}); err == nil || !strings.Contains(err.Error(), `session "S1"`) {
		t.Errorf("AddSession = %v", err)
	}
	if _, err := s.Session(ctx, "S1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("the session was stored although its folders failed: %v", err)
	}
	if g, _ := s.Generation(ctx); g != gen0 {
		t.Errorf("generation moved %d -> %d on rolled-back changes", gen0, g)
	}

	// Now let accounts and sessions through, then fail the enrolment and
	// the account's move to another ref.
	l.fail = map[string]bool{"enrollment": true}
	mustAddAccount(t, s, "t1", domain.RoleTrainee, "T1")
	mustAddSession(t, s, Session{Code: "S1"})
	if err := s.Enroll(ctx, Enrollment{"S1", domain.RoleTrainee, "T1", ""}); err == nil ||
		err.Error() != `creating the folder of trainee "T1" in session "S1": mkdir /srv/dossierd/S1/trainee/T1: permission denied` {
		t.Errorf("Enroll = %v", err)
	}
	if en, _ := s.Enrollments(ctx); len(en) != 0 {
		t.Errorf("the enrolment was stored although its folder failed: %+v", en)
	}
	l.fail = map[string]bool{"account": true}
	if err := s.UpdateAccount(ctx, Account{Login: "t1", Role: domain.RoleTrainee, Ref: "T2"}); err == nil {
		t.Error("UpdateAccount to a new ref succeeded although its folder failed")
	}
	if a, _ := s.Account(ctx, "t1"); a.Ref != "T1" {
		t.Errorf("the ref changed to %q although its folder failed", a.Ref)
	}
}

package auth

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/dossierd/dossierd/domain"
)

func TestEnrollClientAndParticipants(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, Options{})
	mustAddSession(t, s, Session{Code: "S1"})
	mustAddSession(t, s, Session{Code: "S2"})
	mustAddAccount(t, s, "acme", domain.RoleClient, "C1")
	mustAddAccount(t, s, "globex", domain.RoleClient, "C2")
	for _, a := range []Account{
		{Login: "zoe", Role: domain.RoleTrainee, Ref: "T1", Name: "Zoé Martin"},
		{Login: "emilie", Role: domain.RoleTrainee, Ref: "T2", Name: "Émilie Durand"},
		{Login: "elodie", Role: domain.RoleTrainee, Ref: "T3", Name: "elodie Bernard"},
		{Login: "anon", Role: domain.RoleTrainee, Ref: "T4"},
		{Login: "anon2", Role: domain.RoleTrainee, Ref: "T4", Name: "Named Second"},
		{Login: "fabien", Role: domain.RoleTrainee, Ref: "T5", Name: "Fabien"},
	} {
		if _, err := s.AddAccount(ctx, a, ""); err != nil {
			t.Fatal(err)
		}
	}
	for _, e := range []Enrollment{
		{Session: "S1", Role: domain.RoleClient, Ref: "C1"},
		{Session: "S1", Role: domain.RoleTrainee, Ref: "T1", Client: "C1"},
		{Session: "S1", Role: domain.RoleTrainee, Ref: "T2", Client: "C2"},
		{Session: "S1", Role: domain.RoleTrainee, Ref: "T3"},
		{Session: "S1", Role: domain.RoleTrainee, Ref: "T4", Client: "C1"},
		{Session: "S1", Role: domain.RoleTrainee, Ref: "T5", Client: "C1"},
		{Session: "S2", Role: domain.RoleTrainee, Ref: "T5", Client: "C2"},
	} {
		if err := s.Enroll(ctx, e); err != nil {
			t.Fatalf("Enroll(%+v): %v", e, err)
		}
	}
	want := []Participant{
		{"T3", "elodie Bernard", ""},
		{"T2", "Émilie Durand", "C2"},
		{"T5", "Fabien", "C1"},
		{"T4", "Named Second", "C1"}, // the first account of T4 has no name
		{"T1", "Zoé Martin", "C1"},
	}
	got, err := s.Participants(ctx, "s1")
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("Participants = %v, %v\nwant %v", got, err, want)
	}
	if _, err := s.Participants(ctx, "S9"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Participants of an unknown session: %v", err)
	}

	// Refusals name the field.
	for _, tt := range []struct {
		e    Enrollment
		is   error
		want string
	}{
		{Enrollment{Session: "S1", Role: domain.RoleTrainee, Ref: "T1", Client: "C9"}, ErrNotFound, `no client account with ref "C9"`},
		{Enrollment{Session: "S1", Role: domain.RoleTrainee, Ref: "T1", Client: "T2"}, ErrNotFound, `no client account with ref "T2"`},
		{Enrollment{Session: "S1", Role: domain.RoleClient, Ref: "C2", Client: "C1"}, nil, `client "C1" only a trainee's enrollment names the client that sent them`},
	} {
		err := s.Enroll(ctx, tt.e)
		if err == nil || err.Error() != tt.want || (tt.is != nil && !errors.Is(err, tt.is)) {
			t.Errorf("Enroll(%+v) = %v, want %q", tt.e, err, tt.want)
		}
	}

	// Enrolling again sets the client; the same one changes nothing.
	gen := generation(t, s)
	if err := s.Enroll(ctx, Enrollment{Session: "S1", Role: domain.RoleTrainee, Ref: "T1", Client: "C1"}); err != nil {
		t.Fatal(err)
	}
	if generation(t, s) != gen {
		t.Error("enrolling again with the same client bumped the generation")
	}
	if err := s.Enroll(ctx, Enrollment{Session: "S1", Role: domain.RoleTrainee, Ref: "T1", Client: "C2"}); err != nil {
		t.Fatal(err)
	}
	all, _ := s.Enrollments(ctx)
	if !containsEnrollment(all, Enrollment{"S1", domain.RoleTrainee, "T1", "C2"}) {
		t.Errorf("client not changed: %v", all)
	}

	// The client goes: its trainees are sent by no one (another account
	// with its ref keeps them).
	mustAddAccount(t, s, "globex2", domain.RoleClient, "C2")
	if err := s.DeleteAccount(ctx, "globex"); err != nil {
		t.Fatal(err)
	}
	all, _ = s.Enrollments(ctx)
	if !containsEnrollment(all, Enrollment{"S1", domain.RoleTrainee, "T1", "C2"}) {
		t.Errorf("client cleared while another account has its ref: %v", all)
	}
	if err := s.DeleteAccount(ctx, "globex2"); err != nil {
		t.Fatal(err)
	}
	all, _ = s.Enrollments(ctx)
	for _, e := range all {
		if e.Client == "C2" {
			t.Errorf("an enrollment still names the deleted client: %+v", e)
		}
	}
	if !containsEnrollment(all, Enrollment{"S1", domain.RoleTrainee, "T1", ""}) {
		t.Errorf("the trainee of a deleted client lost their enrollment: %v", all)
	}
}

func containsEnrollment(all []Enrollment, e Enrollment) bool {
	for _, x := range all {
		if x == e {
			return true
		}
	}
	return false
}

func TestAccountEmail(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, Options{})
	a, err := s.AddAccount(ctx, Account{Login: "jdupont", Role: domain.RoleTrainee, Ref: "T1", Email: "jeanne.dupont@example.org"}, "")
	if err != nil || a.Email != "jeanne.dupont@example.org" {
		t.Fatalf("AddAccount = %+v, %v", a, err)
	}
	if err := s.SetEmail(ctx, "JDUPONT", "j.d@example.org"); err != nil {
		t.Fatal(err)
	}
	if a, _ := s.Account(ctx, "jdupont"); a.Email != "j.d@example.org" {
		t.Errorf("email %q after SetEmail", a.Email)
	}
	for _, bad := range []string{"jeanne", "Jeanne <j@example.org>", " j@example.org", "j@example.org\nBcc: x@y.z", "a@b@c"} {
		err := s.SetEmail(ctx, "jdupont", bad)
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Field != "email" {
			t.Errorf("SetEmail(%q) = %v, want a refusal of the email field", bad, err)
		}
		if _, err := s.AddAccount(ctx, Account{Login: "x", Role: domain.RoleStaff, Email: bad}, ""); err == nil {
			t.Errorf("AddAccount with email %q accepted", bad)
		}
	}
	if err := s.SetEmail(ctx, "nobody", "a@example.org"); !errors.Is(err, ErrNotFound) {
		t.Errorf("SetEmail of an unknown login: %v", err)
	}
	if err := s.SetEmail(ctx, "jdupont", ""); err != nil {
		t.Errorf("clearing the email: %v", err)
	}
}

func TestApplyClientsAndEmails(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, Options{})
	snap := &Snapshot{
		Accounts: []ImportAccount{
			{Login: "acme", Role: domain.RoleClient, Ref: "C1"},
			{Login: "globex", Role: domain.RoleClient, Ref: "C2"},
			{Login: "jdupont", Role: domain.RoleTrainee, Ref: "T1", Email: "j@example.org"},
		},
		Sessions: []Session{{Code: "S1"}},
		Enrollments: []Enrollment{
			{Session: "S1", Role: domain.RoleTrainee, Ref: "T1", Client: "C1"},
			{Session: "s1", Role: domain.RoleTrainee, Ref: "T1", Client: "C1"}, // the same twice: harmless
		},
	}
	mustApply(t, s, snap, ApplyOptions{})
	if d := mustApply(t, s, snap, ApplyOptions{}); !d.Empty() {
		t.Errorf("re-import changed %v", changes(d))
	}
	exported, err := s.Export(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if exported.Accounts[2].Email != "j@example.org" || exported.Enrollments[0].Client != "C1" {
		t.Errorf("export %+v %+v", exported.Accounts, exported.Enrollments)
	}

	snap.Accounts[2].Email = "jeanne@example.org"
	snap.Enrollments = snap.Enrollments[:1]
	snap.Enrollments[0].Client = "C2"
	d := mustApply(t, s, snap, ApplyOptions{})
	if got, want := changes(d), []string{"accounts changed jdupont: email", "enrollments changed S1 trainee T1: client"}; !reflect.DeepEqual(got, want) {
		t.Errorf("changes %v, want %v", got, want)
	}
	if d.Enrollments.Changed != 1 || d.Accounts.Changed != 1 {
		t.Errorf("counts %+v %+v", d.Accounts, d.Enrollments)
	}

	// globex becomes another ref: the enrollment it sent (not in this
	// file) is sent by no one.
	part := &Snapshot{Accounts: []ImportAccount{{Login: "globex", Role: domain.RoleClient, Ref: "C3"}}}
	d = mustApply(t, s, part, ApplyOptions{})
	if got, want := changes(d), []string{"accounts changed globex: ref", "enrollments changed S1 trainee T1: client"}; !reflect.DeepEqual(got, want) {
		t.Errorf("changes %v, want %v", got, want)
	}
	all, _ := s.Enrollments(ctx)
	if len(all) != 1 || all[0].Client != "" {
		t.Errorf("enrollments %+v", all)
	}

	// Problems name the field.
	bad := &Snapshot{
		Accounts: []ImportAccount{{Login: "x", Role: domain.RoleStaff, Email: "not an address"}},
		Enrollments: []Enrollment{
			{Session: "S1", Role: domain.RoleTrainee, Ref: "T1", Client: "C9"},
			{Session: "S1", Role: domain.RoleClient, Ref: "C1", Client: "C1"},
			{Session: "S1", Role: domain.RoleTrainee, Ref: "T1", Client: "C1"},
		},
	}
	_, err = s.Apply(ctx, bad, ApplyOptions{})
	var ie *ImportError
	if !errors.As(err, &ie) {
		t.Fatalf("Apply = %v", err)
	}
	var got []string
	for _, p := range ie.Problems {
		got = append(got, p.Field+" "+p.Text)
	}
	want := []string{
		`email "not an address" is not an email address (of the form name@example.org, nothing else)`,
		`client "C9" has no client account, neither in the file nor in the directory`,
		`client "C1": only a trainee's enrollment names the client that sent them, not a client's`,
		`client "C1", while the same enrollment above says "C9"`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("problems\n%v\nwant\n%v", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

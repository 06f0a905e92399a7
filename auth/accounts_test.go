package auth

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/dossierd/dossierd/domain"
)

func TestAccountCRUD(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, Options{})
	key := testKey(t)

	in := Account{Login: "Acme.Admin", Role: domain.RoleClient, Ref: "C42", Name: "ACME SA",
		PublicKeys: []string{"  " + key.line + "   laptop  of  jo "}, ExpiresAt: "2030-12-31"}
	a, err := s.AddAccount(ctx, in, "secret")
	if err != nil {
		t.Fatal(err)
	}
	if a.ID == 0 || !strings.HasPrefix(a.PasswordHash, "$argon2id$") || a.CreatedAt.IsZero() {
		t.Errorf("AddAccount returned %+v", a)
	}
	if want := []string{key.line + " laptop of jo"}; !reflect.DeepEqual(a.PublicKeys, want) {
		t.Errorf("keys = %q, want %q", a.PublicKeys, want)
	}

	got, err := s.Account(ctx, "acme.ADMIN")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, a) {
		t.Errorf("Account = %+v\nwant %+v", got, a)
	}

	mustAddAccount(t, s, "zoe", domain.RoleStaff, "")
	mustAddAccount(t, s, "bob", domain.RoleTrainer, "F7")
	all, err := s.Accounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var logins []string
	for _, x := range all {
		logins = append(logins, x.Login)
	}
	if want := []string{"Acme.Admin", "bob", "zoe"}; !reflect.DeepEqual(logins, want) {
		t.Errorf("Accounts order = %q, want %q", logins, want)
	}

	got.Name = "ACME"
	got.Role, got.Ref = domain.RoleTrainee, "T1"
	got.PublicKeys = nil
	got.Disabled = true
	got.ExpiresAt = ""
	got.Login = "ACME.admin" // found case-insensitively; the stored spelling stays
	if err := s.UpdateAccount(ctx, got); err != nil {
		t.Fatal(err)
	}
	upd, err := s.Account(ctx, "acme.admin")
	if err != nil {
		t.Fatal(err)
	}
	if upd.Login != "Acme.Admin" || upd.Name != "ACME" || upd.Role != domain.RoleTrainee || upd.Ref != "T1" ||
		upd.PublicKeys != nil || !upd.Disabled || upd.ExpiresAt != "" || upd.PasswordHash != a.PasswordHash {
		t.Errorf("after UpdateAccount: %+v", upd)
	}

	if err := s.SetDisabled(ctx, "acme.admin", false); err != nil {
		t.Fatal(err)
	}
	if err := s.SetPassword(ctx, "acme.admin", "other"); err != nil {
		t.Fatal(err)
	}
	upd, _ = s.Account(ctx, "acme.admin")
	if upd.Disabled || upd.PasswordHash == a.PasswordHash {
		t.Errorf("after SetDisabled/SetPassword: %+v", upd)
	}
	if err := s.SetPassword(ctx, "acme.admin", ""); err == nil {
		t.Error("SetPassword with an empty password succeeded")
	}

	if err := s.DeleteAccount(ctx, "ACME.ADMIN"); err != nil {
		t.Fatal(err)
	}
	if known, err := s.LoginKnown(ctx, "acme.admin"); err != nil || known {
		t.Errorf("LoginKnown after delete = %v, %v", known, err)
	}
	if known, err := s.LoginKnown(ctx, "BOB"); err != nil || !known {
		t.Errorf("LoginKnown(BOB) = %v, %v", known, err)
	}

	notFound := []struct {
		name string
		err  error
	}{
		{"Account", func() error { _, err := s.Account(ctx, "acme.admin"); return err }()},
		{"UpdateAccount", s.UpdateAccount(ctx, Account{Login: "nobody", Role: domain.RoleStaff})},
		{"SetPassword", s.SetPassword(ctx, "nobody", "x")},
		{"SetDisabled", s.SetDisabled(ctx, "nobody", true)},
		{"DeleteAccount", s.DeleteAccount(ctx, "nobody")},
	}
	for _, c := range notFound {
		if !errors.Is(c.err, ErrNotFound) {
			t.Errorf("%s of a missing account: %v, want ErrNotFound", c.name, c.err)
		}
	}
	if err := s.DeleteAccount(ctx, "nobody"); err == nil || err.Error() != `no account "nobody"` {
		t.Errorf("message = %v", err)
	}
}

func TestAddAccountDuplicate(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, Options{})
	mustAddAccount(t, s, "acme", domain.RoleClient, "C42")
	tests := []struct{ login, want string }{
		{"acme", `account "acme" already exists`},
		{"ACME", `account "ACME" already exists (as "acme")`},
		{"Acme", `account "Acme" already exists (as "acme")`},
	}
	for _, tt := range tests {
		_, err := s.AddAccount(ctx, Account{Login: tt.login, Role: domain.RoleClient, Ref: "C43"}, "")
		if !errors.Is(err, ErrExists) || err.Error() != tt.want {
			t.Errorf("AddAccount(%s) = %v, want %q (ErrExists)", tt.login, err, tt.want)
		}
	}
	// Two logins may share a ref: a company has several contacts.
	if _, err := s.AddAccount(ctx, Account{Login: "acme2", Role: domain.RoleClient, Ref: "C42"}, ""); err != nil {
		t.Errorf("second login for ref C42: %v", err)
	}
}

func TestAccountValidation(t *testing.T) {
	ctx := context.Background()
	noSpaces := func(name string) error {
		if strings.Contains(name, " ") {
			return errors.New("contains a space")
		}
		return nil
	}
	s := newStore(t, Options{CheckName: noSpaces})
	key := testKey(t)
	ok := Account{Login: "t1", Role: domain.RoleTrainee, Ref: "T1"}
	with := func(f func(*Account)) Account { a := ok; f(&a); return a }

	tests := []struct {
		name     string
		a        Account
		password string
		want     string // the whole message
		field    string
	}{
		{"empty login", with(func(a *Account) { a.Login = "" }), "", "login must not be empty", "login"},
		{"long login", with(func(a *Account) { a.Login = strings.Repeat("a", 129) }), "", "is longer than 128 characters", "login"},
		{"login with space", with(func(a *Account) { a.Login = "jo smith" }), "", `login "jo smith" contains ' ' (allowed: ASCII letters, digits, '.', '_', '-', '@')`, "login"},
		{"login with accent", with(func(a *Account) { a.Login = "josé" }), "", `contains 'é'`, "login"},
		{"bad role", with(func(a *Account) { a.Role = "teacher" }), "", `role "teacher" is not one of client, trainee, trainer, staff`, "role"},
		{"no role", with(func(a *Account) { a.Role = "" }), "", `role is required (one of client, trainee, trainer, staff)`, "role"},
		{"no ref", with(func(a *Account) { a.Ref = "" }), "", `ref is required for a trainee account`, "ref"},
		{"staff with ref", with(func(a *Account) { a.Role = domain.RoleStaff }), "", `ref "T1" must be empty for staff`, "ref"},
		{"ref with slash", with(func(a *Account) { a.Ref = "C42/x" }), "", `ref "C42/x" must not contain "/"`, "ref"},
		{"ref dotdot", with(func(a *Account) { a.Ref = ".." }), "", `ref ".." is not a usable name`, "ref"},
		{"ref policy", with(func(a *Account) { a.Ref = "C 42" }), "", `ref "C 42": contains a space`, "ref"},
		{"name with newline", with(func(a *Account) { a.Name = "Jo\nroot" }), "", `name "Jo\nroot" must not contain control characters`, "name"},
		{"bad hash", with(func(a *Account) { a.PasswordHash = "$6$salt$abc" }), "", `password hash has unsupported format "$6$" (supported: $argon2id$, $2a$, $2b$, $2y$)`, "password hash"},
		{"hash and password", with(func(a *Account) { a.PasswordHash = testHash() }), "pw", "password and password hash are both given; give one", "password"},
		{"bad key", with(func(a *Account) { a.PublicKeys = []string{"ssh-ed25519 notbase64!"} }), "", `public key "ssh-ed25519 notbase64!": has key data that is not valid base64 (after "ssh-ed25519")`, "public key"},
		{"key with options", with(func(a *Account) { a.PublicKeys = []string{`from="10.0.0.1" ` + key.line} }), "", `has options (from="10.0.0.1"), which are not supported`, "public key"},
		{"bad expiry", with(func(a *Account) { a.ExpiresAt = "31/12/2026" }), "", `expiry date "31/12/2026" is not a date of the form YYYY-MM-DD`, "expiry date"},
		{"unpadded expiry", with(func(a *Account) { a.ExpiresAt = "2026-1-5" }), "", `expiry date "2026-1-5" is not a date`, "expiry date"},
	}
	victim := mustAddAccount(t, s, "victim", domain.RoleTrainee, "T1")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.AddAccount(ctx, tt.a, tt.password)
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("AddAccount = %v, want a *ValidationError", err)
			}
			if ve.Field != tt.field {
				t.Errorf("Field = %q, want %q", ve.Field, tt.field)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("message %q does not contain %q", err.Error(), tt.want)
			}
			// The same checks guard UpdateAccount (which takes no
			// password, and finds the account by login).
			if tt.password != "" || tt.field == "login" {
				return
			}
			tt.a.Login = victim.Login
			if err := s.UpdateAccount(ctx, tt.a); !errors.As(err, &ve) || ve.Field != tt.field {
				t.Errorf("UpdateAccount = %v, want a *ValidationError for %s", err, tt.field)
			}
		})
	}
	all, err := s.Accounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 1 || !reflect.DeepEqual(all[0], victim) {
		t.Errorf("after invalid requests, accounts = %+v, want only %+v", all, victim)
	}
}

func TestImportedHashes(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, Options{})
	bc := bcryptHash(t, "pw-bcrypt")
	for i, h := range []string{testHash(), bc, "$2y$" + bc[4:], "$2b$" + bc[4:]} {
		login := fmt.Sprintf("u%d", i)
		if _, err := s.AddAccount(ctx, Account{Login: login, Role: domain.RoleStaff, PasswordHash: h}, ""); err != nil {
			t.Fatalf("importing %.7s…: %v", h, err)
		}
		pw := "secret"
		if i > 0 {
			pw = "pw-bcrypt"
		}
		if _, err := s.Authenticate(ctx, login, pw); err != nil {
			t.Errorf("Authenticate with imported %.4s hash: %v", h, err)
		}
	}
}

func TestAuthenticate(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, Options{})
	// Late in the day: an account whose last day is today still works.
	today := time.Date(2026, 3, 15, 23, 59, 0, 0, time.Local)
	s.now = func() time.Time { return today }

	add := func(a Account) {
		t.Helper()
		if a.Role == "" {
			a.Role, a.Ref = domain.RoleTrainee, "T-"+a.Login
		}
		if _, err := s.AddAccount(ctx, a, ""); err != nil {
			t.Fatal(err)
		}
	}
	add(Account{Login: "Alice", PasswordHash: testHash()})
	add(Account{Login: "staff1", Role: domain.RoleStaff, PasswordHash: testHash()})
	add(Account{Login: "dis", PasswordHash: testHash(), Disabled: true})
	add(Account{Login: "old", PasswordHash: testHash(), ExpiresAt: "2026-03-14"})
	add(Account{Login: "today", PasswordHash: testHash(), ExpiresAt: "2026-03-15"})
	add(Account{Login: "later", PasswordHash: testHash(), ExpiresAt: "2027-01-01"})
	add(Account{Login: "keyonly"})

	tests := []struct {
		login, password string
		want            error // nil: success
		msg             string
	}{
		{"Alice", "secret", nil, ""},
		{"alice", "secret", nil, ""},
		{"ALICE", "secret", nil, ""},
		{"staff1", "secret", nil, ""},
		{"Alice", "Secret", ErrInvalidCredentials, "invalid login or password"},
		{"Alice", "", ErrInvalidCredentials, "invalid login or password"},
		{"nobody", "secret", ErrInvalidCredentials, "invalid login or password"},
		{"bad login!", "secret", ErrInvalidCredentials, "invalid login or password"},
		{"keyonly", "", ErrInvalidCredentials, "invalid login or password"},
		{"dis", "secret", ErrDisabled, `account "dis" is disabled`},
		{"dis", "wrong", ErrInvalidCredentials, "invalid login or password"}, // says nothing without the password
		{"old", "secret", ErrExpired, `account "old" has expired (last day was 2026-03-14)`},
		{"old", "wrong", ErrInvalidCredentials, "invalid login or password"},
		{"today", "secret", nil, ""},
		{"later", "secret", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.login+"/"+tt.password, func(t *testing.T) {
			a, err := s.Authenticate(ctx, tt.login, tt.password)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Authenticate = %v", err)
				}
				if !strings.EqualFold(a.Login, tt.login) {
					t.Errorf("returned account %q", a.Login)
				}
				return
			}
			if !errors.Is(err, tt.want) || err.Error() != tt.msg {
				t.Errorf("Authenticate = %v, want %q (%v)", err, tt.msg, tt.want)
			}
			if a.Login != "" {
				t.Errorf("a failed Authenticate returned account %q", a.Login)
			}
		})
	}
}

func TestAuthenticateKey(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, Options{})
	s.now = func() time.Time { return time.Date(2026, 3, 15, 12, 0, 0, 0, time.Local) }
	k1, k2, stranger := testKey(t), testKey(t), testKey(t)
	rsa := testRSAKey(t)

	add := func(login string, disabled bool, expires string, keys ...string) {
		t.Helper()
		_, err := s.AddAccount(ctx, Account{Login: login, Role: domain.RoleTrainer, Ref: "F-" + login, PublicKeys: keys, Disabled: disabled, ExpiresAt: expires}, "")
		if err != nil {
			t.Fatal(err)
		}
	}
	add("jo", false, "", k1.line+" jo@laptop", rsa.line, k2.line)
	add("dis", true, "", k1.line)
	add("old", false, "2026-03-14", k1.line)
	add("nokeys", false, "")

	tests := []struct {
		login string
		key   testSSHKey
		want  error
	}{
		{"jo", k1, nil},
		{"JO", k2, nil},
		{"jo", rsa, nil},
		{"jo", stranger, ErrInvalidCredentials},
		{"nobody", k1, ErrInvalidCredentials},
		{"nokeys", k1, ErrInvalidCredentials},
		{"dis", k1, ErrDisabled},
		{"dis", stranger, ErrInvalidCredentials},
		{"old", k1, ErrExpired},
	}
	for i, tt := range tests {
		t.Run(fmt.Sprint(i, tt.login), func(t *testing.T) {
			a, err := s.AuthenticateKey(ctx, tt.login, tt.key.pub)
			if tt.want == nil {
				if err != nil || !strings.EqualFold(a.Login, tt.login) {
					t.Errorf("AuthenticateKey = %q, %v", a.Login, err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Errorf("AuthenticateKey = %v, want %v", err, tt.want)
			}
		})
	}
	if _, err := s.AuthenticateKey(ctx, "jo", nil); !errors.Is(err, ErrInvalidCredentials) {
		t.Errorf("AuthenticateKey with a nil key = %v", err)
	}
}

func TestUsable(t *testing.T) {
	day := func(d, h int) time.Time { return time.Date(2026, 3, d, h, 0, 0, 0, time.Local) }
	tests := []struct {
		a    Account
		now  time.Time
		want error
	}{
		{Account{}, day(15, 12), nil},
		{Account{Disabled: true}, day(15, 12), ErrDisabled},
		{Account{ExpiresAt: "2026-03-15"}, day(15, 0), nil},
		{Account{ExpiresAt: "2026-03-15"}, day(15, 23), nil},
		{Account{ExpiresAt: "2026-03-15"}, day(16, 0), ErrExpired},
		{Account{ExpiresAt: "2026-03-15"}, day(14, 12), nil},
		{Account{ExpiresAt: "garbage"}, day(14, 12), ErrExpired}, // fail closed
		{Account{ExpiresAt: "2026-03-15", Disabled: true}, day(20, 0), ErrDisabled},
	}
	for _, tt := range tests {
		if err := tt.a.Usable(tt.now); !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
			t.Errorf("%+v.Usable(%v) = %v, want %v", tt.a, tt.now, err, tt.want)
		}
	}
}

// An enrolment names a ref; it goes when the last account with that ref
// goes or moves to another ref.
func TestAccountChangesPruneEnrollments(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, Options{})
	mustAddSession(t, s, Session{Code: "S1"})
	mustAddAccount(t, s, "acme1", domain.RoleClient, "C42")
	mustAddAccount(t, s, "acme2", domain.RoleClient, "C42")
	mustAddAccount(t, s, "t1", domain.RoleTrainee, "T1")
	for _, e := range []Enrollment{{"S1", domain.RoleClient, "C42", ""}, {"S1", domain.RoleTrainee, "T1", ""}} {
		if err := s.Enroll(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	count := func() int {
		en, err := s.Enrollments(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return len(en)
	}
	if err := s.DeleteAccount(ctx, "acme1"); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 2 {
		t.Errorf("after deleting one of two C42 logins: %d enrollments, want 2", n)
	}
	if err := s.DeleteAccount(ctx, "acme2"); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 1 {
		t.Errorf("after deleting the last C42 login: %d enrollments, want 1", n)
	}
	a, _ := s.Account(ctx, "t1")
	a.Ref = "T2"
	if err := s.UpdateAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 0 {
		t.Errorf("after moving T1's only login to T2: %d enrollments, want 0", n)
	}
}

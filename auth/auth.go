// Package auth is dossierd's directory: the accounts that may log in, the
// training sessions, and who is enrolled in which session. It keeps them in
// one SQLite file that the daemon and the CLI open at the same time, and it
// checks passwords and SSH keys against it.
//
// The daemon builds each login's virtual tree from the account's role and
// ref and from SessionsOf; it notices changes made by the CLI by polling
// Generation, which every change to the directory bumps.
package auth

import (
	"time"

	"github.com/dossierd/dossierd/catalogue"
	"github.com/dossierd/dossierd/domain"
)

// Roles of an account, as package domain declares them. They are repeated
// here only for service and sftpd, which still name them auth.Role*;
// new code uses domain's.
const (
	RoleClient  = domain.RoleClient
	RoleTrainee = domain.RoleTrainee
	RoleTrainer = domain.RoleTrainer
	RoleStaff   = domain.RoleStaff
)

// roles lists the valid roles in the order error messages name them.
var roles = domain.Roles()

// Sentinel errors. The store wraps them in errors whose text names the thing
// concerned (`account "acme" already exists`), so test them with errors.Is.
// Their text is the catalogue's, in the server's language.
var (
	ErrNotFound           = catalogue.Error(catalogue.ErrNotFound)
	ErrExists             = catalogue.Error(catalogue.ErrExists)
	ErrInvalidCredentials = catalogue.Error(catalogue.ErrInvalidCredentials)
	ErrDisabled           = catalogue.Error(catalogue.ErrDisabled)
	ErrExpired            = catalogue.Error(catalogue.ErrExpired)
)

// Account is a login.
type Account struct {
	ID    int64
	Login string // unique, case-insensitively
	Role  string // one of domain.Role*
	Ref   string // TMS code; empty for staff
	Name  string // display name
	// Email is where invitation links are sent; "" when unknown.
	Email string

	// PasswordHash is an argon2id PHC string or a bcrypt hash; "" means the
	// account cannot log in with a password.
	PasswordHash string
	// PublicKeys are authorized_keys lines as ParsePublicKey normalises them.
	PublicKeys []string

	Disabled bool
	// ExpiresAt is the last day ("YYYY-MM-DD", server local time) on which
	// the account may log in; "" means it does not expire.
	ExpiresAt string

	CreatedAt, UpdatedAt time.Time
}

// Usable reports why the account cannot log in at now (an error wrapping
// ErrDisabled or ErrExpired), or nil.
//
// The expiry date is compared with now's date in the server's local time
// zone, whatever location now carries: the date an administrator types means
// the local calendar day, and the account stays usable until that day ends.
func (a Account) Usable(now time.Time) error {
	if a.Disabled {
		return &sentinelError{catalogue.AccountIsDisabled, []any{a.Login}, ErrDisabled}
	}
	if a.ExpiresAt != "" {
		// A stored date that does not parse cannot be compared: refuse
		// rather than let the account live for ever. Writes validate the
		// date, so this only guards against rows written by other means.
		if _, err := parseDate(a.ExpiresAt); err != nil || now.Local().Format(dateLayout) > a.ExpiresAt {
			return &sentinelError{catalogue.AccountHasExpired, []any{a.Login, a.ExpiresAt}, ErrExpired}
		}
	}
	return nil
}

// Session is a training session.
type Session struct {
	Code     string // TMS code; unique, case-insensitively
	Title    string
	StartsOn string // "YYYY-MM-DD" or ""
	EndsOn   string // "YYYY-MM-DD" or ""
	Folder   string // name shown to users; defaults to Code; unique, case-insensitively
	Hidden   bool   // a hidden session is not shown to anyone it enrols
}

// Enrollment says that the client, trainee or trainer with Ref takes part
// in the session whose code is Session.
type Enrollment struct {
	Session, Role, Ref string
	// Client is, for a trainee, the ref of the client that sent them (a
	// client account must have it); "" when unknown, and always for the
	// other roles. A client sees the participants it sent, and only those.
	Client string
}

// Participant is a trainee of a session as the session's clients and
// trainers see it.
type Participant struct {
	Ref    string
	Name   string // the display name of a trainee account with Ref; "" if none has one
	Client string // the ref of the client that sent them, or ""
}

// Layout is told what needs folders on disk; it is implemented by the
// package that owns the file tree. The store calls it inside the
// transaction that makes the change, after the change itself succeeded and
// before the commit, so that a Layout error rolls the change back and the
// database never names something that has no folder. The write lock is held
// meanwhile: a Layout must be quick and must not write to the store.
type Layout interface {
	// AccountFolder is called when an account with this role and ref
	// appears (it is not called for staff, who have no ref).
	AccountFolder(role, ref string) error
	// SessionFolders is called when a session is added.
	SessionFolders(code string) error
	// EnrollmentFolder is called on every Enroll, also when the enrolment
	// already existed, so that enrolling again repairs a missing folder.
	EnrollmentFolder(code, role, ref string) error
}

// Options configure a Store.
type Options struct {
	// Layout may be nil: then nothing is told about folders.
	Layout Layout
	// CheckName is the filename policy for refs, session codes and session
	// folders, all of which become names on disk or in the virtual tree.
	// The basic checks (not empty, no '/', no NUL, not "." or "..", valid
	// UTF-8) are made in any case, before CheckName.
	CheckName func(string) error
}

// ValidationError says which field of a request is wrong and why. It reads
// as one line, e.g.
//
//	role "teacher" is not one of client, trainee, trainer, staff
//	ref "C 42/x": <the CheckName message>
//
// Field is a key (catalogue.Field names it in the server's language); Msg
// is a sentence of the catalogue that follows the quoted value (in English
// a predicate, in French after a colon); Err, when set, is a cause from
// elsewhere (CheckName, key parsing) that follows a colon and that
// errors.Is/As can reach.
type ValidationError struct {
	Field string
	Value string
	Msg   string
	Err   error
}

func (e *ValidationError) Error() string {
	field := catalogue.Field(e.Field)
	var s string
	// An empty value quoted as "" says nothing the message does not.
	switch {
	case e.Value != "" && e.Msg != "":
		s = catalogue.FieldValueSays.F(field, e.Value, e.Msg)
	case e.Value != "":
		s = catalogue.FieldValue.F(field, e.Value)
	case e.Msg != "":
		s = catalogue.FieldSays.F(field, e.Msg)
	default:
		s = field
	}
	if e.Err != nil {
		s = catalogue.Because.F(s, e.Err.Error())
	}
	return s
}

// invalid is a ValidationError whose Msg is the sentence t.
func invalid(field, value string, t catalogue.T, args ...any) *ValidationError {
	return &ValidationError{Field: field, Value: value, Msg: t.F(args...)}
}

func (e *ValidationError) Unwrap() error { return e.Err }

// sentinelError carries a sentence of the catalogue that stands on its own
// (`no session "S1"`) while errors.Is still finds the sentinel:
// fmt.Errorf("%w") would have to print the sentinel's own text too.
type sentinelError struct {
	t        catalogue.T
	args     []any
	sentinel error
}

func (e *sentinelError) Error() string { return e.t.F(e.args...) }
func (e *sentinelError) Unwrap() error { return e.sentinel }

func notFound(t catalogue.T, args ...any) error {
	return &sentinelError{t, args, ErrNotFound}
}

func exists(t catalogue.T, args ...any) error {
	return &sentinelError{t, args, ErrExists}
}

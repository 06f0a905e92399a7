package auth

import (
	"errors"
	"net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/dossierd/dossierd/catalogue"
	"github.com/dossierd/dossierd/domain"
)

const (
	maxLogin   = 128
	maxText    = 256 // names and titles: display strings, one line each
	dateLayout = "2006-01-02"
)

// ValidateLogin applies the account login rules (1 to 128 characters: ASCII
// letters, digits, '.', '_', '-', '@'). It is exported so that the audit
// trail recognises, by the same rules, a login that no account could have.
func ValidateLogin(login string) error {
	if login == "" {
		return invalid("login", "", catalogue.MustNotBeEmpty)
	}
	if len(login) > maxLogin {
		return invalid("login", login, catalogue.LongerThan, maxLogin)
	}
	// Logins are typed at SSH and FTP prompts and appear in logs; a small
	// ASCII alphabet keeps them unambiguous and makes COLLATE NOCASE (which
	// folds ASCII only) a correct case-insensitive comparison.
	for _, r := range login {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._-@", r)) {
			return invalid("login", login, catalogue.LoginChar, r)
		}
	}
	return nil
}

func validateRole(role string) error {
	for _, r := range roles {
		if role == r {
			return nil
		}
	}
	if role == "" {
		return invalid("role", "", catalogue.RoleRequired, strings.Join(roles, ", "))
	}
	return invalid("role", role, catalogue.RoleUnknown, strings.Join(roles, ", "))
}

// validateEnrollRole accepts the roles that have a ref and can therefore be
// enrolled.
func validateEnrollRole(role string) error {
	switch role {
	case domain.RoleClient, domain.RoleTrainee, domain.RoleTrainer:
		return nil
	case "":
		return invalid("role", "", catalogue.EnrollRoleRequired)
	}
	return invalid("role", role, catalogue.EnrollRoleRefused)
}

// checkName applies the basic checks that keep a value usable as one path
// element, then the configured filename policy.
func (s *Store) checkName(field, value string) error {
	var msg *catalogue.T
	switch {
	case value == "":
		msg = &catalogue.MustNotBeEmpty
	case value == "." || value == "..":
		msg = &catalogue.NotUsableName
	case strings.ContainsRune(value, '/'):
		msg = &catalogue.MustNotSlash
	case strings.ContainsRune(value, 0):
		msg = &catalogue.MustNotNUL
	case !utf8.ValidString(value):
		msg = &catalogue.NotUTF8
	}
	if msg != nil {
		return invalid(field, value, *msg)
	}
	if s.nameCheck != nil {
		if err := s.nameCheck(value); err != nil {
			return &ValidationError{Field: field, Value: value, Err: err}
		}
	}
	return nil
}

// validateText checks a display string (name, title): it is printed in
// listings and logs, where a control character or a newline would forge or
// break lines.
func validateText(field, value string) error {
	if !utf8.ValidString(value) {
		return invalid(field, value, catalogue.NotUTF8)
	}
	if utf8.RuneCountInString(value) > maxText {
		return invalid(field, value, catalogue.LongerThan, maxText)
	}
	for _, r := range value {
		if unicode.IsControl(r) {
			return invalid(field, value, catalogue.MustNotControl)
		}
	}
	return nil
}

// maxEmail is RFC 5321's limit on a path (254 characters of address).
const maxEmail = 254

// validateEmail accepts "" (no address) or one bare address as net/mail
// reads it ("jeanne.dupont@example.org", not "Jeanne <...>": the display
// name is the account's name), so that what is stored is what RCPT TO
// gets.
func validateEmail(field, value string) error {
	if value == "" {
		return nil
	}
	if len(value) > maxEmail {
		return invalid(field, value, catalogue.LongerThan, maxEmail)
	}
	a, err := mail.ParseAddress(value)
	if err != nil || a.Address != value || a.Name != "" {
		return invalid(field, value, catalogue.NotEmail)
	}
	return nil
}

func parseDate(s string) (time.Time, error) {
	t, err := time.Parse(dateLayout, s)
	// time.Parse accepts a few liberties (e.g. a leap second); requiring the
	// round trip keeps stored dates canonical, so that they compare as
	// strings.
	if err == nil && t.Format(dateLayout) != s {
		err = errors.New("not canonical")
	}
	return t, err
}

func validateDate(field, value string) error {
	if value == "" {
		return nil
	}
	if _, err := parseDate(value); err != nil {
		return invalid(field, value, catalogue.NotDate)
	}
	return nil
}

// normalizeAccount validates a and rewrites its public keys in normal form.
func (s *Store) normalizeAccount(a *Account) error {
	if err := ValidateLogin(a.Login); err != nil {
		return err
	}
	if err := validateRole(a.Role); err != nil {
		return err
	}
	if a.Role == domain.RoleStaff {
		if a.Ref != "" {
			return invalid("ref", a.Ref, catalogue.RefStaff)
		}
	} else {
		if a.Ref == "" {
			return invalid("ref", "", catalogue.RefRequiredFor, a.Role)
		}
		if err := s.checkName("ref", a.Ref); err != nil {
			return err
		}
	}
	if err := validateText("name", a.Name); err != nil {
		return err
	}
	if err := validateEmail("email", a.Email); err != nil {
		return err
	}
	if a.PasswordHash != "" {
		if err := ValidHash(a.PasswordHash); err != nil {
			return err
		}
	}
	keys, err := normalizeKeys(a.PublicKeys)
	if err != nil {
		return err
	}
	a.PublicKeys = keys
	return validateDate("expiry date", a.ExpiresAt)
}

// normalizeSession validates sess and fills in its default folder.
func (s *Store) normalizeSession(sess *Session) error {
	if err := s.checkName("session code", sess.Code); err != nil {
		return err
	}
	if sess.Folder == "" {
		sess.Folder = sess.Code
	}
	if err := s.checkName("session folder", sess.Folder); err != nil {
		return err
	}
	if err := validateText("session title", sess.Title); err != nil {
		return err
	}
	if err := validateDate("start date", sess.StartsOn); err != nil {
		return err
	}
	if err := validateDate("end date", sess.EndsOn); err != nil {
		return err
	}
	if sess.StartsOn != "" && sess.EndsOn != "" && sess.EndsOn < sess.StartsOn {
		return invalid("end date", sess.EndsOn, catalogue.EndBeforeStart, sess.StartsOn)
	}
	return nil
}

// foldKey maps s to a key that is equal for two strings exactly when
// strings.EqualFold says they are. Folders may be non-ASCII ("l'été"),
// which SQLite's NOCASE does not fold, so uniqueness is enforced on this key.
func foldKey(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		// Every rune of a fold orbit maps to the orbit's smallest member.
		m := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			if f < m {
				m = f
			}
		}
		b.WriteRune(m)
	}
	return b.String()
}

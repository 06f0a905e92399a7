package auth

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"golang.org/x/crypto/ssh"

	"github.com/dossierd/dossierd/catalogue"
	"github.com/dossierd/dossierd/domain"
)

const accountColumns = `id, login, role, ref, name, email, password_hash, public_keys, disabled, expires_at, created_at, updated_at`

// queryer is what both *sql.DB and *sql.Tx offer.
type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

type scanner interface{ Scan(dest ...any) error }

func scanAccount(r scanner) (Account, error) {
	var a Account
	var keys, created, updated string
	err := r.Scan(&a.ID, &a.Login, &a.Role, &a.Ref, &a.Name, &a.Email, &a.PasswordHash, &keys, &a.Disabled, &a.ExpiresAt, &created, &updated)
	if err != nil {
		return Account{}, err
	}
	if keys != "" {
		a.PublicKeys = strings.Split(keys, "\n")
	}
	a.CreatedAt, a.UpdatedAt = parseTimestamp(created), parseTimestamp(updated)
	return a, nil
}

// account finds an account by login, case-insensitively (the column is
// COLLATE NOCASE).
func account(ctx context.Context, q queryer, login string) (Account, error) {
	a, err := scanAccount(q.QueryRowContext(ctx, `SELECT `+accountColumns+` FROM accounts WHERE login = ?`, login))
	if errors.Is(err, sql.ErrNoRows) {
		return Account{}, notFound(catalogue.NoAccount, login)
	}
	if err != nil {
		return Account{}, dbError(err)
	}
	return a, nil
}

// AddAccount creates an account and returns it as stored (ID, normalised
// keys, timestamps). A non-empty password is hashed with argon2id; with an
// empty one, a.PasswordHash is kept as given: "" (no password login) or an
// imported argon2id or bcrypt hash, whose format is checked.
func (s *Store) AddAccount(ctx context.Context, a Account, password string) (Account, error) {
	if password != "" && a.PasswordHash != "" {
		// Which one was meant? Guessing would store a password the
		// operator did not intend.
		return Account{}, invalid("password", "", catalogue.PasswordAndHash)
	}
	if err := s.normalizeAccount(&a); err != nil {
		return Account{}, err
	}
	if password != "" {
		// Hashed before the transaction: it takes tens of milliseconds,
		// which the write lock should not be held for.
		h, err := HashPassword(password)
		if err != nil {
			return Account{}, err
		}
		a.PasswordHash = h
	}
	now := s.now()
	err := s.write(ctx, func(tx *sql.Tx) error {
		var existing string
		err := tx.QueryRowContext(ctx, `SELECT login FROM accounts WHERE login = ?`, a.Login).Scan(&existing)
		switch {
		case err == nil && existing == a.Login:
			return exists(catalogue.AccountExists, a.Login)
		case err == nil:
			return exists(catalogue.AccountExistsAs, a.Login, existing)
		case !errors.Is(err, sql.ErrNoRows):
			return dbError(err)
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO accounts (login, role, ref, name, email, password_hash, public_keys, disabled, expires_at, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			a.Login, a.Role, a.Ref, a.Name, a.Email, a.PasswordHash, strings.Join(a.PublicKeys, "\n"), a.Disabled, a.ExpiresAt, timestamp(now), timestamp(now))
		if isConstraint(err) {
			return exists(catalogue.AccountExists, a.Login)
		}
		if err != nil {
			return dbError(err)
		}
		if a.ID, err = res.LastInsertId(); err != nil {
			return dbError(err)
		}
		return s.accountFolder(a.Role, a.Ref)
	})
	if err != nil {
		return Account{}, err
	}
	a.CreatedAt = parseTimestamp(timestamp(now))
	a.UpdatedAt = a.CreatedAt
	return a, nil
}

func (s *Store) accountFolder(role, ref string) error {
	if s.layout == nil || role == domain.RoleStaff {
		return nil
	}
	if err := s.layout.AccountFolder(role, ref); err != nil {
		return catalogue.Errorf(catalogue.AccountFolderErr, role, ref, err)
	}
	return nil
}

// UpdateAccount rewrites the account with a.Login (found case-insensitively):
// its name, email, role, ref, public keys, disabled flag, expiry date and password
// hash all take a's values, so read the account, change it, and pass it
// back. The login itself cannot change. When the role or ref changes, the
// Layout is told about the new one, and the enrolments of the old one go if
// no other account has it.
func (s *Store) UpdateAccount(ctx context.Context, a Account) error {
	if err := s.normalizeAccount(&a); err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		old, err := account(ctx, tx, a.Login)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE accounts SET role = ?, ref = ?, name = ?, email = ?, password_hash = ?, public_keys = ?, disabled = ?, expires_at = ?, updated_at = ?
			WHERE id = ?`,
			a.Role, a.Ref, a.Name, a.Email, a.PasswordHash, strings.Join(a.PublicKeys, "\n"), a.Disabled, a.ExpiresAt, timestamp(s.now()), old.ID)
		if err != nil {
			return dbError(err)
		}
		if old.Role == a.Role && old.Ref == a.Ref {
			return nil
		}
		if err := pruneEnrollments(ctx, tx, old.Role, old.Ref); err != nil {
			return err
		}
		return s.accountFolder(a.Role, a.Ref)
	})
}

// SetPassword replaces the account's password with an argon2id hash of
// password. An empty password is refused: to turn password login off, set
// PasswordHash to "" with UpdateAccount, which says so explicitly.
func (s *Store) SetPassword(ctx context.Context, login, password string) error {
	h, err := HashPassword(password)
	if err != nil {
		return err
	}
	return s.setColumn(ctx, login, "password_hash", h)
}

// SetEmail sets the address the account's invitation links are sent to;
// "" leaves it without one.
func (s *Store) SetEmail(ctx context.Context, login, email string) error {
	return s.ChangeAccount(ctx, login, AccountChanges{Email: &email})
}

// AccountChanges are the details ChangeAccount sets; nil leaves one as it
// is, "" clears it.
type AccountChanges struct {
	Name, Email, ExpiresAt *string
}

// ChangeAccount sets some details of an account in one statement. Unlike
// UpdateAccount (read, change, write back), it cannot put back a password
// or keys that changed in between.
func (s *Store) ChangeAccount(ctx context.Context, login string, ch AccountChanges) error {
	var cols []string
	var args []any
	for _, c := range []struct {
		column string
		value  *string
		check  func(field, value string) error
		field  string
	}{
		{"name", ch.Name, validateText, "name"},
		{"email", ch.Email, validateEmail, "email"},
		{"expires_at", ch.ExpiresAt, validateDate, "expiry date"},
	} {
		if c.value == nil {
			continue
		}
		if err := c.check(c.field, *c.value); err != nil {
			return err
		}
		cols = append(cols, c.column+" = ?")
		args = append(args, *c.value)
	}
	if len(cols) == 0 {
		return nil
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		// The columns are ours, never user input.
		res, err := tx.ExecContext(ctx, `UPDATE accounts SET `+strings.Join(cols, ", ")+`, updated_at = ? WHERE login = ?`,
			append(args, timestamp(s.now()), login)...)
		if err != nil {
			return dbError(err)
		}
		return oneAccount(res, login)
	})
}

// SetDisabled disables or re-enables an account.
func (s *Store) SetDisabled(ctx context.Context, login string, disabled bool) error {
	return s.setColumn(ctx, login, "disabled", disabled)
}

// setColumn sets one column of one account; column is one of ours, never
// user input.
func (s *Store) setColumn(ctx context.Context, login, column string, value any) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE accounts SET `+column+` = ?, updated_at = ? WHERE login = ?`, value, timestamp(s.now()), login)
		if err != nil {
			return dbError(err)
		}
		return oneAccount(res, login)
	})
}

// oneAccount fails with ErrNotFound when an update of login's row found
// none.
func oneAccount(res sql.Result, login string) error {
	if n, err := res.RowsAffected(); err != nil {
		return dbError(err)
	} else if n == 0 {
		return notFound(catalogue.NoAccount, login)
	}
	return nil
}

// DeleteAccount deletes an account. If no other account has its role and
// ref, the enrolments of that ref go too: an enrolment must name someone
// who exists, as Enroll requires, or a later account reusing the ref would
// silently inherit sessions.
func (s *Store) DeleteAccount(ctx context.Context, login string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		a, err := account(ctx, tx, login)
		if err != nil {
			return err
		}
		// ON DELETE CASCADE would drop its invitation links, but only on
		// connections with foreign_keys on; saying it costs nothing.
		if _, err := tx.ExecContext(ctx, `DELETE FROM invitations WHERE account_id = ?`, a.ID); err != nil {
			return dbError(err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM accounts WHERE id = ?`, a.ID); err != nil {
			return dbError(err)
		}
		return pruneEnrollments(ctx, tx, a.Role, a.Ref)
	})
}

// pruneEnrollments deletes the enrolments of (role, ref) if no account has
// that role and ref any more.
func pruneEnrollments(ctx context.Context, tx *sql.Tx, role, ref string) error {
	if role == domain.RoleStaff {
		return nil
	}
	gone := `NOT EXISTS (SELECT 1 FROM accounts WHERE role = ? AND ref = ?)`
	if _, err := tx.ExecContext(ctx, `DELETE FROM enrollments WHERE role = ? AND ref = ? AND `+gone, role, ref, role, ref); err != nil {
		return dbError(err)
	}
	if role != domain.RoleClient {
		return nil
	}
	// Trainees sent by a client that no longer exists are sent by no one:
	// a later client reusing the ref must not see them as its own.
	_, err := tx.ExecContext(ctx, `UPDATE enrollments SET client = '' WHERE client = ? AND `+gone, ref, role, ref)
	return dbError(err)
}

// Account returns the account with this login, compared case-insensitively.
func (s *Store) Account(ctx context.Context, login string) (Account, error) {
	return account(ctx, s.db, login)
}

// Accounts returns every account, ordered by login (case-insensitively).
func (s *Store) Accounts(ctx context.Context) ([]Account, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+accountColumns+` FROM accounts ORDER BY login`)
	if err != nil {
		return nil, dbError(err)
	}
	defer rows.Close()
	var out []Account
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, dbError(err)
		}
		out = append(out, a)
	}
	return out, dbError(rows.Err())
}

// LoginKnown reports whether an account with this login exists. It is
// separate from Authenticate, whose errors must not tell an unknown login
// from a wrong password, for the defender, which may well treat the two
// differently (guessing logins vs guessing passwords).
func (s *Store) LoginKnown(ctx context.Context, login string) (bool, error) {
	var one int
	err := s.db.QueryRowContext(ctx, `SELECT 1 FROM accounts WHERE login = ?`, login).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, dbError(err)
	}
	return true, nil
}

// Authenticate checks a login and password and returns the account.
//
// An unknown login, an account without a password and a wrong password all
// give ErrInvalidCredentials after the same work (an argon2id verification),
// so neither the error nor the time taken tells whether the login exists.
// (An account whose imported hash has other parameters, or is bcrypt, takes
// its own hash's time.) ErrDisabled and ErrExpired come only after the
// password was verified, so they reveal nothing to someone who lacks it.
// Other errors are database failures.
func (s *Store) Authenticate(ctx context.Context, login, password string) (Account, error) {
	a, err := s.Account(ctx, login)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return Account{}, err
	}
	if err != nil || a.PasswordHash == "" {
		_, _ = s.verifier.verify(dummyHash, password)
		return Account{}, ErrInvalidCredentials
	}
	ok, err := s.verifier.verify(a.PasswordHash, password)
	// A stored hash that does not verify (written by other means than this
	// package) locks the account out; it must not let anyone in.
	if err != nil || !ok {
		return Account{}, ErrInvalidCredentials
	}
	if err := a.Usable(s.now()); err != nil {
		return Account{}, err
	}
	return a, nil
}

// AuthenticateKey checks that key is one of the account's public keys,
// comparing wire encodings, and returns the account. Errors are as for
// Authenticate; the one for a wrong login or key wraps
// ErrInvalidCredentials.
func (s *Store) AuthenticateKey(ctx context.Context, login string, key ssh.PublicKey) (Account, error) {
	if key == nil {
		return Account{}, errKeyMismatch
	}
	a, err := s.Account(ctx, login)
	if errors.Is(err, ErrNotFound) {
		return Account{}, errKeyMismatch
	}
	if err != nil {
		return Account{}, err
	}
	if !keyMatches(a.PublicKeys, key) {
		return Account{}, errKeyMismatch
	}
	if err := a.Usable(s.now()); err != nil {
		return Account{}, err
	}
	return a, nil
}

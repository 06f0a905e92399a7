package auth

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/dossierd/dossierd/catalogue"
)

// Invitation links: a one-time secret in a URL that lets the person
// choose the account's password (`dossierd account invite`, and the web's
// "mot de passe oublié"). Only the SHA-256 of the token is stored: the
// token is 256 random bits, so there is nothing to guess and a slow hash
// would only cost every request; someone who reads the database cannot
// use a link from it.

// Sentinels of a link that cannot serve; the errors the store returns
// wrap them in the sentence the person reads (catalogue.Invitation*), so
// test them with errors.Is. A disabled or expired account gives
// ErrDisabled or ErrExpired, as at login.
var (
	ErrInvitationUnknown  = catalogue.Error(catalogue.ErrInvitationUnknown)
	ErrInvitationUsed     = catalogue.Error(catalogue.ErrInvitationUsed)
	ErrInvitationExpired  = catalogue.Error(catalogue.ErrInvitationExpired)
	ErrInvitationReplaced = catalogue.Error(catalogue.ErrInvitationReplaced)
)

// invitationKeep is how long a row outlives its link's expiry: until then
// an old link is told "expired" rather than "unknown". Rows older than that
// are deleted when a new link is made.
const invitationKeep = 30 * 24 * time.Hour

// CreateInvitation makes a link for login that lasts ttl, and returns its
// token (to put in the URL, config.InvitationURL) and its expiry as
// stored (to the second). Every earlier unused link of the account stops
// working ("replaced"). An unknown login gives an error wrapping
// ErrNotFound; a disabled or expired account, ErrDisabled or ErrExpired:
// such a person could not log in with the password chosen. Staff may be
// invited like anyone.
func (s *Store) CreateInvitation(ctx context.Context, login string, ttl time.Duration) (token string, expires time.Time, err error) {
	return s.createLink(ctx, login, ttl, true)
}

// CreateResetLink is CreateInvitation for "mot de passe oublié", which
// anyone may ask for any login: it leaves the account's other links
// working, so that a stranger asking again and again cannot kill the
// invitation an administrator sent. Once a password is chosen with any
// link, the others stop (RedeemInvitation).
func (s *Store) CreateResetLink(ctx context.Context, login string, ttl time.Duration) (token string, expires time.Time, err error) {
	return s.createLink(ctx, login, ttl, false)
}

func (s *Store) createLink(ctx context.Context, login string, ttl time.Duration, replace bool) (token string, expires time.Time, err error) {
	if ttl <= 0 {
		return "", time.Time{}, catalogue.Errorf(catalogue.InvitationTTL, ttl)
	}
	token = NewToken()
	now := s.now()
	expires = parseTimestamp(timestamp(now.Add(ttl)))
	err = s.write(ctx, func(tx *sql.Tx) error {
		a, err := account(ctx, tx, login)
		if err != nil {
			return err
		}
		if err := a.Usable(now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM invitations WHERE expires_at < ?`, timestamp(now.Add(-invitationKeep))); err != nil {
			return dbError(err)
		}
		if replace {
			if _, err := tx.ExecContext(ctx, `UPDATE invitations SET replaced = 1 WHERE account_id = ? AND used_at = '' AND NOT replaced`, a.ID); err != nil {
				return dbError(err)
			}
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO invitations (token_hash, account_id, created_at, expires_at) VALUES (?, ?, ?, ?)`,
			HashToken(token), a.ID, timestamp(now), timestamp(expires))
		return dbError(err)
	})
	if err != nil {
		return "", time.Time{}, err
	}
	return token, expires, nil
}

// CheckInvitation tells whether the link of token can serve, and for which
// account, without using it: for showing the form. The error wraps
// ErrInvitationUnknown, ErrInvitationUsed, ErrInvitationReplaced,
// ErrInvitationExpired (its text is what the person should read), or
// ErrDisabled, ErrExpired for the account.
func (s *Store) CheckInvitation(ctx context.Context, token string) (Account, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return Account{}, dbError(err)
	}
	defer tx.Rollback()
	return s.checkInvitation(ctx, tx, token)
}

// RedeemInvitation sets the password of the link's account (an argon2id
// hash, as SetPassword makes) and uses the link up, in one transaction:
// of two requests with the same link, one succeeds and the other gets
// ErrInvitationUsed. Errors are CheckInvitation's, or the password's
// (empty). How long a password must be is the caller's policy. The change
// bumps the generation, so connections of the account that are open are
// closed, as for any change of password.
func (s *Store) RedeemInvitation(ctx context.Context, token, password string) (Account, error) {
	// A look first, so that a dead link costs no argon2id hash, which is
	// made outside the transaction: the write lock must not wait for it.
	if _, err := s.CheckInvitation(ctx, token); err != nil {
		return Account{}, err
	}
	h, err := HashPassword(password)
	if err != nil {
		return Account{}, err
	}
	var a Account
	err = s.write(ctx, func(tx *sql.Tx) error {
		// Read again under the write lock: another request may have used
		// the link since the look above.
		if a, err = s.checkInvitation(ctx, tx, token); err != nil {
			return err
		}
		now := timestamp(s.now())
		res, err := tx.ExecContext(ctx, `UPDATE invitations SET used_at = ? WHERE token_hash = ? AND used_at = ''`, now, HashToken(token))
		if err != nil {
			return dbError(err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return dbError(err)
		} else if n != 1 {
			return &sentinelError{catalogue.InvitationUsed, nil, ErrInvitationUsed}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE accounts SET password_hash = ?, updated_at = ? WHERE id = ?`, h, now, a.ID); err != nil {
			return dbError(err)
		}
		// The password is chosen: the account's other links (a reset
		// link beside an invitation) stop.
		if _, err := tx.ExecContext(ctx, `UPDATE invitations SET replaced = 1 WHERE account_id = ? AND used_at = '' AND token_hash <> ?`, a.ID, HashToken(token)); err != nil {
			return dbError(err)
		}
		a.PasswordHash = h
		a.UpdatedAt = parseTimestamp(now)
		return nil
	})
	if err != nil {
		return Account{}, err
	}
	return a, nil
}

// checkInvitation reads the link and its account in q. A used link is
// told so before a replaced or expired one: what it served for is what
// the person needs to know.
func (s *Store) checkInvitation(ctx context.Context, q queryer, token string) (Account, error) {
	var id int64
	var expires, used string
	var replaced bool
	err := q.QueryRowContext(ctx, `SELECT account_id, expires_at, used_at, replaced FROM invitations WHERE token_hash = ?`, HashToken(token)).
		Scan(&id, &expires, &used, &replaced)
	if errors.Is(err, sql.ErrNoRows) {
		return Account{}, &sentinelError{catalogue.InvitationUnknown, nil, ErrInvitationUnknown}
	}
	if err != nil {
		return Account{}, dbError(err)
	}
	now := s.now()
	switch end := parseTimestamp(expires); {
	case used != "":
		return Account{}, &sentinelError{catalogue.InvitationUsed, nil, ErrInvitationUsed}
	case replaced:
		return Account{}, &sentinelError{catalogue.InvitationReplaced, nil, ErrInvitationReplaced}
	case !now.Before(end):
		return Account{}, &sentinelError{catalogue.InvitationExpired, []any{catalogue.DateTime(end)}, ErrInvitationExpired}
	}
	a, err := scanAccount(q.QueryRowContext(ctx, `SELECT `+accountColumns+` FROM accounts WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		// The account went (its links go with it; this is the backstop).
		return Account{}, &sentinelError{catalogue.InvitationUnknown, nil, ErrInvitationUnknown}
	}
	if err != nil {
		return Account{}, dbError(err)
	}
	if err := a.Usable(now); err != nil {
		return Account{}, err
	}
	return a, nil
}

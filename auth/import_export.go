package auth

import (
	"context"
	"database/sql"
)

// Export: the stored directory as a Snapshot, which Apply takes back
// unchanged.

// Export returns the whole directory as a Snapshot, read in one
// transaction, without secrets: no password or hash (PasswordHash is
// empty, so importing it keeps the stored passwords); public keys are
// included (PublicKeysGiven). Accounts are ordered by login, sessions by
// code, enrollments by session, role and ref.
func (s *Store) Export(ctx context.Context) (*Snapshot, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, dbError(err)
	}
	defer tx.Rollback()
	snap := &Snapshot{}
	rows, err := tx.QueryContext(ctx, `SELECT `+accountColumns+` FROM accounts ORDER BY login`)
	if err != nil {
		return nil, dbError(err)
	}
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			rows.Close()
			return nil, dbError(err)
		}
		snap.Accounts = append(snap.Accounts, ImportAccount{
			Login: a.Login, Role: a.Role, Ref: a.Ref, Name: a.Name, Email: a.Email,
			PublicKeys: a.PublicKeys, PublicKeysGiven: true,
			Disabled: a.Disabled, ExpiresAt: a.ExpiresAt,
		})
	}
	if err := rows.Err(); err != nil {
		return nil, dbError(err)
	}
	rows, err = tx.QueryContext(ctx, `SELECT `+sessionColumns+` FROM sessions s ORDER BY s.code_key, s.code`)
	if err != nil {
		return nil, dbError(err)
	}
	for rows.Next() {
		sess, err := scanSession(rows)
		if err != nil {
			rows.Close()
			return nil, dbError(err)
		}
		snap.Sessions = append(snap.Sessions, sess)
	}
	if err := rows.Err(); err != nil {
		return nil, dbError(err)
	}
	if snap.Enrollments, err = enrollments(ctx, tx); err != nil {
		return nil, err
	}
	return snap, nil
}

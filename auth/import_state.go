package auth

import (
	"context"
	"database/sql"
	"strings"
)

// The stored directory as the import compares it: read whole, in one
// transaction, into memory.

// importState is the stored directory, read in the import's transaction.
type importState struct {
	accounts    map[string]*dbAccount // lower-case login
	sessions    map[string]*dbSession // folded code
	enrollments map[enrKey]string     // -> client
}

type dbAccount struct {
	id                     int64
	login, role, ref, name string
	email                  string
	hash, keys, expires    string
	disabled               bool
	inFile                 bool
}

type dbSession struct {
	id int64
	Session
	folderKey string
	inFile    bool
}

// enrKey is an enrollment by folded session code, role and ref.
type enrKey struct{ sess, role, ref string }

func loadImportState(ctx context.Context, q queryer) (*importState, error) {
	st := &importState{accounts: map[string]*dbAccount{}, sessions: map[string]*dbSession{}, enrollments: map[enrKey]string{}}
	rows, err := q.QueryContext(ctx, `SELECT id, login, role, ref, name, email, password_hash, public_keys, disabled, expires_at FROM accounts`)
	if err != nil {
		return nil, dbError(err)
	}
	for rows.Next() {
		a := &dbAccount{}
		if err := rows.Scan(&a.id, &a.login, &a.role, &a.ref, &a.name, &a.email, &a.hash, &a.keys, &a.disabled, &a.expires); err != nil {
			rows.Close()
			return nil, dbError(err)
		}
		st.accounts[strings.ToLower(a.login)] = a
	}
	if err := rows.Err(); err != nil {
		return nil, dbError(err)
	}
	rows, err = q.QueryContext(ctx, `SELECT s.id, `+sessionColumns+`, s.code_key, s.folder_key FROM sessions s`)
	if err != nil {
		return nil, dbError(err)
	}
	keys := map[int64]string{} // session id -> folded code
	for rows.Next() {
		sess := &dbSession{}
		var codeKey string
		if err := rows.Scan(&sess.id, &sess.Code, &sess.Title, &sess.StartsOn, &sess.EndsOn, &sess.Folder, &sess.Hidden, &codeKey, &sess.folderKey); err != nil {
			rows.Close()
			return nil, dbError(err)
		}
		st.sessions[codeKey] = sess
		keys[sess.id] = codeKey
	}
	if err := rows.Err(); err != nil {
		return nil, dbError(err)
	}
	// Enrollments are the bulk (hundreds of thousands): read by session id,
	// without a join, and keyed by the session's folded code, one string
	// shared by all the enrollments of a session.
	// Clients are few: each is kept once, not once per trainee.
	rows, err = q.QueryContext(ctx, `SELECT session_id, role, ref, client FROM enrollments`)
	if err != nil {
		return nil, dbError(err)
	}
	clients := map[string]string{"": ""}
	for rows.Next() {
		var k enrKey
		var id int64
		var client string
		if err := rows.Scan(&id, &k.role, &k.ref, &client); err != nil {
			rows.Close()
			return nil, dbError(err)
		}
		k.sess = keys[id]
		k.role = internRole(k.role)
		if c, ok := clients[client]; ok {
			client = c
		} else {
			clients[client] = client
		}
		st.enrollments[k] = client
	}
	return st, dbError(rows.Err())
}

// internRole returns the constant for a role, so that hundreds of
// thousands of enrollments do not each keep a copy of "trainee".
func internRole(role string) string {
	for _, r := range roles {
		if role == r {
			return r
		}
	}
	return role
}

func (s *Store) readImportState(ctx context.Context) (*importState, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, dbError(err)
	}
	defer tx.Rollback()
	return loadImportState(ctx, tx)
}

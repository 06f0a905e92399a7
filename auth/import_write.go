package auth

import (
	"context"
	"database/sql"
	"strconv"

	"github.com/dossierd/dossierd/catalogue"
)

// The writes: the Layout told about what the plan adds, and the plan's
// rows written in the import's transaction.

// makeImportFolders tells the Layout about what the plan adds.
func (s *Store) makeImportFolders(ctx context.Context, pl *importPlan, opts ApplyOptions) error {
	if s.layout == nil {
		return nil
	}
	total := len(pl.newSessions) + len(pl.newAccounts) + len(pl.changedAccounts) + len(pl.addEnrollments)
	if total == 0 {
		return nil
	}
	prog := newImportProgress(opts.Progress, StageFolders, total, 500)
	for _, sess := range pl.newSessions {
		if err := s.layout.SessionFolders(sess.Code); err != nil {
			return catalogue.Errorf(catalogue.SessionFoldersErr, sess.Code, err)
		}
		prog.step()
	}
	for _, list := range [][]accountWrite{pl.newAccounts, pl.changedAccounts} {
		for _, w := range list {
			if w.folderChanged {
				if err := s.accountFolder(w.a.Role, w.a.Ref); err != nil {
					return err
				}
			}
			prog.step()
		}
	}
	for _, e := range pl.addEnrollments {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := s.layout.EnrollmentFolder(e.code, e.role, e.ref); err != nil {
			return catalogue.Errorf(catalogue.EnrollFolderErr, e.role, e.ref, e.code, err)
		}
		prog.step()
	}
	prog.done()
	return nil
}

// executeImport writes the plan in tx and tells the Layout about what was added.
func (s *Store) executeImport(ctx context.Context, tx *sql.Tx, pl *importPlan, opts ApplyOptions) error {
	total := len(pl.newSessions) + len(pl.changedSessions) + len(pl.hideSessions) +
		len(pl.newAccounts) + len(pl.changedAccounts) + len(pl.disableAccounts) +
		len(pl.removeEnrollments) + len(pl.addEnrollments) + len(pl.clientChanges)
	if total == 0 {
		return nil
	}
	prog := newImportProgress(opts.Progress, StageWrite, total, 500)
	now := timestamp(s.now())
	stmt := func(query string) (*sql.Stmt, error) {
		st, err := tx.PrepareContext(ctx, query)
		return st, dbError(err)
	}

	// Sessions. Folder keys are unique, and SQLite checks uniqueness at
	// every statement: two sessions swapping folders would collide half
	// way. Moving every changing folder key to a placeholder first (no
	// real folder contains "/") lets the final values land in any order.
	ids := map[string]int64{} // folded code -> id, for enrollments
	for _, u := range pl.changedSessions {
		if u.folderChanged {
			if _, err := tx.ExecContext(ctx, `UPDATE sessions SET folder_key = ? WHERE id = ?`, "/"+strconv.FormatInt(u.id, 10), u.id); err != nil {
				return dbError(err)
			}
		}
	}
	for _, u := range pl.changedSessions {
		if _, err := tx.ExecContext(ctx, `UPDATE sessions SET title = ?, starts_on = ?, ends_on = ?, folder = ?, folder_key = ?, hidden = ? WHERE id = ?`,
			u.s.Title, u.s.StartsOn, u.s.EndsOn, u.s.Folder, u.folderKey, u.s.Hidden, u.id); err != nil {
			return dbError(err)
		}
		prog.step()
	}
	for _, id := range pl.hideSessions {
		if _, err := tx.ExecContext(ctx, `UPDATE sessions SET hidden = 1 WHERE id = ?`, id); err != nil {
			return dbError(err)
		}
		prog.step()
	}
	if len(pl.newSessions) > 0 {
		ins, err := stmt(`INSERT INTO sessions (code, code_key, title, starts_on, ends_on, folder, folder_key, hidden) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer ins.Close()
		for _, sess := range pl.newSessions {
			res, err := ins.ExecContext(ctx, sess.Code, sess.key, sess.Title, sess.StartsOn, sess.EndsOn, sess.Folder, sess.folderKey, sess.Hidden)
			if err != nil {
				return dbError(err)
			}
			if ids[sess.key], err = res.LastInsertId(); err != nil {
				return dbError(err)
			}
			if s.layout != nil {
				if err := s.layout.SessionFolders(sess.Code); err != nil {
					return catalogue.Errorf(catalogue.SessionFoldersErr, sess.Code, err)
				}
			}
			prog.step()
		}
	}

	// Accounts.
	if len(pl.newAccounts) > 0 {
		ins, err := stmt(`INSERT INTO accounts (login, role, ref, name, email, password_hash, public_keys, disabled, expires_at, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer ins.Close()
		for _, w := range pl.newAccounts {
			if err := w.hashNow(); err != nil {
				return err
			}
			a := w.a
			if _, err := ins.ExecContext(ctx, a.Login, a.Role, a.Ref, a.Name, a.Email, w.hash, w.keys, a.Disabled, a.ExpiresAt, now, now); err != nil {
				return dbError(err)
			}
			if err := s.accountFolder(a.Role, a.Ref); err != nil {
				return err
			}
			prog.step()
		}
	}
	if len(pl.changedAccounts) > 0 {
		upd, err := stmt(`UPDATE accounts SET role = ?, ref = ?, name = ?, email = ?, password_hash = ?, public_keys = ?, disabled = ?, expires_at = ?, updated_at = ? WHERE id = ?`)
		if err != nil {
			return err
		}
		defer upd.Close()
		for _, w := range pl.changedAccounts {
			if err := w.hashNow(); err != nil {
				return err
			}
			a := w.a
			if _, err := upd.ExecContext(ctx, a.Role, a.Ref, a.Name, a.Email, w.hash, w.keys, a.Disabled, a.ExpiresAt, now, w.id); err != nil {
				return dbError(err)
			}
			if w.folderChanged {
				if err := s.accountFolder(a.Role, a.Ref); err != nil {
					return err
				}
			}
			prog.step()
		}
	}
	for _, id := range pl.disableAccounts {
		if _, err := tx.ExecContext(ctx, `UPDATE accounts SET disabled = 1, updated_at = ? WHERE id = ?`, now, id); err != nil {
			return dbError(err)
		}
		prog.step()
	}

	// Enrollments: the session ids of stored sessions are read once.
	if len(pl.removeEnrollments)+len(pl.addEnrollments)+len(pl.clientChanges) > 0 {
		rows, err := tx.QueryContext(ctx, `SELECT code_key, id FROM sessions`)
		if err != nil {
			return dbError(err)
		}
		for rows.Next() {
			var k string
			var id int64
			if err := rows.Scan(&k, &id); err != nil {
				rows.Close()
				return dbError(err)
			}
			ids[k] = id
		}
		if err := rows.Err(); err != nil {
			return dbError(err)
		}
	}
	if len(pl.removeEnrollments) > 0 {
		del, err := stmt(`DELETE FROM enrollments WHERE session_id = ? AND role = ? AND ref = ?`)
		if err != nil {
			return err
		}
		defer del.Close()
		for _, e := range pl.removeEnrollments {
			if _, err := del.ExecContext(ctx, ids[e.sessKey], e.role, e.ref); err != nil {
				return dbError(err)
			}
			prog.step()
		}
	}
	if len(pl.clientChanges) > 0 {
		upd, err := stmt(`UPDATE enrollments SET client = ? WHERE session_id = ? AND role = ? AND ref = ?`)
		if err != nil {
			return err
		}
		defer upd.Close()
		for _, e := range pl.clientChanges {
			if _, err := upd.ExecContext(ctx, e.client, ids[e.sessKey], e.role, e.ref); err != nil {
				return dbError(err)
			}
			prog.step()
		}
	}
	if len(pl.addEnrollments) > 0 {
		ins, err := stmt(`INSERT INTO enrollments (session_id, role, ref, client) VALUES (?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer ins.Close()
		for _, e := range pl.addEnrollments {
			if err := ctx.Err(); err != nil {
				return err
			}
			if _, err := ins.ExecContext(ctx, ids[e.sessKey], e.role, e.ref, e.client); err != nil {
				return dbError(err)
			}
			if s.layout != nil {
				if err := s.layout.EnrollmentFolder(e.code, e.role, e.ref); err != nil {
					return catalogue.Errorf(catalogue.EnrollFolderErr, e.role, e.ref, e.code, err)
				}
			}
			prog.step()
		}
	}
	prog.done()
	return nil
}

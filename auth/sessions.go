package auth

import (
	"context"
	"database/sql"
	"errors"

	"github.com/dossierd/dossierd/catalogue"
)

const sessionColumns = `s.code, s.title, s.starts_on, s.ends_on, s.folder, s.hidden`

func scanSession(r scanner) (Session, error) {
	var sess Session
	err := r.Scan(&sess.Code, &sess.Title, &sess.StartsOn, &sess.EndsOn, &sess.Folder, &sess.Hidden)
	return sess, err
}

// session finds a session by code, case-insensitively, and returns its id.
func session(ctx context.Context, q queryer, code string) (int64, Session, error) {
	var id int64
	var sess Session
	err := q.QueryRowContext(ctx, `SELECT s.id, `+sessionColumns+` FROM sessions s WHERE s.code_key = ?`, foldKey(code)).
		Scan(&id, &sess.Code, &sess.Title, &sess.StartsOn, &sess.EndsOn, &sess.Folder, &sess.Hidden)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, Session{}, notFound(catalogue.NoSession, code)
	}
	if err != nil {
		return 0, Session{}, dbError(err)
	}
	return id, sess, nil
}

// folderFree fails with ErrExists if another session than id (0: none)
// shows the same folder, compared case-insensitively: clients on
// case-insensitive systems could not tell the two apart.
func folderFree(ctx context.Context, tx *sql.Tx, folder string, id int64) error {
	var other string
	err := tx.QueryRowContext(ctx, `SELECT code FROM sessions WHERE folder_key = ? AND id != ?`, foldKey(folder), id).Scan(&other)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return dbError(err)
	}
	return exists(catalogue.SessionFolderOf, folder, other)
}

// AddSession adds a session; an empty Folder becomes the code. Codes and
// folders are unique, case-insensitively.
func (s *Store) AddSession(ctx context.Context, sess Session) error {
	if err := s.normalizeSession(&sess); err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		_, old, err := session(ctx, tx, sess.Code)
		switch {
		case err == nil && old.Code == sess.Code:
			return exists(catalogue.SessionExists, sess.Code)
		case err == nil:
			return exists(catalogue.SessionExistsAs, sess.Code, old.Code)
		case !errors.Is(err, ErrNotFound):
			return err
		}
		if err := folderFree(ctx, tx, sess.Folder, 0); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO sessions (code, code_key, title, starts_on, ends_on, folder, folder_key, hidden)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			sess.Code, foldKey(sess.Code), sess.Title, sess.StartsOn, sess.EndsOn, sess.Folder, foldKey(sess.Folder), sess.Hidden)
		if isConstraint(err) {
			return exists(catalogue.SessionExists, sess.Code)
		}
		if err != nil {
			return dbError(err)
		}
		if s.layout != nil {
			if err := s.layout.SessionFolders(sess.Code); err != nil {
				return catalogue.Errorf(catalogue.SessionFoldersErr, sess.Code, err)
			}
		}
		return nil
	})
}

// UpdateSession rewrites the title, dates, folder and hidden flag of the
// session with sess.Code (found case-insensitively); an empty Folder
// becomes the code. The code itself cannot change: the folders on disk are
// named after it.
func (s *Store) UpdateSession(ctx context.Context, sess Session) error {
	if err := s.normalizeSession(&sess); err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		id, old, err := session(ctx, tx, sess.Code)
		if err != nil {
			return err
		}
		if sess.Folder == sess.Code {
			// The default folder follows the stored spelling of the code.
			sess.Folder = old.Code
		}
		if err := folderFree(ctx, tx, sess.Folder, id); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE sessions SET title = ?, starts_on = ?, ends_on = ?, folder = ?, folder_key = ?, hidden = ? WHERE id = ?`,
			sess.Title, sess.StartsOn, sess.EndsOn, sess.Folder, foldKey(sess.Folder), sess.Hidden, id)
		if isConstraint(err) {
			return exists(catalogue.SessionFolderUsed, sess.Folder)
		}
		return dbError(err)
	})
}

// DeleteSession deletes a session and its enrolments. Its folders on disk
// are left alone: they hold trainees' files.
func (s *Store) DeleteSession(ctx context.Context, code string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		id, _, err := session(ctx, tx, code)
		if err != nil {
			return err
		}
		// ON DELETE CASCADE would do it, but only on connections with
		// foreign_keys on; saying it costs nothing.
		if _, err := tx.ExecContext(ctx, `DELETE FROM enrollments WHERE session_id = ?`, id); err != nil {
			return dbError(err)
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM sessions WHERE id = ?`, id)
		return dbError(err)
	})
}

// Session returns the session with this code, compared case-insensitively.
func (s *Store) Session(ctx context.Context, code string) (Session, error) {
	_, sess, err := session(ctx, s.db, code)
	return sess, err
}

// Sessions returns every session, hidden ones included, ordered by code.
func (s *Store) Sessions(ctx context.Context) ([]Session, error) {
	return s.sessions(ctx, `SELECT `+sessionColumns+` FROM sessions s ORDER BY s.code_key, s.code`)
}

// SessionsOf returns the sessions, hidden ones excepted, in which (role,
// ref) is enrolled, ordered by folder (case-insensitively).
func (s *Store) SessionsOf(ctx context.Context, role, ref string) ([]Session, error) {
	return s.sessions(ctx, `SELECT `+sessionColumns+` FROM enrollments e JOIN sessions s ON s.id = e.session_id
		WHERE e.role = ? AND e.ref = ? AND NOT s.hidden ORDER BY s.folder_key, s.folder`, role, ref)
}

func (s *Store) sessions(ctx context.Context, query string, args ...any) ([]Session, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, dbError(err)
	}
	defer rows.Close()
	var out []Session
	for rows.Next() {
		sess, err := scanSession(rows)
		if err != nil {
			return nil, dbError(err)
		}
		out = append(out, sess)
	}
	return out, dbError(rows.Err())
}

// Enroll enrols (e.Role, e.Ref) in session e.Session. The session must
// exist, and so must an account with that role and ref. Enrolling again is
// not an error (the Layout is told again, which repairs a missing folder).
func (s *Store) Enroll(ctx context.Context, e Enrollment) error {
	if err := validateEnrollRole(e.Role); err != nil {
		return err
	}
	if e.Ref == "" {
		return invalid("ref", "", catalogue.IsRequired)
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		id, sess, err := session(ctx, tx, e.Session)
		if err != nil {
			return err
		}
		var one int
		err = tx.QueryRowContext(ctx, `SELECT 1 FROM accounts WHERE role = ? AND ref = ? LIMIT 1`, e.Role, e.Ref).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound(catalogue.NoAccountWithRef, e.Role, e.Ref)
		}
		if err != nil {
			return dbError(err)
		}
		// An existing enrolment is left as it is, and no trigger fires, so
		// the generation does not move either. (ON CONFLICT rather than OR
		// IGNORE, which would also swallow CHECK and NOT NULL failures.)
		if _, err := tx.ExecContext(ctx, `INSERT INTO enrollments (session_id, role, ref) VALUES (?, ?, ?)
			ON CONFLICT (session_id, role, ref) DO NOTHING`, id, e.Role, e.Ref); err != nil {
			return dbError(err)
		}
		if s.layout != nil {
			if err := s.layout.EnrollmentFolder(sess.Code, e.Role, e.Ref); err != nil {
				return catalogue.Errorf(catalogue.EnrollFolderErr, e.Role, e.Ref, sess.Code, err)
			}
		}
		return nil
	})
}

// Unenroll removes an enrolment; ErrNotFound if there is none. The folder
// on disk is left alone.
func (s *Store) Unenroll(ctx context.Context, e Enrollment) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		id, sess, err := session(ctx, tx, e.Session)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM enrollments WHERE session_id = ? AND role = ? AND ref = ?`, id, e.Role, e.Ref)
		if err != nil {
			return dbError(err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return dbError(err)
		} else if n == 0 {
			return notFound(catalogue.NotEnrolled, e.Role, e.Ref, sess.Code)
		}
		return nil
	})
}

// Enrollments returns every enrolment, ordered by session code, role, ref.
// Session is the code as stored.
func (s *Store) Enrollments(ctx context.Context) ([]Enrollment, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT s.code, e.role, e.ref FROM enrollments e JOIN sessions s ON s.id = e.session_id
		ORDER BY s.code_key, s.code, e.role, e.ref`)
	if err != nil {
		return nil, dbError(err)
	}
	defer rows.Close()
	var out []Enrollment
	for rows.Next() {
		var e Enrollment
		if err := rows.Scan(&e.Session, &e.Role, &e.Ref); err != nil {
			return nil, dbError(err)
		}
		out = append(out, e)
	}
	return out, dbError(rows.Err())
}

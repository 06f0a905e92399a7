package auth

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/dossierd/dossierd/catalogue"
	"github.com/dossierd/dossierd/domain"
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

// Enroll enrols (e.Role, e.Ref) in session e.Session, sent by e.Client
// (trainees only; "" for none). The session must exist, and so must an
// account with that role and ref, and a client account with ref e.Client.
// Enrolling again is not an error: the enrolment takes e's Client (an
// empty one clears it), and the Layout is told again, which repairs a
// missing folder.
func (s *Store) Enroll(ctx context.Context, e Enrollment) error {
	if err := validateEnrollRole(e.Role); err != nil {
		return err
	}
	if e.Ref == "" {
		return invalid("ref", "", catalogue.IsRequired)
	}
	if e.Client != "" && e.Role != domain.RoleTrainee {
		return invalid("client", e.Client, catalogue.ClientNotTrainee)
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		id, sess, err := session(ctx, tx, e.Session)
		if err != nil {
			return err
		}
		if err := refExists(ctx, tx, e.Role, e.Ref); err != nil {
			return err
		}
		if e.Client != "" {
			if err := refExists(ctx, tx, domain.RoleClient, e.Client); err != nil {
				return err
			}
		}
		// An existing enrolment with the same client is left as it is, and
		// no trigger fires, so the generation does not move either. (ON
		// CONFLICT rather than OR IGNORE, which would also swallow CHECK
		// and NOT NULL failures.)
		if _, err := tx.ExecContext(ctx, `INSERT INTO enrollments (session_id, role, ref, client) VALUES (?, ?, ?, ?)
			ON CONFLICT (session_id, role, ref) DO UPDATE SET client = excluded.client WHERE client != excluded.client`,
			id, e.Role, e.Ref, e.Client); err != nil {
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

// refExists fails with ErrNotFound unless an account has this role and ref.
func refExists(ctx context.Context, tx *sql.Tx, role, ref string) error {
	var one int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM accounts WHERE role = ? AND ref = ? LIMIT 1`, role, ref).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound(catalogue.NoAccountWithRef, role, ref)
	}
	return dbError(err)
}

// Unenroll removes an enrolment (e.Client plays no part); ErrNotFound if there is none. The folder
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
	return enrollments(ctx, s.db)
}

// enrollmentsQuery lists every enrolment in Enrollments' order.
const enrollmentsQuery = `SELECT s.code, e.role, e.ref, e.client FROM enrollments e JOIN sessions s ON s.id = e.session_id
	ORDER BY s.code_key, s.code, e.role, e.ref`

func enrollments(ctx context.Context, q queryer) ([]Enrollment, error) {
	rows, err := q.QueryContext(ctx, enrollmentsQuery)
	if err != nil {
		return nil, dbError(err)
	}
	defer rows.Close()
	var out []Enrollment
	for rows.Next() {
		var e Enrollment
		if err := rows.Scan(&e.Session, &e.Role, &e.Ref, &e.Client); err != nil {
			return nil, dbError(err)
		}
		out = append(out, e)
	}
	return out, dbError(rows.Err())
}

// Participants returns the trainees enrolled in session code (found
// case-insensitively, hidden or not), each with the name of a trainee
// account that has its ref and the client that sent it, ordered by name
// (in the server's language's alphabetical order, accents and case aside)
// then ref. The web shows a client the ones it sent, a trainer all.
func (s *Store) Participants(ctx context.Context, code string) ([]Participant, error) {
	id, _, err := session(ctx, s.db, code)
	if err != nil {
		return nil, err
	}
	// Several accounts may share a ref: the first by login that has a name.
	rows, err := s.db.QueryContext(ctx, `SELECT e.ref, e.client,
		COALESCE((SELECT a.name FROM accounts a WHERE a.role = e.role AND a.ref = e.ref ORDER BY a.name = '', a.login LIMIT 1), '')
		FROM enrollments e WHERE e.session_id = ? AND e.role = ?`, id, domain.RoleTrainee)
	if err != nil {
		return nil, dbError(err)
	}
	defer rows.Close()
	var out []Participant
	for rows.Next() {
		var p Participant
		if err := rows.Scan(&p.Ref, &p.Client, &p.Name); err != nil {
			return nil, dbError(err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, dbError(err)
	}
	sortParticipants(out)
	return out, nil
}

// sortParticipants orders by name as a French reader looks names up:
// accents and case aside ("Émilie" between "Elodie" and "Fabien", not
// after "Zoé" as bytes would put it), then by ref.
func sortParticipants(ps []Participant) {
	keys := make(map[string]string, len(ps))
	for _, p := range ps {
		keys[p.Name] = nameKey(p.Name)
	}
	slices.SortFunc(ps, func(a, b Participant) int {
		return cmp.Or(strings.Compare(keys[a.Name], keys[b.Name]), strings.Compare(a.Name, b.Name), strings.Compare(a.Ref, b.Ref))
	})
}

// nameKey is name decomposed (NFD), without its combining marks, in lower
// case.
func nameKey(name string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(name) {
		if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

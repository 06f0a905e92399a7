package httpd

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/dossierd/dossierd/auth"
	"github.com/dossierd/dossierd/service"
	"github.com/dossierd/dossierd/vfs"
)

// A big file sent from a browser may take hours; a restart of the daemon
// in the middle (an upgrade) must not make the page start it again. At a
// shutdown each unfinished upload is parked (its file kept, hidden,
// beside its target) and written in web_uploads under its web session and
// the page's identity of the file; the web session itself survives the
// restart, so when the page asks where to continue (POST /upload for the
// same file), the upload is taken up at the bytes it holds, with the
// checks of a new upload as of now. A parked upload nobody continues
// within vfs.ParkedKeep, or whose web session ended, is removed.

// parkAll sets every unfinished upload aside: the shutdown's end of the
// uploads (chunks in flight ended first, with the requests).
func (s *Server) parkAll() { s.parkWhere(func(*webUpload) bool { return true }) }

// parkWhere parks the uploads match selects; a chunk being written ends
// first (the upload's lock). An upload leaves the registry only once
// parked: the shutdown's parkAll and the end of its web session's
// connection (endSession, which then closes the mounts the park needs)
// may both come for it, and the second must wait for the first.
func (s *Server) parkWhere(match func(*webUpload) bool) {
	now := stamp(time.Now())
	for _, u := range s.uploads.all() {
		if !match(u) {
			continue
		}
		u.mu.Lock()
		if !u.closed.Load() {
			u.closed.Store(true)
			s.park(u, now)
		}
		s.uploads.forget(u)
		u.mu.Unlock()
	}
}

func (s *Server) park(u *webUpload, now string) {
	p, err := u.up.Park()
	if err != nil {
		s.log.Warn("unfinished web upload not kept for the restart", "login", u.login, "path", u.up.Path(), "err", err)
		return
	}
	if err := s.keepParked(u.key, u.session, p, now); err != nil {
		s.log.Error("unfinished web upload not kept for the restart", "login", u.login, "path", p.Path, "err", err)
		s.svc.DropParked(p)
		return
	}
	s.log.Info("unfinished web upload kept for the restart", "login", u.login, "path", p.Path, "bytes", p.Size)
}

// unpark takes up the parked upload of this file, if there is one. It
// returns nil, nil when there is none, or when the upload cannot continue
// (its file is removed, and the page starts the file again as a new
// upload); an error when it cannot continue for now (the login's open
// files at their limit, the disk): the upload stays parked, for the page
// to ask again.
func (s *Server) unpark(ctx context.Context, ws *webSession, c *service.Conn, key string, size int64) (*webUpload, error) {
	var p vfs.Parked
	var parkedAt string
	err := s.store.DB().QueryRowContext(ctx, `DELETE FROM web_uploads WHERE file_key = ? RETURNING path, temp, size, target, parked_at`, key).
		Scan(&p.Path, &p.Temp, &p.Size, &p.Target, &parkedAt)
	if err != nil {
		if !errors.Is(err, sql.ErrNoRows) {
			s.log.Error("reading the parked web uploads failed", "err", err)
		}
		return nil, nil
	}
	up, err := c.Unpark(p)
	if err != nil {
		if unparkLater(err) {
			s.keepParked(key, ws.hash, p, parkedAt)
			return nil, err
		}
		s.svc.DropParked(p)
		return nil, nil
	}
	u := &webUpload{id: auth.NewToken(), key: key, session: ws.hash, login: c.Account().Login, conn: c, up: up, size: size}
	u.offset.Store(p.Size)
	u.touch()
	s.uploads.add(u)
	return u, nil
}

// unparkLater tells a refusal that may pass (a limit of open files, a
// disk error) from one that stays (the file or its folder changed, the
// rights or the name policy now refuse): only the first keeps the upload
// parked.
func unparkLater(err error) bool {
	for _, final := range []error{vfs.ErrParkedStale, vfs.ErrNotFound, vfs.ErrPermission, vfs.ErrReadOnly, vfs.ErrName, vfs.ErrIsDir, vfs.ErrNotDir, vfs.ErrTooLarge, vfs.ErrInvalidPath} {
		if errors.Is(err, final) {
			return false
		}
	}
	return true
}

// keepParked writes a parked upload's row (at a shutdown, or back after an
// unpark that may succeed later).
func (s *Server) keepParked(key, session string, p vfs.Parked, parkedAt string) error {
	_, err := s.store.DB().Exec(
		`INSERT OR REPLACE INTO web_uploads (file_key, token_hash, path, temp, size, target, parked_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		key, session, p.Path, p.Temp, p.Size, p.Target, parkedAt)
	return err
}

// sweepParked removes the parked uploads nobody continued in time, and
// those of web sessions that ended (logout, expiry, a new password).
func (s *Server) sweepParked(ctx context.Context, now time.Time) {
	rows, err := s.store.DB().QueryContext(ctx, `SELECT file_key, path, temp FROM web_uploads
		WHERE parked_at < ? OR token_hash NOT IN (SELECT token_hash FROM web_sessions)`, stamp(now.Add(-vfs.ParkedKeep)))
	if err != nil {
		s.log.Error("reading the parked web uploads failed", "err", err)
		return
	}
	type stale struct {
		key string
		p   vfs.Parked
	}
	var gone []stale
	for rows.Next() {
		var g stale
		if rows.Scan(&g.key, &g.p.Path, &g.p.Temp) == nil {
			gone = append(gone, g)
		}
	}
	rows.Close()
	for _, g := range gone {
		if err := s.svc.DropParked(g.p); err != nil {
			s.log.Error("removing a parked web upload failed", "path", g.p.Path, "err", err)
			continue
		}
		s.store.DB().ExecContext(ctx, `DELETE FROM web_uploads WHERE file_key = ?`, g.key)
	}
}

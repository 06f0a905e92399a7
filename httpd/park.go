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
	if _, err := s.store.DB().Exec(
		`INSERT OR REPLACE INTO web_uploads (file_key, token_hash, path, temp, size, parked_at) VALUES (?, ?, ?, ?, ?, ?)`,
		u.key, u.session, p.Path, p.Temp, p.Size, now); err != nil {
		s.log.Error("unfinished web upload not kept for the restart", "login", u.login, "path", p.Path, "err", err)
		s.svc.DropParked(p)
		return
	}
	s.log.Info("unfinished web upload kept for the restart", "login", u.login, "path", p.Path, "bytes", p.Size)
}

// unpark takes up the parked upload of this file, if there is one: nil
// when there is none, or when it cannot continue (its file is removed, and
// the page starts the file again as a new upload).
func (s *Server) unpark(ctx context.Context, ws *webSession, c *service.Conn, key string, size int64) *webUpload {
	var p vfs.Parked
	err := s.store.DB().QueryRowContext(ctx, `DELETE FROM web_uploads WHERE file_key = ? RETURNING path, temp, size`, key).
		Scan(&p.Path, &p.Temp, &p.Size)
	if err != nil {
		if !errors.Is(err, sql.ErrNoRows) {
			s.log.Error("reading the parked web uploads failed", "err", err)
		}
		return nil
	}
	up, err := c.Unpark(p)
	if err != nil {
		s.svc.DropParked(p)
		return nil
	}
	u := &webUpload{id: auth.NewToken(), key: key, session: ws.hash, login: c.Account().Login, conn: c, up: up, size: size}
	u.offset.Store(p.Size)
	u.touch()
	s.uploads.add(u)
	return u
}

// sweepParked removes the parked uploads nobody continued in time, and
// those of web sessions that ended (logout, expiry, a new password).
func (s *Server) sweepParked(ctx context.Context, now time.Time) {
	rows, err := s.store.DB().QueryContext(ctx, `SELECT file_key, path, temp, size FROM web_uploads
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
		if rows.Scan(&g.key, &g.p.Path, &g.p.Temp, &g.p.Size) == nil {
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

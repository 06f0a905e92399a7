package httpd

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/dossierd/dossierd/auth"
	"github.com/dossierd/dossierd/catalogue"
	"github.com/dossierd/dossierd/service"
)

// cookieName is the web session's cookie. It carries 256 random bits; the
// database keeps only their SHA-256 (table web_sessions), so a copy of the
// database opens no session.
const cookieName = "dossierd_session"

// seenEvery bounds how often a session's last activity is written down:
// it only matters after a restart, to tell an idle session from a live one.
const seenEvery = time.Minute

// A webSession is a login in a browser. Its connection (the core's Conn,
// with the login's tree) is opened at login, and again at the first
// request after a restart of the daemon; the session itself lives in the
// database until logout, its lifetime, its idle time or a kick.
type webSession struct {
	hash, login string
	remote      string // where the login came from
	created     time.Time
	expires     time.Time

	mu    sync.Mutex
	conn  *service.Conn // nil until needed after a restart
	saved time.Time     // when seen_at was last written
	ended bool
	// flash and failure are what the next page says of the last change
	// (post, redirect, get).
	flash, failure string
}

type sessions struct {
	mu     sync.Mutex
	byHash map[string]*webSession
	// ended remembers for a while why a session ended, so that the login
	// page the browser lands on says it ("your account was disabled").
	ended map[string]endedSession
}

type endedSession struct {
	reason string
	at     time.Time
}

func (ss *sessions) init() {
	ss.byHash = map[string]*webSession{}
	ss.ended = map[string]endedSession{}
}

// startSession opens a web session for a, whose password was just
// checked: its connection first (the login's limits may refuse it), then
// the row and the cookie.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, a auth.Account) error {
	token := auth.NewToken()
	now := time.Now()
	ws := &webSession{hash: auth.HashToken(token), login: a.Login, remote: remote(r), created: now, expires: now.Add(s.cfg.SessionLifetime), saved: now}
	conn, err := s.svc.Open(r.Context(), a, Protocol, ws.remote, s.kicker(ws))
	if err != nil {
		return err
	}
	ws.conn = conn
	_, err = s.store.DB().ExecContext(r.Context(),
		`INSERT INTO web_sessions (token_hash, login, remote, created_at, seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
		ws.hash, a.Login, ws.remote, stamp(now), stamp(now), stamp(ws.expires))
	if err != nil {
		conn.Close()
		return err
	}
	s.sessions.mu.Lock()
	s.sessions.byHash[ws.hash] = ws
	s.sessions.mu.Unlock()
	http.SetCookie(w, s.cookie(r, token, ws.expires))
	return nil
}

func (s *Server) cookie(r *http.Request, token string, expires time.Time) *http.Cookie {
	c := &http.Cookie{Name: cookieName, Value: token, Path: "/", HttpOnly: true, Secure: secure(r), SameSite: http.SameSiteStrictMode}
	if token == "" {
		c.MaxAge = -1
	} else {
		c.Expires = expires
	}
	return c
}

// errSessionEnded carries why the browser must log in again.
type errSessionEnded struct{ reason string }

func (e errSessionEnded) Error() string { return e.reason }

// current is the request's web session and its open connection, or why
// there is none ("" reason: no session at all).
func (s *Server) current(r *http.Request) (*webSession, *service.Conn, error) {
	c, err := r.Cookie(cookieName)
	if err != nil || c.Value == "" {
		return nil, nil, errSessionEnded{}
	}
	hash := auth.HashToken(c.Value)
	now := time.Now()
	s.sessions.mu.Lock()
	ws := s.sessions.byHash[hash]
	ended, wasEnded := s.sessions.ended[hash]
	s.sessions.mu.Unlock()
	if ws == nil {
		if wasEnded {
			return nil, nil, errSessionEnded{ended.reason}
		}
		if ws, err = s.loadSession(r.Context(), hash); err != nil {
			return nil, nil, err
		}
	}
	if now.After(ws.expires) {
		s.endSession(ws, catalogue.WebSessionExpired.F(), true)
		return nil, nil, errSessionEnded{catalogue.WebSessionExpired.F()}
	}
	ws.mu.Lock()
	defer ws.mu.Unlock()
	if ws.ended {
		return nil, nil, errSessionEnded{}
	}
	if ws.conn == nil {
		// The first request after a restart: the account is read again,
		// so a change made meanwhile (disabled, deleted) applies.
		a, err := s.store.Account(r.Context(), ws.login)
		if err == nil {
			ws.conn, err = s.svc.Open(r.Context(), a, Protocol, ws.remote, s.kicker(ws))
		}
		switch {
		case errors.Is(err, auth.ErrNotFound):
			go s.endSession(ws, catalogue.KickDeleted.F(), true)
			return nil, nil, errSessionEnded{catalogue.KickDeleted.F()}
		case errors.Is(err, auth.ErrDisabled), errors.Is(err, auth.ErrExpired):
			go s.endSession(ws, err.Error(), true)
			return nil, nil, errSessionEnded{err.Error()}
		case err != nil:
			// Passing (too many connections for now, a busy database): the
			// session stays, the page says why.
			return nil, nil, err
		}
	}
	if now.Sub(ws.saved) > seenEvery {
		ws.saved = now
		s.store.DB().ExecContext(r.Context(), `UPDATE web_sessions SET seen_at = ? WHERE token_hash = ?`, stamp(now), ws.hash)
	}
	return ws, ws.conn, nil
}

// loadSession reads a session the daemon did not have in memory: one
// opened before a restart.
func (s *Server) loadSession(ctx context.Context, hash string) (*webSession, error) {
	var login, rem, created, seen, expires string
	err := s.store.DB().QueryRowContext(ctx,
		`SELECT login, remote, created_at, seen_at, expires_at FROM web_sessions WHERE token_hash = ?`, hash).
		Scan(&login, &rem, &created, &seen, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errSessionEnded{}
	}
	if err != nil {
		return nil, err
	}
	ws := &webSession{hash: hash, login: login, remote: rem, created: parseStamp(created), expires: parseStamp(expires), saved: parseStamp(seen)}
	if idle := s.svc.IdleTimeout(); idle > 0 && time.Since(ws.saved) > idle+seenEvery {
		reason := catalogue.KickIdle.F(int(idle.Minutes()))
		s.deleteSession(hash)
		return nil, errSessionEnded{reason}
	}
	s.sessions.mu.Lock()
	defer s.sessions.mu.Unlock()
	if other := s.sessions.byHash[hash]; other != nil { // loaded meanwhile
		return other, nil
	}
	s.sessions.byHash[hash] = ws
	return ws, nil
}

// kicker is the transport's kick of a session's connection: the core
// closes it (account disabled, idle, shutdown...). At shutdown only the
// connection ends; otherwise the session does, and the browser is told
// why on the login page.
func (s *Server) kicker(ws *webSession) func(reason string) {
	return func(reason string) {
		go s.endSession(ws, reason, !s.shuttingDown.Load())
	}
}

// endSession closes the session's connection and, when end is set, the
// session itself. The uploads in progress are dropped with the session,
// and parked when only the connection closes (a shutdown: the session
// carries on after the restart, and so do they).
func (s *Server) endSession(ws *webSession, reason string, end bool) {
	ws.mu.Lock()
	conn := ws.conn
	ws.conn = nil
	if end {
		ws.ended = true
	}
	ws.mu.Unlock()
	if conn != nil {
		if end {
			s.uploads.dropConn(conn)
		} else {
			s.parkWhere(func(u *webUpload) bool { return u.conn == conn })
		}
		conn.Close()
	}
	if !end {
		return
	}
	s.sessions.mu.Lock()
	delete(s.sessions.byHash, ws.hash)
	if reason != "" {
		s.sessions.ended[ws.hash] = endedSession{reason: reason, at: time.Now()}
	}
	s.sessions.mu.Unlock()
	s.deleteSession(ws.hash)
}

func (s *Server) deleteSession(hash string) {
	if _, err := s.store.DB().Exec(`DELETE FROM web_sessions WHERE token_hash = ?`, hash); err != nil {
		s.log.Error("web session not deleted", "err", err)
	}
}

// endSessionsOf ends every web session of login (a changed password).
func (s *Server) endSessionsOf(login, reason string) {
	s.sessions.mu.Lock()
	var list []*webSession
	for _, ws := range s.sessions.byHash {
		if ws.login == login {
			list = append(list, ws)
		}
	}
	s.sessions.mu.Unlock()
	for _, ws := range list {
		s.endSession(ws, reason, true)
	}
	if _, err := s.store.DB().Exec(`DELETE FROM web_sessions WHERE login = ?`, login); err != nil {
		s.log.Error("web sessions not deleted", "login", login, "err", err)
	}
}

// expire ends the sessions past their absolute lifetime, and forgets the
// reasons of sessions ended long ago.
func (ss *sessions) expire(s *Server, now time.Time) {
	ss.mu.Lock()
	var old []*webSession
	for _, ws := range ss.byHash {
		if now.After(ws.expires) {
			old = append(old, ws)
		}
	}
	for h, e := range ss.ended {
		if now.Sub(e.at) > time.Hour {
			delete(ss.ended, h)
		}
	}
	ss.mu.Unlock()
	for _, ws := range old {
		s.endSession(ws, catalogue.WebSessionExpired.F(), true)
	}
	s.store.DB().Exec(`DELETE FROM web_sessions WHERE expires_at < ?`, stamp(now))
}

// closeConns closes every session's connection at shutdown; the sessions
// stay in the database.
func (ss *sessions) closeConns() {
	ss.mu.Lock()
	list := make([]*webSession, 0, len(ss.byHash))
	for _, ws := range ss.byHash {
		list = append(list, ws)
	}
	ss.mu.Unlock()
	for _, ws := range list {
		ws.mu.Lock()
		conn := ws.conn
		ws.conn = nil
		ws.mu.Unlock()
		if conn != nil {
			conn.Close()
		}
	}
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func parseStamp(s string) time.Time {
	t, _ := time.Parse(time.RFC3339, s)
	return t
}

package httpd

import (
	"errors"
	"io/fs"
	"net/http"
	"strings"

	"github.com/dossierd/dossierd/auth"
	"github.com/dossierd/dossierd/catalogue"
	"github.com/dossierd/dossierd/domain"
	"github.com/dossierd/dossierd/service"
	"github.com/dossierd/dossierd/vfs"
)

// contentSecurityPolicy allows only the server's own script and style
// files: no inline script, no framing, forms posted only here.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// Handler is the whole site: pages, static files, the API.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(staticFiles, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /{$}", s.home)
	mux.HandleFunc("GET /login", s.loginPage)
	mux.HandleFunc("POST /login", s.loginPost)
	mux.HandleFunc("POST /logout", s.logout)
	mux.HandleFunc("GET /files/{path...}", s.withConn(s.files))
	mux.HandleFunc("POST /mkdir", s.withConn(s.mkdir))
	mux.HandleFunc("POST /rename", s.withConn(s.rename))
	mux.HandleFunc("POST /delete", s.withConn(s.remove))
	mux.HandleFunc("POST /upload", s.withConn(s.uploadStart))
	mux.HandleFunc("PUT /upload/{id}", s.withConn(s.uploadChunk))
	mux.HandleFunc("DELETE /upload/{id}", s.withConn(s.uploadCancel))
	mux.HandleFunc("GET /sessions", s.withConn(s.sessionsPage))
	mux.HandleFunc("GET /account/password", s.withConn(s.passwordPage))
	mux.HandleFunc("POST /account/password", s.withConn(s.passwordPost))
	s.accountRoutes(mux)
	if s.cfg.API != nil {
		mux.Handle("/api/v1/", s.cfg.API)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { s.notFound(w, r, nil) })
	// CSRF: every state change must come from our own pages. Browsers say
	// where a request comes from in Sec-Fetch-Site (or Origin); with
	// Referrer-Policy no-referrer a same-origin form post still carries
	// Sec-Fetch-Site: same-origin, which this checks first.
	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.message(w, http.StatusForbidden, view{Heading: catalogue.W("forbidden")}, "/")
	}))
	return s.headers(csrf.Handler(mux))
}

// headers sets what every response carries, and refuses a banned client
// that reaches us through a trusted proxy (the others are refused at
// accept).
func (s *Server) headers(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", contentSecurityPolicy)
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("Cross-Origin-Opener-Policy", "same-origin")
		if secure(r) {
			hd.Set("Strict-Transport-Security", "max-age=31536000")
		}
		// The API answers a banned client itself (429, problem+json).
		if !strings.HasPrefix(r.URL.Path, "/api/") && s.svc.Defender().IsBanned(clientAddr(r).Addr()) {
			s.message(w, http.StatusForbidden, view{Heading: catalogue.W("banned")}, "/")
			return
		}
		h.ServeHTTP(w, r)
	})
}

// connHandler is a page of a logged-in user.
type connHandler func(w http.ResponseWriter, r *http.Request, ws *webSession, c *service.Conn)

// withConn finds the request's session and connection, or sends the
// browser to the login page (saying why the session ended, if it did).
func (s *Server) withConn(h connHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ws, c, err := s.current(r)
		if err != nil {
			var ended errSessionEnded
			if !errors.As(err, &ended) {
				s.message(w, status(err), view{Heading: s.sentence(err)}, "/")
				return
			}
			if strings.HasPrefix(r.URL.Path, "/upload") {
				// The page's script shows it beside the file.
				msg := catalogue.W("login.none")
				if ended.reason != "" {
					msg = catalogue.W("login.ended", ended.reason)
				}
				writeJSON(w, http.StatusUnauthorized, uploadReply{Error: msg})
				return
			}
			// A page, or a form posted from a page left open: the login page.
			http.SetCookie(w, s.cookie(r, "", timeZero))
			s.loginForm(w, r, http.StatusUnauthorized, "", ended.reason)
			return
		}
		h(w, r, ws, c)
	}
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	if _, _, err := s.current(r); err != nil {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/files/", http.StatusSeeOther)
}

type loginData struct {
	Login  string
	Forgot bool
}

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request, status int, login, ended string) {
	v := view{Heading: catalogue.W("login.heading"), Data: loginData{Login: login, Forgot: s.mailer() != nil}}
	switch {
	case ended != "":
		v.Error = catalogue.W("login.ended", ended)
	case r.URL.Query().Has("out"):
		v.Flash = catalogue.W("login.loggedout")
	case r.URL.Query().Has("changed"):
		v.Flash = catalogue.W("password.changed")
	}
	s.render(w, status, "login", v)
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	if _, _, err := s.current(r); err == nil {
		http.Redirect(w, r, "/files/", http.StatusSeeOther)
		return
	}
	s.loginForm(w, r, http.StatusOK, "", "")
}

func (s *Server) loginPost(w http.ResponseWriter, r *http.Request) {
	login := strings.TrimSpace(r.PostFormValue("login"))
	a, err := s.svc.CheckPassword(r.Context(), Protocol, remote(r), login, r.PostFormValue("password"))
	if err == nil {
		err = s.startSession(w, r, a)
	}
	if err != nil {
		msg := catalogue.W("login.failed")
		var limit *service.LoginConnectionsError
		switch {
		case errors.Is(err, auth.ErrDisabled):
			msg = catalogue.AccountDisabled.F()
		case errors.Is(err, auth.ErrExpired):
			msg = catalogue.AccountExpired.F()
		case errors.As(err, &limit):
			msg = limit.Error()
		case !errors.Is(err, auth.ErrInvalidCredentials):
			s.log.Error("web login failed", "login", login, "err", err)
			msg = catalogue.W("error")
		}
		v := view{Heading: catalogue.W("login.heading"), Error: msg, Data: loginData{Login: login, Forgot: s.mailer() != nil}}
		s.render(w, http.StatusUnauthorized, "login", v)
		return
	}
	http.Redirect(w, r, "/files/", http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if ws, _, err := s.current(r); err == nil {
		s.endSession(ws, "", true)
	}
	http.SetCookie(w, s.cookie(r, "", timeZero))
	http.Redirect(w, r, "/login?out", http.StatusSeeOther)
}

// base is the page frame of a logged-in user.
func (s *Server) base(ws *webSession, c *service.Conn, heading, nav string) view {
	a := c.Account()
	v := view{Heading: heading, User: a.Login, Nav: nav, ShowSessions: a.Role != domain.RoleStaff}
	ws.mu.Lock()
	v.Flash, ws.flash = ws.flash, ""
	v.Error, ws.failure = ws.failure, ""
	ws.mu.Unlock()
	return v
}

// notFound is the answer to a path outside the login's tree, or missing:
// the same page either way, naming nothing of what was asked.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request, v *view) {
	if v == nil {
		v = &view{}
	}
	v.Heading = catalogue.W("notfound")
	s.message(w, http.StatusNotFound, *v, "/")
}

// status is the HTTP status of a core error.
func status(err error) int {
	var limit *service.LoginConnectionsError
	switch {
	case errors.Is(err, vfs.ErrNotFound), errors.Is(err, vfs.ErrInvalidPath):
		return http.StatusNotFound
	case errors.Is(err, vfs.ErrPermission), errors.Is(err, vfs.ErrReadOnly), errors.Is(err, vfs.ErrCrossMount):
		return http.StatusForbidden
	case errors.Is(err, vfs.ErrName):
		return http.StatusUnprocessableEntity
	case errors.Is(err, vfs.ErrExists), errors.Is(err, vfs.ErrNotEmpty), errors.Is(err, vfs.ErrIsDir),
		errors.Is(err, vfs.ErrNotDir), errors.Is(err, vfs.ErrBusy), errors.Is(err, vfs.ErrBadOffset):
		return http.StatusConflict
	case errors.Is(err, vfs.ErrNoSpace):
		return http.StatusInsufficientStorage
	case errors.Is(err, vfs.ErrTooLarge), errors.Is(err, vfs.ErrTooFar):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, vfs.ErrLimit), errors.As(err, &limit):
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
}

// sentence is what the user reads of a core error: the vfs sentence, or
// the generic one (any other error may name a physical path).
func (s *Server) sentence(err error) string {
	var pe *vfs.PathError
	var limit *service.LoginConnectionsError
	switch {
	case errors.As(err, &pe):
		return pe.Error()
	case errors.As(err, &limit):
		return limit.Error()
	}
	s.log.Error("web request failed", "err", err)
	return catalogue.W("error")
}

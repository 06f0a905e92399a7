// Package api is the REST API under /api/v1 (issue 14): the directory,
// accounts, sessions and enrollments, the files of the storage as staff see
// them, and the audit trail, for the training-management system's scripts.
// JSON in and out, errors as application/problem+json (RFC 9457), keys
// with scopes (auth.APIKey), every call in the audit trail under the key's
// name. The routes are exact (scripts rely on them) and described by the
// OpenAPI 3.1 document openapi.json, served at /api/v1/openapi.json.
//
// It is a front-end like sftpd and ftpd: file operations go through a
// service.Conn (one per key and client address, opened with a staff
// identity and kept while it is used), so the audit, the filename policy,
// atomic uploads and limits are the core's; directory changes go through
// auth.Store and tmsimport, as the dossierd commands do.
package api

import (
	"context"
	_ "embed"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/dossierd/dossierd/audit"
	"github.com/dossierd/dossierd/auth"
	"github.com/dossierd/dossierd/catalogue"
	"github.com/dossierd/dossierd/defender"
	"github.com/dossierd/dossierd/service"
)

// Prefix is where the API is mounted: New's handler serves the paths
// under it, whole (the front-end mounts it without stripping it).
const Prefix = "/api/v1"

// OpenAPI is the document describing the API (OpenAPI 3.1).
//
//go:embed openapi.json
var OpenAPI []byte

// Options are what the API works with.
type Options struct {
	Store   *auth.Store
	Service *service.Service
	// Audit records one "api" event per call; nil: only the core's own
	// events (transfers, changes) are recorded.
	Audit  *audit.Recorder
	Logger *slog.Logger
	// LinkBase is what invitation links start with (config's
	// HTTPD.LinkBase()); "" answers the invitation route with 503.
	LinkBase string
	// Mailer sends invitations with "send": true (a *mailer.Mailer); nil
	// or not configured (no smtp.host) answers them with 503.
	Mailer Mailer
	// ConnIdle closes the connection of a key unused for this long
	// (default 5 minutes); common.idle_timeout, enforced by the service,
	// applies too.
	ConnIdle time.Duration
	// MaxBodyBytes bounds the JSON bodies (default 64 MiB: a directory of
	// a hundred thousand accounts); file uploads have the service's limits.
	MaxBodyBytes int64
}

// Mailer sends invitation links by email; *mailer.Mailer is one.
type Mailer interface {
	Configured() bool
	SendInvitation(ctx context.Context, to, name, link string, expires time.Time, reset bool) error
}

// Handler is the API: an http.Handler for the paths under Prefix.
type Handler struct {
	o     Options
	log   *slog.Logger
	mux   *http.ServeMux
	conns *conns
}

// route is one operation: its method and path (as the OpenAPI document
// writes it, under Prefix), the scope it needs ("" for none) and what
// answers it.
type route struct {
	method, path, scope string
	serve               func(*call) error
}

// routes are every operation of the API. A test checks that the OpenAPI
// document describes each one.
func (h *Handler) routes() []route {
	return []route{
		{"GET", "/openapi.json", "", h.openapi},
		{"GET", "/directory", auth.ScopeDirectoryRead, h.getDirectory},
		{"POST", "/directory", auth.ScopeDirectoryWrite, h.postDirectory},
		{"GET", "/accounts", auth.ScopeDirectoryRead, h.listAccounts},
		{"GET", "/accounts/{login}", auth.ScopeDirectoryRead, h.getAccount},
		{"PUT", "/accounts/{login}", auth.ScopeDirectoryWrite, h.putAccount},
		{"DELETE", "/accounts/{login}", auth.ScopeDirectoryWrite, h.deleteAccount},
		{"POST", "/accounts/{login}/disable", auth.ScopeDirectoryWrite, h.setDisabled(true)},
		{"POST", "/accounts/{login}/enable", auth.ScopeDirectoryWrite, h.setDisabled(false)},
		{"POST", "/accounts/{login}/invitation", auth.ScopeDirectoryWrite, h.invitation},
		{"GET", "/accounts/{login}/tree", auth.ScopeDirectoryRead, h.tree},
		{"GET", "/sessions", auth.ScopeDirectoryRead, h.listSessions},
		{"GET", "/sessions/{code}", auth.ScopeDirectoryRead, h.getSession},
		{"PUT", "/sessions/{code}", auth.ScopeDirectoryWrite, h.putSession},
		{"DELETE", "/sessions/{code}", auth.ScopeDirectoryWrite, h.deleteSession},
		{"PUT", "/sessions/{code}/enrollments/{role}/{ref}", auth.ScopeDirectoryWrite, h.putEnrollment},
		{"DELETE", "/sessions/{code}/enrollments/{role}/{ref}", auth.ScopeDirectoryWrite, h.deleteEnrollment},
		{"GET", "/files/{path}", auth.ScopeFilesRead, h.getFile},
		{"PUT", "/files/{path}", auth.ScopeFilesWrite, h.putFile},
		{"DELETE", "/files/{path}", auth.ScopeFilesWrite, h.deleteFile},
		{"GET", "/audit", auth.ScopeAuditRead, h.audit},
	}
}

// muxPattern is the ServeMux pattern of a route: {path} of the files
// routes takes the rest of the URL, slashes included (OpenAPI has no
// syntax for that; the document says so).
func muxPattern(method, path string) string {
	if strings.HasPrefix(path, "/files/") {
		path = "/files/{path...}"
	}
	return method + " " + Prefix + path
}

// New makes the API.
func New(o Options) *Handler {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.ConnIdle <= 0 {
		o.ConnIdle = 5 * time.Minute
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = 64 << 20
	}
	h := &Handler{o: o, log: o.Logger.With("protocol", protocol), mux: http.NewServeMux()}
	h.conns = newConns(o.Service, o.ConnIdle)
	for _, rt := range h.routes() {
		h.mux.Handle(muxPattern(rt.method, rt.path), h.handle(rt))
	}
	h.mux.HandleFunc(Prefix+"/", h.unrouted)
	return h
}

// protocol is the audit trail's and the log's name of the API.
const protocol = "API"

// ServeHTTP serves one request under Prefix.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// Close closes the connections of the keys. The service's Drain closes
// them too at shutdown, once they are quiet.
func (h *Handler) Close() { h.conns.closeAll() }

// unrouted answers what no route matches: 404, or 405 with Allow when the
// path exists with other methods.
func (h *Handler) unrouted(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range []string{"GET", "PUT", "POST", "DELETE"} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := h.mux.Handler(probe); pattern != Prefix+"/" && pattern != "" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		writeProblem(w, &problem{Type: "method-not-allowed", Status: http.StatusMethodNotAllowed, Title: catalogue.ProblemMethod.F(),
			Detail: catalogue.ProblemMethodDetail.F(r.Method, r.URL.Path)})
		return
	}
	writeProblem(w, &problem{Type: "not-found", Status: http.StatusNotFound, Title: catalogue.ProblemNotFound.F(),
		Detail: catalogue.ProblemNoRoute.F(r.Method, r.URL.Path)})
}

// call is one request being answered.
type call struct {
	h      *Handler
	w      *statusWriter
	r      *http.Request
	key    auth.APIKey
	remote string
}

// login is how the audit trail and the log name a key: a login no account
// can have is not possible (every valid login may be an account's), so the
// form says what it is.
func keyLogin(name string) string { return "apikey@" + name }

// clientIP is the request's address, as httpd hands it over (TLS, PROXY
// protocol and the defender's accept-time check are its).
func clientIP(r *http.Request) netip.Addr {
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		return ap.Addr().Unmap()
	}
	host, _, _ := net.SplitHostPort(r.RemoteAddr)
	a, _ := netip.ParseAddr(host)
	return a.Unmap()
}

// handle wraps a route: the ban, the key, the scope, then the route, then
// the audit event of the call.
func (h *Handler) handle(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		c := &call{h: h, w: &statusWriter{ResponseWriter: w}, r: r, remote: r.RemoteAddr}
		w.Header().Set("Cache-Control", "no-store")
		ip := clientIP(r)
		def := h.o.Service.Defender()
		if def.IsBanned(ip) {
			until := def.BannedUntil(ip)
			w.Header().Set("Retry-After", strconv.Itoa(max(1, int(time.Until(until).Seconds()+0.5))))
			writeProblem(c.w, &problem{Type: "banned", Status: http.StatusTooManyRequests, Title: catalogue.ProblemBanned.F(),
				Detail: catalogue.ProblemBannedDetail.F(until.Local().Format(time.RFC3339))})
			return
		}
		if rt.scope != "" {
			if p := c.authenticate(ip); p != nil {
				writeProblem(c.w, p)
				return
			}
			if !c.key.Has(rt.scope) {
				c.fail(&problem{Type: "scope", Status: http.StatusForbidden, Title: catalogue.ProblemForbidden.F(),
					Detail: catalogue.ProblemScope.F(rt.scope)})
				c.record(rt, start)
				return
			}
		}
		if err := rt.serve(c); err != nil {
			c.fail(err)
		}
		if rt.scope != "" {
			c.record(rt, start)
		}
	})
}

// authenticate finds the key of the request; a problem (401) when there
// is none that may be used. A key sent and refused scores the address as
// a failed login of an unknown user, and is audited as a login that
// failed.
func (c *call) authenticate(ip netip.Addr) *problem {
	unauthorized := func(detail catalogue.T, challenge string) *problem {
		c.w.Header().Set("WWW-Authenticate", challenge)
		return &problem{Type: "unauthorized", Status: http.StatusUnauthorized, Title: catalogue.ProblemUnauthorized.F(), Detail: detail.F()}
	}
	scheme, token, ok := strings.Cut(c.r.Header.Get("Authorization"), " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return unauthorized(catalogue.ProblemNoKey, `Bearer realm="dossierd"`)
	}
	k, err := c.h.o.Store.VerifyAPIKey(c.r.Context(), token)
	if err == nil {
		c.key = k
		return nil
	}
	if !errors.Is(err, auth.ErrInvalidCredentials) && !errors.Is(err, auth.ErrRevoked) && !errors.Is(err, auth.ErrExpired) {
		c.h.log.Error("API key not verified", "remote", c.remote, "err", err)
		return &problem{Type: "server-error", Status: http.StatusServiceUnavailable, Title: catalogue.ProblemBusy.F(), Detail: catalogue.ProblemServerDetail.F()}
	}
	login := "apikey" // a key never issued has no name
	if k.Name != "" {
		login = keyLogin(k.Name)
	}
	c.h.log.Warn("login failed", "remote", c.remote, "login", login, "method", "apikey", "reason", err.Error())
	c.h.o.Audit.Record(audit.Event{Login: login, Role: "staff", Remote: c.remote, Protocol: protocol, Action: audit.Login, Result: err.Error()})
	if def := c.h.o.Service.Defender(); def.Enabled() && def.Add(ip, defender.LoginUnknown) {
		c.h.log.Warn("address banned", "remote", ip.String(), "until", def.BannedUntil(ip).Format(time.RFC3339))
	}
	return unauthorized(catalogue.ProblemBadKey, `Bearer realm="dossierd", error="invalid_token"`)
}

// record writes the call's event: the method and the route (its pattern,
// the path itself in Path), the status and, for a refusal, its detail.
func (c *call) record(rt route, start time.Time) {
	result := "ok"
	if c.w.status >= 400 {
		result = strconv.Itoa(c.w.status) + " " + c.w.detail
	}
	c.h.o.Audit.Record(audit.Event{Login: keyLogin(c.key.Name), Role: "staff", Remote: c.remote, Protocol: protocol,
		Action: "api", Path: rt.method + " " + Prefix + rt.path, Target: c.r.URL.RequestURI(), Duration: time.Since(start), Result: result})
}

// statusWriter remembers the status and the problem's detail for the
// audit event, and the first write error (a client gone mid-download).
type statusWriter struct {
	http.ResponseWriter
	status int
	detail string
	err    error
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(p)
	if err != nil && w.err == nil {
		w.err = err
	}
	return n, err
}

// Unwrap lets http.ResponseController reach the connection (deadlines of
// long transfers).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (h *Handler) openapi(c *call) error {
	c.w.Header().Set("Content-Type", "application/json")
	_, err := c.w.Write(OpenAPI)
	return err
}

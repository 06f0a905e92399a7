// Package httpd is the web front-end ("espace privé") and the mount point
// of the REST API: net/http and html/template over the same core as SFTP
// and FTP. A web session is a service.Conn held for the session's life:
// the tree, the permissions, the filename policy, atomic uploads, the
// audit trail (protocol HTTP), the limits and the kicks are the core's.
// The handlers translate requests into Conn operations and core errors
// into pages and statuses, nothing else.
package httpd

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dossierd/dossierd/auth"
	"github.com/dossierd/dossierd/defender"
	"github.com/dossierd/dossierd/service"
	"github.com/dossierd/dossierd/vfs"
)

// Protocol is the audit trail's name of the web.
const Protocol = "HTTP"

// Binding is one listening socket.
type Binding struct {
	Address string // host:port
	TLS     bool
	// ProxyAllowed are the reverse proxies whose X-Forwarded-For and
	// X-Forwarded-Proto are believed.
	ProxyAllowed []netip.Prefix
	// GetCertificate serves the binding's certificate (TLS only).
	GetCertificate func(*tls.ClientHelloInfo) (*tls.Certificate, error)
}

// Labels are the page words httpd.labels renames.
type Labels struct{ Title, MySessions string }

// Mailer sends the "mot de passe oublié" links; nil = no relay.
type Mailer interface {
	Configured() bool
	SendInvitation(ctx context.Context, to, name, link string, expires time.Time, reset bool) error
}

// Config is what the daemon gives the web front-end.
type Config struct {
	Bindings          []Binding
	Labels            Labels
	TreeLabels        vfs.Labels
	PasswordMinLength int
	SessionLifetime   time.Duration // absolute; the idle lifetime is common.idle_timeout (the service's)
	LinkBase          string        // scheme://host[:port] of links sent by email
	// API serves /api/v1/ (nil: 404).
	API    http.Handler
	Mailer Mailer
	Logger *slog.Logger
}

// Server is the web front-end of one daemon.
type Server struct {
	cfg   Config
	svc   *service.Service
	store *auth.Store
	log   *slog.Logger
	pages *pages

	listeners []net.Listener
	mu        sync.Mutex // guards servers, built by Serve
	servers   []*http.Server

	sessions     sessions
	uploads      uploads
	shuttingDown atomic.Bool
	wg           sync.WaitGroup
	stopSweep    chan struct{}
	stopOnce     sync.Once
	resets       resetLog
	// background is the context of work done after a reply (reset
	// mails); Shutdown cancels it, so a slow relay does not hold the stop.
	background context.Context
	stopWork   context.CancelFunc
}

// New makes the server; Listen binds it.
func New(cfg Config, svc *service.Service, store *auth.Store) (*Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.PasswordMinLength <= 0 {
		cfg.PasswordMinLength = 12
	}
	if cfg.SessionLifetime <= 0 {
		cfg.SessionLifetime = 12 * time.Hour
	}
	p, err := loadPages(cfg)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, svc: svc, store: store, log: cfg.Logger.With("component", "httpd"), pages: p, stopSweep: make(chan struct{})}
	s.sessions.init()
	s.uploads.init()
	s.background, s.stopWork = context.WithCancel(context.Background())
	return s, nil
}

// Listen binds every binding, so that a port in use fails start-up.
func (s *Server) Listen() ([]net.Addr, error) {
	var addrs []net.Addr
	for _, b := range s.cfg.Bindings {
		l, err := net.Listen("tcp", b.Address)
		if err != nil {
			s.closeListeners()
			return nil, err
		}
		s.listeners = append(s.listeners, l)
		addrs = append(addrs, l.Addr())
		s.log.Info("listening", "server", "httpd", "address", l.Addr().String(), "https", b.TLS)
	}
	return addrs, nil
}

// Close releases the listeners of a server that never served (a later
// step of the daemon's start failed).
func (s *Server) Close() { s.closeListeners() }

func (s *Server) closeListeners() {
	for _, l := range s.listeners {
		l.Close()
	}
}

// Serve serves every binding until Shutdown.
func (s *Server) Serve() {
	var wg sync.WaitGroup
	for _, start := range s.build() {
		wg.Go(start)
	}
	wg.Wait()
}

// build makes one http.Server per binding and returns what serves each;
// Shutdown reads the servers, so they are built under s.mu, and none is
// once the shutdown began.
func (s *Server) build() []func() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shuttingDown.Load() {
		return nil
	}
	handler := s.Handler()
	var serve []func()
	for i, l := range s.listeners {
		b := s.cfg.Bindings[i]
		srv := &http.Server{
			Handler:           withBinding(b, handler),
			ReadHeaderTimeout: 20 * time.Second,
			IdleTimeout:       2 * time.Minute,
			MaxHeaderBytes:    64 << 10,
			ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
		}
		var ln net.Listener = &admitListener{Listener: service.NewRetryListener(l, s.log), svc: s.svc, trusted: b.ProxyAllowed}
		if b.TLS {
			srv.TLSConfig = &tls.Config{GetCertificate: b.GetCertificate, MinVersion: tls.VersionTLS12, NextProtos: []string{"h2", "http/1.1"}}
			ln = tls.NewListener(ln, srv.TLSConfig)
		}
		s.servers = append(s.servers, srv)
		serve = append(serve, func() {
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				s.log.Error("web server stopped", "address", l.Addr().String(), "err", err)
			}
		})
	}
	s.wg.Go(s.sweep)
	return serve
}

// BeginShutdown marks the shutdown begun: from now on a kick of a web
// session's connection (the service's drain) closes the connection and
// keeps the session.
func (s *Server) BeginShutdown() { s.shuttingDown.Store(true) }

// Shutdown stops accepting, lets requests in flight end within ctx, parks
// the unfinished uploads (park.go) and closes the web sessions'
// connections without ending the sessions: they are in the database and
// carry on after the restart, uploads included.
func (s *Server) Shutdown(ctx context.Context) {
	s.BeginShutdown()
	s.stopOnce.Do(func() { close(s.stopSweep) })
	s.stopWork()
	s.mu.Lock()
	servers := s.servers
	s.mu.Unlock()
	var wg sync.WaitGroup
	for _, srv := range servers {
		wg.Go(func() {
			if err := srv.Shutdown(ctx); err != nil {
				srv.Close()
			}
		})
	}
	wg.Wait()
	s.closeListeners()
	s.parkAll()
	s.sessions.closeConns()
	s.wg.Wait()
}

// admitListener runs the service's accept-time checks (ban, connection
// limits) on each TCP connection, as sftpd and ftpd do; a trusted reverse
// proxy is not limited as one host: its clients are checked per request.
type admitListener struct {
	net.Listener
	svc     *service.Service
	trusted []netip.Prefix
}

func (l *admitListener) Accept() (net.Conn, error) {
	for {
		nc, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if inPrefixes(l.trusted, defender.AddrOf(nc.RemoteAddr())) {
			return nc, nil
		}
		release, err := l.svc.Admit(nc.RemoteAddr())
		if err != nil {
			nc.Close()
			continue
		}
		return &admittedConn{Conn: nc, release: release}, nil
	}
}

type admittedConn struct {
	net.Conn
	release func()
	once    sync.Once
}

func (c *admittedConn) Close() error {
	c.once.Do(c.release)
	return c.Conn.Close()
}

func inPrefixes(list []netip.Prefix, a netip.Addr) bool {
	for _, p := range list {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// sweep ends what outlived its time: web sessions past their absolute
// lifetime, uploads nobody continued.
func (s *Server) sweep() {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-s.stopSweep:
			return
		case <-t.C:
		}
		s.sessions.expire(s, time.Now())
		s.uploads.expire(time.Now().Add(-uploadAbandoned))
		s.sweepParked(s.background, time.Now())
	}
}

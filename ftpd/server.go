// Package ftpd serves FTP and FTPS with fclairamb/ftpserverlib, as a thin
// adapter over the service and vfs that SFTP uses too: the same login sees
// the same tree, with the same permissions and the same refusals, over
// both protocols.
package ftpd

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dossierd/dossierd/domain"
	"github.com/dossierd/dossierd/proxyproto"
	"github.com/dossierd/dossierd/service"
)

// TLS modes of a binding (domain's, SFTPGo's values of tls_mode).
const (
	TLSOptional = domain.TLSPlainOrExplicit
	TLSRequired = domain.TLSRequired
	TLSImplicit = domain.TLSImplicit
)

// Binding is one listening socket.
type Binding struct {
	Address        string // host:port; port 0 picks a free port (tests)
	TLSMode        int
	ForcePassiveIP string // announced in PASV replies (NAT); "" = the address the client reached
	// A certificate for this binding only; "" uses Config's pair.
	CertificateFile, CertificateKeyFile string
}

// Config is the ftpd section, already validated.
type Config struct {
	Bindings []Binding
	// PassivePortStart..PassivePortEnd bounds the data connection ports;
	// 0-0 lets the system pick any free port.
	PassivePortStart, PassivePortEnd int
	DisableActiveMode                bool
	// The default certificate pair, generated (self-signed) when both files
	// are absent.
	CertificateFile, CertificateKeyFile string
	// LoginGraceTime is how long a control connection may stay without
	// logging in (sftpd.login_grace_time, shared with SFTP); 0: no limit.
	LoginGraceTime time.Duration
	// Proxy reads the PROXY protocol header of each control and passive
	// data connection; nil: none.
	Proxy *proxyproto.Policy
}

// Server is the FTP/FTPS server: one ftpserverlib server per binding.
type Server struct {
	cfg      Config
	svc      *service.Service
	log      *slog.Logger
	libLog   *slog.Logger
	bindings []*binding
	closing  atomic.Bool

	mu       sync.Mutex
	controls map[*control]struct{}
	pending  map[string]*control // accepted, not yet claimed by ClientConnected
	passive  map[*passiveListener]struct{}
	data     map[*dataConn]struct{}
	// passiveUnused is how long a passive listener waits for its data
	// connection (passiveUnusedTimeout; tests shorten it).
	passiveUnused time.Duration

	certMu sync.Mutex // one certificate reload at a time
}

// control is one control connection, from accept until the end of its
// last transfer.
type control struct {
	raw     net.Conn      // the TCP connection: closing it ends the connection
	ctrl    *ctrlConn     // raw as ftpserverlib reads it (below any TLS)
	release func()        // gives back the connection's slot of the limits
	drv     *clientDriver // after login; guarded by Server.mu
	tried   bool          // sent USER or PASS (the connection's goroutine only)

	// Guarded by Server.mu:
	tls     *tls.Conn   // the TLS layer of the control connection, once known
	grace   *time.Timer // closes the connection if it has not logged in in time
	expired bool        // the login grace time ran out
	ended   bool        // forgotten: the connection is over
}

// New prepares the server: certificates are loaded (or generated) here, so
// a problem with one stops start-up with the file's name.
func New(cfg Config, svc *service.Service) (*Server, error) {
	translateReplies()
	s := &Server{
		cfg:      cfg,
		svc:      svc,
		log:      svc.Logger().With("server", "ftpd"),
		controls: map[*control]struct{}{},
		pending:  map[string]*control{},
		passive:  map[*passiveListener]struct{}{},
		data:     map[*dataConn]struct{}{},

		passiveUnused: passiveUnusedTimeout,
	}
	// ftpserverlib logs every disconnection of a kicked TLS client as a
	// warning; our own log says what happened in users' words, so only
	// its errors are kept.
	s.libLog = slog.New(minLevel{s.log.Handler().WithAttrs([]slog.Attr{slog.String("component", "ftpserverlib")}), slog.LevelError})
	// One tls.Config per binding, shared by its control and data
	// connections: Go's server then accepts on a data connection the
	// session ticket issued on the control connection, which is the TLS
	// session reuse FileZilla checks for. The certificate is read at each
	// handshake (GetCertificate), so a reload replaces it under the same
	// tls.Config: sessions already open, and their data connections, go on.
	loaded := map[certPair]*loadedCert{}
	for i, b := range cfg.Bindings {
		if b.TLSMode < TLSOptional || b.TLSMode > TLSImplicit {
			return nil, fmt.Errorf("ftpd: binding %s: tls_mode %d is not 0, 1 or 2", b.Address, b.TLSMode)
		}
		if b.ForcePassiveIP != "" {
			if ip := net.ParseIP(b.ForcePassiveIP); ip == nil || ip.To4() == nil {
				// PASV replies carry IPv4 only; EPSV carries no address.
				return nil, fmt.Errorf("ftpd: bindings[%d].force_passive_ip %q: an IPv4 address is needed", i, b.ForcePassiveIP)
			}
		}
		pair := cfg.pairOf(b)
		lc := loaded[pair]
		if lc == nil {
			// A certificate configured for one binding is a real one:
			// generating a self-signed one in its place would hide a typo.
			var err error
			if lc, err = loadCert(pair, !pair.own); err != nil {
				return nil, fmt.Errorf("ftpd: %w", err)
			}
			loaded[pair] = lc
		}
		bd := &binding{srv: s, cfg: b}
		bd.cert.set(pair, lc)
		bd.tls = &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: bd.cert.get}
		s.bindings = append(s.bindings, bd)
	}
	return s, nil
}

// Listen binds every configured address and returns the bound addresses.
func (s *Server) Listen() ([]net.Addr, error) {
	var addrs []net.Addr
	for _, b := range s.bindings {
		if err := b.listen(); err != nil {
			s.Close()
			return nil, fmt.Errorf("ftpd: listen on %s: %w", b.cfg.Address, err)
		}
		addrs = append(addrs, b.ln.Addr())
		s.log.Info("listening", "address", b.ln.Addr().String(), "tls_mode", b.cfg.TLSMode)
	}
	return addrs, nil
}

// Serve accepts connections on the bound listeners until Shutdown.
func (s *Server) Serve() {
	var wg sync.WaitGroup
	for _, b := range s.bindings {
		if b.ftp == nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := b.ftp.Serve(); err != nil && !s.closing.Load() {
				s.log.Error("serve failed", "address", b.ln.Addr().String(), "err", err)
			}
		}()
	}
	wg.Wait()
}

// Close stops at once: listeners, data and control connections. Uploads
// in flight are discarded (never published half-written).
func (s *Server) Close() {
	s.closing.Store(true)
	s.closeListeners()
	s.mu.Lock()
	var cs []io.Closer
	for l := range s.passive {
		cs = append(cs, l.Listener)
	}
	for c := range s.data {
		cs = append(cs, c.Conn)
	}
	for se := range s.controls {
		cs = append(cs, se.raw)
	}
	s.mu.Unlock()
	for _, c := range cs {
		c.Close()
	}
}

func (s *Server) closeListeners() {
	for _, b := range s.bindings {
		if b.ln != nil {
			b.ln.Close()
		}
	}
}

// Shutdown stops accepting and closes the control connections that have
// not logged in; the logged-in ones are the service's to drain
// (service.Drain, run beside it). When ctx ends, what is left is closed.
func (s *Server) Shutdown(ctx context.Context) {
	s.closing.Store(true)
	s.closeListeners()
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		s.mu.Lock()
		n := len(s.controls)
		for se := range s.controls {
			if se.drv == nil {
				se.raw.Close()
			}
		}
		s.mu.Unlock()
		if n == 0 {
			return
		}
		select {
		case <-ctx.Done():
			s.Close()
			s.waitControls(10 * time.Second)
			return
		case <-t.C:
		}
	}
}

// waitControls waits, after Close, for the sessions to release their files.
// Every connection is closed by then, so this is quick; the bound only
// keeps a bug from hanging the daemon's exit.
func (s *Server) waitControls(limit time.Duration) {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		s.mu.Lock()
		n := len(s.controls)
		s.mu.Unlock()
		if n == 0 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.log.Error("connections still open after shutdown")
}

func addrKey(remote, local net.Addr) string { return remote.String() + "|" + local.String() }

// accepted registers a new control connection until ftpserverlib hands it
// to ClientConnected, which claims it by its addresses, and starts its
// login grace time.
func (s *Server) accepted(se *control) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.controls[se] = struct{}{}
	s.pending[addrKey(se.raw.RemoteAddr(), se.raw.LocalAddr())] = se
	if s.cfg.LoginGraceTime > 0 {
		se.grace = time.AfterFunc(s.cfg.LoginGraceTime, func() { s.loginExpired(se) })
	}
}

func (s *Server) claim(remote, local net.Addr) *control {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := addrKey(remote, local)
	se := s.pending[k]
	delete(s.pending, k)
	return se
}

func (s *Server) forget(se *control) {
	s.mu.Lock()
	delete(s.controls, se)
	se.ended = true
	if se.grace != nil {
		se.grace.Stop()
	}
	s.mu.Unlock()
	se.release()
}

// ctrlListener registers the control connections it accepts, so that
// shutdown and kicks can close them at the TCP level: closing from
// another goroutine through ftpserverlib's ClientContext.Close races with
// the connection's own goroutine.
type ctrlListener struct {
	net.Listener // a *service.RetryListener: accept failures never reach ftpserverlib
	srv          *Server
	// implicit is the binding's TLS configuration when it speaks TLS from
	// the first byte (no clear-text reply possible): Accept then returns
	// the TLS connection, whose handle the login grace time needs to say
	// goodbye (ftpserverlib only wraps listeners it creates itself).
	implicit *tls.Config
}

// Accept also drops banned addresses and connections over the limits,
// before any TLS work, with a 421 that says why where the connection
// speaks clear text.
func (l *ctrlListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		release, err := l.srv.svc.Admit(c.RemoteAddr())
		if err != nil {
			// Aside, so that a flood of refused connections does not
			// slow down accepting the others.
			go func() {
				if l.implicit == nil {
					c.SetWriteDeadline(time.Now().Add(time.Second))
					fmt.Fprintf(c, "421 %s\r\n", err)
				}
				c.Close()
			}()
			continue
		}
		se := &control{raw: c, release: release}
		se.ctrl = &ctrlConn{Conn: c, srv: l.srv, watch: l.implicit == nil}
		var conn net.Conn = se.ctrl
		if l.implicit != nil {
			se.tls = tls.Server(se.ctrl, l.implicit)
			conn = se.tls
		}
		l.srv.accepted(se)
		return conn, nil
	}
}

// passiveUnusedTimeout is how long a passive listener waits for its data
// connection before it is closed and its port freed. ftpserverlib closes a
// control connection's listener at its next PASV or EPSV, so a connection
// holds at most one; without this bound, a client that sends PASV and
// never connects keeps that port for as long as it stays connected, and a
// few connections of one login take the whole passive range from everyone.
// 30 s is ftpserverlib's own wait for the data connection once a transfer
// command came (Settings.ConnectionTimeout); clients connect within
// milliseconds of the PASV reply.
const passiveUnusedTimeout = 30 * time.Second

// passiveListener wraps the listener ftpserverlib opens for one passive
// data connection. That listener is bound to every address (the library
// offers no choice), so connections that did not come in through the
// binding's own address are dropped; accepted connections are tracked, to
// be closed by Close and to tell how a TLS upload ended. The listener
// closes itself when no data connection came within passiveUnused.
type passiveListener struct {
	net.Listener
	srv    *Server
	only   net.IP      // nil: the binding listens on every address
	unused *time.Timer // closes the listener; stopped once a data connection came
	once   sync.Once
}

// expire closes a listener nobody connected to in time. A transfer command
// that comes later gets ftpserverlib's 425 reply, and the client's next
// PASV or EPSV a new port.
func (l *passiveListener) expire() {
	l.srv.log.Debug("passive port unused: closed", "address", l.Addr().String())
	l.Close()
}

func (l *passiveListener) Accept() (net.Conn, error) {
	// Bounded by the deadline ftpserverlib sets on the underlying listener.
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if l.only != nil {
			if a, ok := c.LocalAddr().(*net.TCPAddr); !ok || !a.IP.Equal(l.only) {
				c.Close()
				continue
			}
		}
		l.unused.Stop()
		// The data connection's header is read at its first use, in the
		// control connection's goroutine: ftpserverlib's IPMatchRequired
		// then compares the client's address on both sides.
		dc := &dataConn{Conn: l.srv.cfg.Proxy.Conn(c), srv: l.srv}
		l.srv.mu.Lock()
		l.srv.data[dc] = struct{}{}
		l.srv.mu.Unlock()
		return dc, nil
	}
}

func (l *passiveListener) Close() error {
	l.once.Do(func() {
		l.srv.mu.Lock()
		l.unused.Stop() // under the lock that WrapPassiveListener set it with
		delete(l.srv.passive, l)
		l.srv.mu.Unlock()
	})
	return l.Listener.Close()
}

// dataConn is one data connection. It records whether the TCP stream
// itself ended: a TLS stream that ends with the TCP stream ended without
// close_notify, which is how a killed or cut-off client leaves.
type dataConn struct {
	net.Conn
	srv   *Server
	ended atomic.Bool // the TCP stream returned EOF
	once  sync.Once
}

func (c *dataConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if errors.Is(err, io.EOF) {
		c.ended.Store(true)
	}
	return n, err
}

// ReadFrom lets a plain-FTP download reach TCPConn.ReadFrom, which sends
// a file with sendfile(2) instead of copying it through user space.
func (c *dataConn) ReadFrom(r io.Reader) (int64, error) {
	if rf, ok := c.Conn.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(c.Conn, r)
}

func (c *dataConn) Close() error {
	c.once.Do(func() {
		c.srv.mu.Lock()
		delete(c.srv.data, c)
		c.srv.mu.Unlock()
	})
	return c.Conn.Close()
}

// endedWithoutCloseNotify tells, once a TLS data stream returned EOF,
// whether the peer closed TCP without TLS close_notify. crypto/tls reports
// both as io.EOF (at a record boundary), but after close_notify it stops
// reading, so the TCP end is only seen without it.
func endedWithoutCloseNotify(r io.Reader) bool {
	tc, ok := r.(*tls.Conn)
	if !ok {
		return false
	}
	dc, ok := tc.NetConn().(*dataConn)
	return ok && dc.ended.Load()
}

// minLevel drops records below a level.
type minLevel struct {
	slog.Handler
	min slog.Level
}

func (h minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

func (h minLevel) WithAttrs(as []slog.Attr) slog.Handler {
	return minLevel{h.Handler.WithAttrs(as), h.min}
}

func (h minLevel) WithGroup(g string) slog.Handler { return minLevel{h.Handler.WithGroup(g), h.min} }

package proxyproto

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"sync"
	"syscall"
	"time"
)

// Modes of common.proxy_protocol (SFTPGo's values).
const (
	Off      = 0
	Optional = 1 // a header is used when present
	Required = 2 // a connection without one is refused
)

// DefaultTimeout bounds the wait for a header (SFTPGo's
// ReadHeaderTimeout): a load balancer sends it as soon as it connects, so
// only a client that says nothing waits this long.
const DefaultTimeout = 10 * time.Second

// Policy is common.proxy_protocol with its lists. The semantics are
// SFTPGo's (internal/common/common.go, getProxyPolicy), but for one
// difference, in mode 1: SFTPGo reads and ignores a header from an
// address not in proxy_allowed, dossierd refuses the connection, because
// a load balancer missing from the list would otherwise put every client
// behind its one address, and the defender and limits would take them all
// for a single host.
//
//   - an address in Skipped is never read from: its connections carry no
//     header (a monitoring probe, an administrator's direct access);
//   - an address in Allowed may send a header, which gives the client's
//     address; without one its connection is accepted in mode 1 and
//     refused in mode 2;
//   - any other address may not send one: a header is refused, and in mode
//     2 so is the connection, header or not.
//
// A nil *Policy, or Mode Off, reads no header.
type Policy struct {
	Mode             int
	Allowed, Skipped []netip.Prefix
	Timeout          time.Duration // the wait for a header; 0 = DefaultTimeout
	Log              *slog.Logger  // refusals; nil = not logged
}

func (p *Policy) enabled() bool { return p != nil && p.Mode != Off }

func matches(list []netip.Prefix, ip netip.Addr) bool {
	for _, pfx := range list {
		if pfx.Contains(ip) {
			return true
		}
	}
	return false
}

// Conn wraps c so that its header is read at its first Read, Write or
// RemoteAddr, on the goroutine that calls it, within Timeout. Used where
// one goroutine serves the connection from its accept on, as
// ftpserverlib's passive data connections. A refused connection is
// closed; its reads and writes fail and RemoteAddr stays the socket's.
func (p *Policy) Conn(c net.Conn) net.Conn {
	if !p.enabled() {
		return c
	}
	return &conn{Conn: c, policy: p, remote: c.RemoteAddr()}
}

// Listener wraps l so that Accept returns connections whose header has
// been read: each is read on a goroutine of its own, so a client that
// sends nothing holds up nobody else's accept. Refused connections are
// closed and not returned. l must wait out its own accept failures
// (service.RetryListener): its first error ends the listener.
func (p *Policy) Listener(l net.Listener) net.Listener {
	if !p.enabled() {
		return l
	}
	pl := &listener{Listener: l, policy: p, ready: make(chan net.Conn), done: make(chan struct{})}
	go pl.acceptLoop()
	return pl
}

type listener struct {
	net.Listener
	policy *Policy
	ready  chan net.Conn
	done   chan struct{} // closed when l's Accept failed, with err
	err    error
}

func (l *listener) acceptLoop() {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			l.err = err
			close(l.done)
			return
		}
		go func() {
			pc := &conn{Conn: c, policy: l.policy, remote: c.RemoteAddr()}
			if pc.handshake() != nil {
				return
			}
			select {
			case l.ready <- pc:
			case <-l.done:
				pc.Close()
			}
		}()
	}
}

func (l *listener) Accept() (net.Conn, error) {
	select {
	case c := <-l.ready:
		return c, nil
	case <-l.done:
		return nil, l.err
	}
}

// conn is a connection whose header is read once, before anything else
// is done with it.
type conn struct {
	net.Conn
	policy *Policy
	once   sync.Once
	err    error    // the refusal
	remote net.Addr // the client's address once read; the socket's before
	// rest holds the bytes read while looking for a header that were not
	// one (a client that came without): Read returns them first.
	rest []byte
}

// ErrRefused wraps every refusal.
var ErrRefused = errors.New("PROXY protocol: connection refused")

func (c *conn) handshake() error {
	c.once.Do(func() {
		if c.err = c.readHeader(); c.err != nil {
			if log := c.policy.Log; log != nil {
				// A load balancer's TCP health check connects and leaves
				// without a byte, every few seconds: not worth a warning.
				level := slog.LevelWarn
				if errors.Is(c.err, io.EOF) {
					level = slog.LevelDebug
				}
				log.Log(context.Background(), level, "connection refused", "remote", c.Conn.RemoteAddr().String(),
					"local", c.LocalAddr().String(), "reason", c.err.Error())
			}
			c.err = fmt.Errorf("%w: %v", ErrRefused, c.err)
			c.Conn.Close()
		}
	})
	return c.err
}

// readHeader applies the policy to the socket's source address and reads
// the header it calls for.
func (c *conn) readHeader() error {
	// Unmapped: a listener on every address (ftpserverlib's passive ones)
	// sees IPv4 clients as ::ffff:a.b.c.d, which no IPv4 network contains.
	peer := addrPortOf(c.Conn.RemoteAddr()).Addr().Unmap()
	p := c.policy
	allowed := matches(p.Allowed, peer)
	switch {
	case matches(p.Skipped, peer):
		return nil
	case !allowed && p.Mode == Required:
		return errors.New("the address is not in common.proxy_allowed (nor in proxy_skipped)")
	}
	timeout := p.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	c.Conn.SetReadDeadline(time.Now().Add(timeout))
	defer c.Conn.SetReadDeadline(time.Time{})
	var buf []byte
	for {
		h, need, err := Parse(buf)
		switch {
		case err == nil && !allowed, !allowed && hasSignature(buf):
			return errors.New("a PROXY header from an address not in common.proxy_allowed")
		case err == nil:
			if !h.Local {
				c.remote = net.TCPAddrFromAddrPort(h.Source)
			}
			return nil
		case errors.Is(err, ErrNoHeader):
			if p.Mode == Required {
				return errors.New("no PROXY header (common.proxy_protocol is 2)")
			}
			c.rest = buf
			return nil
		case !errors.Is(err, errShort):
			return err
		}
		// Never more than Parse asked for: bytes past the header are the
		// client's, and splice(2) reads them from the socket itself.
		have := len(buf)
		buf = append(buf, make([]byte, need-have)...)
		n, rerr := c.Conn.Read(buf[have:need])
		buf = buf[:have+n]
		switch {
		case rerr == nil:
		case errors.Is(rerr, os.ErrDeadlineExceeded) && len(buf) == 0 && p.Mode == Optional:
			return nil // a client that waits for the server to speak first (FTP)
		case errors.Is(rerr, os.ErrDeadlineExceeded):
			return fmt.Errorf("no complete PROXY header within %s", timeout)
		default:
			return fmt.Errorf("reading the PROXY header: %w", rerr)
		}
	}
}

func addrPortOf(a net.Addr) netip.AddrPort {
	if t, ok := a.(*net.TCPAddr); ok {
		return t.AddrPort()
	}
	ap, _ := netip.ParseAddrPort(a.String())
	return ap
}

func (c *conn) Read(b []byte) (int, error) {
	if err := c.handshake(); err != nil {
		return 0, err
	}
	if len(c.rest) > 0 {
		n := copy(b, c.rest)
		c.rest = c.rest[n:]
		return n, nil
	}
	return c.Conn.Read(b)
}

func (c *conn) Write(b []byte) (int, error) {
	if err := c.handshake(); err != nil {
		return 0, err
	}
	return c.Conn.Write(b)
}

func (c *conn) RemoteAddr() net.Addr {
	c.handshake()
	return c.remote
}

// ReadFrom keeps TCPConn.ReadFrom (sendfile(2) for plain-FTP downloads)
// within reach.
func (c *conn) ReadFrom(r io.Reader) (int64, error) {
	if err := c.handshake(); err != nil {
		return 0, err
	}
	if rf, ok := c.Conn.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(c.Conn, r)
}

// errBuffered keeps os.File.ReadFrom from splicing from the socket while
// bytes already read wait in rest; it then copies through Read.
var errBuffered = errors.New("proxyproto: bytes buffered")

// SyscallConn gives the socket (splice(2) for plain-FTP uploads,
// TCP_QUICKACK for SFTP) once nothing read waits in rest.
func (c *conn) SyscallConn() (syscall.RawConn, error) {
	if err := c.handshake(); err != nil {
		return nil, err
	}
	sc, ok := c.Conn.(syscall.Conn)
	if !ok || len(c.rest) > 0 {
		return nil, errBuffered
	}
	return sc.SyscallConn()
}

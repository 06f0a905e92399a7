package scenario

import (
	"context"
	"io"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/dossierd/dossierd/audit"
	"github.com/dossierd/dossierd/proxyproto"
)

// Proxy stands for a load balancer sending the PROXY protocol (HAProxy's
// send-proxy, send-proxy-v2): a TCP forwarder on 127.0.0.1 that starts
// each connection to its target with a header of Version saying it came
// from Client, with the port the connection really came from.
type Proxy struct {
	t       testing.TB
	Version int        // 1 or 2
	Client  netip.Addr // the address the header claims
	// From is the address the proxy connects from ("" = 127.0.0.1): one
	// outside common.proxy_allowed plays a host that may not send headers.
	From string

	mu     sync.Mutex
	closer []io.Closer
}

// NewProxy returns a proxy that stops with the test.
func NewProxy(t testing.TB, version int, client string) *Proxy {
	p := &Proxy{t: t, Version: version, Client: netip.MustParseAddr(client)}
	t.Cleanup(p.close)
	return p
}

func (p *Proxy) track(c io.Closer) {
	p.mu.Lock()
	p.closer = append(p.closer, c)
	p.mu.Unlock()
}

func (p *Proxy) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.closer {
		c.Close()
	}
}

// Forward listens on a new port of 127.0.0.1, forwards what comes in to
// target and returns the port's address.
func (p *Proxy) Forward(target string) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		p.t.Fatal(err)
	}
	p.track(l)
	go func() {
		for {
			in, err := l.Accept()
			if err != nil {
				return
			}
			go p.relay(in.(*net.TCPConn), l.Addr().(*net.TCPAddr), target)
		}
	}()
	return l.Addr().String()
}

// Dial connects to target through a forwarder of its own: the dial
// function of a client that opens its data connections itself, as a load
// balancer forwarding the passive port range would.
func (p *Proxy) Dial(network, target string) (net.Conn, error) {
	return net.DialTimeout(network, p.Forward(target), 5*time.Second)
}

func (p *Proxy) relay(in *net.TCPConn, front *net.TCPAddr, target string) {
	p.track(in)
	d := net.Dialer{Timeout: 5 * time.Second}
	if p.From != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(p.From)}
	}
	c, err := d.Dial("tcp", target)
	if err != nil {
		in.Close()
		return
	}
	out := c.(*net.TCPConn)
	p.track(out)
	h := proxyproto.Header{
		Version:     p.Version,
		Source:      netip.AddrPortFrom(p.Client, in.RemoteAddr().(*net.TCPAddr).AddrPort().Port()),
		Destination: front.AddrPort(),
	}
	if _, err := out.Write(h.Append(nil)); err != nil {
		in.Close()
		out.Close()
		return
	}
	// Each direction ends with a half-close, as a client's end of upload
	// reaches the server.
	var wg sync.WaitGroup
	for _, pair := range [][2]*net.TCPConn{{in, out}, {out, in}} {
		wg.Go(func() {
			io.Copy(pair[1], pair[0])
			pair[1].CloseWrite()
		})
	}
	wg.Wait()
	in.Close()
	out.Close()
}

// AuditedFrom waits for the audit to hold an event of login and action,
// and returns the address of the last one's remote: whom the server saw.
func (e *Env) AuditedFrom(t testing.TB, login, action string) netip.Addr {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		events, err := audit.Query(context.Background(), e.Daemon.Store.DB(), audit.Filter{Login: login, Action: action})
		if err != nil {
			t.Fatal(err)
		}
		if len(events) > 0 {
			ap, err := netip.ParseAddrPort(events[len(events)-1].Remote)
			if err != nil {
				t.Fatalf("audited remote %q: %v", events[len(events)-1].Remote, err)
			}
			return ap.Addr()
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s of %s in the audit", action, login)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// DefenderScore is the defender's current score of ip (0 when unknown).
func (e *Env) DefenderScore(ip string) int {
	for _, h := range e.Daemon.Defender.Hosts() {
		if h.IP == netip.MustParseAddr(ip) {
			return h.Score
		}
	}
	return 0
}

package proxyproto

import (
	"errors"
	"io"
	"net"
	"net/netip"
	"syscall"
	"testing"
	"time"
)

var loopback = netip.MustParsePrefix("127.0.0.1/32")

// serve accepts through p.Listener and reports each connection's remote
// address and first bytes, or the listener's end.
type accepted struct {
	remote string
	first  string
}

func serve(t *testing.T, p *Policy) (addr string, got chan accepted) {
	return serveOn(t, p, "127.0.0.1:0")
}

func serveOn(t *testing.T, p *Policy, bind string) (addr string, got chan accepted) {
	t.Helper()
	l, err := net.Listen("tcp", bind)
	if err != nil {
		t.Fatal(err)
	}
	pl := p.Listener(l)
	t.Cleanup(func() { pl.Close() })
	got = make(chan accepted, 8)
	go func() {
		for {
			c, err := pl.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				buf := make([]byte, 5)
				c.SetReadDeadline(time.Now().Add(5 * time.Second))
				n, _ := io.ReadFull(c, buf)
				got <- accepted{c.RemoteAddr().String(), string(buf[:n])}
			}()
		}
	}()
	return l.Addr().String(), got
}

// dial connects and sends b in one write.
func dial(t *testing.T, addr string, b []byte) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if len(b) > 0 {
		if _, err := c.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// refused waits for the server to close c without a byte.
func refused(t *testing.T, c net.Conn) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, err := c.Read(make([]byte, 1))
	if n != 0 || !errors.Is(err, io.EOF) && !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("connection kept: %d bytes, %v", n, err)
	}
}

func expect(t *testing.T, got chan accepted, remote, first string) {
	t.Helper()
	select {
	case a := <-got:
		if a.first != first || remote != "" && a.remote != remote {
			t.Fatalf("accepted %+v, want remote %s and %q", a, remote, first)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("nothing accepted")
	}
}

func TestListenerModes(t *testing.T) {
	v1 := Header{Version: 1, Source: client, Destination: front}.Append(nil)
	v2 := Header{Version: 2, Source: client6, Destination: front6}.Append(nil)
	local := Header{Version: 2, Local: true}.Append(nil)
	withData := func(h []byte) []byte { return append(append([]byte{}, h...), "hello"...) }

	t.Run("v1 and v2 headers give the client's address; the data after them is intact", func(t *testing.T) {
		addr, got := serve(t, &Policy{Mode: Required, Allowed: []netip.Prefix{loopback}})
		dial(t, addr, withData(v1))
		expect(t, got, client.String(), "hello")
		dial(t, addr, withData(v2))
		expect(t, got, client6.String(), "hello")
		dial(t, addr, withData(local)) // the load balancer's own check
		expect(t, got, "", "hello")
	})
	t.Run("a listener on every address sees IPv4 clients as mapped IPv6", func(t *testing.T) {
		addr, got := serveOn(t, &Policy{Mode: Required, Allowed: []netip.Prefix{loopback}}, ":0")
		_, port, _ := net.SplitHostPort(addr)
		dial(t, "127.0.0.1:"+port, withData(v1))
		expect(t, got, client.String(), "hello")
	})
	t.Run("mode 1: an allowed address may come without a header", func(t *testing.T) {
		addr, got := serve(t, &Policy{Mode: Optional, Allowed: []netip.Prefix{loopback}, Timeout: 200 * time.Millisecond})
		c := dial(t, addr, []byte("SSH-2.0-x\r\n"))
		expect(t, got, c.LocalAddr().String(), "SSH-2")
		// A client waiting for the server to speak first (FTP) is served
		// once the wait for a header is over.
		c = dial(t, addr, nil)
		time.Sleep(300 * time.Millisecond)
		c.Write([]byte("USER acme"))
		expect(t, got, c.LocalAddr().String(), "USER ")
	})
	t.Run("mode 1: a header from an address not allowed is refused", func(t *testing.T) {
		addr, got := serve(t, &Policy{Mode: Optional, Allowed: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}})
		refused(t, dial(t, addr, withData(v2)))
		c := dial(t, addr, []byte("hello"))
		expect(t, got, c.LocalAddr().String(), "hello")
	})
	t.Run("mode 2: no header, or an address not allowed, is refused", func(t *testing.T) {
		addr, _ := serve(t, &Policy{Mode: Required, Allowed: []netip.Prefix{loopback}})
		refused(t, dial(t, addr, []byte("SSH-2.0-x\r\n")))
		refused(t, dial(t, addr, []byte("PROXY TCP4 garbage\r\n")))
		addr, _ = serve(t, &Policy{Mode: Required, Allowed: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}})
		refused(t, dial(t, addr, withData(v1)))
	})
	t.Run("mode 2: a skipped address is not read from", func(t *testing.T) {
		addr, got := serve(t, &Policy{Mode: Required, Skipped: []netip.Prefix{loopback}})
		c := dial(t, addr, []byte("hello"))
		expect(t, got, c.LocalAddr().String(), "hello")
		c = dial(t, addr, v1) // its bytes are the protocol's
		expect(t, got, c.LocalAddr().String(), "PROXY")
	})
	t.Run("a silent client holds up nobody", func(t *testing.T) {
		addr, got := serve(t, &Policy{Mode: Required, Allowed: []netip.Prefix{loopback}})
		silent := dial(t, addr, []byte("PROXY TCP4 192.0.2.10"))
		dial(t, addr, withData(v1))
		expect(t, got, client.String(), "hello")
		silent.Close()
	})
	t.Run("off: the listener itself", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		var p *Policy
		if p.Listener(l) != l || (&Policy{}).Listener(l) != l {
			t.Fatal("mode 0 wraps the listener")
		}
	})
}

// TestConnSocketOnlyWhenNothingBuffered: splice(2) reads the socket
// itself, so it must not be offered while bytes read looking for a header
// wait to be returned.
func TestConnSocketOnlyWhenNothingBuffered(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	p := &Policy{Mode: Optional, Allowed: []netip.Prefix{loopback}}
	for _, tc := range []struct {
		send     []byte
		syscalls bool
	}{
		{Header{Version: 1, Source: client, Destination: front}.Append([]byte(nil)), true},
		{[]byte("STOR x"), false},
	} {
		dial(t, l.Addr().String(), tc.send)
		raw, err := l.Accept()
		if err != nil {
			t.Fatal(err)
		}
		c := p.Conn(raw)
		_, err = c.(syscall.Conn).SyscallConn()
		if (err == nil) != tc.syscalls {
			t.Fatalf("%q: SyscallConn error %v", tc.send, err)
		}
		c.Close()
	}
}

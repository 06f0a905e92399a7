package ftpd_test

import (
	"bytes"
	"crypto/tls"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jlaffaye/ftp"

	"github.com/dossierd/dossierd/audit"
	"github.com/dossierd/dossierd/config"
	"github.com/dossierd/dossierd/scenario"
)

// dialThrough logs in with the control connection through ctrl and the
// data connections through data (a load balancer forwarding the passive
// range too); with tc, over explicit TLS, data connections included.
func dialThrough(env *scenario.Env, ctrl, data *scenario.Proxy, tc *tls.Config, login, password string) (*ftp.ServerConn, error) {
	dial := func(network, addr string) (net.Conn, error) {
		if addr == env.FTPAddr() {
			return ctrl.Dial(network, addr)
		}
		c, err := data.Dial(network, addr)
		if err == nil && tc != nil {
			// jlaffaye/ftp leaves a data connection from a dial function
			// as it is.
			c = tls.Client(c, tc)
		}
		return c, err
	}
	opts := []ftp.DialOption{ftp.DialWithTimeout(10 * time.Second), ftp.DialWithDialFunc(dial)}
	if tc != nil {
		opts = append(opts, ftp.DialWithExplicitTLS(tc))
	}
	return dialLogin(env, login, password, opts...)
}

// TestProxyProtocolFTP: control and passive data connections both come
// through a load balancer sending PROXY headers; listings and transfers
// work, in clear and over TLS (the header is read below TLS), and the
// audit, the defender and the limits see the client's address.
func TestProxyProtocolFTP(t *testing.T) {
	env := scenario.Start(t, func(c *config.Config) {
		c.Common.ProxyProtocol = 2
		c.Common.ProxyAllowed = []string{"127.0.0.1"}
		c.Common.ProxySkipped = []string{"127.0.0.2"}
		c.Common.MaxPerHostConnections = 2
	})
	want, err := os.ReadFile(env.Disk("clients/C0042/Facture F2026-0042.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		version int
		tls     *tls.Config
	}{{"v1 plain", 1, nil}, {"v2 TLS", 2, clientTLS(t, env)}} {
		t.Run(tc.name, func(t *testing.T) {
			p := scenario.NewProxy(t, tc.version, "192.0.2.10")
			c, err := dialThrough(env, p, p, tc.tls, "acme", env.Passwords["acme"])
			if err != nil {
				t.Fatal(err)
			}
			defer c.Quit()
			entries, err := c.List("/Mes documents")
			if err != nil {
				t.Fatalf("listing: %v", err)
			}
			if len(entries) == 0 {
				t.Fatal("empty listing")
			}
			r, err := c.Retr("/Mes documents/Facture F2026-0042.pdf")
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(r)
			r.Close()
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("download: %d bytes, %v; want %d", len(got), err, len(want))
			}
			sent := bytes.Repeat([]byte("PROXY TCP4 not a header\r\n"), 40000) // 1 MB
			if err := c.Stor("/Mes documents/via-proxy.txt", bytes.NewReader(sent)); err != nil {
				t.Fatal(err)
			}
			if disk, _ := os.ReadFile(env.Disk("clients/C0042/via-proxy.txt")); !bytes.Equal(disk, sent) {
				t.Fatalf("upload: %d bytes on disk, want %d", len(disk), len(sent))
			}
			if got := env.AuditedFrom(t, "acme", audit.Upload); got.String() != "192.0.2.10" {
				t.Errorf("upload audited from %s", got)
			}
		})
	}

	t.Run("data connection from another client", func(t *testing.T) {
		// Someone else behind the load balancer connecting to the
		// passive port is refused: IPMatchRequired compares the
		// addresses the two headers give.
		c, err := dialThrough(env, scenario.NewProxy(t, 2, "192.0.2.10"), scenario.NewProxy(t, 2, "192.0.2.66"), nil, "acme", env.Passwords["acme"])
		if err != nil {
			t.Fatal(err)
		}
		defer c.Quit()
		if _, err := c.List("/"); err == nil {
			t.Fatal("a data connection from another client was accepted")
		}
	})

	t.Run("defender", func(t *testing.T) {
		p := scenario.NewProxy(t, 1, "192.0.2.11")
		if c, err := dialThrough(env, p, p, nil, "acme", "wrong"); err == nil {
			c.Quit()
			t.Fatal("wrong password accepted")
		}
		if env.DefenderScore("192.0.2.11") == 0 {
			t.Error("the wrong password did not score the client")
		}
		if s := env.DefenderScore("127.0.0.1"); s != 0 {
			t.Errorf("the load balancer's address scored %d", s)
		}
	})

	t.Run("limits", func(t *testing.T) {
		p := scenario.NewProxy(t, 2, "192.0.2.12")
		for range 2 {
			c, err := dialThrough(env, p, p, nil, "acme", env.Passwords["acme"])
			if err != nil {
				t.Fatal(err)
			}
			defer c.Quit()
		}
		if c, err := dialThrough(env, p, p, nil, "acme", env.Passwords["acme"]); err == nil {
			c.Quit()
			t.Fatal("a third connection from 192.0.2.12 was admitted (limit 2)")
		}
		// A direct client (skipped: no header read) keeps its slots and
		// its own address.
		c, err := dialFromFTP(env, "127.0.0.2", "globex", env.Passwords["globex"])
		if err != nil {
			t.Fatalf("direct client refused: %v", err)
		}
		defer c.Quit()
		if _, err := c.List("/"); err != nil {
			t.Fatalf("direct client's listing: %v", err)
		}
		if got := env.AuditedFrom(t, "globex", audit.Login); got.String() != "127.0.0.2" {
			t.Errorf("direct login audited from %s", got)
		}
	})

	t.Run("refused", func(t *testing.T) {
		// A host outside proxy_allowed may not send a header; in mode 2
		// it may not come without one either.
		p := scenario.NewProxy(t, 1, "192.0.2.13")
		p.From = "127.0.0.3"
		if c, err := dialThrough(env, p, p, nil, "acme", env.Passwords["acme"]); err == nil {
			c.Quit()
			t.Fatal("a header from an address not in proxy_allowed was accepted")
		}
		if c, err := dialFromFTP(env, "127.0.0.3", "acme", env.Passwords["acme"]); err == nil {
			c.Quit()
			t.Fatal("a connection without header was accepted in mode 2")
		} else if strings.Contains(err.Error(), "timeout") {
			t.Fatalf("refused only after a timeout: %v", err)
		}
	})
}

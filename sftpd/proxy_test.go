package sftpd_test

import (
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"

	"github.com/dossierd/dossierd/audit"
	"github.com/dossierd/dossierd/config"
	"github.com/dossierd/dossierd/scenario"
)

// dialVia logs in over nc, a connection already made (through a proxy).
func dialVia(nc net.Conn, addr, login, password string) (*ssh.Client, error) {
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	c, chans, reqs, err := ssh.NewClientConn(nc, addr, &ssh.ClientConfig{
		User: login, Auth: []ssh.AuthMethod{ssh.Password(password)}, HostKeyCallback: ssh.InsecureIgnoreHostKey(),
	})
	if err != nil {
		nc.Close()
		return nil, err
	}
	nc.SetDeadline(time.Time{})
	return ssh.NewClient(c, chans, reqs), nil
}

func dialProxied(env *scenario.Env, p *scenario.Proxy, login, password string) (*ssh.Client, error) {
	nc, err := p.Dial("tcp", env.SFTPAddr())
	if err != nil {
		return nil, err
	}
	return dialVia(nc, env.SFTPAddr(), login, password)
}

// TestProxyProtocolSFTP: behind a load balancer sending PROXY headers,
// the audit, the defender and the connection limits see the client's
// address, and a direct client keeps its own.
func TestProxyProtocolSFTP(t *testing.T) {
	env := scenario.Start(t, func(c *config.Config) {
		c.Common.ProxyProtocol = 1
		c.Common.ProxyAllowed = []string{"127.0.0.1"}
		c.Common.MaxPerHostConnections = 2
	})
	for _, tc := range []struct {
		version int
		client  string
		login   string
	}{{1, "192.0.2.10", "acme"}, {2, "2001:db8::10", "globex"}} {
		p := scenario.NewProxy(t, tc.version, tc.client)
		c, err := dialProxied(env, p, tc.login, env.Passwords[tc.login])
		if err != nil {
			t.Fatalf("v%d: %v", tc.version, err)
		}
		sc, err := sftp.NewClient(c)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := sc.ReadDir("/"); err != nil {
			t.Fatal(err)
		}
		sc.Close()
		c.Close()
		if got := env.AuditedFrom(t, tc.login, audit.Login); got != netip.MustParseAddr(tc.client) {
			t.Errorf("v%d: the audit has the login from %s, want %s", tc.version, got, tc.client)
		}

		// A wrong password scores the client, not the load balancer.
		if c, err := dialProxied(env, p, tc.login, "wrong"); err == nil {
			c.Close()
			t.Fatal("wrong password accepted")
		}
		if env.DefenderScore(tc.client) == 0 {
			t.Errorf("v%d: the wrong password did not score %s", tc.version, tc.client)
		}
	}
	if s := env.DefenderScore("127.0.0.1"); s != 0 {
		t.Errorf("the load balancer's address scored %d", s)
	}

	// max_per_host_connections counts the client behind the proxy...
	p := scenario.NewProxy(t, 2, "192.0.2.10")
	for range 2 {
		c, err := dialProxied(env, p, "acme", env.Passwords["acme"])
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
	}
	if c, err := dialProxied(env, p, "acme", env.Passwords["acme"]); err == nil {
		c.Close()
		t.Fatal("a third connection from 192.0.2.10 through the proxy was admitted (limit 2)")
	}
	// ...not the proxy's address: a direct client from it, without
	// header (mode 1), still connects, and as itself.
	c, err := dialFrom(env, "127.0.0.1", "fmartin", env.Passwords["fmartin"])
	if err != nil {
		t.Fatalf("direct client refused: %v", err)
	}
	c.Close()
	if got := env.AuditedFrom(t, "fmartin", audit.Login); got.String() != "127.0.0.1" {
		t.Errorf("direct login audited from %s", got)
	}

	// A host outside proxy_allowed may not send a header.
	p = scenario.NewProxy(t, 1, "192.0.2.20")
	p.From = "127.0.0.3"
	if c, err := dialProxied(env, p, "acme", env.Passwords["acme"]); err == nil {
		c.Close()
		t.Fatal("a header from an address not in proxy_allowed was accepted")
	}
}

// TestProxyProtocolRequired: in mode 2 a connection without a header is
// refused, unless it comes from an address in proxy_skipped.
func TestProxyProtocolRequired(t *testing.T) {
	env := scenario.Start(t, func(c *config.Config) {
		c.Common.ProxyProtocol = 2
		c.Common.ProxyAllowed = []string{"127.0.0.1"}
		c.Common.ProxySkipped = []string{"127.0.0.2"}
	})
	for _, from := range []string{"127.0.0.1", "127.0.0.3"} {
		if c, err := dialFrom(env, from, "acme", env.Passwords["acme"]); err == nil {
			c.Close()
			t.Errorf("a connection without header from %s was accepted", from)
		}
	}
	c, err := dialFrom(env, "127.0.0.2", "acme", env.Passwords["acme"])
	if err != nil {
		t.Fatalf("a skipped address was refused: %v", err)
	}
	c.Close()
	c, err = dialProxied(env, scenario.NewProxy(t, 2, "192.0.2.10"), "acme", env.Passwords["acme"])
	if err != nil {
		t.Fatalf("through the proxy: %v", err)
	}
	c.Close()
}

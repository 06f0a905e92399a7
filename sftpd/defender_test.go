package sftpd_test

import (
	"context"
	"io"
	"net"
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"

	"github.com/dossierd/dossierd/audit"
	"github.com/dossierd/dossierd/config"
	"github.com/dossierd/dossierd/defender"
	"github.com/dossierd/dossierd/scenario"
)

// dialFrom logs in from a chosen loopback source address.
func dialFrom(env *scenario.Env, src, login, password string) (*ssh.Client, error) {
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 5 * time.Second}
	nc, err := d.Dial("tcp", env.SFTPAddr())
	if err != nil {
		return nil, err
	}
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	c, chans, reqs, err := ssh.NewClientConn(nc, env.SFTPAddr(), &ssh.ClientConfig{
		User: login, Auth: []ssh.AuthMethod{ssh.Password(password)}, HostKeyCallback: ssh.InsecureIgnoreHostKey(),
	})
	if err != nil {
		nc.Close()
		return nil, err
	}
	nc.SetDeadline(time.Time{})
	return ssh.NewClient(c, chans, reqs), nil
}

func TestDefenderBansGuesserNotOthers(t *testing.T) {
	env := scenario.Start(t, func(c *config.Config) {
		c.Common.Defender.Threshold = 6
		c.Common.Defender.ScoreInvalid = 2
		c.Common.Defender.ScoreValid = 1
		c.Common.Defender.Safelist = []string{"127.0.0.3"}
	})
	legit, err := dialFrom(env, "127.0.0.1", "acme", env.Passwords["acme"])
	if err != nil {
		t.Fatal(err)
	}
	defer legit.Close()
	sc, err := sftp.NewClient(legit)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := os.ReadFile(env.Disk("clients/C0042/Facture F2026-0042.pdf"))
	download := func() {
		t.Helper()
		f, err := sc.Open("/Mes documents/Facture F2026-0042.pdf")
		if err != nil {
			t.Fatalf("legitimate download: %v", err)
		}
		got, err := io.ReadAll(f)
		f.Close()
		if err != nil || string(got) != string(want) {
			t.Fatalf("legitimate download corrupted: %v", err)
		}
	}

	// The guesser: unknown logins (2 points) and wrong passwords (1 point).
	banned := false
	for i := 0; i < 10 && !banned; i++ {
		login := "nobody"
		if i%2 == 1 {
			login = "acme"
		}
		c, err := dialFrom(env, "127.0.0.2", login, "guess")
		if err == nil {
			c.Close()
			t.Fatal("a wrong password was accepted")
		}
		download()
		banned = env.Daemon.Defender.IsBanned(netip.MustParseAddr("127.0.0.2"))
	}
	if !banned {
		t.Fatal("guesser not banned after 10 attempts with threshold 6")
	}
	// Banned: even the right password is dropped before the handshake.
	if c, err := dialFrom(env, "127.0.0.2", "globex", env.Passwords["globex"]); err == nil {
		c.Close()
		t.Fatal("banned address could log in")
	}
	download()
	// A fresh legitimate login from another address still works.
	if c, err := dialFrom(env, "127.0.0.1", "globex", env.Passwords["globex"]); err != nil {
		t.Fatalf("other address refused: %v", err)
	} else {
		c.Close()
	}

	// `dossierd defender unban` from another process: through the database.
	p, err := defender.OpenPersist(context.Background(), env.Daemon.Store.DB())
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		listed, _ := p.List(context.Background())
		if len(listed) > 0 && listed[0].IP == "127.0.0.2" && !listed[0].BannedUntil.IsZero() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("ban not listed for the CLI: %v", listed)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if _, err := p.Unban(context.Background(), netip.MustParseAddr("127.0.0.2")); err != nil {
		t.Fatal(err)
	}
	for {
		c, err := dialFrom(env, "127.0.0.2", "globex", env.Passwords["globex"])
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("unban not applied by the running daemon: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}

	// A safelisted address is never banned.
	for range 10 {
		if c, err := dialFrom(env, "127.0.0.3", "nobody", "guess"); err == nil {
			c.Close()
		}
	}
	if c, err := dialFrom(env, "127.0.0.3", "acme", env.Passwords["acme"]); err != nil {
		t.Fatalf("safelisted address refused: %v", err)
	} else {
		c.Close()
	}
}

func TestAuditRecordsDownload(t *testing.T) {
	env := scenario.Start(t, nil)
	c := dialSFTP(t, env, "acme", env.Passwords["acme"])
	data, err := c.Get("/Mes documents/Facture F2026-0042.pdf")
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		events, err := audit.Query(context.Background(), env.Daemon.Store.DB(), audit.Filter{Login: "acme", Action: audit.Download})
		if err != nil {
			t.Fatal(err)
		}
		if len(events) == 1 {
			e := events[0]
			if e.Protocol != "SFTP" || e.Path != "/Mes documents/Facture F2026-0042.pdf" || e.Bytes != int64(len(data)) || e.Result != "ok" {
				t.Fatalf("audit event = %+v", e)
			}
			if ap, err := netip.ParseAddrPort(e.Remote); err != nil || ap.Addr().String() != "127.0.0.1" {
				t.Fatalf("remote = %q", e.Remote)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("download not in the audit trail: %v", events)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

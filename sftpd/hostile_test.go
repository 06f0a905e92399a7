package sftpd_test

import (
	"crypto/rand"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dossierd/dossierd/config"
	"github.com/dossierd/dossierd/scenario"
)

// Hostile input: each gets a refusal, and the server keeps serving others.

func TestHostilePaths(t *testing.T) {
	env := scenario.Start(t, nil)
	c := dialSFTP(t, env, "acme", env.Passwords["acme"])
	defer c.Close()
	for _, p := range []string{
		"/Mes documents/a\x00b.pdf",
		"/Mes documents/" + strings.Repeat("x", 5000),
		"/" + strings.Repeat("../", 2000) + "etc/passwd",
	} {
		if _, err := c.sftp.Stat(p); err == nil {
			t.Errorf("Stat(%.40q...) succeeded", p)
		}
		if err := c.Put(p, []byte("x")); err == nil {
			t.Errorf("Put(%.40q...) succeeded", p)
		}
	}
	// Deep nesting: folders are created until the path limit, then refused.
	dir := "/Mes documents"
	var err error
	for i := 0; i < 300 && err == nil; i++ {
		dir += "/" + strings.Repeat("d", 20)
		err = c.Mkdir(dir)
	}
	if err == nil {
		t.Fatal("300 nested folders of 20 characters (6 KiB path) were all created")
	}
	if got, _ := c.List("/Mes documents"); len(got) == 0 {
		t.Fatal("server stopped serving after hostile paths")
	}
}

func TestSymlinkSwappedDuringTransfer(t *testing.T) {
	env := scenario.Start(t, nil)
	c := dialSFTP(t, env, "acme", env.Passwords["acme"])
	defer c.Close()
	mine := env.Disk("clients/C0042")
	globex := env.Disk("clients/C0043")
	if err := os.MkdirAll(globex, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := c.Mkdir("/Mes documents/sub"); err != nil {
		t.Fatal(err)
	}
	f, err := c.sftp.Create("/Mes documents/sub/x.pdf")
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("half of the upload"))
	// The folder is swapped for a link to another client's folder.
	if err := os.Rename(filepath.Join(mine, "sub"), filepath.Join(mine, "sub.old")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../C0043", filepath.Join(mine, "sub")); err != nil {
		t.Fatal(err)
	}
	f.Write([]byte(" and the rest"))
	f.Close() // may succeed (the temp file lives in the moved folder) or fail: either way nothing reaches globex
	if es, _ := os.ReadDir(globex); len(es) != 0 {
		t.Fatalf("the upload leaked into another client's folder: %v", es)
	}
	if _, err := c.sftp.Stat("/Mes documents/sub/x.pdf"); err == nil {
		t.Fatal("a path through the swapped link resolves")
	}
	if got, _ := c.List("/Mes documents"); len(got) == 0 {
		t.Fatal("server stopped serving")
	}
}

func TestSilentConnectionsDoNotHoldSlots(t *testing.T) {
	env := scenario.Start(t, func(c *config.Config) {
		c.SFTPD.LoginGraceTime = 1
		c.Common.MaxPerHostConnections = 3
		c.Common.Defender.Safelist = []string{"127.0.0.1"}
	})
	var silent []net.Conn
	for range 3 {
		nc, err := net.Dial("tcp", env.SFTPAddr())
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		silent = append(silent, nc)
	}
	// They are closed once the login grace time is over.
	for _, nc := range silent {
		nc.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, err := io.Copy(io.Discard, nc); err != nil && !errors.Is(err, net.ErrClosed) {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatal("a silent connection was kept past the login grace time")
			}
		}
	}
	c := dialSFTP(t, env, "acme", env.Passwords["acme"])
	c.Close()
}

func TestConnectionFloodFromOneAddress(t *testing.T) {
	env := scenario.Start(t, func(c *config.Config) { c.Common.MaxPerHostConnections = 20 })
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.4")}}
	for range 100 {
		nc, err := d.Dial("tcp", env.SFTPAddr())
		if err != nil {
			continue
		}
		conns = append(conns, nc)
	}
	// The server speaks first (its version line) only on admitted ones.
	open := 0
	for _, nc := range conns {
		nc.SetReadDeadline(time.Now().Add(2 * time.Second))
		buf := make([]byte, 8)
		if n, _ := io.ReadFull(nc, buf); n == 8 && string(buf[:4]) == "SSH-" {
			open++
		}
	}
	if open > 20 {
		t.Fatalf("%d connections admitted from one address, limit 20", open)
	}
	c := dialSFTP(t, env, "acme", env.Passwords["acme"])
	if _, err := c.List("/"); err != nil {
		t.Fatalf("legitimate client refused during the flood: %v", err)
	}
	c.Close()
}

func TestMalformedSSHPackets(t *testing.T) {
	env := scenario.Start(t, nil)
	garbage := make([]byte, 64<<10)
	rand.Read(garbage)
	for _, payload := range [][]byte{
		append([]byte("SSH-2.0-evil\r\n"), garbage...),
		garbage,
		append([]byte("SSH-2.0-evil\r\n\x00\x00\xff\xff\x0a\x14"), garbage[:100]...), // a huge packet length
		[]byte(strings.Repeat("A", 300) + "\r\n"),                                    // an over-long version line
	} {
		nc, err := net.Dial("tcp", env.SFTPAddr())
		if err != nil {
			t.Fatal(err)
		}
		nc.SetDeadline(time.Now().Add(10 * time.Second))
		nc.Write(payload)
		io.Copy(io.Discard, nc) // the server closes it
		nc.Close()
	}
	c := dialSFTP(t, env, "acme", env.Passwords["acme"])
	if _, err := c.List("/"); err != nil {
		t.Fatalf("server stopped serving after malformed packets: %v", err)
	}
	c.Close()
}

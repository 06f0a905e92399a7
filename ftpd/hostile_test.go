package ftpd_test

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dossierd/dossierd/config"
	"github.com/dossierd/dossierd/scenario"
)

// Hostile clients: what each gets, and proof that the server keeps
// serving the others.

// hostileConn is a control connection driven byte by byte, from a chosen
// loopback address, for what well-behaved clients never send.
type hostileConn struct {
	t  *testing.T
	nc net.Conn
	r  *bufio.Reader
}

func dialHostile(t *testing.T, env *scenario.Env, from string) *hostileConn {
	t.Helper()
	d := net.Dialer{Timeout: 10 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}}
	nc, err := d.Dial("tcp", env.FTPAddr())
	if err != nil {
		t.Fatal(err)
	}
	nc.SetDeadline(time.Now().Add(30 * time.Second)) // a hung server fails the test, not the run
	t.Cleanup(func() { nc.Close() })
	return &hostileConn{t: t, nc: nc, r: bufio.NewReader(nc)}
}

// startTLS sends AUTH TLS and continues over TLS.
func (h *hostileConn) startTLS(env *scenario.Env) {
	h.t.Helper()
	h.send("AUTH TLS\r\n")
	h.expect("234 ")
	tc := tls.Client(h.nc, clientTLS(h.t, env))
	if err := tc.Handshake(); err != nil {
		h.t.Fatalf("TLS handshake: %v", err)
	}
	h.nc = tc
	h.r = bufio.NewReader(tc)
}

func (h *hostileConn) send(s string) {
	h.t.Helper()
	if _, err := io.WriteString(h.nc, s); err != nil {
		h.t.Fatalf("send %.60q: %v", s, err)
	}
}

// line reads one reply line (without CRLF); err at the end of the
// connection.
func (h *hostileConn) line() (string, error) {
	l, err := h.r.ReadString('\n')
	return strings.TrimRight(l, "\r\n"), err
}

// expect reads reply lines up to the final one (a line "NNN text") and
// fails unless it starts with prefix; it returns every line.
func (h *hostileConn) expect(prefix string) string {
	h.t.Helper()
	var all []string
	for {
		l, err := h.line()
		if err != nil {
			h.t.Fatalf("reading the reply (want %q) after %q: %v", prefix, all, err)
		}
		all = append(all, l)
		if len(l) >= 4 && l[3] == ' ' {
			break
		}
	}
	if last := all[len(all)-1]; !strings.HasPrefix(last, prefix) {
		h.t.Fatalf("reply %q, want %q", all, prefix)
	}
	return strings.Join(all, "\n")
}

// closed reads until the server closes the connection and returns what
// came before; a timeout fails the test.
func (h *hostileConn) closed() string {
	h.t.Helper()
	var got []string
	for {
		l, err := h.line()
		if l != "" {
			got = append(got, l)
		}
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				h.t.Fatalf("the server did not close the connection (read so far: %q)", got)
			}
			return strings.Join(got, "\n")
		}
	}
}

// stillServes proves the server works for a legitimate client from
// 127.0.0.1: log in, upload, download.
func stillServes(t *testing.T, env *scenario.Env, name string) {
	t.Helper()
	c := dialFTP(t, env, explicitTLS, "acme", env.Passwords["acme"])
	defer c.Quit()
	data := payload(100_000)
	if err := c.Stor(mine+"/"+name, bytes.NewReader(data)); err != nil {
		t.Fatalf("legitimate upload: %v", err)
	}
	got, err := (&ftpClient{c}).Get(mine + "/" + name)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("legitimate download: %d bytes (%v), want %d", len(got), err, len(data))
	}
}

// A command line of 1 MiB: ftpserverlib reads at most 4096 bytes of a
// line; the connection gets a 500 that says why and is closed, and the
// server goes on serving the others.
func TestCommandLineOfOneMiB(t *testing.T) {
	env := scenario.Start(t, nil)
	huge := "NOOP " + strings.Repeat("A", 1<<20) + "\r\n"

	t.Run("clear text", func(t *testing.T) {
		h := dialHostile(t, env, "127.0.0.1")
		h.expect("220 ")
		// The server stops reading: the write fails or blocks until the
		// connection is closed, so it runs aside.
		go io.WriteString(h.nc, huge)
		got := h.closed()
		if !strings.HasPrefix(got, "500 Command line too long (the limit is 4096 bytes)") {
			t.Errorf("reply to a 1 MiB command line: %q, want a 500 saying it is too long", got)
		}
	})

	t.Run("after login, over TLS", func(t *testing.T) {
		// Under TLS the line cannot be seen before the library drops the
		// connection: no reply, but the connection is closed.
		h := dialHostile(t, env, "127.0.0.1")
		h.expect("220 ")
		h.startTLS(env)
		h.send("USER acme\r\n")
		h.expect("331 ")
		h.send("PASS " + env.Passwords["acme"] + "\r\n")
		h.expect("230 ")
		go io.WriteString(h.nc, huge)
		if got := h.closed(); got != "" {
			t.Errorf("reply to a 1 MiB command line over TLS: %q, want none", got)
		}
	})

	t.Run("just under the limit", func(t *testing.T) {
		// The longest line the library takes: 4095 bytes before the LF.
		h := dialHostile(t, env, "127.0.0.1")
		h.expect("220 ")
		h.send("NOOP " + strings.Repeat("B", 4095-len("NOOP ")-1) + "\r\n")
		h.expect("200 ")
		h.send("NOOP " + strings.Repeat("B", 4096-len("NOOP ")-1) + "\r\n")
		if got := h.closed(); !strings.HasPrefix(got, "500 Command line too long") {
			t.Errorf("reply to a 4096-byte line: %q, want 500", got)
		}
	})

	stillServes(t, env, "after-long-line.bin")
}

// 100 connections from one address: max_per_host_connections are served,
// the rest get a 421 that says why (and, the limit being exceeded again
// and again, the defender bans the address, which is a 421 too), while a
// client from another address works normally.
func TestHundredConnectionsFromOneAddress(t *testing.T) {
	env := scenario.Start(t, func(c *config.Config) { c.Common.MaxPerHostConnections = 20 })
	var admitted []*hostileConn
	refused := map[string]int{}
	for range 100 {
		h := dialHostile(t, env, "127.0.0.4")
		l, err := h.line()
		switch {
		case strings.HasPrefix(l, "220 "):
			admitted = append(admitted, h)
		case strings.HasPrefix(l, "421 "):
			refused[l[4:]]++
			if rest := h.closed(); rest != "" {
				t.Errorf("after the 421: %q", rest)
			}
			h.nc.Close()
		default:
			t.Fatalf("connection %d from 127.0.0.4: first line %q (%v)", len(admitted)+len(refused), l, err)
		}
	}
	if len(admitted) != 20 {
		t.Errorf("%d connections admitted from one address, want max_per_host_connections = 20", len(admitted))
	}
	n := 0
	for text, c := range refused {
		n += c
		if !strings.Contains(text, "too many connections from your address") && !strings.Contains(text, "too many failed logins") {
			t.Errorf("refusal %q (%d times): want it to say why", text, c)
		}
	}
	if n != 80 {
		t.Errorf("%d connections refused, want 80: %v", n, refused)
	}
	// The 20 still open do not stop anybody else.
	stillServes(t, env, "during-flood.bin")
	for _, h := range admitted {
		h.send("NOOP\r\n")
		h.expect("200 ")
	}
}

// A connection that never logs in is closed after the login grace time
// (sftpd.login_grace_time, shared with SFTP) with a 421 that says why, and
// gives its slot back; one that never even tried is scored by the
// defender (score_no_auth).
func TestLoginGraceTime(t *testing.T) {
	const grace = 2 * time.Second
	env := scenario.Start(t, func(c *config.Config) {
		c.SFTPD.LoginGraceTime = int(grace / time.Second)
		c.Common.MaxPerHostConnections = 2
		c.Common.Defender.ScoreNoAuth = 1
		// The slots test polls from an address over its limit: the
		// defender must not ban it for that.
		c.Common.Defender.ScoreLimitExceeded = 0
	})
	const reply = "421 Login time exceeded (2 seconds to log in): closing the connection"
	timed := func(t *testing.T, h *hostileConn, start time.Time, want string) {
		t.Helper()
		got := h.closed()
		took := time.Since(start)
		if got != want {
			t.Errorf("at the end of the login grace time: %q, want %q", got, want)
		}
		if took < grace-200*time.Millisecond || took > grace+5*time.Second {
			t.Errorf("closed after %v, want about %v", took, grace)
		}
	}

	t.Run("silent", func(t *testing.T) {
		t.Parallel()
		start := time.Now()
		h := dialHostile(t, env, "127.0.0.5")
		h.expect("220 ")
		timed(t, h, start, reply)
		// Scored as a connection without authentication attempt.
		if !eventually(func() bool { return score(env, "127.0.0.5") == 1 }) {
			t.Errorf("defender score of a silent connection: %d, want score_no_auth = 1", score(env, "127.0.0.5"))
		}
	})

	t.Run("slots", func(t *testing.T) {
		t.Parallel()
		// Two silent connections fill 127.0.0.6's slots...
		var silent []*hostileConn
		for range 2 {
			h := dialHostile(t, env, "127.0.0.6")
			h.expect("220 ")
			silent = append(silent, h)
		}
		h := dialHostile(t, env, "127.0.0.6")
		if l, _ := h.line(); !strings.HasPrefix(l, "421 too many connections from your address") {
			t.Fatalf("third connection: %q, want 421 too many connections", l)
		}
		// ... until the grace time closes them.
		for _, h := range silent {
			h.closed()
		}
		if !eventually(func() bool {
			h := dialHostile(t, env, "127.0.0.6")
			defer h.nc.Close()
			l, _ := h.line()
			return strings.HasPrefix(l, "220 ")
		}) {
			t.Error("the slots of connections closed by the login grace time were not given back")
		}
	})

	t.Run("user without password", func(t *testing.T) {
		t.Parallel()
		start := time.Now()
		h := dialHostile(t, env, "127.0.0.7")
		h.expect("220 ")
		h.send("USER acme\r\n")
		h.expect("331 ")
		timed(t, h, start, reply)
		// It tried to log in: not a "no authentication" connection.
		time.Sleep(200 * time.Millisecond)
		if s := score(env, "127.0.0.7"); s != 0 {
			t.Errorf("defender score of a connection that sent USER: %d, want 0", s)
		}
	})

	t.Run("explicit TLS, user without password", func(t *testing.T) {
		t.Parallel()
		start := time.Now()
		h := dialHostile(t, env, "127.0.0.8")
		h.expect("220 ")
		h.startTLS(env)
		h.send("USER acme\r\n")
		h.expect("331 ")
		timed(t, h, start, reply) // written through TLS
	})

	t.Run("explicit TLS, silent after AUTH", func(t *testing.T) {
		t.Parallel()
		// ftpserverlib shows its TLS layer only at USER: closed without
		// a reply.
		start := time.Now()
		h := dialHostile(t, env, "127.0.0.9")
		h.expect("220 ")
		h.startTLS(env)
		timed(t, h, start, "")
	})

	t.Run("TCP only", func(t *testing.T) {
		t.Parallel()
		// Not even reading the greeting: closed all the same.
		start := time.Now()
		h := dialHostile(t, env, "127.0.0.10")
		timed(t, h, start, "220 dossierd ready\n"+reply)
	})

	t.Run("logged in", func(t *testing.T) {
		t.Parallel()
		// The grace time is for logging in only.
		h := dialHostile(t, env, "127.0.0.11")
		h.expect("220 ")
		h.send("USER acme\r\n")
		h.expect("331 ")
		h.send("PASS " + env.Passwords["acme"] + "\r\n")
		h.expect("230 ")
		time.Sleep(grace + time.Second)
		h.send("NOOP\r\n")
		h.expect("200 ")
	})
}

func TestLoginGraceTimeImplicitTLS(t *testing.T) {
	env := scenario.Start(t, func(c *config.Config) {
		c.SFTPD.LoginGraceTime = 1
		c.FTPD.Bindings[0].TLSMode = config.TLSModeImplicit
	})
	t.Run("silent after the handshake", func(t *testing.T) {
		t.Parallel()
		h := dialHostile(t, env, "127.0.0.1")
		tc := tls.Client(h.nc, clientTLS(t, env))
		h.nc, h.r = tc, bufio.NewReader(tc)
		h.expect("220 ")
		if got := h.closed(); got != "421 Login time exceeded (1 seconds to log in): closing the connection" {
			t.Errorf("implicit TLS, silent: %q", got)
		}
	})
	t.Run("no handshake", func(t *testing.T) {
		t.Parallel()
		// No TLS, no reply possible: closed.
		h := dialHostile(t, env, "127.0.0.1")
		if got := h.closed(); got != "" {
			t.Errorf("implicit TLS, no handshake: %q", got)
		}
	})
}

// eventually polls cond for up to 10 s.
func eventually(cond func() bool) bool {
	for range 200 {
		if cond() {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}

// score is the defender's score of an address.
func score(env *scenario.Env, ip string) int {
	a := netip.MustParseAddr(ip)
	for _, h := range env.Daemon.Defender.Hosts() {
		if h.IP == a {
			return h.Score
		}
	}
	return 0
}

// NUL bytes and paths of several kilobytes in commands: each is refused
// with a reply, the connection keeps working, nothing is created.
func TestHostilePaths(t *testing.T) {
	env := scenario.Start(t, nil)

	// Before login: a login with a NUL byte is just a wrong login.
	h := dialHostile(t, env, "127.0.0.12")
	h.expect("220 ")
	h.send("USER ac\x00me\r\n")
	h.expect("331 ")
	h.send("PASS " + env.Passwords["acme"] + "\r\n")
	h.expect("530 Login incorrect.")

	h = dialHostile(t, env, "127.0.0.1")
	h.expect("220 ")
	h.send("USER acme\r\n")
	h.expect("331 ")
	h.send("PASS " + env.Passwords["acme"] + "\r\n")
	h.expect("230 ")
	nul := mine + "/a\x00b.pdf"
	for _, cmd := range []string{
		"CWD " + nul, "MKD " + nul, "DELE " + nul, "RMD " + nul, "SIZE " + nul,
		"MDTM " + nul, "MLST " + nul, "RNFR " + nul, "STOR " + nul, "RETR " + nul,
		"APPE " + nul, "MFMT 20240101000000 " + nul, "SITE CHMOD 644 " + nul,
	} {
		h.send(cmd + "\r\n")
		if got := h.expect("5"); !strings.Contains(got, "invalid path") && !strings.Contains(got, "no such file") {
			t.Errorf("%q: %q, want a refusal naming an invalid path", cmd, got)
		}
	}
	h.send("RNFR " + mine + "/Facture F2026-0042.pdf\r\n")
	h.expect("350 ")
	h.send("RNTO " + nul + "\r\n")
	if got := h.expect("5"); !strings.Contains(got, "invalid path") {
		t.Errorf("RNTO with a NUL byte: %q", got)
	}

	// Paths of about 4000 bytes (the longest a command line carries):
	// deeply nested, or one long name.
	deep := mine + strings.Repeat("/a", 1990)
	long := mine + "/" + strings.Repeat("x", 4000)
	for _, cmd := range []string{"CWD " + deep, "MKD " + deep, "SIZE " + deep, "STOR " + deep, "MKD " + long, "STOR " + long, "RNFR " + long} {
		h.send(cmd + "\r\n")
		if got := h.expect("5"); !strings.Contains(got, "cannot") {
			t.Errorf("%.20q... (%d bytes): %.200q, want a refusal", cmd, len(cmd), got)
		}
	}
	h.send("PWD\r\n")
	h.expect(`257 "/"`)
	h.send("NOOP\r\n")
	h.expect("200 ")

	// 5000 bytes do not fit in a command line: 500 and the connection
	// is closed.
	h.send("CWD " + mine + "/" + strings.Repeat("y", 5000) + "\r\n")
	if got := h.closed(); !strings.HasPrefix(got, "500 Command line too long") {
		t.Errorf("a 5000-byte path: %q, want 500 Command line too long", got)
	}

	entries, err := os.ReadDir(acmeDir(env))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !strings.Contains(strings.Join(acmeDemo, "|"), e.Name()) {
			t.Errorf("%s created by a refused command", filepath.Join(acmeDir(env), e.Name()))
		}
	}
	stillServes(t, env, "after-hostile-paths.bin")
}

// One login opens EPSV on as many control connections as the passive
// range has ports, and never connects: while its listeners wait, another
// login's PASV is refused (421), and once their timeout has run out (the
// timers are made to fire at once instead of in 30 s), that login's
// transfer goes through.
func TestPassivePortsOfOneLoginFreedWhenUnused(t *testing.T) {
	const ports = 4
	env := scenario.Start(t, func(c *config.Config) {
		c.FTPD.PassivePortRange.End = c.FTPD.PassivePortRange.Start + ports - 1
	})
	srv := env.Daemon.FTP
	srv.SetPassiveUnused(time.Hour) // they expire when the test says so

	held := 0
	for range ports {
		r := dialRaw(t, env, plain)
		r.login(env, "acme")
		code, msg := r.read2("EPSV")
		if code == 421 {
			break // a port of the range is in use by another process
		}
		if code != 229 {
			t.Fatalf("EPSV %d of acme: %d %q", held+1, code, msg)
		}
		held++
	}
	if held == 0 || srv.PassiveListeners() != held {
		t.Fatalf("acme holds %d passive ports, %d listeners open", held, srv.PassiveListeners())
	}

	other := dialRaw(t, env, plain)
	other.login(env, "globex")
	if code, msg := other.read2("PASV"); code != 421 || !strings.Contains(msg, "Could not listen for passive connection") {
		t.Fatalf("PASV of globex with the range taken: %d %q, want 421", code, msg)
	}

	srv.ExpirePassiveListeners()
	if !eventually(func() bool { return srv.PassiveListeners() == 0 }) {
		t.Fatalf("%d passive listeners still open after their timeout", srv.PassiveListeners())
	}
	data := payload(10_000)
	stream, _ := other.data(env)
	other.cmd(150, "STOR %s/after-pasv-flood.bin", mine)
	if _, err := stream.Write(data); err != nil {
		t.Fatalf("upload data: %v", err)
	}
	stream.Close()
	other.expect(226)
	if got, err := os.ReadFile(env.Disk("clients/C0043/after-pasv-flood.bin")); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("globex's upload after the ports were freed: %d bytes (%v), want %d", len(got), err, len(data))
	}
}

// EPSV 50 times on one control connection, never connecting: each closes
// the listener of the one before, so the connection holds one port.
func TestRepeatedEPSVHoldsOnePort(t *testing.T) {
	env := scenario.Start(t, nil)
	srv := env.Daemon.FTP
	r := dialRaw(t, env, plain)
	r.login(env, "acme")
	for i := range 50 {
		r.epsv()
		// ftpserverlib closes the previous listener after its EPSV reply;
		// the NOOP reply comes after that.
		r.cmd(200, "NOOP")
		if n := srv.PassiveListeners(); n != 1 {
			t.Fatalf("after EPSV %d: %d passive listeners open, want 1", i+1, n)
		}
	}
}

// A passive port nobody connects to is closed after its timeout (made
// short here) and can be bound again; a transfer command on it then gets
// a 425, and the control connection goes on working.
func TestUnusedPassivePortIsClosed(t *testing.T) {
	env := scenario.Start(t, nil)
	srv := env.Daemon.FTP
	srv.SetPassiveUnused(50 * time.Millisecond)
	r := dialRaw(t, env, plain)
	r.login(env, "acme")
	port := r.epsv()
	if !eventually(func() bool { return srv.PassiveListeners() == 0 }) {
		t.Fatal("the unused passive listener is still open")
	}
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		t.Fatalf("the unused passive port is still taken: %v", err)
	}
	l.Close()
	if code, msg := r.read2("STOR %s/late.bin", mine); code != 425 {
		t.Errorf("STOR on the closed passive port: %d %q, want 425", code, msg)
	}

	srv.SetPassiveUnused(time.Hour)
	stream, _ := r.data(env)
	r.cmd(150, "STOR %s/in-time.bin", mine)
	stream.Close()
	r.expect(226)
	if _, err := os.Stat(filepath.Join(acmeDir(env), "in-time.bin")); err != nil {
		t.Errorf("upload after the 425: %v", err)
	}
}

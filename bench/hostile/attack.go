package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"os"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dossierd/dossierd/bench/internal/benchkit"
	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
)

// attacker is the hostile user: one login, a valid password, every
// exhaustion at once from its own loopback address. Every loop reconnects
// when refused or closed, after a pause, until the run ends.
type attacker struct {
	sftpAddr, ftpAddr string
	login, password   string
	src               net.IP
	dir               string // its writable folder
	readFile, readDir string // what it can read, to hold handles on
	sparse            string // the large sparse file it reopens (SFTP path)
	fillSize          int64
	ftpEvery          time.Duration
	channelsTry       int // SSH session channels per connection (> max_channels)
	handlesTry        int // SFTP handles per channel (> max_open_handles)

	// held now
	sshConns, channels, files, dirs, ftpCtrls, idle atomic.Int64
	// done
	sshTries, ftpTries                 atomic.Int64
	epsv, pasv, pasvOK, pasvRefused    atomic.Int64
	gapTries, gapRefused, gapAccepted  atomic.Int64
	reopens, reopenFailed, reopenMaxNs atomic.Int64
	fills, fillFailed, fillBytes       atomic.Int64
	refusedTotal                       atomic.Int64

	mu       sync.Mutex
	refusals map[string]int
	ports    map[int]bool
}

var addrRE = regexp.MustCompile(`\d+\.\d+\.\d+\.\d+:\d+`)

// refuse counts a refusal (or a failure) of what, keyed by its text.
func (a *attacker) refuse(what string, err error) {
	msg := addrRE.ReplaceAllString(err.Error(), "ADDR")
	if strings.HasSuffix(msg, "handshake failed: EOF") || strings.Contains(msg, "connection reset by peer") {
		msg += " (closed before the SSH handshake: no text)"
	}
	a.refusedTotal.Add(1)
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.refusals == nil {
		a.refusals = map[string]int{}
	}
	a.refusals[what+": "+msg]++
}

// Refusals lists the distinct refusals, most frequent first.
func (a *attacker) Refusals() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	type kv struct {
		k string
		n int
	}
	var l []kv
	for k, n := range a.refusals {
		l = append(l, kv{k, n})
	}
	sort.Slice(l, func(i, j int) bool { return l[i].n > l[j].n || l[i].n == l[j].n && l[i].k < l[j].k })
	var out []string
	for _, e := range l {
		out = append(out, fmt.Sprintf("%d × %s", e.n, e.k))
	}
	return out
}

func (a *attacker) portsSeen() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.ports)
}

func pause(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

func (a *attacker) dial(addr string) (net.Conn, error) {
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: a.src}, Timeout: 5 * time.Second}
	return d.Dial("tcp", addr)
}

// dialSSH logs in over SSH; a refusal sent as a banner (max_sessions)
// comes back as the error.
func (a *attacker) dialSSH() (*ssh.Client, error) {
	a.sshTries.Add(1)
	nc, err := a.dial(a.sftpAddr)
	if err != nil {
		return nil, err
	}
	nc.SetDeadline(time.Now().Add(20 * time.Second))
	var banner string
	cc, chans, reqs, err := ssh.NewClientConn(nc, a.sftpAddr, &ssh.ClientConfig{
		User: a.login, Auth: []ssh.AuthMethod{ssh.Password(a.password)},
		HostKeyCallback: ssh.InsecureIgnoreHostKey(), // loopback, a server this run started
		BannerCallback:  func(m string) error { banner = strings.TrimSpace(m); return nil },
	})
	if err != nil {
		nc.Close()
		if banner != "" {
			return nil, fmt.Errorf("SSH banner %q", banner)
		}
		return nil, err
	}
	nc.SetDeadline(time.Time{})
	return ssh.NewClient(cc, chans, reqs), nil
}

// holdUntil waits for the run to end or the server to close c.
func (a *attacker) holdUntil(ctx context.Context, wait func() error, what string) {
	closed := make(chan struct{})
	go func() {
		wait()
		close(closed)
	}()
	select {
	case <-ctx.Done():
	case <-closed:
		a.refuse(what, errors.New("closed by the server while held"))
	}
}

// holdSSH (1): one connection, as many session channels as it can open
// on it, and on each channel's SFTP subsystem as many file and folder
// handles as it can get, all held until the run ends; then again. With
// idle (5): a connection that logs in, opens nothing and sits there.
func (a *attacker) holdSSH(ctx context.Context, idle bool) {
	what, gauge := "SSH connection", &a.sshConns
	if idle {
		what, gauge = "SSH connection (idle)", &a.idle
	}
	for ctx.Err() == nil {
		c, err := a.dialSSH()
		if err != nil {
			a.refuse(what, err)
			pause(ctx, 500*time.Millisecond)
			continue
		}
		gauge.Add(1)
		var held []*rawSFTP
		var files, dirs int64
		for i := 0; i < a.channelsTry && !idle; i++ {
			p, err := newRawSFTP(c)
			if err != nil {
				a.refuse("SSH session channel", err)
				break
			}
			held = append(held, p)
			a.channels.Add(1)
			for i := range a.handlesTry {
				dir := i%2 == 1
				target, what := a.readFile, "SFTP OPEN (read)"
				if dir {
					target, what = a.readDir, "SFTP OPENDIR"
				}
				if err := p.open(target, dir); err != nil {
					a.refuse(what, err)
					break
				}
				if dir {
					dirs++
					a.dirs.Add(1)
				} else {
					files++
					a.files.Add(1)
				}
			}
		}
		a.holdUntil(ctx, c.Wait, what)
		c.Close()
		gauge.Add(-1)
		a.channels.Add(-int64(len(held)))
		a.files.Add(-files)
		a.dirs.Add(-dirs)
	}
}

// dialFTP logs in on a control connection (clear text: the hostile wants
// the cheapest connections).
func (a *attacker) dialFTP() (*textproto.Conn, net.Conn, error) {
	a.ftpTries.Add(1)
	nc, err := a.dial(a.ftpAddr)
	if err != nil {
		return nil, nil, err
	}
	tc := textproto.NewConn(&benchkit.IdleConn{Conn: nc, Timeout: 20 * time.Second})
	_, _, err = tc.ReadResponse(220)
	if err == nil {
		_, _, err = cmd(tc, 331, "USER %s", a.login)
	}
	if err == nil {
		_, _, err = cmd(tc, 230, "PASS %s", a.password)
	}
	if err != nil {
		tc.Close()
		return nil, nil, err
	}
	return tc, nc, nil
}

func cmd(tc *textproto.Conn, code int, format string, args ...any) (int, string, error) {
	id, err := tc.Cmd(format, args...)
	if err != nil {
		return 0, "", err
	}
	tc.StartResponse(id)
	defer tc.EndResponse(id)
	return tc.ReadResponse(code)
}

var epsvPort = regexp.MustCompile(`\(\|\|\|(\d+)\|\)`)
var pasvPort = regexp.MustCompile(`\((\d+),(\d+),(\d+),(\d+),(\d+),(\d+)\)`)

// holdFTP (4): a control connection that sends EPSV and PASV over and
// over and never connects to the data port; with idle (5), one that logs
// in and says nothing more.
func (a *attacker) holdFTP(ctx context.Context, idle bool) {
	what := "FTP control connection"
	if idle {
		what += " (idle)"
	}
	for ctx.Err() == nil {
		tc, nc, err := a.dialFTP()
		if err != nil {
			a.refuse(what, err)
			pause(ctx, 500*time.Millisecond)
			continue
		}
		if idle {
			a.idle.Add(1)
			nc.SetReadDeadline(time.Time{})
			// A read that returns is the server closing: the connection
			// says nothing, so nothing else arrives.
			a.holdUntil(ctx, func() error { _, err := io.Copy(io.Discard, nc); return err }, what)
			a.idle.Add(-1)
			tc.Close()
			continue
		}
		a.ftpCtrls.Add(1)
		for n := 0; ctx.Err() == nil; n++ {
			verb, code, re := "EPSV", 229, epsvPort
			if n%4 == 3 {
				verb, code, re = "PASV", 227, pasvPort
				a.pasv.Add(1)
			} else {
				a.epsv.Add(1)
			}
			_, msg, err := cmd(tc, code, "%s", verb)
			var te *textproto.Error
			if errors.As(err, &te) {
				a.pasvRefused.Add(1)
				a.refuse("FTP "+verb, err)
				if te.Code == 421 { // the server closes the connection
					break
				}
			} else if err != nil {
				a.refuse(what, err)
				break
			} else if m := re.FindStringSubmatch(msg); m != nil {
				a.pasvOK.Add(1)
				port, _ := strconv.Atoi(m[1])
				if verb == "PASV" {
					hi, _ := strconv.Atoi(m[5])
					lo, _ := strconv.Atoi(m[6])
					port = hi*256 + lo
				}
				a.mu.Lock()
				if a.ports == nil {
					a.ports = map[int]bool{}
				}
				a.ports[port] = true
				a.mu.Unlock()
			}
			pause(ctx, a.ftpEvery)
		}
		a.ftpCtrls.Add(-1)
		tc.Close()
	}
}

// sftpLoop logs in over SSH with pkg/sftp and runs step until the run
// ends; when step says the connection broke, or the login is refused, it
// logs in again after a pause.
func (a *attacker) sftpLoop(ctx context.Context, what string, step func(*sftp.Client) (broken bool)) {
	for ctx.Err() == nil {
		c, err := a.dialSSH()
		var s *sftp.Client
		if err == nil {
			if s, err = sftp.NewClient(c); err != nil {
				c.Close()
			}
		}
		if err != nil {
			a.refuse(what, err)
			pause(ctx, 500*time.Millisecond)
			continue
		}
		for ctx.Err() == nil && !step(s) {
		}
		s.Close()
		c.Close()
	}
}

// isStatus tells an SFTP refusal (the connection goes on) from a broken
// connection.
func isStatus(err error) bool {
	var st *sftp.StatusError
	return errors.As(err, &st)
}

// sparseAndGap (2): reopens the large sparse file without TRUNC (the
// server copies it first: holes must stay holes), and writes one byte
// 256 MiB past the end of a new file (must be refused), in turn.
func (a *attacker) sparseAndGap(ctx context.Context) {
	a.sftpLoop(ctx, "SSH connection (sparse/gap)", func(s *sftp.Client) bool {
		t0 := time.Now()
		f, err := s.OpenFile(a.sparse, os.O_WRONLY)
		if err == nil {
			_, err = f.WriteAt([]byte("x"), 0)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		a.reopens.Add(1)
		if d := time.Since(t0).Nanoseconds(); d > a.reopenMaxNs.Load() {
			a.reopenMaxNs.Store(d)
		}
		if err != nil {
			a.reopenFailed.Add(1)
			a.refuse("SFTP reopen of the sparse file without TRUNC", err)
			if !isStatus(err) {
				return true
			}
		}
		gap := path.Join(a.dir, "gap.bin")
		f, err = s.OpenFile(gap, os.O_WRONLY|os.O_CREATE|os.O_TRUNC)
		if err != nil {
			a.refuse("SFTP create gap.bin", err)
			if !isStatus(err) {
				return true
			}
		} else {
			a.gapTries.Add(1)
			_, werr := f.WriteAt([]byte{1}, 256<<20)
			cerr := f.Close()
			if werr == nil {
				werr = cerr
			}
			if werr != nil {
				a.gapRefused.Add(1)
				a.refuse("SFTP write of 1 byte at 256 MiB in a new file", werr)
			} else {
				a.gapAccepted.Add(1)
			}
			s.Remove(gap)
		}
		pause(ctx, 50*time.Millisecond)
		return false
	})
}

// repeat reads buf over and over.
type repeat struct {
	buf []byte
	off int
}

func (r *repeat) Read(p []byte) (int, error) {
	n := copy(p, r.buf[r.off:])
	r.off = (r.off + n) % len(r.buf)
	return n, nil
}

// fill (3): uploads big files one after the other and deletes each: I/O
// pressure, one file on disk at a time.
func (a *attacker) fill(ctx context.Context) {
	buf := make([]byte, 1<<20)
	rand.Read(buf)
	name := path.Join(a.dir, "fill.bin")
	a.sftpLoop(ctx, "SSH connection (fill)", func(s *sftp.Client) bool {
		f, err := s.Create(name)
		if err == nil {
			var n int64
			n, err = f.ReadFrom(io.LimitReader(&repeat{buf: buf}, a.fillSize))
			a.fillBytes.Add(n)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if err == nil {
			a.fills.Add(1)
		} else {
			a.fillFailed.Add(1)
			a.refuse("SFTP upload of a big file", err)
		}
		s.Remove(name)
		return err != nil && !isStatus(err)
	})
}

// run starts every loop and returns when they have all ended (after ctx).
func (a *attacker) run(ctx context.Context, sshHolders, ftpHolders, idleSSH, idleFTP int) {
	var wg sync.WaitGroup
	start := func(n int, f func(context.Context)) {
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				f(ctx)
			}()
		}
	}
	// The transfer loops first, so that they hold a connection before
	// the holders take every slot; the holders then race for the rest.
	start(1, a.sparseAndGap)
	start(1, a.fill)
	time.Sleep(300 * time.Millisecond)
	start(idleSSH, func(ctx context.Context) { a.holdSSH(ctx, true) })
	start(idleFTP, func(ctx context.Context) { a.holdFTP(ctx, true) })
	// Then the holders, a quarter of each kind first so that both kinds
	// get some of the connections the server allows one address (an FTP
	// login is quicker than an SSH handshake), then all the others.
	time.Sleep(300 * time.Millisecond)
	hold := func(ctx context.Context) { a.holdSSH(ctx, false) }
	epsv := func(ctx context.Context) { a.holdFTP(ctx, false) }
	start(ftpHolders/4, epsv)
	time.Sleep(500 * time.Millisecond)
	start(sshHolders/4, hold)
	time.Sleep(time.Second)
	start(ftpHolders-ftpHolders/4, epsv)
	start(sshHolders-sshHolders/4, hold)
	wg.Wait()
}

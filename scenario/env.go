// Package scenario is the protocol-neutral test harness: a running daemon
// on the demo directory (Env), and one table of isolation and refusal
// scenarios (Table) that every protocol adapter runs through its own
// client (a Client), so SFTP and FTP are held to the very same outcomes.
package scenario

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dossierd/dossierd/catalogue"
	"github.com/dossierd/dossierd/config"
	"github.com/dossierd/dossierd/daemon"
	"github.com/dossierd/dossierd/demo"
)

// Env is a daemon running in a temporary folder on the demo directory.
type Env struct {
	Dir       string // the folder of the (virtual) config file
	Config    *config.Config
	Daemon    *daemon.Daemon
	Passwords map[string]string // demo login -> password
	stop      context.CancelFunc
	done      chan struct{}
}

// Start runs a daemon for one test: loopback, kernel-chosen ports, demo
// directory loaded, plus two symlinks planted in acme's folder that point
// at globex's documents (they must stay unreachable). mutate may adjust
// the configuration before start.
func Start(t testing.TB, mutate func(*config.Config)) *Env {
	t.Helper()
	return StartLogging(t, mutate, nil)
}

// StartLogging is Start with the daemon's log records sent to h (nil: the
// default, discarded unless -v), for tests of what the log says.
func StartLogging(t testing.TB, mutate func(*config.Config), h slog.Handler) *Env {
	t.Helper()
	dir := t.TempDir()
	cfg := config.Default(dir)
	cfg.SFTPD.Bindings = []config.Binding{{Address: "127.0.0.1", Port: 0}}
	cfg.FTPD.Bindings = []config.FTPBinding{{Address: "127.0.0.1", Port: 0}}
	cfg.HTTPD.Bindings = []config.HTTPBinding{{Address: "127.0.0.1", Port: 0, EnableHTTPS: true, ProxyAllowed: []string{}}}
	cfg.FTPD.PassivePortRange = passiveRange()
	cfg.Common.GraceTime = 2
	cfg.DataProvider.PollInterval = 1
	// The language the test package chose (its TestMain), so that the
	// daemon does not switch it for the whole process.
	cfg.Common.Language = string(catalogue.Current())
	// Off, as parallel Envs cannot share the default port; tests that
	// scrape it set a free one.
	cfg.Telemetry.BindPort = 0
	if mutate != nil {
		mutate(cfg)
	}
	if h == nil {
		h = slog.NewTextHandler(io.Discard, nil)
		if testing.Verbose() {
			h = slog.NewTextHandler(os.Stderr, nil)
		}
	}
	log := slog.New(h)
	d, err := daemon.New(cfg, log)
	if err != nil {
		t.Fatalf("daemon: %v", err)
	}
	logins, err := demo.Load(context.Background(), d.Store, d.Storage.Path())
	if err != nil {
		t.Fatalf("demo: %v", err)
	}
	e := &Env{Dir: dir, Config: cfg, Daemon: d, Passwords: map[string]string{}, done: make(chan struct{})}
	for _, l := range logins {
		e.Passwords[l.Login] = l.Password
	}
	acme := filepath.Join(d.Storage.Path(), "clients", "C0042")
	for name, target := range map[string]string{
		"globex-link": "../../sessions/S2026-014/clients/C0043",
		"abs-link":    filepath.Join(d.Storage.Path(), "sessions", "S2026-014", "clients", "C0043"),
	} {
		if err := os.Symlink(target, filepath.Join(acme, name)); err != nil {
			t.Fatal(err)
		}
	}
	e.run(t)
	return e
}

// run serves the daemon until Stop (at the latest when the test ends).
func (e *Env) run(t testing.TB) {
	ctx, cancel := context.WithCancel(context.Background())
	e.stop = cancel
	go func() {
		defer close(e.done)
		e.Daemon.Run(ctx)
	}()
	t.Cleanup(e.Stop)
}

// Restart stops the daemon and starts another on the same folders and
// configuration (new ports: tests bind port 0), as an administrator's
// restart does; the demo directory is not loaded again.
func (e *Env) Restart(t testing.TB) *Env {
	t.Helper()
	e.Stop()
	d, err := daemon.New(e.Config, e.Daemon.Logger())
	if err != nil {
		t.Fatalf("daemon restart: %v", err)
	}
	n := &Env{Dir: e.Dir, Config: e.Config, Daemon: d, Passwords: e.Passwords, done: make(chan struct{})}
	n.run(t)
	return n
}

// Stop shuts the daemon down and waits for it (idempotent).
func (e *Env) Stop() {
	e.stop()
	select {
	case <-e.done:
	case <-time.After(30 * time.Second):
		panic("daemon did not stop within 30s")
	}
}

// passiveRanges counts the Envs of this process.
var passiveRanges atomic.Int64

// passiveRange gives each Env its own block of passive ports in
// 61000-64999, above Linux's ephemeral range: test packages run in
// parallel processes, so the process id spreads processes over the blocks
// and the counter spreads the Envs of one process. A collision is not a
// failure (the server tries other ports of its block), only slower.
func passiveRange() config.PortRange {
	const first, width, blocks = 61000, 25, 160
	n := (int64(os.Getpid())*37 + passiveRanges.Add(1)) % blocks
	start := first + int(n)*width
	return config.PortRange{Start: start, End: start + width - 1}
}

// FTPAddr is the first FTP listener's address (ftpd.bindings[0]).
func (e *Env) FTPAddr() string { return e.Daemon.FTPAddrs[0].String() }

// HTTPAddr is the first web listener's address (httpd.bindings[0]).
func (e *Env) HTTPAddr() string { return e.Daemon.HTTPAddrs[0].String() }

// WebURL is the base URL of the first web listener ("https://127.0.0.1:port").
func (e *Env) WebURL() string { return "https://" + e.HTTPAddr() }

// SFTPAddr is the SFTP listener's address.
func (e *Env) SFTPAddr() string { return e.Daemon.SFTPAddrs[0].String() }

// Disk is the physical path of a storage-relative path.
func (e *Env) Disk(rel string) string {
	return filepath.Join(e.Daemon.Storage.Path(), filepath.FromSlash(rel))
}

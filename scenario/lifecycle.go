package scenario

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dossierd/dossierd/audit"
	"github.com/dossierd/dossierd/catalogue"
	"github.com/dossierd/dossierd/config"
)

// Lifecycle is one protocol's driver for the lifecycle table: connections
// whose transfers a test holds open, finishes or cuts, and whose end,
// with what the server told the client, it watches.
type Lifecycle interface {
	// Dial logs login in; the connection is closed when the test ends.
	Dial(t *testing.T, env *Env, login string) LifeConn
	// Told is what this protocol's client reads when the server closes
	// its connection for reason, a catalogue sentence: FTP's "421 reason"
	// line, SFTP's "dossierd: reason" on the session's error stream.
	Told(reason string) string
	// Addr is the address this protocol listens on.
	Addr(env *Env) string
}

// LifeConn is one logged-in connection of a Lifecycle driver. It has at
// most one transfer in flight.
type LifeConn interface {
	// Put and Get are whole transfers.
	Put(p string, data []byte) error
	Get(p string) ([]byte, error)
	// StartUpload opens an upload of p: at 0 replaces the file, at > 0
	// continues it from byte at (its size on the server), as resuming
	// clients do (SFTP: open without truncation, writes from at; FTP:
	// REST at, STOR).
	StartUpload(p string, at int64) (UploadInFlight, error)
	// StartDownload opens a download of p.
	StartDownload(p string) (DownloadInFlight, error)
	// Cut drops the connection's TCP connections, the transfer's
	// included, as a network failure would: no close of the file, no
	// goodbye of the protocol or of TLS.
	Cut()
	// Closed waits up to d for the server to close the connection and
	// returns what the server told the client meanwhile (FTP: the
	// control connection's lines; SFTP: the session's error stream);
	// ok is false if the connection is still open after d.
	Closed(d time.Duration) (told string, ok bool)
	// Close logs out (once; Cut or a close by the server count).
	Close()
}

// UploadInFlight is an upload left open.
type UploadInFlight interface {
	// Write sends data after what was sent so far.
	Write(data []byte) error
	// Finish ends the upload normally and returns the server's answer.
	Finish() error
}

// DownloadInFlight is a download left open.
type DownloadInFlight interface {
	// Read reads the next n bytes of the file.
	Read(n int) ([]byte, error)
}

// LifecycleStep is one scenario of the lifecycle table. Each runs on a
// daemon of its own, configured by Config.
type LifecycleStep struct {
	Name   string
	Config func(*config.Config)
	// Logs: the daemon's log is kept in Records for the step.
	Logs bool
	Run  func(t *testing.T, s *LifeEnv)
}

// LifeEnv is what a step works with.
type LifeEnv struct {
	*Env
	Lifecycle
	Records *Records // when the step's Logs
}

const (
	acmeDisk    = "clients/C0042"
	factureName = "Facture F2026-0042.pdf"
	// UploadTempPrefix names the server's hidden upload files.
	UploadTempPrefix = ".dossierd-upload-"
)

// LifecycleTable is what SPEC section 5 promises when connections end
// abnormally, protocol-neutral: a cut upload keeps the previous version
// (or, in upload mode 2, publishes what arrived), a cut download is
// audited as interrupted, a shutdown lets a transfer in flight finish and
// closes the other connections at once, a directory change closes the
// connections of a disabled account and tells them why, and a transfer
// makes one log line.
//
// The idle timeout is not here: common.idle_timeout counts minutes, so a
// daemon cannot be set to time out within a test; service's TestRefresh
// holds it with the option set directly, and the disabled-account step
// holds how a kick reaches each protocol's client.
var LifecycleTable = []LifecycleStep{
	{Name: "cut upload keeps the previous version", Run: cutUploadMode1},
	{Name: "cut upload in mode 2 publishes the part received", Config: func(c *config.Config) { c.Common.UploadMode = 2 }, Run: cutUploadMode2},
	{Name: "cut download audited as interrupted", Run: cutDownload},
	{Name: "shutdown lets the upload in flight finish", Run: shutdownWithUpload},
	{Name: "disabled account kicked with the reason", Run: kickedDisabled},
	{Name: "one log line per transfer", Logs: true, Run: oneLogLinePerTransfer},
}

// RunLifecycle runs the lifecycle table over one protocol, each step in
// parallel on its own daemon.
func RunLifecycle(t *testing.T, lc Lifecycle) {
	for _, s := range LifecycleTable {
		t.Run(s.Name, func(t *testing.T) {
			t.Parallel()
			le := &LifeEnv{Lifecycle: lc}
			if s.Logs {
				le.Records = &Records{}
				le.Env = StartLogging(t, s.Config, le.Records)
			} else {
				le.Env = Start(t, s.Config)
			}
			s.Run(t, le)
		})
	}
}

// RandomData is n random bytes.
func RandomData(t testing.TB, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// ReadDisk reads a storage-relative file.
func (e *Env) ReadDisk(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(e.Disk(rel))
	if err != nil {
		t.Fatalf("reading %s on disk: %v", rel, err)
	}
	return b
}

// WriteDisk writes a storage-relative file.
func (e *Env) WriteDisk(t testing.TB, rel string, data []byte) {
	t.Helper()
	if err := os.WriteFile(e.Disk(rel), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// UploadTemps lists the upload temporary files of a storage folder, with
// their sizes.
func (e *Env) UploadTemps(t testing.TB, rel string) map[string]int64 {
	t.Helper()
	entries, err := os.ReadDir(e.Disk(rel))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, de := range entries {
		if strings.HasPrefix(de.Name(), UploadTempPrefix) {
			if fi, err := de.Info(); err == nil {
				out[de.Name()] = fi.Size()
			}
		}
	}
	return out
}

// WaitFor polls cond until it holds (returns "") or d has passed, then
// fails with cond's last complaint.
func WaitFor(t testing.TB, d time.Duration, cond func() string) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		msg := cond()
		if msg == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", d, msg)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Audited waits for the audit trail to hold an event of login's action on
// p and returns the last one.
func (e *Env) Audited(t testing.TB, login, action, p string) audit.Event {
	t.Helper()
	var found audit.Event
	WaitFor(t, 10*time.Second, func() string {
		events, err := audit.Query(context.Background(), e.Daemon.Store.DB(), audit.Filter{Login: login, Action: action})
		if err != nil {
			return err.Error()
		}
		ok := false
		for _, ev := range events {
			if ev.Path == p {
				found, ok = ev, true
			}
		}
		if !ok {
			return fmt.Sprintf("no %s of %s in the audit trail: %v", action, p, events)
		}
		return ""
	})
	return found
}

// waitReceived waits until the upload's temporary file in acme's folder
// holds size bytes: the server has what the client sent, so that a cut
// now is a cut after those bytes.
func waitReceived(t *testing.T, s *LifeEnv, size int64) {
	t.Helper()
	WaitFor(t, 10*time.Second, func() string {
		temps := s.UploadTemps(t, acmeDisk)
		for _, n := range temps {
			if n == size {
				return ""
			}
		}
		return fmt.Sprintf("no temporary file of %d bytes in %s: %v", size, acmeDisk, temps)
	})
}

func noTemps(t *testing.T, s *LifeEnv) {
	t.Helper()
	WaitFor(t, 10*time.Second, func() string {
		if temps := s.UploadTemps(t, acmeDisk); len(temps) > 0 {
			return fmt.Sprintf("temporary files left: %v", temps)
		}
		return ""
	})
}

var (
	uploadCut   = func() string { return catalogue.TransferCut.F(catalogue.UploadWord.F()) }
	downloadCut = func() string { return catalogue.TransferCut.F(catalogue.DownloadWord.F()) }
)

// cutUploadMode1: an overwrite, a new file and a resumed file, each cut
// half-way on its own connection (upload mode 1, the default): the target
// is as it was, no temporary file stays, the audit says interrupted.
func cutUploadMode1(t *testing.T, s *LifeEnv) {
	old := s.ReadDisk(t, acmeDisk+"/"+factureName)
	resumeOld := RandomData(t, 1000)
	s.WriteDisk(t, acmeDisk+"/Reprise.bin", resumeOld)
	data := RandomData(t, 4<<20)
	half := len(data) / 2
	for _, c := range []struct {
		name string
		at   int64
		want []byte // nil: no file
	}{
		{factureName, 0, old},
		{"Nouveau.bin", 0, nil},
		{"Reprise.bin", int64(len(resumeOld)), resumeOld},
	} {
		p := "/Mes documents/" + c.name
		conn := s.Dial(t, s.Env, "acme")
		u, err := conn.StartUpload(p, c.at)
		if err != nil {
			t.Fatalf("upload of %s: %v", c.name, err)
		}
		if err := u.Write(data[:half]); err != nil {
			t.Fatalf("upload of %s: %v", c.name, err)
		}
		waitReceived(t, s, c.at+int64(half))
		if got := s.ReadDisk(t, acmeDisk+"/"+factureName); sha256.Sum256(got) != sha256.Sum256(old) {
			t.Errorf("%s changed during an upload", factureName)
		}
		conn.Cut()
		noTemps(t, s)
		got, err := os.ReadFile(s.Disk(acmeDisk + "/" + c.name))
		switch {
		case c.want == nil && err == nil:
			t.Errorf("cut upload of a new file: %s published (%d bytes)", c.name, len(got))
		case c.want != nil && sha256.Sum256(got) != sha256.Sum256(c.want):
			t.Errorf("cut upload over %s: %d bytes (%v), want the previous version (%d bytes)", c.name, len(got), err, len(c.want))
		}
		if e := s.Audited(t, "acme", audit.Upload, p); e.Result != uploadCut() {
			t.Errorf("audit of the cut upload of %s: %q, want %q", c.name, e.Result, uploadCut())
		}
	}
	// What a user downloads afterwards.
	conn := s.Dial(t, s.Env, "acme")
	if got, err := conn.Get("/Mes documents/" + factureName); err != nil || sha256.Sum256(got) != sha256.Sum256(old) {
		t.Errorf("download after the cut: %d bytes, %v; want the previous version", len(got), err)
	}
}

// cutUploadMode2: in upload mode 2 the part received is published, for
// the client to resume; the resumed file is whole.
func cutUploadMode2(t *testing.T, s *LifeEnv) {
	data := RandomData(t, 4<<20)
	half := len(data) / 2
	const name = "Gros envoi.bin"
	p := "/Mes documents/" + name
	conn := s.Dial(t, s.Env, "acme")
	u, err := conn.StartUpload(p, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := u.Write(data[:half]); err != nil {
		t.Fatal(err)
	}
	waitReceived(t, s, int64(half))
	conn.Cut()
	noTemps(t, s)
	WaitFor(t, 10*time.Second, func() string {
		got, err := os.ReadFile(s.Disk(acmeDisk + "/" + name))
		if err != nil {
			return "the part received is not published: " + err.Error()
		}
		if !bytes.Equal(got, data[:half]) {
			return fmt.Sprintf("published %d bytes, want the %d received", len(got), half)
		}
		return ""
	})
	if e := s.Audited(t, "acme", audit.Upload, p); e.Result != uploadCut() {
		t.Errorf("audit of the cut upload: %q, want %q", e.Result, uploadCut())
	}
	// Resume from the size on the server.
	conn = s.Dial(t, s.Env, "acme")
	u, err = conn.StartUpload(p, int64(half))
	if err != nil {
		t.Fatalf("resume: %v", err)
	}
	if err := u.Write(data[half:]); err != nil {
		t.Fatalf("resume: %v", err)
	}
	if err := u.Finish(); err != nil {
		t.Fatalf("end of the resumed upload: %v", err)
	}
	if got := s.ReadDisk(t, acmeDisk+"/"+name); sha256.Sum256(got) != sha256.Sum256(data) {
		t.Errorf("after resume: %d bytes, sha256 differs from the file sent (%d bytes)", len(got), len(data))
	}
	noTemps(t, s)
}

// cutDownload: a download cut before the client had the whole file is
// audited as interrupted; one read to the end is "ok" even when the
// connection is cut afterwards. The big file outgrows what the sockets
// can buffer, so the server cannot have sent it all.
func cutDownload(t *testing.T, s *LifeEnv) {
	const big = 32 << 20
	s.WriteDisk(t, acmeDisk+"/gros.bin", bytes.Repeat([]byte("dossierd"), big/8))
	s.WriteDisk(t, acmeDisk+"/petit.bin", []byte("whole"))
	for _, c := range []struct {
		name string
		read int
		want string
	}{
		{"gros.bin", 64 << 10, downloadCut()},
		{"petit.bin", 5, "ok"},
	} {
		p := "/Mes documents/" + c.name
		conn := s.Dial(t, s.Env, "acme")
		d, err := conn.StartDownload(p)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := d.Read(c.read); err != nil || len(got) != c.read {
			t.Fatalf("reading %d bytes of %s: %d, %v", c.read, c.name, len(got), err)
		}
		conn.Cut()
		e := s.Audited(t, "acme", audit.Download, p)
		if e.Result != c.want {
			t.Errorf("audit of %s read %d bytes then cut: %q, want %q", c.name, c.read, e.Result, c.want)
		}
		if c.want != "ok" && e.Bytes >= big {
			t.Errorf("audit of the cut download: %d bytes, want fewer than the file's %d", e.Bytes, big)
		}
	}
}

// shutdownWithUpload: a shutdown (common.grace_time 2 s) closes at once
// the connections with nothing open, logged in (telling them why) or not,
// and lets an upload in flight finish: published whole.
func shutdownWithUpload(t *testing.T, s *LifeEnv) {
	data := RandomData(t, 1<<20)
	const name = "Pendant arret.bin"
	p := "/Mes documents/" + name
	uploader := s.Dial(t, s.Env, "acme")
	idle := s.Dial(t, s.Env, "jdupont")
	anonymous, err := net.DialTimeout("tcp", s.Addr(s.Env), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer anonymous.Close()
	u, err := uploader.StartUpload(p, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := u.Write(data[:len(data)-64<<10]); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	stopped := make(chan struct{})
	go func() { s.Stop(); close(stopped) }()

	// The idle connection is closed while the upload is still open, well
	// within the grace time.
	told, ok := idle.Closed(1500 * time.Millisecond)
	if !ok {
		t.Errorf("the idle connection is still open %s into the shutdown", time.Since(start).Round(time.Millisecond))
	} else if want := s.Told(catalogue.KickShutdown.F()); !strings.Contains(told, want) {
		t.Errorf("the idle connection was told %q, want %q", told, want)
	}
	anonymous.SetReadDeadline(time.Now().Add(time.Second))
	if _, err := io.Copy(io.Discard, anonymous); isTimeout(err) {
		t.Errorf("the connection that did not log in is still open %s into the shutdown (%v)", time.Since(start).Round(time.Millisecond), err)
	}
	if err := u.Write(data[len(data)-64<<10:]); err != nil {
		t.Fatalf("the upload was cut by the shutdown: %v", err)
	}
	if err := u.Finish(); err != nil {
		t.Fatalf("the upload in flight could not finish during the shutdown (%s in): %v", time.Since(start).Round(time.Millisecond), err)
	}
	grace := time.Duration(s.Config.Common.GraceTime) * time.Second
	if d := time.Since(start); d > grace {
		t.Errorf("the upload finished %s into the shutdown, past the grace time %s: the test is too slow to tell", d, grace)
	}
	select {
	case <-stopped:
	case <-time.After(grace + 10*time.Second):
		t.Fatal("the daemon did not stop")
	}
	if got := s.ReadDisk(t, acmeDisk+"/"+name); sha256.Sum256(got) != sha256.Sum256(data) {
		t.Errorf("upload finished during the shutdown: %d bytes, sha256 differs from the file sent (%d bytes)", len(got), len(data))
	}
	if temps := s.UploadTemps(t, acmeDisk); len(temps) > 0 {
		t.Errorf("temporary files left: %v", temps)
	}
}

// kickedDisabled: disabling an account closes its open connections
// within a few polls (data_provider.poll_interval 1 s), and the client
// reads why.
func kickedDisabled(t *testing.T, s *LifeEnv) {
	conn := s.Dial(t, s.Env, "acme")
	if _, err := conn.Get("/Mes documents/" + factureName); err != nil {
		t.Fatal(err)
	}
	if err := s.Daemon.Store.SetDisabled(context.Background(), "acme", true); err != nil {
		t.Fatal(err)
	}
	told, ok := conn.Closed(5 * time.Second)
	if !ok {
		t.Fatal("the connection of a disabled account is still open after 5 s")
	}
	if want := s.Told(catalogue.KickDisabled.F()); !strings.Contains(told, want) {
		t.Errorf("the client was told %q, want %q", told, want)
	}
}

// oneLogLinePerTransfer: a completed upload and a completed download
// each make exactly one line of the server's log at Info or above that
// names their path: the audit's.
func oneLogLinePerTransfer(t *testing.T, s *LifeEnv) {
	up := "/Mes documents/Journal.pdf"
	down := "/Mes documents/" + factureName
	conn := s.Dial(t, s.Env, "acme")
	if err := conn.Put(up, Content(up)); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Get(down); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	s.Audited(t, "acme", audit.Download, down)
	s.Stop() // every line is written
	recs := s.Records.All()
	for action, p := range map[string]string{audit.Upload: up, audit.Download: down} {
		var audited, others []string
		for _, r := range recs {
			if r.Level < 0 || !slices.ContainsFunc(mapValues(r.Attrs), func(v string) bool { return strings.Contains(v, p) }) {
				continue
			}
			line := fmt.Sprintf("%s %v", r.Level, r.Attrs)
			if r.Attrs["msg"] == action && r.Attrs["audit"] == "true" && r.Attrs["path"] == p {
				audited = append(audited, line)
			} else {
				others = append(others, line)
			}
		}
		if len(audited) != 1 {
			t.Errorf("%s of %s: %d audit lines, want 1: %q", action, p, len(audited), audited)
		} else if rec := audited[0]; !strings.Contains(rec, "result:ok") {
			t.Errorf("%s of %s: audit line %s, want result ok", action, p, rec)
		}
		if len(others) > 0 {
			t.Errorf("%s of %s: other lines at Info or above name the path: %q", action, p, others)
		}
	}
}

func mapValues(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

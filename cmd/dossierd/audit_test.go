package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jlaffaye/ftp"
	"golang.org/x/crypto/ssh"

	"github.com/dossierd/dossierd/audit"
	"github.com/dossierd/dossierd/scenario"
)

// cliConfigFor writes a configuration for the admin commands that points
// at the running env's database and storage, as an administrator's
// sftpgo.json points the CLI at the daemon's files.
func cliConfigFor(t *testing.T, env *scenario.Env) string {
	t.Helper()
	cfg := filepath.Join(env.Dir, "sftpgo.json")
	doc, err := json.Marshal(map[string]any{
		"data_provider": map[string]any{"name": env.Config.DataProvider.Name},
		"storage":       map[string]any{"root": env.Config.Storage.Root},
		"sftpd":         map[string]any{"bindings": []any{}},
		"ftpd":          map[string]any{"bindings": []any{}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// auditCLI runs `dossierd --config CFG audit ARGS...` in-process and
// returns what it printed.
func auditCLI(t *testing.T, cfg string, args ...string) string {
	t.Helper()
	root := newRoot(append([]string{"--config", cfg, "audit"}, args...))
	var out, errOut bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errOut)
	if err := execute(root); err != nil {
		t.Fatalf("dossierd audit %q: %v\n%s", args, err, errOut.String())
	}
	return out.String()
}

// auditJSON is auditCLI with --json, decoded.
func auditJSON(t *testing.T, cfg string, args ...string) []audit.Event {
	t.Helper()
	out := auditCLI(t, cfg, append(args, "--json")...)
	var events []audit.Event
	if err := json.Unmarshal([]byte(out), &events); err != nil || events == nil {
		t.Fatalf("dossierd audit %q --json: want a JSON array (%v):\n%s", args, err, out)
	}
	return events
}

// find returns the first event matching login, action and path.
func find(events []audit.Event, login, action, path string) (audit.Event, bool) {
	for _, e := range events {
		if e.Login == login && e.Action == action && e.Path == path {
			return e, true
		}
	}
	return audit.Event{}, false
}

// "Who downloaded what, when, from where": a download over SFTP and an
// upload over FTPS, found by the CLI in the database the daemon writes.
func TestAuditCommandFindsTransfers(t *testing.T) {
	env := scenario.Start(t, nil)
	cfg := cliConfigFor(t, env)

	// acme downloads a session document over SFTP.
	const down = "/Sessions/S2026-014 SST Lyon/Documents/Convention ACME S2026-014.pdf"
	fi, err := os.Stat(env.Disk("sessions/S2026-014/clients/C0042/Convention ACME S2026-014.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	sc := dialImportSFTP(t, env, "acme")
	f, err := sc.Open(down)
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, f)
	f.Close()
	if err != nil || n != fi.Size() {
		t.Fatalf("SFTP download: %d bytes (%v), want %d", n, err, fi.Size())
	}

	// jdupont uploads over FTP with explicit TLS.
	const up = "/Mes documents/Rapport audit.pdf"
	data := bytes.Repeat([]byte("audit "), 20000)
	fc := dialAuditFTP(t, env, "jdupont")
	if err := fc.Stor(up, bytes.NewReader(data)); err != nil {
		t.Fatalf("FTP upload: %v", err)
	}
	fc.Quit()

	// The audit trail is written in batches, once a second: bounded wait.
	var events []audit.Event
	var dl, ul audit.Event
	var okD, okU bool
	for i := 0; i < 50 && !(okD && okU); i++ {
		if i > 0 {
			time.Sleep(200 * time.Millisecond)
		}
		events = auditJSON(t, cfg)
		dl, okD = find(events, "acme", audit.Download, down)
		ul, okU = find(events, "jdupont", audit.Upload, up)
	}
	if !okD || !okU {
		t.Fatalf("after 10 s, download found %v, upload found %v, in:\n%+v", okD, okU, events)
	}
	for _, c := range []struct {
		e           audit.Event
		role, proto string
		bytes       int64
		what        string
	}{
		{dl, "client", "SFTP", fi.Size(), "SFTP download"},
		{ul, "trainee", "FTPS", int64(len(data)), "FTPS upload"},
	} {
		host, _, err := net.SplitHostPort(c.e.Remote)
		if err != nil {
			host = c.e.Remote
		}
		if host != "127.0.0.1" || c.e.Protocol != c.proto || c.e.Role != c.role || c.e.Bytes != c.bytes || c.e.Result != "ok" {
			t.Errorf("%s: %+v; want remote 127.0.0.1, protocol %s, role %s, %d bytes, result ok", c.what, c.e, c.proto, c.role, c.bytes)
		}
		if c.e.Time.IsZero() || time.Since(c.e.Time) > time.Minute || c.e.Time.After(time.Now().Add(time.Second)) {
			t.Errorf("%s: time %v, want just now", c.what, c.e.Time)
		}
	}

	// Filters.
	got := auditJSON(t, cfg, "--login", "acme")
	for _, e := range got {
		if e.Login != "acme" {
			t.Errorf("--login acme gave an event of %q", e.Login)
		}
	}
	if _, ok := find(got, "acme", audit.Download, down); !ok {
		t.Error("--login acme lacks acme's download")
	}
	if _, ok := find(got, "acme", audit.Login, ""); !ok {
		t.Error("--login acme lacks acme's login")
	}

	got = auditJSON(t, cfg, "--action", "upload")
	for _, e := range got {
		if e.Action != audit.Upload {
			t.Errorf("--action upload gave a %q event", e.Action)
		}
	}
	if _, ok := find(got, "jdupont", audit.Upload, up); !ok || len(got) != 1 {
		t.Errorf("--action upload: %+v, want jdupont's upload alone", got)
	}

	got = auditJSON(t, cfg, "--path", "Convention ACME")
	if len(got) != 1 || got[0].Path != down || got[0].Action != audit.Download {
		t.Errorf("--path \"Convention ACME\": %+v, want acme's download alone", got)
	}

	if got := auditJSON(t, cfg, "--login", "jdupont", "--action", "download"); len(got) != 0 {
		t.Errorf("--login jdupont --action download: %+v, want nothing", got)
	}

	// The table, for people, its times local with their UTC offset.
	table := auditCLI(t, cfg, "--path", "Rapport audit")
	if !strings.Contains(table, "jdupont") || !strings.Contains(table, "FTPS") || !strings.Contains(table, up) || !strings.Contains(table, "120000") {
		t.Errorf("audit table lacks the upload's login, protocol, path or bytes:\n%s", table)
	}
	upload, _ := find(auditJSON(t, cfg, "--action", "upload"), "jdupont", audit.Upload, up)
	when := upload.Time.Local().Format("2006-01-02 15:04:05 -07:00")
	if !slices.ContainsFunc(strings.Split(table, "\n"), func(l string) bool { return strings.HasPrefix(l, when+" ") && strings.Contains(l, up) }) {
		t.Errorf("audit table: no line of the upload starts with its time and zone %q:\n%s", when, table)
	}
}

// dialAuditFTP logs in over FTP with explicit TLS, trusting the daemon's
// generated certificate.
func dialAuditFTP(t *testing.T, env *scenario.Env, login string) *ftp.ServerConn {
	t.Helper()
	c := connectAuditFTP(t, env)
	if err := c.Login(login, env.Passwords[login]); err != nil {
		c.Quit()
		t.Fatalf("FTP login %s: %v", login, err)
	}
	return c
}

// connectAuditFTP is dialAuditFTP before the login.
func connectAuditFTP(t *testing.T, env *scenario.Env) *ftp.ServerConn {
	t.Helper()
	pem, err := os.ReadFile(env.Config.FTPD.CertificateFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatal("no certificate in " + env.Config.FTPD.CertificateFile)
	}
	tc := &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", ClientSessionCache: tls.NewLRUClientSessionCache(4)}
	c, err := ftp.Dial(env.FTPAddr(), ftp.DialWithTimeout(10*time.Second), ftp.DialWithExplicitTLS(tc))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A client that is not logged in chooses its login name, and a logged-in
// one the paths it asks for: a newline there must not forge an audit line
// ("backoffice delete ..." below), nor an escape sequence clear the
// operator's screen. The table shows one line per event, with the
// characters escaped; --json gives the values as stored.
func TestAuditCommandEscapesForgedLines(t *testing.T) {
	env := scenario.Start(t, nil)
	cfg := cliConfigFor(t, env)
	const (
		forgedLine = "x\n2026-12-04 backoffice delete /clients/C0042/contrat.pdf ok"
		clearLine  = "\x1b[2J"
		forgedPath = "/Mes documents/" + forgedLine
	)

	// Failed logins: the newline over SFTP, the escape over FTP.
	if sc, err := ssh.Dial("tcp", env.SFTPAddr(), &ssh.ClientConfig{
		User:            forgedLine,
		Auth:            []ssh.AuthMethod{ssh.Password("guess")},
		HostKeyCallback: ssh.InsecureIgnoreHostKey(),
	}); err == nil {
		sc.Close()
		t.Fatal("SSH login with a forged name succeeded")
	}
	fc := connectAuditFTP(t, env)
	if err := fc.Login(clearLine, "guess"); err == nil {
		t.Fatal("FTP login with an escape sequence as name succeeded")
	}
	fc.Quit()
	// A download of a path with a newline, which does not exist.
	sc := dialImportSFTP(t, env, "acme")
	if _, err := sc.Open(forgedPath); err == nil {
		t.Fatalf("SFTP open %q succeeded", forgedPath)
	}

	wantLogins := map[string]bool{strconv.Quote(forgedLine): false, strconv.Quote(clearLine): false}
	var events []audit.Event
	for i := 0; i < 50; i++ { // written in batches, once a second
		if i > 0 {
			time.Sleep(200 * time.Millisecond)
		}
		events = auditJSON(t, cfg)
		_, okPath := find(events, "acme", audit.Download, forgedPath)
		found := 0
		for login := range wantLogins {
			if _, ok := find(events, login, audit.Login, ""); ok {
				found++
			}
		}
		if okPath && found == len(wantLogins) {
			break
		}
	}
	for login := range wantLogins {
		if _, ok := find(events, login, audit.Login, ""); !ok {
			t.Errorf("--json has no failed login stored as %s, in:\n%+v", login, events)
		}
	}
	if _, ok := find(events, "acme", audit.Download, forgedPath); !ok {
		t.Errorf("--json lacks acme's download of %q as sent, in:\n%+v", forgedPath, events)
	}

	table := auditCLI(t, cfg)
	if strings.ContainsAny(table, "\x1b\r") {
		t.Errorf("audit table has a raw ESC or CR:\n%q", table)
	}
	lines := strings.Split(strings.TrimSuffix(table, "\n"), "\n")
	if len(lines) != 1+len(events) {
		t.Errorf("audit table has %d lines for %d events, want a header and one line each:\n%s", len(lines), len(events), table)
	}
	for _, want := range []struct{ what, text string }{
		{"the failed login with a newline", `"x\n2026-12-04 backoffice delete`},
		{"the failed login with an escape", `"\x1b[2J"`},
		{"the download of a path with a newline", `/Mes documents/x\n2026-12-04 backoffice delete`},
	} {
		n := 0
		for _, l := range lines {
			if strings.Contains(l, want.text) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%s: %d table lines contain %s, want 1:\n%s", want.what, n, want.text, table)
		}
	}
	for _, l := range lines {
		if strings.HasPrefix(l, "2026-12-04 backoffice") {
			t.Errorf("forged line in the audit table: %q", l)
		}
	}
}

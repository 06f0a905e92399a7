package telemetry_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jlaffaye/ftp"
	"github.com/pkg/sftp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"golang.org/x/crypto/ssh"
	_ "modernc.org/sqlite"

	"github.com/dossierd/dossierd/config"
	"github.com/dossierd/dossierd/scenario"
)

// startWithTelemetry runs a scenario daemon with telemetry on a free
// loopback port. Port 0 disables telemetry (SFTPGo's meaning), so the test
// picks the port itself.
func startWithTelemetry(t *testing.T) (*scenario.Env, string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	env := scenario.Start(t, func(c *config.Config) {
		c.Telemetry = config.Telemetry{BindAddress: "127.0.0.1", BindPort: port}
	})
	return env, "http://" + env.Daemon.Telemetry.Addr().String()
}

func sshConfig(login, password string) *ssh.ClientConfig {
	return &ssh.ClientConfig{
		User: login, Auth: []ssh.AuthMethod{ssh.Password(password)},
		HostKeyCallback: ssh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second,
	}
}

func dialSFTP(t *testing.T, env *scenario.Env, login string) *sftp.Client {
	t.Helper()
	sc, err := ssh.Dial("tcp", env.SFTPAddr(), sshConfig(login, env.Passwords[login]))
	if err != nil {
		t.Fatal(err)
	}
	c, err := sftp.NewClient(sc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(); sc.Close() })
	return c
}

func sftpPut(t *testing.T, c *sftp.Client, path string, data []byte) {
	t.Helper()
	f, err := c.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func sftpGet(t *testing.T, c *sftp.Client, path string) []byte {
	t.Helper()
	f, err := c.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return data
}

// scrape reads /metrics with the Prometheus text parser.
func scrape(t *testing.T, base string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/metrics: %s", resp.Status)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("/metrics does not parse: %v", err)
	}
	return families
}

// value is the value of the series of name whose labels are exactly
// labels ("k=v,k=v"), or -1 when there is none.
func value(fams map[string]*dto.MetricFamily, name, labels string) float64 {
	f := fams[name]
	if f == nil {
		return -1
	}
	for _, m := range f.Metric {
		var ls []string
		for _, l := range m.Label {
			ls = append(ls, l.GetName()+"="+l.GetValue())
		}
		sort.Strings(ls)
		if strings.Join(ls, ",") != labels {
			continue
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount())
		}
	}
	return -1
}

func TestMetricsAfterKnownSequence(t *testing.T) {
	env, base := startWithTelemetry(t)

	// SFTP: two logins, a wrong password, an upload and its download, a
	// name the policy refuses.
	c1 := dialSFTP(t, env, "acme")
	dialSFTP(t, env, "acme")
	if _, err := ssh.Dial("tcp", env.SFTPAddr(), sshConfig("acme", "wrong password")); err == nil {
		t.Fatal("wrong password accepted")
	}
	sftpData := bytes.Repeat([]byte("s"), 70_000)
	sftpPut(t, c1, "/Mes documents/report.pdf", sftpData)
	if got := sftpGet(t, c1, "/Mes documents/report.pdf"); !bytes.Equal(got, sftpData) {
		t.Fatalf("sftp download: %d bytes, want %d", len(got), len(sftpData))
	}
	if _, err := c1.Create("/Mes documents/bad?name.pdf"); err == nil {
		t.Fatal("refused name accepted")
	}

	// FTP: one login, an upload and its download.
	fc, err := ftp.Dial(env.FTPAddr(), ftp.DialWithTimeout(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer fc.Quit()
	if err := fc.Login("globex", env.Passwords["globex"]); err != nil {
		t.Fatal(err)
	}
	ftpData := bytes.Repeat([]byte("f"), 12_345)
	if err := fc.Stor("/Mes documents/devis.pdf", bytes.NewReader(ftpData)); err != nil {
		t.Fatal(err)
	}
	r, err := fc.Retr("/Mes documents/devis.pdf")
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(r)
	r.Close()
	if err != nil || !bytes.Equal(got, ftpData) {
		t.Fatalf("ftp download: %d bytes, %v", len(got), err)
	}

	want := []struct {
		name, labels string
		value        float64
	}{
		{"dossierd_connections_open", "protocol=sftp", 2},
		{"dossierd_connections_open", "protocol=ftp", 1},
		{"dossierd_logins_total", "protocol=sftp,result=ok", 2},
		{"dossierd_logins_total", "protocol=sftp,result=failed", 1},
		{"dossierd_logins_total", "protocol=sftp,result=refused", 0},
		{"dossierd_logins_total", "protocol=ftp,result=ok", 1},
		{"dossierd_logins_total", "protocol=ftp,result=failed", 0},
		{"dossierd_transfers_total", "direction=upload,protocol=sftp,result=ok", 1},
		{"dossierd_transfers_total", "direction=upload,protocol=sftp,result=failed", 1}, // the refused name
		{"dossierd_transfers_total", "direction=download,protocol=sftp,result=ok", 1},
		{"dossierd_transfers_total", "direction=upload,protocol=ftp,result=ok", 1},
		{"dossierd_transfers_total", "direction=download,protocol=ftp,result=ok", 1},
		{"dossierd_transfers_total", "direction=upload,protocol=ftp,result=interrupted", 0},
		{"dossierd_transfer_bytes_total", "direction=upload,protocol=sftp", 70_000},
		{"dossierd_transfer_bytes_total", "direction=download,protocol=sftp", 70_000},
		{"dossierd_transfer_bytes_total", "direction=upload,protocol=ftp", 12_345},
		{"dossierd_transfer_bytes_total", "direction=download,protocol=ftp", 12_345},
		{"dossierd_transfer_duration_seconds", "direction=upload,protocol=sftp", 1},
		{"dossierd_transfer_duration_seconds", "direction=download,protocol=ftp", 1},
		{"dossierd_refused_names_total", "protocol=sftp", 1},
		{"dossierd_refused_names_total", "protocol=ftp", 0},
		{"dossierd_bans_total", "", 0},
	}
	// FTP replies to a transfer as its file closes; poll briefly rather
	// than depend on which comes first.
	var diffs []string
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		fams := scrape(t, base)
		diffs = nil
		for _, w := range want {
			if got := value(fams, w.name, w.labels); got != w.value {
				diffs = append(diffs, fmt.Sprintf("%s{%s} = %v, want %v", w.name, w.labels, got, w.value))
			}
		}
		for _, name := range []string{"dossierd_audit_queue_length", "dossierd_directory_generation",
			"dossierd_directory_last_change_timestamp_seconds", "go_goroutines", "process_open_fds"} {
			if value(fams, name, "") < 0 {
				diffs = append(diffs, name+" missing")
			}
		}
		if value(fams, "dossierd_directory_generation", "") < 1 {
			diffs = append(diffs, "dossierd_directory_generation not polled")
		}
		if len(diffs) == 0 || time.Now().After(deadline) {
			break
		}
	}
	for _, d := range diffs {
		t.Error(d)
	}
}

func healthz(t *testing.T, base string) (int, string) {
	t.Helper()
	resp, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(body))
}

func wantHealth(t *testing.T, base string, code int, body string) {
	t.Helper()
	if gotCode, gotBody := healthz(t, base); gotCode != code || !strings.Contains(gotBody, body) {
		t.Fatalf("/healthz = %d %q, want %d with %q", gotCode, gotBody, code, body)
	}
}

// TestHealthz induces failures that stop even root: another process
// holding the database's write lock (a sqlite3 shell left inside a
// transaction, a wedged process), and a storage root made immutable
// (chattr +i: EPERM whoever asks, as a read-only remount would give).
func TestHealthz(t *testing.T) {
	env, base := startWithTelemetry(t)
	wantHealth(t, base, http.StatusOK, "ok")

	db, err := sql.Open("sqlite", "file:"+env.Config.DataProvider.Name+"?_pragma=busy_timeout(100)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(context.Background(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	wantHealth(t, base, http.StatusServiceUnavailable, "database: ")
	if _, err := conn.ExecContext(context.Background(), "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	wantHealth(t, base, http.StatusOK, "ok")

	root := env.Daemon.Storage.Path()
	if out, err := exec.Command("chattr", "+i", root).CombinedOutput(); err != nil {
		t.Skipf("chattr +i %s: %v %s (needs root on a file system with attributes)", root, err, out)
	}
	defer exec.Command("chattr", "-i", root).Run()
	wantHealth(t, base, http.StatusServiceUnavailable, "storage: ")
	if err := exec.Command("chattr", "-i", root).Run(); err != nil {
		t.Fatal(err)
	}
	wantHealth(t, base, http.StatusOK, "ok")
	if _, err := os.Stat(root); err != nil {
		t.Fatal(err)
	}
}

package daemon_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/textproto"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jlaffaye/ftp"

	"github.com/dossierd/dossierd/catalogue"
	"github.com/dossierd/dossierd/config"
	"github.com/dossierd/dossierd/daemon"
	"github.com/dossierd/dossierd/scenario"
)

const personal = "/Mes documents" // the demo's default label

// newCert writes a self-signed pair for 127.0.0.1 under dir and returns
// its files.
func newCert(t *testing.T, dir, name string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial, Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key")
	writeFile(t, keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}))
	writeFile(t, certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	return certFile, keyFile
}

// writeFile replaces name at once (a rename), as certbot and editors do.
func writeFile(t *testing.T, name string, data []byte) {
	t.Helper()
	tmp := name + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, name); err != nil {
		t.Fatal(err)
	}
}

// servedFingerprint is the SHA-256 fingerprint of the certificate a new
// FTPS connection gets (AUTH TLS), in CertificateFingerprint's form.
func servedFingerprint(t *testing.T, addr string) string {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	tp := textproto.NewConn(nc)
	if _, _, err := tp.ReadResponse(220); err != nil {
		t.Fatal(err)
	}
	if err := tp.PrintfLine("AUTH TLS"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := tp.ReadResponse(234); err != nil {
		t.Fatal(err)
	}
	tc := tls.Client(nc, &tls.Config{InsecureSkipVerify: true})
	if err := tc.Handshake(); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(tc.ConnectionState().PeerCertificates[0].Raw)
	hex := make([]string, len(sum))
	for i, b := range sum {
		hex[i] = fmt.Sprintf("%02x", b)
	}
	return strings.Join(hex, ":")
}

func fingerprint(t *testing.T, certFile string) string {
	t.Helper()
	fp, err := daemon.CertificateFingerprint(certFile)
	if err != nil {
		t.Fatal(err)
	}
	return fp
}

// dialFTPS logs acme in over explicit FTPS, trusting any certificate (the
// test changes it) and keeping TLS sessions for the data connections.
func dialFTPS(t *testing.T, env *scenario.Env) *ftp.ServerConn {
	t.Helper()
	c, err := ftp.Dial(env.FTPAddr(), ftp.DialWithTimeout(10*time.Second), ftp.DialWithExplicitTLS(&tls.Config{
		InsecureSkipVerify: true, ServerName: "127.0.0.1", ClientSessionCache: tls.NewLRUClientSessionCache(4),
	}))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Login("acme", env.Passwords["acme"]); err != nil {
		c.Quit()
		t.Fatalf("login: %v", err)
	}
	t.Cleanup(func() { c.Quit() })
	return c
}

// slowSource is size bytes of a fixed pattern, read a little at a time.
type slowSource struct {
	size, sent int64
	delay      time.Duration
	read       atomic.Int64
}

func (s *slowSource) Read(p []byte) (int, error) {
	if s.sent >= s.size {
		return 0, io.EOF
	}
	n := min(int64(len(p)), s.size-s.sent, 32<<10)
	for i := range n {
		p[i] = byte((s.sent + i) * 7 / 13)
	}
	s.sent += n
	s.read.Store(s.sent)
	if s.sent >= s.size {
		return int(n), nil
	}
	time.Sleep(s.delay)
	return int(n), nil
}

func patternSum(size int64) [32]byte {
	h := sha256.New()
	buf := make([]byte, 32<<10)
	for off := int64(0); off < size; {
		n := min(int64(len(buf)), size-off)
		for i := range n {
			buf[i] = byte((off + i) * 7 / 13)
		}
		h.Write(buf[:n])
		off += n
	}
	var sum [32]byte
	copy(sum[:], h.Sum(nil))
	return sum
}

// A reload with a new certificate: a new FTPS connection gets it, while a
// 20 MB upload over FTPS begun before the reload completes intact.
func TestReloadCertificateDuringUpload(t *testing.T) {
	env := scenario.Start(t, nil)
	old := fingerprint(t, env.Config.FTPD.CertificateFile)
	if got := servedFingerprint(t, env.FTPAddr()); got != old {
		t.Fatalf("served %s, want the generated %s", got, old)
	}
	c := dialFTPS(t, env)
	const size = 20 << 20
	src := &slowSource{size: size, delay: 3 * time.Millisecond}
	done := make(chan error, 1)
	go func() { done <- c.Stor(personal+"/big.bin", src) }()
	for src.read.Load() < 2<<20 {
		select {
		case err := <-done:
			t.Fatalf("upload ended early: %v", err)
		case <-time.After(10 * time.Millisecond):
		}
	}

	certFile, keyFile := newCert(t, env.Dir, "renewed")
	cfg := *env.Config
	cfg.FTPD.CertificateFile, cfg.FTPD.CertificateKeyFile = certFile, keyFile
	if err := env.Daemon.Reload(&cfg); err != nil {
		t.Fatal(err)
	}
	if got, want := servedFingerprint(t, env.FTPAddr()), fingerprint(t, certFile); got != want || got == old {
		t.Errorf("a new connection got %s, want the new certificate's %s", got, want)
	}
	if n := src.read.Load(); n >= size {
		t.Fatalf("the upload was over (%d bytes) before the reload was: nothing tested", n)
	}
	if err := <-done; err != nil {
		t.Fatalf("the upload across the reload: %v", err)
	}
	data, err := os.ReadFile(env.Disk("clients/C0042/big.bin"))
	if err != nil {
		t.Fatal(err)
	}
	if len(data) != size || sha256.Sum256(data) != patternSum(size) {
		t.Fatalf("the upload across the reload arrived damaged: %d bytes", len(data))
	}
	// The connection opened before the reload goes on with a new transfer
	// (its data connection resumes the TLS session of before).
	if err := c.Stor(personal+"/after.txt", strings.NewReader("after")); err != nil {
		t.Errorf("upload after the reload on the old connection: %v", err)
	}
}

// Certificate files replaced on disk (a renewal without a reload) are
// reloaded at the next poll; a broken renewal is logged and the
// certificate in force stays.
func TestCertificateChangedOnDisk(t *testing.T) {
	rec := &scenario.Records{}
	env := scenario.StartLogging(t, nil, rec)
	old := servedFingerprint(t, env.FTPAddr())
	certFile, keyFile := env.Config.FTPD.CertificateFile, env.Config.FTPD.CertificateKeyFile
	dir := t.TempDir()
	newCertFile, newKeyFile := newCert(t, dir, "renewed")
	for _, f := range [][2]string{{newKeyFile, keyFile}, {newCertFile, certFile}} {
		data, err := os.ReadFile(f[0])
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, f[1], data)
	}
	want := fingerprint(t, certFile)
	if want == old {
		t.Fatal("the same certificate")
	}
	waitFor(t, "the renewed certificate served", func() bool { return servedFingerprint(t, env.FTPAddr()) == want })
	if len(rec.Find("FTPS certificate changed on disk: reloaded")) != 1 {
		t.Error("the reload from disk was not logged once")
	}

	// A key that does not match: refused, logged once, the certificate
	// in force stays.
	_, otherKey := newCert(t, dir, "other")
	data, _ := os.ReadFile(otherKey)
	writeFile(t, keyFile, data)
	const failed = "FTPS certificate changed on disk but not reloaded; the previous one stays"
	waitFor(t, "the broken renewal logged", func() bool { return len(rec.Find(failed)) > 0 })
	time.Sleep(2500 * time.Millisecond) // two more polls
	if n := len(rec.Find(failed)); n != 1 {
		t.Errorf("the broken renewal logged %d times, want once", n)
	}
	if got := servedFingerprint(t, env.FTPAddr()); got != want {
		t.Errorf("after a broken renewal: served %s, want %s", got, want)
	}
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); !ok(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func names(t *testing.T, c *ftp.ServerConn, p string) []string {
	t.Helper()
	entries, err := c.List(p)
	if err != nil {
		t.Fatalf("list %s: %v", p, err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name)
	}
	return out
}

// A configuration that does not validate is refused with config.Load's
// messages, and the server keeps serving with the settings it had.
func TestReloadRefusesInvalidConfig(t *testing.T) {
	rec := &scenario.Records{}
	env := scenario.StartLogging(t, nil, rec)
	file := filepath.Join(env.Dir, "sftpgo.json")
	if err := os.WriteFile(file, []byte(`{"common": {"upload_mode": 7}, "tree": {"labels": {"personal": "Autre"}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	err := env.Daemon.ReloadFile(file)
	const msg = "common.upload_mode: 7 is not one of 0 (direct), 1 (atomic), 2 (atomic with resume)"
	if err == nil || !strings.Contains(err.Error(), msg) {
		t.Fatalf("ReloadFile: %v, want %q", err, msg)
	}
	_, loadErr := config.Load(file)
	logged := rec.Find("reload refused")
	if len(logged) == 0 || logged[0]["problem"] != loadErr.Error() {
		t.Errorf("logged %v, want config.Load's %q", logged, loadErr)
	}
	// The same refusal for a configuration changed in code.
	cfg := *env.Config
	cfg.Common.UploadMode = 7
	cfg.Tree.Labels.Personal = "Autre"
	if err := env.Daemon.Reload(&cfg); err == nil || !strings.Contains(err.Error(), msg) {
		t.Errorf("Reload: %v", err)
	}
	c := dialFTPS(t, env)
	if got := names(t, c, "/"); !slices.Contains(got, "Mes documents") || slices.Contains(got, "Autre") {
		t.Errorf("after a refused reload: / lists %v", got)
	}
	if err := c.Stor(personal+"/still.txt", strings.NewReader("ok")); err != nil {
		t.Errorf("upload after a refused reload: %v", err)
	}
}

// A lower max_upload_file_size refuses the next upload over it with the
// new limit, and a new label appears in a connection opened before.
func TestReloadLimitAndLabel(t *testing.T) {
	env := scenario.Start(t, nil)
	c := dialFTPS(t, env)
	if got := names(t, c, "/"); !slices.Contains(got, "Mes documents") {
		t.Fatalf("/ lists %v", got)
	}
	cfg := *env.Config
	cfg.Common.MaxUploadFileSize = 1 << 20
	cfg.Tree.Labels.Personal = "Dossier perso"
	if err := env.Daemon.Reload(&cfg); err != nil {
		t.Fatal(err)
	}
	if got := names(t, c, "/"); !slices.Contains(got, "Dossier perso") || slices.Contains(got, "Mes documents") {
		t.Errorf("after the reload, the open connection lists %v", got)
	}
	err := c.Stor("/Dossier perso/big.bin", bytes.NewReader(make([]byte, 2<<20)))
	if err == nil || !strings.Contains(err.Error(), catalogue.Megabytes(1<<20)) {
		t.Errorf("upload of 2 MB: %v, want a refusal naming %s", err, catalogue.Megabytes(1<<20))
	}
	if _, err := os.Stat(env.Disk("clients/C0042/big.bin")); err == nil {
		t.Error("the refused upload is on disk")
	}
	if err := c.Stor("/Dossier perso/small.bin", bytes.NewReader(make([]byte, 1000))); err != nil {
		t.Errorf("upload under the new limit: %v", err)
	}
}

// A changed port needs a restart: logged with its key, not applied.
func TestReloadRestartSetting(t *testing.T) {
	rec := &scenario.Records{}
	env := scenario.StartLogging(t, nil, rec)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cfg := *env.Config
	cfg.FTPD.Bindings = slices.Clone(cfg.FTPD.Bindings)
	cfg.FTPD.Bindings[0].Port = port
	cfg.Common.IdleTimeout = 30
	if err := env.Daemon.Reload(&cfg); err != nil {
		t.Fatal(err)
	}
	restart := rec.Find("reload: this setting needs a restart; it keeps its running value")
	if len(restart) != 1 || restart[0]["key"] != "ftpd.bindings[0].port" {
		t.Errorf("restart records %v, want one for ftpd.bindings[0].port", restart)
	}
	done := rec.Find("configuration reloaded")
	if len(done) != 1 || done[0]["changed"] != "common.idle_timeout" || done[0]["needs_restart"] != "ftpd.bindings[0].port" {
		t.Errorf("reload records %v", done)
	}
	if nc, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second); err == nil {
		nc.Close()
		t.Error("the new port was bound")
	}
	dialFTPS(t, env) // the running port still serves
}

// ReloadFile brackets the reload with RELOADING=1 (with MONOTONIC_USEC,
// for Type=notify-reload) and READY=1. Not parallel: NOTIFY_SOCKET.
func TestReloadNotifies(t *testing.T) {
	c := listenNotify(t, fmt.Sprintf("@dossierd-test-%d-%d", os.Getpid(), time.Now().UnixNano()))
	env := scenario.Start(t, nil)
	if got := receive(t, c); got != "READY=1" {
		t.Fatalf("first notification %q", got)
	}
	file := filepath.Join(env.Dir, "sftpgo.json")
	if err := os.WriteFile(file, []byte(`{"common": {"grace_time": 2}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := env.Daemon.ReloadFile(file); err != nil {
		t.Fatal(err)
	}
	if got := receive(t, c); !regexp.MustCompile(`^RELOADING=1\nMONOTONIC_USEC=[1-9][0-9]*$`).MatchString(got) {
		t.Errorf("before the reload: %q", got)
	}
	if got := receive(t, c); !strings.HasPrefix(got, "READY=1\n") {
		t.Errorf("after the reload: %q", got)
	}
}

// SIGHUP to the real `dossierd serve` reloads its configuration file, and
// refuses a broken one without stopping.
func TestSIGHUPReloadsServe(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "dossierd")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/dossierd/dossierd/cmd/dossierd").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	file := filepath.Join(dir, "sftpgo.json")
	write := func(extra string) {
		cfg := fmt.Sprintf(`{"sftpd": {"bindings": [{"address": "127.0.0.1", "port": %d}]}, "ftpd": {"bindings": []}, "httpd": {"bindings": [{"address": "127.0.0.1", "port": 0}]},
 "data_provider": {"poll_interval": 1}, "telemetry": {"bind_port": 0}, "common": {"language": "en"%s}}`, port, extra)
		if err := os.WriteFile(file, []byte(cfg), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("")
	cmd := exec.Command(bin, "--config", file, "serve")
	out := &scenario.Buffer{}
	cmd.Stderr = out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
		}
	})
	waitFor(t, "the daemon to start", func() bool { return len(out.Lines("dossierd started")) > 0 })

	write(`, "max_sessions": 3`)
	cmd.Process.Signal(syscall.SIGHUP)
	waitFor(t, "the reload", func() bool { return len(out.Lines("configuration reloaded")) > 0 })
	if got := out.Lines("configuration reloaded")[0]; !strings.Contains(got, "changed=common.max_sessions") {
		t.Errorf("reload line: %s", got)
	}

	write(`, "upload_mode": 7`)
	cmd.Process.Signal(syscall.SIGHUP)
	waitFor(t, "the refusal", func() bool { return len(out.Lines("reload refused: the running configuration stays")) > 0 })
	if len(out.Lines("common.upload_mode: 7 is not one of")) == 0 {
		t.Errorf("the refusal does not name the key:\n%s", out.Lines("reload"))
	}
	select {
	case err := <-exited:
		t.Fatalf("the daemon stopped after a refused reload: %v", err)
	default:
	}
	if nc, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 2*time.Second); err != nil {
		t.Errorf("not serving after the refused reload: %v", err)
	} else {
		nc.Close()
	}
}

package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
	_ "modernc.org/sqlite"
)

// These tests run the real binary, as an administrator would, and stop it
// the ways people do: SIGTERM during a transfer, kill -9 during many.

func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "dossierd")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

type daemonProc struct {
	cmd    *exec.Cmd
	addr   string
	dir    string
	stderr *bytes.Buffer
	done   chan error
}

// startDaemon runs `dossierd --config DIR/sftpgo.json serve --demo`;
// extra is more top-level keys of the configuration ("" or `"key": ...,`).
func startDaemon(t *testing.T, bin, dir string, port, grace int, extra ...string) *daemonProc {
	t.Helper()
	cfg := fmt.Sprintf(`{%s"sftpd": {"bindings": [{"address": "127.0.0.1", "port": %d}]},
 "ftpd": {"bindings": []},
 "httpd": {"bindings": [{"address": "127.0.0.1", "port": 0}]},
 "common": {"grace_time": %d},
 "data_provider": {"poll_interval": 1},
 "telemetry": {"bind_port": 0}}`, strings.Join(extra, ""), port, grace)
	if err := os.WriteFile(filepath.Join(dir, "sftpgo.json"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	p := &daemonProc{dir: dir, addr: fmt.Sprintf("127.0.0.1:%d", port), stderr: &bytes.Buffer{}, done: make(chan error, 1)}
	p.cmd = exec.Command(bin, "--config", filepath.Join(dir, "sftpgo.json"), "serve", "--demo")
	p.cmd.Stderr = p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			p.cmd.Process.Kill()
			<-p.done
		}
	})
	// Ready means serving the demo directory, not just listening: the
	// demo is loaded after the listeners are bound.
	for i := 0; i < 100; i++ {
		if sc, err := ssh.Dial("tcp", p.addr, &ssh.ClientConfig{
			User: "acme", Auth: []ssh.AuthMethod{ssh.Password("acme-demo-2026")}, HostKeyCallback: ssh.InsecureIgnoreHostKey(),
		}); err == nil {
			c, err := sftp.NewClient(sc)
			if err == nil {
				_, err = c.Stat("/Mes documents/Facture F2026-0042.pdf")
				c.Close()
			}
			sc.Close()
			if err == nil {
				return p
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("daemon did not listen on %s:\n%s", p.addr, p.stderr)
	return nil
}

func (p *daemonProc) client(t *testing.T) (*ssh.Client, *sftp.Client) {
	t.Helper()
	sc, err := ssh.Dial("tcp", p.addr, &ssh.ClientConfig{
		User: "acme", Auth: []ssh.AuthMethod{ssh.Password("acme-demo-2026")}, HostKeyCallback: ssh.InsecureIgnoreHostKey(),
	})
	if err != nil {
		t.Fatal(err)
	}
	c, err := sftp.NewClient(sc, sftp.UseConcurrentWrites(true))
	if err != nil {
		t.Fatal(err)
	}
	return sc, c
}

func (p *daemonProc) disk(rel string) string {
	return filepath.Join(p.dir, "data", "storage", filepath.FromSlash(rel))
}

func pattern(seed byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = seed + byte(i%251)
	}
	return b
}

func TestSIGTERMLetsUploadFinish(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	p := startDaemon(t, bin, t.TempDir(), freePort(t), 30)
	sc, c := p.client(t)
	defer sc.Close()
	data := pattern(7, 100<<20)
	f, err := c.Create("/Mes documents/big.bin")
	if err != nil {
		t.Fatal(err)
	}
	const chunk = 1 << 20
	for off := 0; off < len(data); off += chunk {
		if off == 20*chunk {
			p.cmd.Process.Signal(syscall.SIGTERM)
			time.Sleep(200 * time.Millisecond) // the daemon is shutting down meanwhile
		}
		if _, err := f.Write(data[off : off+chunk]); err != nil {
			t.Fatalf("write at %d after SIGTERM: %v", off, err)
		}
	}
	if err := f.Close(); err != nil {
		<-p.done
		t.Fatalf("upload in flight was not allowed to finish: %v\n%s", err, p.stderr)
	}
	sc.Close()
	select {
	case err := <-p.done:
		if err != nil {
			t.Fatalf("daemon exit: %v\n%s", err, p.stderr)
		}
	case <-time.After(40 * time.Second):
		t.Fatal("daemon did not exit after SIGTERM")
	}
	got, err := os.ReadFile(p.disk("clients/C0042/big.bin"))
	if err != nil || sha256.Sum256(got) != sha256.Sum256(data) {
		t.Fatalf("upload finished during shutdown is not intact (%d bytes, %v)", len(got), err)
	}
}

func TestSIGTERMGraceExpiredDiscardsUpload(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	p := startDaemon(t, bin, t.TempDir(), freePort(t), 1)
	old := []byte("previous version")
	if err := os.WriteFile(p.disk("clients/C0042/report.pdf"), old, 0o644); err != nil {
		t.Fatal(err)
	}
	sc, c := p.client(t)
	defer sc.Close()
	f, err := c.Create("/Mes documents/report.pdf")
	if err != nil {
		t.Fatal(err)
	}
	f.Write(pattern(1, 1<<20))
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		t.Fatal("daemon did not exit after its grace time")
	}
	if got, _ := os.ReadFile(p.disk("clients/C0042/report.pdf")); !bytes.Equal(got, old) {
		t.Fatalf("after shutdown the target is %d bytes, want the previous version", len(got))
	}
	assertNoTemp(t, p.disk("clients/C0042"))
}

func assertNoTemp(t *testing.T, dir string) {
	t.Helper()
	es, _ := os.ReadDir(dir)
	for _, e := range es {
		if strings.HasPrefix(e.Name(), ".dossierd-upload-") {
			t.Errorf("temporary file %s left in %s", e.Name(), dir)
		}
	}
}

func TestKill9DuringParallelUploads(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	port := freePort(t)
	p := startDaemon(t, bin, dir, port, 5)
	const n = 20
	const size = 4 << 20
	oldV := func(i int) []byte { return pattern(byte(i), size/2) }
	newV := func(i int) []byte { return pattern(byte(100+i), size) }
	for i := range n {
		if err := os.WriteFile(p.disk(fmt.Sprintf("clients/C0042/file%02d.bin", i)), oldV(i), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	var started sync.WaitGroup
	started.Add(n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sc, err := ssh.Dial("tcp", p.addr, &ssh.ClientConfig{
				User: "acme", Auth: []ssh.AuthMethod{ssh.Password("acme-demo-2026")}, HostKeyCallback: ssh.InsecureIgnoreHostKey(),
			})
			if err != nil {
				started.Done()
				return
			}
			defer sc.Close()
			c, err := sftp.NewClient(sc)
			if err != nil {
				started.Done()
				return
			}
			f, err := c.Create(fmt.Sprintf("/Mes documents/file%02d.bin", i))
			if err != nil {
				started.Done()
				return
			}
			data := newV(i)
			once := sync.OnceFunc(started.Done)
			for off := 0; off < len(data); off += 256 << 10 {
				if _, err := f.Write(data[off : off+256<<10]); err != nil {
					once()
					return
				}
				once()
				if i%2 == 0 {
					time.Sleep(200 * time.Millisecond) // half of them are still writing at the kill
				}
			}
			f.Close()
		}()
	}
	started.Wait()
	time.Sleep(time.Second)
	p.cmd.Process.Kill()
	<-p.done
	wg.Wait()

	// Restart on the same folder: every file is its old or its new version.
	p2 := startDaemon(t, bin, dir, port, 5)
	sc, c := p2.client(t)
	defer sc.Close()
	olds, news := 0, 0
	for i := range n {
		name := fmt.Sprintf("file%02d.bin", i)
		f, err := c.Open("/Mes documents/" + name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var buf bytes.Buffer
		buf.ReadFrom(f)
		f.Close()
		switch {
		case bytes.Equal(buf.Bytes(), oldV(i)):
			olds++
		case bytes.Equal(buf.Bytes(), newV(i)):
			news++
		default:
			t.Errorf("%s is neither version (%d bytes)", name, buf.Len())
		}
	}
	t.Logf("after kill -9: %d previous versions, %d new versions", olds, news)
	// The temporary files of the killed run are cleaned up at start.
	deadline := time.Now().Add(10 * time.Second)
	for {
		es, _ := os.ReadDir(p2.disk("clients/C0042"))
		left := 0
		for _, e := range es {
			if strings.HasPrefix(e.Name(), ".dossierd-upload-") {
				left++
			}
		}
		if left == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d temporary files of the killed run left behind", left)
		}
		time.Sleep(100 * time.Millisecond)
	}
	db, err := sql.Open("sqlite", filepath.Join(dir, "data", "dossierd.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var res string
	if err := db.QueryRowContext(context.Background(), "PRAGMA integrity_check").Scan(&res); err != nil || res != "ok" {
		t.Fatalf("integrity_check = %q, %v", res, err)
	}
}

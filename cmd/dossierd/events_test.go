package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jlaffaye/ftp"

	"github.com/dossierd/dossierd/catalogue"
	"github.com/dossierd/dossierd/config"
	"github.com/dossierd/dossierd/events"
	"github.com/dossierd/dossierd/scenario"
)

const hookSecret = "a-secret-of-the-test-receiver"

// hookReceiver keeps the events whose signature verifies; it listens on
// addr once up is called, and refuses connections before.
type hookReceiver struct {
	addr string
	mu   sync.Mutex
	got  []events.Body
	srv  *http.Server
}

func newHookReceiver(t *testing.T) *hookReceiver {
	return &hookReceiver{addr: fmt.Sprintf("127.0.0.1:%d", freePort(t))}
}

func (h *hookReceiver) up(t *testing.T) {
	t.Helper()
	l, err := net.Listen("tcp", h.addr)
	if err != nil {
		t.Fatal(err)
	}
	h.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var b events.Body
		if !events.Verify(hookSecret, body, r.Header.Get(events.HeaderSignature)) || json.Unmarshal(body, &b) != nil {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		h.mu.Lock()
		h.got = append(h.got, b)
		h.mu.Unlock()
	})}
	go h.srv.Serve(l)
	t.Cleanup(func() { h.srv.Close() })
}

func (h *hookReceiver) bodies() []events.Body {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]events.Body(nil), h.got...)
}

func (h *hookReceiver) webhookJSON(kinds string) string {
	return fmt.Sprintf(`"events": {"webhooks": [{"url": "http://%s/hook", "secret": %q, "events": [%s]}]},`, h.addr, hookSecret, kinds)
}

// cliCommand runs `dossierd --config cfg command args...` in-process and
// returns what it printed.
func cliCommand(cfg, command string) func(args ...string) (string, error) {
	return func(args ...string) (string, error) {
		root := newRoot(append([]string{"--config", cfg, command}, args...))
		var out bytes.Buffer
		root.SetOut(&out)
		root.SetErr(&out)
		err := execute(root)
		return out.String(), err
	}
}

// An upload the client saw succeed is told even when the daemon is killed
// before it could deliver: the row was durable before the reply, and the
// restarted daemon sends it.
func TestKill9BetweenCommitAndDelivery(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	dir, port := t.TempDir(), freePort(t)
	hook := newHookReceiver(t) // down: nothing listens yet
	p := startDaemon(t, bin, dir, port, 5, hook.webhookJSON(`"upload"`))
	sc, c := p.client(t)
	data := pattern(3, 1<<20)
	f, err := c.Create("/Mes documents/avant-kill.pdf")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	p.cmd.Process.Signal(syscall.SIGKILL) // right after the client's success
	<-p.done
	sc.Close()
	// The outbox, read by another process: the event waits.
	out, err := exec.Command(bin, "--config", filepath.Join(dir, "sftpgo.json"), "events", "list", "--json").CombinedOutput()
	if err != nil {
		t.Fatalf("events list: %v\n%s", err, out)
	}
	var pending []events.Entry
	if err := json.Unmarshal(out, &pending); err != nil || len(pending) != 1 || pending[0].Type != "upload" || pending[0].State != events.StatePending {
		t.Fatalf("events list after kill -9: %v\n%s", err, out)
	}
	hook.up(t)
	startDaemon(t, bin, dir, port, 5, hook.webhookJSON(`"upload"`))
	sum := sha256.Sum256(data)
	scenario.WaitFor(t, 20*time.Second, func() string {
		if len(hook.bodies()) == 0 {
			return "no event after the restart"
		}
		return ""
	})
	b := hook.bodies()[0]
	if b.ID != pending[0].ID || b.Path != "/Mes documents/avant-kill.pdf" || b.StoragePath != "clients/C0042/avant-kill.pdf" ||
		b.Size == nil || *b.Size != int64(len(data)) || b.SHA256 != hex.EncodeToString(sum[:]) {
		t.Fatalf("event after restart %+v, listed %+v", b, pending[0])
	}
}

// `dossierd events list` and `retry`, from another process (in-process
// here, on the daemon's database), while the daemon runs.
func TestEventsCommands(t *testing.T) {
	old := events.Backoff
	events.Backoff.Base = time.Hour // one attempt, then nothing until a retry
	t.Cleanup(func() { events.Backoff = old })
	hook := newHookReceiver(t) // down
	env := scenario.Start(t, func(c *config.Config) {
		c.Events.Webhooks = []config.Webhook{{URL: "http://" + hook.addr + "/hook", Secret: hookSecret, Events: []string{"mkdir"}}}
	})
	run := cliCommand(cliConfigFor(t, env), "events")
	list := func(args ...string) []events.Entry {
		t.Helper()
		out, err := run(append([]string{"list", "--json"}, args...)...)
		var entries []events.Entry
		if err == nil {
			err = json.Unmarshal([]byte(out), &entries)
		}
		if err != nil {
			t.Fatalf("events list: %v\n%s", err, out)
		}
		return entries
	}
	fc, err := ftp.Dial(env.FTPAddr(), ftp.DialWithTimeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer fc.Quit()
	if err := fc.Login("acme", env.Passwords["acme"]); err != nil {
		t.Fatal(err)
	}
	if err := fc.MakeDir("/Mes documents/nouveau"); err != nil {
		t.Fatal(err)
	}
	var e events.Entry
	scenario.WaitFor(t, 10*time.Second, func() string {
		entries := list()
		if len(entries) != 1 || entries[0].Attempts != 1 || entries[0].LastError == "" {
			return fmt.Sprintf("listed %+v, want one pending event tried once", entries)
		}
		e = entries[0]
		return ""
	})
	if e.State != events.StatePending || e.Type != "mkdir" || e.Login != "acme" || !strings.Contains(e.Body, `"storage_path":"clients/C0042/nouveau"`) {
		t.Fatalf("listed %+v", e)
	}
	if n := len(list("--failed")); n != 0 {
		t.Fatalf("%d failed events listed, none failed yet", n)
	}
	// The retry time spent, as the dispatcher leaves it.
	if _, err := env.Daemon.Store.DB().ExecContext(context.Background(), `UPDATE event_outbox SET failed_at = next_attempt`); err != nil {
		t.Fatal(err)
	}
	failed := list("--failed")
	if len(failed) != 1 || failed[0].State != events.StateFailed || failed[0].ID != e.ID {
		t.Fatalf("--failed lists %+v", failed)
	}
	table, err := run("list")
	if err != nil || !strings.Contains(table, e.ID) || !strings.Contains(table, catalogue.EventStateFailed.F()) || !strings.Contains(table, catalogue.HeadAttempts.F()) {
		t.Fatalf("events list: %v\n%s", err, table)
	}
	if out, err := run("retry"); err == nil {
		t.Fatalf("retry without an id or --all: %s", out)
	}
	if out, err := run("retry", "--all", e.ID); err == nil {
		t.Fatalf("retry with both: %s", out)
	}
	if out, err := run("retry", "0000-unknown"); err == nil || !strings.Contains(err.Error(), "0000-unknown") {
		t.Fatalf("retry of an unknown id: %v %s", err, out)
	}
	hook.up(t)
	if out, err := run("retry", e.ID); err != nil || !strings.Contains(out, e.ID) {
		t.Fatalf("retry: %v %s", err, out)
	}
	scenario.WaitFor(t, 10*time.Second, func() string {
		if got := hook.bodies(); len(got) != 1 || got[0].ID != e.ID {
			return fmt.Sprintf("received %+v", got)
		}
		if n := len(list()); n != 0 {
			return fmt.Sprintf("%d still listed", n)
		}
		return ""
	})
	if out, err := run("retry", "--all"); err != nil || !strings.Contains(out, "0") {
		t.Fatalf("retry --all with nothing to retry: %v %s", err, out)
	}
}

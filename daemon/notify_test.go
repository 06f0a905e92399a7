package daemon_test

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/dossierd/dossierd/daemon"
	"github.com/dossierd/dossierd/scenario"
)

// listenNotify is the service manager's end of NOTIFY_SOCKET.
func listenNotify(t *testing.T, name string) *net.UnixConn {
	t.Helper()
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: name, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	t.Setenv("NOTIFY_SOCKET", name)
	return c
}

func receive(t *testing.T, c *net.UnixConn) string {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(30 * time.Second))
	buf := make([]byte, 4096)
	n, err := c.Read(buf)
	if err != nil {
		t.Fatalf("no notification: %v", err)
	}
	return string(buf[:n])
}

// The daemon tells systemd READY=1 once it serves and STOPPING=1 when it
// begins to shut down, on an abstract socket as systemd gives. Not
// parallel: NOTIFY_SOCKET is the process's environment.
func TestNotifyReadyAndStopping(t *testing.T) {
	c := listenNotify(t, fmt.Sprintf("@dossierd-test-%d-%d", os.Getpid(), time.Now().UnixNano()))
	env := scenario.Start(t, nil)
	if got := receive(t, c); got != "READY=1" {
		t.Fatalf("first notification %q, want READY=1", got)
	}
	env.Stop()
	if got := receive(t, c); got != "STOPPING=1" {
		t.Fatalf("notification at stop %q, want STOPPING=1", got)
	}
}

func TestNotifyPathSocketAndNone(t *testing.T) {
	c := listenNotify(t, filepath.Join(t.TempDir(), "notify"))
	if err := daemon.Notify("READY=1"); err != nil {
		t.Fatal(err)
	}
	if got := receive(t, c); got != "READY=1" {
		t.Errorf("got %q", got)
	}
	t.Setenv("NOTIFY_SOCKET", "")
	if err := daemon.Notify("READY=1"); err != nil {
		t.Errorf("without NOTIFY_SOCKET: %v", err)
	}
	t.Setenv("NOTIFY_SOCKET", "relative")
	if err := daemon.Notify("READY=1"); err == nil {
		t.Error("a relative NOTIFY_SOCKET accepted")
	}
}

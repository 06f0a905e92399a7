package events_test

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dossierd/dossierd/config"
	"github.com/dossierd/dossierd/scenario"
	"github.com/dossierd/dossierd/service"
)

// The receiver of the README (events/testdata/receiver.go, quoted there
// whole) runs against a real delivery: it accepts the signed event and
// refuses a forged one.
func TestREADMEReceiver(t *testing.T) {
	src, err := os.ReadFile("testdata/receiver.go")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(readme, []byte("```go\n"+string(src)+"```")) {
		t.Error("README.md does not quote events/testdata/receiver.go as it is")
	}
	bin := filepath.Join(t.TempDir(), "receiver")
	if out, err := exec.Command("go", "build", "-o", bin, "testdata/receiver.go").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	var out scenario.Buffer
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "SECRET="+secret, "ADDR="+addr)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	url := "http://" + addr + "/hook"
	for i := 0; ; i++ {
		resp, err := http.Post(url, "application/json", strings.NewReader(`{"forged":true}`))
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("a request without signature got %s", resp.Status)
			}
			break
		}
		if i == 100 {
			t.Fatalf("receiver not listening: %v\n%s", err, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	o := start(t, openStore(t), 24*time.Hour, config.Webhook{URL: url, Secret: secret, Events: []string{"upload"}})
	if err := o.Emit(context.Background(), service.Event{Type: "upload", Login: "acme", Path: "/Mes documents/a.pdf", Size: 3, SHA256: "abc"}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), `"path":"/Mes documents/a.pdf"`) {
		if time.Now().After(deadline) {
			t.Fatalf("the receiver did not print the event:\n%s", out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if strings.Contains(out.String(), "forged") {
		t.Fatalf("the receiver printed a forged event:\n%s", out.String())
	}
}

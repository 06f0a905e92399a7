package api

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/dossierd/dossierd/audit"
)

// TestConnsKicked: a change of the directory leaves a key's connection
// open (service.OpenFixed: there is no account to re-read); a kick closes
// it, an upload in flight on it finishes, the next call opens another.
func TestConnsKicked(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	srv := httptest.NewServer(e.h)
	defer srv.Close()

	pr, pw := io.Pipe()
	req, _ := http.NewRequest("PUT", srv.URL+"/api/v1/files/clients/C0042/long.pdf", pr)
	req.Header.Set("Authorization", "Bearer "+e.keys["tms"])
	done := make(chan *http.Response, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
		}
		done <- resp
	}()
	pw.Write([]byte("first half, "))
	deadline := time.Now().Add(5 * time.Second)
	for len(e.svc.Conns()) == 0 || e.svc.Conns()[0].OpenTransfers() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the upload did not start")
		}
		time.Sleep(10 * time.Millisecond)
	}
	e.svc.Refresh(ctx, true) // as Watch does after a change
	if n := len(e.svc.Conns()); n != 1 {
		t.Fatalf("%d connections after a directory change, want the key's one", n)
	}
	e.svc.Conns()[0].Kick("test") // as the shutdown's drain does
	pw.Write([]byte("second half"))
	pw.Close()
	resp := <-done
	if resp == nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload across the kick: %v", resp)
	}
	resp.Body.Close()
	if got, _ := os.ReadFile(filepath.Join(e.root, "clients/C0042/long.pdf")); string(got) != "first half, second half" {
		t.Errorf("on disk: %q", got)
	}
	if n := len(e.svc.Conns()); n != 0 {
		t.Errorf("%d connections left open after the kick", n)
	}
	expect(t, e.do(t, request{method: "GET", target: "/api/v1/files/clients/C0042/long.pdf", key: "tms"}), http.StatusOK, "")
	if n := len(e.svc.Conns()); n != 1 {
		t.Errorf("%d connections after the next call", n)
	}
	if evs := e.auditEvents(t, audit.Filter{Login: "apikey@tms", Action: audit.Login}, 2); len(evs) != 2 {
		t.Errorf("logins: %+v", evs)
	}

	// Unused for the idle time: closed at the next call of any key.
	e.h.conns.idle = time.Millisecond
	time.Sleep(5 * time.Millisecond)
	expect(t, e.do(t, request{method: "GET", target: "/api/v1/files/", key: "reader"}), http.StatusOK, "")
	deadline = time.Now().Add(5 * time.Second)
	for len(e.svc.Conns()) != 1 || e.svc.Conns()[0].Account().Login != "apikey@reader" {
		if time.Now().After(deadline) {
			t.Fatalf("idle connection not closed: %d open", len(e.svc.Conns()))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

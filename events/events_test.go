package events_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dossierd/dossierd/auth"
	"github.com/dossierd/dossierd/config"
	"github.com/dossierd/dossierd/events"
	"github.com/dossierd/dossierd/service"
)

const secret = "0123456789abcdef-secret"

// receiver is a webhook receiver for tests: it verifies every request's
// signature and keeps the bodies it accepted; fail makes it answer 503.
type receiver struct {
	t    testing.TB
	mu   sync.Mutex
	got  []events.Body
	raw  [][]byte
	fail int // requests still to refuse
	srv  *httptest.Server
}

func newReceiver(t testing.TB) *receiver {
	r := &receiver{t: t}
	r.srv = httptest.NewServer(r)
	t.Cleanup(func() { r.server().Close() })
	return r
}

func (r *receiver) server() *httptest.Server {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.srv
}

// url is where the receiver listens, down or up.
func (r *receiver) url() string { return r.server().URL }

// down closes the listener: connections are refused.
func (r *receiver) down() { r.server().Close() }

// up listens again on the same address.
func (r *receiver) up() {
	r.t.Helper()
	addr := strings.TrimPrefix(r.url(), "http://")
	var l net.Listener
	var err error
	for range 50 { // the port was ours a moment ago; retry while the kernel lets it go
		if l, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		r.t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(r)
	srv.Listener.Close()
	srv.Listener = l
	srv.Start()
	r.mu.Lock()
	r.srv = srv
	r.mu.Unlock()
}

// unique is what came, each id once, in the order of first arrival.
func (r *receiver) unique() []events.Body {
	seen := map[string]bool{}
	var out []events.Body
	for _, b := range r.bodies() {
		if !seen[b.ID] {
			seen[b.ID] = true
			out = append(out, b)
		}
	}
	return out
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	if !events.Verify(secret, body, req.Header.Get(events.HeaderSignature)) {
		r.t.Errorf("bad signature %q for %s", req.Header.Get(events.HeaderSignature), body)
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var b events.Body
	if err := json.Unmarshal(body, &b); err != nil || b.ID != req.Header.Get(events.HeaderID) {
		r.t.Errorf("body %s, id header %q: %v", body, req.Header.Get(events.HeaderID), err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail > 0 {
		r.fail--
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	r.got = append(r.got, b)
	r.raw = append(r.raw, body)
	w.WriteHeader(http.StatusNoContent)
}

func (r *receiver) bodies() []events.Body {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

// wait waits until n bodies have come.
func (r *receiver) wait(n int) []events.Body {
	r.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		got := r.bodies()
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("%d events received, want %d: %+v", len(got), n, got)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func openStore(t testing.TB) *auth.Store {
	t.Helper()
	s, err := auth.Open(filepath.Join(t.TempDir(), "d.db"), auth.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// start opens an outbox on store with hooks and delivers until the test ends.
func start(t testing.TB, store *auth.Store, retryFor time.Duration, hooks ...config.Webhook) *events.Outbox {
	t.Helper()
	o, err := events.Open(context.Background(), store.DB(), events.Options{Webhooks: hooks, RetryFor: retryFor})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); o.Deliver(ctx) }()
	t.Cleanup(func() { cancel(); <-done; o.Close() })
	return o
}

// shortBackoff sets the retries' waits for one test.
func shortBackoff(t testing.TB, base, max time.Duration) {
	old := events.Backoff
	events.Backoff.Base, events.Backoff.Max = base, max
	t.Cleanup(func() { events.Backoff = old })
}

func TestSignature(t *testing.T) {
	body := []byte(`{"id":"x"}`)
	sig := events.Sign("key", body)
	// echo -n '{"id":"x"}' | openssl dgst -sha256 -hmac key
	if sig != "sha256=9ceaa4a60fd94e663e15900ab1b5d7c00781640620d1414798d6ed63ed6ff2d7" {
		t.Fatalf("Sign = %s", sig)
	}
	if events.Verify("other", body, sig) || events.Verify("key", []byte(`{"id":"y"}`), sig) || !events.Verify("key", body, sig) {
		t.Fatal("Verify accepts what it must refuse, or refuses what it must accept")
	}
}

func TestEmitDelivers(t *testing.T) {
	store := openStore(t)
	r := newReceiver(t)
	other := newReceiver(t)
	o := start(t, store, 24*time.Hour,
		config.Webhook{URL: r.url(), Secret: secret, Events: []string{"upload", "delete"}},
		config.Webhook{URL: other.url(), Secret: secret, Events: []string{"login_failed"}})
	if !o.Wants("upload") || !o.Wants("login_failed") || o.Wants("download") {
		t.Fatal("Wants does not follow the webhooks' lists")
	}
	ctx := context.Background()
	up := service.Event{Type: "upload", Login: "acme", Role: "client", Ref: "C0042", Protocol: "SFTP", Remote: "127.0.0.1:40000",
		Path: "/Sessions/SST Lyon/Documents/a.pdf", StoragePath: "sessions/S2026-014/clients/C0042/a.pdf", Size: 0, SHA256: "e3b0"}
	if err := o.Emit(ctx, up); err != nil {
		t.Fatal(err)
	}
	if err := o.Emit(ctx, service.Event{Type: "download", Login: "acme"}); err != nil { // nobody wants it
		t.Fatal(err)
	}
	if err := o.Emit(ctx, service.Event{Type: "delete", Login: "acme", Path: "/Mes documents/b.pdf", StoragePath: "clients/C0042/b.pdf"}); err != nil {
		t.Fatal(err)
	}
	got := r.wait(2)
	b := got[0]
	if b.Type != "upload" || b.Login != "acme" || b.Role != "client" || b.Ref != "C0042" || b.Protocol != "SFTP" || b.IP != "127.0.0.1" ||
		b.Path != up.Path || b.StoragePath != up.StoragePath || b.Session != "S2026-014" || b.Size == nil || *b.Size != 0 || b.SHA256 != "e3b0" || b.Time.IsZero() {
		t.Fatalf("upload event %+v", b)
	}
	if got[1].Type != "delete" || got[1].Session != "" || got[1].Size != nil {
		t.Fatalf("delete event %+v", got[1])
	}
	if len(other.bodies()) != 0 {
		t.Fatal("a webhook got an event it does not list")
	}
	time.Sleep(200 * time.Millisecond)
	if n := len(r.bodies()); n != 2 {
		t.Fatalf("%d deliveries, want 2", n)
	}
}

// A receiver that refuses for a while gets everything afterwards, in
// order per login; the retries back off.
func TestRetriesInOrderPerLogin(t *testing.T) {
	shortBackoff(t, 50*time.Millisecond, 200*time.Millisecond)
	store := openStore(t)
	r := newReceiver(t)
	r.fail = 5
	o := start(t, store, 24*time.Hour, config.Webhook{URL: r.url(), Secret: secret, Events: []string{"mkdir"}})
	logins := []string{"a", "b", "c"}
	var wg sync.WaitGroup
	for _, l := range logins {
		wg.Go(func() {
			for i := range 20 {
				if err := o.Emit(context.Background(), service.Event{Type: "mkdir", Login: l, Path: "/" + l + "/" + string(rune('A'+i))}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	got := r.wait(60)
	for _, l := range logins {
		var seen []string
		for _, b := range got {
			if b.Login == l {
				seen = append(seen, b.Path)
			}
		}
		if len(seen) != 20 || !slices.IsSorted(seen) {
			t.Fatalf("login %s: %v", l, seen)
		}
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		pending, err := events.List(context.Background(), store.DB(), false)
		if err != nil {
			t.Fatal(err)
		}
		if len(pending) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d still listed after delivery", len(pending))
		}
	}
	if n := len(r.bodies()); n != 60 {
		t.Fatalf("%d deliveries, want 60", n)
	}
}

// An event refused for the whole retry time is kept as failed, listed,
// and delivered by retry.
func TestFailedAndRetry(t *testing.T) {
	shortBackoff(t, 10*time.Millisecond, 10*time.Millisecond)
	store := openStore(t)
	r := newReceiver(t)
	r.fail = 1 << 30
	// A password in the URL is sent, and never shown.
	withPassword := strings.Replace(r.url(), "http://", "http://tms:hunter2@", 1)
	o := start(t, store, 300*time.Millisecond, config.Webhook{URL: withPassword, Secret: secret, Events: []string{"rename"}})
	if err := o.Emit(context.Background(), service.Event{Type: "rename", Login: "x", Path: "/a", Target: "/b"}); err != nil {
		t.Fatal(err)
	}
	var failed []events.Entry
	for deadline := time.Now().Add(10 * time.Second); len(failed) == 0; time.Sleep(20 * time.Millisecond) {
		var err error
		if failed, err = events.List(context.Background(), store.DB(), true); err != nil {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatal("the event is not kept as failed")
		}
	}
	e := failed[0]
	if e.State != events.StateFailed || e.Attempts < 1 || e.LastError == "" || e.Type != "rename" ||
		strings.Contains(e.Webhook, "hunter2") || strings.Contains(e.LastError, "hunter2") {
		t.Fatalf("failed entry %+v", e)
	}
	r.mu.Lock()
	r.fail = 0
	r.mu.Unlock()
	time.Sleep(100 * time.Millisecond)
	if len(r.bodies()) != 0 {
		t.Fatal("a failed event was delivered without a retry")
	}
	if n, err := events.Retry(context.Background(), store.DB(), "no-such-id"); err != nil || n != 0 {
		t.Fatalf("retry of an unknown id: %d %v", n, err)
	}
	if n, err := events.Retry(context.Background(), store.DB(), e.ID); err != nil || n != 1 {
		t.Fatalf("retry: %d %v", n, err)
	}
	got := r.wait(1)
	if got[0].ID != e.ID || got[0].Target != "/b" {
		t.Fatalf("delivered %+v", got[0])
	}
}

// account_disabled fires once per account that stops being usable,
// however it happened, and not for what the first look finds.
func TestAccountDisabled(t *testing.T) {
	store := openStore(t)
	r := newReceiver(t)
	o := start(t, store, 24*time.Hour, config.Webhook{URL: r.url(), Secret: secret, Events: []string{"account_disabled"}})
	ctx := context.Background()
	add := func(login, expires string, disabled bool) {
		if _, err := store.AddAccount(ctx, auth.Account{Login: login, Role: "staff", ExpiresAt: expires, Disabled: disabled}, ""); err != nil {
			t.Fatal(err)
		}
	}
	add("already-off", "", true)
	add("alice", "", false)
	add("bob", "", false)
	add("carol", "2030-01-01", false)
	now := time.Now()
	check := func(at time.Time) {
		t.Helper()
		if err := o.CheckAccounts(ctx, store, at); err != nil {
			t.Fatal(err)
		}
	}
	check(now) // the first look: nothing to tell
	if err := store.SetDisabled(ctx, "alice", true); err != nil {
		t.Fatal(err)
	}
	if err := store.DeleteAccount(ctx, "bob"); err != nil {
		t.Fatal(err)
	}
	if err := store.DeleteAccount(ctx, "already-off"); err != nil {
		t.Fatal(err)
	}
	check(now)
	check(now)
	check(time.Date(2030, 1, 2, 12, 0, 0, 0, time.Local)) // carol's date passed
	check(time.Date(2030, 1, 3, 12, 0, 0, 0, time.Local))
	r.wait(3)
	time.Sleep(200 * time.Millisecond) // nothing more comes
	got := r.bodies()
	reasons := map[string]string{}
	for _, b := range got {
		if b.Type != "account_disabled" || b.Role != "staff" {
			t.Fatalf("event %+v", b)
		}
		reasons[b.Login] = b.Reason
	}
	want := map[string]string{"alice": "disabled", "bob": "deleted", "carol": "expired"}
	if len(got) != 3 || len(reasons) != 3 || reasons["alice"] != want["alice"] || reasons["bob"] != want["bob"] || reasons["carol"] != want["carol"] {
		t.Fatalf("events %+v, want one per account %v", got, want)
	}
	// Enabled again, then disabled again: a new change, a new event.
	if err := store.SetDisabled(ctx, "alice", false); err != nil {
		t.Fatal(err)
	}
	check(now)
	if err := store.SetDisabled(ctx, "alice", true); err != nil {
		t.Fatal(err)
	}
	check(now)
	if got := r.wait(4); got[3].Login != "alice" || got[3].Reason != "disabled" {
		t.Fatalf("second disable: %+v", got[3])
	}
}

func TestSessionOf(t *testing.T) {
	for in, want := range map[string]string{
		"sessions/S2026-014/clients/C0042/a.pdf": "S2026-014",
		"sessions/S2026-014":                     "S2026-014",
		"clients/C0042/a.pdf":                    "",
		"FTPDOSSIERPERSO/sessions/x":             "",
		"":                                       "",
	} {
		if got := events.SessionOf(in); got != want {
			t.Errorf("SessionOf(%q) = %q, want %q", in, got, want)
		}
	}
}

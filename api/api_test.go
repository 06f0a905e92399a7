package api

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/dossierd/dossierd/audit"
)

// TestRoutesDocumented: the OpenAPI document is valid OpenAPI 3.1 (as
// kin-openapi checks it), describes every route of the router with its
// scope, and nothing the router does not serve.
func TestRoutesDocumented(t *testing.T) {
	doc := loadDoc(t)
	if doc.OpenAPI != "3.1.0" || !doc.IsOpenAPI31OrLater() {
		t.Fatalf("openapi %q, want 3.1.0", doc.OpenAPI)
	}
	h := New(Options{})
	served := map[string]bool{}
	for _, rt := range h.routes() {
		served[rt.method+" "+rt.path] = true
		item := doc.Paths.Value(rt.path)
		if item == nil || item.GetOperation(rt.method) == nil {
			t.Errorf("route %s %s is missing from openapi.json", rt.method, rt.path)
			continue
		}
		op := item.GetOperation(rt.method)
		if got, _ := op.Extensions["x-scope"].(string); got != rt.scope {
			t.Errorf("%s %s: openapi.json says scope %q, the router %q", rt.method, rt.path, got, rt.scope)
		}
		if op.Responses.Default() == nil {
			t.Errorf("%s %s: no default (problem) response", rt.method, rt.path)
		}
	}
	for p, item := range doc.Paths.Map() {
		for m := range item.Operations() {
			if !served[m+" "+p] {
				t.Errorf("openapi.json describes %s %s, which the router does not serve", m, p)
			}
		}
	}
}

// TestServedDocument: the document is served, without a key.
func TestServedDocument(t *testing.T) {
	e := newEnv(t)
	w := e.do(t, request{method: "GET", target: "/api/v1/openapi.json"})
	expect(t, w, http.StatusOK, "")
	if !strings.Contains(w.Body.String(), `"openapi": "3.1.0"`) {
		t.Errorf("served %.100s", w.Body)
	}
}

// TestKeys: no key, a key unknown, expired or revoked get 401 with a
// Bearer challenge; a key without the scope gets 403; every call is
// audited under the key's name.
func TestKeys(t *testing.T) {
	e := newEnv(t)
	for i, tt := range []struct {
		name, key, challenge string
	}{
		{"no key", "", `Bearer realm="dossierd"`},
		{"basic", "Basic YWNtZTpwdw==", `Bearer realm="dossierd"`},
		{"unknown", "Bearer dsk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", `error="invalid_token"`},
		{"not ours", "Bearer abc", `error="invalid_token"`},
		{"expired", "old", `error="invalid_token"`},
		{"revoked", "revoked", `error="invalid_token"`},
	} {
		// One address each: three bad keys from one would ban it.
		w := e.do(t, request{method: "GET", target: "/api/v1/accounts", key: tt.key, remote: fmt.Sprintf("192.0.2.%d:1000", i+1)})
		expect(t, w, http.StatusUnauthorized, "unauthorized")
		if c := w.Header().Get("WWW-Authenticate"); !strings.Contains(c, tt.challenge) || !strings.HasPrefix(c, "Bearer") {
			t.Errorf("%s: WWW-Authenticate %q", tt.name, c)
		}
	}
	w := e.do(t, request{method: "GET", target: "/api/v1/audit", key: "reader"})
	if m := expect(t, w, http.StatusForbidden, "scope"); m["detail"] != `this API key lacks the scope "audit:read"` {
		t.Errorf("detail %v", m["detail"])
	}
	expect(t, e.do(t, request{method: "GET", target: "/api/v1/accounts", key: "reader"}), http.StatusOK, "")

	// The refused keys were audited as failed logins, under the key's
	// name when it has one; the calls under the key's name.
	logins := e.auditEvents(t, audit.Filter{Action: audit.Login, Since: time.Now().Add(-time.Minute)}, 4)
	var got []string
	for _, ev := range logins {
		got = append(got, ev.Login+" "+ev.Protocol+" "+ev.Result)
	}
	all := strings.Join(got, "\n")
	for _, want := range []string{`apikey API unknown API key`, `apikey@old API API key "old" expired on 2020-01-31`, `apikey@revoked API API key revoked`} {
		if !strings.Contains(all, want) {
			t.Errorf("audit lacks %q:\n%s", want, all)
		}
	}
	calls := e.auditEvents(t, audit.Filter{Login: "apikey@reader", Action: "api"}, 2)
	if len(calls) != 2 || calls[0].Path != "GET /api/v1/audit" || !strings.HasPrefix(calls[0].Result, "403 ") ||
		calls[1].Path != "GET /api/v1/accounts" || calls[1].Result != "ok" || calls[1].Protocol != "API" {
		t.Errorf("calls audited: %+v", calls)
	}
}

// TestBadKeysBanned: bad keys score the address as failed logins of an
// unknown user; once banned, even a good key is refused before any work.
func TestBadKeysBanned(t *testing.T) {
	e := newEnv(t)
	const remote = "198.51.100.7:4000"
	for i := 0; i < 3; i++ {
		expect(t, e.do(t, request{method: "GET", target: "/api/v1/accounts", key: "Bearer dsk_guess", remote: remote}), http.StatusUnauthorized, "unauthorized")
	}
	w := e.do(t, request{method: "GET", target: "/api/v1/accounts", key: "tms", remote: remote})
	expect(t, w, http.StatusTooManyRequests, "banned")
	if w.Header().Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
	// Another address is not concerned.
	expect(t, e.do(t, request{method: "GET", target: "/api/v1/accounts", key: "tms", remote: "198.51.100.8:4000"}), http.StatusOK, "")
}

// TestUnrouted: a path outside the routes is a 404 problem, a method the
// path does not take a 405 with Allow.
func TestUnrouted(t *testing.T) {
	e := newEnv(t)
	expect(t, e.do(t, request{method: "GET", target: "/api/v1/nothing", key: "tms"}), http.StatusNotFound, "not-found")
	w := e.do(t, request{method: "PATCH", target: "/api/v1/accounts/acme", key: "tms"})
	expect(t, w, http.StatusMethodNotAllowed, "method-not-allowed")
	if a := w.Header().Get("Allow"); a != "GET, PUT, DELETE" {
		t.Errorf("Allow %q", a)
	}
}

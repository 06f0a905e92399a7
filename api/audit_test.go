package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/dossierd/dossierd/audit"
	"github.com/dossierd/dossierd/vfs"
)

func TestAudit(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	// A trainee uploads over another protocol: the trail has the path as
	// they saw it, the API adds where it is in the storage.
	a, err := e.store.Account(ctx, "jdupont")
	if err != nil {
		t.Fatal(err)
	}
	c, err := e.svc.Open(ctx, a, "SFTP", "203.0.113.5:2200", nil)
	if err != nil {
		t.Fatal(err)
	}
	u, err := c.Upload("/Mes documents/attestation.pdf", vfs.Replace)
	if err != nil {
		t.Fatal(err)
	}
	u.Write([]byte("pdf"))
	if err := u.Close(); err != nil {
		t.Fatal(err)
	}
	c.Close()
	expect(t, e.do(t, request{method: "PUT", target: "/api/v1/files/clients/C0042/facture.pdf", key: "tms", body: []byte("x")}), http.StatusCreated, "")
	e.auditEvents(t, audit.Filter{Action: audit.Upload}, 2)

	today := time.Now().Format(time.DateOnly)
	w := e.do(t, request{method: "GET", target: "/api/v1/audit?action=upload&since=" + today, key: "auditor"})
	var page auditJSON
	json.Unmarshal(w.Body.Bytes(), &page)
	if w.Code != 200 || len(page.Events) != 2 || page.Truncated {
		t.Fatalf("audit: %s", w.Body)
	}
	if ev := page.Events[0]; ev.Login != "jdupont" || ev.Path != "/Mes documents/attestation.pdf" || ev.StoragePath != "stagiaires/T0107/attestation.pdf" || ev.Protocol != "SFTP" {
		t.Errorf("trainee's upload: %+v", ev)
	}
	if ev := page.Events[1]; ev.Login != "apikey@tms" || ev.StoragePath != "clients/C0042/facture.pdf" {
		t.Errorf("key's upload: %+v", ev)
	}
	w = e.do(t, request{method: "GET", target: "/api/v1/audit?login=JDUPONT&limit=1", key: "auditor"})
	json.Unmarshal(w.Body.Bytes(), &page)
	if len(page.Events) != 1 || !page.Truncated || page.Events[0].Action != audit.Login {
		t.Errorf("login filter, limit: %s", w.Body)
	}
	tomorrow := time.Now().AddDate(0, 0, 1).Format(time.DateOnly)
	w = e.do(t, request{method: "GET", target: "/api/v1/audit?since=" + tomorrow, key: "auditor"})
	if json.Unmarshal(w.Body.Bytes(), &page); len(page.Events) != 0 {
		t.Errorf("since tomorrow: %s", w.Body)
	}
	w = e.do(t, request{method: "GET", target: "/api/v1/audit?until=" + today + "&path=facture", key: "auditor"})
	// The upload, and the call (whose target holds the path).
	if json.Unmarshal(w.Body.Bytes(), &page); len(page.Events) != 2 || page.Events[0].Action != audit.Upload || page.Events[1].Action != "api" {
		t.Errorf("until today, path: %s", w.Body)
	}
	since := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	w = e.do(t, request{method: "GET", target: "/api/v1/audit?action=upload&since=" + since, key: "auditor"})
	if json.Unmarshal(w.Body.Bytes(), &page); len(page.Events) != 2 {
		t.Errorf("since an instant: %s", w.Body)
	}
	for _, q := range []string{"since=yesterday", "until=31/12/2026", "limit=0", "limit=x"} {
		m := expect(t, e.do(t, request{method: "GET", target: "/api/v1/audit?" + q, key: "auditor"}), http.StatusBadRequest, "bad-query")
		if !strings.Contains(m["detail"].(string), "expected") {
			t.Errorf("%s: %v", q, m["detail"])
		}
	}
}

func TestInvitation(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	w := e.do(t, request{method: "POST", target: "/api/v1/accounts/acme/invitation", key: "tms", body: []byte(`{"hours": 48}`)})
	m := expect(t, w, http.StatusCreated, "")
	url, _ := m["url"].(string)
	if !strings.HasPrefix(url, "https://depot.example.fr/invitation/") || m["sent"] != false {
		t.Fatalf("invitation: %s", w.Body)
	}
	exp, _ := time.Parse(time.RFC3339, m["expires_at"].(string))
	if d := time.Until(exp); d < 47*time.Hour || d > 48*time.Hour {
		t.Errorf("expires in %v", d)
	}
	if a, err := e.store.CheckInvitation(ctx, strings.TrimPrefix(url, "https://depot.example.fr/invitation/")); err != nil || a.Login != "acme" {
		t.Errorf("the link does not serve: %v", err)
	}
	// No body: 72 hours.
	m = expect(t, e.do(t, request{method: "POST", target: "/api/v1/accounts/acme/invitation", key: "tms"}), http.StatusCreated, "")
	exp, _ = time.Parse(time.RFC3339, m["expires_at"].(string))
	if d := time.Until(exp); d < 71*time.Hour || d > 72*time.Hour {
		t.Errorf("default: expires in %v", d)
	}

	// send: the account needs an address.
	m = expect(t, e.do(t, request{method: "POST", target: "/api/v1/accounts/acme/invitation", key: "tms", body: []byte(`{"send": true}`)}), http.StatusUnprocessableEntity, "no-email")
	if m["pointer"] != "/send" {
		t.Errorf("no email: %v", m)
	}
	expect(t, e.do(t, request{method: "PUT", target: "/api/v1/accounts/acme", key: "tms",
		body: []byte(`{"role": "client", "ref": "C0042", "name": "ACME SARL", "email": "contact@acme.example"}`)}), http.StatusOK, "")
	m = expect(t, e.do(t, request{method: "POST", target: "/api/v1/accounts/acme/invitation", key: "tms", body: []byte(`{"send": true, "hours": 1}`)}), http.StatusCreated, "")
	if m["sent"] != true || m["email"] != "contact@acme.example" || len(e.invites) != 1 || e.invites[0] != "contact@acme.example "+m["url"].(string) {
		t.Errorf("sent: %v, %v", m, e.invites)
	}

	for _, tt := range []struct {
		body, pointer string
	}{
		{`{"hours": 0}`, "/hours"},
		{`{"hours": 721}`, "/hours"},
		{`{"hours": "72"}`, "/hours"},
		{`{"days": 3}`, "/days"},
	} {
		m := expect(t, e.do(t, request{method: "POST", target: "/api/v1/accounts/acme/invitation", key: "tms", body: []byte(tt.body)}), http.StatusUnprocessableEntity, "invalid")
		if m["pointer"] != tt.pointer {
			t.Errorf("%s: pointer %v", tt.body, m["pointer"])
		}
	}
	expect(t, e.do(t, request{method: "POST", target: "/api/v1/accounts/acme/invitation", key: "tms", body: []byte(`{"hours": 1`)}), http.StatusBadRequest, "malformed-json")
	expect(t, e.do(t, request{method: "POST", target: "/api/v1/accounts/nobody/invitation", key: "tms"}), http.StatusNotFound, "not-found")
	expect(t, e.do(t, request{method: "POST", target: "/api/v1/accounts/acme/disable", key: "tms"}), http.StatusOK, "")
	expect(t, e.do(t, request{method: "POST", target: "/api/v1/accounts/acme/invitation", key: "tms"}), http.StatusConflict, "conflict")
	expect(t, e.do(t, request{method: "POST", target: "/api/v1/accounts/globex/invitation", key: "reader"}), http.StatusForbidden, "scope")

	// Without a mail relay, send is refused before a link is made.
	e.h.o.SendInvitation = nil
	expect(t, e.do(t, request{method: "POST", target: "/api/v1/accounts/globex/invitation", key: "tms", body: []byte(`{"send": true}`)}), http.StatusServiceUnavailable, "no-mail-relay")
}

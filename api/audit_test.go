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

package api

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/dossierd/dossierd/config"
	"github.com/dossierd/dossierd/mailer"
)

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
	if err := e.store.SetEmail(ctx, "acme", ""); err != nil {
		t.Fatal(err)
	}
	m = expect(t, e.do(t, request{method: "POST", target: "/api/v1/accounts/acme/invitation", key: "tms", body: []byte(`{"send": true}`)}), http.StatusUnprocessableEntity, "no-email")
	if m["pointer"] != "/send" {
		t.Errorf("no email: %v", m)
	}
	expect(t, e.do(t, request{method: "PUT", target: "/api/v1/accounts/acme", key: "tms",
		body: []byte(`{"role": "client", "ref": "C0042", "name": "ACME SARL", "email": "contact@acme.example"}`)}), http.StatusOK, "")
	m = expect(t, e.do(t, request{method: "POST", target: "/api/v1/accounts/acme/invitation", key: "tms", body: []byte(`{"send": true, "hours": 1}`)}), http.StatusCreated, "")
	mails := e.inbox()
	if m["sent"] != true || m["email"] != "contact@acme.example" || len(mails) != 1 || mails[0].To[0] != "contact@acme.example" || !strings.Contains(mails[0].Body, m["url"].(string)) {
		t.Errorf("sent: %v, %+v", m, mails)
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
	e.h.o.Mailer = nil
	expect(t, e.do(t, request{method: "POST", target: "/api/v1/accounts/globex/invitation", key: "tms", body: []byte(`{"send": true}`)}), http.StatusServiceUnavailable, "no-mail-relay")

	// A relay that does not answer: 502, said so.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	e.h.o.Mailer = mailer.New(config.SMTP{Host: "127.0.0.1", Port: port, From: "noreply@example.org"}, nil)
	expect(t, e.do(t, request{method: "POST", target: "/api/v1/accounts/acme/enable", key: "tms"}), http.StatusOK, "")
	m = expect(t, e.do(t, request{method: "POST", target: "/api/v1/accounts/acme/invitation", key: "tms", body: []byte(`{"send": true}`)}), http.StatusBadGateway, "mail-failed")
	if !strings.Contains(m["detail"].(string), "the email was not sent") {
		t.Errorf("relay down: %v", m["detail"])
	}
}

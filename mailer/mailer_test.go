package mailer

import (
	"context"
	"errors"
	"net"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/dossierd/dossierd/catalogue"
	"github.com/dossierd/dossierd/config"
	"github.com/dossierd/dossierd/mailer/mailtest"
)

const link = "https://depot.example.fr/invitation/q1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6j7k8l9z0x1c"

// send mails an invitation through srv with a Mailer that trusts srv's
// certificate.
func send(t *testing.T, srv *mailtest.Server, reset bool) error {
	t.Helper()
	m := New(srv.Config, nil)
	m.roots = srv.RootCAs
	return m.SendInvitation(context.Background(), "jeanne.dupont@example.org", "Jeanne Dupoñt", link, time.Date(2026, 12, 7, 14, 5, 0, 0, time.Local), reset)
}

func TestSendModes(t *testing.T) {
	for _, tt := range []struct {
		name string
		opts mailtest.Options
		tls  bool
	}{
		{"none", mailtest.Options{}, false},
		{"none, AUTH on localhost", mailtest.Options{User: "relay", Password: "pw"}, false},
		{"STARTTLS", mailtest.Options{Encryption: EncryptionSTARTTLS}, true},
		{"STARTTLS, AUTH PLAIN", mailtest.Options{Encryption: EncryptionSTARTTLS, User: "relay", Password: "pw"}, true},
		{"STARTTLS, AUTH LOGIN only", mailtest.Options{Encryption: EncryptionSTARTTLS, User: "relay", Password: "pw", Mechanisms: "LOGIN"}, true},
		{"implicit TLS, AUTH", mailtest.Options{Encryption: EncryptionTLS, User: "relay", Password: "pw"}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := mailtest.StartServer(t, tt.opts)
			if err := send(t, srv, false); err != nil {
				t.Fatal(err)
			}
			msgs := srv.Messages()
			if len(msgs) != 1 {
				t.Fatalf("%d mails received", len(msgs))
			}
			m := msgs[0]
			if m.TLS != tt.tls || m.User != tt.opts.User {
				t.Errorf("TLS %v user %q, want %v %q", m.TLS, m.User, tt.tls, tt.opts.User)
			}
			if m.From != "noreply@example.org" || len(m.To) != 1 || m.To[0] != "jeanne.dupont@example.org" {
				t.Errorf("envelope %q -> %q", m.From, m.To)
			}
		})
	}
}

// TestInvitationMail reads the mail as a mail program does: headers,
// decoding, the French text with the link alone on its line.
func TestInvitationMail(t *testing.T) {
	srv := mailtest.StartServer(t, mailtest.Options{})
	for _, reset := range []bool{false, true} {
		if err := send(t, srv, reset); err != nil {
			t.Fatal(err)
		}
	}
	msgs := srv.Messages()
	if len(msgs) != 2 {
		t.Fatalf("%d mails", len(msgs))
	}
	inv, reset := msgs[0], msgs[1]
	h := inv.Header
	for k, want := range map[string]string{
		"Content-Type":              "text/plain; charset=utf-8",
		"Content-Transfer-Encoding": "quoted-printable",
		"Mime-Version":              "1.0",
		"Auto-Submitted":            "auto-generated",
		"Content-Language":          "fr",
	} {
		if got := h.Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	if inv.Subject != "Choisissez le mot de passe de votre espace privé" || !strings.HasPrefix(h.Get("Subject"), "=?utf-8?q?") {
		t.Errorf("subject %q (raw %q)", inv.Subject, h.Get("Subject"))
	}
	to, err := h.AddressList("To")
	if err != nil || len(to) != 1 || to[0].Name != "Jeanne Dupoñt" || to[0].Address != "jeanne.dupont@example.org" {
		t.Errorf("To %q: %v %v", h.Get("To"), to, err)
	}
	from, err := mail.ParseAddress(h.Get("From"))
	if err != nil || from.Address != "noreply@example.org" || from.Name != "Organisme de formation" {
		t.Errorf("From %q", h.Get("From"))
	}
	if _, err := h.Date(); err != nil {
		t.Errorf("Date %q: %v", h.Get("Date"), err)
	}
	if id := h.Get("Message-Id"); !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, "@example.org>") {
		t.Errorf("Message-ID %q", id)
	}
	for _, want := range []string{"Bonjour Jeanne Dupoñt,\n", "\n\n" + link + "\n\n", "choisir votre mot de passe", "expire le 07/12/2026 à 14:05", "ignorez-le"} {
		if !strings.Contains(inv.Body, want) {
			t.Errorf("invitation body lacks %q:\n%s", want, inv.Body)
		}
	}
	for _, want := range []string{"nouveau mot de passe", "\n" + link + "\n", "votre mot de passe actuel reste valable"} {
		if !strings.Contains(reset.Body, want) {
			t.Errorf("reset body lacks %q:\n%s", want, reset.Body)
		}
	}
	if reset.Subject == inv.Subject {
		t.Error("the reset mail has the invitation's subject")
	}
	// On the wire: CRLF lines of at most 76 characters, ASCII only.
	for _, line := range strings.Split(string(inv.Raw), "\n") {
		if len(line) > 78 {
			t.Errorf("line of %d characters: %q", len(line), line)
		}
		for _, c := range []byte(line) {
			if c >= 0x80 {
				t.Fatalf("8-bit byte on the wire: %q", line)
			}
		}
	}
}

func TestInvitationMailInEnglish(t *testing.T) {
	catalogue.Set(catalogue.English)
	defer catalogue.Set(catalogue.French)
	_, body := invitationText("", link, time.Date(2026, 12, 7, 14, 5, 0, 0, time.Local), false)
	if !strings.HasPrefix(body, "Hello,\n") || !strings.Contains(body, "expires on 2026-12-07 14:05") {
		t.Errorf("body %q", body)
	}
}

func TestSendRefusals(t *testing.T) {
	ctx := context.Background()
	exp := time.Now().Add(time.Hour)
	noTLS := mailtest.StartServer(t, mailtest.Options{Encryption: EncryptionSTARTTLS, NoSTARTTLS: true})
	noAuth := mailtest.StartServer(t, mailtest.Options{Encryption: EncryptionNone})
	wrongPW := mailtest.StartServer(t, mailtest.Options{User: "relay", Password: "right"})
	withAuth := noAuth.Config
	withAuth.User, withAuth.Password = "relay", "pw"
	wrong := wrongPW.Config
	wrong.Password = "wrong"
	remote := config.SMTP{Host: "smtp.example.org", Port: 25, From: "a@example.org", User: "u", Password: "p"}

	for _, tt := range []struct {
		name string
		cfg  config.SMTP
		to   string
		want string
	}{
		{"not configured", config.SMTP{}, "a@example.org", "aucun relais de messagerie configuré (smtp.host)"},
		{"bad address", noAuth.Config, "Jeanne <a@example.org>", `"Jeanne <a@example.org>" n'est pas une adresse électronique`},
		{"header injection", noAuth.Config, "a@example.org\r\nBcc: b@example.org", "n'est pas une adresse électronique"},
		{"STARTTLS not offered", noTLS.Config, "a@example.org", "ne propose pas STARTTLS, que smtp.encryption 2 exige ; rien n'a été envoyé"},
		{"AUTH not offered", withAuth, "a@example.org", "ne propose pas d'authentification"},
		{"wrong password", wrong, "a@example.org", "535"},
		{"password in clear", remote, "a@example.org", "le mot de passe du relais smtp.example.org passerait en clair ; choisissez smtp.encryption 2"},
	} {
		m := New(tt.cfg, nil)
		err := m.SendInvitation(ctx, tt.to, "", link, exp, false)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.want)
		}
	}
	if n := len(noTLS.Messages()) + len(noAuth.Messages()) + len(wrongPW.Messages()); n != 0 {
		t.Errorf("%d mails went through", n)
	}

	// An untrusted certificate is refused (the system's roots do not
	// know the test's authority).
	tlsSrv := mailtest.StartServer(t, mailtest.Options{Encryption: EncryptionSTARTTLS})
	if err := New(tlsSrv.Config, nil).SendInvitation(ctx, "a@example.org", "", link, exp, false); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("untrusted certificate: %v", err)
	}
}

// TestSendTimeout: a relay that accepts and then says nothing.
func TestSendTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	m := New(config.SMTP{Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port, From: "a@example.org"}, nil)
	m.timeout = 200 * time.Millisecond
	start := time.Now()
	err = m.SendInvitation(context.Background(), "b@example.org", "", link, time.Now(), false)
	if err == nil || time.Since(start) > 5*time.Second {
		t.Errorf("silent relay: %v after %v", err, time.Since(start))
	}
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("error %v is not a timeout", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	m.timeout = time.Minute
	time.AfterFunc(100*time.Millisecond, cancel)
	start = time.Now()
	if err := m.SendInvitation(ctx, "b@example.org", "", link, time.Now(), false); err == nil || time.Since(start) > 5*time.Second {
		t.Errorf("cancelled: %v after %v", err, time.Since(start))
	}
}

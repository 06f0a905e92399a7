package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/dossierd/dossierd/auth"
	"github.com/dossierd/dossierd/config"
	"github.com/dossierd/dossierd/mailer/mailtest"
)

var linkRE = regexp.MustCompile(`https?://\S+`)

// inviteLink is the link of an invite's output: its first URL, which
// must also be its last line.
func inviteLink(t *testing.T, out string) (link, token string) {
	t.Helper()
	link = linkRE.FindString(out)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if link == "" || lines[len(lines)-1] != link {
		t.Fatalf("output %q: the link is not the first URL and the last line", out)
	}
	token, ok := strings.CutPrefix(link, "https://depot.example.fr"+config.InvitationPath)
	if !ok {
		t.Fatalf("link %q is not under httpd.base_url", link)
	}
	return link, token
}

func smtpJSON(s config.SMTP) string {
	b, _ := json.Marshal(map[string]any{"host": s.Host, "port": s.Port, "from": s.From, "encryption": s.Encryption})
	return string(b)
}

func TestAccountInvite(t *testing.T) {
	ctx := context.Background()
	smtpCfg, inbox := mailtest.Start(t)
	withSMTP := fmt.Sprintf(`{"sftpd": {"bindings": []}, "ftpd": {"bindings": []}, "httpd": {"base_url": "https://depot.example.fr/"}, "smtp": %s}`, smtpJSON(smtpCfg))
	run, storage := cliEnvConfig(t, withSMTP)
	db := filepath.Join(filepath.Dir(storage), "dossierd.db")
	for _, args := range [][]string{
		{"account", "add", "jdupont", "--role", "trainee", "--ref", "T0107", "--name", "Jeanne Dupont", "--email", "jeanne.dupont@example.org"},
		{"account", "add", "acme", "--role", "client", "--ref", "C0042"},
		{"account", "add", "gone", "--role", "client", "--ref", "C0099"},
		{"account", "disable", "gone"},
	} {
		if _, err := run(args...); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
	}

	out, err := run("account", "invite", "jdupont")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, `Lien pour que "jdupont" choisisse son mot de passe, valable une fois jusqu'au `) {
		t.Errorf("output %q", out)
	}
	_, first := inviteLink(t, out)
	store := openStore(t, db)
	if a, err := store.CheckInvitation(ctx, first); err != nil || a.Login != "jdupont" {
		t.Fatalf("CheckInvitation(first) = %q, %v", a.Login, err)
	}

	// A second link replaces the first.
	out, err = run("account", "invite", "jdupont", "--hours", "1")
	if err != nil {
		t.Fatal(err)
	}
	_, second := inviteLink(t, out)
	if _, err := store.CheckInvitation(ctx, first); !errors.Is(err, auth.ErrInvitationReplaced) {
		t.Errorf("first link after the second: %v", err)
	}
	if _, err := store.CheckInvitation(ctx, second); err != nil {
		t.Errorf("second link: %v", err)
	}

	// --send mails it to the account's address.
	out, err = run("account", "invite", "jdupont", "--send")
	if err != nil {
		t.Fatal(err)
	}
	link, third := inviteLink(t, out)
	if !strings.Contains(out, "envoyé à jeanne.dupont@example.org") {
		t.Errorf("--send output %q does not say where", out)
	}
	msgs := inbox()
	if len(msgs) != 1 || msgs[0].To[0] != "jeanne.dupont@example.org" || !strings.Contains(msgs[0].Body, "\n"+link+"\n") ||
		!strings.Contains(msgs[0].Body, "Bonjour Jeanne Dupont,") {
		t.Fatalf("mails %+v", msgs)
	}
	if _, err := store.CheckInvitation(ctx, second); !errors.Is(err, auth.ErrInvitationReplaced) {
		t.Errorf("second link after the mailed one: %v", err)
	}

	// Refusals, none of which makes a link.
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"account", "invite", "gone"}, `le compte "gone" est désactivé`},
		{[]string{"account", "invite", "nobody"}, `le compte "nobody" n'existe pas`},
		{[]string{"account", "invite", "acme", "--send"}, `le compte "acme" n'a pas d'adresse électronique : donnez-la avec « dossierd account set acme --email ADRESSE »`},
		{[]string{"account", "invite", "jdupont", "--hours", "0"}, "--hours 0 : un lien vaut de 1 à 720 heures"},
		{[]string{"account", "invite", "jdupont", "--hours", "721"}, "--hours 721"},
	} {
		out, err := run(tt.args...)
		if err == nil || !strings.Contains(err.Error(), tt.want) || linkRE.MatchString(out) {
			t.Errorf("%v: %q, %v; want a refusal naming %q", tt.args, out, err, tt.want)
		}
	}
	if _, err := store.CheckInvitation(ctx, third); err != nil {
		t.Errorf("a refused invite replaced the last link: %v", err)
	}

	// The email is changed with account set, and listed.
	if _, err := run("account", "set", "acme", "--email", "contact@acme.example.org", "--name", "ACME SARL"); err != nil {
		t.Fatal(err)
	}
	if _, err := run("account", "set", "acme", "--email", "pas une adresse"); err == nil || !strings.Contains(err.Error(), `adresse électronique "pas une adresse" : n'est pas une adresse électronique`) {
		t.Errorf("bad email: %v", err)
	}
	if _, err := run("account", "set", "acme"); err == nil || !strings.Contains(err.Error(), "rien à changer") {
		t.Errorf("set without a flag: %v", err)
	}
	out, err = run("account", "list", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var list []map[string]any
	if err := json.Unmarshal([]byte(out), &list); err != nil || list[0]["login"] != "acme" || list[0]["email"] != "contact@acme.example.org" || list[0]["name"] != "ACME SARL" {
		t.Errorf("account list --json = %s", out)
	}
	out, err = run("account", "invite", "acme", "--send")
	if err != nil || !strings.Contains(out, "envoyé à contact@acme.example.org") || len(inbox()) != 2 {
		t.Errorf("invite --send after set: %q, %v", out, err)
	}
}

func TestAccountInviteWithoutRelayOrWeb(t *testing.T) {
	run, _ := cliEnvConfig(t, `{"sftpd": {"bindings": []}, "ftpd": {"bindings": []}, "httpd": {"base_url": "https://depot.example.fr"}}`)
	if _, err := run("account", "add", "jdupont", "--role", "trainee", "--ref", "T0107", "--email", "j@example.org"); err != nil {
		t.Fatal(err)
	}
	out, err := run("account", "invite", "jdupont", "--send")
	if err == nil || !strings.Contains(err.Error(), "renseignez smtp.host") || linkRE.MatchString(out) {
		t.Errorf("--send without smtp: %q, %v", out, err)
	}
	if out, err := run("account", "invite", "jdupont"); err != nil || !strings.HasPrefix(linkRE.FindString(out), "https://depot.example.fr/invitation/") {
		t.Errorf("without --send: %q, %v", out, err)
	}

	// Without a web binding nor base_url there is no address to link to.
	run, _ = cliEnvConfig(t, `{"sftpd": {"bindings": []}, "ftpd": {"bindings": []}, "httpd": {"bindings": []}}`)
	if _, err := run("account", "add", "jdupont", "--role", "trainee", "--ref", "T0107"); err != nil {
		t.Fatal(err)
	}
	if out, err := run("account", "invite", "jdupont"); err == nil || !strings.Contains(err.Error(), "httpd.base_url") || linkRE.MatchString(out) {
		t.Errorf("no web: %q, %v", out, err)
	}

	// The default binding: https on this machine's name, port 8443.
	run, _ = cliEnv(t)
	if _, err := run("account", "add", "boss", "--role", "staff"); err != nil {
		t.Fatal(err)
	}
	out, err = run("account", "invite", "boss")
	if link := linkRE.FindString(out); err != nil || !strings.HasPrefix(link, "https://") || !strings.Contains(link, ":8443/invitation/") {
		t.Errorf("default binding: %q, %v", out, err)
	}
}

func TestEnrollClient(t *testing.T) {
	run, storage := cliEnv(t)
	for _, args := range [][]string{
		{"account", "add", "acme", "--role", "client", "--ref", "C0042"},
		{"account", "add", "jdupont", "--role", "trainee", "--ref", "T0107"},
		{"session", "add", "S2026-014"},
	} {
		if _, err := run(args...); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
	}
	for _, tt := range []struct {
		args    []string
		wantErr string
		wantOut string
	}{
		{[]string{"enroll", "S2026-014", "trainee", "T0107", "--client", "C0042"}, "", "trainee T0107 inscrit à S2026-014, envoyé par le client C0042"},
		{[]string{"enroll", "S2026-014", "trainee", "T0107", "--client", "C9999"}, `aucun compte client n'a la référence "C9999"`, ""},
		{[]string{"enroll", "S2026-014", "client", "C0042", "--client", "C0042"}, `client "C0042" : seule l'inscription d'un stagiaire (trainee) nomme le client qui l'envoie`, ""},
		{[]string{"unenroll", "S2026-014", "trainee", "T0107", "--client", "C0042"}, "option inconnue : --client", ""},
	} {
		out, err := run(tt.args...)
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("%v: %v", tt.args, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("%v: %v, want %q", tt.args, err, tt.wantErr)
		case !strings.Contains(out, tt.wantOut):
			t.Errorf("%v: %q, want %q", tt.args, out, tt.wantOut)
		}
	}
	ps, err := openStore(t, filepath.Join(filepath.Dir(storage), "dossierd.db")).Participants(context.Background(), "S2026-014")
	if err != nil || len(ps) != 1 || ps[0] != (auth.Participant{Ref: "T0107", Client: "C0042"}) {
		t.Errorf("Participants = %+v, %v", ps, err)
	}
}

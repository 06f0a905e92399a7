package httpd_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/dossierd/dossierd/config"
	"github.com/dossierd/dossierd/mailer/mailtest"
	"github.com/dossierd/dossierd/scenario"
)

// sshLogin tells whether login/password opens an SSH connection.
func sshLogin(t *testing.T, env *scenario.Env, login, password string) bool {
	t.Helper()
	c, err := ssh.Dial("tcp", env.SFTPAddr(), &ssh.ClientConfig{
		User: login, Auth: []ssh.AuthMethod{ssh.Password(password)},
		HostKeyCallback: ssh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second,
	})
	if err != nil {
		return false
	}
	c.Close()
	return true
}

func TestInvitationSetsPasswordOnce(t *testing.T) {
	env := scenario.Start(t, nil)
	token, _, err := env.Daemon.Store.CreateInvitation(context.Background(), "jdupont", 72*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, env)
	resp, body := b.get("/invitation/" + token)
	if resp.StatusCode != 200 || !strings.Contains(body, `id="password-form"`) {
		t.Fatalf("invitation page: %d %s", resp.StatusCode, body)
	}
	// Too short: refused, the link still works.
	resp, body = b.post("/invitation/"+token, url.Values{"new": {"short"}, "confirm": {"short"}})
	if resp.StatusCode != 422 || !strings.Contains(body, "at least 12 characters") {
		t.Fatalf("short password: %d", resp.StatusCode)
	}
	const pw = "un mot de passe choisi"
	resp, body = b.post("/invitation/"+token, url.Values{"new": {pw}, "confirm": {pw}})
	if resp.StatusCode != 200 || !strings.Contains(body, "Your password is saved") {
		t.Fatalf("choose: %d %s", resp.StatusCode, body)
	}
	if !sshLogin(t, env, "jdupont", pw) {
		t.Fatal("the password chosen does not open SFTP")
	}
	if sshLogin(t, env, "jdupont", env.Passwords["jdupont"]) {
		t.Fatal("the old password still works")
	}
	resp, body = b.get("/invitation/" + token)
	if resp.StatusCode != 410 || !strings.Contains(body, "already been used") {
		t.Fatalf("second use: %d %s", resp.StatusCode, body)
	}
	resp, _ = b.post("/invitation/"+token, url.Values{"new": {"autre mot de passe"}, "confirm": {"autre mot de passe"}})
	if resp.StatusCode != 410 || !sshLogin(t, env, "jdupont", pw) {
		t.Fatalf("second post: %d", resp.StatusCode)
	}
}

func TestKickEndsWebSession(t *testing.T) {
	env := scenario.Start(t, nil)
	b := newBrowser(t, env)
	b.login("acme")
	if err := env.Daemon.Store.SetDisabled(context.Background(), "acme", true); err != nil {
		t.Fatal(err)
	}
	var body string
	scenario.WaitFor(t, 10*time.Second, func() string {
		resp, text := b.get("/files/")
		body = text
		if resp.StatusCode != 401 {
			return "the web session still serves pages"
		}
		return ""
	})
	if !strings.Contains(body, "disabled") {
		t.Fatalf("the login page does not say why: %s", body)
	}
}

func TestChangePassword(t *testing.T) {
	env := scenario.Start(t, nil)
	b := newBrowser(t, env)
	b.login("globex")
	const pw = "nouveau mot de passe 2026"
	resp, body := b.post("/account/password", url.Values{"current": {"faux"}, "new": {pw}, "confirm": {pw}})
	if resp.StatusCode != 422 || !strings.Contains(body, "current password is wrong") {
		t.Fatalf("wrong current: %d", resp.StatusCode)
	}
	resp, body = b.post("/account/password", url.Values{"current": {env.Passwords["globex"]}, "new": {"globex"}, "confirm": {"globex"}})
	if resp.StatusCode != 422 || !strings.Contains(body, "must be at least") {
		t.Fatalf("login as password: %d", resp.StatusCode)
	}
	resp, body = b.post("/account/password", url.Values{"current": {env.Passwords["globex"]}, "new": {pw}, "confirm": {pw}})
	if resp.StatusCode != 200 || !strings.Contains(body, "Password changed") {
		t.Fatalf("change: %d %s", resp.StatusCode, body)
	}
	if !sshLogin(t, env, "globex", pw) {
		t.Fatal("new password refused over SFTP")
	}
}

func TestSessionSurvivesRestart(t *testing.T) {
	env := scenario.Start(t, nil)
	b := newBrowser(t, env)
	b.login("fmartin")
	_, body := b.get("/sessions")
	if !strings.Contains(body, "S2026-014") {
		t.Fatalf("trainer's sessions: %s", body)
	}
	env2 := env.Restart(t)
	b.env = env2
	resp, body := b.get("/files/")
	if resp.StatusCode != 200 || !strings.Contains(body, `id="listing"`) {
		t.Fatalf("after restart: %d %s", resp.StatusCode, body)
	}
}

func TestFailedWebLoginsBan(t *testing.T) {
	env := scenario.Start(t, nil)
	b := newBrowser(t, env)
	for i := 0; i < 8; i++ {
		resp, _ := b.post("/login", url.Values{"login": {"nobody" + strconv.Itoa(i)}, "password": {"x"}})
		if resp.StatusCode != 401 && resp.StatusCode != 403 {
			t.Fatalf("attempt %d: %d", i, resp.StatusCode)
		}
	}
	// The connection kept alive is told; a new one is not even accepted.
	resp, body := b.get("/login")
	if resp.StatusCode != 403 || !strings.Contains(body, "Too many failed logins") {
		t.Fatalf("banned, same connection: %d", resp.StatusCode)
	}
	fresh := newBrowser(t, env)
	req, _ := http.NewRequest("GET", env.WebURL()+"/login", nil)
	if resp, err := fresh.http.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("banned address accepted: %d", resp.StatusCode)
	}
}

func TestWebSessionsCountAsConnections(t *testing.T) {
	env := scenario.Start(t, func(c *config.Config) { c.Common.MaxSessions = 2 })
	for i := 0; i < 2; i++ {
		newBrowser(t, env).login("acme")
	}
	resp, body := newBrowser(t, env).post("/login", url.Values{"login": {"acme"}, "password": {env.Passwords["acme"]}})
	if resp.StatusCode != 401 || !strings.Contains(body, "at most 2 at once") {
		t.Fatalf("third session: %d %s", resp.StatusCode, body)
	}
	// Another login is not held back by acme's.
	newBrowser(t, env).login("globex")
}

var linkRE = regexp.MustCompile(`https?://\S+`)

func TestForgotPasswordByMail(t *testing.T) {
	smtpCfg, inbox := mailtest.Start(t)
	env := scenario.Start(t, func(c *config.Config) { c.SMTP = smtpCfg })
	ctx := context.Background()
	a, err := env.Daemon.Store.Account(ctx, "jdupont")
	if err != nil {
		t.Fatal(err)
	}
	a.Email = "jeanne.dupont@example.fr"
	if err := env.Daemon.Store.UpdateAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, env)
	_, body := b.get("/login")
	if !strings.Contains(body, `href="/forgot"`) {
		t.Fatal("no forgot-password link with SMTP configured")
	}
	_, known := b.post("/forgot", url.Values{"login": {"jdupont"}})
	_, unknown := b.post("/forgot", url.Values{"login": {"personne"}})
	if known != unknown {
		t.Fatal("the answer tells a known login from an unknown one")
	}
	var link string
	scenario.WaitFor(t, 10*time.Second, func() string {
		msgs := inbox()
		if len(msgs) == 0 {
			return "no mail"
		}
		if len(msgs) > 1 || msgs[0].To[0] != "jeanne.dupont@example.fr" {
			return "mails: " + strconv.Itoa(len(msgs))
		}
		link = linkRE.FindString(msgs[0].Body)
		return ""
	})
	u, err := url.Parse(link)
	if err != nil || !strings.HasPrefix(u.Path, "/invitation/") {
		t.Fatalf("link %q", link)
	}
	const pw = "mon nouveau mot de passe"
	resp, body := b.post(u.Path, url.Values{"new": {pw}, "confirm": {pw}})
	if resp.StatusCode != 200 || !strings.Contains(body, "Your password is saved") {
		t.Fatalf("reset: %d", resp.StatusCode)
	}
	if !sshLogin(t, env, "jdupont", pw) {
		t.Fatal("the new password does not open SFTP")
	}
}

// TestMySessions: each role sees its sessions with title and dates; a
// client the trainees it sent, a trainer every trainee (and who sent
// them), a trainee nobody.
func TestMySessions(t *testing.T) {
	env := scenario.Start(t, nil)
	for _, tt := range []struct {
		login     string
		want, not []string
	}{
		{"acme", []string{"S2026-014", "S2026-021", "Jeanne Dupont"}, []string{"Karim Benali"}},
		{"globex", []string{"S2026-014", "Karim Benali"}, []string{"Jeanne Dupont", "S2026-021"}},
		{"fmartin", []string{"S2026-014", "S2026-021", "Jeanne Dupont", "Karim Benali", "ACME SARL", "GLOBEX SAS"}, nil},
		{"jdupont", []string{"S2026-014"}, []string{"Karim Benali", "Jeanne Dupont", "Participants"}},
	} {
		b := newBrowser(t, env)
		b.login(tt.login)
		resp, body := b.get("/sessions")
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", tt.login, resp.StatusCode)
		}
		for _, w := range tt.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: Mes sessions lacks %q", tt.login, w)
			}
		}
		for _, w := range tt.not {
			if strings.Contains(body, w) {
				t.Errorf("%s: Mes sessions shows %q", tt.login, w)
			}
		}
	}
}

// TestPasswordChangedWhileSessionAsleep: a session opened before a
// restart, not yet used since, ends when the password changes meanwhile
// (from any process: the trigger on accounts), as a loaded one is kicked.
func TestPasswordChangedWhileSessionAsleep(t *testing.T) {
	env := scenario.Start(t, nil)
	b := newBrowser(t, env)
	b.login("kbenali")
	env2 := env.Restart(t)
	b.env = env2
	if err := env2.Daemon.Store.SetPassword(context.Background(), "kbenali", "un autre mot de passe"); err != nil {
		t.Fatal(err)
	}
	if resp, _ := b.get("/files/"); resp.StatusCode != 401 {
		t.Fatalf("the old cookie still opens the files: %d", resp.StatusCode)
	}
}

// TestResetKeepsInvitation: "mot de passe oublié", which anyone can ask
// for any login, does not kill the invitation an administrator sent; the
// password chosen with one link ends the other.
func TestResetKeepsInvitation(t *testing.T) {
	smtpCfg, inbox := mailtest.Start(t)
	env := scenario.Start(t, func(c *config.Config) { c.SMTP = smtpCfg })
	ctx := context.Background()
	invitation, _, err := env.Daemon.Store.CreateInvitation(ctx, "jdupont", 72*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, env)
	b.post("/forgot", url.Values{"login": {"jdupont"}})
	scenario.WaitFor(t, 10*time.Second, func() string {
		if len(inbox()) == 0 {
			return "no mail"
		}
		return ""
	})
	if _, err := env.Daemon.Store.CheckInvitation(ctx, invitation); err != nil {
		t.Fatalf("the reset killed the invitation: %v", err)
	}
	u, _ := url.Parse(linkRE.FindString(inbox()[0].Body))
	const pw = "choisi avec le lien de reprise"
	if resp, _ := b.post(u.Path, url.Values{"new": {pw}, "confirm": {pw}}); resp.StatusCode != 200 {
		t.Fatalf("reset: %d", resp.StatusCode)
	}
	if _, err := env.Daemon.Store.CheckInvitation(ctx, invitation); err == nil {
		t.Fatal("the invitation still works after a password was chosen")
	}
}

package browser_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"

	"github.com/dossierd/dossierd/catalogue"
	"github.com/dossierd/dossierd/config"
	"github.com/dossierd/dossierd/scenario"
)

// TestInvitationLink: the trainee opens the link of `dossierd account
// invite`, chooses a password, logs in with it in the browser and over
// SFTP; the same link opened again says in words that it has served.
func TestInvitationLink(t *testing.T) {
	env := scenario.Start(t, nil)
	token, _, err := env.Daemon.Store.CreateInvitation(context.Background(), "jdupont", 72*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	link := strings.TrimPrefix(config.InvitationURL(env.WebURL(), token), env.WebURL())
	p := newTab(t, env.WebURL())
	if st := p.open(link); st != 200 {
		t.Fatalf("the link answers %d", st)
	}
	if h := p.text("h1"); h != "Choisissez votre mot de passe" {
		t.Errorf("heading %q", h)
	}
	if form := p.text("#password-form"); !strings.Contains(form, "Compte : Jeanne Dupont") || !strings.Contains(form, "Au moins 12 caractères") {
		t.Errorf("the form does not say whose account and the rule:\n%s", form)
	}
	p.shot("invitation")

	const password = "une phrase de passe choisie"
	p.do(
		chromedp.SendKeys(chromedp.ID("new"), password),
		chromedp.SendKeys(chromedp.ID("confirm"), password),
	)
	p.clickAndWait(`#password-form button[type="submit"]`)
	if flash := p.text("p.flash"); flash != "Votre mot de passe est enregistré. Vous pouvez vous connecter." {
		t.Errorf("after choosing: %q", flash)
	}
	if v := run(p, chromedp.Value(chromedp.ID("login"))); v != "jdupont" {
		t.Errorf("the login form is not filled with the login: %q", v)
	}
	p.do(
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.CSS(`#login-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("listing")),
	)
	if !sftpLogin(t, env, "jdupont", password) {
		t.Error("the password chosen does not open SFTP")
	}
	if sftpLogin(t, env, "jdupont", env.Passwords["jdupont"]) {
		t.Error("the former password still opens SFTP")
	}

	// The same link again: refused, in words.
	q := newTab(t, env.WebURL())
	if st := q.open(link); st != 410 {
		t.Errorf("the used link answers %d, want 410", st)
	}
	if msg := q.text("p.error"); msg != catalogue.InvitationUsed.F() {
		t.Errorf("the used link says %q", msg)
	}
	if n := eval[int](q, `document.querySelectorAll("#password-form").length`); n != 0 {
		t.Error("the used link still shows the form")
	}
}

// sftpLogin tells whether login and password open an SFTP session, and
// that the session lists the login's tree.
func sftpLogin(t *testing.T, env *scenario.Env, login, password string) bool {
	t.Helper()
	conn, err := ssh.Dial("tcp", env.SFTPAddr(), &ssh.ClientConfig{
		User: login, Auth: []ssh.AuthMethod{ssh.Password(password)},
		HostKeyCallback: ssh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second,
	})
	if err != nil {
		return false
	}
	defer conn.Close()
	c, err := sftp.NewClient(conn)
	if err != nil {
		t.Fatalf("sftp: %v", err)
	}
	defer c.Close()
	root, err := c.ReadDir("/")
	if err != nil {
		t.Fatalf("sftp: listing /: %v", err)
	}
	for _, e := range root {
		if e.Name() == "Sessions" {
			return true
		}
	}
	t.Fatalf("sftp: / of %s has no Sessions folder", login)
	return false
}

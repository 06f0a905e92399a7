package browser_test

import (
	"strings"
	"testing"

	"github.com/dossierd/dossierd/scenario"
)

// TestMySessions: "Mes sessions" as each role sees it. The demo directory
// says that ACME sent Jeanne Dupont (T0107) to S2026-014 and GLOBEX sent
// Karim Benali (T0108): each client sees its own trainee only, the
// trainer sees both with their company, a trainee sees the session and no
// participants.
func TestMySessions(t *testing.T) {
	env := scenario.Start(t, nil)
	const session = "#session-S2026-014"

	t.Run("trainee", func(t *testing.T) {
		p := newTab(t, env.WebURL())
		p.login("jdupont", env.Passwords["jdupont"])
		p.clickAndWait(`header nav a[href="/sessions"]`)
		if h := p.text("h1"); h != "Mes sessions" {
			t.Errorf("heading %q", h)
		}
		card := p.text(session)
		for _, want := range []string{"SST Lyon", "S2026-014", "du 02/03/2026 au 04/03/2026", "Documents de la session"} {
			if !strings.Contains(card, want) {
				t.Errorf("the session's card lacks %q:\n%s", want, card)
			}
		}
		if n := eval[int](p, `document.querySelectorAll("`+session+` h3, `+session+` .people").length`); n != 0 {
			t.Errorf("a trainee is shown a participants section:\n%s", card)
		}
		for _, leak := range []string{"Participants", "Jeanne Dupont", "Karim Benali", "GLOBEX", "ACME"} {
			if strings.Contains(card, leak) {
				t.Errorf("a trainee reads %q:\n%s", leak, card)
			}
		}
		// The card's link opens the session's folder.
		p.clickAndWait(session + ` a[href^="/files/"]`)
		if got := p.text("#listing"); !strings.Contains(got, "Documents/") || !strings.Contains(got, "Commun/") {
			t.Errorf("the session's folder:\n%s", got)
		}
	})

	t.Run("client", func(t *testing.T) {
		p := sessionsPage(t, env, "acme")
		card := p.text(session)
		if !strings.Contains(card, "Participants que vous avez inscrits") || !strings.Contains(card, "Jeanne Dupont") {
			t.Errorf("ACME does not see the trainee it sent:\n%s", card)
		}
		if strings.Contains(card, "Karim Benali") {
			t.Errorf("ACME sees the trainee GLOBEX sent:\n%s", card)
		}
		if other := p.text("#session-S2026-021"); !strings.Contains(other, "Aucun participant.") {
			t.Errorf("S2026-021 has no trainee:\n%s", other)
		}
		p.shot("sessions-client")
	})

	t.Run("other client", func(t *testing.T) {
		p := sessionsPage(t, env, "globex")
		card := p.text(session)
		if strings.Contains(card, "Jeanne Dupont") || !strings.Contains(card, "Karim Benali") {
			t.Errorf("GLOBEX does not see exactly the trainee it sent:\n%s", card)
		}
	})

	t.Run("trainer", func(t *testing.T) {
		p := sessionsPage(t, env, "fmartin")
		card := p.text(session)
		for _, want := range []string{"Participants", "Jeanne Dupont (ACME SARL)", "Karim Benali (GLOBEX SAS)"} {
			if !strings.Contains(card, want) {
				t.Errorf("the trainer's card lacks %q:\n%s", want, card)
			}
		}
		p.shot("sessions-trainer")
	})
}

// sessionsPage logs login in and opens "Mes sessions".
func sessionsPage(t *testing.T, env *scenario.Env, login string) *tab {
	t.Helper()
	p := newTab(t, env.WebURL())
	p.login(login, env.Passwords[login])
	p.open("/sessions")
	return p
}

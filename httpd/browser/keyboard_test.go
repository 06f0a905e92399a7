package browser_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/dossierd/dossierd/scenario"
)

// focused describes the element that has the focus, for messages and for
// telling the stops of the tab order apart.
const focused = `(() => {
  const e = document.activeElement;
  if (!e || e === document.body) return "body";
  const name = e.id ? "#" + e.id : e.getAttribute("href") || (e.getAttribute("aria-label") || e.textContent).trim().slice(0, 40);
  return e.tagName.toLowerCase() + " " + name;
})()`

// focusShown says whether the focused element carries a visible focus
// ring: its own outline, or for the hidden file input, the outline of its
// label, the button one sees (the CSS moves the ring there).
const focusShown = `(() => {
  const e = document.activeElement;
  if (!e || e === document.body) return false;
  const ring = el => { const s = getComputedStyle(el); return s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0; };
  if (e.type === "file") return ring(document.querySelector('label[for="' + e.id + '"]'));
  return ring(e);
})()`

// press sends one key to the focused element.
func (p *tab) press(key string) {
	p.t.Helper()
	p.do(chromedp.KeyEvent(key))
}

// pressAndWait presses key and waits for the page it loads.
func (p *tab) pressAndWait(key string) {
	p.t.Helper()
	run(p, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.KeyEvent(key)))
}

// tabTo presses Tab until the focused element is the one described by
// want (as focused describes it), within a bounded number of presses.
func (p *tab) tabTo(want string) {
	p.t.Helper()
	var seen []string
	for range 80 {
		p.press(kb.Tab)
		got := eval[string](p, focused)
		if got == want {
			return
		}
		seen = append(seen, got)
	}
	p.t.Fatalf("Tab never reaches %q; it goes through:\n%s", want, strings.Join(seen, "\n"))
}

// tabOrder is every stop of the page's tab order, from the top, once
// each, with whether the stop shows its focus.
func (p *tab) tabOrder() (stops []string, hidden []string) {
	p.t.Helper()
	p.do(chromedp.Evaluate[chromedp.Void](`document.activeElement && document.activeElement.blur(); window.getSelection().removeAllRanges()`))
	for range 80 {
		p.press(kb.Tab)
		// Back at a stop already seen (or out of the page): the order is whole.
		if eval[bool](p, `(() => { const e = document.activeElement; if (!e || e === document.body || e.dataset.kbSeen) return true; e.dataset.kbSeen = "1"; return false; })()`) {
			break
		}
		got := eval[string](p, focused)
		stops = append(stops, got)
		if !eval[bool](p, focusShown) {
			hidden = append(hidden, got)
		}
	}
	return stops, hidden
}

// TestKeyboardOnly: a client who does not use a mouse logs in, walks the
// tree, opens the file picker, makes, renames and deletes a folder, and
// visits its sessions and its password page, and logs out, with Tab,
// Enter and Space alone; every stop of the tab order shows where the
// focus is.
func TestKeyboardOnly(t *testing.T) {
	env := scenario.Start(t, nil)
	p := newTab(t, env.WebURL())
	if st := p.open("/login"); st != 200 {
		t.Fatalf("login page: status %d", st)
	}

	// The login field has the focus as the page opens: one can type at
	// once.
	if got := eval[string](p, focused); got != "input #login" {
		t.Errorf("the login page opens with the focus on %q, want the login field", got)
	}
	p.do(chromedp.KeyEvent("acme"))
	p.press(kb.Tab)
	if got := eval[string](p, focused); got != "input #password" {
		t.Fatalf("Tab after the login goes to %q, not the password", got)
	}
	p.do(chromedp.KeyEvent(env.Passwords["acme"]))
	p.pressAndWait(kb.Enter)
	p.do(chromedp.WaitVisible(chromedp.ID("listing")))

	// The first Tab of a page reaches the link that skips to the content,
	// shown on the screen while it has the focus.
	p.press(kb.Tab)
	if got := eval[string](p, focused); got != "a #main" {
		t.Errorf("the first Tab of the folder page focuses %q, want the skip link", got)
	}
	if left := eval[float64](p, `document.activeElement.getBoundingClientRect().left`); left < 0 {
		t.Errorf("the focused skip link is off the screen (left %v px)", left)
	}

	// Every control of the folder page is in the tab order and shows its
	// focus.
	stops, hidden := p.tabOrder()
	order := strings.Join(stops, "\n")
	for _, want := range []string{"a #zip", "button #logout"} {
		if !strings.Contains(order, want) {
			t.Errorf("the tab order of the root folder lacks %q:\n%s", want, order)
		}
	}
	if !strings.Contains(order, "a /files/Mes%20documents/") {
		t.Errorf("the tab order of the root folder lacks the folder Mes documents:\n%s", order)
	}
	if len(hidden) > 0 {
		t.Errorf("these stops show no focus ring:\n%s", strings.Join(hidden, "\n"))
	}

	// Into "Mes documents" with Enter on its link.
	href := eval[string](p, `document.querySelector('`+row("Mes documents")+` a.dir').getAttribute("href")`)
	p.tabTo("a " + href)
	p.pressAndWait(kb.Enter)
	if crumbs := p.text("nav.crumbs"); !strings.Contains(crumbs, "Mes documents") {
		t.Fatalf("Enter on the folder's link did not open it: breadcrumbs %q", crumbs)
	}
	stops, hidden = p.tabOrder()
	order = strings.Join(stops, "\n")
	for _, want := range []string{"input #files", "input #mkdir-name"} {
		if !strings.Contains(order, want) {
			t.Errorf("the tab order of a writable folder lacks %q:\n%s", want, order)
		}
	}
	if len(hidden) > 0 {
		t.Errorf("these stops show no focus ring:\n%s", strings.Join(hidden, "\n"))
	}

	// Space on the file input opens the file picker; the files chosen
	// there are sent as with the mouse.
	ctx, cancel := context.WithTimeout(p.ctx, actionTimeout)
	defer cancel()
	if _, err := chromedp.Call(ctx, page.SetInterceptFileChooserDialog, page.SetInterceptFileChooserDialogParams{Enabled: true}); err != nil {
		t.Fatal(err)
	}
	chooser := chromedp.Events(ctx, page.FileChooserOpened)
	p.tabTo("input #files")
	p.press(" ")
	opened := false
	for ev, err := range chooser {
		if err != nil {
			t.Fatalf("Space on the file input opened no file picker: %v", err)
		}
		opened = ev.Mode == page.FileChooserOpenedModeSelectMultiple
		break
	}
	if !opened {
		t.Errorf("the file picker opened by the keyboard does not take several files")
	}
	local := filepath.Join(t.TempDir(), "Attestation-clavier.pdf")
	if err := os.WriteFile(local, []byte("%PDF-1.4 keyboard\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p.do(chromedp.SetUploadFiles(chromedp.ID("files"), []string{local}))
	p.waitFor(`document.querySelectorAll("#queue li.done").length === 1`, 60*time.Second)

	// A folder made, renamed and deleted with the keyboard.
	p.tabTo("input #mkdir-name")
	p.do(chromedp.KeyEvent("Dossier-clavier"))
	p.pressAndWait(kb.Enter)
	p.do(chromedp.WaitVisible(chromedp.CSS(row("Dossier-clavier"))))

	// The rename opens with Enter on its summary; the name field follows.
	summary := eval[string](p, `document.querySelector('`+row("Dossier-clavier")+` summary').textContent.trim()`)
	p.focusRow(row("Dossier-clavier"))
	p.tabTo("summary " + summary)
	p.press(kb.Enter)
	p.press(kb.Tab)
	if got := eval[string](p, `document.activeElement.value`); got != "Dossier-clavier" {
		t.Fatalf("Tab after opening the rename focuses %q (value %q)", eval[string](p, focused), got)
	}
	p.press(kb.End)
	p.do(chromedp.KeyEvent("-2"))
	p.pressAndWait(kb.Enter)
	p.do(chromedp.WaitVisible(chromedp.CSS(row("Dossier-clavier-2"))))

	p.focusRow(row("Dossier-clavier-2"))
	p.tabTo("button " + eval[string](p, `document.querySelector('`+row("Dossier-clavier-2")+` button.danger').getAttribute("aria-label")`))
	p.pressAndWait(kb.Enter)
	select {
	case msg := <-p.dialogs:
		if !strings.Contains(msg, "Dossier-clavier-2") {
			t.Errorf("the delete asks %q", msg)
		}
	default:
		t.Error("the delete by keyboard asked nothing")
	}
	if n := eval[int](p, `document.querySelectorAll('`+row("Dossier-clavier-2")+`').length`); n != 0 {
		t.Errorf("the folder deleted by keyboard is still listed")
	}

	// The other pages, reached by the menu: every stop shows its focus.
	for _, page := range []struct{ href, want string }{
		{"/sessions", "Mes sessions"},
		{"/account/password", "input #current"},
	} {
		p.tabTo("a " + page.href)
		p.pressAndWait(kb.Enter)
		stops, hidden := p.tabOrder()
		if order := strings.Join(stops, "\n") + "\n" + p.text("h1"); !strings.Contains(order, page.want) {
			t.Errorf("%s: %q is neither a stop nor the heading:\n%s", page.href, page.want, order)
		}
		if len(hidden) > 0 {
			t.Errorf("%s: these stops show no focus ring:\n%s", page.href, strings.Join(hidden, "\n"))
		}
	}

	p.tabTo("button #logout")
	p.pressAndWait(kb.Enter)
	if h := p.text("h1"); h != "Connexion" {
		t.Errorf("after logout by keyboard the page is %q", h)
	}
}

// focusRow puts the focus on the first control of the listing's row sel
// matches, as that many Tabs would: a long listing is not walked from the
// top.
func (p *tab) focusRow(sel string) {
	p.t.Helper()
	p.do(chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector(%q).querySelector("a").focus({focusVisible: true})`, sel)))
}

package browser_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/dossierd/dossierd/scenario"
)

// TestClientDay is a client's visit, as the client does it: log in, find
// the session's documents, download one, upload two files and watch them
// go, meet a refused name and upload it under the suggested one, rename,
// delete, log out.
func TestClientDay(t *testing.T) {
	env := scenario.Start(t, nil)
	p := newTab(t, env.WebURL())

	// The site sends a visitor to the login page.
	if st := p.open("/"); st != 200 {
		t.Fatalf("home: status %d", st)
	}
	p.do(chromedp.WaitVisible(chromedp.ID("login-form")))
	if h := p.text("h1"); h != "Connexion" {
		t.Errorf("login page heading %q", h)
	}
	p.shot("login")
	p.login("acme", env.Passwords["acme"])

	// The tree of a client.
	listing := p.text("#listing")
	for _, want := range []string{"Mes documents/", "Sessions/", "FTPDOSSIERPERSO/"} {
		if !strings.Contains(listing, want) {
			t.Errorf("root listing lacks %q:\n%s", want, listing)
		}
	}
	// The symlinks planted towards globex's folders are not listed.
	if strings.Contains(listing, "globex") || strings.Contains(listing, "abs-link") {
		t.Errorf("root listing shows a link out of the tree:\n%s", listing)
	}

	// Into a session, by the links.
	p.clickAndWait(row("Sessions") + " a.dir")
	p.clickAndWait(row("S2026-014 SST Lyon") + " a.dir")
	if got := p.text("#listing"); !strings.Contains(got, "Documents/") || !strings.Contains(got, "Commun/") {
		t.Fatalf("session folder:\n%s", got)
	}
	p.clickAndWait(row("Documents") + " a.dir")
	crumbs := p.text("nav.crumbs")
	for _, want := range []string{"Accueil", "Sessions", "S2026-014 SST Lyon", "Documents"} {
		if !strings.Contains(crumbs, want) {
			t.Errorf("breadcrumbs %q lack %q", crumbs, want)
		}
	}
	listing = p.text("#listing")
	if !strings.Contains(listing, "Convention ACME S2026-014.pdf") || strings.Contains(listing, "GLOBEX") {
		t.Fatalf("session documents:\n%s", listing)
	}

	// Download: the bytes are the file's.
	got := p.download(row("Convention ACME S2026-014.pdf") + " a.file")
	want, err := os.ReadFile(env.Disk("sessions/S2026-014/clients/C0042/Convention ACME S2026-014.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("downloaded %d bytes, differing from the %d on disk", len(got), len(want))
	}

	// Upload two files through the file picker, and watch them go.
	p.clickAndWait(`nav.crumbs a[href="/files/"]`)
	p.clickAndWait(row("Mes documents") + " a.dir")
	local := t.TempDir()
	small := writeRandom(t, filepath.Join(local, "programme.pdf"), 200<<10)
	big := writeRandom(t, filepath.Join(local, "rapport.pdf"), 40<<20+5) // three chunks of the page's 16 MiB
	watchUploads(p)
	p.do(chromedp.SetUploadFiles(chromedp.ID("files"), []string{small, big}))
	p.waitFor(`document.querySelectorAll("#queue li.done").length === 2`, 60*time.Second)
	for _, name := range []string{"programme.pdf", "rapport.pdf"} {
		li := `#queue li[data-name="` + name + `"]`
		if st := p.text(li + " .upload-state"); st != "envoyé" {
			t.Errorf("%s: state %q, want envoyé", name, st)
		}
		if v := eval[int](p, `document.querySelector('`+li+` progress').value`); v != 100 {
			t.Errorf("%s: progress %d at the end", name, v)
		}
	}
	// The sizes read as the listing writes them (French decimal comma).
	for name, want := range map[string]string{"programme.pdf": "programme.pdf (200,0 Ko)", "rapport.pdf": "rapport.pdf (40,0 Mo)"} {
		if got := p.text(`#queue li[data-name="` + name + `"] .upload-name`); got != want {
			t.Errorf("queue label %q, want %q", got, want)
		}
	}
	// The bar of the big file moved through values between 0 and 100 (the
	// page updates it as each chunk's bytes leave).
	seen := eval[[]int](p, `window.dossierdSeen["rapport.pdf"] || []`)
	if !hasBetween(seen, 0, 100) {
		t.Errorf("no progress seen between 0 and 100 for rapport.pdf: %v", seen)
	}
	sameFile(t, env.Disk("clients/C0042/programme.pdf"), small)
	sameFile(t, env.Disk("clients/C0042/rapport.pdf"), big)
	// The listing shows them without a reload.
	p.waitFor(`!!document.querySelector('`+row("programme.pdf")+`') && !!document.querySelector('`+row("rapport.pdf")+`')`, 10*time.Second)
	p.shot("folder-upload")

	// A refused name: shown beside the file with the suggestion, uploaded
	// under it with one click.
	refused := writeRandom(t, filepath.Join(local, "Résumé d'été.pdf"), 5000)
	p.do(chromedp.SetUploadFiles(chromedp.ID("files"), []string{refused}))
	p.do(chromedp.WaitVisible(chromedp.CSS(`#queue li.refused button.upload-as`)))
	state := p.text(`#queue li.refused .upload-state`)
	if !strings.Contains(state, "Résumé d'été.pdf") {
		t.Errorf("refusal %q does not name the file", state)
	}
	button := p.text(`#queue li.refused button.upload-as`)
	if button != "Envoyer sous le nom « Resume d ete.pdf »" {
		t.Errorf("suggestion button %q", button)
	}
	p.do(chromedp.ScrollIntoView(chromedp.CSS(`#queue li.refused button.upload-as`)))
	p.shot("refused-name")
	p.do(chromedp.Click(chromedp.CSS(`#queue li.refused button.upload-as`)))
	p.waitFor(`!!document.querySelector('#queue li.done[data-name="Resume d ete.pdf"]')`, 30*time.Second)
	sameFile(t, env.Disk("clients/C0042/Resume d ete.pdf"), refused)
	if _, err := os.Stat(env.Disk("clients/C0042/Résumé d'été.pdf")); err == nil {
		t.Error("the refused name exists on disk")
	}

	// The folder on a phone: nothing wider than the screen.
	p.open("/files/Mes%20documents/")
	p.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch))
	p.open("/files/Mes%20documents/")
	if w := eval[int](p, `document.documentElement.scrollWidth`); w > 390 {
		t.Errorf("the folder page is %d px wide on a 390 px phone", w)
	}
	p.shot("phone-folder")
	p.do(chromedp.EmulateViewport(1280, 800))

	// Rename, in the row's "Renommer" form.
	p.open("/files/Mes%20documents/")
	r := row("rapport.pdf")
	p.do(chromedp.Click(chromedp.CSS(r + " details summary")))
	p.do(chromedp.WaitVisible(chromedp.CSS(r + ` details input[name="to"]`)))
	p.do(chromedp.SetValue(chromedp.CSS(r+` details input[name="to"]`), "rapport final.pdf"))
	p.clickAndWait(r + ` details button[type="submit"]`)
	if flash := p.text("p.flash"); flash != `"rapport.pdf" renommé en "rapport final.pdf".` {
		t.Errorf("after rename: %q", flash)
	}
	sameFile(t, env.Disk("clients/C0042/rapport final.pdf"), big)
	if _, err := os.Stat(env.Disk("clients/C0042/rapport.pdf")); err == nil {
		t.Error("the old name is still on disk")
	}

	// Delete, after the confirmation dialog.
	p.clickAndWait(row("programme.pdf") + ` form.confirm button`)
	select {
	case msg := <-p.dialogs:
		if msg != "Supprimer programme.pdf ?" {
			t.Errorf("confirmation %q", msg)
		}
	default:
		t.Error("no confirmation asked before deleting")
	}
	if flash := p.text("p.flash"); flash != `"programme.pdf" supprimé.` {
		t.Errorf("after delete: %q", flash)
	}
	if _, err := os.Stat(env.Disk("clients/C0042/programme.pdf")); err == nil {
		t.Error("the deleted file is still on disk")
	}
	if strings.Contains(p.text("#listing"), "programme.pdf") {
		t.Error("the deleted file is still listed")
	}

	// Log out: the login page says so, and the tree is gone.
	p.clickAndWait("#logout")
	if flash := p.text("p.flash"); flash != "Vous êtes déconnecté." {
		t.Errorf("after logout: %q", flash)
	}
	if st := p.open("/files/Mes%20documents/"); st != 401 {
		t.Errorf("after logout, the folder answers %d", st)
	}
	if strings.Contains(p.html(), "Facture") {
		t.Error("after logout, the folder's files are still shown")
	}
}

// TestOtherClientByURL: a client who edits the URL towards another
// client's file, or through the links planted in its folder, reads a 404
// that names nothing of it.
func TestOtherClientByURL(t *testing.T) {
	env := scenario.Start(t, nil)
	p := newTab(t, env.WebURL())
	p.login("acme", env.Passwords["acme"])
	for _, path := range []string{
		"/files/Sessions/S2026-014%20SST%20Lyon/Documents/Convention%20GLOBEX%20S2026-014.pdf",
		"/files/Sessions/S2026-014%20SST%20Lyon/Documents/../../../../sessions/S2026-014/clients/C0043/Convention%20GLOBEX%20S2026-014.pdf",
		"/files/globex-link/Convention%20GLOBEX%20S2026-014.pdf",
		"/files/abs-link/",
		"/files/Sessions/S2026-014%20SST%20Lyon/%2E%2E/%2E%2E/%2E%2E/sessions/S2026-014/clients/C0043/",
	} {
		if st := p.open(path); st != 404 {
			t.Errorf("%s: status %d, want 404", path, st)
		}
		page := p.html()
		for _, leak := range []string{"GLOBEX", "C0043", "Convention"} {
			if strings.Contains(page, leak) {
				t.Errorf("%s: the page shows %q", path, leak)
			}
		}
		if h := p.text("h1"); h != "Cette page n'existe pas, ou vous n'y avez pas accès." {
			t.Errorf("%s: heading %q", path, h)
		}
	}
	// Nothing was saved either.
	if entries, _ := os.ReadDir(p.downloads); len(entries) != 0 {
		t.Errorf("%d files downloaded", len(entries))
	}
}

func hasBetween(values []int, lo, hi int) bool {
	for _, v := range values {
		if v > lo && v < hi {
			return true
		}
	}
	return false
}

// writeRandom writes n random bytes at path and returns path.
func writeRandom(t *testing.T, path string, n int) string {
	t.Helper()
	if err := os.WriteFile(path, scenario.RandomData(t, n), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// sameFile fails unless the file on the server's disk has the bytes of
// the local one.
func sameFile(t *testing.T, onDisk, local string) {
	t.Helper()
	got, err := os.ReadFile(onDisk)
	if err != nil {
		t.Errorf("not on disk: %v", err)
		return
	}
	want, err := os.ReadFile(local)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s: %d bytes, differing from the %d sent", onDisk, len(got), len(want))
	}
}

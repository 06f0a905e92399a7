package browser_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/dossierd/dossierd/scenario"
)

// TestUploadAcrossRestart: the daemon restarts (an upgrade) while the page
// sends a file; the page, behind its reverse proxy, continues by itself
// once the daemon is back, from where the file stood, in the same web
// session. Nothing is visible before the end; the file arrives whole and
// no temporary file is left.
func TestUploadAcrossRestart(t *testing.T) {
	needBrowser(t)
	const size = 64 << 20 // four chunks
	local := t.TempDir()
	env := scenario.Start(t, nil)
	file := filepath.Join(local, "Support formation.pdf")
	want := writeRandomFile(t, file, size)
	// The proxy holds the third chunk in the middle: the moment of the
	// restart.
	px := newCappingProxy(t, env.WebURL(), 1<<62, 40<<20)

	p := newTab(t, px.URL)
	p.login("acme", env.Passwords["acme"])
	p.open("/files/Mes%20documents/")
	watchUploads(p)
	p.do(chromedp.SetUploadFiles(chromedp.ID("files"), []string{file}))
	select {
	case <-px.held:
	case <-time.After(time.Minute):
		t.Fatalf("the upload did not reach %d bytes through the proxy (%d so far)", px.holdAt, px.forwarded.Load())
	}

	env = env.Restart(t)
	target := env.Disk("clients/C0042/Support formation.pdf")
	if _, err := os.Stat(target); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("the unfinished upload is visible after the restart: %v", err)
	}
	tmp := tempFiles(t, env.Disk(""))
	if len(tmp) != 1 {
		t.Fatalf("files kept for the restart: %v, want the one parked", tmp)
	}
	var parkedBytes int64
	if fi, err := os.Stat(tmp[0]); err == nil {
		parkedBytes = fi.Size()
	}
	px.retarget(t, env.WebURL())
	px.releaseHold() // the held chunk fails: the page retries by itself

	p.waitFor(`!!document.querySelector('#queue li.done[data-name="Support formation.pdf"]')`, 2*time.Minute)
	if got := sumFile(t, target); got != want {
		t.Fatal("the committed file's SHA-256 differs from the file sent")
	}
	if got := px.forwarded.Load(); got > size+16<<20 {
		t.Errorf("%d bytes went through the proxy for a %d-byte file: the upload started over", got, size)
	}
	if tmp := tempFiles(t, env.Disk("")); len(tmp) != 0 {
		t.Errorf("temporary files left: %v", tmp)
	}
	t.Logf("64 MiB across a restart: %d bytes through the proxy, %d kept by the shutdown", px.forwarded.Load(), parkedBytes)
	states := eval[[]string](p, `window.dossierdStates["Support formation.pdf"] || []`)
	if !strings.Contains(strings.Join(states, "|"), "nouvel essai") {
		t.Errorf("the page did not say it tries again (states %v)", states)
	}
}

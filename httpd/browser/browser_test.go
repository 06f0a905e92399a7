package browser_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// One chromium for the whole package, started by TestMain; each test
// works in tabs of their own browser contexts (cookies, downloads and
// storage apart, as two people on two computers).
var (
	browserCtx context.Context // nil when no browser could be started
	browserErr error           // why not
)

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	path, err := exec.LookPath("chromium")
	if err != nil {
		browserErr = err
		return m.Run()
	}
	profile, err := os.MkdirTemp("", "dossierd-chromium-")
	if err != nil {
		browserErr = err
		return m.Run()
	}
	defer os.RemoveAll(profile)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		// CI runs as root, where chromium refuses to start with its sandbox.
		chromedp.NoSandbox,
		// The daemon's certificate is self-signed, generated at start.
		chromedp.IgnoreCertErrors,
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 800),
		chromedp.Flag("lang", "fr-FR"),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(allocCtx)
	defer cancel()
	// The first Do starts the browser, bound to ctx: no timeout here, or
	// the browser would end with it (chromedp waits 20 s at most for it to
	// come up).
	if err := chromedp.Do(ctx); err != nil {
		browserErr = err
		return m.Run()
	}
	browserCtx = ctx
	return m.Run()
}

// needBrowser skips the test when chromium is missing, or fails it under
// CI, which must have it (.ci/run installs it).
func needBrowser(t *testing.T) {
	t.Helper()
	if browserCtx != nil {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("chromium is required under CI: %v", browserErr)
	}
	t.Skipf("no chromium to drive (apt-get install chromium): %v", browserErr)
}

// actionTimeout bounds one step of a test (a click and what it starts).
const actionTimeout = 30 * time.Second

// tab is one browser tab, in a browser context of its own.
type tab struct {
	t         *testing.T
	ctx       context.Context
	base      string // the origin the tab talks to: the daemon, or a proxy before it
	downloads string // where its downloads land
	dialogs   chan string
}

// newTab opens a tab on base with a desktop window; dialogs (window.confirm)
// are accepted and their messages kept in dialogs; downloads go to a
// temporary folder.
func newTab(t *testing.T, base string) *tab {
	t.Helper()
	needBrowser(t)
	ctx, cancel := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil { // opens the tab, bound to ctx
		t.Fatalf("new tab: %v", err)
	}
	p := &tab{t: t, ctx: ctx, base: base, downloads: t.TempDir(), dialogs: make(chan string, 16)}
	if _, err := chromedp.Call(ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
		Behavior:         cdpbrowser.SetDownloadBehaviorBehaviorAllowAndName,
		BrowserContextID: chromedp.FromContext(ctx).BrowserContextID,
		DownloadPath:     p.downloads,
		EventsEnabled:    new(true),
	}); err != nil {
		t.Fatalf("download behaviour: %v", err)
	}
	// A dialog blocks the page and the click that opened it: another
	// goroutine answers it, as the user would.
	opening := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for ev, err := range opening {
			if err != nil {
				return
			}
			select {
			case p.dialogs <- ev.Message:
			default:
			}
			chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	}()
	p.do(chromedp.EmulateViewport(1280, 800))
	return p
}

// do runs the actions, failing the test at the first error.
func (p *tab) do(actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, actionTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		p.t.Fatalf("%v (page %s)", err, p.location())
	}
}

// run runs one action that returns a value.
func run[T any](p *tab, a chromedp.Action[T]) T {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, actionTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		p.t.Fatalf("%v (page %s)", err, p.location())
	}
	return v
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](p *tab, js string) T {
	p.t.Helper()
	return run(p, chromedp.Evaluate[T](js))
}

func (p *tab) location() string {
	ctx, cancel := context.WithTimeout(p.ctx, 2*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	return loc
}

// open navigates to a path of base and returns the HTTP status.
func (p *tab) open(path string) int64 {
	p.t.Helper()
	resp := run(p, chromedp.NavigateResponse(p.base+path))
	return resp.Status
}

// text is the visible text of the first element sel matches.
func (p *tab) text(sel string) string {
	p.t.Helper()
	return run(p, chromedp.Text(chromedp.CSS(sel)))
}

// html is the page's whole HTML as the browser holds it.
func (p *tab) html() string {
	p.t.Helper()
	return eval[string](p, `document.documentElement.outerHTML`)
}

// login fills the login form and waits for the tree.
func (p *tab) login(login, password string) {
	p.t.Helper()
	if st := p.open("/login"); st != 200 {
		p.t.Fatalf("login page: status %d", st)
	}
	p.do(
		chromedp.SendKeys(chromedp.ID("login"), login),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.CSS(`#login-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("listing")),
	)
}

// clickAndWait clicks sel and waits for the next page to load.
func (p *tab) clickAndWait(sel string) {
	p.t.Helper()
	run(p, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(sel))))
}

// row is the CSS selector of a listing's row for name.
func row(name string) string { return fmt.Sprintf(`#listing tr[data-name=%q]`, name) }

// download clicks a download link and returns the file the browser saved.
func (p *tab) download(sel string) []byte {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, actionTimeout)
	defer cancel()
	progress := chromedp.Events(ctx, cdpbrowser.DownloadProgress)
	p.do(chromedp.Click(chromedp.CSS(sel)))
	for ev, err := range progress {
		if err != nil {
			p.t.Fatalf("download by %s: %v", sel, err)
		}
		switch ev.State {
		case cdpbrowser.DownloadProgressStateCompleted:
			data, err := os.ReadFile(filepath.Join(p.downloads, ev.GUID))
			if err != nil {
				p.t.Fatal(err)
			}
			return data
		case cdpbrowser.DownloadProgressStateCanceled:
			p.t.Fatalf("download by %s cancelled", sel)
		}
	}
	p.t.Fatalf("download by %s: no end", sel)
	return nil
}

// waitFor polls a JavaScript condition until it holds.
func (p *tab) waitFor(js string, timeout time.Duration) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, timeout)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](js, chromedp.WithPollingInterval(20*time.Millisecond), chromedp.WithPollingTimeout(timeout))); err != nil {
		p.t.Fatalf("waiting for %s: %v (page %s)", js, err, p.location())
	}
}

// shot saves a screenshot of the viewport as name.png in the folder
// DOSSIERD_SCREENSHOTS names (relative: to the repository's root), when
// it is set.
func (p *tab) shot(name string) {
	p.t.Helper()
	dir := os.Getenv("DOSSIERD_SCREENSHOTS")
	if dir == "" {
		return
	}
	if !filepath.IsAbs(dir) {
		root, err := repoRoot()
		if err != nil {
			p.t.Fatal(err)
		}
		dir = filepath.Join(root, dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		p.t.Fatal(err)
	}
	png := run(p, chromedp.CaptureScreenshot())
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		p.t.Fatal(err)
	}
}

// repoRoot is the folder of go.mod above the test's folder.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the test's folder")
		}
		dir = parent
	}
}

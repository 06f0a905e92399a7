package browser_test

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"io"
	"io/fs"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/dossierd/dossierd/scenario"
)

// proxyBodyLimit is the reverse proxy's cap on a request's body: 100 MB,
// nginx's and many hosting proxies' order of magnitude (SFTPGo #1801).
const proxyBodyLimit = 100_000_000

// cappingProxy is a TLS reverse proxy before the daemon, as a site would
// put nginx: it refuses with 413 any request whose body is over
// proxyBodyLimit, and it can break one upload's connection once after a
// number of body bytes (a network cut) and hold another one still at a
// later number (the moment the test reloads the page).
type cappingProxy struct {
	*httptest.Server
	cutAt, holdAt int64
	target        atomic.Pointer[url.URL] // the daemon: a restarted one listens elsewhere

	forwarded atomic.Int64 // upload body bytes read from the browser
	largest   atomic.Int64 // largest Content-Length forwarded
	refused   atomic.Int64 // requests refused for their size
	cuts      atomic.Int64
	conflicts atomic.Int64 // chunks the daemon answered 409 (not where the file stands)

	cutOnce, holdOnce sync.Once
	held              chan struct{} // closed when the hold begins
	release           chan struct{} // closed by the test: the held request fails
}

type connKey struct{}

func newCappingProxy(t *testing.T, upstream string, cutAt, holdAt int64) *cappingProxy {
	t.Helper()
	px := &cappingProxy{cutAt: cutAt, holdAt: holdAt, held: make(chan struct{}), release: make(chan struct{})}
	px.retarget(t, upstream)
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(px.target.Load())
			r.Out.Host = r.In.Host // as nginx's proxy_set_header Host $host
			r.SetXForwarded()
		},
		// The daemon's certificate is self-signed.
		Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}},
		ModifyResponse: func(resp *http.Response) error {
			if resp.StatusCode == http.StatusConflict && resp.Request.Method == http.MethodPut {
				px.conflicts.Add(1)
			}
			return nil
		},
		// The cuts are the test's: their "proxy error" lines are noise.
		ErrorLog: log.New(io.Discard, "", 0),
	}
	px.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > proxyBodyLimit {
			px.refused.Add(1)
			http.Error(w, "413 Request Entity Too Large", http.StatusRequestEntityTooLarge)
			return
		}
		for {
			old := px.largest.Load()
			if r.ContentLength <= old || px.largest.CompareAndSwap(old, r.ContentLength) {
				break
			}
		}
		r.Body = http.MaxBytesReader(w, r.Body, proxyBodyLimit)
		if r.Method == http.MethodPut && strings.HasPrefix(r.URL.Path, "/upload/") {
			r.Body = &watchedBody{ReadCloser: r.Body, px: px, conn: r.Context().Value(connKey{}).(net.Conn)}
		}
		rp.ServeHTTP(w, r)
	}))
	px.Config.ConnContext = func(ctx context.Context, c net.Conn) context.Context { return context.WithValue(ctx, connKey{}, c) }
	px.Config.ErrorLog = log.New(io.Discard, "", 0)
	px.StartTLS()
	t.Cleanup(func() {
		px.releaseHold()
		px.Close()
	})
	return px
}

// retarget sends the next requests to upstream (a daemon restarted on
// other ports), as a proxy before a restarted service does.
func (px *cappingProxy) retarget(t *testing.T, upstream string) {
	t.Helper()
	target, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	px.target.Store(target)
}

func (px *cappingProxy) releaseHold() {
	select {
	case <-px.release:
	default:
		close(px.release)
	}
}

var errProxyCut = errors.New("connection cut by the test proxy")

// watchedBody counts an upload's bytes through the proxy, and cuts or
// holds at the proxy's marks.
type watchedBody struct {
	io.ReadCloser
	px   *cappingProxy
	conn net.Conn
}

func (b *watchedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	total := b.px.forwarded.Add(int64(n))
	if total >= b.px.cutAt {
		cut := false
		b.px.cutOnce.Do(func() { cut = true })
		if cut {
			// The browser's TCP connection drops, as on a network failure;
			// the daemon sees its request's body end early.
			b.px.cuts.Add(1)
			b.conn.Close()
			return n, errProxyCut
		}
	}
	if total >= b.px.holdAt {
		hold := false
		b.px.holdOnce.Do(func() { hold = true })
		if hold {
			close(b.px.held)
			<-b.px.release
			return n, errProxyCut
		}
	}
	return n, err
}

// TestBigUploadCutAndReloaded: a 1 GiB file uploaded from the page through
// a proxy that caps bodies at 100 MB, its connection cut once (the page
// continues by itself) and the page reloaded in the middle (the user
// chooses the file again and it continues where it stopped). While it is
// cut, nothing of it is visible; at the end the file is whole (SHA-256),
// and no temporary file is left.
//
// It needs 4 GiB free on the temporary folder's disk (the local file, the
// server's copy, margin), and skips below.
func TestBigUploadCutAndReloaded(t *testing.T) {
	needBrowser(t)
	const size = 1 << 30
	local := t.TempDir()
	needFree(t, local, 4<<30)
	env := scenario.Start(t, nil)
	needFree(t, env.Disk(""), 4<<30)

	file := filepath.Join(local, "Captation formation.mp4")
	want := writeRandomFile(t, file, size)
	px := newCappingProxy(t, env.WebURL(), 300<<20, 700<<20)

	p := newTab(t, px.URL)
	p.login("acme", env.Passwords["acme"])
	p.open("/files/Mes%20documents/")
	watchUploads(p)
	start := time.Now()
	p.do(chromedp.SetUploadFiles(chromedp.ID("files"), []string{file}))

	select {
	case <-px.held:
	case <-time.After(3 * time.Minute):
		t.Fatalf("the upload did not reach %d bytes through the proxy (%d so far)", px.holdAt, px.forwarded.Load())
	}
	if px.cuts.Load() != 1 {
		t.Fatalf("%d cuts before the hold, want 1", px.cuts.Load())
	}
	// Cut in the middle: nothing at the target, only the hidden
	// temporary file of the upload in progress.
	target := env.Disk("clients/C0042/Captation formation.mp4")
	if _, err := os.Stat(target); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("the unfinished upload is visible at its name: %v", err)
	}
	if tmp := tempFiles(t, env.Disk("")); len(tmp) != 1 {
		t.Fatalf("temporary files while cut: %v, want one", tmp)
	}
	states := eval[[]string](p, `window.dossierdStates["Captation formation.mp4"] || []`)
	// After the cut the page found where the file stands: Chromium resends
	// the chunk by itself on a dropped keep-alive connection, and the daemon
	// answers 409 with where to continue; or the page's own retry asks.
	if px.conflicts.Load() == 0 && !slices.Contains(states, "La connexion a été coupée ; nouvel essai…") {
		t.Errorf("after the cut: states %v and no chunk answered 409", states)
	}

	// The user reloads the page: the upload in flight stops, and the
	// folder does not list the file.
	p.do(chromedp.Reload())
	px.releaseHold()
	p.do(chromedp.WaitVisible(chromedp.ID("listing")))
	if strings.Contains(p.text("#listing"), "Captation") {
		t.Fatal("the folder lists the unfinished upload")
	}
	if _, err := os.Stat(target); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("the upload was published by the reload: %v", err)
	}

	// The same file chosen again continues where it stopped.
	watchUploads(p)
	p.do(chromedp.SetUploadFiles(chromedp.ID("files"), []string{file}))
	p.waitFor(`!!document.querySelector('#queue li.done[data-name="Captation formation.mp4"]')`, 3*time.Minute)
	elapsed := time.Since(start)
	states = eval[[]string](p, `window.dossierdStates["Captation formation.mp4"] || []`)
	if !hasPrefix(states, "reprise à ") {
		t.Errorf("the page did not resume (states %v)", states)
	}
	if got := px.forwarded.Load(); got > size+size/2 {
		t.Errorf("%d bytes went through the proxy for a %d-byte file: the resumes started over", got, size)
	}
	if got := sumFile(t, target); got != want {
		t.Fatal("the committed file's SHA-256 differs from the file sent")
	}
	if tmp := tempFiles(t, env.Disk("")); len(tmp) != 0 {
		t.Errorf("temporary files left: %v", tmp)
	}
	if px.refused.Load() != 0 || px.largest.Load() > 16<<20 {
		t.Errorf("the page sent a body of %d bytes; %d refused by the proxy", px.largest.Load(), px.refused.Load())
	}
	t.Logf("1 GiB through the proxy in %v (one cut, one reload), %d bytes forwarded", elapsed.Round(time.Millisecond), px.forwarded.Load())
}

// TestProxyCapsBodies checks the test proxy itself: a body over 100 MB is
// refused before anything reaches the daemon.
func TestProxyCapsBodies(t *testing.T) {
	var reached atomic.Bool
	upstream := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reached.Store(true) }))
	defer upstream.Close()
	px := newCappingProxy(t, upstream.URL, 1<<62, 1<<62)
	req := httptest.NewRequest(http.MethodPut, "/upload/x?offset=0", strings.NewReader(""))
	req.ContentLength = proxyBodyLimit + 1
	w := httptest.NewRecorder()
	px.Config.Handler.ServeHTTP(w, req)
	if w.Code != http.StatusRequestEntityTooLarge || reached.Load() {
		t.Fatalf("over the cap: %d, reached the daemon: %v", w.Code, reached.Load())
	}
}

// watchUploads records each upload's progress values and state texts, as
// they change, in window.dossierdSeen[name] and window.dossierdStates[name].
// DevTools' evaluation is not bound by the page's Content-Security-Policy.
func watchUploads(p *tab) {
	p.t.Helper()
	eval[chromedp.Void](p, `window.dossierdSeen = {}; window.dossierdStates = {};
	setInterval(function () {
		document.querySelectorAll("#queue li").forEach(function (li) {
			var n = li.dataset.name;
			var seen = window.dossierdSeen[n] = window.dossierdSeen[n] || [];
			var states = window.dossierdStates[n] = window.dossierdStates[n] || [];
			var v = li.querySelector("progress").value, s = li.querySelector(".upload-state").textContent;
			if (seen[seen.length - 1] !== v) seen.push(v);
			if (states[states.length - 1] !== s) states.push(s);
		});
	}, 5); 0`)
}

// needFree skips the test when dir's file system has less than n bytes
// free.
func needFree(t *testing.T, dir string, n uint64) {
	t.Helper()
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	if free := st.Bavail * uint64(st.Bsize); free < n {
		t.Skipf("%d MiB free on %s; this test needs %d MiB", free>>20, dir, n>>20)
	}
}

// writeRandomFile writes size random bytes (every block written: no
// sparse file) and returns their SHA-256.
func writeRandomFile(t *testing.T, path string, size int64) [32]byte {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var seed [32]byte
	for i := range seed {
		seed[i] = byte(rand.Uint32())
	}
	h := sha256.New()
	if _, err := io.CopyN(io.MultiWriter(f, h), rand.NewChaCha8(seed), size); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return [32]byte(h.Sum(nil))
}

func sumFile(t *testing.T, path string) [32]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("not on disk: %v", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	return [32]byte(h.Sum(nil))
}

// tempFiles lists the upload temporary files under the storage root.
func tempFiles(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if strings.HasPrefix(d.Name(), scenario.UploadTempPrefix) {
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func hasPrefix(list []string, prefix string) bool {
	for _, e := range list {
		if strings.HasPrefix(e, prefix) {
			return true
		}
	}
	return false
}

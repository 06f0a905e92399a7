package httpd_test

import (
	"bytes"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dossierd/dossierd/config"
	"github.com/dossierd/dossierd/httpd"
	"github.com/dossierd/dossierd/scenario"
)

// browser is a client that behaves as a browser does where it matters
// here: a cookie jar, and Sec-Fetch-Site on its requests.
type browser struct {
	t    *testing.T
	env  *scenario.Env
	http *http.Client
}

func newBrowser(t *testing.T, env *scenario.Env) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, env: env, http: &http.Client{
		Jar:           jar,
		Transport:     &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return nil },
	}}
}

func (b *browser) do(method, path string, body io.Reader, ctype string) (*http.Response, string) {
	b.t.Helper()
	req, err := http.NewRequest(method, b.env.WebURL()+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := b.http.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp, string(data)
}

func (b *browser) get(path string) (*http.Response, string) { return b.do("GET", path, nil, "") }

func (b *browser) post(path string, form url.Values) (*http.Response, string) {
	return b.do("POST", path, strings.NewReader(form.Encode()), "application/x-www-form-urlencoded")
}

func (b *browser) login(login string) {
	b.t.Helper()
	resp, body := b.post("/login", url.Values{"login": {login}, "password": {b.env.Passwords[login]}})
	if resp.StatusCode != 200 || !strings.Contains(body, `id="listing"`) {
		b.t.Fatalf("login %s: %d %s", login, resp.StatusCode, body)
	}
}

func TestLoginListDownload(t *testing.T) {
	env := scenario.Start(t, nil)
	b := newBrowser(t, env)
	resp, body := b.get("/files/")
	if resp.StatusCode != 401 || !strings.Contains(body, `id="login-form"`) {
		t.Fatalf("before login: %d", resp.StatusCode)
	}
	for _, h := range []string{"Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy"} {
		if resp.Header.Get(h) == "" {
			t.Errorf("no %s header", h)
		}
	}
	resp, body = b.post("/login", url.Values{"login": {"acme"}, "password": {"wrong"}})
	if resp.StatusCode != 401 || !strings.Contains(body, "Wrong login or password.") {
		t.Fatalf("wrong password: %d %s", resp.StatusCode, body)
	}
	b.login("acme")
	var cookie *http.Cookie
	u, _ := url.Parse(env.WebURL())
	for _, c := range b.http.Jar.Cookies(u) {
		if c.Name == "dossierd_session" {
			cookie = c
		}
	}
	if cookie == nil || len(cookie.Value) < 43 {
		t.Fatalf("session cookie %v", cookie)
	}
	_, body = b.get("/files/")
	for _, want := range []string{"Mes documents", "Sessions", "FTPDOSSIERPERSO"} {
		if !strings.Contains(body, want) {
			t.Errorf("root listing lacks %q", want)
		}
	}
	resp, body = b.get("/files/Mes%20documents/Facture%20F2026-0042.pdf")
	want, _ := os.ReadFile(env.Disk("clients/C0042/Facture F2026-0042.pdf"))
	if resp.StatusCode != 200 || body != string(want) {
		t.Fatalf("download: %d, %d bytes, want %d", resp.StatusCode, len(body), len(want))
	}
	if cd := resp.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment") {
		t.Errorf("Content-Disposition %q", cd)
	}
	if ev := env.Audited(t, "acme", "download", "/Mes documents/Facture F2026-0042.pdf"); ev.Protocol != "HTTP" || ev.Result != "ok" || ev.Bytes != int64(len(want)) {
		t.Errorf("audit: %+v", ev)
	}
	// Range: the download resumes.
	req, _ := http.NewRequest("GET", env.WebURL()+"/files/Mes%20documents/Facture%20F2026-0042.pdf", nil)
	req.Header.Set("Range", "bytes=10-")
	r2, err := b.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	part, _ := io.ReadAll(r2.Body)
	r2.Body.Close()
	if r2.StatusCode != 206 || string(part) != string(want[10:]) {
		t.Fatalf("range: %d, %d bytes", r2.StatusCode, len(part))
	}
	// Another client's folder, by editing the URL: 404, nothing of it.
	resp, body = b.get("/files/Sessions/S2026-014%20SST%20Lyon/Documents/Convention%20GLOBEX%20S2026-014.pdf")
	if resp.StatusCode != 404 || strings.Contains(body, "GLOBEX") {
		t.Fatalf("other client's file: %d %s", resp.StatusCode, body)
	}
	resp, body = b.get("/files/globex-link/")
	if resp.StatusCode != 404 || strings.Contains(body, "GLOBEX") {
		t.Fatalf("symlink out: %d", resp.StatusCode)
	}
	// ZIP of a folder.
	resp, body = b.get("/files/Mes%20documents/?zip")
	if resp.StatusCode != 200 || !strings.HasPrefix(body, "PK") {
		t.Fatalf("zip: %d", resp.StatusCode)
	}
}

type uploadReply struct {
	ID         string `json:"id"`
	Offset     int64  `json:"offset"`
	Done       bool   `json:"done"`
	Exists     bool   `json:"exists"`
	Error      string `json:"error"`
	Suggestion string `json:"suggestion"`
}

func (b *browser) startUpload(folder, name string, size int64, replace bool) (int, uploadReply) {
	b.t.Helper()
	body, _ := json.Marshal(map[string]any{"folder": folder, "name": name, "size": size, "modified": 1, "replace": replace})
	resp, text := b.do("POST", "/upload", bytes.NewReader(body), "application/json")
	var rep uploadReply
	if err := json.Unmarshal([]byte(text), &rep); err != nil {
		b.t.Fatalf("upload start: %d %q", resp.StatusCode, text)
	}
	return resp.StatusCode, rep
}

func (b *browser) chunk(id string, offset int64, data []byte) (int, uploadReply) {
	b.t.Helper()
	resp, text := b.do("PUT", fmt.Sprintf("/upload/%s?offset=%d", id, offset), bytes.NewReader(data), "application/octet-stream")
	var rep uploadReply
	json.Unmarshal([]byte(text), &rep)
	return resp.StatusCode, rep
}

func TestChunkedUpload(t *testing.T) {
	env := scenario.Start(t, nil)
	b := newBrowser(t, env)
	b.login("acme")
	data := scenario.RandomData(t, 3<<20+123)
	code, rep := b.startUpload("/Mes documents", "rapport.pdf", int64(len(data)), false)
	if code != 200 || rep.ID == "" {
		t.Fatalf("start: %d %+v", code, rep)
	}
	code, rep2 := b.chunk(rep.ID, 0, data[:1<<20])
	if code != 200 || rep2.Offset != 1<<20 || rep2.Done {
		t.Fatalf("chunk 1: %d %+v", code, rep2)
	}
	if _, err := os.Stat(env.Disk("clients/C0042/rapport.pdf")); err == nil {
		t.Fatal("a partial upload is visible")
	}
	// A reload: the page asks again for the same file and continues.
	code, rep3 := b.startUpload("/Mes documents", "rapport.pdf", int64(len(data)), false)
	if code != 200 || rep3.ID != rep.ID || rep3.Offset != 1<<20 {
		t.Fatalf("resume: %d %+v", code, rep3)
	}
	// A chunk at the wrong offset is refused with where to continue.
	if code, r := b.chunk(rep.ID, 5, data[5:10]); code != 409 || r.Offset != 1<<20 {
		t.Fatalf("wrong offset: %d %+v", code, r)
	}
	code, rep4 := b.chunk(rep.ID, 1<<20, data[1<<20:])
	if code != 200 || !rep4.Done {
		t.Fatalf("last chunk: %d %+v", code, rep4)
	}
	got, err := os.ReadFile(env.Disk("clients/C0042/rapport.pdf"))
	if err != nil || sha256.Sum256(got) != sha256.Sum256(data) {
		t.Fatalf("committed file differs (%v)", err)
	}
	// The same name again: the page is asked before replacing.
	if code, r := b.startUpload("/Mes documents", "rapport.pdf", 10, false); code != 409 || !r.Exists {
		t.Fatalf("existing: %d %+v", code, r)
	}
	// A refused name comes with its suggestion.
	code, r := b.startUpload("/Mes documents", "Résumé d'été.pdf", 10, false)
	if code != 422 || r.Suggestion != "Resume d ete.pdf" || !strings.Contains(r.Error, "é") {
		t.Fatalf("refused name: %d %+v", code, r)
	}
	// Over max_upload_file_size: refused before the first byte.
	if code, r := b.startUpload("/Mes documents", "film.mp4", 5<<30, false); code != 413 || !strings.Contains(r.Error, "2048 MB") {
		t.Fatalf("too large: %d %+v", code, r)
	}
	// Read-only folder.
	if code, r := b.startUpload("/FTPDOSSIERPERSO", "x.pdf", 10, false); code != 403 || r.Error == "" {
		t.Fatalf("read-only: %d %+v", code, r)
	}
}

func TestCrossOriginPostRefused(t *testing.T) {
	env := scenario.Start(t, nil)
	b := newBrowser(t, env)
	b.login("acme")
	req, _ := http.NewRequest("POST", env.WebURL()+"/mkdir", strings.NewReader("folder=%2FMes+documents&name=evil"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err := b.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Fatalf("cross-site post: %d", resp.StatusCode)
	}
	if _, err := os.Stat(env.Disk("clients/C0042/evil")); err == nil {
		t.Fatal("cross-site post created a folder")
	}
	resp, body := b.post("/mkdir", url.Values{"folder": {"/Mes documents"}, "name": {"Bilan"}})
	if resp.StatusCode != 200 || !strings.Contains(body, `Folder &#34;Bilan&#34; created.`) {
		t.Fatalf("mkdir: %d %s", resp.StatusCode, body)
	}
	if fi, err := os.Stat(env.Disk("clients/C0042/Bilan")); err != nil || !fi.IsDir() {
		t.Fatalf("mkdir: no folder on disk (%v)", err)
	}
}

// TestAPIMounted: the REST API answers on the web bindings.
func TestAPIMounted(t *testing.T) {
	env := scenario.Start(t, nil)
	b := newBrowser(t, env)
	resp, body := b.get("/api/v1/openapi.json")
	if resp.StatusCode != 200 || !strings.Contains(body, `"openapi"`) {
		t.Fatalf("openapi.json: %d", resp.StatusCode)
	}
	resp, _ = b.get("/api/v1/accounts")
	if resp.StatusCode != 401 || resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("no key: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

// TestWebUploadEvent: a chunked upload fires one upload event, after its
// last chunk, with its final name and protocol HTTP.
func TestWebUploadEvent(t *testing.T) {
	got := make(chan map[string]any, 10)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev map[string]any
		json.NewDecoder(r.Body).Decode(&ev)
		got <- ev
	}))
	defer recv.Close()
	env := scenario.Start(t, func(c *config.Config) {
		c.Events.Webhooks = []config.Webhook{{URL: recv.URL, Secret: "0123456789abcdef", Events: []string{"upload"}}}
	})
	b := newBrowser(t, env)
	b.login("acme")
	data := scenario.RandomData(t, 2<<20)
	_, rep := b.startUpload("/Mes documents", "bilan.pdf", int64(len(data)), false)
	b.chunk(rep.ID, 0, data[:1<<20])
	select {
	case ev := <-got:
		t.Fatalf("event before the last chunk: %v", ev)
	case <-time.After(500 * time.Millisecond):
	}
	if code, r := b.chunk(rep.ID, 1<<20, data[1<<20:]); code != 200 || !r.Done {
		t.Fatalf("last chunk: %d %+v", code, r)
	}
	sum := sha256.Sum256(data)
	select {
	case ev := <-got:
		if ev["protocol"] != "HTTP" || ev["path"] != "/Mes documents/bilan.pdf" || ev["sha256"] != hex.EncodeToString(sum[:]) {
			t.Fatalf("event %v", ev)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no upload event")
	}
}

// TestMultipartFormLeavesNothing: a big multipart body on a form route is
// cut at the form's bound and leaves no temporary file behind.
func TestMultipartFormLeavesNothing(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	env := scenario.Start(t, nil)
	b := newBrowser(t, env)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("login", "acme")
	fw, _ := mw.CreateFormFile("f", "big.bin")
	fw.Write(bytes.Repeat([]byte("x"), 40<<20))
	mw.Close()
	resp, _ := b.do("POST", "/login", &body, mw.FormDataContentType())
	if resp.StatusCode == 200 {
		t.Fatalf("multipart login: %d", resp.StatusCode)
	}
	left, _ := filepath.Glob(filepath.Join(tmp, "multipart-*"))
	if len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
}

// TestUnfinishedUploadsBounded: a web session holds at most 8 unfinished
// uploads (each keeps a file open); finishing one makes room.
func TestUnfinishedUploadsBounded(t *testing.T) {
	env := scenario.Start(t, nil)
	b := newBrowser(t, env)
	b.login("acme")
	var first uploadReply
	for i := 0; i < 8; i++ {
		code, r := b.startUpload("/Mes documents", fmt.Sprintf("f%d.pdf", i), 10, false)
		if code != 200 {
			t.Fatalf("upload %d: %d %+v", i, code, r)
		}
		if i == 0 {
			first = r
		}
	}
	if code, r := b.startUpload("/Mes documents", "f8.pdf", 10, false); code != 429 || r.Error == "" {
		t.Fatalf("ninth: %d %+v", code, r)
	}
	if code, r := b.chunk(first.ID, 0, []byte("0123456789")); code != 200 || !r.Done {
		t.Fatalf("finishing one: %d %+v", code, r)
	}
	if code, _ := b.startUpload("/Mes documents", "f8.pdf", 10, false); code != 200 {
		t.Fatalf("after one finished: %d", code)
	}
}

// TestBehindProxy: through a trusted proxy (plain HTTP on loopback), the
// client's address is the forwarded one for the pages and for the API: bad
// API keys ban the client, never the proxy.
func TestBehindProxy(t *testing.T) {
	env := scenario.Start(t, func(c *config.Config) {
		c.HTTPD.Bindings = []config.HTTPBinding{{Address: "127.0.0.1", Port: 0, EnableHTTPS: false, ProxyAllowed: []string{"127.0.0.1"}}}
		c.Common.Defender.Threshold = 6
	})
	base := "http://" + env.HTTPAddr()
	call := func(xff, key string) int {
		req, _ := http.NewRequest("GET", base+"/api/v1/accounts", nil)
		req.Header.Set("X-Forwarded-For", xff)
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for i := 0; i < 4; i++ {
		call("203.0.113.9", "dsk_wrong")
	}
	if code := call("203.0.113.9", "dsk_wrong"); code != 429 {
		t.Fatalf("the guessing client is not banned: %d", code)
	}
	if code := call("198.51.100.7", "dsk_wrong"); code != 401 {
		t.Fatalf("another client behind the same proxy: %d, want 401 (the proxy is not banned)", code)
	}
	if env.Daemon.Defender.IsBanned(netip.MustParseAddr("127.0.0.1")) {
		t.Fatal("the proxy's address is banned")
	}
}

// TestTricklingChunkCut: a chunk whose body stops arriving is cut at the
// read deadline; what arrived stays, and the upload continues from there.
func TestTricklingChunkCut(t *testing.T) {
	old := *httpd.ChunkReadTime
	*httpd.ChunkReadTime = time.Second
	t.Cleanup(func() { *httpd.ChunkReadTime = old }) // after the daemon's stop (cleanups run last first)
	env := scenario.Start(t, nil)
	b := newBrowser(t, env)
	b.login("acme")
	data := scenario.RandomData(t, 1<<20)
	_, rep := b.startUpload("/Mes documents", "lent.pdf", int64(len(data)), false)
	pr, pw := io.Pipe()
	go func() {
		pw.Write(data[:4096])
		time.Sleep(5 * time.Second) // then nothing: a trickle
		pw.Close()
	}()
	req, _ := http.NewRequest("PUT", fmt.Sprintf("%s/upload/%s?offset=0", env.WebURL(), rep.ID), pr)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	start := time.Now()
	if resp, err := b.http.Do(req); err == nil {
		resp.Body.Close()
	}
	if d := time.Since(start); d > 4*time.Second {
		t.Fatalf("the trickling chunk held the request %v", d)
	}
	_, again := b.startUpload("/Mes documents", "lent.pdf", int64(len(data)), false)
	if again.ID != rep.ID || again.Offset != 4096 {
		t.Fatalf("after the cut: %+v, want offset 4096", again)
	}
	if code, r := b.chunk(rep.ID, 4096, data[4096:]); code != 200 || !r.Done {
		t.Fatalf("rest: %d %+v", code, r)
	}
	if got, _ := os.ReadFile(env.Disk("clients/C0042/lent.pdf")); !bytes.Equal(got, data) {
		t.Fatal("the file differs")
	}
}

// TestNoSessionAnswers: without a session, a form posted from a page left
// open lands on the login page, and the upload script gets a sentence.
func TestNoSessionAnswers(t *testing.T) {
	env := scenario.Start(t, nil)
	b := newBrowser(t, env)
	resp, body := b.post("/mkdir", url.Values{"folder": {"/Mes documents"}, "name": {"x"}})
	if resp.StatusCode != 401 || !strings.Contains(body, `id="login-form"`) {
		t.Fatalf("form without a session: %d %s", resp.StatusCode, body)
	}
	code, r := b.startUpload("/Mes documents", "x.pdf", 10, false)
	if code != 401 || !strings.Contains(r.Error, "no longer logged in") {
		t.Fatalf("upload without a session: %d %+v", code, r)
	}
}

package benchkit

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"strings"
	"time"
)

// WebChunk is the size of one upload request, as the page sends it
// (httpd/static/app.js): under a reverse proxy's body limit.
const WebChunk = 16 << 20

// WebClient is one browser as the web front-end sees it: its own cookie
// jar and connections (TLS, HTTP/2 as browsers negotiate it), and
// Sec-Fetch-Site on every request, as browsers send it (the server's
// cross-origin protection wants it on state changes). The daemon's
// certificate is self-signed: not verified (loopback, a server this run
// started).
type WebClient struct {
	Base string // https://host:port
	http *http.Client
}

// NewWebClient is a fresh browser for base.
func NewWebClient(base string) *WebClient {
	jar, _ := cookiejar.New(nil)
	return &WebClient{Base: strings.TrimSuffix(base, "/"), http: &http.Client{
		Jar:     jar,
		Timeout: 10 * time.Minute,
		Transport: &http.Transport{
			TLSClientConfig:   &tls.Config{InsecureSkipVerify: true},
			ForceAttemptHTTP2: true,
		},
	}}
}

// Close drops the client's connections.
func (c *WebClient) Close() { c.http.CloseIdleConnections() }

func (c *WebClient) do(method, p string, body io.Reader, size int64, ctype string) (*http.Response, error) {
	req, err := http.NewRequest(method, c.Base+p, body)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.ContentLength = size
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.http.Do(req)
}

// call sends a request whose answer's status must be want, and reads the
// answer into w (nil: kept in memory and returned).
func (c *WebClient) call(method, p string, body io.Reader, size int64, ctype string, want int, w io.Writer) ([]byte, error) {
	resp, err := c.do(method, p, body, size, ctype)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != want {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return nil, fmt.Errorf("%s %s: status %d, want %d: %s", resp.Request.Method, resp.Request.URL.Path, resp.StatusCode, want, bytes.TrimSpace(b))
	}
	if w != nil {
		_, err := io.Copy(w, resp.Body)
		return nil, err
	}
	return io.ReadAll(resp.Body)
}

// Login posts the login form; the answer is the tree's page.
func (c *WebClient) Login(login, password string) error {
	form := url.Values{"login": {login}, "password": {password}}.Encode()
	page, err := c.call("POST", "/login", strings.NewReader(form), int64(len(form)), "application/x-www-form-urlencoded", http.StatusOK, nil)
	if err == nil && !bytes.Contains(page, []byte(`id="listing"`)) {
		err = fmt.Errorf("login %s: no listing in the answer", login)
	}
	return err
}

// Logout ends the web session.
func (c *WebClient) Logout() error {
	_, err := c.call("POST", "/logout", nil, 0, "", http.StatusOK, io.Discard)
	return err
}

// fileURL is the page of a virtual path, each element escaped.
func fileURL(p string) string {
	var b strings.Builder
	b.WriteString("/files")
	for _, e := range strings.Split(strings.Trim(p, "/"), "/") {
		b.WriteString("/" + url.PathEscape(e))
	}
	return b.String()
}

// List fetches a folder's page and returns its size in bytes.
func (c *WebClient) List(folder string) (int, error) {
	page, err := c.call("GET", fileURL(folder)+"/", nil, 0, "", http.StatusOK, nil)
	if err == nil && !bytes.Contains(page, []byte(`id="listing"`)) {
		err = fmt.Errorf("%s: no listing", folder)
	}
	return len(page), err
}

// Download writes a file's bytes to w.
func (c *WebClient) Download(p string, w io.Writer) error {
	_, err := c.call("GET", fileURL(p), nil, 0, "", http.StatusOK, w)
	return err
}

// DownloadFile saves a file at local.
func (c *WebClient) DownloadFile(p, local string) error {
	f, err := os.Create(local)
	if err != nil {
		return err
	}
	if err := c.Download(p, f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

type webReply struct {
	ID     string `json:"id"`
	Offset int64  `json:"offset"`
	Done   bool   `json:"done"`
	Error  string `json:"error"`
}

// Upload sends a local file into folder under name through the chunked
// protocol of the page (httpd/upload.go): POST /upload, then one PUT of
// at most WebChunk bytes per request, each from where the server says
// the file stands; it replaces an existing file.
func (c *WebClient) Upload(local, folder, name string) error {
	f, err := os.Open(local)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	start, _ := json.Marshal(map[string]any{"folder": folder, "name": name, "size": fi.Size(), "modified": fi.ModTime().UnixMilli(), "replace": true})
	rep, err := c.uploadReply(c.call("POST", "/upload", bytes.NewReader(start), int64(len(start)), "application/json", http.StatusOK, nil))
	if err != nil {
		return err
	}
	for off := rep.Offset; !rep.Done; off = rep.Offset {
		n := min(WebChunk, fi.Size()-off)
		rep, err = c.uploadReply(c.call("PUT", fmt.Sprintf("/upload/%s?offset=%d", url.PathEscape(rep.ID), off),
			io.NewSectionReader(f, off, n), n, "application/octet-stream", http.StatusOK, nil))
		if err != nil {
			return err
		}
		if !rep.Done && rep.Offset <= off {
			return fmt.Errorf("upload of %s: stuck at %d", name, off)
		}
	}
	return nil
}

func (c *WebClient) uploadReply(body []byte, err error) (webReply, error) {
	var rep webReply
	if err != nil {
		return rep, err
	}
	if err := json.Unmarshal(body, &rep); err != nil {
		return rep, fmt.Errorf("upload: %w", err)
	}
	return rep, nil
}

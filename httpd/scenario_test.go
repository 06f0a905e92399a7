package httpd_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/dossierd/dossierd/scenario"
)

// webClient drives the scenario table through the pages, as a browser
// would: the listing's rows, the forms, the upload protocol of app.js.
type webClient struct{ b *browser }

// webError is a refusal as the page shows it: a status, and the sentence
// of the page's alert or of the upload's JSON.
type webError struct {
	status int
	msg    string
}

func (e *webError) Error() string { return fmt.Sprintf("%d %s", e.status, e.msg) }

func dialWeb(t testing.TB, env *scenario.Env, login, password string) scenario.Client {
	b := newBrowser(t.(*testing.T), env)
	resp, body := b.post("/login", url.Values{"login": {login}, "password": {password}})
	if resp.StatusCode != 200 || !strings.Contains(body, `id="listing"`) {
		t.Fatalf("web login %s: %d", login, resp.StatusCode)
	}
	return &webClient{b: b}
}

func escapePath(p string) string {
	var parts []string
	for _, e := range strings.Split(strings.Trim(p, "/"), "/") {
		parts = append(parts, url.PathEscape(e))
	}
	return "/files/" + strings.Join(parts, "/")
}

var rowName = regexp.MustCompile(`<tr data-name="([^"]*)">`)
var alert = regexp.MustCompile(`(?s)<p class="error" role="alert">(.*?)</p>`)

func (c *webClient) List(p string) ([]string, error) {
	resp, body := c.b.get(strings.TrimSuffix(escapePath(p), "/") + "/")
	if resp.StatusCode != 200 {
		return nil, &webError{resp.StatusCode, ""}
	}
	out := []string{}
	for _, m := range rowName.FindAllStringSubmatch(body, -1) {
		out = append(out, html.UnescapeString(m[1]))
	}
	return out, nil
}

func (c *webClient) Stat(p string) error {
	resp, _ := c.b.do("HEAD", escapePath(p), nil, "")
	if resp.StatusCode != 200 {
		return &webError{resp.StatusCode, ""}
	}
	return nil
}

func (c *webClient) Get(p string) ([]byte, error) {
	resp, body := c.b.get(escapePath(p))
	if resp.StatusCode != 200 {
		return nil, &webError{resp.StatusCode, ""}
	}
	return []byte(body), nil
}

func (c *webClient) Put(p string, data []byte) error {
	req, _ := json.Marshal(map[string]any{"folder": path.Dir(p), "name": path.Base(p), "size": len(data), "modified": 1, "replace": true})
	resp, text := c.b.do("POST", "/upload", bytes.NewReader(req), "application/json")
	var rep uploadReply
	json.Unmarshal([]byte(text), &rep)
	if resp.StatusCode != 200 {
		return &webError{resp.StatusCode, rep.Error}
	}
	const chunk = 1 << 20
	for off := 0; !rep.Done; {
		end := min(off+chunk, len(data))
		code, r := c.b.chunk(rep.ID, int64(off), data[off:end])
		if code != 200 {
			return &webError{code, r.Error}
		}
		rep, off = r, end
	}
	return nil
}

// form posts one of the folder forms; the page the browser lands on says
// what happened.
func (c *webClient) form(action string, v url.Values) error {
	resp, body := c.b.post(action, v)
	if m := alert.FindStringSubmatch(body); m != nil {
		return &webError{resp.StatusCode, html.UnescapeString(strings.TrimSpace(m[1]))}
	}
	if resp.StatusCode != 200 {
		return &webError{resp.StatusCode, ""}
	}
	return nil
}

func (c *webClient) Mkdir(p string) error {
	return c.form("/mkdir", url.Values{"folder": {path.Dir(p)}, "name": {path.Base(p)}})
}

func (c *webClient) Rename(from, to string) error {
	if path.Dir(from) == path.Dir(to) {
		to = path.Base(to)
	}
	return c.form("/rename", url.Values{"folder": {path.Dir(from)}, "from": {path.Base(from)}, "to": {to}})
}

func (c *webClient) Remove(p string) error {
	return c.form("/delete", url.Values{"folder": {path.Dir(p)}, "name": {path.Base(p)}})
}

// Skip leaves out the names a browser cannot send: a File's name is a
// JavaScript string, always valid Unicode.
func (c *webClient) Skip(s scenario.Step) string {
	if !utf8.ValidString(s.Path) || !utf8.ValidString(s.Target) {
		return "a browser sends only valid UTF-8 names"
	}
	return ""
}

func (c *webClient) Close() error {
	c.b.post("/logout", nil)
	return nil
}

func (c *webClient) Kind(err error) scenario.Kind {
	var we *webError
	if !errors.As(err, &we) {
		return scenario.Failed
	}
	switch msg := we.msg; {
	case we.status == http.StatusNotFound, strings.Contains(msg, "no such file"):
		return scenario.NotFound
	case we.status == http.StatusForbidden, strings.Contains(msg, "read-only folder"):
		return scenario.Denied
	case we.status == http.StatusUnprocessableEntity, strings.Contains(msg, "refused"):
		return scenario.BadName
	}
	return scenario.Failed
}

func (c *webClient) Message(err error) string {
	var we *webError
	if errors.As(err, &we) {
		return we.msg
	}
	return ""
}

// TestScenarioTableWeb: the table SFTP, FTP and the core pass, through the
// web pages: the same outcomes, because the same core operations.
func TestScenarioTableWeb(t *testing.T) {
	env := scenario.Start(t, nil)
	scenario.Run(t, env, dialWeb)
}

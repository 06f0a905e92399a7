package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/dossierd/dossierd/audit"
	"github.com/dossierd/dossierd/auth"
	"github.com/dossierd/dossierd/defender"
	"github.com/dossierd/dossierd/demo"
	"github.com/dossierd/dossierd/mailer"
	"github.com/dossierd/dossierd/mailer/mailtest"
	"github.com/dossierd/dossierd/names"
	"github.com/dossierd/dossierd/service"
	"github.com/dossierd/dossierd/vfs"
)

// env is the API over a real directory (SQLite in a temporary folder,
// the demo directory loaded) and a real service, as the daemon builds them.
type env struct {
	h       *Handler
	store   *auth.Store
	storage *vfs.Storage
	svc     *service.Service
	def     *defender.Defender
	root    string // the storage root on disk
	keys    map[string]string
	inbox   func() []mailtest.Message // what the mailer sent
}

// loadDoc loads and validates the OpenAPI document once per test.
func loadDoc(t testing.TB) *openapi3.T {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(OpenAPI)
	if err != nil {
		t.Fatalf("openapi.json does not load: %v", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		t.Fatalf("openapi.json is not a valid OpenAPI document: %v", err)
	}
	return doc
}

func newEnv(t testing.TB) *env {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	root := filepath.Join(dir, "storage")
	if err := os.Mkdir(root, 0o700); err != nil {
		t.Fatal(err)
	}
	storage, err := vfs.OpenStorage(root, "FTPDOSSIERPERSO", vfs.DefaultUmask)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { storage.Close() })
	store, err := auth.Open(filepath.Join(dir, "dossierd.db"), auth.Options{Layout: storage, CheckName: names.Check})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	if _, err := demo.Load(ctx, store, root); err != nil {
		t.Fatal(err)
	}
	rec, err := audit.NewRecorder(ctx, store.DB(), log)
	if err != nil {
		t.Fatal(err)
	}
	def := defender.New(defender.Config{Enabled: true, BanTime: time.Minute, Threshold: 5, ScoreInvalid: 2, ScoreValid: 1,
		ObservationTime: time.Minute, EntriesSoftLimit: 100, EntriesHardLimit: 200}, time.Now)
	svc := service.New(store, storage, service.Options{
		Layout: vfs.Layout{Labels: vfs.DefaultLabels, Permissions: vfs.DefaultPermissions(), SharedFolder: "FTPDOSSIERPERSO"},
		FS:     vfs.Options{Policy: names.Default(), UploadMode: vfs.UploadAtomic},
		Logger: log, Audit: rec, Defender: def,
	})
	smtp, inbox := mailtest.Start(t)
	e := &env{store: store, storage: storage, svc: svc, def: def, root: root, keys: map[string]string{}, inbox: inbox}
	e.h = New(Options{Store: store, Service: svc, Audit: rec, Logger: log, LinkBase: "https://depot.example.fr",
		Mailer: mailer.New(smtp, log)})
	t.Cleanup(func() {
		e.h.Close()
		svc.Drain(ctx)
		rec.Close()
	})
	for name, scopes := range map[string][]string{
		"tms":      auth.Scopes,
		"reader":   {auth.ScopeDirectoryRead, auth.ScopeFilesRead},
		"auditor":  {auth.ScopeAuditRead},
		"old":      auth.Scopes,
		"revoked":  auth.Scopes,
		"importer": {auth.ScopeDirectoryWrite},
	} {
		expires := ""
		if name == "old" {
			expires = "2020-01-31"
		}
		k, err := store.AddAPIKey(ctx, name, scopes, expires)
		if err != nil {
			t.Fatal(err)
		}
		e.keys[name] = k
	}
	if err := store.RevokeAPIKey(ctx, "revoked"); err != nil {
		t.Fatal(err)
	}
	return e
}

// docs holds the document of the package's tests, loaded once.
var docs = struct{ doc *openapi3.T }{}

func (e *env) doc(t *testing.T) *openapi3.T {
	if docs.doc == nil {
		docs.doc = loadDoc(t)
	}
	return docs.doc
}

// request is one call: the key's name (or "" for none, or a literal
// "Bearer ..." header), extra headers as name, value pairs.
type request struct {
	method, target, key string
	body                []byte
	header              []string
	remote              string
}

// do runs a call through the handler and checks its response against
// the OpenAPI document: the status is declared for the operation, the
// body matches its schema.
func (e *env) do(t *testing.T, rq request) *httptest.ResponseRecorder {
	t.Helper()
	var body io.Reader = http.NoBody
	if rq.body != nil {
		body = bytes.NewReader(rq.body)
	}
	r := httptest.NewRequest(rq.method, rq.target, body)
	if rq.remote != "" {
		r.RemoteAddr = rq.remote
	}
	switch {
	case strings.HasPrefix(rq.key, "Bearer "), strings.HasPrefix(rq.key, "Basic "):
		r.Header.Set("Authorization", rq.key)
	case rq.key != "":
		k, ok := e.keys[rq.key]
		if !ok {
			t.Fatalf("no key %q", rq.key)
		}
		r.Header.Set("Authorization", "Bearer "+k)
	}
	for i := 0; i+1 < len(rq.header); i += 2 {
		r.Header.Set(rq.header[i], rq.header[i+1])
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	e.validate(t, r, w)
	return w
}

// validate checks a response against the document. r.Pattern is the
// route the mux chose (set on r by ServeHTTP).
func (e *env) validate(t *testing.T, r *http.Request, w *httptest.ResponseRecorder) {
	t.Helper()
	doc := e.doc(t)
	pattern := r.Pattern
	ctx := context.Background()
	if pattern == "" || pattern == Prefix+"/" {
		// Not routed: a problem all the same.
		if err := doc.Components.Schemas["Problem"].Value.VisitJSON(decodeAny(t, w.Body.Bytes()), openapi3.EnableJSONSchema2020()); err != nil {
			t.Errorf("%s %s: %d is not a Problem: %v\n%s", r.Method, r.URL, w.Code, err, w.Body)
		}
		return
	}
	method, p, _ := strings.Cut(pattern, " ")
	p = strings.TrimPrefix(p, Prefix)
	if strings.HasPrefix(p, "/files/") {
		p = "/files/{path}"
	}
	item := doc.Paths.Value(p)
	if item == nil || item.GetOperation(method) == nil {
		t.Fatalf("%s %s (route %q) is not in openapi.json", method, p, pattern)
	}
	in := &openapi3filter.RequestValidationInput{Request: r, Route: &routers.Route{Spec: doc, Path: p, PathItem: item, Method: method, Operation: item.GetOperation(method)},
		Options: &openapi3filter.Options{IncludeResponseStatus: true, AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: w.Code, Header: w.Header(), Options: in.Options}
	out.SetBodyBytes(w.Body.Bytes())
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		t.Errorf("%s %s: response %d does not match openapi.json: %v\n%s", r.Method, r.URL, w.Code, err, w.Body)
	}
}

func decodeAny(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("not JSON: %v: %s", err, b)
	}
	return v
}

// expect checks the status and, for a problem, the type's code.
func expect(t *testing.T, w *httptest.ResponseRecorder, status int, problemCode string) map[string]any {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status %d, want %d: %s", w.Code, status, w.Body)
	}
	if problemCode != "" {
		if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" {
			t.Errorf("Content-Type %q, want application/problem+json", ct)
		}
	}
	if w.Body.Len() == 0 || !strings.HasPrefix(strings.TrimSpace(w.Body.String()), "{") {
		return nil
	}
	var m map[string]any
	json.Unmarshal(w.Body.Bytes(), &m)
	if problemCode != "" && m["type"] != problemType+problemCode {
		t.Errorf("problem type %v, want %s%s", m["type"], problemType, problemCode)
	}
	return m
}

// auditEvents waits for the recorder's batch (written every second) and
// returns the events of f.
func (e *env) auditEvents(t *testing.T, f audit.Filter, atLeast int) []audit.Event {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		evs, err := audit.Query(context.Background(), e.store.DB(), f)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) >= atLeast || time.Now().After(deadline) {
			return evs
		}
		time.Sleep(100 * time.Millisecond)
	}
}

package api

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dossierd/dossierd/tmsimport"
)

func TestDirectoryExportImport(t *testing.T) {
	e := newEnv(t)
	w := e.do(t, request{method: "GET", target: "/api/v1/directory", key: "reader"})
	expect(t, w, http.StatusOK, "")
	export := w.Body.Bytes()
	if !strings.Contains(string(export), `"login": "acme"`) || strings.Contains(string(export), "password") {
		t.Fatalf("export %s", export)
	}

	// The export imports back unchanged.
	w = e.do(t, request{method: "POST", target: "/api/v1/directory", key: "importer", body: export})
	m := expect(t, w, http.StatusOK, "")
	if m["changed"] != false || !strings.Contains(m["summary"].(string), "nothing changed") {
		t.Errorf("re-import: %s", w.Body)
	}

	// A dry run says what would change and changes nothing.
	body := []byte(`{"accounts": [{"login": "newco", "role": "client", "ref": "C0099", "name": "NewCo"}],
		"sessions": [], "enrollments": [{"session": "S2026-014", "role": "client", "ref": "C0099"}]}`)
	w = e.do(t, request{method: "POST", target: "/api/v1/directory?dry_run=true", key: "importer", body: body})
	var d diffJSON
	json.Unmarshal(w.Body.Bytes(), &d)
	if w.Code != 200 || !d.DryRun || !d.Changed || d.Accounts.Added != 1 || d.Enrollments.Added != 1 || len(d.Changes) != 2 {
		t.Fatalf("dry run: %d %s", w.Code, w.Body)
	}
	if _, err := e.store.Account(context.Background(), "newco"); err == nil {
		t.Fatal("a dry run added the account")
	}
	w = e.do(t, request{method: "POST", target: "/api/v1/directory", key: "importer", body: body})
	json.Unmarshal(w.Body.Bytes(), &d)
	if w.Code != 200 || d.DryRun || d.Accounts.Added != 1 {
		t.Fatalf("import: %d %s", w.Code, w.Body)
	}
	if fi, err := os.Stat(filepath.Join(e.root, "sessions/S2026-014/clients/C0099")); err != nil || !fi.IsDir() {
		t.Errorf("enrollment folder: %v", err)
	}

	// prune needs the three lists, and disables what the body lacks.
	w = e.do(t, request{method: "POST", target: "/api/v1/directory?prune=true&dry_run=true", key: "importer", body: []byte(`{"accounts": []}`)})
	expect(t, w, http.StatusUnprocessableEntity, "invalid")
	w = e.do(t, request{method: "POST", target: "/api/v1/directory?prune=true&dry_run=true", key: "importer", body: export})
	json.Unmarshal(w.Body.Bytes(), &d)
	if w.Code != 200 || d.Accounts.Disabled != 1 || d.Enrollments.Removed != 1 {
		t.Errorf("prune dry run: %s", w.Body)
	}
	expect(t, e.do(t, request{method: "POST", target: "/api/v1/directory?prune=maybe", key: "importer", body: export}), http.StatusBadRequest, "bad-query")
	// directory:write alone does not read.
	expect(t, e.do(t, request{method: "GET", target: "/api/v1/directory", key: "importer"}), http.StatusForbidden, "scope")
}

// TestDirectoryRefused: malformed JSON is a 400 with where it breaks;
// content refused a 422 listing every problem with its pointer, and
// nothing changes.
func TestDirectoryRefused(t *testing.T) {
	e := newEnv(t)
	for _, tt := range []struct {
		body, pointer string
		offset        float64
	}{
		{`{"accounts": [{"login": "a", "role": "client",, }]}`, "/accounts/0", 47},
		{`{"accounts": [{"login": "a"}, {"login": tru}]}`, "/accounts/1/login", 44},
		{`{"accounts": [`, "/accounts/0", 14},
		{``, "", 0},
	} {
		w := e.do(t, request{method: "POST", target: "/api/v1/directory", key: "tms", body: []byte(tt.body)})
		m := expect(t, w, http.StatusBadRequest, "malformed-json")
		if m["pointer"] != nil && m["pointer"] != tt.pointer || m["pointer"] == nil && tt.pointer != "" || m["offset"] != tt.offset {
			t.Errorf("%s: pointer %v offset %v, want %q %v: %s", tt.body, m["pointer"], m["offset"], tt.pointer, tt.offset, w.Body)
		}
	}

	body := `{"accounts": [
		{"login": "ok1", "role": "client", "ref": "C0100"},
		{"login": "bad", "role": "client", "ref": "C l'été"},
		{"login": "worse", "role": "teacher", "ref": "X1", "expires_at": "31/12/2027"}],
	 "sessions": [], "enrollments": [{"session": "S2099", "role": "client", "ref": "C0100"}]}`
	w := e.do(t, request{method: "POST", target: "/api/v1/directory", key: "tms", body: []byte(body)})
	m := expect(t, w, http.StatusUnprocessableEntity, "invalid")
	var ptrs []string
	for _, p := range m["errors"].([]any) {
		ptrs = append(ptrs, p.(map[string]any)["pointer"].(string))
	}
	got := strings.Join(ptrs, " ")
	for _, want := range []string{"/accounts/1/ref", "/accounts/2/role", "/accounts/2/expires_at", "/enrollments/0/session"} {
		if !strings.Contains(got, want) {
			t.Errorf("pointers %q lack %s: %s", got, want, w.Body)
		}
	}
	if !strings.Contains(w.Body.String(), `ref \"C l'été\" refused: the character \"'\"`) && !strings.Contains(w.Body.String(), `refused`) {
		t.Errorf("detail: %s", w.Body)
	}
	if _, err := e.store.Account(context.Background(), "ok1"); err == nil {
		t.Error("a refused import added an account")
	}
}

func TestAccounts(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	w := e.do(t, request{method: "GET", target: "/api/v1/accounts", key: "reader"})
	var list []tmsimport.ListedAccount
	json.Unmarshal(w.Body.Bytes(), &list)
	if w.Code != 200 || len(list) != 6 || list[0].Login != "acme" || !list[0].HasPassword {
		t.Fatalf("accounts: %s", w.Body)
	}
	m := expect(t, e.do(t, request{method: "GET", target: "/api/v1/accounts/ACME", key: "reader"}), http.StatusOK, "")
	if m["login"] != "acme" || m["ref"] != "C0042" {
		t.Errorf("account: %v", m)
	}
	m = expect(t, e.do(t, request{method: "GET", target: "/api/v1/accounts/nobody", key: "reader"}), http.StatusNotFound, "not-found")
	if m["detail"] != `no account "nobody"` {
		t.Errorf("unknown login: %v", m["detail"])
	}

	// PUT creates (folder included), then replaces; the password given is
	// hashed, one left out is kept.
	w = e.do(t, request{method: "PUT", target: "/api/v1/accounts/initech", key: "tms",
		body: []byte(`{"role": "client", "ref": "C0500", "name": "Initech", "email": "rh@initech.example", "password": "s3cret-pw"}`)})
	m = expect(t, w, http.StatusCreated, "")
	if m["login"] != "initech" || m["has_password"] != true || m["email"] != "rh@initech.example" {
		t.Errorf("created: %s", w.Body)
	}
	if fi, err := os.Stat(filepath.Join(e.root, "clients/C0500")); err != nil || !fi.IsDir() {
		t.Errorf("folder of the new client: %v", err)
	}
	if _, err := e.store.Authenticate(ctx, "initech", "s3cret-pw"); err != nil {
		t.Errorf("password: %v", err)
	}
	w = e.do(t, request{method: "PUT", target: "/api/v1/accounts/initech", key: "tms",
		body: []byte(`{"login": "Initech", "role": "client", "ref": "C0500", "name": "Initech SA"}`)})
	m = expect(t, w, http.StatusOK, "")
	if m["name"] != "Initech SA" || m["has_password"] != true || m["email"] != "" {
		t.Errorf("replaced: %s", w.Body)
	}

	// Refusals name the field.
	for _, tt := range []struct {
		body          string
		status        int
		code, pointer string
	}{
		{`{"login": "other", "role": "client", "ref": "C1"}`, 422, "invalid", "/login"},
		{`{"role": "teacher", "ref": "C1"}`, 422, "invalid", "/role"},
		{`{"role": "client", "ref": "C 1/2"}`, 422, "invalid", "/ref"},
		{`{"role": "client", "ref": "C1", "disabled": "yes"}`, 422, "invalid", "/disabled"},
		{`{"role": "client", "ref": "C1",}`, 400, "malformed-json", ""},
		{`{"role": "client", "public_keys": ["a" "b"]}`, 400, "malformed-json", "/public_keys/1"},
		{`[1]`, 422, "invalid", ""},
	} {
		w := e.do(t, request{method: "PUT", target: "/api/v1/accounts/x1", key: "tms", body: []byte(tt.body)})
		m := expect(t, w, tt.status, tt.code)
		if p, _ := m["pointer"].(string); p != tt.pointer {
			t.Errorf("%s: pointer %q, want %q: %s", tt.body, p, tt.pointer, w.Body)
		}
	}
	if _, err := e.store.Account(ctx, "x1"); err == nil {
		t.Error("a refused PUT created the account")
	}

	m = expect(t, e.do(t, request{method: "POST", target: "/api/v1/accounts/acme/disable", key: "tms"}), http.StatusOK, "")
	if m["disabled"] != true {
		t.Errorf("disable: %v", m)
	}
	m = expect(t, e.do(t, request{method: "GET", target: "/api/v1/accounts/acme/tree", key: "reader"}), http.StatusOK, "")
	if m["can_log_in"] != false || !strings.Contains(m["reason"].(string), "disabled") {
		t.Errorf("tree of a disabled account: %v", m)
	}
	m = expect(t, e.do(t, request{method: "POST", target: "/api/v1/accounts/acme/enable", key: "tms"}), http.StatusOK, "")
	if m["disabled"] != false {
		t.Errorf("enable: %v", m)
	}
	expect(t, e.do(t, request{method: "POST", target: "/api/v1/accounts/nobody/enable", key: "tms"}), http.StatusNotFound, "not-found")

	w = e.do(t, request{method: "GET", target: "/api/v1/accounts/acme/tree", key: "reader"})
	var tree treeJSON
	json.Unmarshal(w.Body.Bytes(), &tree)
	byPath := map[string]folderJSON{}
	for _, f := range tree.Folders {
		byPath[f.Path] = f
	}
	if !tree.CanLogIn || byPath["/Mes documents"].Access != "rw" || byPath["/Mes documents"].StoragePath != "clients/C0042" ||
		!byPath["/"].Virtual || byPath["/FTPDOSSIERPERSO"].Access != "r" {
		t.Errorf("tree: %s", w.Body)
	}
	expect(t, e.do(t, request{method: "GET", target: "/api/v1/accounts/nobody/tree", key: "reader"}), http.StatusNotFound, "not-found")

	expect(t, e.do(t, request{method: "DELETE", target: "/api/v1/accounts/initech", key: "tms"}), http.StatusNoContent, "")
	expect(t, e.do(t, request{method: "DELETE", target: "/api/v1/accounts/initech", key: "tms"}), http.StatusNotFound, "not-found")
	if _, err := os.Stat(filepath.Join(e.root, "clients/C0500")); err != nil {
		t.Errorf("the files of a deleted account must stay: %v", err)
	}
	expect(t, e.do(t, request{method: "DELETE", target: "/api/v1/accounts/acme", key: "reader"}), http.StatusForbidden, "scope")
}

func TestSessionsAndEnrollments(t *testing.T) {
	e := newEnv(t)
	w := e.do(t, request{method: "GET", target: "/api/v1/sessions", key: "reader"})
	var list []sessionJSON
	json.Unmarshal(w.Body.Bytes(), &list)
	if w.Code != 200 || len(list) != 2 || list[0].Code != "S2026-014" || list[0].Enrollments != nil {
		t.Fatalf("sessions: %s", w.Body)
	}
	m := expect(t, e.do(t, request{method: "GET", target: "/api/v1/sessions/s2026-014", key: "reader"}), http.StatusOK, "")
	if m["code"] != "S2026-014" || len(m["enrollments"].([]any)) == 0 {
		t.Errorf("session: %v", m)
	}
	expect(t, e.do(t, request{method: "GET", target: "/api/v1/sessions/S1999", key: "reader"}), http.StatusNotFound, "not-found")

	w = e.do(t, request{method: "PUT", target: "/api/v1/sessions/S2026-030", key: "tms",
		body: []byte(`{"title": "Habilitation électrique", "starts_on": "2026-06-01", "ends_on": "2026-06-03", "folder": "S2026-030 Habilitation"}`)})
	m = expect(t, w, http.StatusCreated, "")
	if m["folder"] != "S2026-030 Habilitation" || len(m["enrollments"].([]any)) != 0 {
		t.Errorf("created: %s", w.Body)
	}
	if fi, err := os.Stat(filepath.Join(e.root, "sessions/S2026-030/commun-stagiaires")); err != nil || !fi.IsDir() {
		t.Errorf("session folders: %v", err)
	}
	expect(t, e.do(t, request{method: "PUT", target: "/api/v1/sessions/S2026-030", key: "tms",
		body: []byte(`{"code": "S2026-030", "title": "Habilitation", "folder": "S2026-030 Habilitation"}`)}), http.StatusOK, "")
	for _, tt := range []struct{ body, pointer string }{
		{`{"code": "S9"}`, "/code"},
		{`{"starts_on": "01/06/2026"}`, "/starts_on"},
		{`{"folder": "Été 2026"}`, "/folder"},
	} {
		m := expect(t, e.do(t, request{method: "PUT", target: "/api/v1/sessions/S2026-031", key: "tms", body: []byte(tt.body)}), http.StatusUnprocessableEntity, "invalid")
		if m["pointer"] != tt.pointer {
			t.Errorf("%s: pointer %v, want %s (%v)", tt.body, m["pointer"], tt.pointer, m["detail"])
		}
	}

	// Enrollments: created, then updated; the trainee's client.
	base := "/api/v1/sessions/S2026-030/enrollments/"
	m = expect(t, e.do(t, request{method: "PUT", target: base + "trainee/T0107", key: "tms", body: []byte(`{"client": "C0042"}`)}), http.StatusCreated, "")
	if m["client"] != "C0042" || m["session"] != "S2026-030" {
		t.Errorf("enrolled: %v", m)
	}
	expect(t, e.do(t, request{method: "PUT", target: base + "trainee/T0107", key: "tms"}), http.StatusOK, "")
	if fi, err := os.Stat(filepath.Join(e.root, "sessions/S2026-030/stagiaires/T0107")); err != nil || !fi.IsDir() {
		t.Errorf("enrollment folder: %v", err)
	}
	expect(t, e.do(t, request{method: "PUT", target: base + "trainee/T9999", key: "tms"}), http.StatusNotFound, "not-found")
	expect(t, e.do(t, request{method: "PUT", target: base + "staff/X", key: "tms"}), http.StatusNotFound, "not-found")
	m = expect(t, e.do(t, request{method: "PUT", target: base + "trainee/T0107", key: "tms", body: []byte(`{"clients": "C0042"}`)}), http.StatusUnprocessableEntity, "invalid")
	if m["pointer"] != "/clients" {
		t.Errorf("unknown field: %v", m)
	}
	expect(t, e.do(t, request{method: "PUT", target: "/api/v1/sessions/S1999/enrollments/trainee/T0107", key: "tms"}), http.StatusNotFound, "not-found")
	expect(t, e.do(t, request{method: "DELETE", target: base + "trainee/T0107", key: "tms"}), http.StatusNoContent, "")
	expect(t, e.do(t, request{method: "DELETE", target: base + "trainee/T0107", key: "tms"}), http.StatusNotFound, "not-found")

	expect(t, e.do(t, request{method: "DELETE", target: "/api/v1/sessions/S2026-030", key: "tms"}), http.StatusNoContent, "")
	expect(t, e.do(t, request{method: "DELETE", target: "/api/v1/sessions/S2026-030", key: "tms"}), http.StatusNotFound, "not-found")
}

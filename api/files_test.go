package api

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dossierd/dossierd/audit"
)

// leftovers lists what is in a folder of the storage, hidden upload
// files included.
func leftovers(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

func TestFiles(t *testing.T) {
	e := newEnv(t)
	const folder = "/api/v1/files/sessions/S2026-014/stagiaires/T0107/"
	data := []byte(strings.Repeat("attestation signée\n", 1000))

	// A new file, in folders created as needed.
	w := e.do(t, request{method: "PUT", target: folder + "2026/03/emargement.pdf", key: "tms", body: data})
	m := expect(t, w, http.StatusCreated, "")
	sum := sha256.Sum256(data)
	if m["path"] != "/sessions/S2026-014/stagiaires/T0107/2026/03/emargement.pdf" || m["size"] != float64(len(data)) || m["sha256"] != hex.EncodeToString(sum[:]) {
		t.Errorf("upload: %s", w.Body)
	}
	disk := filepath.Join(e.root, "sessions/S2026-014/stagiaires/T0107/2026/03/emargement.pdf")
	if got, err := os.ReadFile(disk); err != nil || string(got) != string(data) {
		t.Fatalf("on disk: %v", err)
	}

	// Download, whole and by range.
	w = e.do(t, request{method: "GET", target: folder + "2026/03/emargement.pdf", key: "reader"})
	if w.Code != 200 || w.Body.String() != string(data) || w.Header().Get("Accept-Ranges") != "bytes" {
		t.Fatalf("download: %d, %d bytes", w.Code, w.Body.Len())
	}
	w = e.do(t, request{method: "GET", target: folder + "2026/03/emargement.pdf", key: "reader", header: []string{"Range", "bytes=10-19"}})
	if w.Code != http.StatusPartialContent || w.Body.String() != string(data[10:20]) {
		t.Errorf("range: %d %q", w.Code, w.Body)
	}

	// A folder: path ending in "/".
	w = e.do(t, request{method: "GET", target: folder + "2026/03/", key: "reader"})
	var entries []entryJSON
	json.Unmarshal(w.Body.Bytes(), &entries)
	if w.Code != 200 || len(entries) != 1 || entries[0].Name != "emargement.pdf" || entries[0].Type != "file" || entries[0].Size != int64(len(data)) || entries[0].MTime.IsZero() {
		t.Errorf("listing: %s", w.Body)
	}
	w = e.do(t, request{method: "GET", target: "/api/v1/files/", key: "reader"})
	if w.Code != 200 || !strings.Contains(w.Body.String(), `{"name":"sessions","type":"folder"`) {
		t.Errorf("root: %s", w.Body)
	}
	expect(t, e.do(t, request{method: "GET", target: folder + "nothing.pdf", key: "reader"}), http.StatusNotFound, "not-found")
	expect(t, e.do(t, request{method: "GET", target: folder + "2026", key: "reader"}), http.StatusConflict, "conflict")
	expect(t, e.do(t, request{method: "PUT", target: folder + "x.pdf", key: "reader", body: data}), http.StatusForbidden, "scope")

	// If-None-Match: * never replaces.
	w = e.do(t, request{method: "PUT", target: folder + "2026/03/emargement.pdf", key: "tms", body: []byte("other"), header: []string{"If-None-Match", "*"}})
	expect(t, w, http.StatusPreconditionFailed, "precondition-failed")
	if got, _ := os.ReadFile(disk); string(got) != string(data) {
		t.Error("If-None-Match: * replaced the file")
	}

	// The filename policy, its sentence in detail.
	w = e.do(t, request{method: "PUT", target: folder + "Convocation%20H%C3%A9l%C3%A8ne%20l'%C3%A9t%C3%A9.pdf", key: "tms", body: data})
	m = expect(t, w, http.StatusUnprocessableEntity, "refused-name")
	if d, _ := m["detail"].(string); !strings.Contains(d, `"é" is not allowed`) || !strings.Contains(d, `"Convocation Helene l ete.pdf"`) {
		t.Errorf("refused name: %q", d)
	}

	// A checksum that does not match: nothing published, the old file
	// intact, no temporary file left; one that matches replaces.
	other := []byte("a different content")
	good := sha256.Sum256(other)
	for _, hdr := range [][]string{
		{"X-Checksum-Sha256", hex.EncodeToString(sum[:])},
		{"Digest", "sha-256=" + base64.StdEncoding.EncodeToString(sum[:])},
	} {
		w = e.do(t, request{method: "PUT", target: folder + "2026/03/emargement.pdf", key: "tms", body: other, header: hdr})
		expect(t, w, http.StatusUnprocessableEntity, "checksum-mismatch")
		if got, _ := os.ReadFile(disk); string(got) != string(data) {
			t.Errorf("%s mismatch: the old file was replaced", hdr[0])
		}
		w = e.do(t, request{method: "PUT", target: folder + "new.pdf", key: "tms", body: other, header: hdr})
		expect(t, w, http.StatusUnprocessableEntity, "checksum-mismatch")
	}
	if got := leftovers(t, filepath.Dir(disk)); len(got) != 1 || got[0] != "emargement.pdf" {
		t.Errorf("after mismatches the folder holds %v", got)
	}
	if got := leftovers(t, filepath.Join(e.root, "sessions/S2026-014/stagiaires/T0107")); strings.Contains(strings.Join(got, " "), "new.pdf") || strings.Contains(strings.Join(got, " "), ".dossierd-upload") {
		t.Errorf("after mismatches: %v", got)
	}
	expect(t, e.do(t, request{method: "PUT", target: folder + "2026/03/emargement.pdf", key: "tms", body: other, header: []string{"Digest", "sha-256=nope"}}), http.StatusBadRequest, "bad-checksum-header")
	w = e.do(t, request{method: "PUT", target: folder + "2026/03/emargement.pdf", key: "tms", body: other,
		header: []string{"Digest", "md5=xyz, SHA-256=" + base64.StdEncoding.EncodeToString(good[:])}})
	expect(t, w, http.StatusOK, "")
	if got, _ := os.ReadFile(disk); string(got) != string(other) {
		t.Errorf("a matching checksum did not replace: %q", got)
	}

	// Delete a file, then its folder.
	expect(t, e.do(t, request{method: "DELETE", target: folder + "2026/03/", key: "tms"}), http.StatusConflict, "conflict")
	expect(t, e.do(t, request{method: "DELETE", target: folder + "2026/03/emargement.pdf", key: "tms"}), http.StatusNoContent, "")
	expect(t, e.do(t, request{method: "DELETE", target: folder + "2026/03/", key: "tms"}), http.StatusNoContent, "")
	expect(t, e.do(t, request{method: "DELETE", target: folder + "2026/03/", key: "tms"}), http.StatusNotFound, "not-found")
	expect(t, e.do(t, request{method: "PUT", target: folder, key: "tms", body: data}), http.StatusBadRequest, "invalid-path")

	// The core audited the operations under the key's name, protocol API,
	// with their true results.
	evs := e.auditEvents(t, audit.Filter{Login: "apikey@tms", Action: audit.Upload}, 7)
	var results []string
	for _, ev := range evs {
		if ev.Protocol != "API" || ev.Role != "staff" {
			t.Errorf("upload event %+v", ev)
		}
		results = append(results, ev.Result)
	}
	all := strings.Join(results, "\n")
	if !strings.Contains(all, "ok") || !strings.Contains(all, "the SHA-256 received is") || !strings.Contains(all, "refused") {
		t.Errorf("upload results:\n%s", all)
	}
	if evs := e.auditEvents(t, audit.Filter{Login: "apikey@tms", Action: audit.Mkdir}, 2); len(evs) != 2 {
		t.Errorf("mkdir events %+v", evs)
	}
	if evs := e.auditEvents(t, audit.Filter{Login: "apikey@reader", Action: audit.Download}, 2); len(evs) < 2 || evs[0].Bytes != int64(len(data)) || evs[1].Bytes != 10 {
		t.Errorf("download events %+v", evs)
	}
	// One login per key and address, not one per request.
	if evs := e.auditEvents(t, audit.Filter{Login: "apikey@tms", Action: audit.Login}, 1); len(evs) != 1 {
		t.Errorf("logins of the key: %+v", evs)
	}
}

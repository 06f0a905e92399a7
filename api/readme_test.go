package api

import (
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dossierd/dossierd/audit"
	"github.com/dossierd/dossierd/vfs"
)

// readmeScript is the TMS cron job of the README, as it is printed there.
func readmeScript(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	const start = "```sh\n#!/bin/sh\n# tms-cron.sh"
	_, rest, ok := strings.Cut(string(b), start)
	script, _, ok2 := strings.Cut(rest, "\n```\n")
	if !ok || !ok2 {
		t.Fatal("README.md: the tms-cron.sh block is not there")
	}
	return "#!/bin/sh\n# tms-cron.sh" + script + "\n"
}

// TestREADMECronJob runs the README's cron job with curl and jq against
// the API on a real HTTP server: the directory is pushed, the day's
// uploads of people are fetched (names with spaces included), those of
// keys are not, and a refused export stops the job with its problems.
func TestREADMECronJob(t *testing.T) {
	for _, tool := range []string{"curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed", tool)
		}
	}
	e := newEnv(t)
	ctx := context.Background()
	srv := httptest.NewServer(e.h)
	defer srv.Close()
	dir := t.TempDir()
	script := filepath.Join(dir, "tms-cron.sh")
	if err := os.WriteFile(script, []byte(readmeScript(t)), 0o755); err != nil {
		t.Fatal(err)
	}

	// Today: a trainee and a client uploaded over SFTP, the TMS itself
	// over the API.
	for _, up := range []struct{ login, path, data string }{
		{"jdupont", "/Mes documents/attestation signee.pdf", "trainee's pdf"},
		{"acme", "/Sessions/S2026-014 SST Lyon/Documents/bon de commande.pdf", "refused: read-only"},
		{"acme", "/Mes documents/bon de commande.pdf", "client's pdf"},
	} {
		a, err := e.store.Account(ctx, up.login)
		if err != nil {
			t.Fatal(err)
		}
		c, err := e.svc.Open(ctx, a, "SFTP", "203.0.113.9:2200", nil)
		if err != nil {
			t.Fatal(err)
		}
		if u, err := c.Upload(up.path, vfs.Replace); err == nil {
			u.Write([]byte(up.data))
			u.Close()
		}
		c.Close()
	}
	expect(t, e.do(t, request{method: "PUT", target: "/api/v1/files/clients/C0042/facture.pdf", key: "tms", body: []byte("ours")}), 201, "")
	e.auditEvents(t, audit.Filter{Action: audit.Upload}, 3)

	export := filepath.Join(dir, "directory.json")
	body := `{"accounts": [
		{"login": "acme", "role": "client", "ref": "C0042", "name": "ACME SARL"},
		{"login": "globex", "role": "client", "ref": "C0043", "name": "GLOBEX SAS"},
		{"login": "jdupont", "role": "trainee", "ref": "T0107", "name": "Jeanne Dupont"},
		{"login": "fmartin", "role": "trainer", "ref": "F0003", "name": "François Martin"},
		{"login": "backoffice", "role": "staff", "ref": "", "name": "Back office"},
		{"login": "newtrainee", "role": "trainee", "ref": "T0200", "name": "Nouveau"}],
	 "sessions": [{"code": "S2026-014", "title": "SST Lyon", "starts_on": "2026-03-02", "ends_on": "2026-03-04", "folder": "S2026-014 SST Lyon"},
	              {"code": "S2026-021", "title": "Excel avance", "starts_on": "2026-04-13", "ends_on": "2026-04-14", "folder": "S2026-021 Excel avance"}],
	 "enrollments": [{"session": "S2026-014", "role": "trainee", "ref": "T0200"}]}`
	if err := os.WriteFile(export, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	inbox := filepath.Join(dir, "inbox")
	run := func(key string) (string, error) {
		cmd := exec.Command("/bin/sh", script)
		cmd.Env = append(os.Environ(), "DOSSIERD_URL="+srv.URL, "DOSSIERD_KEY="+key, "EXPORT="+export, "INBOX="+inbox)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := run(e.keys["tms"])
	if err != nil {
		t.Fatalf("tms-cron.sh: %v\n%s", err, out)
	}
	if !strings.Contains(out, "accounts: 1 added") {
		t.Errorf("summary: %s", out)
	}
	if _, err := e.store.Account(ctx, "newtrainee"); err != nil {
		t.Errorf("the directory was not pushed: %v", err)
	}
	for rel, want := range map[string]string{
		"stagiaires/T0107/attestation signee.pdf": "trainee's pdf",
		"clients/C0042/bon de commande.pdf":       "client's pdf",
	} {
		if got, err := os.ReadFile(filepath.Join(inbox, rel)); err != nil || string(got) != want {
			t.Errorf("inbox %s: %q, %v\n%s", rel, got, err, out)
		}
	}
	if _, err := os.Stat(filepath.Join(inbox, "clients/C0042/facture.pdf")); err == nil {
		t.Error("the key's own upload was fetched")
	}

	// A refused export: the job stops, the problems on its error output.
	os.WriteFile(export, []byte(`{"accounts": [{"login": "x", "role": "teacher"}], "sessions": [], "enrollments": []}`), 0o600)
	out, err = run(e.keys["tms"])
	if err == nil || !strings.Contains(out, `"pointer":"/accounts/0/role"`) {
		t.Errorf("refused export: %v\n%s", err, out)
	}
	// A key without the scopes.
	if out, err := run(e.keys["reader"]); err == nil || !strings.Contains(out, "lacks the scope") {
		t.Errorf("reader's key: %v\n%s", err, out)
	}
}

package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// cliEnv is a config file in a temporary folder: every command of one
// test works on the same database and storage, as scripts do.
func cliEnv(t *testing.T) (run func(args ...string) (string, error), storage string) {
	t.Helper()
	return cliEnvConfig(t, `{"sftpd": {"bindings": []}, "ftpd": {"bindings": []}}`)
}

// cliEnvConfig is cliEnv with the configuration file's text; storage is
// in data/storage and the database in data/dossierd.db beside it.
func cliEnvConfig(t *testing.T, config string) (run func(args ...string) (string, error), storage string) {
	t.Helper()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "sftpgo.json")
	if err := os.WriteFile(cfg, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	return func(args ...string) (string, error) {
		root := newRoot(append([]string{"--config", cfg}, args...))
		var out bytes.Buffer
		root.SetOut(&out)
		root.SetErr(&out)
		root.SetIn(strings.NewReader("from-stdin-pw\n"))
		err := execute(root)
		return out.String(), err
	}, filepath.Join(dir, "data", "storage")
}

func TestAdminCommands(t *testing.T) {
	run, storage := cliEnv(t)
	steps := []struct {
		args    []string
		wantErr string // substring of the one-line reason; "" = success
		wantOut string
	}{
		{[]string{"account", "add", "acme", "--role", "client", "--ref", "C0042", "--name", "ACME SARL", "--password", "pw1"}, "", `compte "acme" créé (client C0042)`},
		{[]string{"account", "add", "ACME", "--role", "client", "--ref", "C0043"}, `le compte "ACME" existe déjà (sous la forme "acme")`, ""},
		{[]string{"account", "add", "jdupont", "--role", "trainee", "--ref", "T0107", "--password-stdin"}, "", "créé"},
		{[]string{"account", "add", "bob", "--role", "teacher", "--ref", "X1"}, `rôle "teacher" : inconnu (rôles possibles : client, trainee, trainer, staff)`, ""},
		{[]string{"account", "add", "eve", "--role", "client", "--ref", "C l'été"}, `référence "C l'été" : nom "C l'été" refusé : le caractère "'"`, ""},
		{[]string{"account", "add", "boss", "--role", "staff", "--password", "pw", "--expires", "2099-12-31"}, "", `compte "boss" créé`},
		{[]string{"session", "add", "S2026-014", "--title", "SST Lyon", "--starts", "2026-03-02", "--ends", "2026-03-04", "--folder", "S2026-014 SST Lyon"}, "", `session "S2026-014" créée`},
		{[]string{"session", "add", "S2026-015", "--folder", "Été 2026"}, `dossier de session "Été 2026" : nom "Été 2026" refusé : le caractère "É" n'est pas autorisé`, ""},
		{[]string{"session", "add", "S2026-016", "--starts", "02/03/2026"}, `date de début "02/03/2026" : n'est pas une date de la forme AAAA-MM-JJ`, ""},
		{[]string{"enroll", "S2026-014", "client", "C0042"}, "", "client C0042 inscrit à S2026-014"},
		{[]string{"enroll", "S2026-014", "trainee", "T0107"}, "", "inscrit"},
		{[]string{"enroll", "S2099-001", "client", "C0042"}, `la session "S2099-001" n'existe pas`, ""},
		{[]string{"enroll", "S2026-014", "client", "C9999"}, `aucun compte client n'a la référence "C9999"`, ""},
		{[]string{"tree", "acme"}, "", "rw  /Mes documents"},
		{[]string{"tree", "nobody"}, `le compte "nobody" n'existe pas`, ""},
		{[]string{"account", "passwd", "acme", "--password", "pw2"}, "", `mot de passe de "acme" modifié`},
		{[]string{"account", "passwd", "acme"}, "donnez le nouveau mot de passe avec --password ou --password-stdin", ""},
		{[]string{"account", "disable", "acme"}, "", `compte "acme" désactivé`},
		{[]string{"tree", "acme"}, "", `# le compte "acme" est désactivé : ce compte ne peut pas se connecter pour l'instant`},
		{[]string{"account", "enable", "acme"}, "", `compte "acme" réactivé`},
		{[]string{"unenroll", "S2026-014", "trainee", "T0107"}, "", "trainee T0107 désinscrit de S2026-014 (les fichiers restent sur le disque)"},
		{[]string{"unenroll", "S2026-014", "trainee", "T0107"}, `trainee "T0107" n'est pas inscrit à la session "S2026-014"`, ""},
		{[]string{"check-name", "Convocation.pdf", "Bon de commande (v2).pdf"}, "", `ok       "Convocation.pdf"`},
		{[]string{"check-name", "ok.pdf", "Convocation Hélène l'été.pdf"}, "1 nom refusé sur 2", ""},
		{[]string{"session", "delete", "S2026-014"}, "", `session "S2026-014" supprimée ; ses fichiers restent sur le disque`},
		{[]string{"account", "delete", "jdupont"}, "", `compte "jdupont" supprimé ; ses fichiers restent sur le disque`},
		{[]string{"account", "delete", "jdupont"}, `le compte "jdupont" n'existe pas`, ""},
	}
	for _, s := range steps {
		out, err := run(s.args...)
		name := strings.Join(s.args, " ")
		switch {
		case s.wantErr == "" && err != nil:
			t.Errorf("%s: %v", name, err)
		case s.wantErr != "" && (err == nil || !strings.Contains(err.Error(), s.wantErr)):
			t.Errorf("%s: error %v, want one naming %q", name, err, s.wantErr)
		case s.wantErr != "" && strings.Contains(err.Error(), "\n"):
			t.Errorf("%s: reason is not one line: %q", name, err)
		}
		if s.wantOut != "" && !strings.Contains(out, s.wantOut) {
			t.Errorf("%s: output %q lacks %q", name, out, s.wantOut)
		}
	}
	// check-name's refusal carries exit code 1 and the suggestion.
	out, err := run("check-name", "Convocation Hélène l'été.pdf")
	var ee *exitError
	if !errors.As(err, &ee) || exitCode(err) != 1 || !strings.Contains(out, "Convocation Helene l ete.pdf") {
		t.Errorf("check-name: %q, %v", out, err)
	}
	// Folders of SPEC section 2 were created; deleting removed no files.
	for _, d := range []string{"clients/C0042", "stagiaires/T0107", "sessions/S2026-014/clients/C0042", "sessions/S2026-014/commun-clients", "sessions/S2026-014/commun-stagiaires", "FTPDOSSIERPERSO"} {
		if fi, err := os.Stat(filepath.Join(storage, d)); err != nil || !fi.IsDir() {
			t.Errorf("folder %s missing: %v", d, err)
		}
	}
	// --json listings have the import's field names and no secrets.
	out, err = run("account", "list", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var accounts []map[string]any
	if err := json.Unmarshal([]byte(out), &accounts); err != nil || len(accounts) != 2 {
		t.Fatalf("account list --json = %s (%v)", out, err)
	}
	if accounts[0]["login"] != "acme" || accounts[0]["ref"] != "C0042" || strings.Contains(out, "argon2") {
		t.Errorf("account list --json = %s", out)
	}
	out, _ = run("session", "list")
	if strings.Contains(out, "S2026-014") {
		t.Errorf("deleted session still listed: %s", out)
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"

	"github.com/dossierd/dossierd/auth"
	"github.com/dossierd/dossierd/scenario"
	"github.com/dossierd/dossierd/tmsimport"
)

const demoDirectory = "../../demo/data/directory.json"

// importCLI runs `dossierd ARGS...` in-process, as main would.
func importCLI(t *testing.T, args ...string) (stdout string, err error) {
	t.Helper()
	root := newRoot(args)
	var out, errOut bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errOut)
	err = execute(root)
	if errOut.Len() > 0 {
		// No progress bar when stderr is not a terminal.
		t.Errorf("stderr: %q", errOut.String())
	}
	return out.String(), err
}

// openStore opens the database file db for the test's checks.
func openStore(t *testing.T, db string) *auth.Store {
	t.Helper()
	s, err := auth.Open(db, auth.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// importGeneration reads the directory's generation as the daemon would.
func importGeneration(t *testing.T, db string) int64 {
	t.Helper()
	g, err := openStore(t, db).Generation(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// editedDemo writes the demo directory with edit applied.
func editedDemo(t *testing.T, edit func(doc map[string][]map[string]any)) string {
	t.Helper()
	data, err := os.ReadFile(demoDirectory)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string][]map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	edit(doc)
	if data, err = json.Marshal(doc); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "tms.json")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func disableAcmeEnrollJeanne(doc map[string][]map[string]any) {
	for _, a := range doc["accounts"] {
		if a["login"] == "acme" {
			a["disabled"] = true
		}
	}
	doc["enrollments"] = append(doc["enrollments"], map[string]any{"session": "S2026-021", "role": "trainee", "ref": "T0107"})
}

func TestImportAndExportCommands(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "sftpgo.json")
	if err := os.WriteFile(cfg, []byte(`{}`), 0o644); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "data", "dossierd.db")

	out, err := importCLI(t, "--config", cfg, "import", demoDirectory)
	if err != nil || out != "comptes : 6 ajoutés ; sessions : 2 ajoutées ; inscriptions : 7 ajoutées\n" {
		t.Fatalf("first import: %q, %v", out, err)
	}
	if fi, err := os.Stat(filepath.Join(dir, "data", "storage", "sessions", "S2026-014", "stagiaires", "T0107")); err != nil || !fi.IsDir() {
		t.Errorf("enrollment folder: %v", err)
	}
	gen := importGeneration(t, db)
	out, err = importCLI(t, "--config", cfg, "import", demoDirectory)
	if err != nil || out != "rien n'a changé : 6 comptes, 2 sessions, 7 inscriptions déjà à jour\n" {
		t.Errorf("second import: %q, %v", out, err)
	}
	if g := importGeneration(t, db); g != gen {
		t.Errorf("an identical import moved the generation %d -> %d", gen, g)
	}

	// Dry run: the diff, and nothing written.
	edited := editedDemo(t, disableAcmeEnrollJeanne)
	out, err = importCLI(t, "--config", cfg, "import", "--dry-run", edited)
	want := "compte      désactivé acme\n" +
		"inscription ajoutée   S2026-021 trainee T0107\n" +
		"simulation, rien n'a été écrit : comptes : 1 désactivé, 5 inchangés ; sessions : 2 inchangées ; inscriptions : 1 ajoutée, 7 inchangées\n"
	if err != nil || out != want {
		t.Errorf("dry run:\n%s%v\nwant\n%s", out, err, want)
	}
	if g := importGeneration(t, db); g != gen {
		t.Errorf("a dry run moved the generation %d -> %d", gen, g)
	}

	// Export, and the export imported back is the identity.
	exported := filepath.Join(dir, "export.json")
	if out, err := importCLI(t, "--config", cfg, "export", exported); err != nil || out != "annuaire exporté dans "+exported+"\n" {
		t.Fatalf("export: %q, %v", out, err)
	}
	if fi, _ := os.Stat(exported); fi.Mode().Perm() != 0o600 {
		t.Errorf("export mode %v", fi.Mode())
	}
	out, err = importCLI(t, "--config", cfg, "import", "--prune", exported)
	if err != nil || !strings.HasPrefix(out, "rien n'a changé") {
		t.Errorf("import of the export: %q, %v", out, err)
	}
	stdout, err := importCLI(t, "--config", cfg, "export")
	data, _ := os.ReadFile(exported)
	if err != nil || stdout != string(data) || !strings.Contains(stdout, `"name": "François Martin"`) || strings.Contains(stdout, "password") {
		t.Errorf("export to stdout: %v\n%s", err, stdout)
	}

	// Refusals: one message naming file, line and field; nothing changed.
	csvDir := t.TempDir()
	accounts := filepath.Join(csvDir, "accounts.csv")
	os.WriteFile(accounts, []byte("login;role;ref;name\r\nnew;client;C0099;New\r\nbad;teacher;X;Bad\r\n"), 0o644)
	_, err = importCLI(t, "--config", cfg, "import", "--accounts", accounts)
	if err == nil || exitCode(err) != 1 || err.Error() != "import refusé, l'annuaire n'a pas été modifié (1 problème) :\n  "+
		accounts+` ligne 3 : role "teacher" : inconnu (rôles possibles : client, trainee, trainer, staff)` {
		t.Errorf("refused import: %v", err)
	}
	if g := importGeneration(t, db); g != gen {
		t.Errorf("a refused import moved the generation %d -> %d", gen, g)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"import"}, "donnez le fichier JSON à importer, ou les fichiers CSV avec --accounts, --sessions et --enrollments"},
		{[]string{"import", demoDirectory, "--accounts", accounts}, "donnez soit un fichier JSON, soit des fichiers CSV (--accounts, --sessions, --enrollments), pas les deux"},
		{[]string{"import", "--prune", "--accounts", accounts}, "import refusé, l'annuaire n'a pas été modifié (2 problèmes) :\n  --prune : il faut l'annuaire entier"},
		{[]string{"import", filepath.Join(csvDir, "missing.json")}, "impossible de lire " + filepath.Join(csvDir, "missing.json") + " : open "},
	} {
		_, err := importCLI(t, append([]string{"--config", cfg}, tc.args...)...)
		var te *tmsimport.Error
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) || strings.Contains(tc.want, "--prune") != errors.As(err, &te) {
			t.Errorf("%q: %v\nwant %s...", tc.args, err, tc.want)
		}
	}

	// The edited file for real.
	out, err = importCLI(t, "--config", cfg, "import", edited)
	if err != nil || out != "comptes : 1 désactivé, 5 inchangés ; sessions : 2 inchangées ; inscriptions : 1 ajoutée, 7 inchangées\n" {
		t.Errorf("import: %q, %v", out, err)
	}
}

// dialImportSFTP logs in over SFTP (as sftpd's scenario tests do).
func dialImportSFTP(t *testing.T, env *scenario.Env, login string) *sftp.Client {
	t.Helper()
	sc, err := ssh.Dial("tcp", env.SFTPAddr(), &ssh.ClientConfig{
		User:            login,
		Auth:            []ssh.AuthMethod{ssh.Password(env.Passwords[login])},
		HostKeyCallback: ssh.InsecureIgnoreHostKey(),
	})
	if err != nil {
		t.Fatalf("ssh login %s: %v", login, err)
	}
	c, err := sftp.NewClient(sc)
	if err != nil {
		sc.Close()
		t.Fatalf("sftp %s: %v", login, err)
	}
	t.Cleanup(func() { c.Close(); sc.Close() })
	return c
}

func listNames(c *sftp.Client, dir string) ([]string, error) {
	fis, err := c.ReadDir(dir)
	var out []string
	for _, fi := range fis {
		out = append(out, fi.Name())
	}
	return out, err
}

// cliConfig writes a configuration file for admin commands on env's
// database and storage.
func cliConfig(t *testing.T, env *scenario.Env) string {
	t.Helper()
	cfg := filepath.Join(t.TempDir(), "sftpgo.json")
	data, _ := json.Marshal(map[string]any{
		"data_provider": map[string]any{"name": env.Config.DataProvider.Name},
		"storage":       map[string]any{"root": env.Config.Storage.Root, "shared_folder": env.Config.Storage.SharedFolder},
	})
	if err := os.WriteFile(cfg, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// An import run while users are connected: the running daemon (polling
// every second, as scenario configures it) closes the connection of the
// account the import disabled, and shows the new enrollment to the user
// it concerns.
func TestImportWhileConnected(t *testing.T) {
	env := scenario.Start(t, nil)
	cfg := cliConfig(t, env)
	acme := dialImportSFTP(t, env, "acme")
	jeanne := dialImportSFTP(t, env, "jdupont")
	if got, err := listNames(jeanne, "/Sessions"); err != nil || !slices.Equal(got, []string{"S2026-014 SST Lyon"}) {
		t.Fatalf("jdupont's sessions: %q, %v", got, err)
	}

	// The demo directory the daemon was loaded with, with its plain
	// passwords: nothing to do (each password is verified, not rehashed,
	// so nobody's credentials change and nobody is disconnected).
	if out, err := importCLI(t, "--config", cfg, "import", demoDirectory); err != nil || !strings.HasPrefix(out, "rien n'a changé") {
		t.Fatalf("import of the demo directory: %q, %v", out, err)
	}

	out, err := importCLI(t, "--config", cfg, "import", editedDemo(t, disableAcmeEnrollJeanne))
	if err != nil || out != "comptes : 1 désactivé, 5 inchangés ; sessions : 2 inchangées ; inscriptions : 1 ajoutée, 7 inchangées\n" {
		t.Fatalf("import: %q, %v", out, err)
	}
	start := time.Now()
	const bound = 10 * time.Second // poll_interval is 1s; the rest is slack for -race
	kicked, enrolled := false, false
	for time.Since(start) < bound && !(kicked && enrolled) {
		if !kicked {
			_, err := acme.ReadDir("/")
			kicked = err != nil
		}
		if !enrolled {
			got, err := listNames(jeanne, "/Sessions")
			if err != nil {
				t.Fatalf("jdupont was disconnected: %v", err)
			}
			enrolled = slices.Equal(got, []string{"S2026-014 SST Lyon", "S2026-021 Excel avance"})
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !kicked {
		t.Errorf("acme, disabled by the import, still connected after %v", bound)
	}
	if !enrolled {
		t.Errorf("jdupont's new session not listed after %v", bound)
	}
	t.Logf("acme disconnected and jdupont's tree updated within %v", time.Since(start).Round(10*time.Millisecond))
	if _, err := jeanne.ReadDir("/Sessions/S2026-021 Excel avance/Documents"); err != nil {
		t.Errorf("jdupont cannot open the new session's documents: %v", err)
	}
	// And acme cannot come back.
	if _, err := ssh.Dial("tcp", env.SFTPAddr(), &ssh.ClientConfig{
		User: "acme", Auth: []ssh.AuthMethod{ssh.Password(env.Passwords["acme"])}, HostKeyCallback: ssh.InsecureIgnoreHostKey(),
	}); err == nil {
		t.Error("acme logged in again after being disabled")
	}
}

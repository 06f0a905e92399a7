package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"

	"github.com/dossierd/dossierd/auth"
	"github.com/dossierd/dossierd/config"
	"github.com/dossierd/dossierd/daemon"
	"github.com/dossierd/dossierd/scenario"
)

// accountsOf lists the accounts of a database file, as a restore must
// give them back.
func accountsOf(t *testing.T, db string) []auth.Account {
	t.Helper()
	list, err := openStore(t, db).Accounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// A backup taken while ten clients upload and an import runs is a sound
// database, and a daemon started on it (the storage root left as it was)
// serves the same accounts.
func TestBackupWhileBusy(t *testing.T) {
	env := scenario.Start(t, nil)
	cfg := cliConfig(t, env)

	var stop atomic.Bool
	var uploads atomic.Int64
	var clients sync.WaitGroup
	for i := range 10 {
		c := dialImportSFTP(t, env, "acme")
		clients.Go(func() {
			for n := 0; !stop.Load(); n++ {
				f, err := c.Create(fmt.Sprintf("/Mes documents/busy-%d-%d.pdf", i, n))
				if err == nil {
					_, err = f.Write(bytes.Repeat([]byte{byte(n)}, 32<<10))
					if cerr := f.Close(); err == nil {
						err = cerr
					}
				}
				if err != nil {
					t.Errorf("client %d upload %d: %v", i, n, err)
					return
				}
				uploads.Add(1)
			}
		})
	}
	for uploads.Load() < 20 {
		time.Sleep(10 * time.Millisecond)
	}
	// An import that adds an enrollment, run alongside the backup.
	tms := editedDemo(t, func(doc map[string][]map[string]any) {
		doc["enrollments"] = append(doc["enrollments"], map[string]any{"session": "S2026-021", "role": "trainee", "ref": "T0107"})
	})
	var imported sync.WaitGroup
	imported.Go(func() {
		if out, err := importCLI(t, "--config", cfg, "import", tms); err != nil {
			t.Errorf("import: %q, %v", out, err)
		}
	})
	copyFile := filepath.Join(t.TempDir(), "dossierd-backup.db")
	if out, err := importCLI(t, "--config", cfg, "backup", copyFile); err != nil || out != "base sauvegardée dans "+copyFile+"\n" {
		t.Fatalf("backup: %q, %v", out, err)
	}
	imported.Wait()
	stop.Store(true)
	clients.Wait()
	t.Logf("%d uploads during the backup", uploads.Load())

	if fi, err := os.Stat(copyFile); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("backup file: %v, %v; want mode 0600", fi, err)
	}
	leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(copyFile), ".dossierd-backup-*"))
	if len(leftovers) > 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
	db, err := sql.Open("sqlite", "file:"+copyFile+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	var check string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Errorf("integrity_check of the copy: %q, %v", check, err)
	}
	db.Close()

	// No silent overwrite; --force replaces.
	if _, err := importCLI(t, "--config", cfg, "backup", copyFile); err == nil || !strings.Contains(err.Error(), "existe déjà (utilisez --force pour le remplacer)") {
		t.Errorf("backup over an existing file: %v", err)
	}
	if _, err := importCLI(t, "--config", cfg, "backup", "--force", copyFile); err != nil {
		t.Errorf("backup --force: %v", err)
	}

	// Restore: stop the daemon, put the copy in place of a database,
	// start a daemon on it with the same storage root.
	env.Stop()
	want := accountsOf(t, env.Config.DataProvider.Name)
	restoredDir := t.TempDir()
	restored := filepath.Join(restoredDir, "data", "dossierd.db")
	os.MkdirAll(filepath.Dir(restored), 0o700)
	copied, _ := os.ReadFile(copyFile)
	if err := os.WriteFile(restored, copied, 0o600); err != nil {
		t.Fatal(err)
	}
	if got := accountsOf(t, restored); !reflect.DeepEqual(got, want) {
		t.Errorf("restored accounts differ:\n got %+v\nwant %+v", got, want)
	}
	rc := config.Default(restoredDir)
	rc.Storage.Root = env.Config.Storage.Root
	rc.SFTPD.Bindings = []config.Binding{{Address: "127.0.0.1"}}
	rc.FTPD.Bindings = nil
	rc.HTTPD.Bindings = nil
	rc.Telemetry.BindPort = 0
	d, err := daemon.New(rc, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { d.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	sc, err := ssh.Dial("tcp", d.SFTPAddrs[0].String(), &ssh.ClientConfig{
		User: "acme", Auth: []ssh.AuthMethod{ssh.Password(env.Passwords["acme"])}, HostKeyCallback: ssh.InsecureIgnoreHostKey(),
	})
	if err != nil {
		t.Fatalf("demo login on the restored database: %v", err)
	}
	defer sc.Close()
	c, err := sftp.NewClient(sc)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Stat("/Mes documents/busy-0-0.pdf"); err != nil {
		t.Errorf("an upload made before the backup, on the restored daemon: %v", err)
	}
}

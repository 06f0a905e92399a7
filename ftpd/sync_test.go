package ftpd_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dossierd/dossierd/scenario"
)

// TestDeleteOfUploadInProgress: a STOR in progress on one connection and
// a DELE of its path on another connection of the same login (as sync
// tools clean up): DELE succeeds, the transfer that goes on publishes
// nothing, and the folder can be removed.
func TestDeleteOfUploadInProgress(t *testing.T) {
	t.Parallel()
	env := scenario.Start(t, nil)
	c := dialFTP(t, env, explicitTLS, "acme", env.Passwords["acme"])
	defer c.Quit()
	if err := c.MakeDir(mine + "/sync"); err != nil {
		t.Fatal(err)
	}
	r := dialRaw(t, env, explicitTLS)
	r.login(env, "acme")
	stream, _ := r.startUpload(env, mine+"/sync/part.bin", bytes.Repeat([]byte("partial "), 8192))
	if err := c.Delete(mine + "/sync/part.bin"); err != nil {
		t.Fatalf("DELE of the upload in progress: %v", err)
	}
	if _, err := c.FileSize(mine + "/sync/part.bin"); err == nil {
		t.Errorf("SIZE after DELE: the file is still there")
	}
	if err := c.RemoveDir(mine + "/sync"); err != nil {
		t.Errorf("RMD of the folder after DELE: %v", err)
	}
	// The transfer ends normally; nothing comes back.
	stream.Write([]byte("the end"))
	stream.Close()
	r.expect(226)
	if _, err := os.Lstat(filepath.Join(acmeDir(env), "sync")); !os.IsNotExist(err) {
		t.Errorf("the folder is back on disk: %v", err)
	}
	wantDisk(t, acmeDir(env))
}

// TestRemoveNonEmptyFolder answers that the folder is not empty, not that
// it already exists.
func TestRemoveNonEmptyFolder(t *testing.T) {
	t.Parallel()
	env := scenario.Start(t, nil)
	c := dialFTP(t, env, explicitTLS, "acme", env.Passwords["acme"])
	defer c.Quit()
	if err := c.MakeDir(mine + "/plein"); err != nil {
		t.Fatal(err)
	}
	if err := c.Stor(mine+"/plein/a.pdf", bytes.NewReader([]byte("%PDF"))); err != nil {
		t.Fatal(err)
	}
	err := c.RemoveDir(mine + "/plein")
	code, msg, _ := reply(err)
	if want := `cannot delete folder "/Mes documents/plein": the folder is not empty`; code != 550 || !strings.Contains(msg, want) {
		t.Errorf("RMD of a non-empty folder: %d %q, want 550 with %q", code, msg, want)
	}
}

package interop

import (
	"context"
	"errors"
	"io/fs"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/dossierd/dossierd/audit"
	"github.com/dossierd/dossierd/config"
	"github.com/dossierd/dossierd/scenario"
)

// What sync tools rely on, with the real rclone: its SFTP backend deletes a
// failed upload from another connection of its pool without closing the
// upload's handle.

const syncRemote = "doss:Mes documents/sync"

// writeBig writes n files of size bytes into a new folder.
func writeBig(t *testing.T, n, size int) string {
	t.Helper()
	dir := t.TempDir()
	for i := range n {
		if err := os.WriteFile(filepath.Join(dir, "gros"+string(rune('a'+i))+".bin"), randomBytes(t, size), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// onlyComplete checks that every file on disk under disk is one of src's,
// whole, and that no temporary upload file is left.
func onlyComplete(t *testing.T, env *scenario.Env, src, disk string) {
	t.Helper()
	if !eventually(func() bool { return len(temps(t, env)) == 0 }) {
		t.Errorf("temporary files left: %v", temps(t, env))
	}
	got, _ := tree(t, disk)
	want, _ := tree(t, src)
	for name, sum := range got {
		if want[name] != sum {
			t.Errorf("%s on disk is not the whole source file (a partial upload published?)", name)
		}
	}
}

// TestRcloneMaxTransferLeavesNothingPartial: --max-transfer cuts uploads
// in flight; rclone deletes them; nothing partial is published and the
// folder can be purged.
func TestRcloneMaxTransferLeavesNothingPartial(t *testing.T) {
	t.Parallel()
	needTools(t, "rclone")
	for _, mode := range []int{0, 1, 2} {
		env := scenario.Start(t, func(c *config.Config) { c.Common.UploadMode = mode })
		r := newRclone(t, env, "acme")
		src := writeBig(t, 6, 4<<20)
		out, err := r.run("copy", src, syncRemote, "--max-transfer", "6M", "--transfers", "3", "--stats", "0")
		if err == nil || !strings.Contains(out, "max transfer") {
			t.Fatalf("mode %d: rclone copy with --max-transfer: err=%v\n%s", mode, err, out)
		}
		disk := env.Disk(acmeDir + "/sync")
		onlyComplete(t, env, src, disk)
		// rclone deleted its cut uploads with their handles still open.
		if !eventually(func() bool { return cancelledUploads(t, env) > 0 }) {
			t.Errorf("mode %d: no upload recorded as cancelled by its deletion", mode)
		}
		r.mustRun("purge", syncRemote)
		if _, err := os.Lstat(disk); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("mode %d: the folder is still on disk after rclone purge: %v", mode, err)
		}
	}
}

// cancelledUploads counts the uploads the audit trail records as deleted
// while open.
func cancelledUploads(t *testing.T, env *scenario.Env) int {
	t.Helper()
	events, err := audit.Query(context.Background(), env.Daemon.Store.DB(), audit.Filter{Action: audit.Upload})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range events {
		if strings.Contains(e.Result, "supprimé avant la fin de son envoi") {
			n++
		}
	}
	return n
}

// TestRcloneFailingSourceLeavesNothing: the local file is cut short while
// rclone uploads it, so that its read fails: rclone deletes the upload,
// nothing is published.
func TestRcloneFailingSourceLeavesNothing(t *testing.T) {
	t.Parallel()
	needTools(t, "rclone")
	env := scenario.Start(t, nil)
	r := newRclone(t, env, "acme")
	src := writeBig(t, 1, 8<<20)
	file := filepath.Join(src, "grosa.bin")
	go func() {
		time.Sleep(700 * time.Millisecond)
		os.Truncate(file, 4<<20)
	}()
	out, err := r.run("copy", src, syncRemote, "--bwlimit", "2M", "--buffer-size", "0", "--stats", "0", "-v")
	if err == nil {
		t.Skipf("rclone did not notice the change of its source this time:\n%s", out)
	}
	t.Logf("rclone:\n%s", out)
	disk := env.Disk(acmeDir + "/sync")
	if !eventually(func() bool {
		_, err := os.Lstat(filepath.Join(disk, "grosa.bin"))
		return errors.Is(err, fs.ErrNotExist)
	}) {
		t.Errorf("the failed upload is on disk")
	}
	onlyComplete(t, env, src, disk)
	r.mustRun("purge", syncRemote)
}

// TestRclonePurgeAfterCutUpload: rclone killed in the middle of uploads,
// then a purge of the folder by a new rclone: it succeeds.
func TestRclonePurgeAfterCutUpload(t *testing.T) {
	t.Parallel()
	needTools(t, "rclone")
	env := scenario.Start(t, nil)
	r := newRclone(t, env, "acme")
	src := writeBig(t, 3, 8<<20)
	cmd := r.command("copy", src, syncRemote, "--bwlimit", "2M", "--transfers", "3")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	disk := env.Disk(acmeDir + "/sync")
	eventually(func() bool { return len(temps(t, env)) > 0 })
	cmd.Process.Kill()
	cmd.Wait()
	r.mustRun("purge", syncRemote)
	if _, err := os.Lstat(disk); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the folder is still on disk after rclone purge: %v", err)
	}
	if !eventually(func() bool { return len(temps(t, env)) == 0 }) {
		t.Errorf("temporary files left: %v", temps(t, env))
	}
}

// TestRcloneParallelSyncNotBanned: rclone sync of 300 files with 32
// transfers and 32 checkers, against the default limits: it completes
// intact and its address is not banned, while a guesser from another
// address is.
func TestRcloneParallelSyncNotBanned(t *testing.T) {
	t.Parallel()
	needTools(t, "rclone")
	env := scenario.Start(t, nil)
	r := newRclone(t, env, "acme")
	src := t.TempDir()
	writeTree(t, src, "Document", 300, time.Date(2025, 9, 1, 8, 30, 0, 0, time.UTC))

	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // the guesser, from 127.0.0.2
		defer wg.Done()
		for range 30 {
			d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}, Timeout: 5 * time.Second}
			nc, err := d.Dial("tcp", env.SFTPAddr())
			if err != nil {
				continue
			}
			c, _, _, err := ssh.NewClientConn(nc, env.SFTPAddr(), &ssh.ClientConfig{
				User: "acme", Auth: []ssh.AuthMethod{ssh.Password("guess")},
				HostKeyCallback: ssh.InsecureIgnoreHostKey(), Timeout: 5 * time.Second,
			})
			if err == nil {
				c.Close()
			}
			nc.Close()
		}
	}()
	out, err := r.run("sync", src, syncRemote, "--transfers", "32", "--checkers", "32",
		"--retries", "3", "--low-level-retries", "10", "--stats", "0")
	wg.Wait()
	if err != nil {
		t.Fatalf("rclone sync of 300 files: %v\n%s", err, out)
	}
	sameTree(t, "on disk after the parallel sync", env.Disk(acmeDir+"/sync"), src)
	def := env.Daemon.Defender
	if def.IsBanned(netip.MustParseAddr("127.0.0.1")) {
		t.Errorf("rclone's address was banned")
	}
	if !def.IsBanned(netip.MustParseAddr("127.0.0.2")) {
		t.Errorf("the guesser's address was not banned")
	}
}

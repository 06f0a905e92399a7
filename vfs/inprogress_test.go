package vfs

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestDeleteDuringResumeCopy: a delete that comes while a resumed upload
// is still copying the current content cancels it, as it would once the
// copy is done: the deleted file must not reappear when the upload
// commits, and no temporary file is left. (The target is a FIFO so that
// the copy waits, in open, until the test lets it go on.)
func TestDeleteDuringResumeCopy(t *testing.T) {
	fs, dir := newTestFS(t, UploadAtomic)
	folder := filepath.Join(dir, "clients", "C0042")
	target := filepath.Join(folder, "a.pdf")
	if err := syscall.Mkfifo(target, 0o644); err != nil {
		t.Skip("no FIFO:", err)
	}
	link := filepath.Join(t.TempDir(), "writer")
	if err := os.Link(target, link); err != nil {
		t.Skip("no hard link to the FIFO:", err)
	}
	type result struct {
		u   *Upload
		err error
	}
	started := make(chan result, 1)
	go func() {
		u, err := fs.Create("/Mes documents/a.pdf", Continue)
		started <- result{u, err}
	}()
	// The temporary file exists once the copy is about to begin.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if slicesHasTemp(entries(t, folder)) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the resumed upload did not start")
		}
	}
	time.Sleep(50 * time.Millisecond) // in open(2), waiting for a writer
	if err := fs.Remove("/Mes documents/a.pdf"); err != nil {
		t.Fatal(err)
	}
	w, err := os.OpenFile(link, os.O_WRONLY, 0) // lets the copy's open return
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	res := <-started
	if res.err == nil {
		res.u.Write([]byte("more"))
		if err := res.u.Close(); err != nil {
			t.Errorf("Close of the cancelled upload: %v", err)
		}
		if !res.u.Cancelled() {
			t.Error("the upload was not cancelled by the delete")
		}
	}
	if _, err := os.Lstat(target); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the deleted file reappeared: %v", err)
	}
	if got := entries(t, folder); len(got) != 0 {
		t.Errorf("left in the folder: %v", got)
	}
	if n := len(fs.storage.uploads.to(filepath.Join("clients", "C0042", "a.pdf"))); n != 0 {
		t.Errorf("%d uploads still registered", n)
	}
}

func slicesHasTemp(names []string) bool {
	for _, n := range names {
		if strings.HasPrefix(n, tempPrefix) {
			return true
		}
	}
	return false
}

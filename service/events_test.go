package service

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"sync"
	"testing"

	"github.com/dossierd/dossierd/vfs"
)

// recorder is a service.Events that keeps what it is given.
type recorder struct {
	mu    sync.Mutex
	wants map[string]bool
	got   []Event
}

func (r *recorder) Wants(t string) bool { return r.wants[t] }

func (r *recorder) Emit(_ context.Context, e Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, e)
	return nil
}

func (r *recorder) take() []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	got := r.got
	r.got = nil
	return got
}

// The core emits an upload only once committed whole at its name, with
// the digest of the whole file (a resumed one included); a cut upload,
// even the one mode 2 publishes for a resume, and a cancelled one emit
// nothing; a type nobody wants is not even built.
func TestUploadEvents(t *testing.T) {
	rec := &recorder{wants: map[string]bool{EventUpload: true, EventDelete: true}}
	svc, dir := acmeService(t, Options{Events: rec, FS: vfs.Options{UploadMode: vfs.UploadAtomicWithResume}})
	c, err := svc.Open(context.Background(), dir.accounts["acme"], "FTP", "192.0.2.1:4000", func(string) {})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	p := "/" + vfs.DefaultLabels.Personal + "/a.pdf"
	put := func(mode vfs.CreateMode, data string, cut error) {
		t.Helper()
		u, err := c.Upload(p, mode)
		if err != nil {
			t.Fatal(err)
		}
		if mode == vfs.Continue {
			if _, err := u.Seek(0, 2); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := u.Write([]byte(data)); err != nil {
			t.Fatal(err)
		}
		if cut != nil {
			u.TransferError(cut)
		}
		u.Close()
	}
	sum := func(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }

	put(vfs.Replace, "hello", nil)
	got := rec.take()
	if len(got) != 1 || got[0].Type != EventUpload || got[0].Path != p || got[0].StoragePath != "clients/C1/a.pdf" ||
		got[0].Size != 5 || got[0].SHA256 != sum("hello") || got[0].Login != "acme" || got[0].Protocol != "FTP" || got[0].Remote != "192.0.2.1:4000" {
		t.Fatalf("upload: %+v", got)
	}
	put(vfs.Continue, " world", errors.New("connection reset")) // published by mode 2, not committed whole
	if got := rec.take(); len(got) != 0 {
		t.Fatalf("cut upload emitted %+v", got)
	}
	put(vfs.Continue, "!", nil) // the resume completes it: the digest is the whole file's
	if got := rec.take(); len(got) != 1 || got[0].Size != 12 || got[0].SHA256 != sum("hello world!") {
		t.Fatalf("resumed upload: %+v", got)
	}
	u, err := c.Upload(p, vfs.Replace)
	if err != nil {
		t.Fatal(err)
	}
	u.Write([]byte("x"))
	if err := c.Remove(p); err != nil { // cancels the upload in progress, deletes the file
		t.Fatal(err)
	}
	u.Close()
	if got := rec.take(); len(got) != 1 || got[0].Type != EventDelete {
		t.Fatalf("cancelled upload and delete: %+v", got)
	}
	if err := c.Mkdir("/" + vfs.DefaultLabels.Personal + "/folder"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Upload("/"+vfs.DefaultLabels.Personal+"/l'été.pdf", vfs.Replace); err == nil {
		t.Fatal("refused name accepted")
	}
	if got := rec.take(); len(got) != 0 {
		t.Fatalf("mkdir (not wanted) or a refused name emitted %+v", got)
	}
	rec.wants = map[string]bool{EventDelete: true} // uploads not wanted: no digest, no event
	put(vfs.Replace, "again", nil)
	if got := rec.take(); len(got) != 0 {
		t.Fatalf("unwanted upload emitted %+v", got)
	}
}

package vfs

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestParkAndUnpark: an unfinished upload parked at a shutdown keeps what
// arrived, hidden; continued after the restart (a new FS: a new
// connection), it ends with the whole file, and the previous version
// stays until then.
func TestParkAndUnpark(t *testing.T) {
	fs, dir := newTestFS(t, UploadAtomic)
	folder := filepath.Join(dir, "clients", "C0042")
	write(t, fs, "/Mes documents/a.pdf", []byte("previous"))
	u, err := fs.Create("/Mes documents/a.pdf", Replace)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := u.Write([]byte("first half, ")); err != nil {
		t.Fatal(err)
	}
	p, err := u.Park()
	if err != nil {
		t.Fatalf("Park: %v", err)
	}
	if p.Path != "/Mes documents/a.pdf" || p.Size != 12 || !strings.HasPrefix(filepath.Base(p.Temp), parkedPrefix) {
		t.Fatalf("parked %+v", p)
	}
	if err := u.Close(); err == nil {
		t.Error("Close after Park publishes")
	}
	if got, _ := os.ReadFile(filepath.Join(folder, "a.pdf")); string(got) != "previous" {
		t.Errorf("the target after Park: %q", got)
	}
	list, err := fs.List("/Mes documents")
	if err != nil {
		t.Fatal(err)
	}
	for _, fi := range list {
		if strings.HasPrefix(fi.Name(), tempPrefix) {
			t.Errorf("the parked file is listed: %s", fi.Name())
		}
	}
	// The start-up sweep spares it.
	if n, err := fs.storage.RemoveStaleUploads(context.Background(), time.Now().Add(time.Minute)); err != nil || n != 0 {
		t.Errorf("the sweep removed %d files (%v)", n, err)
	}

	again := fs.storage.NewFS(fs.Tree(), *fs.options())
	t.Cleanup(func() { again.Close() })
	v, err := again.Unpark(p)
	if err != nil {
		t.Fatalf("Unpark: %v", err)
	}
	if off, err := v.Size(); err != nil || off != 12 {
		t.Fatalf("continues at %d (%v)", off, err)
	}
	if _, err := v.Write([]byte("second half")); err != nil {
		t.Fatal(err)
	}
	if err := v.Close(); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(folder, "a.pdf")); string(got) != "first half, second half" {
		t.Errorf("committed %q", got)
	}
	if es := entries(t, folder); len(es) != 1 {
		t.Errorf("left on disk: %v", es)
	}
	// Once continued, the parked file is gone: a second Unpark fails.
	if _, err := again.Unpark(p); err == nil {
		t.Error("a parked upload continued twice")
	}
}

// TestUnparkRefusals: a parked upload continues only beside its target,
// with its size, and for a login that may still write there.
func TestUnparkRefusals(t *testing.T) {
	fs, dir := newTestFS(t, UploadAtomic)
	park := func() Parked {
		t.Helper()
		u, err := fs.Create("/Mes documents/b.pdf", Replace)
		if err != nil {
			t.Fatal(err)
		}
		u.Write([]byte("0123456789"))
		p, err := u.Park()
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct {
		name   string
		change func(*Parked)
		want   error
	}{
		{"other folder", func(p *Parked) { p.Temp = "sessions/S2026-014/clients/C0042/" + filepath.Base(p.Temp) }, ErrParkedStale},
		{"not a parked name", func(p *Parked) { p.Temp = filepath.Dir(p.Temp) + "/b.pdf" }, ErrParkedStale},
		{"size changed", func(p *Parked) { p.Size = 3 }, ErrParkedStale},
		{"target changed meanwhile", func(p *Parked) { write(t, fs, "/Mes documents/b.pdf", []byte("someone else's")) }, ErrParkedStale},
		{"read-only folder", func(p *Parked) { p.Path = "/FTPDOSSIERPERSO/b.pdf" }, ErrPermission},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := park()
			tc.change(&p)
			if _, err := fs.Unpark(p); !errors.Is(err, tc.want) {
				t.Errorf("Unpark: %v, want %v", err, tc.want)
			}
		})
	}
	// A refused name stays refused.
	u, err := fs.Create("/Mes documents/ok.pdf", Replace)
	if err != nil {
		t.Fatal(err)
	}
	p, err := u.Park()
	if err != nil {
		t.Fatal(err)
	}
	p.Path = "/Mes documents/l'été.pdf"
	if _, err := fs.Unpark(p); !errors.Is(err, ErrName) {
		t.Errorf("Unpark under a refused name: %v", err)
	}
	// RemoveParked removes parked files only.
	if err := fs.storage.RemoveParked(Parked{Temp: "clients/C0042/b.pdf"}); err == nil {
		t.Error("RemoveParked accepted a file that is not parked")
	}
	if err := fs.storage.RemoveParked(Parked{Temp: "../" + filepath.Base(p.Temp)}); err == nil {
		t.Error("RemoveParked accepted a path out of the storage")
	}
	if err := fs.storage.RemoveParked(p); err != nil {
		t.Errorf("RemoveParked: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, p.Temp)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the parked file is still there (%v)", err)
	}
}

// TestParkRefused: a direct-mode upload, or one whose write failed, is not
// parked: it ends as an abort would.
func TestParkRefused(t *testing.T) {
	fs, _ := newTestFS(t, UploadDirect)
	u, err := fs.Create("/Mes documents/c.pdf", Replace)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := u.Park(); err == nil {
		t.Error("a direct upload was parked")
	}
	lim, ldir := newLimitedFS(t, UploadAtomic, 4)
	v, err := lim.Create("/Mes documents/d.pdf", Replace)
	if err != nil {
		t.Fatal(err)
	}
	v.Write([]byte("too long"))
	if _, err := v.Park(); err == nil {
		t.Error("a failed upload was parked")
	}
	if es := entries(t, filepath.Join(ldir, "clients", "C0042")); len(es) != 0 {
		t.Errorf("left on disk: %v", es)
	}
}

// TestStaleParkedRemoved: the start-up sweep removes a parked file older
// than ParkedKeep (nobody came back for it), and a crash's temporary file.
func TestStaleParkedRemoved(t *testing.T) {
	fs, dir := newTestFS(t, UploadAtomic)
	u, err := fs.Create("/Mes documents/e.pdf", Replace)
	if err != nil {
		t.Fatal(err)
	}
	p, err := u.Park()
	if err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-ParkedKeep - time.Minute)
	if err := os.Chtimes(filepath.Join(dir, p.Temp), old, old); err != nil {
		t.Fatal(err)
	}
	if n, err := fs.storage.RemoveStaleUploads(context.Background(), time.Now()); err != nil || n != 1 {
		t.Errorf("the sweep removed %d files (%v), want the stale parked one", n, err)
	}
}

// TestUnparkedSparedBySweep: the start-up sweep, still walking while the
// daemon serves, spares the file of an upload taken up after the restart
// (it was parked before the start).
func TestUnparkedSparedBySweep(t *testing.T) {
	fs, dir := newTestFS(t, UploadAtomic)
	u, err := fs.Create("/Mes documents/big.bin", Replace)
	if err != nil {
		t.Fatal(err)
	}
	u.Write([]byte("first half, "))
	p, err := u.Park()
	if err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Minute)
	os.Chtimes(filepath.Join(dir, p.Temp), old, old) // parked a while before the restart
	started := time.Now()
	again := fs.storage.NewFS(fs.Tree(), *fs.options())
	t.Cleanup(func() { again.Close() })
	v, err := again.Unpark(p)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := fs.storage.RemoveStaleUploads(context.Background(), started.Add(time.Second)); err != nil || n != 0 {
		t.Errorf("the start-up sweep removed %d files of a live upload (%v)", n, err)
	}
	v.Write([]byte("second half"))
	if err := v.Close(); err != nil {
		t.Fatalf("commit after unpark: %v", err)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "clients", "C0042", "big.bin")); string(got) != "first half, second half" {
		t.Errorf("committed %q", got)
	}
}

// TestDeletedWhileParked: a file deleted while its upload was parked does
// not come back (a live upload would have been cancelled by the delete):
// the upload is not taken up, and its file is removed.
func TestDeletedWhileParked(t *testing.T) {
	fs, dir := newTestFS(t, UploadAtomic)
	folder := filepath.Join(dir, "clients", "C0042")
	write(t, fs, "/Mes documents/a.pdf", []byte("previous"))
	u, err := fs.Create("/Mes documents/a.pdf", Replace)
	if err != nil {
		t.Fatal(err)
	}
	u.Write([]byte("first half, "))
	p, err := u.Park()
	if err != nil {
		t.Fatal(err)
	}
	again := fs.storage.NewFS(fs.Tree(), *fs.options())
	t.Cleanup(func() { again.Close() })
	if err := again.Remove("/Mes documents/a.pdf"); err != nil {
		t.Fatal(err)
	}
	if _, err := again.Unpark(p); !errors.Is(err, ErrParkedStale) {
		t.Fatalf("Unpark over a deleted target: %v", err)
	}
	if es := entries(t, folder); len(es) != 0 {
		t.Errorf("left on disk: %v", es)
	}
}

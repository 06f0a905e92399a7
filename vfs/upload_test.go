package vfs

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// newLimitedFS is newTestFS with a size limit.
func newLimitedFS(t *testing.T, mode UploadMode, limit int64) (*FS, string) {
	t.Helper()
	fs, dir := newTestFS(t, mode)
	o := *fs.options()
	o.MaxFileSize = limit
	fs.SetOptions(o)
	return fs, dir
}

// TestFailedWriteFailsUpload: in every upload mode, and whether or not the
// connection is then cut (mode 2 publishes a cut upload), a write refused
// on the server fails the upload: Close returns the cause and the previous
// version stays (modes 1 and 2).
func TestFailedWriteFailsUpload(t *testing.T) {
	for _, tt := range []struct {
		name     string
		mode     UploadMode
		cut      bool
		wantKept bool
	}{
		{"atomic", UploadAtomic, false, true},
		{"atomic, then cut", UploadAtomic, true, true},
		{"resume", UploadAtomicWithResume, false, true},
		{"resume, then cut", UploadAtomicWithResume, true, true},
		{"direct", UploadDirect, false, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fs, dir := newLimitedFS(t, tt.mode, 10)
			write(t, fs, "/Mes documents/a.pdf", []byte("previous"))
			u, err := fs.Create("/Mes documents/a.pdf", Replace)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := u.Write([]byte("0123456789")); err != nil {
				t.Fatalf("write up to the limit: %v", err)
			}
			_, werr := u.Write([]byte("x"))
			if !errors.Is(werr, ErrTooLarge) || !strings.Contains(werr.Error(), "file too large: at most 0.0 MB per file") {
				t.Errorf("write past the limit: %v", werr)
			}
			// Later writes fail the same way, even under the limit.
			if _, err := u.WriteAt([]byte("y"), 0); !errors.Is(err, ErrTooLarge) {
				t.Errorf("write after the failure: %v", err)
			}
			if tt.cut {
				u.TransferError(io.ErrUnexpectedEOF)
			}
			if err := u.Close(); !errors.Is(err, ErrTooLarge) {
				t.Errorf("Close: %v, want the size refusal", err)
			}
			got, err := os.ReadFile(filepath.Join(dir, "clients", "C0042", "a.pdf"))
			if err != nil {
				t.Fatal(err)
			}
			if kept := string(got) == "previous"; kept != tt.wantKept {
				t.Errorf("on disk %q after the failed upload", got)
			}
			if es := entries(t, filepath.Join(dir, "clients", "C0042")); len(es) != 1 {
				t.Errorf("on disk: %v", es)
			}
		})
	}
}

// TestReadFromStopsAtLimit: the stream path (FTP) is bounded by the limit
// too, and a stream that ends exactly at the limit is fine.
func TestReadFromStopsAtLimit(t *testing.T) {
	fs, _ := newLimitedFS(t, UploadAtomic, 1<<20)
	u, err := fs.Create("/Mes documents/exact.bin", Replace)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := u.ReadFrom(io.LimitReader(zeros{}, 1<<20)); err != nil {
		t.Fatalf("stream of exactly the limit: %v", err)
	}
	if err := u.Close(); err != nil {
		t.Fatal(err)
	}
	u, err = fs.Create("/Mes documents/over.bin", Replace)
	if err != nil {
		t.Fatal(err)
	}
	n, err := u.ReadFrom(io.LimitReader(zeros{}, 3<<20))
	if !errors.Is(err, ErrTooLarge) || n > 1<<20 {
		t.Errorf("stream past the limit: n=%d err=%v", n, err)
	}
	if err := u.Close(); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Close: %v", err)
	}
	if _, err := fs.Stat("/Mes documents/over.bin"); !errors.Is(err, ErrNotFound) {
		t.Errorf("the refused upload is visible: %v", err)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// TestWriteGap: writes out of order within MaxWriteGap of the furthest
// byte are fine; one further out fails the upload.
func TestWriteGap(t *testing.T) {
	fs, _ := newTestFS(t, UploadAtomic)
	u, err := fs.Create("/Mes documents/a.bin", Replace)
	if err != nil {
		t.Fatal(err)
	}
	for _, off := range []int64{MaxWriteGap, 0, 2 * MaxWriteGap, MaxWriteGap + 5} {
		if _, err := u.WriteAt([]byte("x"), off); err != nil {
			t.Fatalf("write at %d: %v", off, err)
		}
	}
	_, err = u.WriteAt([]byte("x"), 3*MaxWriteGap+2)
	if !errors.Is(err, ErrTooFar) || !strings.Contains(err.Error(), "a write more than 64 MB past the end of the file was refused") {
		t.Errorf("write too far: %v", err)
	}
	if err := u.Close(); !errors.Is(err, ErrTooFar) {
		t.Errorf("Close: %v", err)
	}
}

// TestErrorSentences: each OS error reaches users as its vfs sentence, and
// a folder that is not empty is not "already exists" (ENOTEMPTY is also
// fs.ErrExist for errors.Is).
func TestErrorSentences(t *testing.T) {
	for _, tt := range []struct {
		err  error
		kind error
		text string
	}{
		{syscall.ENOTEMPTY, ErrNotEmpty, "the folder is not empty"},
		{syscall.EEXIST, ErrExists, "already exists"},
		{syscall.ENOENT, ErrNotFound, "no such file or folder"},
		{syscall.ENOSPC, ErrNoSpace, "the server's disk is full"},
		{syscall.EDQUOT, ErrNoSpace, "the server's disk is full"},
		{syscall.EFBIG, ErrTooLarge, "file too large for the server"},
		{syscall.EIO, ErrFailed, "the server could not complete the operation"},
	} {
		err := osErr("upload", "/Mes documents/a.pdf", &os.PathError{Op: "write", Path: "/srv/data/storage/clients/C0042/.dossierd-upload-1", Err: tt.err})
		if !errors.Is(err, tt.kind) || !strings.Contains(err.Error(), tt.text) {
			t.Errorf("%v: %v, want %v %q", tt.err, err, tt.kind, tt.text)
		}
		if strings.Contains(err.Error(), "/srv/") {
			t.Errorf("%v: the sentence names the physical path: %v", tt.err, err)
		}
	}
}

// TestRenameNoReplace: the rename that must not replace refuses an
// existing target and keeps both files.
func TestRenameNoReplace(t *testing.T) {
	fs, dir := newTestFS(t, UploadAtomic)
	write(t, fs, "/Mes documents/a.pdf", []byte("a"))
	write(t, fs, "/Mes documents/b.pdf", []byte("b"))
	r, err := os.OpenRoot(filepath.Join(dir, "clients", "C0042"))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := renameNoReplace(r, "a.pdf", "b.pdf"); !errors.Is(err, os.ErrExist) {
		t.Errorf("renameNoReplace onto an existing file: %v", err)
	}
	if err := renameNoReplace(r, "a.pdf", "c.pdf"); err != nil {
		t.Errorf("renameNoReplace to a new name: %v", err)
	}
	if got := entries(t, filepath.Join(dir, "clients", "C0042")); strings.Join(got, ",") != "b.pdf,c.pdf" {
		t.Errorf("on disk: %v", got)
	}
}

// TestCancelStopsResumeCopy: once the connection has ended, the copy that
// would start a resumed upload does not run.
func TestCancelStopsResumeCopy(t *testing.T) {
	fs, _ := newTestFS(t, UploadAtomic)
	write(t, fs, "/Mes documents/a.pdf", []byte("content"))
	fs.Cancel()
	if _, err := fs.Create("/Mes documents/a.pdf", Continue); err == nil {
		t.Errorf("a resumed upload started after the connection ended")
	}
}

// TestSetOptionsSparesUploadInProgress: new options (a reload) apply to
// the uploads that begin afterwards; one in progress completes under the
// limit and mode it started with.
func TestSetOptionsSparesUploadInProgress(t *testing.T) {
	fs, dir := newLimitedFS(t, UploadAtomic, 100)
	u, err := fs.Create("/Mes documents/long.pdf", Replace)
	if err != nil {
		t.Fatal(err)
	}
	o := *fs.options()
	o.MaxFileSize, o.UploadMode = 10, UploadDirect
	fs.SetOptions(o)
	if _, err := u.Write(bytes.Repeat([]byte("a"), 50)); err != nil {
		t.Fatalf("the upload in progress got the new limit: %v", err)
	}
	if err := u.Close(); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(filepath.Join(dir, "clients", "C0042", "long.pdf")); err != nil || len(got) != 50 {
		t.Fatalf("published: %d bytes, %v", len(got), err)
	}
	next, err := fs.Create("/Mes documents/next.pdf", Replace)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := next.Write(bytes.Repeat([]byte("b"), 11)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("the next upload: %v, want the new limit", err)
	}
	next.Close()
}

// TestSeekErrorsAreSentences: a REST to a negative offset is refused with
// a vfs sentence, never the os error that names the file on disk.
func TestSeekErrorsAreSentences(t *testing.T) {
	fs, dir := newTestFS(t, UploadAtomic)
	write(t, fs, "/Mes documents/a.pdf", []byte("content"))
	d, err := fs.OpenDownload("/Mes documents/a.pdf")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	u, err := fs.Create("/Mes documents/b.pdf", Replace)
	if err != nil {
		t.Fatal(err)
	}
	defer u.Abort()
	for what, seek := range map[string]func() error{
		"download": func() error { _, err := d.Seek(-5, io.SeekStart); return err },
		"upload":   func() error { _, err := u.Seek(-5, io.SeekStart); return err },
	} {
		err := seek()
		var pe *PathError
		if !errors.As(err, &pe) || strings.Contains(err.Error(), dir) {
			t.Errorf("%s: seek to -5: %v, want a vfs sentence", what, err)
		}
	}
}

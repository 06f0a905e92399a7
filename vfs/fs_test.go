package vfs

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dossierd/dossierd/domain"
	"github.com/dossierd/dossierd/names"
)

func newTestFS(t *testing.T, mode UploadMode) (*FS, string) {
	t.Helper()
	dir := t.TempDir()
	s, err := OpenStorage(dir, "FTPDOSSIERPERSO", DefaultUmask)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	for _, f := range []func() error{
		func() error { return s.AccountFolder(domain.RoleClient, "C0042") },
		func() error { return s.EnrollmentFolder("S2026-014", domain.RoleClient, "C0042") },
	} {
		if err := f(); err != nil {
			t.Fatal(err)
		}
	}
	tree := NewTree(Identity{Role: domain.RoleClient, Ref: "C0042", Sessions: []SessionFolder{sst}}, demoLayout())
	fs := s.NewFS(tree, Options{Policy: names.Default(), UploadMode: mode})
	t.Cleanup(func() { fs.Close() })
	return fs, dir
}

func write(t *testing.T, fs *FS, p string, data []byte) {
	t.Helper()
	u, err := fs.Create(p, Replace)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := u.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := u.Close(); err != nil {
		t.Fatal(err)
	}
}

func entries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

func TestUploadAtomic(t *testing.T) {
	fs, dir := newTestFS(t, UploadAtomic)
	disk := filepath.Join(dir, "clients", "C0042")
	write(t, fs, "/Mes documents/a.pdf", []byte("old"))

	u, err := fs.Create("/Mes documents/a.pdf", Replace)
	if err != nil {
		t.Fatal(err)
	}
	u.Write([]byte("new content, half"))
	// Readers see the previous version while the upload is open, and the
	// temporary file is neither listed nor reachable.
	if got, _ := os.ReadFile(filepath.Join(disk, "a.pdf")); string(got) != "old" {
		t.Fatalf("during upload target = %q", got)
	}
	list, _ := fs.List("/Mes documents")
	if len(list) != 1 || list[0].Name() != "a.pdf" || list[0].Size() != 3 {
		t.Fatalf("listing during upload = %v", list)
	}
	tmp := entries(t, disk)
	if len(tmp) != 2 {
		t.Fatalf("disk = %v, want target + one temporary", tmp)
	}
	for _, n := range tmp {
		if strings.HasPrefix(n, tempPrefix) {
			if _, err := fs.Stat("/Mes documents/" + n); !errors.Is(err, ErrNotFound) {
				t.Fatalf("temporary file reachable: %v", err)
			}
		}
	}
	// A cut connection: the upload is discarded, the old content stays.
	u.TransferError(errors.New("connection lost"))
	if err := u.Close(); err == nil {
		t.Fatal("aborted upload reported success")
	}
	if got, _ := os.ReadFile(filepath.Join(disk, "a.pdf")); string(got) != "old" {
		t.Fatalf("after abort target = %q", got)
	}
	if e := entries(t, disk); len(e) != 1 {
		t.Fatalf("temporary file left behind: %v", e)
	}
}

func TestUploadModes(t *testing.T) {
	for _, tt := range []struct {
		mode      UploadMode
		afterCut  string // content of the target after a cut upload
		leftFiles int
	}{
		{UploadAtomic, "old", 1},
		{UploadAtomicWithResume, "oldpartial", 1}, // published so the client can resume
		{UploadDirect, "oldpartial", 1},
	} {
		fs, dir := newTestFS(t, tt.mode)
		write(t, fs, "/Mes documents/a.pdf", []byte("old"))
		u, err := fs.Create("/Mes documents/a.pdf", Continue)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := u.Seek(0, 2); err != nil {
			t.Fatal(err)
		}
		u.Write([]byte("partial"))
		u.TransferError(errors.New("cut"))
		u.Close()
		disk := filepath.Join(dir, "clients", "C0042")
		if got, _ := os.ReadFile(filepath.Join(disk, "a.pdf")); string(got) != tt.afterCut {
			t.Errorf("mode %d: after cut = %q, want %q", tt.mode, got, tt.afterCut)
		}
		if e := entries(t, disk); len(e) != tt.leftFiles {
			t.Errorf("mode %d: files = %v", tt.mode, e)
		}
	}
}

func TestResumeContinuesExistingContent(t *testing.T) {
	fs, dir := newTestFS(t, UploadAtomic)
	full := bytes.Repeat([]byte("0123456789"), 100000)
	write(t, fs, "/Mes documents/big.bin", full[:400000])
	u, err := fs.Create("/Mes documents/big.bin", Continue)
	if err != nil {
		t.Fatal(err)
	}
	if size, _ := u.Size(); size != 400000 {
		t.Fatalf("resume starts at %d", size)
	}
	if _, err := u.WriteAt(full[400000:], 400000); err != nil {
		t.Fatal(err)
	}
	if err := u.Close(); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(filepath.Join(dir, "clients", "C0042", "big.bin"))
	if !bytes.Equal(got, full) {
		t.Fatalf("resumed file differs (%d bytes)", len(got))
	}
}

func TestRefusalsWriteNothing(t *testing.T) {
	fs, dir := newTestFS(t, UploadAtomic)
	tests := []struct {
		op   func() error
		want error
	}{
		{func() error { _, err := fs.Create("/Mes documents/Hélène.pdf", Replace); return err }, ErrName},
		{func() error { return fs.Mkdir("/Mes documents/R&D") }, ErrName},
		{func() error { _, err := fs.Create("/Sessions/S2026-014 SST Lyon/Documents/x.pdf", Replace); return err }, ErrPermission},
		{func() error { _, err := fs.Create("/x.pdf", Replace); return err }, ErrReadOnly},
		{func() error { return fs.Mkdir("/Sessions/new") }, ErrReadOnly},
		{func() error { return fs.Mkdir("/Sessions") }, ErrExists},
		{func() error { return fs.Mkdir("/Mes documents") }, ErrExists},
		{func() error { return fs.Remove("/Mes documents") }, ErrReadOnly},
		{func() error { return fs.Rename("/Mes documents", "/Autre", false) }, ErrReadOnly},
		{func() error { _, err := fs.Create("/Mes documents/no/such/dir.pdf", Replace); return err }, ErrNotFound},
		{func() error { _, err := fs.Open("/Mes documents/none.pdf"); return err }, ErrNotFound},
		{func() error { _, err := fs.Open("/Sessions"); return err }, ErrIsDir},
		{func() error { _, err := fs.Stat("/Mes documents/a\x00b"); return err }, ErrInvalidPath},
	}
	for i, tt := range tests {
		err := tt.op()
		if !errors.Is(err, tt.want) {
			t.Errorf("%d: err = %v, want %v", i, err, tt.want)
		}
		var pe *PathError
		if !errors.As(err, &pe) || pe.Error() == "" {
			t.Errorf("%d: %T is not a PathError with a message", i, err)
		}
	}
	for _, d := range []string{"clients/C0042", "sessions/S2026-014/clients/C0042"} {
		if e := entries(t, filepath.Join(dir, d)); len(e) != 0 {
			t.Errorf("%s holds %v after refusals", d, e)
		}
	}
}

func TestNameErrorMessage(t *testing.T) {
	fs, _ := newTestFS(t, UploadAtomic)
	_, err := fs.Create("/Mes documents/Convocation Hélène l'été.pdf", Replace)
	msg := err.Error()
	for _, want := range []string{`"é"`, `"Convocation Helene l ete.pdf"`, "Mes documents"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %s", msg, want)
		}
	}
	var ne *names.Error
	if !errors.As(err, &ne) || ne.Suggestion != "Convocation Helene l ete.pdf" {
		t.Errorf("names.Error not reachable: %v", err)
	}
}

func TestRenameAndTimes(t *testing.T) {
	fs, dir := newTestFS(t, UploadAtomic)
	write(t, fs, "/Mes documents/a.pdf", []byte("a"))
	write(t, fs, "/Mes documents/b.pdf", []byte("b"))
	if err := fs.Rename("/Mes documents/a.pdf", "/Mes documents/b.pdf", false); !errors.Is(err, ErrExists) {
		t.Fatalf("rename onto existing without overwrite: %v", err)
	}
	if err := fs.Rename("/Mes documents/a.pdf", "/Mes documents/b.pdf", true); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "clients", "C0042", "b.pdf")); string(got) != "a" {
		t.Fatalf("after posix rename b = %q", got)
	}
	mtime := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	if err := fs.Chtimes("/Mes documents/b.pdf", mtime, mtime); err != nil {
		t.Fatal(err)
	}
	fi, err := fs.Stat("/Mes documents/b.pdf")
	if err != nil || !fi.ModTime().Equal(mtime) || fi.Mode().Perm() != 0o644 {
		t.Fatalf("stat = %v %v %v", fi.ModTime(), fi.Mode(), err)
	}
	ro, err := fs.Stat("/Sessions/S2026-014 SST Lyon/Documents")
	if err != nil || ro.Mode().Perm() != 0o555 || ro.Name() != "Documents" {
		t.Fatalf("read-only mount stat = %v %v", ro, err)
	}
}

func TestSymlinkStaysInMount(t *testing.T) {
	fs, dir := newTestFS(t, UploadAtomic)
	os.MkdirAll(filepath.Join(dir, "clients", "C0043"), 0o755)
	os.WriteFile(filepath.Join(dir, "clients", "C0043", "secret.pdf"), []byte("secret"), 0o644)
	mine := filepath.Join(dir, "clients", "C0042")
	os.Symlink("../C0043", filepath.Join(mine, "escape"))
	os.Symlink(filepath.Join(dir, "clients", "C0043", "secret.pdf"), filepath.Join(mine, "abs.pdf"))
	os.WriteFile(filepath.Join(mine, "real.pdf"), []byte("mine"), 0o644)
	os.Symlink("real.pdf", filepath.Join(mine, "inside.pdf"))
	for _, p := range []string{"/Mes documents/escape/secret.pdf", "/Mes documents/abs.pdf"} {
		if _, err := fs.Open(p); !errors.Is(err, ErrNotFound) {
			t.Errorf("Open(%q) = %v, want not found", p, err)
		}
	}
	list, _ := fs.List("/Mes documents")
	var got []string
	for _, fi := range list {
		got = append(got, fi.Name())
	}
	if strings.Join(got, ",") != "inside.pdf,real.pdf" {
		t.Errorf("listing = %v", got)
	}
	f, err := fs.Open("/Mes documents/inside.pdf")
	if err != nil {
		t.Fatalf("a link inside the mount should work: %v", err)
	}
	f.Close()
}

// virtualTimes lists the virtual folders of fs (/, /Sessions and each
// session's folder) with the modification time a client sees for them,
// from Stat and from the listing of their parent.
func virtualTimes(t *testing.T, fs *FS) map[string]time.Time {
	t.Helper()
	out := map[string]time.Time{}
	for _, dir := range []string{"/", "/Sessions"} {
		fi, err := fs.Stat(dir)
		if err != nil {
			t.Fatal(err)
		}
		out["stat "+dir] = fi.ModTime()
		list, err := fs.List(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range list {
			if dir == "/Sessions" || e.Name() == "Sessions" {
				out["list "+dir+" "+e.Name()] = e.ModTime()
			}
		}
	}
	if len(out) < 4 {
		t.Fatalf("virtual folders: %v, want /, /Sessions and a session", out)
	}
	return out
}

// TestVirtualFolderTimesStable: the virtual folders show the same time to
// every login and across tree rebuilds (FileZilla's directory comparison
// must not see them change), a second apart.
func TestVirtualFolderTimesStable(t *testing.T) {
	fs, _ := newTestFS(t, UploadAtomic)
	first := virtualTimes(t, fs)
	time.Sleep(1100 * time.Millisecond) // past the one-second truncation
	fs.SetTree(NewTree(Identity{Role: domain.RoleClient, Ref: "C0042", Sessions: []SessionFolder{sst}}, demoLayout()))
	other, _ := newTestFS(t, UploadAtomic) // another login
	for what, got := range map[string]map[string]time.Time{"after a rebuild": virtualTimes(t, fs), "for another login": virtualTimes(t, other)} {
		for k, want := range first {
			if !got[k].Equal(want) {
				t.Errorf("%s, %s: %s, want %s as before", what, k, got[k], want)
			}
		}
	}
}

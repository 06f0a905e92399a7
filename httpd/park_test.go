package httpd_test

import (
	"crypto/sha256"
	"os"
	"strings"
	"testing"

	"github.com/dossierd/dossierd/audit"
	"github.com/dossierd/dossierd/config"
	"github.com/dossierd/dossierd/scenario"
)

// TestUploadSurvivesRestart: a big file half sent when the daemon
// restarts (an upgrade) is not visible, and the page continues it after
// the restart where it stood, in the same web session; the committed file
// is whole. A second parked upload whose web session ends is removed.
func TestUploadSurvivesRestart(t *testing.T) {
	env := scenario.Start(t, nil)
	b := newBrowser(t, env)
	b.login("acme")
	data := scenario.RandomData(t, 3<<20+77)
	_, rep := b.startUpload("/Mes documents", "film.pdf", int64(len(data)), false)
	if code, r := b.chunk(rep.ID, 0, data[:1<<20]); code != 200 || r.Offset != 1<<20 {
		t.Fatalf("chunk: %d %+v", code, r)
	}
	other := newBrowser(t, env)
	other.login("acme")
	_, orep := other.startUpload("/Mes documents", "autre.pdf", 100, false)
	if code, _ := other.chunk(orep.ID, 0, data[:10]); code != 200 {
		t.Fatalf("other chunk: %d", code)
	}

	env = env.Restart(t)
	b.env, other.env = env, env
	if _, err := os.Stat(env.Disk("clients/C0042/film.pdf")); err == nil {
		t.Fatal("the half-sent file is visible after the restart")
	}
	if temps := env.UploadTemps(t, "clients/C0042"); len(temps) != 2 {
		t.Fatalf("parked files on disk: %v", temps)
	}
	_, listing := b.get("/files/Mes%20documents/")
	if strings.Contains(listing, "film.pdf") || strings.Contains(listing, scenario.UploadTempPrefix) {
		t.Fatalf("the listing shows the parked upload:\n%s", listing)
	}

	// The page asks where to continue, as after a reload.
	code, again := b.startUpload("/Mes documents", "film.pdf", int64(len(data)), false)
	if code != 200 || again.Offset != 1<<20 {
		t.Fatalf("after the restart: %d %+v, want to continue at %d", code, again, 1<<20)
	}
	if code, r := b.chunk(again.ID, 1<<20, data[1<<20:]); code != 200 || !r.Done {
		t.Fatalf("last chunk: %d %+v", code, r)
	}
	got, err := os.ReadFile(env.Disk("clients/C0042/film.pdf"))
	if err != nil || sha256.Sum256(got) != sha256.Sum256(data) {
		t.Fatalf("committed file differs (%d bytes, %v)", len(got), err)
	}
	if e := env.Audited(t, "acme", audit.Upload, "/Mes documents/film.pdf"); e.Result != "ok" {
		t.Errorf("audited %+v", e)
	}

	// The other web session logs out: its parked upload goes at the sweep.
	other.post("/logout", nil)
	env.Daemon.HTTP.SweepParked()
	if temps := env.UploadTemps(t, "clients/C0042"); len(temps) != 0 {
		t.Errorf("left on disk after the sweep: %v", temps)
	}
	// And a page asking for it then starts again from zero.
	if code, r := other.startUpload("/Mes documents", "autre.pdf", 100, false); code != 401 && r.Offset != 0 {
		t.Errorf("after logout: %d %+v", code, r)
	}
}

// TestParkedWaitsForAHandle: after the restart, a parked upload the login
// cannot take up yet (its open files at max_open_handles) stays parked:
// the page is told to ask again (503, which it retries), and continues
// once a file is closed.
func TestParkedWaitsForAHandle(t *testing.T) {
	env := scenario.Start(t, func(c *config.Config) { c.SFTPD.MaxOpenHandles = 1 })
	b := newBrowser(t, env)
	b.login("acme")
	data := scenario.RandomData(t, 2<<20)
	_, rep := b.startUpload("/Mes documents", "film.pdf", int64(len(data)), false)
	if code, _ := b.chunk(rep.ID, 0, data[:1<<20]); code != 200 {
		t.Fatalf("chunk: %d", code)
	}
	env = env.Restart(t)
	b.env = env

	// Another file holds the one handle the login may open.
	_, other := b.startUpload("/Mes documents", "autre.pdf", 10, false)
	if other.ID == "" {
		t.Fatalf("other upload: %+v", other)
	}
	code, r := b.startUpload("/Mes documents", "film.pdf", int64(len(data)), false)
	if code != 503 || r.Error == "" {
		t.Fatalf("parked upload while the handle is taken: %d %+v, want 503 with a sentence", code, r)
	}
	if temps := env.UploadTemps(t, "clients/C0042"); len(temps) != 2 {
		t.Fatalf("files on disk: %v, want the parked one and the other upload's", temps)
	}
	if code, r := b.chunk(other.ID, 0, data[:10]); code != 200 || !r.Done {
		t.Fatalf("finishing the other: %d %+v", code, r)
	}
	code, r = b.startUpload("/Mes documents", "film.pdf", int64(len(data)), false)
	if code != 200 || r.Offset != 1<<20 {
		t.Fatalf("once the handle is free: %d %+v, want to continue at %d", code, r, 1<<20)
	}
	if code, r := b.chunk(r.ID, 1<<20, data[1<<20:]); code != 200 || !r.Done {
		t.Fatalf("last chunk: %d %+v", code, r)
	}
	if got, err := os.ReadFile(env.Disk("clients/C0042/film.pdf")); err != nil || sha256.Sum256(got) != sha256.Sum256(data) {
		t.Fatalf("committed file differs (%v)", err)
	}
}

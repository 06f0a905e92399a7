package service

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/dossierd/dossierd/vfs"
)

// TestRefusedResumeLeavesTheFile: a REST offset that is not the file's
// size is refused, and in upload mode 2 the refusal must not publish the
// copy of the target the upload began with (a new modification time for
// an unchanged file, or an older content over a newer one committed
// meanwhile).
func TestRefusedResumeLeavesTheFile(t *testing.T) {
	svc, dir := acmeService(t, Options{FS: vfs.Options{UploadMode: vfs.UploadAtomicWithResume}})
	c, err := svc.Open(context.Background(), dir.accounts["acme"], "FTP", "127.0.0.1:1", func(string) {})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	p := "/" + vfs.DefaultLabels.Personal + "/a.pdf"
	u, err := c.Upload(p, vfs.Replace)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := u.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	if err := u.Close(); err != nil {
		t.Fatal(err)
	}
	old := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	if err := c.Chtimes(p, old, old); err != nil {
		t.Fatal(err)
	}

	for _, resume := range []func() (*Upload, error){
		func() (*Upload, error) { return c.ResumeUpload(p, 3) },
		func() (*Upload, error) { return c.ResumeUpload(p, 9) },
	} {
		if _, err := resume(); !errors.Is(err, vfs.ErrBadOffset) {
			t.Fatalf("resume at a wrong offset: %v", err)
		}
		fi, err := c.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if !fi.ModTime().Equal(old) {
			t.Errorf("refused resume changed the file's time: %v, want %v", fi.ModTime(), old)
		}
	}
	if n := c.OpenTransfers(); n != 0 {
		t.Errorf("%d transfers still open", n)
	}
	if n := c.transfers.handles.Load(); n != 0 {
		t.Errorf("%d handles still held", n)
	}
	d, err := c.Download(p)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	got, _ := io.ReadAll(d)
	if string(got) != "hello" {
		t.Errorf("content %q", got)
	}
}

// TestDrainKicksSideBySide: Drain kicks the connections at once, not one
// after the other: a kick may wait up to a second to tell a user that
// stopped reading why, and a hundred such connections must not hold the
// shutdown for a hundred seconds.
func TestDrainKicksSideBySide(t *testing.T) {
	svc, dir := acmeService(t, Options{})
	const n = 5
	for range n {
		var c *Conn
		ready := make(chan struct{})
		c, err := svc.Open(context.Background(), dir.accounts["acme"], "SFTP", "127.0.0.1:1", func(string) {
			<-ready
			time.Sleep(600 * time.Millisecond) // the message waits for a client that does not read
			c.Close()
		})
		if err != nil {
			t.Fatal(err)
		}
		close(ready)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	svc.Drain(ctx)
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Drain of %d connections took %v", n, d)
	}
	if left := len(svc.Conns()); left != 0 {
		t.Errorf("%d connections left", left)
	}
}

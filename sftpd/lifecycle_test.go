package sftpd_test

import (
	"io"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"

	"github.com/dossierd/dossierd/scenario"
)

// sftpLifecycle drives the lifecycle table with pkg/sftp over a session
// channel opened by hand, so that its error stream, where the server
// writes why it closes the connection, is read.
type sftpLifecycle struct{}

func (sftpLifecycle) Told(reason string) string     { return "dossierd: " + reason }
func (sftpLifecycle) Addr(env *scenario.Env) string { return env.SFTPAddr() }

func (sftpLifecycle) Dial(t *testing.T, env *scenario.Env, login string) scenario.LifeConn {
	t.Helper()
	nc, sc := dialSSH(t, env, login)
	c := &sftpLife{nc: nc, sftpClient: &sftpClient{ssh: sc}}
	t.Cleanup(c.Close)
	var err error
	if c.session, err = c.ssh.NewSession(); err != nil {
		t.Fatal(err)
	}
	// RequestSubsystem, unlike Shell or Start, copies no stream itself.
	stderr, err := c.session.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	c.stderrDone = make(chan struct{})
	go func() {
		defer close(c.stderrDone)
		io.Copy(&c.stderr, stderr)
	}()
	stdin, err := c.session.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := c.session.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.session.RequestSubsystem("sftp"); err != nil {
		t.Fatal(err)
	}
	if c.sftp, err = sftp.NewClientPipe(stdout, stdin); err != nil {
		t.Fatal(err)
	}
	return c
}

// sftpLife is the scenario table's client (Put, Get) over a session
// channel whose error stream the test reads.
type sftpLife struct {
	*sftpClient
	nc      net.Conn
	session *ssh.Session
	stderr  scenario.Buffer
	// stderrDone is closed when the channel's error stream ends.
	stderrDone chan struct{}
	once       sync.Once
}

type sftpUpload struct {
	f   *sftp.File
	off int64
}

func (c *sftpLife) StartUpload(p string, at int64) (scenario.UploadInFlight, error) {
	flags := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	if at > 0 {
		flags = os.O_WRONLY
	}
	f, err := c.sftp.OpenFile(p, flags)
	if err != nil {
		return nil, err
	}
	return &sftpUpload{f: f, off: at}, nil
}

// Write returns once the server acknowledged every packet.
func (u *sftpUpload) Write(data []byte) error {
	n, err := u.f.WriteAt(data, u.off)
	u.off += int64(n)
	return err
}

func (u *sftpUpload) Finish() error { return u.f.Close() }

type sftpDownload struct {
	f   *sftp.File
	off int64
}

func (c *sftpLife) StartDownload(p string) (scenario.DownloadInFlight, error) {
	f, err := c.sftp.Open(p)
	if err != nil {
		return nil, err
	}
	return &sftpDownload{f: f}, nil
}

func (d *sftpDownload) Read(n int) ([]byte, error) {
	b := make([]byte, n)
	got, err := d.f.ReadAt(b, d.off)
	d.off += int64(got)
	if err == io.EOF && got == n {
		err = nil
	}
	return b[:got], err
}

func (c *sftpLife) Cut() { c.nc.Close() }

func (c *sftpLife) Closed(d time.Duration) (string, bool) {
	done := make(chan struct{})
	go func() {
		c.ssh.Wait()
		<-c.stderrDone // the error stream ends with the channel
		close(done)
	}()
	select {
	case <-done:
		return c.stderr.String(), true
	case <-time.After(d):
		return c.stderr.String(), false
	}
}

func (c *sftpLife) Close() {
	c.once.Do(func() {
		c.sftp.Close()
		c.session.Close()
		c.ssh.Close()
	})
}

func TestLifecycleSFTP(t *testing.T) {
	t.Parallel()
	scenario.RunLifecycle(t, sftpLifecycle{})
}

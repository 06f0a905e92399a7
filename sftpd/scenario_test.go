package sftpd_test

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"strings"
	"testing"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"

	"github.com/dossierd/dossierd/scenario"
)

// sftpClient drives the scenario table through pkg/sftp's client.
type sftpClient struct {
	ssh  *ssh.Client
	sftp *sftp.Client
}

func dialSFTP(t testing.TB, env *scenario.Env, login, password string) *sftpClient {
	t.Helper()
	sc, err := ssh.Dial("tcp", env.SFTPAddr(), &ssh.ClientConfig{
		User:            login,
		Auth:            []ssh.AuthMethod{ssh.Password(password)},
		HostKeyCallback: ssh.InsecureIgnoreHostKey(),
	})
	if err != nil {
		t.Fatalf("ssh login %s: %v", login, err)
	}
	c, err := sftp.NewClient(sc)
	if err != nil {
		sc.Close()
		t.Fatalf("sftp %s: %v", login, err)
	}
	return &sftpClient{ssh: sc, sftp: c}
}

func (c *sftpClient) List(p string) ([]string, error) {
	fis, err := c.sftp.ReadDir(p)
	if err != nil {
		return nil, err
	}
	out := []string{}
	for _, fi := range fis {
		out = append(out, fi.Name())
	}
	return out, nil
}

func (c *sftpClient) Stat(p string) error {
	_, err := c.sftp.Stat(p)
	return err
}

func (c *sftpClient) Get(p string) ([]byte, error) {
	f, err := c.sftp.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

func (c *sftpClient) Put(p string, data []byte) error {
	f, err := c.sftp.Create(p)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func (c *sftpClient) Mkdir(p string) error         { return c.sftp.Mkdir(p) }
func (c *sftpClient) Rename(from, to string) error { return c.sftp.Rename(from, to) }
func (c *sftpClient) Remove(p string) error        { return c.sftp.Remove(p) }
func (c *sftpClient) Close() error                 { c.sftp.Close(); return c.ssh.Close() }

func (c *sftpClient) Kind(err error) scenario.Kind {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return scenario.NotFound
	}
	// Refusals other than not-found are FAILURE statuses (handlers.fail):
	// the sentence tells them apart.
	switch msg := c.Message(err); {
	case strings.Contains(msg, "read-only folder"):
		return scenario.Denied
	case strings.Contains(msg, "refused"):
		return scenario.BadName
	}
	return scenario.Failed
}

// Message is the server's text, which pkg/sftp keeps only for statuses it
// does not turn into os errors.
func (c *sftpClient) Message(err error) string {
	var se *sftp.StatusError
	if errors.As(err, &se) {
		return se.Error()
	}
	return ""
}

func TestScenarioTableSFTP(t *testing.T) {
	env := scenario.Start(t, nil)
	scenario.Run(t, env, func(t testing.TB, env *scenario.Env, login, password string) scenario.Client {
		return dialSFTP(t, env, login, password)
	})
	_ = os.Remove
}

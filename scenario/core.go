package scenario

import (
	"context"
	"errors"
	"io"
	"testing"

	"github.com/dossierd/dossierd/service"
	"github.com/dossierd/dossierd/vfs"
)

// CoreClient drives the table in-process, straight through the core's
// operations (service.Conn), as every front-end does: what the table asks
// of the protocols it asks of the core first, without any translation.
type CoreClient struct {
	Conn *service.Conn
	// Kicked receives the reason when the service closes the connection.
	Kicked chan string
}

// DialCore opens a connection of login on env's service, as a front-end
// does once the login is verified (the password is not checked here: the
// account is read from the store).
func DialCore(t testing.TB, env *Env, login, _ string) Client {
	t.Helper()
	ctx := context.Background()
	a, err := env.Daemon.Store.Account(ctx, login)
	if err != nil {
		t.Fatalf("account %s: %v", login, err)
	}
	kicked := make(chan string, 1)
	c, err := env.Daemon.Service.Open(ctx, a, "core", "127.0.0.1:1", func(reason string) {
		select {
		case kicked <- reason:
		default:
		}
	})
	if err != nil {
		t.Fatalf("open %s: %v", login, err)
	}
	return &CoreClient{Conn: c, Kicked: kicked}
}

func (c *CoreClient) List(p string) ([]string, error) {
	entries, err := c.Conn.List(p)
	if err != nil {
		return nil, err
	}
	out := []string{}
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out, nil
}

func (c *CoreClient) Stat(p string) error {
	_, err := c.Conn.Stat(p)
	return err
}

func (c *CoreClient) Get(p string) ([]byte, error) {
	d, err := c.Conn.Download(p)
	if err != nil {
		return nil, err
	}
	data, err := io.ReadAll(d)
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return data, err
}

func (c *CoreClient) Put(p string, data []byte) error {
	u, err := c.Conn.Upload(p, vfs.Replace)
	if err != nil {
		return err
	}
	if _, err := u.Write(data); err != nil {
		u.Close()
		return err
	}
	return u.Close()
}

func (c *CoreClient) Mkdir(p string) error { return c.Conn.Mkdir(p) }

// Rename without overwrite, SFTP's plain rename (FTP's RNTO replaces):
// the table renames onto no existing file, so both pass it alike.
func (c *CoreClient) Rename(from, to string) error { return c.Conn.Rename(from, to, false) }
func (c *CoreClient) Remove(p string) error        { return c.Conn.Remove(p) }
func (c *CoreClient) Close() error                 { c.Conn.Close(); return nil }

// Kind classifies by the vfs sentinel the error wraps.
func (c *CoreClient) Kind(err error) Kind {
	switch {
	case errors.Is(err, vfs.ErrNotFound):
		return NotFound
	case errors.Is(err, vfs.ErrPermission), errors.Is(err, vfs.ErrReadOnly):
		return Denied
	case errors.Is(err, vfs.ErrName):
		return BadName
	}
	return Failed
}

// Message is the user's sentence, what both front-ends send.
func (c *CoreClient) Message(err error) string { return err.Error() }

package ftpd_test

import (
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dossierd/dossierd/scenario"
)

// ftpLifecycle drives the lifecycle table by hand over a control
// connection (plain or explicit TLS) and passive data connections, so
// that a transfer can be held open, cut like a killed client's, and the
// control connection read to its last line.
type ftpLifecycle struct{ m mode }

func (ftpLifecycle) Told(reason string) string     { return "421 " + reason }
func (ftpLifecycle) Addr(env *scenario.Env) string { return env.FTPAddr() }

func (l ftpLifecycle) Dial(t *testing.T, env *scenario.Env, login string) scenario.LifeConn {
	t.Helper()
	r := dialRaw(t, env, l.m)
	r.login(env, login)
	return &ftpLife{r: r, env: env}
}

type ftpLife struct {
	r    *rawFTP
	env  *scenario.Env
	data net.Conn     // the transfer's stream (TLS or not)
	tcp  *net.TCPConn // and its TCP connection
	once sync.Once
}

// transfer opens a passive data connection and sends cmd, which must be
// answered 150.
func (c *ftpLife) transfer(cmd string) error {
	c.data, c.tcp = c.r.data(c.env)
	c.r.send("%s", cmd)
	if _, _, err := c.r.tp.ReadResponse(150); err != nil {
		c.data.Close()
		c.data, c.tcp = nil, nil
		return err
	}
	return nil
}

// end closes the data connection (with close_notify under TLS) and reads
// the transfer's reply.
func (c *ftpLife) end() error {
	c.data.Close()
	c.data, c.tcp = nil, nil
	_, _, err := c.r.tp.ReadResponse(226)
	return err
}

func (c *ftpLife) Put(p string, data []byte) error {
	u, err := c.StartUpload(p, 0)
	if err != nil {
		return err
	}
	if err := u.Write(data); err != nil {
		return err
	}
	return u.Finish()
}

func (c *ftpLife) Get(p string) ([]byte, error) {
	if err := c.transfer("RETR " + p); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(c.data)
	if eerr := c.end(); err == nil {
		err = eerr
	}
	return data, err
}

type ftpUpload struct{ c *ftpLife }

func (c *ftpLife) StartUpload(p string, at int64) (scenario.UploadInFlight, error) {
	if at > 0 {
		c.r.send("REST %d", at)
		if _, _, err := c.r.tp.ReadResponse(350); err != nil {
			return nil, err
		}
	}
	if err := c.transfer("STOR " + p); err != nil {
		return nil, err
	}
	return &ftpUpload{c}, nil
}

func (u *ftpUpload) Write(data []byte) error {
	_, err := u.c.data.Write(data)
	return err
}

func (u *ftpUpload) Finish() error { return u.c.end() }

type ftpDownload struct{ c *ftpLife }

func (c *ftpLife) StartDownload(p string) (scenario.DownloadInFlight, error) {
	if err := c.transfer("RETR " + p); err != nil {
		return nil, err
	}
	// A small window: the server must not be able to push much of the
	// file into the sockets.
	c.tcp.SetReadBuffer(64 << 10)
	return &ftpDownload{c}, nil
}

func (d *ftpDownload) Read(n int) ([]byte, error) {
	b := make([]byte, n)
	got, err := io.ReadFull(d.c.data, b)
	return b[:got], err
}

// Cut resets the data connection, then the control connection: no
// close_notify under TLS, no end of file over plain FTP.
func (c *ftpLife) Cut() {
	if c.tcp != nil {
		c.tcp.SetLinger(0)
		c.tcp.Close()
	}
	if tcp, ok := c.r.tcp.(*net.TCPConn); ok {
		tcp.SetLinger(0)
		tcp.Close()
	}
	c.once.Do(func() {})
}

func (c *ftpLife) Closed(d time.Duration) (string, bool) {
	c.r.tcp.SetReadDeadline(time.Now().Add(d))
	var lines []string
	for {
		line, err := c.r.tp.ReadLine()
		if err != nil {
			var ne net.Error
			return strings.Join(lines, "\n"), !(errors.As(err, &ne) && ne.Timeout())
		}
		lines = append(lines, line)
	}
}

func (c *ftpLife) Close() {
	c.once.Do(func() {
		c.r.tp.PrintfLine("QUIT")
		c.r.tp.Close()
	})
}

func TestLifecycleFTP(t *testing.T) {
	t.Parallel()
	scenario.RunLifecycle(t, ftpLifecycle{plain})
}

func TestLifecycleFTPS(t *testing.T) {
	t.Parallel()
	scenario.RunLifecycle(t, ftpLifecycle{explicitTLS})
}

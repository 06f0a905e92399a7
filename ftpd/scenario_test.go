package ftpd_test

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net/textproto"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jlaffaye/ftp"

	"github.com/dossierd/dossierd/scenario"
)

// clientTLS trusts the server's generated certificate (so its SAN for
// 127.0.0.1 is checked too) and keeps TLS sessions, as FileZilla does, so
// that data connections can resume the control connection's session.
// ServerName keys the session cache: without it Go would key it by
// address, which differs between control and data connections.
func clientTLS(t testing.TB, env *scenario.Env) *tls.Config {
	t.Helper()
	pem, err := os.ReadFile(env.Config.FTPD.CertificateFile)
	if err != nil {
		t.Fatalf("server certificate: %v", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatal("server certificate: no PEM certificate")
	}
	return &tls.Config{
		RootCAs:            pool,
		ServerName:         "127.0.0.1",
		ClientSessionCache: tls.NewLRUClientSessionCache(4),
		MinVersion:         tls.VersionTLS12,
	}
}

type mode int

const (
	plain mode = iota
	explicitTLS
	implicitTLS
)

// dialFTP logs in with jlaffaye/ftp.
func dialFTP(t testing.TB, env *scenario.Env, m mode, login, password string) *ftp.ServerConn {
	t.Helper()
	opts := []ftp.DialOption{ftp.DialWithTimeout(10 * time.Second)}
	switch m {
	case explicitTLS:
		opts = append(opts, ftp.DialWithExplicitTLS(clientTLS(t, env)))
	case implicitTLS:
		opts = append(opts, ftp.DialWithTLS(clientTLS(t, env)))
	}
	c, err := ftp.Dial(env.FTPAddr(), opts...)
	if err != nil {
		t.Fatalf("dial %s: %v", env.FTPAddr(), err)
	}
	if err := c.Login(login, password); err != nil {
		c.Quit()
		t.Fatalf("login %s: %v", login, err)
	}
	return c
}

// ftpClient drives the scenario table through jlaffaye/ftp, as FileZilla
// would: MLSD for listings, MLST for a single path.
type ftpClient struct{ c *ftp.ServerConn }

func (c *ftpClient) List(p string) ([]string, error) {
	entries, err := c.c.List(p)
	if err != nil {
		return nil, err
	}
	out := []string{}
	for _, e := range entries {
		if e.Name != "." && e.Name != ".." {
			out = append(out, e.Name)
		}
	}
	return out, nil
}

func (c *ftpClient) Stat(p string) error {
	_, err := c.c.GetEntry(p)
	return err
}

func (c *ftpClient) Get(p string) ([]byte, error) {
	r, err := c.c.Retr(p)
	if err != nil {
		return nil, err
	}
	data, err := io.ReadAll(r)
	if cerr := r.Close(); err == nil {
		err = cerr
	}
	return data, err
}

func (c *ftpClient) Put(p string, data []byte) error { return c.c.Stor(p, bytes.NewReader(data)) }
func (c *ftpClient) Mkdir(p string) error            { return c.c.MakeDir(p) }
func (c *ftpClient) Rename(from, to string) error    { return c.c.Rename(from, to) }
func (c *ftpClient) Remove(p string) error           { return c.c.Delete(p) }
func (c *ftpClient) Close() error                    { return c.c.Quit() }

// reply extracts the FTP reply from a jlaffaye/ftp error.
func reply(err error) (int, string, bool) {
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code, te.Msg, true
	}
	return 0, "", false
}

// Kind classifies by reply code, then by the text where FTP uses one code
// for several refusals (550).
func (c *ftpClient) Kind(err error) scenario.Kind { return kindOf(err) }

func kindOf(err error) scenario.Kind {
	code, msg, ok := reply(err)
	switch {
	case !ok:
		return scenario.Failed
	case code == 553:
		return scenario.BadName
	case code != 550:
		return scenario.Failed
	case strings.Contains(msg, "read-only"):
		return scenario.Denied
	case strings.Contains(msg, "no such file or folder"):
		return scenario.NotFound
	}
	return scenario.Failed
}

func (c *ftpClient) Message(err error) string {
	_, msg, _ := reply(err)
	return msg
}

func TestScenarioTableFTP(t *testing.T) {
	env := scenario.Start(t, nil)
	scenario.Run(t, env, func(t testing.TB, env *scenario.Env, login, password string) scenario.Client {
		return &ftpClient{dialFTP(t, env, plain, login, password)}
	})
}

func TestScenarioTableFTPS(t *testing.T) {
	env := scenario.Start(t, nil)
	scenario.Run(t, env, func(t testing.TB, env *scenario.Env, login, password string) scenario.Client {
		return &ftpClient{dialFTP(t, env, explicitTLS, login, password)}
	})
}

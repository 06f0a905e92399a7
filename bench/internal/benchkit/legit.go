package benchkit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"path"
	"regexp"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jlaffaye/ftp"
	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
)

// Legit is a set of legitimate clients: half SFTP (pkg/sftp), half FTP
// (jlaffaye/ftp, every other one over explicit TLS when asked), each
// logged in once, looping upload then download of the same payload and
// comparing its SHA-256. A refused login or a failed transfer is counted
// and its message kept; the client then waits a second and logs in again,
// until the context ends. A round in progress when it ends is finished.
type Legit struct {
	SFTPAddr, FTPAddr string
	Login, Password   string
	Dir               string // folder the clients write in
	Payload           []byte
	FTPS              bool          // explicit TLS for every other FTP client
	IOTimeout         time.Duration // a connection silent this long fails (default 60 s)

	Logins, LoginsRefused      atomic.Int64
	Transfers, Intact, Corrupt atomic.Int64 // an upload and a download each
	Failed                     atomic.Int64 // transfers that returned an error
	Bytes                      atomic.Int64
	mu                         sync.Mutex
	errs                       map[string]int
	clientFailed               map[int]bool
	started, ended             time.Time
}

// Run starts n clients; it returns once they have all stopped.
func (l *Legit) Run(ctx context.Context, n int) {
	l.started = time.Now()
	sum := sha256.Sum256(l.Payload)
	var wg sync.WaitGroup
	for c := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				var err error
				var loggedIn bool
				if c%2 == 0 {
					loggedIn, err = l.sftpClient(ctx, c, sum)
				} else {
					loggedIn, err = l.ftpClient(ctx, c, sum, l.FTPS && c%4 == 3)
				}
				if err == nil {
					return
				}
				what := "transfer"
				if !loggedIn {
					what = "login"
					l.LoginsRefused.Add(1)
				}
				l.fail(c, what, err)
				select {
				case <-ctx.Done():
				case <-time.After(time.Second):
				}
			}
		}()
	}
	wg.Wait()
	l.ended = time.Now()
}

// Kind names client c: SFTP, FTP or FTPS.
func (l *Legit) Kind(c int) string {
	switch {
	case c%2 == 0:
		return "SFTP"
	case l.FTPS && c%4 == 3:
		return "FTPS"
	}
	return "FTP"
}

var addrRE = regexp.MustCompile(`\d+\.\d+\.\d+\.\d+:\d+`)

func (l *Legit) fail(c int, what string, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.errs == nil {
		l.errs, l.clientFailed = map[string]int{}, map[int]bool{}
	}
	l.errs[fmt.Sprintf("%s %s: %s", l.Kind(c), what, addrRE.ReplaceAllString(err.Error(), "ADDR"))]++
	l.clientFailed[c] = true
}

// Errors lists the distinct failures with their counts.
func (l *Legit) Errors() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for e, n := range l.errs {
		out = append(out, fmt.Sprintf("%d × %s", n, e))
	}
	sort.Strings(out)
	return out
}

// ClientsFailed is how many clients saw at least one failure.
func (l *Legit) ClientsFailed() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.clientFailed)
}

// Elapsed is how long the clients ran.
func (l *Legit) Elapsed() time.Duration { return l.ended.Sub(l.started) }

// OK tells whether every transfer was intact and nothing was refused.
func (l *Legit) OK() bool {
	return l.Transfers.Load() > 0 && l.Corrupt.Load() == 0 && l.Failed.Load() == 0 && l.LoginsRefused.Load() == 0
}

func (l *Legit) round(got []byte, sum [32]byte) {
	l.Transfers.Add(2)
	l.Bytes.Add(int64(len(l.Payload) + len(got)))
	if sha256.Sum256(got) == sum {
		l.Intact.Add(2)
	} else {
		l.Corrupt.Add(2)
	}
}

func (l *Legit) timeout() time.Duration {
	if l.IOTimeout > 0 {
		return l.IOTimeout
	}
	return time.Minute
}

// dial connects from 127.0.0.1 through a connection that fails when
// silent for the I/O timeout, so that a stuck server cannot hang the run.
func (l *Legit) dial(addr string) (net.Conn, error) {
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return nil, err
	}
	return &IdleConn{Conn: c, Timeout: l.timeout()}, nil
}

func (l *Legit) sftpClient(ctx context.Context, id int, sum [32]byte) (loggedIn bool, err error) {
	nc, err := l.dial(l.SFTPAddr)
	if err != nil {
		return false, err
	}
	defer nc.Close()
	var banner string
	cc, chans, reqs, err := ssh.NewClientConn(nc, l.SFTPAddr, &ssh.ClientConfig{
		User: l.Login, Auth: []ssh.AuthMethod{ssh.Password(l.Password)},
		HostKeyCallback: ssh.InsecureIgnoreHostKey(), // loopback, a server this run started
		BannerCallback:  func(m string) error { banner = m; return nil },
	})
	if err != nil {
		if banner != "" {
			err = fmt.Errorf("%w; banner: %q", err, banner)
		}
		return false, err
	}
	sc := ssh.NewClient(cc, chans, reqs)
	defer sc.Close()
	c, err := sftp.NewClient(sc)
	if err != nil {
		return false, err
	}
	defer c.Close()
	l.Logins.Add(1)
	name := path.Join(l.Dir, fmt.Sprintf("sftp-%d.bin", id))
	return true, l.loop(ctx, sum, func() ([]byte, error) {
		f, err := c.Create(name)
		if err != nil {
			return nil, fmt.Errorf("create: %w", err)
		}
		if _, err := f.Write(l.Payload); err != nil {
			f.Close()
			return nil, fmt.Errorf("write: %w", err)
		}
		if err := f.Close(); err != nil {
			return nil, fmt.Errorf("close after upload: %w", err)
		}
		r, err := c.Open(name)
		if err != nil {
			return nil, fmt.Errorf("open: %w", err)
		}
		defer r.Close()
		got, err := io.ReadAll(r)
		if err != nil {
			return nil, fmt.Errorf("read: %w", err)
		}
		return got, nil
	})
}

// loop runs rounds (an upload and a download, returning what came back)
// until the context ends or one fails.
func (l *Legit) loop(ctx context.Context, sum [32]byte, round func() ([]byte, error)) error {
	for ctx.Err() == nil {
		got, err := round()
		if err != nil {
			l.Failed.Add(1)
			return err
		}
		l.round(got, sum)
	}
	return nil
}

func (l *Legit) ftpClient(ctx context.Context, id int, sum [32]byte, tlsOn bool) (loggedIn bool, err error) {
	tc := &tls.Config{InsecureSkipVerify: true} // loopback, a server this run started
	// jlaffaye/ftp leaves TLS on the data connections to a dial function
	// given: every connection but the control one is a data connection.
	dial := func(_, a string) (net.Conn, error) {
		c, err := l.dial(a)
		if err != nil || !tlsOn || a == l.FTPAddr {
			return c, err
		}
		return tls.Client(c, tc), nil
	}
	opts := []ftp.DialOption{ftp.DialWithDialFunc(dial)}
	if tlsOn {
		opts = append(opts, ftp.DialWithExplicitTLS(tc))
	}
	c, err := ftp.Dial(l.FTPAddr, opts...)
	if err != nil {
		return false, err
	}
	defer c.Quit()
	if err := c.Login(l.Login, l.Password); err != nil {
		return false, err
	}
	l.Logins.Add(1)
	name := path.Join(l.Dir, fmt.Sprintf("ftp-%d.bin", id))
	return true, l.loop(ctx, sum, func() ([]byte, error) {
		if err := c.Stor(name, bytes.NewReader(l.Payload)); err != nil {
			return nil, fmt.Errorf("STOR: %w", err)
		}
		r, err := c.Retr(name)
		if err != nil {
			return nil, fmt.Errorf("RETR: %w", err)
		}
		got, err := io.ReadAll(r)
		if cerr := r.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, fmt.Errorf("RETR: %w", err)
		}
		return got, nil
	})
}

// IdleConn fails a Read or Write that waits longer than Timeout.
type IdleConn struct {
	net.Conn
	Timeout time.Duration
}

func (c *IdleConn) Read(p []byte) (int, error) {
	c.Conn.SetReadDeadline(time.Now().Add(c.Timeout))
	return c.Conn.Read(p)
}

func (c *IdleConn) Write(p []byte) (int, error) {
	c.Conn.SetWriteDeadline(time.Now().Add(c.Timeout))
	return c.Conn.Write(p)
}

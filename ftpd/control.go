package ftpd

import (
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"time"

	"github.com/dossierd/dossierd/catalogue"
)

// maxCommandLine is the longest command line ftpserverlib reads: its
// control reader is a 4096-byte bufio.Reader (maxCommandSize), and a line
// that fills it without a line feed makes it drop the connection, without
// a reply, having read no more than that. No legitimate command comes
// near it: paths are at most vfs.MaxPathBytes (4096) bytes too.
const maxCommandLine = 4096

// ctrlConn is a control connection as accepted: TCP, below any TLS.
//
// While the connection speaks clear text it watches the command lines go
// by, for two things ftpserverlib does not say: a line too long for the
// library, which is answered with a 500 that says so before the library
// drops the connection; and AUTH, after which the bytes are TLS records,
// where no clear-text reply may be written any more. On a TLS control
// connection the lines are out of sight: a line too long is dropped by
// the library without a reply.
type ctrlConn struct {
	net.Conn
	srv *Server

	// The connection's goroutine only (ftpserverlib's reads):
	watch bool   // clear text: lines are watched
	line  int    // bytes of the current line so far
	head  []byte // its first bytes, to spot AUTH

	// tlsStarted is set when AUTH was read: from then on only the TLS
	// layer may write.
	tlsStarted atomic.Bool
}

func (c *ctrlConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if c.watch && n > 0 {
		c.scan(p[:n])
	}
	return n, err
}

func (c *ctrlConn) scan(b []byte) {
	for _, ch := range b {
		if ch == '\n' {
			if isAuth(c.head) {
				c.watch = false
				c.tlsStarted.Store(true)
				return
			}
			c.line, c.head = 0, c.head[:0]
			continue
		}
		if len(c.head) < 5 {
			c.head = append(c.head, ch)
		}
		if c.line++; c.line == maxCommandLine {
			// ftpserverlib's reader is full: it drops the connection
			// once these bytes reach it. The reply goes first.
			c.watch = false
			c.srv.log.Warn("command line too long: connection closed", "remote", c.RemoteAddr().String(), "limit_bytes", maxCommandLine)
			c.SetWriteDeadline(time.Now().Add(time.Second))
			fmt.Fprintf(c.Conn, "500 Command line too long (the limit is %d bytes): closing the connection\r\n", maxCommandLine)
			return
		}
	}
}

// isAuth tells whether a command line starts with the AUTH command (AUTH
// TLS, AUTH SSL, or AUTH alone: ftpserverlib starts TLS for any of them).
func isAuth(head []byte) bool {
	if len(head) < 4 || !strings.EqualFold(string(head[:4]), "AUTH") {
		return false
	}
	return len(head) == 4 || head[4] == ' ' || head[4] == '\r'
}

// loginExpired closes a control connection that has not logged in within
// the login grace time, so that connections that say nothing, or never
// finish logging in, do not hold a slot of the connection limits. The
// reply, "421 Login time exceeded", goes through the layer the client
// reads: the TCP connection while it speaks clear text, the TLS layer
// otherwise. After AUTH TLS and before USER, ftpserverlib has not shown
// its TLS layer yet (see VerifyConnection): the connection is closed
// without a reply. The defender scores the connection in
// ClientDisconnected (score_no_auth) if it never tried to log in.
func (s *Server) loginExpired(se *control) {
	s.mu.Lock()
	if se.drv != nil || se.expired || se.ended || s.closing.Load() {
		s.mu.Unlock()
		return
	}
	se.expired = true
	w := se.writer()
	s.mu.Unlock()
	s.log.Info("login time exceeded: connection closed", "remote", se.raw.RemoteAddr().String(),
		"login_grace_time", s.cfg.LoginGraceTime.String(), "replied", w != nil)
	say(w, se.raw, catalogue.FTPLoginTimeReply.F(int(s.cfg.LoginGraceTime.Round(time.Second)/time.Second)))
	se.raw.Close()
}

// writer is the layer a 421 must go through for the client to read it:
// the TCP connection while the control connection speaks clear text, the
// TLS layer otherwise; nil after AUTH TLS and before USER, when
// ftpserverlib has not shown its TLS layer yet (see VerifyConnection).
// The caller holds s.mu.
func (se *control) writer() net.Conn {
	switch {
	case se.tls != nil:
		return se.tls
	case !se.ctrl.tlsStarted.Load():
		return se.raw
	}
	return nil
}

// say writes a 421 with text on w (nothing when w is nil), bounded: a TLS
// write can wait for a handshake the client never finishes, and closing
// raw ends it.
func say(w, raw net.Conn, text string) {
	if w == nil {
		return
	}
	raw.SetWriteDeadline(time.Now().Add(time.Second))
	done := make(chan struct{})
	go func() {
		defer close(done)
		fmt.Fprintf(w, "421 %s\r\n", text)
	}()
	select {
	case <-done:
	case <-time.After(time.Second):
	}
}

// kick closes a logged-in control connection, telling the user why
// (service.Conn.Kick).
func (s *Server) kick(se *control, reason string) {
	s.mu.Lock()
	w := se.writer()
	s.mu.Unlock()
	say(w, se.raw, reason)
	se.raw.Close()
}

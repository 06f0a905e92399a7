package service

import (
	"errors"
	"log/slog"
	"net"
	"time"
)

// Bounds of the wait between two accept attempts after a failure, and how
// often a failing accept loop may log: net/http's Server.Serve waits the
// same way.
const (
	acceptRetryMin = 5 * time.Millisecond
	acceptRetryMax = time.Second
	acceptLogEvery = time.Second
)

// RetryListener is the accept loop's listener of both protocol servers:
// Accept waits out failures of a listener that is still open instead of
// returning them, and returns only a connection or the error of a closed
// listener (net.ErrClosed), unchanged.
//
// Every other error is waited out: once Go has retried EINTR, EAGAIN and
// ECONNABORTED itself, what accept(2) still returns on Linux is a shortage
// (EMFILE and ENFILE when descriptors run out, ENOBUFS, ENOMEM) or a
// matter of one connection (EPROTO, EPERM from a firewall). All pass, and
// a server that stopped accepting on one would stay deaf until restarted.
// (net.Error's Temporary, which ftpserverlib's loop relies on, is
// deprecated and says false for ENOBUFS and ENOMEM.)
//
// The wait doubles from 5 ms to 1 s, so that a process out of descriptors
// does not spin while connections close; and "accept failed" is logged at
// most once a second, so that the log does not fill the disk meanwhile:
// each line counts the failures not logged since the previous one
// ("suppressed"), and the end of a run of failures is logged as
// "accepting again" when a second has passed since the last line.
//
// One goroutine calls Accept (the server's accept loop).
type RetryListener struct {
	net.Listener
	log *slog.Logger

	delay  time.Duration // the next wait; 0 while accepting works
	logged time.Time     // when the last line was written
	quiet  int           // failures since then that were not logged

	// time.Sleep and time.Now; tests replace them with a fake clock.
	sleep func(time.Duration)
	now   func() time.Time
}

// NewRetryListener wraps l; log receives the failures.
func NewRetryListener(l net.Listener, log *slog.Logger) *RetryListener {
	return &RetryListener{Listener: l, log: log, sleep: time.Sleep, now: time.Now}
}

// Accept returns the next connection, or the error of a closed listener.
func (l *RetryListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err == nil {
			if l.delay > 0 && l.mayLog() {
				l.log.Info("accepting again", "suppressed", l.quiet)
				l.quiet = 0
			}
			l.delay = 0
			return c, nil
		}
		if errors.Is(err, net.ErrClosed) {
			return nil, err
		}
		l.delay = min(max(2*l.delay, acceptRetryMin), acceptRetryMax)
		if l.mayLog() {
			l.log.Error("accept failed", "err", err, "retry_in", l.delay.String(), "suppressed", l.quiet)
			l.quiet = 0
		} else {
			l.quiet++
		}
		l.sleep(l.delay)
	}
}

// mayLog tells whether a line may be written now (none for a second), and
// if so counts it as written.
func (l *RetryListener) mayLog() bool {
	now := l.now()
	if !l.logged.IsZero() && now.Sub(l.logged) < acceptLogEvery {
		return false
	}
	l.logged = now
	return true
}

package service

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"
)

// failingListener fails its first failures accepts with EMFILE, as
// accept(2) does when the process is out of descriptors, then hands out
// conn, then reports itself closed.
type failingListener struct {
	failures int
	conn     net.Conn
	closed   error
}

func (l *failingListener) Accept() (net.Conn, error) {
	switch {
	case l.failures > 0:
		l.failures--
		return nil, &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("accept", syscall.EMFILE)}
	case l.conn != nil:
		c := l.conn
		l.conn = nil
		return c, nil
	}
	return nil, l.closed
}

func (l *failingListener) Close() error   { return nil }
func (l *failingListener) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)} }

// recordHandler keeps the records logged.
type recordHandler struct {
	mu      sync.Mutex
	records []slog.Record
}

func (h *recordHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *recordHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.records = append(h.records, r)
	return nil
}
func (h *recordHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *recordHandler) WithGroup(string) slog.Handler      { return h }

func attr(r slog.Record, key string) slog.Value {
	var v slog.Value
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == key {
			v = a.Value
			return false
		}
		return true
	})
	return v
}

// Out of descriptors for a while: the accept loop goes on, waiting longer
// and longer, serves the connection that comes once descriptors are back,
// and logs a bounded number of lines that together account for every
// failure. The clock is fake: nothing here depends on the machine's speed.
func TestRetryListenerWaitsOutEMFILE(t *testing.T) {
	const failures = 60
	server, client := net.Pipe()
	defer client.Close()
	closed := &net.OpError{Op: "accept", Net: "tcp", Err: net.ErrClosed}
	h := &recordHandler{}
	l := NewRetryListener(&failingListener{failures: failures, conn: server, closed: closed}, slog.New(h))
	clock := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	var waits []time.Duration
	l.now = func() time.Time { return clock }
	l.sleep = func(d time.Duration) {
		waits = append(waits, d)
		clock = clock.Add(d)
	}

	// The accept loop of a server, serving each connection.
	served := 0
	for {
		c, err := l.Accept()
		if err != nil {
			if err != closed {
				t.Fatalf("Accept returned %v, want the closed listener's own error", err)
			}
			break
		}
		served++
		go func() {
			io.WriteString(c, "220 ready\r\n")
			c.Close()
		}()
		if got, err := io.ReadAll(client); err != nil || string(got) != "220 ready\r\n" {
			t.Fatalf("the connection accepted after the failures got %q (%v)", got, err)
		}
	}
	if served != 1 {
		t.Fatalf("%d connections served, want 1", served)
	}

	if len(waits) != failures {
		t.Fatalf("%d waits for %d failures", len(waits), failures)
	}
	var total time.Duration
	for i, d := range waits {
		total += d
		switch {
		case i == 0 && d != acceptRetryMin:
			t.Errorf("first wait %v, want %v", d, acceptRetryMin)
		case i > 0 && d != min(2*waits[i-1], acceptRetryMax):
			t.Errorf("wait %d is %v after %v: not doubling up to %v", i, d, waits[i-1], acceptRetryMax)
		}
	}

	logged, suppressed, recovered := 0, int64(0), false
	for _, r := range h.records {
		switch r.Message {
		case "accept failed":
			logged++
			if !errors.Is(attr(r, "err").Any().(error), syscall.EMFILE) {
				t.Errorf("logged error %v, want EMFILE", attr(r, "err"))
			}
		case "accepting again":
			recovered = true
		default:
			t.Errorf("unexpected record %q", r.Message)
		}
		suppressed += attr(r, "suppressed").Int64()
	}
	if limit := 2 + int(total/acceptLogEvery); len(h.records) > limit {
		t.Errorf("%d lines logged over %v of failures, want at most %d (one a second)", len(h.records), total, limit)
	}
	if logged == 0 || !recovered {
		t.Errorf("logged %d failures, recovery logged: %v; want both", logged, recovered)
	}
	if int64(logged)+suppressed != failures {
		t.Errorf("%d failures logged + %d counted as suppressed, want %d", logged, suppressed, failures)
	}
}

// A closed listener ends the loop at once, with its own error (ftpserverlib
// recognises a closed listener by that error's text).
func TestRetryListenerReturnsClosedAtOnce(t *testing.T) {
	closed := &net.OpError{Op: "accept", Net: "tcp", Err: net.ErrClosed}
	l := NewRetryListener(&failingListener{closed: closed}, slog.New(&recordHandler{}))
	l.sleep = func(time.Duration) { t.Error("waited on a closed listener") }
	if _, err := l.Accept(); err != closed {
		t.Fatalf("Accept returned %v, want %v", err, closed)
	}
}

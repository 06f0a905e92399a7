package sftpd

import (
	"io"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// stuckChannel is a channel whose client stopped reading: writes block
// until the connection is closed.
type stuckChannel struct {
	ssh.Channel
	closed <-chan struct{}
}

func (c *stuckChannel) Stderr() io.ReadWriter { return c }
func (c *stuckChannel) Read([]byte) (int, error) {
	<-c.closed
	return 0, io.EOF
}
func (c *stuckChannel) Write([]byte) (int, error) {
	<-c.closed
	return 0, io.EOF
}

type closer struct {
	once sync.Once
	ch   chan struct{}
}

func (c *closer) Close() error { c.once.Do(func() { close(c.ch) }); return nil }

// TestKickBoundedOverChannels: a kick of a connection whose channels all
// stopped reading waits kickWait once, not once per channel (shutdown
// kicks every connection in turn), closes the connection, and leaves no
// writer behind.
func TestKickBoundedOverChannels(t *testing.T) {
	sc := &closer{ch: make(chan struct{})}
	c := &conn{}
	var writers sync.WaitGroup
	for range 4 {
		c.track(&stuckChannel{closed: sc.ch}, true)
	}
	start := time.Now()
	writers.Add(1)
	go func() { defer writers.Done(); c.kick(sc, "bye") }()
	writers.Wait()
	if d := time.Since(start); d > kickWait+kickWait/2 {
		t.Errorf("kick of 4 stuck channels took %v, want about %v", d, kickWait)
	}
	select {
	case <-sc.ch:
	default:
		t.Error("the connection was not closed")
	}
}

package sftpd

import (
	"net"
	"sync/atomic"
	"syscall"
)

// quickAckConn acknowledges at once what it reads while on: during the key
// exchange and authentication, Linux's delayed ACK made the OpenSSH client
// wait about 40 ms twice (after KEX_ECDH_INIT and after the password,
// seen with strace), while the server had long answered. Measured with
// bench/run.sh: SFTP login + ls 102-105 ms -> 18-21 ms. Once logged in,
// transfers keep the kernel's normal ACK pacing.
type quickAckConn struct {
	net.Conn
	raw syscall.RawConn // nil when the connection has no socket to tune
	on  atomic.Bool
}

func newQuickAckConn(nc net.Conn) *quickAckConn {
	c := &quickAckConn{Conn: nc}
	if sc, ok := nc.(syscall.Conn); ok {
		c.raw, _ = sc.SyscallConn()
	}
	c.on.Store(c.raw != nil)
	return c
}

func (c *quickAckConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if c.on.Load() {
		// TCP_QUICKACK is not sticky: the kernel may fall back to delayed
		// ACKs, so it is set again after each read.
		c.raw.Control(func(fd uintptr) { setQuickAck(fd) })
	}
	return n, err
}

// settle returns to the kernel's normal ACK behaviour.
func (c *quickAckConn) settle() { c.on.Store(false) }

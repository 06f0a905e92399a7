package daemon

import (
	"fmt"
	"net"
	"os"
)

// Notify tells the service manager about the daemon's state, as
// sd_notify(3) does, when it started the daemon with NOTIFY_SOCKET set
// (Type=notify units); otherwise it does nothing. The protocol is one
// datagram on a Unix socket, a few lines rather than a library. A name
// starting with '@' is an abstract socket: Go's net package maps the '@'
// to the leading NUL byte of the abstract namespace itself.
//
// States sent: READY=1 once every listener is bound and serving,
// STOPPING=1 when shutdown begins, and around a reload (ReloadFile)
// RELOADING=1 with MONOTONIC_USEC (which systemd 253+ requires for
// Type=notify-reload) before and READY=1 after.
func Notify(state string) error {
	name := os.Getenv("NOTIFY_SOCKET")
	if name == "" {
		return nil
	}
	if name[0] != '/' && name[0] != '@' {
		return fmt.Errorf("NOTIFY_SOCKET=%q: not a Unix socket path", name)
	}
	c, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: name, Net: "unixgram"})
	if err != nil {
		return fmt.Errorf("notifying the service manager: %w", err)
	}
	defer c.Close()
	if _, err := c.Write([]byte(state)); err != nil {
		return fmt.Errorf("notifying the service manager: %w", err)
	}
	return nil
}

// notify sends state and logs a failure: the service manager would then
// time the start out or kill the daemon, and the log says why.
func (d *Daemon) notify(state string) {
	if err := Notify(state); err != nil {
		d.log.Warn("sd_notify failed", "state", state, "err", err)
	}
}

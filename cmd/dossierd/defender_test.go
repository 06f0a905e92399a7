package main

import (
	"encoding/json"
	"net"
	"testing"
	"time"

	"github.com/jlaffaye/ftp"

	"github.com/dossierd/dossierd/config"
	"github.com/dossierd/dossierd/scenario"
)

// `dossierd defender list` and `unban` from another process (in-process
// here, on the daemon's database) while the daemon runs.
func TestDefenderCommands(t *testing.T) {
	env := scenario.Start(t, func(c *config.Config) { c.Common.Defender.Threshold = 4 })
	run := cliCommand(cliConfigFor(t, env), "defender")
	loginFrom := func(src, password string) error {
		c, err := ftp.Dial(env.FTPAddr(), ftp.DialWithTimeout(5*time.Second), ftp.DialWithDialFunc(func(_, a string) (net.Conn, error) {
			d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 5 * time.Second}
			return d.Dial("tcp", a)
		}))
		if err != nil {
			return err
		}
		defer c.Quit()
		return c.Login("acme", password)
	}
	for range 4 { // wrong passwords of an existing login: 1 point each
		loginFrom("127.0.0.5", "guess")
	}
	type host struct {
		IP          string    `json:"ip"`
		BannedUntil time.Time `json:"banned_until"`
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		out, err := run("list", "--json")
		if err != nil {
			t.Fatalf("defender list: %v", err)
		}
		var hosts []host
		if err := json.Unmarshal([]byte(out), &hosts); err != nil {
			t.Fatalf("defender list --json: %v\n%s", err, out)
		}
		if len(hosts) == 1 && hosts[0].IP == "127.0.0.5" && !hosts[0].BannedUntil.IsZero() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the ban is not listed: %s", out)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err := loginFrom("127.0.0.5", env.Passwords["acme"]); err == nil {
		t.Fatal("a banned address logged in")
	}
	if out, err := run("unban", "127.0.0.5"); err != nil {
		t.Fatalf("defender unban: %v: %s", err, out)
	}
	if _, err := run("unban", "not-an-ip"); err == nil {
		t.Fatal("unban of a non-address accepted")
	}
	for {
		err := loginFrom("127.0.0.5", env.Passwords["acme"])
		if err == nil {
			break
		}
		if time.Now().After(deadline.Add(10 * time.Second)) {
			t.Fatalf("the running daemon did not apply the unban: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

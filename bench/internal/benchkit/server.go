// Package benchkit is what the load programs of bench/ (guess, hostile)
// and benchtool share: building the real binary, writing its
// configuration, starting and stopping it, free ports, reading the
// server's figures from /proc, and the legitimate clients that transfer
// and check every byte while a load runs. One way to do each of these.
package benchkit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Build compiles ./cmd/dossierd (run from the repository root) into dir.
func Build(dir string) (string, error) {
	bin := filepath.Join(dir, "dossierd")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/dossierd").CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build (run from the repository root): %v\n%s", err, out)
	}
	return bin, nil
}

// Workdir is a run's temporary folder, holding the freshly built binary
// (and, by the caller, the configuration and the server's data).
type Workdir struct {
	Dir, Bin string
	Ports    []int // free ports on 127.0.0.1
}

// Prepare makes the temporary folder, builds the binary into it and finds
// nports free ports. Close removes the folder.
func Prepare(name string, nports int) (*Workdir, error) {
	dir, err := os.MkdirTemp("", "dossierd-"+name+"-")
	if err != nil {
		return nil, err
	}
	w := &Workdir{Dir: dir}
	if w.Bin, err = Build(dir); err == nil {
		w.Ports, err = FreePorts(nports)
	}
	if err != nil {
		w.Close()
		return nil, err
	}
	return w, nil
}

// Close removes the folder.
func (w *Workdir) Close() { os.RemoveAll(w.Dir) }

// FreePorts returns n distinct free TCP ports on 127.0.0.1, all held open
// until the last is found so that they differ.
func FreePorts(n int) ([]int, error) {
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// FreeRange returns the first of n consecutive ports that are free on
// every address (as the FTP server's passive listeners bind them), picked
// at random in 40000-59999 so that runs side by side rarely meet.
func FreeRange(n int) (int, error) {
	for range 50 {
		start := 40000 + rand.IntN(20000-n)
		var held []net.Listener
		ok := true
		for p := start; p < start+n; p++ {
			l, err := net.Listen("tcp", fmt.Sprintf(":%d", p))
			if err != nil {
				ok = false
				break
			}
			held = append(held, l)
		}
		for _, l := range held {
			l.Close()
		}
		if ok {
			return start, nil
		}
	}
	return 0, fmt.Errorf("no %d consecutive free ports found", n)
}

// Config is the sftpgo.json of a run: the SFTP, FTP and web bindings on
// 127.0.0.1, the passive port range, and the settings in Set (section ->
// key -> value); everything else is the server's default.
type Config struct {
	SFTPPort, FTPPort        int
	WebPort                  int // 0: any free port (the web's default, 8443 on every address, could clash)
	PassiveStart, PassiveEnd int
	Set                      map[string]map[string]any
}

// Write writes the configuration file.
func (c Config) Write(file string) error {
	doc := map[string]map[string]any{
		"sftpd": {"bindings": []any{map[string]any{"address": "127.0.0.1", "port": c.SFTPPort}}},
		"ftpd": {
			"bindings":           []any{map[string]any{"address": "127.0.0.1", "port": c.FTPPort}},
			"passive_port_range": map[string]int{"start": c.PassiveStart, "end": c.PassiveEnd},
		},
		"httpd": {"bindings": []any{map[string]any{"address": "127.0.0.1", "port": c.WebPort}}},
	}
	for section, kv := range c.Set {
		if doc[section] == nil {
			doc[section] = map[string]any{}
		}
		for k, v := range kv {
			doc[section][k] = v
		}
	}
	data, err := json.MarshalIndent(doc, "", " ")
	if err != nil {
		return err
	}
	return os.WriteFile(file, data, 0o644)
}

// Admin runs one administration command of bin against the configuration.
func Admin(bin, cfgFile string, args ...string) ([]byte, error) {
	return exec.Command(bin, append([]string{"--config", cfgFile}, args...)...).CombinedOutput()
}

// Server is a running `dossierd serve`, started by this program.
type Server struct {
	cmd    *exec.Cmd
	Stdout lockedBuffer
	Logs   lockedBuffer // stderr: the server's log
	done   chan struct{}
}

// Start runs `bin --config cfgFile serve args...`.
func Start(bin, cfgFile string, args ...string) (*Server, error) {
	s := &Server{done: make(chan struct{})}
	s.cmd = exec.Command(bin, append([]string{"--config", cfgFile, "serve"}, args...)...)
	s.cmd.Stdout = &s.Stdout
	s.cmd.Stderr = &s.Logs
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		s.cmd.Wait()
		close(s.done)
	}()
	return s, nil
}

// PID is the server's process id.
func (s *Server) PID() int { return s.cmd.Process.Pid }

// Alive tells whether the server is still running.
func (s *Server) Alive() bool {
	select {
	case <-s.done:
		return false
	default:
		return true
	}
}

// WaitListening waits (up to 10 s) until addr accepts a TCP connection,
// dialled from src (nil: any address): the probe takes a slot of the
// connection limits of src for a moment.
func (s *Server) WaitListening(src net.IP, addr string) error {
	d := net.Dialer{Timeout: time.Second}
	if src != nil {
		d.LocalAddr = &net.TCPAddr{IP: src}
	}
	for range 100 {
		if !s.Alive() {
			break
		}
		if c, err := d.Dial("tcp", addr); err == nil {
			c.Close()
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("server did not start:\n%s", s.Logs.String())
}

// WaitOutput waits (up to 30 s) until the server has printed text on its
// standard output (serve --demo: "Demo directory loaded", once the demo
// files are in the storage; the listeners are up before that).
func (s *Server) WaitOutput(text string) error {
	for range 300 {
		if strings.Contains(s.Stdout.String(), text) {
			return nil
		}
		if !s.Alive() {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("server did not print %q:\n%s%s", text, s.Stdout.String(), s.Logs.String())
}

// Stop ends the server (this PID only): SIGTERM, then SIGKILL after 5 s.
func (s *Server) Stop() {
	if !s.Alive() {
		return
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Command guess is the load run of issue 6: guessing connections and
// legitimate clients transferring at the same time, against the real
// binary on loopback. It reports bans, transfers completed and intact, and
// the server's CPU time and peak memory. It is a program, not a test: the
// figures go in the closing note and bench/RESULTS-guess.md.
//
//	go run ./bench/guess                         # 200 guessers, 20 clients, 30 s
//	go run ./bench/guess -guessers 50 -clients 5 -duration 5s
package main

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jlaffaye/ftp"
	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
)

func main() {
	guessers := flag.Int("guessers", 200, "guessing connections at once")
	clients := flag.Int("clients", 20, "legitimate clients transferring at once")
	duration := flag.Duration("duration", 30*time.Second, "how long the load runs")
	size := flag.Int("size", 1<<20, "bytes per legitimate transfer")
	flag.StringVar(&heapFile, "heap", "", "save a heap profile of the server, taken at the end of the load, to this file")
	flag.Parse()
	if err := run(*guessers, *clients, *duration, *size); err != nil {
		log.Fatal(err)
	}
}

var heapFile string

func freePort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

type result struct {
	guessAttempts, guessRefusedAtAccept, guessLoggedIn atomic.Int64
	transfers, corrupt, failed                         atomic.Int64
	failures                                           sync.Map
}

func run(guessers, clients int, duration time.Duration, size int) error {
	dir, err := os.MkdirTemp("", "dossierd-guess-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "dossierd")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/dossierd").CombinedOutput(); err != nil {
		return fmt.Errorf("go build (run from the repository root): %v\n%s", err, out)
	}
	sftpPort, ftpPort := freePort(), freePort()
	pasv := 61500
	cfgFile := filepath.Join(dir, "sftpgo.json")
	cfg := fmt.Sprintf(`{
 "sftpd": {"bindings": [{"address": "127.0.0.1", "port": %d}]},
 "ftpd": {"bindings": [{"address": "127.0.0.1", "port": %d}], "passive_port_range": {"start": %d, "end": %d}},
 "common": {"max_per_host_connections": %d},
 "data_provider": {"poll_interval": 1}
}`, sftpPort, ftpPort, pasv, pasv+200, clients+10)
	if err := os.WriteFile(cfgFile, []byte(cfg), 0o644); err != nil {
		return err
	}
	admin := func(args ...string) ([]byte, error) {
		return exec.Command(bin, append([]string{"--config", cfgFile}, args...)...).CombinedOutput()
	}
	if out, err := admin("account", "add", "legit", "--role", "staff", "--password", "legit-pw"); err != nil {
		return fmt.Errorf("account add: %v: %s", err, out)
	}
	if out, err := admin("account", "add", "victim", "--role", "staff", "--password", "not-guessed"); err != nil {
		return fmt.Errorf("account add: %v: %s", err, out)
	}
	args := []string{"--config", cfgFile, "serve"}
	pprofAddr := fmt.Sprintf("127.0.0.1:%d", freePort())
	if heapFile != "" {
		args = append(args, "--pprof", pprofAddr)
	}
	srv := exec.Command(bin, args...)
	var logs bytes.Buffer
	srv.Stderr = &logs
	if err := srv.Start(); err != nil {
		return err
	}
	defer func() {
		srv.Process.Kill()
		srv.Wait()
	}()
	sftpAddr := fmt.Sprintf("127.0.0.1:%d", sftpPort)
	ftpAddr := fmt.Sprintf("127.0.0.1:%d", ftpPort)
	for i := 0; ; i++ {
		if c, err := net.Dial("tcp", sftpAddr); err == nil {
			c.Close()
			break
		}
		if i > 100 {
			return fmt.Errorf("server did not start:\n%s", logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	cpu0 := cpuSeconds(srv.Process.Pid)

	var res result
	stop := make(chan struct{})
	var wg sync.WaitGroup
	// Guessers: 10 connections per source address, half SFTP, half FTP;
	// unknown logins and wrong passwords of an existing one.
	for g := range guessers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			src := net.IPv4(127, 0, 1, byte(1+g/10))
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				login := "victim"
				if n%2 == 0 {
					login = "guess" + strconv.Itoa(n)
				}
				res.guessAttempts.Add(1)
				var err error
				if g%2 == 0 {
					err = guessSFTP(sftpAddr, src, login)
				} else {
					err = guessFTP(ftpAddr, src, login)
				}
				switch {
				case err == nil:
					res.guessLoggedIn.Add(1)
				case errorsIsRefused(err):
					res.guessRefusedAtAccept.Add(1)
					time.Sleep(50 * time.Millisecond) // a banned guesser keeps knocking, politely
				}
			}
		}()
	}
	// Legitimate clients from 127.0.0.1: download and upload, checking
	// every byte.
	payload := make([]byte, size)
	rand.Read(payload)
	sum := sha256.Sum256(payload)
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			if c%2 == 0 {
				err = legitSFTP(sftpAddr, c, payload, sum, stop, &res)
			} else {
				err = legitFTP(ftpAddr, c, payload, sum, stop, &res)
			}
			if err != nil {
				res.failed.Add(1)
				res.failures.Store(c, err.Error())
			}
		}()
	}
	peak := int64(0)
	deadline := time.After(duration)
	tick := time.NewTicker(200 * time.Millisecond)
sample:
	for {
		select {
		case <-deadline:
			break sample
		case <-tick.C:
			if rss := rssKiB(srv.Process.Pid); rss > peak {
				peak = rss
			}
		}
	}
	tick.Stop()
	if heapFile != "" {
		if err := saveHeap(pprofAddr, heapFile); err != nil {
			log.Printf("heap profile: %v", err)
		}
	}
	close(stop)
	wg.Wait()
	cpu := cpuSeconds(srv.Process.Pid) - cpu0
	hwm := hwmKiB(srv.Process.Pid)
	time.Sleep(1500 * time.Millisecond) // the daemon writes its ban list at each poll
	out, err := admin("defender", "list", "--json")
	if err != nil {
		return fmt.Errorf("defender list: %v: %s", err, out)
	}
	var hosts []struct {
		IP          string    `json:"ip"`
		BannedUntil time.Time `json:"banned_until"`
	}
	json.Unmarshal(out, &hosts)
	banned := 0
	for _, h := range hosts {
		if !h.BannedUntil.IsZero() {
			banned++
		}
	}
	fmt.Printf("## Guessing load: %d guessing connections (from %d addresses) + %d legitimate clients, %s\n\n", guessers, (guessers+9)/10, clients, duration)
	fmt.Printf("| figure | value |\n| --- | --- |\n")
	fmt.Printf("| guessing attempts | %d |\n", res.guessAttempts.Load())
	fmt.Printf("| of which dropped at accept (banned) | %d |\n", res.guessRefusedAtAccept.Load())
	fmt.Printf("| guesses that logged in | %d |\n", res.guessLoggedIn.Load())
	fmt.Printf("| addresses banned | %d of %d |\n", banned, (guessers+9)/10)
	fmt.Printf("| legitimate transfers completed | %d |\n", res.transfers.Load())
	fmt.Printf("| legitimate transfers corrupt | %d |\n", res.corrupt.Load())
	fmt.Printf("| legitimate clients that failed | %d of %d |\n", res.failed.Load(), clients)
	fmt.Printf("| server CPU time | %.1f s over %s |\n", cpu, duration)
	fmt.Printf("| server peak RSS | %d MiB (VmHWM %d MiB) |\n", peak/1024, hwm/1024)
	res.failures.Range(func(k, v any) bool {
		fmt.Printf("\nclient %v failed: %v\n", k, v)
		return true
	})
	if res.corrupt.Load() > 0 || res.failed.Load() > 0 || res.guessLoggedIn.Load() > 0 {
		return fmt.Errorf("legitimate transfers were not all intact, or a guess logged in")
	}
	return nil
}

func errorsIsRefused(err error) bool {
	s := err.Error()
	return strings.Contains(s, "EOF") || strings.Contains(s, "connection reset") || strings.Contains(s, "421")
}

func dialFrom(src net.IP, addr string) (net.Conn, error) {
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: src}, Timeout: 5 * time.Second}
	return d.Dial("tcp", addr)
}

func guessSFTP(addr string, src net.IP, login string) error {
	nc, err := dialFrom(src, addr)
	if err != nil {
		return err
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	c, _, _, err := ssh.NewClientConn(nc, addr, &ssh.ClientConfig{
		User: login, Auth: []ssh.AuthMethod{ssh.Password("guess")}, HostKeyCallback: ssh.InsecureIgnoreHostKey(),
	})
	if err == nil {
		c.Close()
	}
	return err
}

func guessFTP(addr string, src net.IP, login string) error {
	c, err := ftp.Dial(addr, ftp.DialWithTimeout(5*time.Second), ftp.DialWithDialFunc(func(_, a string) (net.Conn, error) { return dialFrom(src, a) }))
	if err != nil {
		return err
	}
	defer c.Quit()
	return c.Login(login, "guess")
}

func legitSFTP(addr string, id int, payload []byte, sum [32]byte, stop chan struct{}, res *result) error {
	sc, err := ssh.Dial("tcp", addr, &ssh.ClientConfig{
		User: "legit", Auth: []ssh.AuthMethod{ssh.Password("legit-pw")}, HostKeyCallback: ssh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second,
	})
	if err != nil {
		return err
	}
	defer sc.Close()
	c, err := sftp.NewClient(sc)
	if err != nil {
		return err
	}
	name := fmt.Sprintf("/sftp-%d.bin", id)
	for {
		select {
		case <-stop:
			return nil
		default:
		}
		f, err := c.Create(name)
		if err != nil {
			return err
		}
		if _, err := f.Write(payload); err != nil {
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		r, err := c.Open(name)
		if err != nil {
			return err
		}
		got, err := io.ReadAll(r)
		r.Close()
		if err != nil {
			return err
		}
		res.transfers.Add(2)
		if sha256.Sum256(got) != sum {
			res.corrupt.Add(1)
		}
	}
}

func legitFTP(addr string, id int, payload []byte, sum [32]byte, stop chan struct{}, res *result) error {
	c, err := ftp.Dial(addr, ftp.DialWithTimeout(10*time.Second))
	if err != nil {
		return err
	}
	defer c.Quit()
	if err := c.Login("legit", "legit-pw"); err != nil {
		return err
	}
	name := fmt.Sprintf("/ftp-%d.bin", id)
	for {
		select {
		case <-stop:
			return nil
		default:
		}
		if err := c.Stor(name, bytes.NewReader(payload)); err != nil {
			return err
		}
		r, err := c.Retr(name)
		if err != nil {
			return err
		}
		got, err := io.ReadAll(r)
		r.Close()
		if err != nil {
			return err
		}
		res.transfers.Add(2)
		if sha256.Sum256(got) != sum {
			res.corrupt.Add(1)
		}
	}
}

// cpuSeconds is utime+stime of the process, from /proc/PID/stat.
func cpuSeconds(pid int) float64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(data)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	ut, _ := strconv.ParseFloat(fields[11], 64)
	st, _ := strconv.ParseFloat(fields[12], 64)
	return (ut + st) / 100 // USER_HZ
}

func statusKiB(pid int, key string) int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, key+":") {
			f := strings.Fields(line)
			n, _ := strconv.ParseInt(f[1], 10, 64)
			return n
		}
	}
	return 0
}

func rssKiB(pid int) int64 { return statusKiB(pid, "VmRSS") }
func hwmKiB(pid int) int64 { return statusKiB(pid, "VmHWM") }

func saveHeap(addr, file string) error {
	resp, err := http.Get("http://" + addr + "/debug/pprof/heap")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(f, resp.Body)
	return err
}

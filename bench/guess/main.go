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
	"context"
	"crypto/rand"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dossierd/dossierd/bench/internal/benchkit"
	"github.com/jlaffaye/ftp"
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

type result struct {
	guessAttempts, guessRefusedAtAccept, guessLoggedIn atomic.Int64
}

func run(guessers, clients int, duration time.Duration, size int) error {
	w, err := benchkit.Prepare("guess", 3)
	if err != nil {
		return err
	}
	defer w.Close()
	bin, ports := w.Bin, w.Ports
	cfgFile := filepath.Join(w.Dir, "sftpgo.json")
	cfg := benchkit.Config{
		SFTPPort: ports[0], FTPPort: ports[1], PassiveStart: 61500, PassiveEnd: 61700,
		Set: map[string]map[string]any{
			"common":        {"max_per_host_connections": clients + 10},
			"data_provider": {"poll_interval": 1},
		},
	}
	if err := cfg.Write(cfgFile); err != nil {
		return err
	}
	if out, err := benchkit.Admin(bin, cfgFile, "account", "add", "legit", "--role", "staff", "--password", "legit-pw"); err != nil {
		return fmt.Errorf("account add: %v: %s", err, out)
	}
	if out, err := benchkit.Admin(bin, cfgFile, "account", "add", "victim", "--role", "staff", "--password", "not-guessed"); err != nil {
		return fmt.Errorf("account add: %v: %s", err, out)
	}
	var args []string
	pprofAddr := fmt.Sprintf("127.0.0.1:%d", ports[2])
	if heapFile != "" {
		args = append(args, "--pprof", pprofAddr)
	}
	srv, err := benchkit.Start(bin, cfgFile, args...)
	if err != nil {
		return err
	}
	defer srv.Stop()
	sftpAddr := fmt.Sprintf("127.0.0.1:%d", ports[0])
	ftpAddr := fmt.Sprintf("127.0.0.1:%d", ports[1])
	if err := srv.WaitListening(nil, sftpAddr); err != nil {
		return err
	}
	pid := srv.PID()
	cpu0 := benchkit.CPUSeconds(pid)

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
	// Legitimate clients from 127.0.0.1: upload and download, checking
	// every byte.
	payload := make([]byte, size)
	rand.Read(payload)
	legit := &benchkit.Legit{SFTPAddr: sftpAddr, FTPAddr: ftpAddr, Login: "legit", Password: "legit-pw", Dir: "/", Payload: payload}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	wg.Add(1)
	go func() {
		defer wg.Done()
		legit.Run(ctx, clients)
	}()
	peak := int64(0)
	deadline := time.After(duration)
	tick := time.NewTicker(200 * time.Millisecond)
sample:
	for {
		select {
		case <-deadline:
			break sample
		case <-tick.C:
			if rss, _ := benchkit.StatusKiB(pid, "VmRSS"); rss > peak {
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
	cancel()
	wg.Wait()
	cpu := benchkit.CPUSeconds(pid) - cpu0
	hwm, _ := benchkit.StatusKiB(pid, "VmHWM")
	time.Sleep(1500 * time.Millisecond) // the daemon writes its ban list at each poll
	out, err := benchkit.Admin(bin, cfgFile, "defender", "list", "--json")
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
	fmt.Printf("| legitimate transfers completed | %d |\n", legit.Transfers.Load())
	fmt.Printf("| legitimate transfers corrupt | %d |\n", legit.Corrupt.Load())
	fmt.Printf("| legitimate clients that failed | %d of %d |\n", legit.ClientsFailed(), clients)
	fmt.Printf("| server CPU time | %.1f s over %s |\n", cpu, duration)
	fmt.Printf("| server peak RSS | %d MiB (VmHWM %d MiB) |\n", peak/1024, hwm/1024)
	for _, e := range legit.Errors() {
		fmt.Printf("\nlegitimate failure: %s\n", e)
	}
	if !legit.OK() || res.guessLoggedIn.Load() > 0 {
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

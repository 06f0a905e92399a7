// Command hostile is the hostile-load run of the hardening issue: one
// logged-in user trying every exhaustion at once (SSH connections,
// channels and SFTP handles held, FTP control connections asking for
// passive ports they never use, connections sitting idle, a write far
// past the end of a file, reopening a large sparse file, big uploads in a
// loop) while legitimate clients of another login keep transferring and
// checking every byte, against the real binary on loopback, at the
// server's default limits. It reports the server's RSS and descriptors,
// what the hostile user held and was refused, and the legitimate
// transfers; it exits 1 unless every legitimate transfer was intact and
// nothing of theirs was refused. Figures in bench/RESULTS-hostile.md.
//
//	go run ./bench/hostile                         # 20 clients, 60 s, 1 MiB
//	go run ./bench/hostile -duration 10s
package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/dossierd/dossierd/bench/internal/benchkit"
	"github.com/dossierd/dossierd/demo"
)

type options struct {
	clients                  int
	duration                 time.Duration
	size                     int
	fill, sparse             int64
	ftpEvery                 time.Duration
	hostileLogin, legitLogin string
	sshHolders, ftpHolders   int
	idleSSH, idleFTP         int
	channelsTry, handlesTry  int
	pasvWidth                int
}

func main() {
	var o options
	flag.IntVar(&o.clients, "clients", 20, "legitimate clients transferring at once (half SFTP, half FTP; at most common.max_sessions and max_per_host_connections, 20)")
	flag.DurationVar(&o.duration, "duration", 60*time.Second, "how long the hostile load runs")
	flag.IntVar(&o.size, "size", 1<<20, "bytes per legitimate transfer")
	flag.Int64Var(&o.fill, "fill", 64<<20, "bytes of each big upload of the hostile user")
	flag.Int64Var(&o.sparse, "sparse", 1<<30, "apparent size of the hostile user's sparse file")
	flag.DurationVar(&o.ftpEvery, "ftp-every", 10*time.Millisecond, "pause between two EPSV/PASV on one hostile control connection")
	flag.StringVar(&o.hostileLogin, "hostile", "acme", "demo login of the hostile user")
	flag.StringVar(&o.legitLogin, "legit", "globex", "demo login of the legitimate clients")
	flag.IntVar(&o.sshHolders, "ssh-holders", 30, "hostile SSH connections tried at once (holding channels and handles)")
	flag.IntVar(&o.ftpHolders, "ftp-holders", 25, "hostile FTP control connections tried at once (EPSV/PASV)")
	flag.IntVar(&o.idleSSH, "idle-ssh", 3, "hostile SSH connections that log in and sit idle")
	flag.IntVar(&o.idleFTP, "idle-ftp", 3, "hostile FTP connections that log in and sit idle")
	flag.IntVar(&o.channelsTry, "channels", 15, "SSH session channels tried per hostile connection")
	flag.IntVar(&o.handlesTry, "handles", 300, "SFTP handles tried per hostile channel, half files, half folders")
	flag.IntVar(&o.pasvWidth, "pasv-ports", 101, "passive ports in the range (the default range 50000-50100 has 101)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, o)
	stop()
	if err != nil {
		log.Fatal(err)
	}
}

type demoAccount struct {
	Login, Password, Role, Ref string
}

func demoAccounts() (map[string]demoAccount, error) {
	var d struct{ Accounts []demoAccount }
	if err := json.Unmarshal(demo.Directory(), &d); err != nil {
		return nil, err
	}
	m := map[string]demoAccount{}
	for _, a := range d.Accounts {
		m[a.Login] = a
	}
	return m, nil
}

var (
	hostileIP = net.IPv4(127, 0, 0, 2)
	legitIP   = net.IPv4(127, 0, 0, 1)
)

// samples is what the sampler keeps, every 500 ms (one goroutine).
type samples struct {
	rss, fds, listeners                       benchkit.Series
	sshConns, channels, files, dirs, ftpCtrls benchkit.Series
	idle, duKiB                               benchkit.Series
	fdKinds                                   map[string]int // at the fd peak
}

func run(ctx context.Context, o options) error {
	if o.clients > 20 {
		return errors.New("-clients: at most 20 (the default max_sessions and max_per_host_connections)")
	}
	accounts, err := demoAccounts()
	if err != nil {
		return err
	}
	hostile, legit := accounts[o.hostileLogin], accounts[o.legitLogin]
	if hostile.Login == "" || legit.Login == "" || hostile.Login == legit.Login || hostile.Role != "client" {
		return errors.New("-hostile must be a client login of the demo, -legit another demo login")
	}
	w, err := benchkit.Prepare("hostile", 2)
	if err != nil {
		return err
	}
	defer w.Close()
	dir, bin, ports := w.Dir, w.Bin, w.Ports
	pasv, err := benchkit.FreeRange(o.pasvWidth)
	if err != nil {
		return err
	}
	cfgFile := filepath.Join(dir, "sftpgo.json")
	// Ports only: every limit at its default.
	if err := (benchkit.Config{SFTPPort: ports[0], FTPPort: ports[1], PassiveStart: pasv, PassiveEnd: pasv + o.pasvWidth - 1}).Write(cfgFile); err != nil {
		return err
	}
	srv, err := benchkit.Start(bin, cfgFile, "--demo")
	if err != nil {
		return err
	}
	defer srv.Stop()
	sftpAddr := fmt.Sprintf("127.0.0.1:%d", ports[0])
	ftpAddr := fmt.Sprintf("127.0.0.1:%d", ports[1])
	// Probed from the hostile's address: the legitimate clients need all
	// 20 slots of 127.0.0.1.
	for _, a := range []string{sftpAddr, ftpAddr} {
		if err := srv.WaitListening(hostileIP, a); err != nil {
			return err
		}
	}
	if err := srv.WaitOutput("Demo directory loaded"); err != nil {
		return err
	}
	pid := srv.PID()
	storage := filepath.Join(dir, "data", "storage")
	hostileDir := filepath.Join(storage, "clients", hostile.Ref)
	sparseDisk := filepath.Join(hostileDir, "sparse.bin")
	if err := makeSparse(sparseDisk, o.sparse); err != nil {
		return err
	}
	sparseBefore := diskKiB(sparseDisk)
	duBefore, _ := duKiB(storage)
	nofileSoft, nofileHard, _ := benchkit.NoFileLimit(pid)
	cpu0 := benchkit.CPUSeconds(pid)

	a := &attacker{
		sftpAddr: sftpAddr, ftpAddr: ftpAddr, login: hostile.Login, password: hostile.Password, src: hostileIP,
		dir: "/Mes documents", readFile: "/Mes documents/Facture F2026-0042.pdf", readDir: "/Mes documents",
		sparse: "/Mes documents/sparse.bin", fillSize: o.fill, ftpEvery: o.ftpEvery,
		channelsTry: o.channelsTry, handlesTry: o.handlesTry,
	}
	payload := make([]byte, o.size)
	rand.Read(payload)
	l := &benchkit.Legit{
		SFTPAddr: sftpAddr, FTPAddr: ftpAddr, Login: legit.Login, Password: legit.Password,
		Dir: "/Mes documents", Payload: payload, FTPS: true,
	}

	var s samples
	take := func() {
		rss, _ := benchkit.StatusKiB(pid, "VmRSS")
		fds, kinds, _ := benchkit.FDs(pid)
		s.rss.Add(rss)
		if int64(fds) > s.fds.Peak {
			s.fdKinds = kinds
		}
		s.fds.Add(int64(fds))
		s.listeners.Add(int64(benchkit.Listening(pasv, pasv+o.pasvWidth-1)))
		s.sshConns.Add(a.sshConns.Load())
		s.channels.Add(a.channels.Load())
		s.files.Add(a.files.Load())
		s.dirs.Add(a.dirs.Load())
		s.ftpCtrls.Add(a.ftpCtrls.Load())
		s.idle.Add(a.idle.Load())
	}
	take()
	s.duKiB.Add(duBefore)
	load, cancel := context.WithTimeout(ctx, o.duration)
	defer cancel()
	samplerDone := make(chan struct{})
	// The sampler stops just before the loops are told to let go: its
	// last samples are the end of the load.
	sampling, stopSampling := context.WithTimeout(ctx, o.duration-600*time.Millisecond)
	defer stopSampling()
	go func() {
		defer close(samplerDone)
		tick := time.NewTicker(500 * time.Millisecond)
		defer tick.Stop()
		for n := 1; ; n++ {
			select {
			case <-sampling.Done():
				return
			case <-tick.C:
			}
			take()
			if n%4 == 0 {
				if du, err := duKiB(storage); err == nil {
					s.duKiB.Add(du)
				}
			}
		}
	}()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		a.run(load, o.sshHolders, o.ftpHolders, o.idleSSH, o.idleFTP)
	}()
	go func() {
		defer wg.Done()
		// The hostile user goes first: the legitimate clients log in
		// while it already holds what it could take.
		pause(load, 2*time.Second)
		l.Run(load, o.clients)
	}()
	<-samplerDone
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	hung := false
	select {
	case <-done:
	case <-time.After(90 * time.Second):
		hung = true
	}
	cpu := benchkit.CPUSeconds(pid) - cpu0
	// Once everybody has gone: what the server kept.
	time.Sleep(3 * time.Second)
	rssAfter, _ := benchkit.StatusKiB(pid, "VmRSS")
	hwm, _ := benchkit.StatusKiB(pid, "VmHWM")
	fdsAfter, _, _ := benchkit.FDs(pid)
	listenersAfter := benchkit.Listening(pasv, pasv+o.pasvWidth-1)
	duAfter, _ := duKiB(storage)
	hostileDuAfter, _ := duKiB(hostileDir)
	sparseAfter := diskKiB(sparseDisk)
	alive := srv.Alive()

	commit, _ := exec.Command("git", "log", "-1", "--format=%h %s").Output()
	fmt.Printf("## Hostile load: 1 hostile user (%s, from %s) + %d legitimate clients (%s, from %s), %s, %d bytes per transfer\n\n",
		hostile.Login, hostileIP, o.clients, legit.Login, legitIP, o.duration, o.size)
	fmt.Printf("Commit: %s", commit)
	fmt.Printf("Server: ulimit -n %s (hard %s), passive ports %d-%d, every limit at its default.\n\n", nofileSoft, nofileHard, pasv, pasv+o.pasvWidth-1)
	e := &s
	fmt.Printf("| server | start | peak | end of load | 3 s after |\n| --- | ---: | ---: | ---: | ---: |\n")
	fmt.Printf("| RSS (VmRSS) | %s | %s (VmHWM %s) | %s | %s |\n", mib(e.rss.Start), mib(e.rss.Peak), mib(hwm), mib(e.rss.End), mib(rssAfter))
	fmt.Printf("| open descriptors | %d | %d (%s) | %d | %d |\n", e.fds.Start, e.fds.Peak, kinds(e.fdKinds), e.fds.End, fdsAfter)
	fmt.Printf("| passive listeners open | %d | %d | %d | %d |\n", e.listeners.Start, e.listeners.Peak, e.listeners.End, listenersAfter)
	fmt.Printf("| storage `du -sk` | %d KiB | %d KiB | – | %d KiB |\n", duBefore, e.duKiB.Peak, duAfter)
	fmt.Printf("| CPU time | – | – | %.1f s over %s | – |\n\n", cpu, o.duration)

	fmt.Printf("| hostile user | value |\n| --- | --- |\n")
	fmt.Printf("| SSH connections: tried / held at peak / at the end | %d / %d / %d |\n", a.sshTries.Load(), e.sshConns.Peak, e.sshConns.End)
	fmt.Printf("| SSH session channels held (peak; %d tried per connection) | %d |\n", o.channelsTry, e.channels.Peak)
	fmt.Printf("| SFTP handles held (peak): files / folders | %d / %d |\n", e.files.Peak, e.dirs.Peak)
	fmt.Printf("| FTP control connections: tried / held at peak (EPSV/PASV loop) | %d / %d |\n", a.ftpTries.Load(), e.ftpCtrls.Peak)
	fmt.Printf("| EPSV / PASV sent, answered with a port, refused | %d / %d, %d, %d |\n", a.epsv.Load(), a.pasv.Load(), a.pasvOK.Load(), a.pasvRefused.Load())
	fmt.Printf("| distinct passive ports announced to it | %d |\n", a.portsSeen())
	fmt.Printf("| idle connections held (peak) | %d |\n", e.idle.Peak)
	fmt.Printf("| sparse file (%s apparent) reopened without TRUNC: ok / failed, slowest | %d / %d, %s |\n",
		mib(o.sparse/1024), a.reopens.Load()-a.reopenFailed.Load(), a.reopenFailed.Load(), time.Duration(a.reopenMaxNs.Load()).Round(time.Millisecond))
	fmt.Printf("| sparse file on disk before / after | %d KiB / %d KiB |\n", sparseBefore, sparseAfter)
	fmt.Printf("| hostile folder on disk after (`du -sk`) | %d KiB |\n", hostileDuAfter)
	fmt.Printf("| 1 byte at 256 MiB in a new file: refused / accepted | %d / %d |\n", a.gapRefused.Load(), a.gapAccepted.Load())
	fmt.Printf("| big uploads (%s): completed / failed, bytes sent | %d / %d, %s |\n", mib(o.fill/1024), a.fills.Load(), a.fillFailed.Load(), mib(a.fillBytes.Load()/1024))
	fmt.Printf("| refusals and failures, total | %d |\n\n", a.refusedTotal.Load())

	secs := l.Elapsed().Seconds()
	fmt.Printf("| legitimate clients (%d SFTP, %d FTP, %d of them FTPS) | value |\n| --- | --- |\n", (o.clients+1)/2, o.clients/2, (o.clients+1)/4)
	fmt.Printf("| logins / refused | %d / %d |\n", l.Logins.Load(), l.LoginsRefused.Load())
	fmt.Printf("| transfers completed / intact / corrupt / failed | %d / %d / %d / %d |\n", l.Transfers.Load(), l.Intact.Load(), l.Corrupt.Load(), l.Failed.Load())
	fmt.Printf("| throughput | %s/s over %.0f s |\n", mib(int64(float64(l.Bytes.Load())/secs)/1024), secs)
	fmt.Printf("| clients that saw a failure | %d of %d |\n\n", l.ClientsFailed(), o.clients)

	fmt.Println("What the hostile user was refused (count × what: text):")
	fmt.Println()
	for _, r := range a.Refusals() {
		fmt.Println("    " + r)
	}
	if errs := l.Errors(); len(errs) > 0 {
		fmt.Println("\nLEGITIMATE FAILURES:")
		fmt.Println()
		for _, e := range errs {
			fmt.Println("    " + e)
		}
	}
	fmt.Println("\nServer log, warnings and errors (count × level msg):")
	fmt.Println()
	for _, w := range logSummary(srv.Logs.String()) {
		fmt.Println("    " + w)
	}

	var fails []string
	if !l.OK() {
		fails = append(fails, "legitimate transfers were not all intact, or some were refused")
	}
	if a.gapAccepted.Load() > 0 {
		fails = append(fails, "a write 256 MiB past the end was accepted")
	}
	if sparseAfter > sparseBefore+1024 {
		fails = append(fails, "the sparse file lost its holes")
	}
	if hung {
		fails = append(fails, "clients still running 90 s after the end of the load")
	}
	if !alive {
		fails = append(fails, "the server exited:\n"+srv.Logs.String())
	}
	if len(fails) > 0 {
		return errors.New(strings.Join(fails, "; "))
	}
	return nil
}

// makeSparse writes a file of size bytes holding 64 KiB of data at its
// start and in its middle, holes elsewhere.
func makeSparse(file string, size int64) error {
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	data := make([]byte, 64<<10)
	rand.Read(data)
	for _, off := range []int64{0, size / 2} {
		if _, err := f.WriteAt(data, off); err != nil {
			return err
		}
	}
	return f.Truncate(size)
}

// diskKiB is the space a file takes on disk (its blocks), in KiB.
func diskKiB(file string) int64 {
	fi, err := os.Stat(file)
	if err != nil {
		return -1
	}
	return fi.Sys().(*syscall.Stat_t).Blocks / 2
}

func duKiB(dir string) (int64, error) {
	out, err := exec.Command("du", "-sk", dir).Output()
	if err != nil {
		return 0, err
	}
	f := strings.Fields(string(out))
	if len(f) == 0 {
		return 0, errors.New("du: no output")
	}
	return strconv.ParseInt(f[0], 10, 64)
}

func mib(kib int64) string { return fmt.Sprintf("%.1f MiB", float64(kib)/1024) }

func kinds(m map[string]int) string {
	var parts []string
	for k, n := range m {
		parts = append(parts, fmt.Sprintf("%d %s", n, k))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

var logLine = regexp.MustCompile(`level=(WARN|ERROR) msg=("(?:[^"\\]|\\.)*"|\S+)(?:.*?reason=("(?:[^"\\]|\\.)*"|\S+))?`)

// logSummary counts the server's warnings and errors by message (and
// reason, where there is one).
func logSummary(logs string) []string {
	counts := map[string]int{}
	for _, line := range strings.Split(logs, "\n") {
		if m := logLine.FindStringSubmatch(line); m != nil {
			k := m[1] + " " + m[2]
			if m[3] != "" {
				k += " reason=" + m[3]
			}
			counts[k]++
		}
	}
	var out []string
	for k, n := range counts {
		out = append(out, fmt.Sprintf("%d × %s", n, k))
	}
	sort.Strings(out)
	return out
}

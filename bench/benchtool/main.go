//go:build linux

// Command benchtool is the measuring half of bench/run.sh, which drives the
// servers with the real clients (OpenSSH sftp, curl, lftp). It is built by
// run.sh; nobody needs to run it by hand.
//
//	benchtool freeport -n 3                  free TCP ports on 127.0.0.1
//	benchtool reaper -- CMD ARGS...          run a forking server as a child
//	                                         subreaper (see below)
//	benchtool watch -pid P [-tree|-reaper] [-hwm] -ready F -out F
//	                                         server CPU and peak RSS while it runs
//	benchtool idle -addr A -user U -password PW -n 50 -pid P [-tree]
//	                                         memory per idle SFTP connection
//	benchtool table -results F [-big-mb N]   the markdown table of bench/RESULTS.md
//	benchtool web-put|web-get|web-sessions   the web rows (web.go)
//
// How the figures are taken (also in bench/README.md):
//
//   - CPU seconds: from /proc/PID/stat, utime+stime+cutime+cstime summed over
//     the live processes of the server's tree (the PID and its descendants,
//     found through the ppid field), at the start and at the end of a run;
//     the figure is the difference. A child's time moves into its parent's
//     cutime/cstime when the parent reaps it, so every tick spent by a
//     connection process is counted exactly once, whether the process is
//     still alive at the end or not -- provided its parent reaps it. sshd's
//     per-connection monitor exits without reaping its child (the
//     internal-sftp process), which is then re-parented and reaped by PID 1:
//     its time would be lost (a 256 MiB put showed 0.05 s instead of ~1 s).
//     So the peers run under "benchtool reaper", a child subreaper
//     (PR_SET_CHILD_SUBREAPER) that reaps whatever is re-parented to it:
//     with -reaper, the tree is the reaper's descendants plus the reaper's
//     cutime/cstime (its own CPU and RSS are left out). For dossierd (one
//     process, neither flag given) this is its own utime+stime.
//   - Peak RSS: with -hwm (dossierd), the kernel's high-water mark VmHWM of
//     the PID, reset at the start of each run by writing 5 to
//     /proc/PID/clear_refs. Without it (forking peers), the largest sum of
//     the rss field of /proc/PID/stat over the tree, sampled every
//     -interval (100 ms). A sum of RSS counts pages shared between the
//     forked processes (binary, libraries) once per process: it overstates
//     what the peer costs the machine, by about 1-3 MiB per process.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/dossierd/dossierd/bench/internal/benchkit"
	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: benchtool freeport|watch|idle|table|web-put|web-get|web-sessions [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "freeport":
		err = freeport(os.Args[2:])
	case "watch":
		err = watch(os.Args[2:])
	case "reaper":
		err = reaper(os.Args[2:])
	case "idle":
		err = idle(os.Args[2:])
	case "table":
		err = table(os.Args[2:])
	case "web-put":
		err = webPut(os.Args[2:])
	case "web-get":
		err = webGet(os.Args[2:])
	case "web-sessions":
		err = webSessions(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchtool "+os.Args[1]+":", err)
		os.Exit(1)
	}
}

// freeport prints n distinct free TCP ports on 127.0.0.1.
func freeport(args []string) error {
	fs := flag.NewFlagSet("freeport", flag.ExitOnError)
	n := fs.Int("n", 1, "how many ports")
	fs.Parse(args)
	ports, err := benchkit.FreePorts(*n)
	for _, p := range ports {
		fmt.Println(p)
	}
	return err
}

// proc is what one /proc/PID/stat line says.
type proc struct {
	pid, ppid  int
	ticks      int64 // utime+stime+cutime+cstime
	childTicks int64 // cutime+cstime
	rssPages   int64
}

func readStat(pid int) (proc, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return proc{}, err
	}
	// The command name is in parentheses and may hold spaces or ')'.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return proc{}, fmt.Errorf("pid %d: malformed stat", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 22 {
		return proc{}, fmt.Errorf("pid %d: short stat", pid)
	}
	// f[0] is field 3 (state); field k is f[k-3].
	p := proc{pid: pid}
	p.ppid, _ = strconv.Atoi(f[1])
	for _, k := range []int{14, 15, 16, 17} {
		v, _ := strconv.ParseInt(f[k-3], 10, 64)
		p.ticks += v
		if k >= 16 {
			p.childTicks += v
		}
	}
	p.rssPages, _ = strconv.ParseInt(f[24-3], 10, 64)
	return p, nil
}

// tree returns root and its live descendants. Without all, only root.
func tree(root int, all bool) ([]proc, error) {
	r, err := readStat(root)
	if err != nil {
		return nil, err
	}
	if !all {
		return []proc{r}, nil
	}
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	children := map[int][]proc{}
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == root {
			continue
		}
		p, err := readStat(pid)
		if err != nil {
			continue // gone meanwhile
		}
		children[p.ppid] = append(children[p.ppid], p)
	}
	out := []proc{r}
	for i := 0; i < len(out); i++ {
		out = append(out, children[out[i].pid]...)
	}
	return out, nil
}

func sum(ps []proc) (ticks, rssPages int64) {
	for _, p := range ps {
		ticks += p.ticks
		rssPages += p.rssPages
	}
	return
}

// measure is the tree's CPU ticks and RSS pages. With reaper, the root is
// benchtool reaper: only its reaped children's times count, not its own
// CPU or memory.
func measure(root int, all, reaper bool) (ticks, rssPages int64, err error) {
	ps, err := tree(root, all || reaper)
	if err != nil {
		return 0, 0, err
	}
	if reaper {
		ps[0].ticks = ps[0].childTicks
		ps[0].rssPages = 0
	}
	ticks, rssPages = sum(ps)
	return ticks, rssPages, nil
}

// reaper runs a command as a child subreaper: descendants whose parent
// exits without reaping them are re-parented to this process, which reaps
// them, so that their CPU time lands in its cutime/cstime (watch -reaper).
// SIGTERM and SIGINT are passed on to the command; it exits with the
// command's status once the command has exited.
func reaper(args []string) error {
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	if len(args) == 0 {
		return errors.New("usage: benchtool reaper -- CMD [ARGS]")
	}
	const prSetChildSubreaper = 36
	if _, _, e := syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0); e != 0 {
		return fmt.Errorf("prctl(PR_SET_CHILD_SUBREAPER): %w", e)
	}
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	p, err := os.StartProcess(args[0], args, &os.ProcAttr{Files: []*os.File{os.Stdin, os.Stdout, os.Stderr}})
	if err != nil {
		return err
	}
	go func() {
		for s := range sigs {
			p.Signal(s)
		}
	}()
	for {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &ws, 0, nil)
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if err != nil {
			return fmt.Errorf("wait: %w", err)
		}
		if pid == p.Pid {
			if ws.Exited() {
				os.Exit(ws.ExitStatus())
			}
			os.Exit(128 + int(ws.Signal()))
		}
	}
}

// watch measures one run: it writes -ready once the start snapshot is
// taken, samples until SIGTERM/SIGINT (or -max), then writes -out:
// "cpu_s peak_rss_kib samples".
func watch(args []string) error {
	fs := flag.NewFlagSet("watch", flag.ExitOnError)
	pid := fs.Int("pid", 0, "server PID")
	all := fs.Bool("tree", false, "sum over the PID and its descendants (forking servers)")
	reap := fs.Bool("reaper", false, "PID is benchtool reaper: its descendants and what it reaped")
	hwm := fs.Bool("hwm", false, "peak RSS from VmHWM, reset at start through clear_refs (one-process servers)")
	interval := fs.Duration("interval", 100*time.Millisecond, "RSS sampling interval")
	hz := fs.Int64("hz", 100, "clock ticks per second (getconf CLK_TCK)")
	ready := fs.String("ready", "", "file created once the start snapshot is taken")
	out := fs.String("out", "", "result file")
	maxDur := fs.Duration("max", 2*time.Hour, "stop by itself after this long")
	quiesce := fs.Duration("quiesce", 5*time.Second, "at the end, wait at most this long for the connection processes to be reaped")
	fs.Parse(args)
	if *pid <= 0 || *out == "" || *ready == "" {
		return errors.New("-pid, -ready and -out are required")
	}
	pageKiB := int64(os.Getpagesize() / 1024)
	if *hwm {
		if err := os.WriteFile("/proc/"+strconv.Itoa(*pid)+"/clear_refs", []byte("5"), 0); err != nil {
			return fmt.Errorf("resetting the peak RSS: %w", err)
		}
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	t0, peak, err := measure(*pid, *all, *reap)
	if err != nil {
		return err
	}
	start := map[int]bool{}
	if ps, err := tree(*pid, *all || *reap); err == nil {
		for _, p := range ps {
			start[p.pid] = true
		}
	}
	if err := os.WriteFile(*ready, nil, 0o600); err != nil {
		return err
	}
	tick := time.NewTicker(*interval)
	defer tick.Stop()
	deadline := time.After(*maxDur)
	samples := 1
loop:
	for {
		select {
		case <-stop:
			break loop
		case <-deadline:
			break loop
		case <-tick.C:
		}
		if _, r, err := measure(*pid, *all, *reap); err == nil {
			peak = max(peak, r)
			samples++
		}
	}
	// The client has exited, but the server's connection processes may
	// still be exiting: while one does, its time can be in neither its own
	// stat nor its parent's (it was re-parented or is being reaped). Wait
	// (up to -quiesce) until only the processes present at the start are
	// left, so that every connection process has been reaped.
	if *all || *reap {
		for end := time.Now().Add(*quiesce); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
			ps, err := tree(*pid, true)
			if err != nil {
				break
			}
			extra := false
			for _, p := range ps {
				if !start[p.pid] {
					extra = true
					break
				}
			}
			if !extra {
				break
			}
			if _, r, err := measure(*pid, *all, *reap); err == nil {
				peak = max(peak, r)
			}
		}
	}
	t1, r, err := measure(*pid, *all, *reap)
	if err != nil {
		return fmt.Errorf("server gone: %w", err)
	}
	peak = max(peak, r) * pageKiB
	if *hwm {
		if h, err := benchkit.StatusKiB(*pid, "VmHWM"); err == nil {
			peak = max(peak, h)
		}
	}
	res := fmt.Sprintf("%.2f %d %d\n", float64(t1-t0)/float64(*hz), peak, samples)
	return os.WriteFile(*out, []byte(res), 0o600)
}

// idle opens n SFTP connections (SSH handshake, password login, sftp
// subsystem and its version exchange), keeps them idle, and reports the
// server's RSS and PSS (smaps_rollup: shared pages divided among the
// processes sharing them) before and after, in KiB:
// "rss_before rss_after rss_per_conn pss_before pss_after pss_per_conn".
func idle(args []string) error {
	fs := flag.NewFlagSet("idle", flag.ExitOnError)
	addr := fs.String("addr", "", "host:port")
	user := fs.String("user", "", "login")
	pw := fs.String("password", "", "password")
	n := fs.Int("n", 50, "connections")
	pid := fs.Int("pid", 0, "server PID")
	all := fs.Bool("tree", false, "sum RSS over the server's process tree")
	reap := fs.Bool("reaper", false, "PID is benchtool reaper: leave it out")
	settle := fs.Duration("settle", 2*time.Second, "wait before each measurement")
	fs.Parse(args)
	pageKiB := int64(os.Getpagesize() / 1024)
	rss := func() (rss, pss int64, err error) {
		ps, err := tree(*pid, *all || *reap)
		if err != nil {
			return 0, 0, err
		}
		if *reap {
			ps = ps[1:]
		}
		_, r := sum(ps)
		for _, p := range ps {
			if v, err := rollupKiB(p.pid, "Pss"); err == nil {
				pss += v
			}
		}
		return r * pageKiB, pss, nil
	}
	time.Sleep(*settle)
	before, pssBefore, err := rss()
	if err != nil {
		return err
	}
	cfg := &ssh.ClientConfig{
		User:            *user,
		Auth:            []ssh.AuthMethod{ssh.Password(*pw)},
		HostKeyCallback: ssh.InsecureIgnoreHostKey(), // loopback, a server this run started
		Timeout:         20 * time.Second,
	}
	var clients []*ssh.Client
	defer func() {
		for _, c := range clients {
			c.Close()
		}
	}()
	for i := range *n {
		c, err := ssh.Dial("tcp", *addr, cfg)
		if err != nil {
			return fmt.Errorf("connection %d: %w", i+1, err)
		}
		clients = append(clients, c)
		s, err := sftp.NewClient(c)
		if err != nil {
			return fmt.Errorf("connection %d: sftp: %w", i+1, err)
		}
		if _, err := s.Getwd(); err != nil {
			return fmt.Errorf("connection %d: realpath: %w", i+1, err)
		}
	}
	time.Sleep(*settle)
	after, pssAfter, err := rss()
	if err != nil {
		return err
	}
	fmt.Printf("%d %d %.1f %d %d %.1f\n", before, after, float64(after-before)/float64(*n),
		pssBefore, pssAfter, float64(pssAfter-pssBefore)/float64(*n))
	return nil
}

// rollupKiB reads one field of /proc/PID/smaps_rollup.
func rollupKiB(pid int, key string) (int64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/smaps_rollup")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, key+":"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	return 0, fmt.Errorf("pid %d: no %s in smaps_rollup", pid, key)
}

// The results file of run.sh has one line per run, tab-separated:
// id, label, unit (s or ms), server (d or p), run, value, cpu_s, peak_rss_kib.

// target: the goal for a workload, as peer/dossierd ≥ min.
var targets = map[string]struct {
	min  float64
	text string
}{
	"sftp-put-big":     {1.0, "≥ 1.0× OpenSSH"},
	"sftp-get-big":     {1.0, "≥ 1.0× OpenSSH"},
	"sftp-put-small":   {1.5, "≥ 1.5× OpenSSH"},
	"sftp-get-small":   {1.5, "≥ 1.5× OpenSSH"},
	"sftp-login":       {2.0, "time ≤ 0.5× OpenSSH's"},
	"sftp-concurrent":  {2.0, "time ≤ 0.5× OpenSSH's"},
	"ftp-put-big":      {1.0, "≥ 1.0× vsftpd"},
	"ftp-get-big":      {1.0, "≥ 1.0× vsftpd"},
	"ftps-put-big":     {1.5, "≥ 1.5× vsftpd"},
	"ftps-get-big":     {1.5, "≥ 1.5× vsftpd"},
	"lftp-mirror-down": {1.0, "≥ 1.0× vsftpd"},
	"lftp-mirror-up":   {1.0, "≥ 1.0× vsftpd"},
	"ftp-login":        {1.0, "time ≤ vsftpd's"},
}

// rssTarget applies to the 50-client workloads (KiB).
const rssTargetKiB = 64 * 1024

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func fmtVal(v float64, unit string) string {
	if unit == "ms" {
		return fmt.Sprintf("%.0f ms", v)
	}
	if v < 10 {
		return fmt.Sprintf("%.2f s", v)
	}
	return fmt.Sprintf("%.1f s", v)
}

func fmtList(v []float64, unit string) string {
	var s []string
	for _, x := range v {
		if unit == "ms" {
			s = append(s, fmt.Sprintf("%.0f", x))
		} else {
			s = append(s, fmt.Sprintf("%.2f", x))
		}
	}
	return strings.Join(s, ", ")
}

func mib(kib float64) string { return fmt.Sprintf("%.1f MiB", kib/1024) }

// table prints the markdown table, then the targets met or not.
func table(args []string) error {
	fs := flag.NewFlagSet("table", flag.ExitOnError)
	path := fs.String("results", "", "results file (tab-separated, from run.sh)")
	bigMB := fs.Float64("big-mb", 0, "size of the big file in MiB: adds the MB/s of the big-file rows")
	fs.Parse(args)
	b, err := os.ReadFile(*path)
	if err != nil {
		return err
	}
	type series struct{ value, cpu, rss []float64 }
	type row struct {
		id, label, unit string
		d, p            series
	}
	var order []string
	rows := map[string]*row{}
	for ln, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if line == "" {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 8 {
			return fmt.Errorf("%s:%d: %d fields, want 8", filepath.Base(*path), ln+1, len(f))
		}
		var nums [3]float64
		for i, s := range []string{f[5], f[6], f[7]} {
			if nums[i], err = strconv.ParseFloat(s, 64); err != nil {
				return fmt.Errorf("%s:%d: %w", filepath.Base(*path), ln+1, err)
			}
		}
		r := rows[f[0]]
		if r == nil {
			r = &row{id: f[0], label: f[1], unit: f[2]}
			rows[f[0]] = r
			order = append(order, f[0])
		}
		s := &r.d
		if f[3] == "p" {
			s = &r.p
		}
		s.value = append(s.value, nums[0])
		s.cpu = append(s.cpu, nums[1])
		s.rss = append(s.rss, nums[2])
	}
	maxOf := func(v []float64) float64 {
		m := 0.0
		for _, x := range v {
			m = max(m, x)
		}
		return m
	}
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	fmt.Fprintln(w, "| workload | dossierd (median) | peer (median) | ratio peer/dossierd | dossierd CPU s | peer CPU s | dossierd peak RSS | peer peak RSS | all runs (dossierd / peer) |")
	fmt.Fprintln(w, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
	var notes []string
	for _, id := range order {
		r := rows[id]
		dm := median(r.d.value)
		pv, ratio, pcpu, prss, pall := "–", "–", "–", "–", "–"
		if len(r.p.value) > 0 {
			pm := median(r.p.value)
			pv = fmtVal(pm, r.unit)
			if dm > 0 {
				ratio = fmt.Sprintf("%.2f×", pm/dm)
			}
			pcpu = fmt.Sprintf("%.2f", median(r.p.cpu))
			prss = mib(maxOf(r.p.rss))
			pall = fmtList(r.p.value, r.unit)
			if t, ok := targets[id]; ok && dm > 0 {
				met := "met"
				if pm/dm < t.min {
					met = "NOT met"
				}
				notes = append(notes, fmt.Sprintf("- %s: target %s → %.2f× (%s)", r.label, t.text, pm/dm, met))
			}
		}
		if strings.HasSuffix(id, "-concurrent") {
			met := "met"
			if maxOf(r.d.rss) > rssTargetKiB {
				met = "NOT met"
			}
			notes = append(notes, fmt.Sprintf("- %s: dossierd peak RSS target ≤ 64 MiB → %s (%s)", r.label, mib(maxOf(r.d.rss)), met))
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %.2f | %s | %s | %s | %s / %s |\n",
			r.label, fmtVal(dm, r.unit), pv, ratio, median(r.d.cpu), pcpu, mib(maxOf(r.d.rss)), prss,
			fmtList(r.d.value, r.unit), pall)
	}
	if *bigMB > 0 {
		// The big-file rows as throughput, so that the protocols read side
		// by side (the web's next to SFTP's and FTP's, same run, same file).
		// (A list, not a table: .ci/run counts the table's rows.)
		fmt.Fprintln(w, "\nThroughput of the big-file rows (MB/s = 10⁶ bytes per second, from the medians):")
		fmt.Fprintln(w)
		bytes := *bigMB * 1048576
		for _, id := range order {
			r := rows[id]
			if !strings.Contains(id, "-big") {
				continue
			}
			peer := ""
			if len(r.p.value) > 0 {
				peer = fmt.Sprintf(" (peer %.0f MB/s)", bytes/1e6/median(r.p.value))
			}
			fmt.Fprintf(w, "- %s: dossierd **%.0f MB/s**%s\n", r.label, bytes/1e6/median(r.d.value), peer)
		}
	}
	if len(notes) > 0 {
		fmt.Fprintln(w, "\nTargets of issue 7 (ratio = peer time / dossierd time, > 1 means dossierd is faster):")
		fmt.Fprintln(w)
		for _, n := range notes {
			fmt.Fprintln(w, n)
		}
	}
	return nil
}

// Command events measures the webhooks of issue 14 on the real binary, on
// loopback: how many events per second the outbox delivers while 20
// clients (half SFTP, half FTP, each its own login) upload small files,
// the delivery latency (from the commit to the receiver, p50 and p99),
// and the transfers' speed with and without a webhook listening to
// uploads (small files, and one big file over each protocol, whose
// sha256 the commit then reads back). The receiver is in this process and
// verifies every signature; every event must arrive, each id once
// counted. Figures in bench/RESULTS-events.md.
//
//	go run ./bench/events                       # 30 s per phase, 256 MiB big files
//	go run ./bench/events -quick                # a few seconds (bench/run.sh --quick)
package main

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jlaffaye/ftp"
	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"

	"github.com/dossierd/dossierd/bench/internal/benchkit"
	"github.com/dossierd/dossierd/events"
)

type options struct {
	duration time.Duration
	clients  int
	size     int
	bigMB    int
	repeat   int
	bin, out string
}

func main() {
	var o options
	quick := flag.Bool("quick", false, "a few seconds: 1 s per phase, 4 MiB big files")
	flag.DurationVar(&o.duration, "duration", 15*time.Second, "how long the clients upload, per phase")
	flag.IntVar(&o.clients, "clients", 20, "clients uploading at once, half SFTP, half FTP, one login each")
	flag.IntVar(&o.size, "size", 4096, "bytes of each small file")
	flag.IntVar(&o.bigMB, "big-mb", 128, "MiB of the big file uploaded once per protocol and phase")
	flag.IntVar(&o.repeat, "repeat", 3, "runs of each phase, taking turns")
	flag.StringVar(&o.bin, "bin", "", "dossierd binary to run (default: build ./cmd/dossierd)")
	flag.StringVar(&o.out, "out", "", "also write the report to this file")
	flag.Parse()
	if *quick {
		o.duration, o.bigMB, o.repeat = time.Second, 4, 1
	}
	if err := run(o); err != nil {
		log.Fatal(err)
	}
}

const secret = "bench-events-secret-0123456789"

// receiver is the webhook: it verifies the signature and keeps, per event
// id, when it first came and the latency since the event's time.
type receiver struct {
	mu        sync.Mutex
	first     map[string]time.Time
	latencies []time.Duration
	posts     atomic.Int64
	bad       atomic.Int64
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	now := time.Now()
	body, _ := io.ReadAll(req.Body)
	r.posts.Add(1)
	var b events.Body
	if !events.Verify(secret, body, req.Header.Get(events.HeaderSignature)) || json.Unmarshal(body, &b) != nil {
		r.bad.Add(1)
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	r.mu.Lock()
	if _, seen := r.first[b.ID]; !seen {
		r.first[b.ID] = now
		r.latencies = append(r.latencies, now.Sub(b.Time))
	}
	r.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (r *receiver) reset() {
	r.mu.Lock()
	r.first, r.latencies = map[string]time.Time{}, nil
	r.mu.Unlock()
	r.posts.Store(0)
}

func (r *receiver) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.first)
}

// mode is what a phase's server is told of webhooks.
type mode int

const (
	noWebhook    mode = iota
	receiverDown      // a webhook whose receiver refuses connections: the outbox's writes, no delivery
	receiverUp
)

var modeNames = []string{"no webhook", "webhook, receiver down (outbox writes only)", "webhook, receiver up"}

// phase is what one run of the workload measured.
type phase struct {
	mode             mode
	uploads          int64
	elapsed          time.Duration
	uploadLat        []time.Duration // one small upload, client side
	bigSFTP, bigFTP  []time.Duration
	bigCloseSFTP     []time.Duration // the SFTP close of a big file: commit (and digest)
	delivered        int             // events received during the load
	drain            time.Duration   // after the load, until the last event came
	deliveryLat      []time.Duration
	posts, badPosts  int64
	expected, gotAll int
	rates            []float64 // small uploads per second, per run (merged phases)
}

// merge pools the runs of one mode.
func merge(runs []*phase) *phase {
	m := &phase{mode: runs[0].mode}
	for _, r := range runs {
		m.uploads += r.uploads
		m.elapsed += r.elapsed
		m.uploadLat = append(m.uploadLat, r.uploadLat...)
		m.bigSFTP = append(m.bigSFTP, r.bigSFTP...)
		m.bigFTP = append(m.bigFTP, r.bigFTP...)
		m.bigCloseSFTP = append(m.bigCloseSFTP, r.bigCloseSFTP...)
		m.delivered += r.delivered
		m.drain = max(m.drain, r.drain)
		m.deliveryLat = append(m.deliveryLat, r.deliveryLat...)
		m.posts += r.posts
		m.badPosts += r.badPosts
		m.expected += r.expected
		m.gotAll += r.gotAll
		m.rates = append(m.rates, float64(r.uploads)/r.elapsed.Seconds())
	}
	return m
}

func run(o options) error {
	dir, err := os.MkdirTemp("", "dossierd-events-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := o.bin
	if bin == "" {
		if bin, err = benchkit.Build(dir); err != nil {
			return err
		}
	}
	ports, err := benchkit.FreePorts(4) // SFTP, FTP, the receiver, a receiver that is down
	if err != nil {
		return err
	}
	// Passive ports above Linux's ephemeral range (32768-60999), where the
	// clients' own connections never take them: 100 for 10 FTP clients
	// whose data connections close at each upload.
	const pasv = 63500
	rec := &receiver{}
	rec.reset()
	hookLn, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", ports[2]))
	if err != nil {
		return err
	}
	go http.Serve(hookLn, rec)
	defer hookLn.Close()

	// One login per client: the events of one login are delivered one
	// after the other, those of different logins side by side.
	password := randomHex(12)
	type account struct {
		Login    string `json:"login"`
		Role     string `json:"role"`
		Password string `json:"password"`
	}
	var accounts []account
	for c := range o.clients {
		accounts = append(accounts, account{Login: fmt.Sprintf("bench%02d", c), Role: "staff", Password: password})
	}
	doc, _ := json.Marshal(map[string]any{"accounts": accounts})
	importFile := filepath.Join(dir, "accounts.json")
	if err := os.WriteFile(importFile, doc, 0o600); err != nil {
		return err
	}
	cfgFile := filepath.Join(dir, "sftpgo.json")
	cfg := func(m mode) error {
		c := benchkit.Config{SFTPPort: ports[0], FTPPort: ports[1], PassiveStart: pasv, PassiveEnd: pasv + 99, Set: map[string]map[string]any{
			"common":        {"max_per_host_connections": 0, "max_total_connections": 0, "max_sessions": 0, "defender": map[string]any{"enabled": false}},
			"data_provider": {"name": filepath.Join(dir, "dossierd.db")},
			"storage":       {"root": filepath.Join(dir, "storage")},
			"sftpd":         {"host_keys": []string{filepath.Join(dir, "id_ed25519")}},
			"telemetry":     {"bind_port": 0}, // the other servers of run.sh may hold the default
			"httpd":         {"bindings": []any{}},
		}}
		if m != noWebhook {
			port := ports[2]
			if m == receiverDown {
				port = ports[3]
			}
			c.Set["events"] = map[string]any{"webhooks": []any{map[string]any{
				"url": fmt.Sprintf("http://127.0.0.1:%d/hook", port), "secret": secret, "events": []string{"upload"}}}}
		}
		return c.Write(cfgFile)
	}
	if err := cfg(noWebhook); err != nil {
		return err
	}
	if out, err := benchkit.Admin(bin, cfgFile, "import", importFile); err != nil {
		return fmt.Errorf("import: %v\n%s", err, out)
	}
	sftpAddr, ftpAddr := fmt.Sprintf("127.0.0.1:%d", ports[0]), fmt.Sprintf("127.0.0.1:%d", ports[1])
	// The phases take turns, repeat times: the machine's load drifts, and
	// each mode gets its share of it.
	runs := make([][]*phase, 3)
	for i := range o.repeat * 3 {
		p := &phase{mode: mode(i % 3)}
		runs[p.mode] = append(runs[p.mode], p)
		if err := cfg(p.mode); err != nil {
			return err
		}
		// What the previous phase left dirty is written now, not
		// during this one.
		syscall.Sync()
		srv, err := benchkit.Start(bin, cfgFile)
		if err != nil {
			return err
		}
		err = srv.WaitListening(nil, sftpAddr)
		if err == nil {
			err = srv.WaitListening(nil, ftpAddr)
		}
		if err == nil {
			rec.reset()
			err = workload(o, p, rec, sftpAddr, ftpAddr, password, fmt.Sprintf("p%d", i))
		}
		srv.Stop()
		if err != nil {
			return err
		}
	}
	phases := []*phase{merge(runs[0]), merge(runs[1]), merge(runs[2])}
	with := phases[2]
	report := format(o, phases)
	fmt.Print(report)
	if o.out != "" {
		return os.WriteFile(o.out, []byte(report), 0o644)
	}
	if with.gotAll != with.expected || with.badPosts != 0 {
		return fmt.Errorf("%d of %d events received, %d bad posts", with.gotAll, with.expected, with.badPosts)
	}
	return nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// client is one logged-in client of either protocol.
type client struct {
	put   func(p string, data []byte) error
	mkdir func(p string) error
	close func()
}

func dial(sftpAddr, ftpAddr, login, password string, useSFTP bool) (*client, error) {
	if !useSFTP {
		c, err := ftp.Dial(ftpAddr, ftp.DialWithTimeout(30*time.Second))
		if err != nil {
			return nil, err
		}
		if err := c.Login(login, password); err != nil {
			return nil, err
		}
		return &client{
			put:   func(p string, data []byte) error { return c.Stor(p, bytes.NewReader(data)) },
			mkdir: c.MakeDir, close: func() { c.Quit() },
		}, nil
	}
	sc, err := ssh.Dial("tcp", sftpAddr, &ssh.ClientConfig{User: login, Auth: []ssh.AuthMethod{ssh.Password(password)},
		HostKeyCallback: ssh.InsecureIgnoreHostKey(), Timeout: 30 * time.Second}) // loopback, our own server
	if err != nil {
		return nil, err
	}
	c, err := sftp.NewClient(sc, sftp.UseConcurrentWrites(true))
	if err != nil {
		sc.Close()
		return nil, err
	}
	return &client{
		put: func(p string, data []byte) error {
			f, err := c.Create(p)
			if err != nil {
				return err
			}
			if _, err := f.Write(data); err != nil {
				f.Close()
				return err
			}
			return f.Close()
		},
		mkdir: c.Mkdir, close: func() { c.Close(); sc.Close() },
	}, nil
}

// bigRuns is how many times each big upload is timed (the median counts).
const bigRuns = 3

// workload times the big uploads, then runs the small ones, and with a
// receiver up waits for every event.
func workload(o options, p *phase, rec *receiver, sftpAddr, ftpAddr, password string, tag string) error {
	big := make([]byte, o.bigMB<<20)
	rand.Read(big)
	for r := range bigRuns {
		for _, useSFTP := range []bool{true, false} {
			cl, err := dial(sftpAddr, ftpAddr, "bench00", password, useSFTP)
			if err != nil {
				return err
			}
			t := time.Now()
			err = cl.put(fmt.Sprintf("/%s-big-%v-%d.bin", tag, useSFTP, r), big)
			d := time.Since(t)
			cl.close()
			if err != nil {
				return err
			}
			if useSFTP {
				p.bigSFTP = append(p.bigSFTP, d)
			} else {
				p.bigFTP = append(p.bigFTP, d)
			}
		}
		p.bigCloseSFTP = append(p.bigCloseSFTP, closeTime(sftpAddr, password, fmt.Sprintf("%s-%d", tag, r), big))
	}
	bigEvents := 3 * bigRuns
	if p.mode == receiverUp {
		for rec.count() < bigEvents { // before the load: its figures are its own
			time.Sleep(5 * time.Millisecond)
		}
	}
	small := make([]byte, o.size)
	rand.Read(small)
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		errs    []error
		uploads atomic.Int64
	)
	start := time.Now()
	deadline := start.Add(o.duration)
	for c := range o.clients {
		wg.Go(func() {
			cl, err := dial(sftpAddr, ftpAddr, fmt.Sprintf("bench%02d", c), password, c%2 == 0)
			if err == nil {
				defer cl.close()
				folder := fmt.Sprintf("/%s-c%02d", tag, c)
				err = cl.mkdir(folder)
				for n := 0; err == nil && time.Now().Before(deadline); n++ {
					t := time.Now()
					if err = cl.put(fmt.Sprintf("%s/f%06d.bin", folder, n), small); err == nil {
						uploads.Add(1)
						mu.Lock()
						p.uploadLat = append(p.uploadLat, time.Since(t))
						mu.Unlock()
					}
				}
			}
			if err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	p.elapsed = time.Since(start)
	p.uploads = uploads.Load()
	p.delivered = rec.count() - bigEvents
	if len(errs) > 0 {
		return fmt.Errorf("%d clients failed, first: %v", len(errs), errs[0])
	}
	if p.mode != receiverUp {
		return nil
	}
	p.expected = int(p.uploads) + bigEvents
	end := time.Now()
	for rec.count() < p.expected && time.Since(end) < 5*time.Minute {
		time.Sleep(5 * time.Millisecond)
	}
	rec.mu.Lock()
	var last time.Time
	for _, at := range rec.first {
		if at.After(last) {
			last = at
		}
	}
	p.deliveryLat = slices.Clone(rec.latencies[bigEvents:])
	p.gotAll = len(rec.first)
	rec.mu.Unlock()
	p.drain = max(0, last.Sub(deadline))
	p.posts, p.badPosts = rec.posts.Load(), rec.bad.Load()
	return nil
}

// closeTime is how long the SFTP close of a big upload takes: the sync,
// the rename and, with a webhook, the digest read back.
func closeTime(sftpAddr, password, tag string, big []byte) time.Duration {
	var d time.Duration
	sc, err := ssh.Dial("tcp", sftpAddr, &ssh.ClientConfig{User: "bench01", Auth: []ssh.AuthMethod{ssh.Password(password)},
		HostKeyCallback: ssh.InsecureIgnoreHostKey()})
	if err != nil {
		return 0
	}
	defer sc.Close()
	c, err := sftp.NewClient(sc, sftp.UseConcurrentWrites(true))
	if err != nil {
		return 0
	}
	defer c.Close()
	f, err := c.Create(fmt.Sprintf("/%s-close.bin", tag))
	if err != nil {
		return 0
	}
	if _, err := f.Write(big); err == nil {
		t := time.Now()
		if f.Close() == nil {
			d = time.Since(t)
		}
	}
	return d
}

func pct(d []time.Duration, q float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(len(s)-1, int(q*float64(len(s))))]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

func mbps(mb int, d time.Duration) string {
	if d <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f MiB/s", float64(mb)/d.Seconds())
}

func format(o options, phases []*phase) string {
	var b strings.Builder
	host, _ := os.Hostname()
	load, _ := os.ReadFile("/proc/loadavg")
	with := phases[2]
	fmt.Fprintf(&b, "# Events (webhooks) benchmark\n\n")
	fmt.Fprintf(&b, "- Date: %s; host %s, %d CPUs (shared: the clients and the receiver run on them too); load average at the end: %s\n",
		time.Now().UTC().Format("2006-01-02 15:04 UTC"), host, numCPU(), strings.Join(strings.Fields(string(load))[:3], " "))
	fmt.Fprintf(&b, "- Command: `go run ./bench/events %s`\n", strings.Join(os.Args[1:], " "))
	fmt.Fprintf(&b, "- Three phases, taking turns %d times; figures pooled over the runs of a phase\n", o.repeat)
	fmt.Fprintf(&b, "- Each phase on a fresh server, same database and storage (%s, the machine's disk: every upload is fsynced): first %d × a %d MiB upload over SFTP and over FTP (login bench00) and a timed SFTP close of one more; then %d clients (%d SFTP with pkg/sftp, %d FTP with jlaffaye/ftp), one staff login each, upload %d-byte files for %s\n",
		os.TempDir(), bigRuns, o.bigMB, o.clients, (o.clients+1)/2, o.clients/2, o.size, o.duration)
	fmt.Fprintf(&b, "- Webhook: one, listing `upload`; the receiver is in the bench process (loopback HTTP, verifies every signature, counts each id once). \"Receiver down\": its URL is a port nobody listens on, so the outbox is written and nothing delivered\n\n")
	fmt.Fprintf(&b, "| |")
	for _, p := range phases {
		fmt.Fprintf(&b, " %s |", modeNames[p.mode])
	}
	fmt.Fprintf(&b, "\n|---|---|---|---|\n")
	row := func(name string, cell func(p *phase) string) {
		fmt.Fprintf(&b, "| %s |", name)
		for _, p := range phases {
			fmt.Fprintf(&b, " %s |", cell(p))
		}
		fmt.Fprintln(&b)
	}
	row("small uploads, all clients", func(p *phase) string {
		return fmt.Sprintf("%d in %s: **%.0f /s**", p.uploads, p.elapsed.Round(time.Millisecond), float64(p.uploads)/p.elapsed.Seconds())
	})
	row("the same, per run", func(p *phase) string {
		var r []string
		for _, x := range p.rates {
			r = append(r, fmt.Sprintf("%.0f", x))
		}
		return strings.Join(r, ", ")
	})
	row("one small upload, p50 / p99 (client side)", func(p *phase) string {
		return fmt.Sprintf("%s / %s", ms(pct(p.uploadLat, .5)), ms(pct(p.uploadLat, .99)))
	})
	row(fmt.Sprintf("SFTP put %d MiB (median of %d)", o.bigMB, bigRuns*o.repeat), func(p *phase) string {
		return fmt.Sprintf("%s (%s)", pct(p.bigSFTP, .5).Round(time.Millisecond), mbps(o.bigMB, pct(p.bigSFTP, .5)))
	})
	row(fmt.Sprintf("FTP put %d MiB (median of %d)", o.bigMB, bigRuns*o.repeat), func(p *phase) string {
		return fmt.Sprintf("%s (%s)", pct(p.bigFTP, .5).Round(time.Millisecond), mbps(o.bigMB, pct(p.bigFTP, .5)))
	})
	row(fmt.Sprintf("SFTP close of a %d MiB upload: fsync, rename, with a webhook the sha256 read back (median)", o.bigMB), func(p *phase) string {
		return ms(pct(p.bigCloseSFTP, .5))
	})
	fmt.Fprintln(&b)
	fmt.Fprintf(&b, "Events (receiver up): %d expected, %d received, each id once (%d POSTs in all, %d with a bad signature).\n", with.expected, with.gotAll, with.posts, with.badPosts)
	fmt.Fprintf(&b, "Delivered during the load: %d in %s, **%.0f events/s sustained**; the last came %s after the load ended.\n",
		with.delivered, with.elapsed.Round(time.Millisecond), float64(with.delivered)/with.elapsed.Seconds(), with.drain.Round(time.Millisecond))
	fmt.Fprintf(&b, "Delivery latency of the small uploads' events (the event's time, taken at the commit, to the receiver): **p50 %s, p99 %s**, max %s.\n",
		ms(pct(with.deliveryLat, .5)), ms(pct(with.deliveryLat, .99)), ms(pct(with.deliveryLat, 1)))
	return b.String()
}

func numCPU() int {
	data, _ := os.ReadFile("/proc/cpuinfo")
	return strings.Count(string(data), "processor\t:")
}

//go:build unix

// Command import measures `dossierd import` on a large directory: 50,000
// accounts, 5,000 sessions and 200,000 enrollments by default. It imports
// the generated file into a fresh directory (database and storage root in
// a temporary folder), imports the very same file again, then a copy with
// 1% of the accounts renamed, and reports for each run the wall time and
// the peak memory.
//
// Each run is a child process (this program started again with -run), so
// that its peak resident memory (getrusage's maxrss) is its own and the
// second import starts cold, as a scheduled `dossierd import` does.
//
//	go run ./bench/import                 # the sizes of the issue
//	go run ./bench/import -accounts 5000 -sessions 500 -enrollments 20000
//
// See README.md.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/dossierd/dossierd/auth"
	"github.com/dossierd/dossierd/names"
	"github.com/dossierd/dossierd/tmsimport"
	"github.com/dossierd/dossierd/vfs"
)

func main() {
	accounts := flag.Int("accounts", 50000, "accounts to generate")
	sessions := flag.Int("sessions", 5000, "sessions to generate")
	enrollments := flag.Int("enrollments", 200000, "enrollments to generate")
	dir := flag.String("dir", "", "work folder (default: a temporary folder, removed at the end)")
	run := flag.String("run", "", "internal: import FILE into -dir and print the measures as JSON")
	flag.Parse()

	if *run != "" {
		if err := child(*dir, *run); err != nil {
			fmt.Fprintln(os.Stderr, "import:", err)
			os.Exit(1)
		}
		return
	}
	if err := parent(*dir, *accounts, *sessions, *enrollments); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// measure is what a child reports.
type measure struct {
	Open, Read, Apply, Total time.Duration
	Lock                     time.Duration // of which the write lock was held
	MaxRSSKiB                int64
	PeakHeapMiB              float64
	AllocMiB                 float64
	GenBefore                int64
	GenAfter                 int64
	Summary                  string
}

func parent(dir string, nAccounts, nSessions, nEnrollments int) error {
	if dir == "" {
		tmp, err := os.MkdirTemp("", "dossierd-bench-import-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	fmt.Printf("generating %d accounts, %d sessions, %d enrollments in %s\n", nAccounts, nSessions, nEnrollments, dir)
	doc, err := generate(nAccounts, nSessions, nEnrollments)
	if err != nil {
		return err
	}
	file := filepath.Join(dir, "directory.json")
	size, err := writeJSON(file, doc)
	if err != nil {
		return err
	}
	// 1% of the accounts renamed: what a daily export usually brings.
	for i := 0; i < len(doc.Accounts); i += 100 {
		doc.Accounts[i].Name += " (modifié)"
	}
	changed := filepath.Join(dir, "directory-1pct.json")
	if _, err := writeJSON(changed, doc); err != nil {
		return err
	}
	fmt.Printf("import file: %.1f MiB; GOMAXPROCS %d, %s\n\n", float64(size)/(1<<20), runtime.GOMAXPROCS(0), runtime.Version())

	fmt.Printf("%-32s %8s %8s %9s %9s %9s %10s %10s %10s\n", "run", "open", "read", "apply", "(locked)", "total", "max RSS", "peak heap", "allocated")
	for _, r := range []struct{ name, file string }{
		{"first import (fresh directory)", file},
		{"same file again", file},
		{"1% of the accounts renamed", changed},
	} {
		m, err := runChild(dir, r.file)
		if err != nil {
			return fmt.Errorf("%s: %w", r.name, err)
		}
		fmt.Printf("%-32s %8s %8s %9s %9s %9s %7.0f MiB %6.0f MiB %6.0f MiB\n", r.name,
			m.Open.Round(time.Millisecond), m.Read.Round(time.Millisecond), m.Apply.Round(time.Millisecond),
			m.Lock.Round(time.Millisecond), m.Total.Round(time.Millisecond),
			float64(m.MaxRSSKiB)/1024, m.PeakHeapMiB, m.AllocMiB)
		fmt.Printf("    %s (generation %d -> %d)\n", m.Summary, m.GenBefore, m.GenAfter)
	}
	db, _ := os.Stat(filepath.Join(dir, "dossierd.db"))
	folders := 0
	filepath.WalkDir(filepath.Join(dir, "storage"), func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			folders++
		}
		return nil
	})
	if db != nil {
		fmt.Printf("\ndatabase %.1f MiB, %d folders in the storage root\n", float64(db.Size())/(1<<20), folders)
	}
	return nil
}

func runChild(dir, file string) (*measure, error) {
	cmd := exec.Command(os.Args[0], "-dir", dir, "-run", file)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, err
	}
	var m measure
	if err := json.Unmarshal(out, &m); err != nil {
		return nil, fmt.Errorf("child said %q: %w", out, err)
	}
	return &m, nil
}

// child imports file into dir as `dossierd import` does: same store
// options (the storage root as Layout, the default filename policy), same
// reader, same Apply.
func child(dir, file string) error {
	var peak atomic.Uint64
	stop := make(chan struct{})
	go func() {
		// runtime.MemStats has no peak: sample the heap in use.
		var ms runtime.MemStats
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()

	ctx := context.Background()
	start := time.Now()
	storage, err := vfs.OpenStorage(filepath.Join(dir, "storage"), "FTPDOSSIERPERSO", vfs.DefaultUmask)
	if err != nil {
		return err
	}
	defer storage.Close()
	store, err := auth.Open(filepath.Join(dir, "dossierd.db"), auth.Options{Layout: storage, CheckName: names.Default().Check})
	if err != nil {
		return err
	}
	defer store.Close()
	genBefore, err := store.Generation(ctx)
	if err != nil {
		return err
	}
	opened := time.Since(start)
	im, err := tmsimport.ReadJSONFile(file, nil)
	if err != nil {
		return err
	}
	read := time.Since(start)
	diff, err := im.Apply(ctx, store, auth.ApplyOptions{})
	if err != nil {
		return err
	}
	total := time.Since(start)
	genAfter, err := store.Generation(ctx)
	if err != nil {
		return err
	}
	close(stop)

	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return err
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return json.NewEncoder(os.Stdout).Encode(measure{
		Open: opened, Read: read - opened, Apply: total - read, Total: total, Lock: diff.Locked,
		MaxRSSKiB:   maxRSSKiB(ru),
		PeakHeapMiB: float64(peak.Load()) / (1 << 20),
		AllocMiB:    float64(ms.TotalAlloc) / (1 << 20),
		GenBefore:   genBefore, GenAfter: genAfter,
		Summary: tmsimport.Summary(diff, false),
	})
}

// maxRSSKiB: Linux reports ru_maxrss in KiB, macOS in bytes.
func maxRSSKiB(ru syscall.Rusage) int64 {
	if runtime.GOOS == "darwin" {
		return int64(ru.Maxrss) / 1024
	}
	return int64(ru.Maxrss)
}

type account struct {
	Login        string `json:"login"`
	Role         string `json:"role"`
	Ref          string `json:"ref"`
	Name         string `json:"name"`
	PasswordHash string `json:"password_hash,omitempty"`
}

type session struct {
	Code     string `json:"code"`
	Title    string `json:"title"`
	StartsOn string `json:"starts_on"`
	EndsOn   string `json:"ends_on"`
	Folder   string `json:"folder"`
}

type enrollment struct {
	Session string `json:"session"`
	Role    string `json:"role"`
	Ref     string `json:"ref"`
}

type document struct {
	Accounts    []account    `json:"accounts"`
	Sessions    []session    `json:"sessions"`
	Enrollments []enrollment `json:"enrollments"`
}

// generate makes a directory shaped like a training centre's: 10% clients,
// 2% trainers, a few staff, the rest trainees; each session has one
// trainer, a client or two and trainees. Passwords are a handful of
// precomputed argon2id hashes: the benchmark measures the import, not
// argon2 (which Apply only runs for plain-text passwords that changed).
func generate(nAccounts, nSessions, nEnrollments int) (*document, error) {
	var hashes []string
	for i := range 4 {
		h, err := auth.HashPassword(fmt.Sprintf("bench-password-%d", i))
		if err != nil {
			return nil, err
		}
		hashes = append(hashes, h)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	first := []string{"Hélène", "François", "Jeanne", "Loïc", "Zoé", "Noël", "Anaïs", "Jérôme", "Cécile", "Gaëlle"}
	last := []string{"Lefèvre", "Garçon", "Dupont", "Bénard", "Müller", "Pérez", "Duval", "Le Goff", "N'Diaye", "Martin"}
	doc := &document{}
	var clients, trainers, trainees []string
	nClients, nTrainers, nStaff := max(1, nAccounts/10), max(1, nAccounts/50), min(10, nAccounts/100)
	for i := range nAccounts {
		a := account{Login: fmt.Sprintf("u%06d", i), PasswordHash: hashes[i%len(hashes)]}
		switch {
		case i < nStaff:
			a.Role, a.Name = "staff", fmt.Sprintf("Back office %d", i)
		case i < nStaff+nClients:
			a.Role, a.Ref, a.Name = "client", fmt.Sprintf("C%06d", i), fmt.Sprintf("Société %s & Fils n°%d", last[i%len(last)], i)
			clients = append(clients, a.Ref)
		case i < nStaff+nClients+nTrainers:
			a.Role, a.Ref = "trainer", fmt.Sprintf("F%06d", i)
			trainers = append(trainers, a.Ref)
		default:
			a.Role, a.Ref = "trainee", fmt.Sprintf("T%06d", i)
			trainees = append(trainees, a.Ref)
		}
		if a.Name == "" {
			a.Name = first[rng.IntN(len(first))] + " " + last[rng.IntN(len(last))]
		}
		doc.Accounts = append(doc.Accounts, a)
	}
	for i := range nSessions {
		code := fmt.Sprintf("S2026-%05d", i)
		day := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i%300)
		doc.Sessions = append(doc.Sessions, session{
			Code: code, Title: fmt.Sprintf("Sécurité incendie, niveau %d", i%3+1),
			StartsOn: day.Format("2006-01-02"), EndsOn: day.AddDate(0, 0, 2).Format("2006-01-02"),
			Folder: code + " Securite incendie",
		})
	}
	per := nEnrollments / max(1, nSessions)
	extra := nEnrollments - per*nSessions
	for i, s := range doc.Sessions {
		n := per
		if i < extra {
			n++
		}
		seen := map[string]bool{}
		add := func(role, ref string) bool {
			if seen[role+ref] {
				return false
			}
			seen[role+ref] = true
			doc.Enrollments = append(doc.Enrollments, enrollment{s.Code, role, ref})
			return true
		}
		if n > 0 && add("trainer", trainers[rng.IntN(len(trainers))]) {
			n--
		}
		for n > 0 && len(seen) < 3 {
			if add("client", clients[rng.IntN(len(clients))]) {
				n--
			}
		}
		for n > 0 {
			if add("trainee", trainees[rng.IntN(len(trainees))]) {
				n--
			}
		}
	}
	return doc, nil
}

func writeJSON(path string, doc *document) (int64, error) {
	data, err := json.MarshalIndent(doc, "", " ")
	if err != nil {
		return 0, err
	}
	if !strings.HasSuffix(path, ".json") {
		return 0, fmt.Errorf("%s: not a .json file", path)
	}
	return int64(len(data)), os.WriteFile(path, data, 0o600)
}

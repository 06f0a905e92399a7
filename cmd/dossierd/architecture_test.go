package main

import (
	"bufio"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// TestImportsPointDown keeps ARCHITECTURE.md's list of packages true:
// each package of the list imports only packages below it. A package of
// the module missing from the list fails too, so a new one is placed.
func TestImportsPointDown(t *testing.T) {
	const module = "github.com/dossierd/dossierd/"
	f, err := os.Open("../../ARCHITECTURE.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rank := map[string]int{}
	entry := regexp.MustCompile(`^([a-z][a-z/]*)\s{2,}`)
	in := false
	for sc := bufio.NewScanner(f); sc.Scan(); {
		line := sc.Text()
		if line == "```" {
			if in {
				break
			}
			in = true
			continue
		}
		if m := entry.FindStringSubmatch(line); in && m != nil {
			rank[m[1]] = len(rank)
		}
	}
	if len(rank) < 20 {
		t.Fatalf("read %d packages from ARCHITECTURE.md: the list's shape changed", len(rank))
	}
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`, "../../...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg := strings.TrimPrefix(fields[0], module)
		// Outside the list by design: benchmarks, the interop suite, and
		// the helpers of tests (a package's own sub-package).
		if strings.HasPrefix(pkg, "bench") || pkg == "interop" || strings.Contains(pkg, "/") && pkg != "cmd/dossierd" {
			continue
		}
		r, ok := rank[pkg]
		if !ok {
			t.Errorf("package %s is not in ARCHITECTURE.md's list", pkg)
			continue
		}
		for _, imp := range fields[1:] {
			dep, ours := strings.CutPrefix(imp, module)
			if !ours {
				continue
			}
			if d, listed := rank[dep]; listed && d <= r {
				t.Errorf("%s imports %s, which the list puts above it", pkg, dep)
			}
		}
	}
}

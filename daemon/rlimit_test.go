package daemon

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"syscall"
	"testing"
)

func openFiles(t *testing.T) syscall.Rlimit {
	t.Helper()
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	return lim
}

// The soft limit is raised to the hard limit, the hard limit is left
// alone, a limit already at the top is not lowered, and the figures are
// logged.
func TestRaiseOpenFilesNeverLowers(t *testing.T) {
	orig := openFiles(t)
	t.Cleanup(func() { syscall.Setrlimit(syscall.RLIMIT_NOFILE, &orig) })
	if orig.Max < 2 {
		t.Skipf("hard limit %d", orig.Max)
	}
	// Below the hard limit, as a service manager would start the daemon.
	low := orig
	low.Cur = orig.Max - 1
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &low); err != nil {
		t.Fatal(err)
	}

	for _, step := range []string{"raised", "already at the hard limit"} {
		var out bytes.Buffer
		raiseOpenFiles(slog.New(slog.NewTextHandler(&out, nil)))
		got := openFiles(t)
		if got.Cur != orig.Max || got.Max != orig.Max {
			t.Fatalf("%s: limit soft %d hard %d, want both %d", step, got.Cur, got.Max, orig.Max)
		}
		hard := fmt.Sprint(orig.Max)
		if lines := strings.Split(strings.TrimSpace(out.String()), "\n"); len(lines) != 1 ||
			!strings.Contains(lines[0], `msg="file descriptors" soft=`+hard+" hard="+hard) {
			t.Errorf("%s: logged %q, want one line with the figures", step, out.String())
		}
	}
}

package interop

import (
	"context"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dossierd/dossierd/scenario"
)

// rcloneCLI runs rclone with an sftp remote "doss" defined by environment
// variables only (no config file), logged in as one account.
type rcloneCLI struct {
	t   *testing.T
	ctx context.Context
	env []string
}

func newRclone(t *testing.T, env *scenario.Env, login string) *rcloneCLI {
	return newRcloneRemote(t, env.SFTPAddr(), login, env.Passwords[login], "DOSS", "sftp",
		// No shell behind this server: rclone must not try commands.
		"SHELL_TYPE=none", "MD5SUM_COMMAND=none", "SHA1SUM_COMMAND=none")
}

// newRcloneRemote defines the remote NAME (upper case) of TYPE at addr,
// logged in as one account, with extra "KEY=value" options, through
// environment variables only.
func newRcloneRemote(t *testing.T, addr, login, password, name, typ string, extra ...string) *rcloneCLI {
	t.Helper()
	needTools(t, "rclone")
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	r := &rcloneCLI{t: t, ctx: ctx}
	obscured, err := r.run("obscure", password)
	if err != nil {
		t.Fatalf("rclone obscure: %v\n%s", err, obscured)
	}
	cache := t.TempDir()
	prefix := "RCLONE_CONFIG_" + name + "_"
	r.env = append(os.Environ(),
		prefix+"TYPE="+typ,
		prefix+"HOST="+host,
		prefix+"PORT="+port,
		prefix+"USER="+login,
		prefix+"PASS="+strings.TrimSpace(obscured),
		"RCLONE_CACHE_DIR="+cache,
		"XDG_CACHE_HOME="+cache,
	)
	for _, kv := range extra {
		r.env = append(r.env, prefix+kv)
	}
	return r
}

// run runs rclone with the remote's environment; out is stdout and stderr
// together.
func (r *rcloneCLI) run(args ...string) (string, error) {
	r.t.Helper()
	cmd := r.command(args...)
	out, err := cmd.CombinedOutput()
	if r.ctx.Err() != nil {
		r.t.Fatalf("rclone %q timed out:\n%s", args, out)
	}
	return string(out), err
}

// command prepares an rclone run bounded by the test's deadline; options
// given later in args win over the defaults here.
func (r *rcloneCLI) command(args ...string) *exec.Cmd {
	args = append([]string{"--config", "/dev/null", "--retries", "1", "--low-level-retries", "1",
		"--contimeout", "10s", "--timeout", "30s"}, args...)
	cmd := exec.CommandContext(r.ctx, "rclone", args...)
	cmd.Env = r.env
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

func (r *rcloneCLI) mustRun(args ...string) string {
	r.t.Helper()
	out, err := r.run(args...)
	if err != nil {
		r.t.Fatalf("rclone %q: %v\n%s", args, err, out)
	}
	if strings.Contains(out, "ERROR") {
		r.t.Errorf("rclone %q logged errors:\n%s", args, out)
	}
	return out
}

// tree reads every regular file under dir: relative path -> sha256, and
// relative path -> mtime.
func tree(t testing.TB, dir string) (map[string]string, map[string]time.Time) {
	t.Helper()
	sums, mtimes := map[string]string{}, map[string]time.Time{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		sums[rel] = fileSum(t, p)
		fi, err := d.Info()
		if err != nil {
			return err
		}
		mtimes[rel] = fi.ModTime()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return sums, mtimes
}

// sameTree compares two trees by content and, at SFTP's one-second
// precision, by mtime.
func sameTree(t testing.TB, what string, got, want string) {
	t.Helper()
	gs, gm := tree(t, got)
	ws, wm := tree(t, want)
	gk, wk := keys(gs), keys(ws)
	if !slices.Equal(gk, wk) {
		t.Errorf("%s: files %q, want %q", what, gk, wk)
	}
	for k, w := range ws {
		if g, ok := gs[k]; ok && g != w {
			t.Errorf("%s: %s: sha256 %s, want %s", what, k, g, w)
		}
		if g, ok := gm[k]; ok && !g.Truncate(time.Second).Equal(wm[k].Truncate(time.Second)) {
			t.Errorf("%s: %s: mtime %s, want %s", what, k, g, wm[k])
		}
	}
}

func keys(m map[string]string) []string {
	k := make([]string, 0, len(m))
	for n := range m {
		k = append(k, n)
	}
	slices.Sort(k)
	return k
}

var copiedRE = regexp.MustCompile(`(?m): Copied \(`)

// syncUpTwice syncs src up to remote: the first sync copies all 20 files,
// which land intact at disk with their mtimes; the second has nothing to
// transfer (sizes and mtimes match); rclone check compares the content
// byte for byte.
func syncUpTwice(t *testing.T, r *rcloneCLI, env *scenario.Env, src, remote, disk string) {
	t.Helper()
	out := r.mustRun("sync", src, remote, "-v", "--stats", "0")
	if n := len(copiedRE.FindAllString(out, -1)); n != 20 {
		t.Errorf("first sync copied %d files, want 20:\n%s", n, out)
	}
	sameTree(t, "on disk after the first sync", disk, src)
	noTemp(t, env)
	out = r.mustRun("sync", src, remote, "-v", "--stats", "0")
	if copiedRE.MatchString(out) || !strings.Contains(out, "There was nothing to transfer") {
		t.Errorf("second sync transferred again (mtimes or sizes differ?):\n%s", out)
	}
	r.mustRun("check", src, remote, "--download")
}

func TestRcloneSync(t *testing.T) {
	t.Parallel()
	needTools(t, "rclone")
	env := scenario.Start(t, nil)
	r := newRclone(t, env, "acme")
	const remote = "doss:Mes documents/sync"
	disk := env.Disk(acmeDir + "/sync")

	// 20 files, from empty to 300 KiB, two levels, with mtimes in the past
	// at whole seconds, so that a lost mtime shows as a second transfer.
	src := t.TempDir()
	base := time.Date(2025, 9, 1, 8, 30, 0, 0, time.UTC)
	writeTree(t, src, "Document", 20, base)

	syncUpTwice(t, r, env, src, remote, disk)

	// A change and a deletion: exactly those are synced.
	changed := filepath.Join(src, "Document 03.pdf")
	if err := os.WriteFile(changed, randomBytes(t, 12345), 0o644); err != nil {
		t.Fatal(err)
	}
	mt := base.Add(-time.Hour)
	if err := os.Chtimes(changed, mt, mt); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(src, "Document 07.pdf")); err != nil {
		t.Fatal(err)
	}
	out := r.mustRun("sync", src, remote, "-v", "--stats", "0")
	if n := len(copiedRE.FindAllString(out, -1)); n != 1 || !strings.Contains(out, "Document 03.pdf: Copied (replaced existing)") {
		t.Errorf("third sync: want Document 03.pdf replaced and nothing else copied:\n%s", out)
	}
	if !strings.Contains(out, "Document 07.pdf: Deleted") {
		t.Errorf("third sync: want Document 07.pdf deleted:\n%s", out)
	}
	sameTree(t, "on disk after the third sync", disk, src)

	// Down again into an empty folder: the same files, the same bytes,
	// the same mtimes.
	dst := t.TempDir()
	out = r.mustRun("sync", remote, dst, "-v", "--stats", "0")
	if n := len(copiedRE.FindAllString(out, -1)); n != 19 {
		t.Errorf("sync down copied %d files, want 19:\n%s", n, out)
	}
	sameTree(t, "downloaded", dst, src)
	noTemp(t, env)
}

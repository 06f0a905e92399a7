package interop

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dossierd/dossierd/config"
	"github.com/dossierd/dossierd/scenario"
)

// The real FTP clients, over explicit TLS: curl (what the TMS's scripts
// use), lftp (mirror, both ways) and rclone's FTP backend.

const sstDocsDir = "sessions/S2026-014/clients/C0042" // acme's sst+"/Documents" on disk

func TestFTPCurlUploadDownload(t *testing.T) {
	t.Parallel()
	c := startFTPCLI(t, "curl")
	env := c.env

	// Upload into a folder (the local name is kept), download it back.
	data := randomBytes(t, 1<<20+4321)
	src := c.local("Rapport FTP 2026.pdf", data)
	c.mustCurl("acme", "-T", src, c.url(mine+"/"))
	if got := fileSum(t, env.Disk(acmeDir+"/Rapport FTP 2026.pdf")); got != sum(data) {
		t.Errorf("uploaded file on disk: sha256 %s, want %s", got, sum(data))
	}
	back := filepath.Join(c.dir, "back.pdf")
	c.mustCurl("acme", "-o", back, c.url(mine+"/Rapport FTP 2026.pdf"))
	if got := fileSum(t, back); got != sum(data) {
		t.Errorf("downloaded back: sha256 %s, want %s", got, sum(data))
	}

	// Overwrite under an explicit name.
	newer := randomBytes(t, 70000)
	c.mustCurl("acme", "-T", c.local("v2.pdf", newer), c.url(mine+"/Rapport FTP 2026.pdf"))
	if got := fileSum(t, env.Disk(acmeDir+"/Rapport FTP 2026.pdf")); got != sum(newer) {
		t.Errorf("overwritten file on disk: sha256 %s, want %s", got, sum(newer))
	}

	// Session documents, whichever mount, identical to the files on disk.
	for _, tc := range []struct{ login, vpath, disk string }{
		{"acme", sst + "/Documents/Convention ACME S2026-014.pdf", sstDocsDir + "/Convention ACME S2026-014.pdf"},
		{"acme", sst + "/Commun/Programme SST.pdf", "sessions/S2026-014/commun-clients/Programme SST.pdf"},
		{"jdupont", sst + "/Documents/Convocation Jeanne Dupont.pdf", "sessions/S2026-014/stagiaires/T0107/Convocation Jeanne Dupont.pdf"},
		{"fmartin", sst + "/Documents/Planning formateur.pdf", "sessions/S2026-014/intervenants/F0003/Planning formateur.pdf"},
		{"acme", "/FTPDOSSIERPERSO/Reglement interieur.pdf", "FTPDOSSIERPERSO/Reglement interieur.pdf"},
	} {
		dst := filepath.Join(c.dir, "get-"+tc.login+"-"+filepath.Base(tc.disk))
		c.mustCurl(tc.login, "-o", dst, c.url(tc.vpath))
		if got, want := fileSum(t, dst), fileSum(t, env.Disk(tc.disk)); got != want {
			t.Errorf("%s: %s: sha256 %s, file on disk %s", tc.login, tc.vpath, got, want)
		}
	}

	// The listing shows the upload with its exact size, and no temporary
	// file.
	out := c.mustCurl("acme", c.url(mine+"/"))
	if !regexp.MustCompile(`(?m)^-\S+\s+\d+\s+\S+\s+\S+\s+70000 .* Rapport FTP 2026\.pdf$`).MatchString(out) {
		t.Errorf("LIST %s lacks Rapport FTP 2026.pdf with 70000 bytes:\n%s", mine, out)
	}
	if strings.Contains(out, tempPrefix) {
		t.Errorf("LIST shows a temporary file:\n%s", out)
	}
	noTemp(t, env)
}

func TestFTPCurlRefusedName(t *testing.T) {
	t.Parallel()
	c := startFTPCLI(t, "curl")
	env := c.env
	src := c.local("src.pdf", []byte("%PDF-1.4 refused\n"))
	before := onDisk(t, env)

	out, err := c.curl("acme", "-v", "-T", src, c.url(mine+"/Hélène.pdf"))
	var ee *exec.ExitError
	if err == nil {
		t.Fatalf("curl uploaded Hélène.pdf:\n%s", out)
	} else if !errors.As(err, &ee) || ee.ExitCode() != 25 {
		t.Errorf("curl: %v, want exit status 25 (upload failed)", err)
	}
	// The sentence users read: the offending character and a safe name.
	want := `< 553 impossible d'envoyer "/Mes documents/Hélène.pdf" : nom "Hélène.pdf" refusé : le caractère "é" n'est pas autorisé (utilisez des lettres sans accent, des chiffres, des espaces et - _ . ( )) ; essayez "Helene.pdf"`
	if !strings.Contains(out, want) {
		t.Errorf("curl's verbose output lacks the line\n%s\n---\n%s", want, out)
	}
	mustNotExist(t, env, acmeDir+"/Hélène.pdf")
	if after := onDisk(t, env); !slices.Equal(after, before) {
		t.Errorf("files on disk changed by a refused upload:\nbefore: %q\nafter:  %q", before, after)
	}

	// A read-only folder says so.
	out, err = c.curl("acme", "-v", "-T", src, c.url(sst+"/Documents/Bon.pdf"))
	if err == nil || !strings.Contains(out, "< 550 ") || !strings.Contains(out, "dossier en lecture seule") {
		t.Errorf("upload into a read-only mount: %v, want a 550 saying read-only:\n%s", err, out)
	}
	mustNotExist(t, env, sstDocsDir+"/Bon.pdf")
}

// transferredRE matches what lftp's mirror -v prints per file it sends.
var transferredRE = regexp.MustCompile("(?m)^Transferring file `")

func TestFTPLftpMirror(t *testing.T) {
	t.Parallel()
	c := startFTPCLI(t, "lftp")
	env := c.env
	// acme's session documents: the demo's, and 20 more put there on disk
	// by the TMS, with past mtimes.
	names := writeTree(t, env.Disk(sstDocsDir), "Attestation", 20, time.Date(2025, 10, 6, 9, 15, 0, 0, time.UTC))
	remote := sst + "/Documents"
	dst := filepath.Join(c.dir, "mirror")

	out := c.mustLftp("acme", "mirror -v "+lftpQ(remote)+" "+lftpQ(dst))
	if n := len(transferredRE.FindAllString(out, -1)); n != len(names)+1 {
		t.Errorf("first mirror transferred %d files, want %d:\n%s", n, len(names)+1, out)
	}
	// Same files, same bytes, and the server's mtimes on the local copies.
	sameTree(t, "after the first mirror", dst, env.Disk(sstDocsDir))
	_, local := tree(t, dst)
	_, server := tree(t, env.Disk(sstDocsDir))
	for _, n := range names { // whole seconds on the server: equal, not just close
		if !local[n].Equal(server[n]) {
			t.Errorf("%s: local mtime %s, server's %s", n, local[n], server[n])
		}
	}

	// Second mirror: nothing to do, by lftp's own account.
	out = c.mustLftp("acme", "mirror -v "+lftpQ(remote)+" "+lftpQ(dst))
	if transferredRE.MatchString(out) {
		t.Errorf("second mirror transferred files again (sizes or mtimes differ?):\n%s", out)
	}
	out = c.mustLftp("acme", "mirror --dry-run "+lftpQ(remote)+" "+lftpQ(dst))
	if strings.Contains(out, "get ") {
		t.Errorf("second mirror --dry-run would get files:\n%s", out)
	}
	sameTree(t, "after the second mirror", dst, env.Disk(sstDocsDir))
}

func TestFTPLftpMirrorReverse(t *testing.T) {
	t.Parallel()
	c := startFTPCLI(t, "lftp")
	env := c.env
	src := filepath.Join(c.dir, "up")
	names := writeTree(t, src, "Feuille", 20, time.Date(2024, 2, 3, 4, 5, 6, 0, time.UTC))
	remote := mine + "/up"
	disk := env.Disk(acmeDir + "/up")

	out := c.mustLftp("acme", "mirror -R -v "+lftpQ(src)+" "+lftpQ(remote))
	if n := len(transferredRE.FindAllString(out, -1)); n != len(names) {
		t.Errorf("mirror -R transferred %d files, want %d:\n%s", n, len(names), out)
	}
	// On disk: the same bytes, and the local mtimes (set with MFMT).
	sameTree(t, "on disk after mirror -R", disk, src)
	_, server := tree(t, disk)
	_, local := tree(t, src)
	for _, n := range names {
		if !server[n].Equal(local[n]) {
			t.Errorf("%s: mtime on the server %s, local %s", n, server[n], local[n])
		}
	}
	noTemp(t, env)

	out = c.mustLftp("acme", "mirror -R -v "+lftpQ(src)+" "+lftpQ(remote))
	if transferredRE.MatchString(out) {
		t.Errorf("second mirror -R transferred files again:\n%s", out)
	}
	out = c.mustLftp("acme", "mirror -R --dry-run "+lftpQ(src)+" "+lftpQ(remote))
	if strings.Contains(out, "put ") {
		t.Errorf("second mirror -R --dry-run would put files:\n%s", out)
	}
	sameTree(t, "on disk after the second mirror -R", disk, src)
}

func TestFTPRcloneSync(t *testing.T) {
	t.Parallel()
	needTools(t, "rclone")
	c := startFTPCLI(t)
	env := c.env
	r := newRcloneFTP(t, env, "acme")
	const remote = "dossftp:Mes documents/sync"
	disk := env.Disk(acmeDir + "/sync")
	src := filepath.Join(c.dir, "src")
	writeTree(t, src, "Document", 20, time.Date(2025, 9, 1, 8, 30, 0, 0, time.UTC))

	// Up: everything, with the mtimes.
	syncUpTwice(t, r, env, src, remote, disk)

	// Down into an empty folder, then again: nothing.
	dst := filepath.Join(c.dir, "dst")
	out := r.mustRun("sync", remote, dst, "-v", "--stats", "0")
	if n := len(copiedRE.FindAllString(out, -1)); n != 20 {
		t.Errorf("sync down copied %d files, want 20:\n%s", n, out)
	}
	sameTree(t, "downloaded", dst, src)
	out = r.mustRun("sync", remote, dst, "-v", "--stats", "0")
	if copiedRE.MatchString(out) || !strings.Contains(out, "There was nothing to transfer") {
		t.Errorf("second sync down transferred again:\n%s", out)
	}
	sameTree(t, "downloaded, after the second sync", dst, src)
}

// An FTPS upload whose client is killed mid-transfer: nothing partial is
// ever visible, the previous version stays.
func TestFTPUploadKilled(t *testing.T) {
	t.Parallel()
	c := startFTPCLI(t, "curl")
	env := c.env
	v1 := randomBytes(t, 12345)
	c.mustCurl("acme", "-T", c.local("v1.bin", v1), c.url(mine+"/Gros fichier.bin"))
	big := c.local("big.bin", randomBytes(t, 64<<20))

	cmd := c.command("curl", c.curlArgs("acme", "--limit-rate", "2M", "-T", big, c.url(mine+"/Gros fichier.bin"))...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waited := false
	defer func() {
		if !waited {
			cmd.Process.Kill()
			cmd.Wait()
		}
	}()
	// Under way: the temporary file grows, the listing and SIZE still
	// show the previous version.
	if !eventually(func() bool { return tempSize(t, env, acmeDir) > 0 }) {
		t.Fatal("the upload did not start")
	}
	time.Sleep(time.Second)
	checkV1 := func(when string) {
		t.Helper()
		out := c.mustCurl("acme", "-l", c.url(mine+"/"))
		if strings.Contains(out, tempPrefix) || !strings.Contains(out, "Gros fichier.bin") {
			t.Errorf("%s: NLST %s:\n%s", when, mine, out)
		}
		out = c.mustCurl("acme", "-I", c.url(mine+"/Gros fichier.bin"))
		if !strings.Contains(out, "Content-Length: "+strconv.Itoa(len(v1))) {
			t.Errorf("%s: SIZE of the file: %q, want the previous version's %d", when, out, len(v1))
		}
		if got := fileSum(t, env.Disk(acmeDir+"/Gros fichier.bin")); got != sum(v1) {
			t.Errorf("%s: the file on disk is not the previous version", when)
		}
	}
	checkV1("during the upload")

	if err := cmd.Process.Kill(); err != nil { // SIGKILL, by pid
		t.Fatal(err)
	}
	cmd.Wait()
	waited = true
	// The server sees the data connection end without TLS close_notify
	// and discards the upload.
	if !eventually(func() bool { return tempSize(t, env, acmeDir) < 0 }) {
		t.Errorf("the killed upload's temporary file is still on disk")
	}
	checkV1("after kill -9")
	noTemp(t, env)
}

// REST: curl -C - resumes a download where the local file ends, and an
// upload where the server's file ends (SIZE, then APPE).
func TestFTPCurlResume(t *testing.T) {
	t.Parallel()
	c := startFTPCLI(t, "curl")
	env := c.env
	data := randomBytes(t, 3<<20+777)
	if err := os.WriteFile(env.Disk(acmeDir+"/Resume.bin"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	part := c.local("Resume.bin", data[:1<<20+5])
	out := c.mustCurl("acme", "-v", "-C", "-", "-o", part, c.url(mine+"/Resume.bin"))
	if !strings.Contains(out, "> REST "+strconv.Itoa(1<<20+5)) {
		t.Errorf("curl did not resume with REST:\n%s", out)
	}
	if got := fileSum(t, part); got != sum(data) {
		t.Errorf("resumed download: sha256 %s, want %s", got, sum(data))
	}

	// Upload resume: the server has the first part.
	if err := os.WriteFile(env.Disk(acmeDir+"/Up.bin"), data[:1000000], 0o644); err != nil {
		t.Fatal(err)
	}
	c.mustCurl("acme", "-C", "-", "-T", c.local("full.bin", data), c.url(mine+"/Up.bin"))
	if got := fileSum(t, env.Disk(acmeDir+"/Up.bin")); got != sum(data) {
		t.Errorf("resumed upload: sha256 %s, want %s", got, sum(data))
	}
	noTemp(t, env)
}

// Helpers of the FTP tests.

// ftpCLI runs the real FTP clients (curl, lftp) against one daemon, over
// explicit TLS (AUTH TLS, PROT P) as the README tells users to. The
// server's certificate is the self-signed one generated at start, hence
// -k / ssl:verify-certificate no.
type ftpCLI struct {
	t    *testing.T
	env  *scenario.Env
	ctx  context.Context
	host string
	port string
	dir  string // scratch folder for local files
	home string // HOME of the clients: nothing read from or written to the real one
}

func startFTPCLI(t *testing.T, tools ...string) *ftpCLI {
	t.Helper()
	return startFTPCLIWith(t, nil, tools...)
}

// startFTPCLIWith is startFTPCLI on a daemon whose configuration mutate
// adjusts.
func startFTPCLIWith(t *testing.T, mutate func(*config.Config), tools ...string) *ftpCLI {
	t.Helper()
	needTools(t, tools...)
	env := scenario.Start(t, mutate)
	host, port, err := net.SplitHostPort(env.FTPAddr())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return &ftpCLI{t: t, env: env, ctx: ctx, host: host, port: port, dir: t.TempDir(), home: t.TempDir()}
}

// url is the ftp:// URL of a virtual path (each segment escaped: spaces,
// accents). A trailing slash names a folder, as curl wants for listings
// and for uploads that keep the local name.
func (c *ftpCLI) url(vpath string) string {
	segs := strings.Split(strings.TrimPrefix(vpath, "/"), "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return "ftp://" + net.JoinHostPort(c.host, c.port) + "/" + strings.Join(segs, "/")
}

// command prepares a client process bounded by the test's deadline.
func (c *ftpCLI) command(name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(c.ctx, name, args...)
	cmd.Env = append(os.Environ(), "HOME="+c.home, "XDG_CONFIG_HOME="+c.home, "XDG_DATA_HOME="+c.home, "XDG_CACHE_HOME="+c.home)
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// curlArgs are the options of every curl run: explicit TLS required on
// the control and data connections, logged in as login.
func (c *ftpCLI) curlArgs(login string, args ...string) []string {
	return append([]string{"--ssl-reqd", "-k", "-sS", "--connect-timeout", "10",
		"--user", login + ":" + c.env.Passwords[login]}, args...)
}

// curl runs curl; out is stdout and stderr together.
func (c *ftpCLI) curl(login string, args ...string) (string, error) {
	c.t.Helper()
	cmd := c.command("curl", c.curlArgs(login, args...)...)
	out, err := cmd.CombinedOutput()
	if c.ctx.Err() != nil {
		c.t.Fatalf("curl %q timed out:\n%s", args, out)
	}
	return string(out), err
}

func (c *ftpCLI) mustCurl(login string, args ...string) string {
	c.t.Helper()
	out, err := c.curl(login, args...)
	if err != nil {
		c.t.Fatalf("curl as %s %q: %v\n%s", login, args, err, out)
	}
	return out
}

// lftp runs lftp commands after logging in over explicit TLS; a failing
// command makes lftp exit non-zero (cmd:fail-exit).
func (c *ftpCLI) lftp(login string, cmds ...string) (string, error) {
	c.t.Helper()
	return c.lftpAt("ftp://"+net.JoinHostPort(c.host, c.port), login, append([]string{
		"set ftp:ssl-force true",
		"set ftp:ssl-protect-data true",
		"set ssl:verify-certificate no",
	}, cmds...)...)
}

// lftpAt runs lftp against the server at url, logged in as login: setup
// commands first (set ...), then the rest once connected.
func (c *ftpCLI) lftpAt(url, login string, cmds ...string) (string, error) {
	c.t.Helper()
	var setup, rest []string
	for _, cmd := range cmds {
		if strings.HasPrefix(cmd, "set ") && len(rest) == 0 {
			setup = append(setup, cmd)
		} else {
			rest = append(rest, cmd)
		}
	}
	script := strings.Join(append(append(append([]string{
		"set cmd:fail-exit true",
		"set net:max-retries 1",
		"set net:timeout 10",
		"set net:reconnect-interval-base 1",
	}, setup...), "open -u "+lftpQ(login+","+c.env.Passwords[login])+" "+lftpQ(url)), rest...), "; ")
	cmd := c.command("lftp", "-c", script)
	out, err := cmd.CombinedOutput()
	if c.ctx.Err() != nil {
		c.t.Fatalf("lftp %q timed out:\n%s", cmds, out)
	}
	return string(out), err
}

func (c *ftpCLI) mustLftp(login string, cmds ...string) string {
	c.t.Helper()
	out, err := c.lftp(login, cmds...)
	if err != nil {
		c.t.Fatalf("lftp as %s %q: %v\n%s", login, cmds, err, out)
	}
	return out
}

// lftpQ quotes an argument for lftp's command parser.
func lftpQ(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// local writes a file in the scratch folder and returns its path.
func (c *ftpCLI) local(name string, data []byte) string {
	c.t.Helper()
	p := filepath.Join(c.dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		c.t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		c.t.Fatal(err)
	}
	return p
}

// newRcloneFTP is newRclone with an FTP remote "dossftp" over explicit
// TLS.
func newRcloneFTP(t *testing.T, env *scenario.Env, login string) *rcloneCLI {
	return newRcloneRemote(t, env.FTPAddr(), login, env.Passwords[login], "DOSSFTP", "ftp",
		"EXPLICIT_TLS=true", "NO_CHECK_CERTIFICATE=true")
}

// writeTree writes n files under dir (two levels, sizes from empty to a
// few hundred KiB) with distinct mtimes in the past at whole seconds, so
// that a lost or rounded mtime shows as a second transfer. It returns the
// relative paths.
func writeTree(t testing.TB, dir, prefix string, n int, base time.Time) []string {
	t.Helper()
	var names []string
	for i := range n {
		name := fmt.Sprintf("%s %02d.pdf", prefix, i)
		if i >= n-4 {
			name = "Annexes/" + name
		}
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		size := []int{0, 1, 100, 4096, 65537, 300 << 10}[i%6] + i
		if i == 0 {
			size = 0
		}
		if err := os.WriteFile(p, randomBytes(t, size), 0o644); err != nil {
			t.Fatal(err)
		}
		mt := base.Add(time.Duration(i) * 37 * time.Hour)
		if err := os.Chtimes(p, mt, mt); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	return names
}

// tempSize is the size of the upload's temporary file in a storage
// folder, or -1 when there is none.
func tempSize(t testing.TB, env *scenario.Env, rel string) int64 {
	t.Helper()
	entries, err := os.ReadDir(env.Disk(rel))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), tempPrefix) {
			if fi, err := e.Info(); err == nil {
				return fi.Size()
			}
		}
	}
	return -1
}

// eventually polls cond for up to 10 s.
func eventually(cond func() bool) bool {
	for range 200 {
		if cond() {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}

// libraryWords are what ftpserverlib's own replies said before our fork
// (third_party/ftpserverlib): none may reach a user.
var libraryWords = []string{"driver error", "calling ", "Could not access", "Whatever", "Sure,"}

// TestFTPRefusalsInRealClients: every refusal reaches curl and lftp as
// our sentence, with the code they report as an error, and none of the
// library's words.
func TestFTPRefusalsInRealClients(t *testing.T) {
	t.Parallel()
	c := startFTPCLI(t, "curl", "lftp")
	env := c.env
	if err := os.MkdirAll(env.Disk(acmeDir+"/Plein"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(env.Disk(acmeDir+"/Plein/a.pdf"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	src := c.local("src.pdf", []byte("%PDF-1.4 refused\n"))
	dst := filepath.Join(c.dir, "got.pdf")
	docs := sst + "/Documents"
	facture := mine + "/Facture F2026-0042.pdf"
	before := onDisk(t, env)
	for _, tc := range []struct {
		what string
		curl []string // curl's arguments after the common ones
		lftp string
		code string
		want string
	}{
		{"STOR of a refused name", []string{"-T", src, c.url(mine + "/Hélène.pdf")},
			"put " + lftpQ(src) + " -o " + lftpQ(mine+"/Hélène.pdf"), "553", `refusé : le caractère "é" n'est pas autorisé`},
		{"STOR into a read-only folder", []string{"-T", src, c.url(docs + "/Bon.pdf")},
			"put " + lftpQ(src) + " -o " + lftpQ(docs+"/Bon.pdf"), "550", "dossier en lecture seule"},
		{"RETR of a missing file", []string{"-o", dst, c.url(mine + "/nope.pdf")},
			"get " + lftpQ(mine+"/nope.pdf") + " -o " + lftpQ(dst), "550", `"/Mes documents/nope.pdf" : fichier ou dossier introuvable`},
		{"DELE of a missing file", []string{"-Q", "DELE " + mine + "/nope.pdf", c.url(mine + "/")},
			"rm " + lftpQ(mine+"/nope.pdf"), "550", `"/Mes documents/nope.pdf" : fichier ou dossier introuvable`},
		{"MKD of a refused name", []string{"-Q", "MKD " + mine + "/Été 2026", c.url(mine + "/")},
			"mkdir " + lftpQ(mine+"/Été 2026"), "553", `le caractère "É" n'est pas autorisé`},
		{"RMD of a non-empty folder", []string{"-Q", "RMD " + mine + "/Plein", c.url(mine + "/")},
			"rmdir " + lftpQ(mine+"/Plein"), "550", "le dossier n'est pas vide"},
		{"RNFR of a missing file", []string{"-Q", "RNFR " + mine + "/nope.pdf", "-Q", "RNTO " + mine + "/b.pdf", c.url(mine + "/")},
			"mv " + lftpQ(mine+"/nope.pdf") + " " + lftpQ(mine+"/b.pdf"), "550", `"/Mes documents/nope.pdf" : fichier ou dossier introuvable`},
		{"RNTO a refused name", []string{"-Q", "RNFR " + facture, "-Q", "RNTO " + mine + "/Facturé.pdf", c.url(mine + "/")},
			"mv " + lftpQ(facture) + " " + lftpQ(mine+"/Facturé.pdf"), "553", `essayez "Facture.pdf"`},
	} {
		// curl -v shows the server's replies as "< " lines.
		out, err := c.curl("acme", append([]string{"-v"}, tc.curl...)...)
		var replies []string
		for _, l := range strings.Split(out, "\n") {
			if r, ok := strings.CutPrefix(strings.TrimRight(l, "\r"), "< "); ok {
				replies = append(replies, r)
			}
		}
		if err == nil || !slices.ContainsFunc(replies, func(r string) bool {
			return strings.HasPrefix(r, tc.code+" ") && strings.Contains(r, tc.want)
		}) {
			t.Errorf("curl, %s: %v, want the reply %s ... %q:\n%s", tc.what, err, tc.code, tc.want, out)
		}
		checkNoLibraryWords(t, "curl, "+tc.what, strings.Join(replies, "\n"))

		// lftp prints the server's reply in its error message.
		out, err = c.lftp("acme", tc.lftp)
		if err == nil || !regexp.MustCompile(`(?m)\b`+tc.code+` .*`+regexp.QuoteMeta(tc.want)).MatchString(out) {
			t.Errorf("lftp, %s: %v, want %s ... %q:\n%s", tc.what, err, tc.code, tc.want, out)
		}
		checkNoLibraryWords(t, "lftp, "+tc.what, out)
	}
	if after := onDisk(t, env); !slices.Equal(after, before) {
		t.Errorf("files on disk changed by refused commands:\nbefore: %q\nafter:  %q", before, after)
	}
}

func checkNoLibraryWords(t *testing.T, what, out string) {
	t.Helper()
	for _, w := range libraryWords {
		if strings.Contains(out, w) {
			t.Errorf("%s: %q in\n%s", what, w, out)
		}
	}
}

// TestFTPLftpListsPerm: lftp lists with MLSD (FEAT's MLST line names the
// facts) and turns RFC 3659's perm fact into the modes it shows:
// read-only where the login cannot write.
func TestFTPLftpListsPerm(t *testing.T) {
	t.Parallel()
	c := startFTPCLI(t, "lftp")
	out := c.mustLftp("acme", "set ftp:use-mlsd true", "mkdir "+lftpQ(mine+"/Sous-dossier"),
		"cls -l /", "cls -l "+lftpQ(mine+"/"), "cls -l "+lftpQ(sst+"/Documents/"))
	// LIST would give an owner and a group ("ftp ftp"); MLSD has none.
	if strings.Contains(out, " ftp ") {
		t.Errorf("lftp listed with LIST, not MLSD:\n%s", out)
	}
	for _, want := range []string{
		`dr-xr-xr-x .* /FTPDOSSIERPERSO/`, // perm=el
		`dr-xr-xr-x .* /Sessions/`,
		`drwxr-xr-x .* /Mes documents/`, // perm=elcmp
		`drwxr-xr-x .* /Mes documents/Sous-dossier/`,
		`-rw-r--r-- .* /Mes documents/Facture F2026-0042\.pdf`,                                // perm=rawdf
		`-r--r--r-- .* /Sessions/S2026-014 SST Lyon/Documents/Convention ACME S2026-014\.pdf`, // perm=r
	} {
		if !regexp.MustCompile(`(?m)^` + want + `$`).MatchString(out) {
			t.Errorf("lftp's listing lacks %s:\n%s", want, out)
		}
	}
}

// Package interop drives a running dossierd with the real clients people
// use — OpenSSH's sftp in batch mode, rclone — and checks what a user
// would check: the listing, the bytes on disk, the refusals, the mtimes.
//
// The client binaries come from the system (Debian: openssh-client,
// sshpass, rclone, lftp, curl, filezilla for fzsftp). Without them the tests skip, except under CI (the CI
// variable is set), where a missing binary is a failure: CI must run them.
package interop

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dossierd/dossierd/config"
	"github.com/dossierd/dossierd/scenario"
)

// testTimeout bounds every test: each client process runs under a context
// with this deadline.
const testTimeout = 60 * time.Second

// tempPrefix is the prefix of the server's hidden upload files (vfs).
const tempPrefix = ".dossierd-upload-"

// needTools skips the test when a client binary is missing, or fails it
// under CI, which must have them.
func needTools(t *testing.T, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is required under CI: %v", n, err)
			}
			t.Skipf("%s not installed: %v", n, err)
		}
	}
}

// sftpCLI runs OpenSSH's sftp -b against one daemon.
type sftpCLI struct {
	t    *testing.T
	env  *scenario.Env
	ctx  context.Context
	port string
	dir  string // scratch folder for batch files and local files
}

func startCLI(t *testing.T, mutate func(*config.Config)) *sftpCLI {
	t.Helper()
	needTools(t, "sftp", "sshpass")
	env := scenario.Start(t, mutate)
	_, port, err := net.SplitHostPort(env.SFTPAddr())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return &sftpCLI{t: t, env: env, ctx: ctx, port: port, dir: t.TempDir()}
}

// run logs in as login and runs the batch commands; out is stdout and
// stderr together, in order (sftp echoes each command as "sftp> cmd").
// err is non-nil when sftp exits non-zero: a command not prefixed with
// "-" failed, or the login did.
func (c *sftpCLI) run(login string, cmds ...string) (string, error) {
	c.t.Helper()
	return c.runWith(nil, login, cmds...)
}

// runWith is run with extra sftp options (e.g. -R, -B).
func (c *sftpCLI) runWith(opts []string, login string, cmds ...string) (string, error) {
	c.t.Helper()
	f, err := os.CreateTemp(c.dir, "batch-*")
	if err != nil {
		c.t.Fatal(err)
	}
	if _, err := f.WriteString(strings.Join(cmds, "\n") + "\n"); err != nil {
		c.t.Fatal(err)
	}
	f.Close()
	args := append([]string{"-e", "sftp",
		"-F", "/dev/null", "-P", c.port,
		"-o", "BatchMode=no", // sftp -b turns it on, which stops sshpass
		"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
		"-o", "PreferredAuthentications=password", "-o", "NumberOfPasswordPrompts=1",
		"-o", "ConnectTimeout=10", "-o", "LogLevel=ERROR"}, opts...)
	cmd := exec.CommandContext(c.ctx, "sshpass", append(args, "-b", f.Name(), login+"@127.0.0.1")...)
	cmd.Env = append(os.Environ(), "SSHPASS="+c.env.Passwords[login])
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	if c.ctx.Err() != nil {
		c.t.Fatalf("sftp as %s timed out: %s", login, out)
	}
	return string(out), err
}

// mustRun is run for batches that must succeed as a whole.
func (c *sftpCLI) mustRun(login string, cmds ...string) string {
	c.t.Helper()
	out, err := c.run(login, cmds...)
	if err != nil {
		c.t.Fatalf("sftp as %s: %v\n%s", login, err, out)
	}
	return out
}

// local writes a file in the scratch folder and returns its path.
func (c *sftpCLI) local(name string, data []byte) string {
	c.t.Helper()
	p := filepath.Join(c.dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		c.t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		c.t.Fatal(err)
	}
	return p
}

// step is one command of a batch and what sftp printed for it.
type step struct {
	cmd string
	out []string
}

// steps splits a batch's output at sftp's echo of each command.
func steps(out string) []step {
	var s []step
	for _, line := range strings.Split(strings.TrimRight(out, "\r\n"), "\n") {
		line = strings.TrimSuffix(line, "\r") // OpenSSH ends its error lines with \r\n
		if cmd, ok := strings.CutPrefix(line, "sftp> "); ok {
			s = append(s, step{cmd: cmd})
			continue
		}
		if len(s) > 0 {
			s[len(s)-1].out = append(s[len(s)-1].out, line)
		}
	}
	return s
}

// q quotes an argument for sftp's command line parser.
func q(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

func randomBytes(t testing.TB, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func fileSum(t testing.TB, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("reading %s: %v", p, err)
	}
	return sum(b)
}

// onDisk lists every path under the storage root (relative, slash
// separated), to prove that a refused write left nothing anywhere.
func onDisk(t testing.TB, env *scenario.Env) []string {
	t.Helper()
	root := env.Daemon.Storage.Path()
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		out = append(out, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// noTemp fails if an upload's temporary file is left anywhere.
func noTemp(t testing.TB, env *scenario.Env) {
	t.Helper()
	for _, p := range temps(t, env) {
		t.Errorf("temporary upload file left on disk: %s", p)
	}
}

func mustNotExist(t testing.TB, env *scenario.Env, rel string) {
	t.Helper()
	if _, err := os.Lstat(env.Disk(rel)); err == nil {
		t.Errorf("%s exists on disk; the refused write must leave nothing", rel)
	} else if !os.IsNotExist(err) {
		t.Errorf("%s: %v", rel, err)
	}
}

const (
	sst     = "/Sessions/S2026-014 SST Lyon"
	mine    = "/Mes documents"
	acmeDir = "clients/C0042"
)

func TestSFTPCLIRootListing(t *testing.T) {
	t.Parallel()
	c := startCLI(t, nil)
	user := []string{"FTPDOSSIERPERSO", "Mes documents", "Sessions"}
	for _, tc := range []struct {
		login    string
		root     []string
		sessions []string // nil: not listed
	}{
		{"acme", user, []string{"S2026-014 SST Lyon", "S2026-021 Excel avance"}},
		{"globex", user, []string{"S2026-014 SST Lyon"}},
		{"jdupont", user, []string{"S2026-014 SST Lyon"}},
		{"fmartin", user, []string{"S2026-014 SST Lyon", "S2026-021 Excel avance"}},
		{"backoffice", []string{"FTPDOSSIERPERSO", "clients", "intervenants", "sessions", "stagiaires"}, nil},
	} {
		cmds := []string{"ls -1"}
		if tc.sessions != nil {
			cmds = append(cmds, "cd /Sessions", "ls -1")
		}
		s := steps(c.mustRun(tc.login, cmds...))
		if len(s) != len(cmds) {
			t.Fatalf("%s: %d commands echoed, want %d: %+v", tc.login, len(s), len(cmds), s)
		}
		if !slices.Equal(s[0].out, tc.root) {
			t.Errorf("%s: ls -1 / = %q, want %q", tc.login, s[0].out, tc.root)
		}
		if tc.sessions != nil && !slices.Equal(s[2].out, tc.sessions) {
			t.Errorf("%s: ls -1 /Sessions = %q, want %q", tc.login, s[2].out, tc.sessions)
		}
	}
}

func TestSFTPCLIGetPut(t *testing.T) {
	t.Parallel()
	c := startCLI(t, nil)
	env := c.env

	// Downloads are byte-identical to the files on disk, whichever mount.
	for _, tc := range []struct{ login, vpath, disk string }{
		{"acme", sst + "/Documents/Convention ACME S2026-014.pdf", "sessions/S2026-014/clients/C0042/Convention ACME S2026-014.pdf"},
		{"acme", sst + "/Commun/Programme SST.pdf", "sessions/S2026-014/commun-clients/Programme SST.pdf"},
		{"acme", "/Sessions/S2026-021 Excel avance/Documents/Convention ACME S2026-021.pdf", "sessions/S2026-021/clients/C0042/Convention ACME S2026-021.pdf"},
		{"acme", "/FTPDOSSIERPERSO/Reglement interieur.pdf", "FTPDOSSIERPERSO/Reglement interieur.pdf"},
		{"acme", mine + "/Facture F2026-0042.pdf", "clients/C0042/Facture F2026-0042.pdf"},
		{"jdupont", sst + "/Documents/Convocation Jeanne Dupont.pdf", "sessions/S2026-014/stagiaires/T0107/Convocation Jeanne Dupont.pdf"},
		{"jdupont", sst + "/Commun/Livret stagiaire SST.pdf", "sessions/S2026-014/commun-stagiaires/Livret stagiaire SST.pdf"},
		{"fmartin", sst + "/Documents/Planning formateur.pdf", "sessions/S2026-014/intervenants/F0003/Planning formateur.pdf"},
	} {
		dst := filepath.Join(c.dir, "get-"+tc.login+"-"+filepath.Base(tc.disk))
		c.mustRun(tc.login, "get "+q(tc.vpath)+" "+q(dst))
		if got, want := fileSum(t, dst), fileSum(t, env.Disk(tc.disk)); got != want {
			t.Errorf("%s: get %s: sha256 %s, file on disk %s", tc.login, tc.vpath, got, want)
		}
	}

	// Uploads land at the physical path of SPEC section 2.
	big := randomBytes(t, 1<<20+12345)
	src := c.local("Rapport 2026.pdf", big)
	c.mustRun("acme", "put "+q(src)+" "+q(mine+"/Rapport 2026.pdf"))
	if got := fileSum(t, env.Disk(acmeDir+"/Rapport 2026.pdf")); got != sum(big) {
		t.Errorf("put: sha256 on disk %s, want %s", got, sum(big))
	}
	// Into a folder: the local name is kept.
	c.mustRun("jdupont", "put "+q(src)+" "+q(mine))
	if got := fileSum(t, env.Disk("stagiaires/T0107/Rapport 2026.pdf")); got != sum(big) {
		t.Errorf("put into a folder: sha256 on disk %s, want %s", got, sum(big))
	}
	// Overwriting replaces the content.
	newer := randomBytes(t, 4321)
	c.mustRun("acme", "put "+q(c.local("facture.pdf", newer))+" "+q(mine+"/Facture F2026-0042.pdf"))
	if got := fileSum(t, env.Disk(acmeDir+"/Facture F2026-0042.pdf")); got != sum(newer) {
		t.Errorf("overwrite: sha256 on disk %s, want %s", got, sum(newer))
	}
	// The back office drops a document; the client downloads it.
	att := randomBytes(t, 70000)
	c.mustRun("backoffice", "put "+q(c.local("att.pdf", att))+" "+q("/sessions/S2026-014/clients/C0042/Attestation ACME.pdf"))
	dst := filepath.Join(c.dir, "att-back.pdf")
	c.mustRun("acme", "get "+q(sst+"/Documents/Attestation ACME.pdf")+" "+q(dst))
	if got := fileSum(t, dst); got != sum(att) {
		t.Errorf("staff upload, client download: sha256 %s, want %s", got, sum(att))
	}
	// ... and globex, in the same session, does not see it.
	s := steps(c.mustRun("globex", "ls -1 "+q(sst+"/Documents")))
	for _, line := range s[0].out {
		if strings.Contains(line, "ACME") {
			t.Errorf("globex sees %q", line)
		}
	}
	noTemp(t, env)
}

func TestSFTPCLIPutPreservesMtime(t *testing.T) {
	t.Parallel()
	c := startCLI(t, nil)
	mtime := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	src := c.local("dated.pdf", randomBytes(t, 50000))
	if err := os.Chtimes(src, mtime, mtime); err != nil {
		t.Fatal(err)
	}
	var bad []string
	// A new file, then over an existing one.
	for _, name := range []string{"Dated.pdf", "Facture F2026-0042.pdf"} {
		out := c.mustRun("acme", "put -p "+q(src)+" "+q(mine+"/"+name))
		fi, err := os.Stat(c.env.Disk(acmeDir + "/" + name))
		if err != nil {
			t.Fatal(err)
		}
		if !fi.ModTime().Equal(mtime) {
			bad = append(bad, name+": mtime on disk "+fi.ModTime().UTC().String()+"; sftp said: "+strings.Join(steps(out)[0].out, " | "))
		}
		if fi.Size() != 50000 {
			t.Errorf("%s: size %d, want 50000", name, fi.Size())
		}
	}
	if len(bad) > 0 {
		// OpenSSH sends the times with FSETSTAT on the open handle, before
		// CLOSE; the server applies them to the target path, which does not
		// exist yet or is replaced by the rename at CLOSE.
		t.Fatalf("put -p does not preserve mtime %s (sftpd/handlers.go setstat: FSETSTAT on an upload handle goes to the target path, not to the upload):\n%s",
			mtime, strings.Join(bad, "\n"))
	}
}

func TestSFTPCLIRefusals(t *testing.T) {
	t.Parallel()
	c := startCLI(t, nil)
	env := c.env
	src := c.local("src.pdf", []byte("%PDF-1.4 refused\n"))
	before := onDisk(t, env)

	// Read-only mount and virtual folders: sftp fails (exit status) and
	// says "Failure" (it never prints the server's sentence, and the
	// status is FAILURE so that FileZilla prints it: sftpd handlers.fail);
	// nothing is written.
	for _, tc := range []struct{ cmd, disk string }{
		{"put " + q(src) + " " + q(sst+"/Documents/x.pdf"), "sessions/S2026-014/clients/C0042/x.pdf"},
		{"put " + q(src) + " " + q(sst+"/Commun/x.pdf"), "sessions/S2026-014/commun-clients/x.pdf"},
		{"put " + q(src) + " /x.pdf", "x.pdf"},
		{"put " + q(src) + " " + q("/Sessions/x.pdf"), "sessions/x.pdf"},
		{"put " + q(src) + " " + q(sst+"/x.pdf"), "sessions/S2026-014/x.pdf"},
		{"put " + q(src) + " " + q("/FTPDOSSIERPERSO/x.pdf"), "FTPDOSSIERPERSO/x.pdf"},
		{"mkdir /Nouveau", "Nouveau"},
		{"mkdir " + q(sst+"/Documents/Nouveau"), "sessions/S2026-014/clients/C0042/Nouveau"},
		{"rename " + q(sst+"/Documents/Convention ACME S2026-014.pdf") + " " + q(sst+"/Documents/y.pdf"), "sessions/S2026-014/clients/C0042/y.pdf"},
		{"rm " + q(sst+"/Documents/Convention ACME S2026-014.pdf"), ""},
	} {
		out, err := c.run("acme", tc.cmd)
		if err == nil {
			t.Errorf("%s: sftp succeeded, want a refusal\n%s", tc.cmd, out)
		} else if !strings.Contains(out, "Failure") {
			t.Errorf("%s: want \"Failure\" in the output:\n%s", tc.cmd, out)
		}
		if tc.disk != "" {
			mustNotExist(t, env, tc.disk)
		}
	}

	// Refused names, on upload, mkdir and rename: each command fails with
	// an error line and nothing is created.
	c.mustRun("acme", "put "+q(src)+" "+q(mine+"/ok.pdf"))
	bad := []string{
		"Hélène.pdf",                  // accent
		"Convocation l'été.pdf",       // apostrophe and accents
		`Devis "final".pdf`,           // double quote
		"R&D.pdf",                     // ampersand
		"-x.pdf",                      // leading dash
		" espace.pdf",                 // leading space
		".cache",                      // leading dot
		"CON.pdf",                     // Windows reserved name
		"lpt1",                        // Windows reserved, any case
		"point final.",                // trailing dot
		"espace final ",               // trailing space
		"a#b.pdf",                     // hash
		"100%.pdf",                    // percent
		"bad\xffutf8.pdf",             // invalid UTF-8
		strings.Repeat("a", 201),      // too long
		"tab\there.pdf",               // control character
		"question?.pdf",               // glob character
		"deux:points.pdf",             // colon
		"arob@se.pdf",                 // at sign
		"dossier\\antislash.pdf",      // backslash: a separator, so "no such folder"
		"Facture_2026 (copie) é.pdf",  // one bad character among good ones
		"Attestation\u00a0Dupont.pdf", // no-break space
	}
	var cmds []string
	for _, name := range bad {
		cmds = append(cmds,
			"-put "+q(src)+" "+q(mine+"/"+name),
			"-mkdir "+q(mine+"/"+name),
			"-rename "+q(mine+"/ok.pdf")+" "+q(mine+"/"+name))
	}
	out := c.mustRun("acme", cmds...)
	s := steps(out)
	if len(s) != len(cmds) {
		t.Fatalf("%d commands echoed, want %d:\n%s", len(s), len(cmds), out)
	}
	for i, st := range s {
		want := "Failure"
		if strings.Contains(bad[i/3], `\`) {
			want = "No such file or directory"
		}
		if len(st.out) != 1 || !strings.Contains(st.out[0], want) {
			t.Errorf("%q: want one %q error line, got %q", cmds[i], want, st.out)
		}
	}
	for _, name := range bad {
		mustNotExist(t, env, acmeDir+"/"+name)
	}
	after := onDisk(t, env)
	// ok.pdf is the only change.
	want := append(slices.Clone(before), acmeDir+"/ok.pdf")
	slices.Sort(want)
	if !slices.Equal(after, want) {
		t.Errorf("files on disk changed:\nbefore+ok.pdf: %q\nafter:         %q", want, after)
	}
	if got := fileSum(t, env.Disk(acmeDir+"/ok.pdf")); got != fileSum(t, src) {
		t.Errorf("ok.pdf changed by the refused renames")
	}
}

func TestSFTPCLIResume(t *testing.T) {
	t.Parallel()
	for _, mode := range []int{0, 1, 2} {
		t.Run("upload_mode="+strconv.Itoa(mode), func(t *testing.T) {
			t.Parallel()
			c := startCLI(t, func(cfg *config.Config) { cfg.Common.UploadMode = mode })
			data := randomBytes(t, 3<<20+777)
			src := c.local("Gros fichier.bin", data)
			half := len(data) / 2
			// What a cut upload published in upload_mode 2 (or a
			// direct write in mode 0) leaves: the first half.
			target := c.env.Disk(acmeDir + "/Gros fichier.bin")
			if err := os.WriteFile(target, data[:half], 0o644); err != nil {
				t.Fatal(err)
			}
			out := c.mustRun("acme", "reput "+q(src)+" "+q(mine+"/Gros fichier.bin"))
			if got := fileSum(t, target); got != sum(data) {
				fi, _ := os.Stat(target)
				t.Fatalf("after reput: sha256 %s (size %d), want %s (size %d)\n%s", got, fi.Size(), sum(data), len(data), out)
			}
			// A second reput has nothing left to send.
			out, err := c.run("acme", "reput "+q(src)+" "+q(mine+"/Gros fichier.bin"))
			if err == nil || !strings.Contains(out, "same size or larger") {
				t.Errorf("second reput: want sftp's \"same size or larger\" refusal, got %v:\n%s", err, out)
			}
			if got := fileSum(t, target); got != sum(data) {
				t.Errorf("second reput changed the file")
			}

			// The server continues what is there rather than the client
			// sending everything again: a first half that differs from
			// the local file stays as it is, only the rest is appended.
			other := randomBytes(t, half)
			if err := os.WriteFile(target, other, 0o644); err != nil {
				t.Fatal(err)
			}
			c.mustRun("acme", "reput "+q(src)+" "+q(mine+"/Gros fichier.bin"))
			want := append(other, data[half:]...)
			if got := fileSum(t, target); got != sum(want) {
				t.Errorf("reput did not continue the existing content: sha256 %s, want %s (existing half + the rest)", got, sum(want))
			}
			noTemp(t, c.env)
		})
	}
}

func TestSFTPCLIMisc(t *testing.T) {
	t.Parallel()
	c := startCLI(t, nil)
	env := c.env
	data := randomBytes(t, 10000)
	src := c.local("a.pdf", data)

	// statvfs, at a virtual folder and in a mount.
	out := c.mustRun("acme", "df", "df "+q(mine), "df -h "+q(sst+"/Documents"))
	for _, st := range steps(out) {
		if len(st.out) != 2 || !strings.Contains(st.out[0], "Size") || !strings.Contains(st.out[0], "Avail") {
			t.Errorf("%s: want a header and one line, got %q", st.cmd, st.out)
		}
	}

	// rename, chmod (accepted, ignored), rm.
	out = c.mustRun("acme",
		"put "+q(src)+" "+q(mine+"/a.pdf"),
		"rename "+q(mine+"/a.pdf")+" "+q(mine+"/b.pdf"),
		"chmod 600 "+q(mine+"/b.pdf"),
		"mkdir "+q(mine+"/Dossier 2026"),
		"rename "+q(mine+"/b.pdf")+" "+q(mine+"/Dossier 2026/c.pdf"),
		"put "+q(src)+" "+q(mine+"/d.pdf"),
		"rm "+q(mine+"/d.pdf"),
	)
	for _, st := range steps(out) {
		if !strings.HasPrefix(st.cmd, "put") && len(st.out) != 0 {
			t.Errorf("%s: unexpected output %q", st.cmd, st.out)
		}
	}
	mustNotExist(t, env, acmeDir+"/a.pdf")
	mustNotExist(t, env, acmeDir+"/b.pdf")
	mustNotExist(t, env, acmeDir+"/d.pdf")
	if got := fileSum(t, env.Disk(acmeDir+"/Dossier 2026/c.pdf")); got != sum(data) {
		t.Errorf("renamed file: sha256 %s, want %s", got, sum(data))
	}

	// Links are refused, symbolic or hard.
	for _, cmd := range []string{
		"ln -s " + q(mine+"/Dossier 2026/c.pdf") + " " + q(mine+"/lien"),
		"ln " + q(mine+"/Dossier 2026/c.pdf") + " " + q(mine+"/lien"),
		"ln -s " + q("/etc/passwd") + " " + q(mine+"/lien"),
	} {
		out, err := c.run("acme", cmd)
		if err == nil {
			t.Errorf("%s: sftp succeeded, want a refusal:\n%s", cmd, out)
		}
		if !strings.Contains(out, "unsupported") {
			t.Errorf("%s: want \"unsupported\" in the output:\n%s", cmd, out)
		}
		mustNotExist(t, env, acmeDir+"/lien")
	}

	// What acme's folder holds now, as acme lists it (the symlinks that
	// scenario.Start planted towards globex stay invisible).
	s := steps(c.mustRun("acme", "cd "+q(mine), "ls -1"))
	if want := []string{"Dossier 2026", "Facture F2026-0042.pdf"}; !slices.Equal(s[1].out, want) {
		t.Errorf("ls -1 %s = %q, want %q", mine, s[1].out, want)
	}
	noTemp(t, env)
}

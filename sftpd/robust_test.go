package sftpd_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"io/fs"
	"net"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"

	"github.com/dossierd/dossierd/auth"
	"github.com/dossierd/dossierd/domain"
	"github.com/dossierd/dossierd/scenario"
)

// These tests hold the server to what SPEC section 5 promises when things
// go wrong: cut connections, concurrent readers, resumed uploads, and to
// what happens to open connections when the directory changes.

const (
	homeDir          = "/Mes documents"
	acmeStorage      = "clients/C0042"
	factureName      = "Facture F2026-0042.pdf"
	uploadTempPrefix = ".dossierd-upload-" // the server's hidden upload files
)

// cuttableConn is a login whose TCP connection the test can cut.
type cuttableConn struct {
	nc   net.Conn
	ssh  *ssh.Client
	sftp *sftp.Client
}

func dialCuttable(t testing.TB, env *scenario.Env, login string) *cuttableConn {
	t.Helper()
	nc, sc := dialSSH(t, env, login)
	c, err := sftp.NewClient(sc)
	if err != nil {
		sc.Close()
		t.Fatal(err)
	}
	r := &cuttableConn{nc: nc, ssh: sc, sftp: c}
	t.Cleanup(func() { r.sftp.Close(); r.ssh.Close() })
	return r
}

// dialSSH logs in over SSH on a TCP connection the test keeps, to cut it.
func dialSSH(t testing.TB, env *scenario.Env, login string) (net.Conn, *ssh.Client) {
	t.Helper()
	nc, err := net.DialTimeout("tcp", env.SFTPAddr(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	cc, chans, reqs, err := ssh.NewClientConn(nc, env.SFTPAddr(), &ssh.ClientConfig{
		User:            login,
		Auth:            []ssh.AuthMethod{ssh.Password(env.Passwords[login])},
		HostKeyCallback: ssh.InsecureIgnoreHostKey(),
	})
	if err != nil {
		nc.Close()
		t.Fatalf("ssh login %s: %v", login, err)
	}
	return nc, ssh.NewClient(cc, chans, reqs)
}

// cut drops the TCP connection as a network failure would: no SFTP close,
// no SSH disconnect.
func (r *cuttableConn) cut() { r.nc.Close() }

func dialUser(t testing.TB, env *scenario.Env, login string) *sftpClient {
	t.Helper()
	c := dialSFTP(t, env, login, env.Passwords[login])
	t.Cleanup(func() { c.Close() })
	return c
}

func sha256Of(b []byte) [32]byte { return sha256.Sum256(b) }

func absentOnDisk(t testing.TB, env *scenario.Env, rel string) {
	t.Helper()
	if _, err := os.Lstat(env.Disk(rel)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("%s on disk: want nothing there, got err=%v", rel, err)
	}
}

func entryNames(fis []os.FileInfo) []string {
	out := []string{}
	for _, fi := range fis {
		out = append(out, fi.Name())
	}
	return out
}

func writeAtAll(t testing.TB, f *sftp.File, data []byte, off int64) {
	t.Helper()
	n, err := f.WriteAt(data, off)
	if err != nil || n != len(data) {
		t.Fatalf("write %d bytes at %d: n=%d err=%v", len(data), off, n, err)
	}
}

const fourMiB = 4 << 20

func TestResumeUploadMode1(t *testing.T) {
	t.Parallel()
	env := scenario.Start(t, nil)
	data := scenario.RandomData(t, fourMiB+123)
	half := len(data) / 2
	env.WriteDisk(t, acmeStorage+"/Suite.bin", data[:half])
	c := dialUser(t, env, "acme")

	f, err := c.sftp.OpenFile(homeDir+"/Suite.bin", os.O_WRONLY)
	if err != nil {
		t.Fatal(err)
	}
	writeAtAll(t, f, data[half:], int64(half))
	// Until the close, the old content is what is there.
	if got := env.ReadDisk(t, acmeStorage+"/Suite.bin"); !bytes.Equal(got, data[:half]) {
		t.Errorf("before close: %d bytes on disk, want the previous %d", len(got), half)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if got := env.ReadDisk(t, acmeStorage+"/Suite.bin"); sha256Of(got) != sha256Of(data) {
		t.Errorf("after resume: %d bytes, sha256 differs from the file (%d bytes)", len(got), len(data))
	}
	// Append mode (pkg/sftp issue #295): writes keep their offsets.
	more := scenario.RandomData(t, 5000)
	f, err = c.sftp.OpenFile(homeDir+"/Suite.bin", os.O_WRONLY|os.O_APPEND)
	if err != nil {
		t.Fatal(err)
	}
	writeAtAll(t, f, more, int64(len(data)))
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if got := env.ReadDisk(t, acmeStorage+"/Suite.bin"); sha256Of(got) != sha256Of(append(slices.Clone(data), more...)) {
		t.Errorf("after append: %d bytes, want %d with the same sha256", len(got), len(data)+len(more))
	}
	if tt := env.UploadTemps(t, acmeStorage); len(tt) > 0 {
		t.Errorf("temporary files left: %v", tt)
	}
}

func TestReadersNeverSeeHalfWrittenFile(t *testing.T) {
	t.Parallel()
	env := scenario.Start(t, nil)
	old := env.ReadDisk(t, acmeStorage+"/"+factureName)
	data := scenario.RandomData(t, fourMiB)
	half := len(data) / 2

	writer := dialUser(t, env, "acme")
	reader := dialUser(t, env, "acme")
	staff := dialUser(t, env, "backoffice")

	over, err := writer.sftp.Create(homeDir + "/" + factureName)
	if err != nil {
		t.Fatal(err)
	}
	writeAtAll(t, over, data[:half], 0)
	fresh, err := writer.sftp.Create(homeDir + "/Nouveau.pdf")
	if err != nil {
		t.Fatal(err)
	}
	writeAtAll(t, fresh, data[:half], 0)
	appendOld := scenario.RandomData(t, 777)
	env.WriteDisk(t, acmeStorage+"/Ajout.bin", appendOld)
	cont, err := writer.sftp.OpenFile(homeDir+"/Ajout.bin", os.O_WRONLY)
	if err != nil {
		t.Fatal(err)
	}
	writeAtAll(t, cont, data[:half], int64(len(appendOld)))

	check := func(who string, c *sftpClient, dir string) {
		t.Helper()
		fi, err := c.sftp.Stat(dir + "/" + factureName)
		if err != nil {
			t.Fatalf("%s: stat during the upload: %v", who, err)
		}
		if fi.Size() != int64(len(old)) {
			t.Errorf("%s: stat during the upload: size %d, want the previous %d", who, fi.Size(), len(old))
		}
		got, err := c.Get(dir + "/" + factureName)
		if err != nil || !bytes.Equal(got, old) {
			t.Errorf("%s: download during the upload: %d bytes, err=%v; want the previous version", who, len(got), err)
		}
		if _, err := c.sftp.Stat(dir + "/Nouveau.pdf"); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s: stat of a file being uploaded: %v, want not found", who, err)
		}
		if _, err := c.sftp.Open(dir + "/Nouveau.pdf"); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s: open of a file being uploaded: %v, want not found", who, err)
		}
		if got, err := c.Get(dir + "/Ajout.bin"); err != nil || !bytes.Equal(got, appendOld) {
			t.Errorf("%s: download during a resumed upload: %d bytes, err=%v; want the previous version", who, len(got), err)
		}
		fis, err := c.sftp.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		// (Staff also see the link that scenario.Start planted, which
		// stays inside their tree.)
		listed := slices.DeleteFunc(entryNames(fis), func(n string) bool { return n == "globex-link" && c == staff })
		if want := []string{"Ajout.bin", factureName}; !slices.Equal(listed, want) {
			t.Errorf("%s: listing during the uploads: %q, want %q", who, listed, want)
		}
	}
	check("acme (second connection)", reader, homeDir)
	check("backoffice", staff, "/clients/C0042")
	// A temporary file cannot be reached by its name either.
	for tmp := range env.UploadTemps(t, acmeStorage) {
		if _, err := reader.sftp.Stat(homeDir + "/" + tmp); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("stat of the temporary file %s: %v, want not found", tmp, err)
		}
		if _, err := staff.sftp.Open("/clients/C0042/" + tmp); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("staff open of the temporary file %s: %v, want not found", tmp, err)
		}
	}

	// The rest, then close: now readers get the new content.
	writeAtAll(t, over, data[half:], int64(half))
	writeAtAll(t, fresh, data[half:], int64(half))
	writeAtAll(t, cont, data[half:], int64(len(appendOld)+half))
	for _, f := range []*sftp.File{over, fresh, cont} {
		if err := f.Close(); err != nil {
			t.Fatalf("close %s: %v", f.Name(), err)
		}
	}
	for name, want := range map[string][]byte{factureName: data, "Nouveau.pdf": data, "Ajout.bin": append(slices.Clone(appendOld), data...)} {
		got, err := reader.Get(homeDir + "/" + name)
		if err != nil || sha256Of(got) != sha256Of(want) {
			t.Errorf("%s after close: %d bytes, err=%v; want %d bytes with the same sha256", name, len(got), err, len(want))
		}
	}
}

func TestSetstatRenameLinks(t *testing.T) {
	t.Parallel()
	env := scenario.Start(t, nil)
	c := dialUser(t, env, "acme")
	s := c.sftp
	if err := c.Put(homeDir+"/a.pdf", []byte("aaaa")); err != nil {
		t.Fatal(err)
	}
	if err := c.Put(homeDir+"/b.pdf", []byte("bbbbbbbb")); err != nil {
		t.Fatal(err)
	}

	// setstat of times, as WinSCP and FileZilla send after an upload.
	mtime := time.Date(2021, 6, 7, 8, 9, 10, 0, time.UTC)
	atime := mtime.Add(time.Hour)
	if err := s.Chtimes(homeDir+"/a.pdf", atime, mtime); err != nil {
		t.Fatalf("Chtimes: %v", err)
	}
	if fi, err := os.Stat(env.Disk(acmeStorage + "/a.pdf")); err != nil || !fi.ModTime().Equal(mtime) {
		t.Errorf("mtime on disk after Chtimes: %v (err %v), want %s", fi.ModTime(), err, mtime)
	}
	if fi, err := s.Stat(homeDir + "/a.pdf"); err != nil || !fi.ModTime().Equal(mtime) {
		t.Errorf("mtime seen by the client after Chtimes: %v (err %v), want %s", fi.ModTime(), err, mtime)
	}
	var se *sftp.StatusError
	if err := s.Chtimes(sstDir+"/Documents/Convention ACME S2026-014.pdf", atime, mtime); !errors.As(err, &se) || se.FxCode() != sftp.ErrSSHFxFailure || !strings.Contains(statusText(err), "read-only folder") {
		t.Errorf("Chtimes on a read-only mount: %v, want a failure saying read-only folder", err)
	}
	// chmod and chown are accepted and ignored.
	if err := s.Chmod(homeDir+"/a.pdf", 0o600); err != nil {
		t.Errorf("Chmod: %v", err)
	}
	if err := s.Chown(homeDir+"/a.pdf", 1000, 1000); err != nil {
		t.Errorf("Chown: %v", err)
	}
	if err := s.Chmod(homeDir+"/absent.pdf", 0o600); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Chmod of a missing file: %v, want not found", err)
	}

	// Plain rename refuses an existing target (as OpenSSH's server);
	// posix-rename replaces it.
	if err := s.Rename(homeDir+"/a.pdf", homeDir+"/b.pdf"); err == nil {
		t.Errorf("Rename onto an existing file succeeded")
	}
	if got := env.ReadDisk(t, acmeStorage+"/b.pdf"); string(got) != "bbbbbbbb" {
		t.Errorf("b.pdf after a refused rename: %q", got)
	}
	if err := s.PosixRename(homeDir+"/a.pdf", homeDir+"/b.pdf"); err != nil {
		t.Fatalf("PosixRename: %v", err)
	}
	if got := env.ReadDisk(t, acmeStorage+"/b.pdf"); string(got) != "aaaa" {
		t.Errorf("b.pdf after posix-rename: %q, want a.pdf's content", got)
	}
	absentOnDisk(t, env, acmeStorage+"/a.pdf")
	if err := s.Rename(homeDir+"/b.pdf", homeDir+"/c.pdf"); err != nil {
		t.Errorf("Rename to a new name: %v", err)
	}
	if got := env.ReadDisk(t, acmeStorage+"/c.pdf"); string(got) != "aaaa" {
		t.Errorf("c.pdf after rename: %q", got)
	}

	// statvfs, at a mount and at a virtual folder.
	for _, p := range []string{homeDir, "/", "/Sessions"} {
		st, err := s.StatVFS(p)
		if err != nil {
			t.Errorf("StatVFS(%s): %v", p, err)
			continue
		}
		if st.Bsize == 0 || st.Blocks == 0 || st.Bavail > st.Blocks || st.Namemax == 0 {
			t.Errorf("StatVFS(%s): implausible %+v", p, *st)
		}
	}

	// No links: not created, not read (the planted ones included).
	for _, target := range []string{homeDir + "/c.pdf", "/etc/passwd", "../../sessions/S2026-014/clients/C0043"} {
		if err := s.Symlink(target, homeDir+"/lien"); err == nil {
			t.Errorf("Symlink to %s succeeded", target)
		}
		absentOnDisk(t, env, acmeStorage+"/lien")
	}
	if err := s.Link(homeDir+"/c.pdf", homeDir+"/lien"); err == nil {
		t.Errorf("Link succeeded")
	}
	absentOnDisk(t, env, acmeStorage+"/lien")
	for _, p := range []string{homeDir + "/c.pdf", homeDir + "/globex-link", homeDir + "/abs-link"} {
		if target, err := s.ReadLink(p); err == nil {
			t.Errorf("ReadLink(%s) = %q, want a refusal", p, target)
		}
	}
}

// TestFsetstatOnUploadHandle: OpenSSH "put -p" sends the times with
// FSETSTAT on the open handle, before CLOSE; other clients fstat or fchmod
// the handle they are writing.
func TestFsetstatOnUploadHandle(t *testing.T) {
	t.Parallel()
	env := scenario.Start(t, nil)
	c := dialUser(t, env, "acme")
	f, err := c.sftp.Create(homeDir + "/Nouveau.pdf")
	if err != nil {
		t.Fatal(err)
	}
	writeAtAll(t, f, []byte("hello"), 0)
	var bugs []string
	if err := f.Chmod(0o644); err != nil {
		bugs = append(bugs, "fchmod of a new upload: "+err.Error())
	}
	if fi, err := f.Stat(); err != nil {
		bugs = append(bugs, "fstat of a new upload: "+err.Error())
	} else if fi.Size() != 5 {
		bugs = append(bugs, "fstat of a new upload: wrong size")
	}
	if err := f.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	if got := env.ReadDisk(t, acmeStorage+"/Nouveau.pdf"); string(got) != "hello" {
		t.Errorf("content %q", got)
	}
	if len(bugs) > 0 {
		t.Fatalf("sftpd/handlers.go (setstat, Filelist \"Stat\"): FSETSTAT/FSTAT on an open upload handle go to the target path, which does not exist yet (or is replaced at close): %s",
			strings.Join(bugs, "; "))
	}
}

const sstDir = "/Sessions/S2026-014 SST Lyon"

// waitClosed waits for the server to close the connection.
func waitClosed(t testing.TB, c *ssh.Client, d time.Duration, why string) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- c.Wait() }()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("%s: connection still open after %s", why, d)
	}
}

func TestDirectoryChangesReachOpenConnections(t *testing.T) {
	t.Parallel()
	env := scenario.Start(t, nil) // data_provider.poll_interval = 1
	ctx := context.Background()
	store := env.Daemon.Store

	t.Run("disabled account refused at login", func(t *testing.T) {
		if err := store.SetDisabled(ctx, "globex", true); err != nil {
			t.Fatal(err)
		}
		var banner string
		_, err := ssh.Dial("tcp", env.SFTPAddr(), &ssh.ClientConfig{
			User:            "globex",
			Auth:            []ssh.AuthMethod{ssh.Password(env.Passwords["globex"])},
			HostKeyCallback: ssh.InsecureIgnoreHostKey(),
			BannerCallback:  func(m string) error { banner += m; return nil },
			Timeout:         10 * time.Second,
		})
		if err == nil {
			t.Fatal("a disabled account logged in")
		}
		if !strings.Contains(banner, "disabled") {
			t.Errorf("banner %q: want it to say the account is disabled", banner)
		}
	})

	t.Run("password changed while connected", func(t *testing.T) {
		c := dialUser(t, env, "jdupont")
		if _, err := c.sftp.ReadDir("/"); err != nil {
			t.Fatal(err)
		}
		if err := store.SetPassword(ctx, "jdupont", "jdupont-new-2026"); err != nil {
			t.Fatal(err)
		}
		waitClosed(t, c.ssh, 10*time.Second, "password changed")
		if _, err := ssh.Dial("tcp", env.SFTPAddr(), &ssh.ClientConfig{
			User: "jdupont", Auth: []ssh.AuthMethod{ssh.Password(env.Passwords["jdupont"])},
			HostKeyCallback: ssh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second,
		}); err == nil {
			t.Errorf("the old password still logs in")
		}
		c2 := dialSFTP(t, env, "jdupont", "jdupont-new-2026")
		c2.Close()
	})

	t.Run("new enrollment appears", func(t *testing.T) {
		acme := dialUser(t, env, "acme")
		trainer := dialUser(t, env, "fmartin")
		const folder = "S2026-099 Nouvelle session"
		if err := store.AddSession(ctx, auth.Session{Code: "S2026-099", Title: "Nouvelle session", Folder: folder}); err != nil {
			t.Fatal(err)
		}
		if err := store.Enroll(ctx, auth.Enrollment{Session: "S2026-099", Role: "client", Ref: "C0042"}); err != nil {
			t.Fatal(err)
		}
		env.WriteDisk(t, "sessions/S2026-099/clients/C0042/Convocation.pdf", []byte("%PDF new"))
		scenario.WaitFor(t, 10*time.Second, func() string {
			fis, err := acme.sftp.ReadDir("/Sessions")
			if err != nil {
				t.Fatalf("listing /Sessions on the open connection: %v", err)
			}
			if !slices.Contains(entryNames(fis), folder) {
				return "the new session is not in acme's /Sessions: " + strings.Join(entryNames(fis), ", ")
			}
			return ""
		})
		if got, err := acme.Get("/Sessions/" + folder + "/Documents/Convocation.pdf"); err != nil || string(got) != "%PDF new" {
			t.Errorf("download from the new session: %q, %v", got, err)
		}
		// Others are not enrolled: they do not see it.
		fis, err := trainer.sftp.ReadDir("/Sessions")
		if err != nil {
			t.Fatal(err)
		}
		if slices.Contains(entryNames(fis), folder) {
			t.Errorf("fmartin sees a session he is not enrolled in")
		}
		// And unenrolling takes it away again.
		if err := store.Unenroll(ctx, auth.Enrollment{Session: "S2026-099", Role: "client", Ref: "C0042"}); err != nil {
			t.Fatal(err)
		}
		scenario.WaitFor(t, 10*time.Second, func() string {
			fis, err := acme.sftp.ReadDir("/Sessions")
			if err != nil {
				t.Fatalf("listing /Sessions on the open connection: %v", err)
			}
			if slices.Contains(entryNames(fis), folder) {
				return "the session is still in acme's /Sessions after unenrolling"
			}
			return ""
		})
		if _, err := acme.sftp.Stat("/Sessions/" + folder + "/Documents/Convocation.pdf"); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("stat in a session no longer enrolled: %v, want not found", err)
		}
	})
}

func TestShellAndExecRefused(t *testing.T) {
	t.Parallel()
	env := scenario.Start(t, nil)
	c := dialUser(t, env, "acme")

	sess, err := c.ssh.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	sess.Stderr = &stderr
	out, err := sess.Output("ls")
	var exit *ssh.ExitError
	if !errors.As(err, &exit) || exit.ExitStatus() == 0 {
		t.Errorf("exec ls: err=%v, want a non-zero exit status", err)
	}
	if len(out) != 0 {
		t.Errorf("exec ls printed %q", out)
	}
	if !strings.Contains(stderr.String(), "SFTP") {
		t.Errorf("exec ls: stderr %q, want a message that mentions SFTP", stderr.String())
	}
	sess.Close()

	sess, err = c.ssh.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	stderr.Reset()
	sess.Stderr = &stderr
	if err := sess.RequestPty("xterm", 24, 80, ssh.TerminalModes{}); err != nil {
		t.Fatalf("pty: %v", err)
	}
	if err := sess.Shell(); err != nil {
		t.Fatalf("shell request: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- sess.Wait() }()
	select {
	case err := <-done:
		if !errors.As(err, &exit) || exit.ExitStatus() == 0 {
			t.Errorf("shell: err=%v, want a non-zero exit status", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("shell session not closed by the server")
	}
	if !strings.Contains(stderr.String(), "SFTP") {
		t.Errorf("shell: stderr %q, want a message that mentions SFTP", stderr.String())
	}
	sess.Close()

	// No port forwarding either.
	if conn, err := c.ssh.Dial("tcp", env.SFTPAddr()); err == nil {
		conn.Close()
		t.Errorf("direct-tcpip forwarding was accepted")
	}
	// The connection still serves SFTP.
	if _, err := c.sftp.ReadDir("/"); err != nil {
		t.Errorf("SFTP after the refusals: %v", err)
	}
}

func TestPublicKeyLogin(t *testing.T) {
	t.Parallel()
	env := scenario.Start(t, nil)
	ctx := context.Background()
	store := env.Daemon.Store
	key := func() (ssh.Signer, string) {
		pub, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		signer, err := ssh.NewSignerFromKey(priv)
		if err != nil {
			t.Fatal(err)
		}
		sshPub, err := ssh.NewPublicKey(pub)
		if err != nil {
			t.Fatal(err)
		}
		return signer, strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sshPub))) + " test@dossierd"
	}
	login := func(user string, auth ssh.AuthMethod) (*ssh.Client, error) {
		return ssh.Dial("tcp", env.SFTPAddr(), &ssh.ClientConfig{
			User: user, Auth: []ssh.AuthMethod{auth},
			HostKeyCallback: ssh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second,
		})
	}
	rootOf := func(sc *ssh.Client) []string {
		t.Helper()
		c, err := sftp.NewClient(sc)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		fis, err := c.ReadDir("/")
		if err != nil {
			t.Fatal(err)
		}
		return entryNames(fis)
	}

	// A key added to an existing account.
	trainerKey, trainerLine := key()
	a, err := store.Account(ctx, "fmartin")
	if err != nil {
		t.Fatal(err)
	}
	a.PublicKeys = append(a.PublicKeys, trainerLine)
	if err := store.UpdateAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	sc, err := login("fmartin", ssh.PublicKeys(trainerKey))
	if err != nil {
		t.Fatalf("public-key login: %v", err)
	}
	if got, want := rootOf(sc), []string{"FTPDOSSIERPERSO", "Mes documents", "Sessions"}; !slices.Equal(got, want) {
		t.Errorf("fmartin by key sees %q, want %q", got, want)
	}
	sc.Close()
	// The password still works too.
	c := dialUser(t, env, "fmartin")
	c.Close()

	// A key that is not registered, or registered for someone else.
	otherKey, _ := key()
	if sc, err := login("fmartin", ssh.PublicKeys(otherKey)); err == nil {
		sc.Close()
		t.Errorf("an unknown key logged in")
	}
	if sc, err := login("acme", ssh.PublicKeys(trainerKey)); err == nil {
		sc.Close()
		t.Errorf("fmartin's key logged in as acme")
	}

	// A key-only account (the TMS's scripted uploads).
	scriptKey, scriptLine := key()
	if _, err := store.AddAccount(ctx, auth.Account{Login: "tms-script", Role: domain.RoleStaff, Name: "TMS", PublicKeys: []string{scriptLine}}, ""); err != nil {
		t.Fatal(err)
	}
	sc, err = login("tms-script", ssh.PublicKeys(scriptKey))
	if err != nil {
		t.Fatalf("key-only account: %v", err)
	}
	if got, want := rootOf(sc), []string{"FTPDOSSIERPERSO", "clients", "intervenants", "sessions", "stagiaires"}; !slices.Equal(got, want) {
		t.Errorf("tms-script sees %q, want %q", got, want)
	}
	sc.Close()
	if sc, err := login("tms-script", ssh.Password("")); err == nil {
		sc.Close()
		t.Errorf("a key-only account logged in with an empty password")
	}
	// Removing the key takes effect.
	a, err = store.Account(ctx, "tms-script")
	if err != nil {
		t.Fatal(err)
	}
	a.PublicKeys = nil
	if err := store.UpdateAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	if sc, err := login("tms-script", ssh.PublicKeys(scriptKey)); err == nil {
		sc.Close()
		t.Errorf("a removed key still logs in")
	}
}

package sftpd_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"

	"github.com/dossierd/dossierd/audit"
	"github.com/dossierd/dossierd/config"
	"github.com/dossierd/dossierd/scenario"
)

// These tests hold the server to the hardening promises: a failed write
// never replaces a good file, and what one connection can hold is bounded.

// statusText is the message of an SFTP status, what FileZilla and WinSCP
// show.
func statusText(err error) string {
	if err == nil {
		return ""
	}
	s := err.Error()
	var se *sftp.StatusError
	if errors.As(err, &se) {
		s = se.Error() // sftp: "<message>" (<code>)
		if i := strings.LastIndex(s, `" (`); strings.HasPrefix(s, `sftp: "`) && i > 6 {
			if msg, err := strconv.Unquote(s[6 : i+1]); err == nil {
				return msg
			}
		}
	}
	return s
}

// noStoragePath fails when a message a client reads names a folder on the
// server's disk.
func noStoragePath(t testing.TB, env *scenario.Env, msg string) {
	t.Helper()
	if strings.Contains(msg, env.Daemon.Storage.Path()) || strings.Contains(msg, uploadTempPrefix) {
		t.Errorf("a client reads a physical path: %q", msg)
	}
}

// lastUploadAudit waits for the audit event of the upload of p.
func lastUploadAudit(t testing.TB, env *scenario.Env, login, p string) audit.Event {
	t.Helper()
	var found audit.Event
	scenario.WaitFor(t, 10*time.Second, func() string {
		events, err := audit.Query(context.Background(), env.Daemon.Store.DB(), audit.Filter{Login: login, Action: audit.Upload})
		if err != nil {
			return err.Error()
		}
		for _, e := range events {
			if e.Path == p {
				found = e
				return ""
			}
		}
		return fmt.Sprintf("no upload of %s in the audit trail: %v", p, events)
	})
	return found
}

// checkFailedUpload checks what a user and the server keep of an upload
// over acme's invoice that failed on the server: the failing write and the
// close both carry want, with no path of the server's disk; the previous
// version is intact; no temporary file is left; the audit says why.
func checkFailedUpload(t *testing.T, env *scenario.Env, werr, cerr error, want string, old []byte) {
	t.Helper()
	if !strings.Contains(statusText(werr), want) || !strings.Contains(statusText(cerr), want) {
		t.Errorf("failed upload: write %q, close %q; want %q", statusText(werr), statusText(cerr), want)
	}
	noStoragePath(t, env, statusText(werr))
	noStoragePath(t, env, statusText(cerr))
	if got := env.ReadDisk(t, acmeStorage+"/"+factureName); sha256Of(got) != sha256Of(old) {
		t.Errorf("the previous version was replaced (%d bytes, was %d)", len(got), len(old))
	}
	if temps := env.UploadTemps(t, acmeStorage); len(temps) != 0 {
		t.Errorf("temporary files left: %v", temps)
	}
	cause := want[strings.Index(want, ": ")+2:]
	if e := lastUploadAudit(t, env, "acme", homeDir+"/"+factureName); !strings.Contains(e.Result, cause) {
		t.Errorf("audit result %q, want the cause %q", e.Result, cause)
	}
}

// TestFileSizeLimitKeepsPreviousVersion uploads over an existing file past
// max_upload_file_size, in upload modes 1 and 2: the writes past the limit
// are refused with the limit in MB, the close reports the failure, the
// previous version is intact and the audit trail says why.
func TestFileSizeLimitKeepsPreviousVersion(t *testing.T) {
	t.Parallel()
	for _, mode := range []int{1, 2} {
		t.Run(fmt.Sprintf("upload_mode %d", mode), func(t *testing.T) {
			t.Parallel()
			env := scenario.Start(t, func(c *config.Config) {
				c.Common.UploadMode = mode
				c.Common.MaxUploadFileSize = 1 << 20
			})
			old := env.ReadDisk(t, acmeStorage+"/"+factureName)
			c := dialUser(t, env, "acme")
			f, err := c.sftp.Create(homeDir + "/" + factureName)
			if err != nil {
				t.Fatal(err)
			}
			_, werr := f.Write(scenario.RandomData(t, 2<<20))
			checkFailedUpload(t, env, werr, f.Close(), `cannot upload "/Mes documents/Facture F2026-0042.pdf": file too large: at most 1 MB per file`, old)
			// Under the limit, the upload goes through.
			small := scenario.RandomData(t, 1<<20)
			if err := c.Put(homeDir+"/"+factureName, small); err != nil {
				t.Fatalf("upload at the limit: %v", err)
			}
			if got := env.ReadDisk(t, acmeStorage+"/"+factureName); sha256Of(got) != sha256Of(small) {
				t.Errorf("upload at the limit not published intact")
			}
		})
	}
}

// TestRoleOverridesFileSizeLimit gives staff no limit while clients keep
// theirs.
func TestRoleOverridesFileSizeLimit(t *testing.T) {
	t.Parallel()
	env := scenario.Start(t, func(c *config.Config) {
		c.Common.MaxUploadFileSize = 1 << 20
		c.Common.Roles = map[string]map[string]int{"staff": {"max_upload_file_size": 0}}
	})
	big := scenario.RandomData(t, 3<<20)
	staff := dialUser(t, env, "backoffice")
	if err := staff.Put("/FTPDOSSIERPERSO/big.bin", big); err != nil {
		t.Errorf("staff upload of 3 MB: %v", err)
	}
	acme := dialUser(t, env, "acme")
	if err := acme.Put(homeDir+"/big.bin", big); !strings.Contains(statusText(err), "at most 1 MB per file") {
		t.Errorf("client upload of 3 MB: %q, want the 1 MB limit", statusText(err))
	}
	absentOnDisk(t, env, acmeStorage+"/big.bin")
}

// TestWriteFarPastEndRefused: one byte written 256 MiB into a new file
// would make a huge sparse file that every resume then has to copy.
func TestWriteFarPastEndRefused(t *testing.T) {
	t.Parallel()
	env := scenario.Start(t, nil)
	c := dialUser(t, env, "acme")
	f, err := c.sftp.Create(homeDir + "/sparse.bin")
	if err != nil {
		t.Fatal(err)
	}
	_, werr := f.WriteAt([]byte{1}, 256<<20)
	f.Close()
	want := `cannot upload "/Mes documents/sparse.bin": a write more than 64 MB past the end of the file was refused`
	if !strings.Contains(statusText(werr), want) {
		t.Errorf("write at 256 MiB: %q, want %q", statusText(werr), want)
	}
	absentOnDisk(t, env, acmeStorage+"/sparse.bin")
}

// blocksOf is the disk usage of a file in bytes, what du reports.
func blocksOf(t testing.TB, path string) int64 {
	t.Helper()
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		t.Fatal(err)
	}
	return st.Blocks * 512
}

// TestResumeOfSparseFileKeepsHoles: a sparse file on disk (256 MiB with
// one byte of data), reopened without truncation, must not cost 256 MiB of
// zeros: the copy that starts the upload keeps the holes.
func TestResumeOfSparseFileKeepsHoles(t *testing.T) {
	t.Parallel()
	env := scenario.Start(t, nil)
	disk := env.Disk(acmeStorage + "/sparse.bin")
	sf, err := os.Create(disk)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sf.WriteAt([]byte("x"), 256<<20); err != nil {
		t.Fatal(err)
	}
	sf.Close()
	if du := blocksOf(t, disk); du > 1<<20 {
		t.Skipf("this file system does not make sparse files (%d bytes used)", du)
	}
	c := dialUser(t, env, "acme")
	f, err := c.sftp.OpenFile(homeDir+"/sparse.bin", os.O_WRONLY)
	if err != nil {
		t.Fatal(err)
	}
	writeAtAll(t, f, []byte("head"), 0)
	for tmp := range env.UploadTemps(t, acmeStorage) {
		if du := blocksOf(t, env.Disk(acmeStorage+"/"+tmp)); du > 1<<20 {
			t.Errorf("the temporary copy uses %d bytes of disk, want the holes kept", du)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(disk)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() != 256<<20+1 {
		t.Errorf("size after the resume %d, want %d", fi.Size(), 256<<20+1)
	}
	if du := blocksOf(t, disk); du > 1<<20 {
		t.Errorf("the published file uses %d bytes of disk, want the holes kept", du)
	}
	got := make([]byte, 4)
	pf, _ := os.Open(disk)
	pf.ReadAt(got, 0)
	last := make([]byte, 1)
	pf.ReadAt(last, 256<<20)
	pf.Close()
	if string(got) != "head" || string(last) != "x" {
		t.Errorf("content after the resume: %q ... %q", got, last)
	}
}

// TestConcurrentWritesAccepted: pkg/sftp's concurrent writes (64 requests
// of up to 256 KiB in flight, out of order) are never mistaken for a write
// too far past the end.
func TestConcurrentWritesAccepted(t *testing.T) {
	t.Parallel()
	env := scenario.Start(t, nil)
	sc, err := ssh.Dial("tcp", env.SFTPAddr(), &ssh.ClientConfig{
		User: "acme", Auth: []ssh.AuthMethod{ssh.Password(env.Passwords["acme"])},
		HostKeyCallback: ssh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	c, err := sftp.NewClient(sc, sftp.UseConcurrentWrites(true), sftp.MaxConcurrentRequestsPerFile(64), sftp.MaxPacketUnchecked(255<<10))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	data := scenario.RandomData(t, 48<<20)
	f, err := c.Create(homeDir + "/concurrent.bin")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.ReadFrom(strings.NewReader(string(data))); err != nil {
		t.Fatalf("concurrent upload: %v", err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if got := env.ReadDisk(t, acmeStorage+"/concurrent.bin"); sha256Of(got) != sha256Of(data) {
		t.Errorf("concurrent upload not intact")
	}
}

// TestOpenExclusive: CREATE|EXCL on an existing file is refused and the
// file is untouched; on a new name it creates the file.
func TestOpenExclusive(t *testing.T) {
	t.Parallel()
	env := scenario.Start(t, nil)
	old := env.ReadDisk(t, acmeStorage+"/"+factureName)
	c := dialUser(t, env, "acme")
	_, err := c.sftp.OpenFile(homeDir+"/"+factureName, os.O_WRONLY|os.O_CREATE|os.O_EXCL)
	want := `cannot upload "/Mes documents/Facture F2026-0042.pdf": a file or folder with this name already exists`
	if !strings.Contains(statusText(err), want) {
		t.Errorf("exclusive open of an existing file: %q, want %q", statusText(err), want)
	}
	if got := env.ReadDisk(t, acmeStorage+"/"+factureName); sha256Of(got) != sha256Of(old) {
		t.Errorf("the existing file changed")
	}
	f, err := c.sftp.OpenFile(homeDir+"/Nouveau.pdf", os.O_WRONLY|os.O_CREATE|os.O_EXCL)
	if err != nil {
		t.Fatal(err)
	}
	// A file that appears at the name while the upload is open is not
	// replaced by it.
	env.WriteDisk(t, acmeStorage+"/Nouveau.pdf", []byte("arrived first"))
	writeAtAll(t, f, []byte("late"), 0)
	if err := f.Close(); err == nil || !strings.Contains(statusText(err), "already exists") {
		t.Errorf("close of an exclusive upload whose name was taken meanwhile: %v", err)
	}
	if got := string(env.ReadDisk(t, acmeStorage+"/Nouveau.pdf")); got != "arrived first" {
		t.Errorf("the file that arrived first was replaced: %q", got)
	}
}

// TestRenameNeverReplaces: a rename without overwrite onto an existing
// name is refused, and both files are kept.
func TestRenameNeverReplaces(t *testing.T) {
	t.Parallel()
	env := scenario.Start(t, nil)
	env.WriteDisk(t, acmeStorage+"/a.pdf", []byte("a"))
	env.WriteDisk(t, acmeStorage+"/b.pdf", []byte("b"))
	c := dialUser(t, env, "acme")
	err := c.sftp.Rename(homeDir+"/a.pdf", homeDir+"/b.pdf")
	if !strings.Contains(statusText(err), `cannot rename to "/Mes documents/b.pdf": a file or folder with this name already exists`) {
		t.Errorf("rename onto an existing file: %q", statusText(err))
	}
	if string(env.ReadDisk(t, acmeStorage+"/a.pdf")) != "a" || string(env.ReadDisk(t, acmeStorage+"/b.pdf")) != "b" {
		t.Errorf("a file changed")
	}
}

// TestHandleAndChannelBounds: one connection holding all the handles and
// sessions it may gets a readable refusal past the bounds, and another
// login works meanwhile.
func TestHandleAndChannelBounds(t *testing.T) {
	t.Parallel()
	env := scenario.Start(t, func(c *config.Config) { c.SFTPD.MaxOpenHandles = 40 })
	hostile := dialCuttable(t, env, "acme")
	var files []*sftp.File
	for i := 0; i < 30; i++ {
		f, err := hostile.sftp.Open(homeDir + "/" + factureName)
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		files = append(files, f)
	}
	// Folder handles count too.
	for i := 0; i < 10; i++ {
		if _, err := hostile.sftp.ReadDir(homeDir); err != nil {
			t.Fatalf("readdir %d: %v", i, err)
		}
	}
	var uploads []*sftp.File
	for i := 0; i < 10; i++ {
		f, err := hostile.sftp.Create(fmt.Sprintf("%s/held%02d.bin", homeDir, i))
		if err != nil {
			t.Fatalf("create %d: %v", i, err)
		}
		uploads = append(uploads, f)
	}
	_, err := hostile.sftp.Open(homeDir + "/" + factureName)
	want := `cannot download "/Mes documents/Facture F2026-0042.pdf": too many files open on this connection (at most 40); close some first`
	if !strings.Contains(statusText(err), want) {
		t.Errorf("open past the bound: %q, want %q", statusText(err), want)
	}
	if _, err := hostile.sftp.ReadDir(homeDir); !strings.Contains(statusText(err), "too many files open on this connection (at most 40)") {
		t.Errorf("readdir past the bound: %q", statusText(err))
	}
	// Another login works while acme holds its handles.
	other := dialUser(t, env, "jdupont")
	if _, err := other.List("/"); err != nil {
		t.Errorf("another login while one holds its handles: %v", err)
	}
	// Closing a handle frees it.
	files[0].Close()
	if f, err := hostile.sftp.Open(homeDir + "/" + factureName); err != nil {
		t.Errorf("open after a close: %v", err)
	} else {
		f.Close()
	}
	for _, f := range append(files[1:], uploads...) {
		f.Close()
	}

	// Sessions: OpenSSH's MaxSessions, 10 by default.
	var clients []*sftp.Client
	defer func() {
		for _, c := range clients {
			c.Close()
		}
	}()
	for i := 1; i < 10; i++ { // the first is hostile.sftp
		c, err := sftp.NewClient(hostile.ssh)
		if err != nil {
			t.Fatalf("session %d: %v", i+1, err)
		}
		clients = append(clients, c)
	}
	_, err = sftp.NewClient(hostile.ssh)
	if err == nil || !strings.Contains(err.Error(), "too many sessions open on this connection (at most 10)") {
		t.Errorf("11th session: %v", err)
	}
	if _, err := other.List("/"); err != nil {
		t.Errorf("another login while one holds its sessions: %v", err)
	}
}

// TestMaxSessionsPerLogin: past max_sessions connections of one login the
// next login is refused with a banner that says why; other logins are not
// affected, and a closed connection frees its slot.
func TestMaxSessionsPerLogin(t *testing.T) {
	t.Parallel()
	env := scenario.Start(t, func(c *config.Config) { c.Common.MaxSessions = 2 })
	first := dialUser(t, env, "acme")
	dialUser(t, env, "acme")
	var banner string
	_, err := ssh.Dial("tcp", env.SFTPAddr(), &ssh.ClientConfig{
		User: "acme", Auth: []ssh.AuthMethod{ssh.Password(env.Passwords["acme"])},
		HostKeyCallback: ssh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second,
		BannerCallback: func(m string) error { banner += m; return nil },
	})
	if err == nil {
		t.Fatal("a third connection of acme logged in")
	}
	if want := "too many connections open with this login (at most 2 at once)"; !strings.Contains(banner, want) {
		t.Errorf("banner %q, want %q", banner, want)
	}
	dialUser(t, env, "jdupont").Close()
	first.Close()
	scenario.WaitFor(t, 10*time.Second, func() string {
		sc, err := ssh.Dial("tcp", env.SFTPAddr(), &ssh.ClientConfig{
			User: "acme", Auth: []ssh.AuthMethod{ssh.Password(env.Passwords["acme"])},
			HostKeyCallback: ssh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second,
		})
		if err != nil {
			return "acme cannot log in after closing a connection: " + err.Error()
		}
		sc.Close()
		return ""
	})
}

// publicOnly is a key whose holder cannot sign: a client that found the
// public key of a login and asks whether the server would take it.
type publicOnly struct{ ssh.Signer }

func (publicOnly) Sign(io.Reader, []byte) (*ssh.Signature, error) {
	return nil, errors.New("no private key")
}

// TestKeyQueryDoesNotTellAccountState: the unsigned query for a disabled
// account's key is answered as for an active one, with no banner; only a
// client that signs learns the account is disabled.
func TestKeyQueryDoesNotTellAccountState(t *testing.T) {
	t.Parallel()
	env := scenario.Start(t, nil)
	ctx := context.Background()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	a, err := env.Daemon.Store.Account(ctx, "fmartin")
	if err != nil {
		t.Fatal(err)
	}
	a.PublicKeys = []string{strings.TrimSpace(string(ssh.MarshalAuthorizedKey(signer.PublicKey())))}
	a.Disabled = true
	if err := env.Daemon.Store.UpdateAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	try := func(s ssh.Signer) (string, error) {
		var banner string
		sc, err := ssh.Dial("tcp", env.SFTPAddr(), &ssh.ClientConfig{
			User: "fmartin", Auth: []ssh.AuthMethod{ssh.PublicKeys(s)},
			HostKeyCallback: ssh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second,
			BannerCallback: func(m string) error { banner += m; return nil },
		})
		if err == nil {
			sc.Close()
		}
		return banner, err
	}
	banner, err := try(publicOnly{signer})
	if err == nil || banner != "" {
		t.Errorf("unsigned query for a disabled account: err=%v banner=%q, want a plain refusal", err, banner)
	}
	banner, err = try(signer)
	if err == nil || !strings.Contains(banner, "This account is disabled") {
		t.Errorf("signed login to a disabled account: err=%v banner=%q, want the disabled banner", err, banner)
	}
}

// TestStorageIsPrivate: what the server creates is its user's only.
func TestStorageIsPrivate(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		umask          string
		dir, file, top os.FileMode
	}{
		{"077", 0o700, 0o600, 0o700},
		{"027", 0o750, 0o640, 0o750},
	} {
		t.Run("umask "+tt.umask, func(t *testing.T) {
			env := scenario.Start(t, func(c *config.Config) { c.Common.Umask = tt.umask })
			c := dialUser(t, env, "acme")
			if err := c.Mkdir(homeDir + "/Dossier"); err != nil {
				t.Fatal(err)
			}
			if err := c.Put(homeDir+"/Dossier/a.pdf", []byte("%PDF")); err != nil {
				t.Fatal(err)
			}
			for _, p := range []struct {
				path string
				want os.FileMode
			}{
				{env.Daemon.Storage.Path(), tt.top},
				{env.Disk("clients"), tt.dir},
				{env.Disk(acmeStorage), tt.dir},
				{env.Disk("sessions/S2026-014"), tt.dir},
				{env.Disk(acmeStorage + "/Dossier"), tt.dir},
				{env.Disk(acmeStorage + "/Dossier/a.pdf"), tt.file},
			} {
				fi, err := os.Stat(p.path)
				if err != nil {
					t.Fatal(err)
				}
				if got := fi.Mode().Perm(); got&^p.want != 0 {
					t.Errorf("%s: mode %o, want at most %o", p.path, got, p.want)
				}
			}
		})
	}
}

// TestFullDiskKeepsPreviousVersion fills a real (tmpfs) file system, then
// uploads over an existing file more than the space left, in modes 1 and
// 2: the client reads that the disk is full, the previous version is
// intact, and the space of the failed upload is given back.
func TestFullDiskKeepsPreviousVersion(t *testing.T) {
	t.Parallel()
	for _, mode := range []int{1, 2} {
		t.Run(fmt.Sprintf("upload_mode %d", mode), func(t *testing.T) {
			var disk string
			env := scenario.Start(t, func(c *config.Config) {
				disk = scenario.SmallDisk(t, 16<<20)
				c.Storage.Root = disk
				c.Common.UploadMode = mode
			})
			scenario.FillDisk(t, disk, 2<<20)
			old := env.ReadDisk(t, acmeStorage+"/"+factureName)
			c := dialUser(t, env, "acme")
			f, err := c.sftp.Create(homeDir + "/" + factureName)
			if err != nil {
				t.Fatal(err)
			}
			_, werr := f.Write(scenario.RandomData(t, 4<<20))
			checkFailedUpload(t, env, werr, f.Close(), `cannot upload "/Mes documents/Facture F2026-0042.pdf": the server's disk is full`, old)
			// The space is back: a small upload goes through.
			small := scenario.RandomData(t, 512<<10)
			if err := c.Put(homeDir+"/petit.bin", small); err != nil {
				t.Errorf("small upload after the failure: %v", err)
			}
		})
	}
}

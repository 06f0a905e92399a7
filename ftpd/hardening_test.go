package ftpd_test

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/jlaffaye/ftp"

	"github.com/dossierd/dossierd/config"
	"github.com/dossierd/dossierd/scenario"
)

const factureFile = "Facture F2026-0042.pdf"

// checkFailedUpload checks what a user and the server keep of a STOR that
// failed on the server: a 552 that is our sentence (starting with want),
// with no path of the server's disk in it, the previous version intact,
// no temporary file.
func checkFailedUpload(t *testing.T, env *scenario.Env, err error, want string, old []byte) {
	t.Helper()
	code, msg, _ := reply(err)
	checkRefusal(t, "STOR", code, msg, 552, want)
	if !strings.HasPrefix(msg, want) {
		t.Errorf("STOR: %q does not start with %q", msg, want)
	}
	if strings.Contains(msg, env.Daemon.Storage.Path()) || strings.Contains(msg, ".dossierd-upload-") {
		t.Errorf("the reply names a physical path: %q", msg)
	}
	got, rerr := os.ReadFile(acmeDir(env) + "/" + factureFile)
	if rerr != nil {
		t.Fatal(rerr)
	}
	if sha256.Sum256(got) != sha256.Sum256(old) {
		t.Errorf("the previous version was replaced (%d bytes, was %d)", len(got), len(old))
	}
	wantDisk(t, acmeDir(env))
}

// TestFullDiskKeepsPreviousVersion fills a real (tmpfs) file system and
// STORs over an existing file, in clear and over TLS, in upload modes 1
// and 2.
func TestFullDiskKeepsPreviousVersion(t *testing.T) {
	t.Parallel()
	for _, uploadMode := range []int{1, 2} {
		for _, m := range []mode{plain, explicitTLS} {
			t.Run(fmt.Sprintf("upload_mode %d, tls %v", uploadMode, m == explicitTLS), func(t *testing.T) {
				var disk string
				env := scenario.Start(t, func(c *config.Config) {
					disk = scenario.SmallDisk(t, 16<<20)
					c.Storage.Root = disk
					c.Common.UploadMode = uploadMode
				})
				filler := scenario.FillDisk(t, disk, 2<<20)
				old, err := os.ReadFile(acmeDir(env) + "/" + factureFile)
				if err != nil {
					t.Fatal(err)
				}
				c := dialFTP(t, env, m, "acme", env.Passwords["acme"])
				defer c.Quit()
				err = c.Stor(mine+"/"+factureFile, bytes.NewReader(payload(4<<20)))
				checkFailedUpload(t, env, err, `cannot upload "/Mes documents/Facture F2026-0042.pdf": the server's disk is full`, old)
				// The space is back: a small upload goes through.
				if err := c.Stor(mine+"/petit.bin", bytes.NewReader(payload(512<<10))); err != nil {
					t.Errorf("small upload after the failure: %v", err)
				}
				os.Remove(filler)
			})
		}
	}
}

// TestFileSizeLimit: a STOR past max_upload_file_size is refused with the
// limit in MB, whatever the transfer path (splice in clear, TLS), and the
// previous version stays.
func TestFileSizeLimit(t *testing.T) {
	t.Parallel()
	env := scenario.Start(t, func(c *config.Config) { c.Common.MaxUploadFileSize = 1 << 20 })
	old, err := os.ReadFile(acmeDir(env) + "/" + factureFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []mode{plain, explicitTLS} {
		c := dialFTP(t, env, m, "acme", env.Passwords["acme"])
		err := c.Stor(mine+"/"+factureFile, bytes.NewReader(payload(3<<20)))
		checkFailedUpload(t, env, err, `cannot upload "/Mes documents/Facture F2026-0042.pdf": file too large: at most 1 MB per file`, old)
		// Exactly at the limit is fine.
		if err := c.Stor(mine+"/limite.bin", bytes.NewReader(payload(1<<20))); err != nil {
			t.Errorf("upload of exactly 1 MB: %v", err)
		}
		os.Remove(acmeDir(env) + "/limite.bin")
		c.Quit()
	}
}

// TestMaxSessionsPerLogin: past max_sessions the login is refused with a
// reply that says why; another login is not affected.
func TestMaxSessionsPerLogin(t *testing.T) {
	t.Parallel()
	env := scenario.Start(t, func(c *config.Config) { c.Common.MaxSessions = 2 })
	var held []*ftp.ServerConn
	for range 2 {
		held = append(held, dialFTP(t, env, explicitTLS, "acme", env.Passwords["acme"]))
	}
	c, err := ftp.Dial(env.FTPAddr(), ftp.DialWithExplicitTLS(clientTLS(t, env)))
	if err != nil {
		t.Fatal(err)
	}
	err = c.Login("acme", env.Passwords["acme"])
	code, msg, _ := reply(err)
	if want := "too many connections open with this login (at most 2 at once)"; code != 530 || !strings.Contains(msg, want) {
		t.Errorf("third login: %d %q, want 530 with %q", code, msg, want)
	}
	c.Quit()
	dialFTP(t, env, explicitTLS, "jdupont", env.Passwords["jdupont"]).Quit()
	for _, h := range held {
		h.Quit()
	}
}

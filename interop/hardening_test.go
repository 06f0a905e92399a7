package interop

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/dossierd/dossierd/config"
	"github.com/dossierd/dossierd/scenario"
)

// The hardening promises, as the programs people use show them.

const facture = "Facture F2026-0042.pdf"

// TestRealClientsWritesNeverTooFar: the out-of-order writes of OpenSSH
// sftp (64 requests in flight, and 256 requests of 255 KiB) and of rclone
// (64 concurrent writes of 255 KiB chunks) are never mistaken for a write
// too far past the end of the file.
func TestRealClientsWritesNeverTooFar(t *testing.T) {
	t.Parallel()
	c := startCLI(t, nil)
	data := randomBytes(t, 48<<20)
	src := c.local("gros.bin", data)
	c.mustRun("acme", "put "+q(src)+" "+q("/Mes documents/gros.bin"))
	if got := fileSum(t, c.env.Disk(acmeDir+"/gros.bin")); got != sum(data) {
		t.Errorf("OpenSSH sftp default upload not intact")
	}
	// sftp -R 256 -B 261120: deeper and wider than the defaults.
	out, err := c.runWith([]string{"-R", "256", "-B", "261120"}, "acme", "put "+q(src)+" "+q("/Mes documents/gros2.bin"))
	if err != nil {
		t.Fatalf("sftp -R 256 -B 261120: %v\n%s", err, out)
	}
	if got := fileSum(t, c.env.Disk(acmeDir+"/gros2.bin")); got != sum(data) {
		t.Errorf("OpenSSH sftp -R 256 upload not intact")
	}

	needTools(t, "rclone")
	r := newRclone(t, c.env, "acme")
	r.mustRun("copyto", src, "doss:Mes documents/gros3.bin", "--sftp-concurrency", "64", "--sftp-chunk-size", "255k", "--stats", "0")
	if got := fileSum(t, c.env.Disk(acmeDir+"/gros3.bin")); got != sum(data) {
		t.Errorf("rclone upload with 64 concurrent writes not intact")
	}
}

// TestSizeLimitInRealClients: an upload past max_upload_file_size, with
// lftp over SFTP and FTPS and with curl over FTPS: lftp prints the
// server's sentence with the limit in MB, curl fails the transfer, and the
// previous version stays.
func TestSizeLimitInRealClients(t *testing.T) {
	t.Parallel()
	limit := func(c *config.Config) { c.Common.MaxUploadFileSize = 1 << 20 }
	c := startFTPCLIWith(t, limit, "lftp", "curl")
	env := c.env
	old := fileSum(t, env.Disk(acmeDir+"/"+facture))
	big := c.local("big.pdf", randomBytes(t, 3<<20))
	want := `impossible d'envoyer "/Mes documents/Facture F2026-0042.pdf" : fichier trop volumineux : 1 Mo au maximum par fichier`

	out, err := c.lftp("acme", "put "+lftpQ(big)+" -o "+lftpQ("/Mes documents/"+facture))
	if err == nil || !strings.Contains(out, want) {
		t.Errorf("lftp FTPS put past the limit: err=%v, want %q in:\n%s", err, want, out)
	}
	out, err = c.curl("acme", "-T", big, c.url("/Mes documents/"+facture))
	// curl's words for the 552; or, when the server stops reading the
	// data connection before curl has sent everything, curl reports the
	// send failure first (lftp above shows the sentence in both cases).
	if err == nil || !strings.Contains(out, "Exceeded storage allocation") && !strings.Contains(out, "Send failure") {
		t.Errorf("curl FTPS upload past the limit: err=%v, want a 552 in:\n%s", err, out)
	}
	sftpOut, err := lftpSFTP(c, "acme", "put "+lftpQ(big)+" -o "+lftpQ("/Mes documents/"+facture))
	if err == nil || !strings.Contains(sftpOut, "fichier trop volumineux : 1 Mo au maximum par fichier") {
		t.Errorf("lftp SFTP put past the limit: err=%v, want the limit in:\n%s", err, sftpOut)
	}
	if got := fileSum(t, env.Disk(acmeDir+"/"+facture)); got != old {
		t.Errorf("the previous version was replaced")
	}
	// lftp leaves without closing its handle: the server discards the
	// upload when the connection ends.
	eventually(func() bool { return len(temps(t, env)) == 0 })
	noTemp(t, env)
	for _, s := range []string{out, sftpOut} {
		if strings.Contains(s, env.Daemon.Storage.Path()) {
			t.Errorf("a client shows a physical path:\n%s", s)
		}
	}
}

// temps lists the upload temporary files on disk.
func temps(t testing.TB, env *scenario.Env) []string {
	var out []string
	for _, p := range onDisk(t, env) {
		if strings.HasPrefix(filepath.Base(p), tempPrefix) {
			out = append(out, p)
		}
	}
	return out
}

// lftpSFTP runs lftp commands over SFTP against c's daemon.
func lftpSFTP(c *ftpCLI, login string, cmds ...string) (string, error) {
	c.t.Helper()
	return c.lftpAt("sftp://"+c.env.SFTPAddr(), login, append([]string{
		"set sftp:auto-confirm yes",
		"set sftp:connect-program " + lftpQ("ssh -a -x -F /dev/null -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR"),
	}, cmds...)...)
}

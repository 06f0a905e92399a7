package ftpd_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"hash/crc32"
	"io"
	"net"
	"net/textproto"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jlaffaye/ftp"

	"github.com/dossierd/dossierd/config"
	"github.com/dossierd/dossierd/ftpd"
	"github.com/dossierd/dossierd/scenario"
)

const mine = "/Mes documents"

// acmeDir is the physical folder behind acme's "/Mes documents".
func acmeDir(env *scenario.Env) string { return env.Disk("clients/C0042") }

// payload is deterministic test data of n bytes.
func payload(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

// diskNames lists a physical folder: what is really there, hidden
// temporary files included.
func diskNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

// The demo content of acme's folder, plus the two planted symlinks.
var acmeDemo = []string{"Facture F2026-0042.pdf", "abs-link", "globex-link"}

func wantDisk(t *testing.T, dir string, extra ...string) {
	t.Helper()
	want := append(slices.Clone(acmeDemo), extra...)
	slices.Sort(want)
	if got := diskNames(t, dir); !slices.Equal(got, want) {
		t.Errorf("on disk: %q, want %q (no partial or temporary file)", got, want)
	}
}

func TestListingsGiveExactSizeAndTime(t *testing.T) {
	env := scenario.Start(t, nil)
	c := dialFTP(t, env, explicitTLS, "acme", env.Passwords["acme"])
	defer c.Quit()
	data := payload(123457)
	if err := c.Stor(mine+"/sizes.bin", bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	// Sub-second part on disk: listings give whole seconds, truncated as
	// FileZilla's comparison expects, never rounded up.
	mtime := time.Date(2025, 3, 4, 5, 6, 7, 800_000_000, time.UTC)
	if err := os.Chtimes(filepath.Join(acmeDir(env), "sizes.bin"), mtime, mtime); err != nil {
		t.Fatal(err)
	}
	want := mtime.Truncate(time.Second)

	entries, err := c.List(mine) // MLSD
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, e := range entries {
		if e.Name == "sizes.bin" {
			found = true
			if e.Type != ftp.EntryTypeFile || e.Size != uint64(len(data)) || !e.Time.Equal(want) {
				t.Errorf("MLSD: type %v size %d time %v, want file %d %v", e.Type, e.Size, e.Time, len(data), want)
			}
		}
	}
	if !found {
		t.Fatalf("MLSD of %s lacks sizes.bin", mine)
	}
	e, err := c.GetEntry(mine + "/sizes.bin") // MLST
	if err != nil {
		t.Fatal(err)
	}
	if e.Size != uint64(len(data)) || !e.Time.Equal(want) {
		t.Errorf("MLST: size %d time %v, want %d %v", e.Size, e.Time, len(data), want)
	}
	if n, err := c.FileSize(mine + "/sizes.bin"); err != nil || n != int64(len(data)) {
		t.Errorf("SIZE = %d, %v; want %d", n, err, len(data))
	}
	if tm, err := c.GetTime(mine + "/sizes.bin"); err != nil || !tm.Equal(want) {
		t.Errorf("MDTM = %v, %v; want %v", tm, err, want)
	}

	// MFMT, as FileZilla's "preserve timestamps" sends after an upload.
	set := time.Date(2024, 12, 31, 23, 59, 58, 0, time.UTC)
	if err := c.SetTime(mine+"/sizes.bin", set); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(acmeDir(env), "sizes.bin"))
	if err != nil || !fi.ModTime().Equal(set) {
		t.Errorf("after MFMT the file's mtime is %v (%v), want %v", fi.ModTime(), err, set)
	}
	if tm, err := c.GetTime(mine + "/sizes.bin"); err != nil || !tm.Equal(set) {
		t.Errorf("MDTM after MFMT = %v, %v; want %v", tm, err, set)
	}
	// A read-only file's time is not the user's to change.
	err = c.SetTime("/FTPDOSSIERPERSO/Reglement interieur.pdf", set)
	if code, msg, _ := reply(err); code != 550 || !strings.Contains(msg, "read-only") {
		t.Errorf("MFMT on a read-only file: %v, want 550 read-only", err)
	}
	// SIZE of a folder is refused (it has no size a client could compare).
	if _, err := c.FileSize(mine); err == nil {
		t.Error("SIZE of a folder succeeded")
	}
}

func TestRestResumesUpload(t *testing.T) {
	env := scenario.Start(t, nil)
	c := dialFTP(t, env, explicitTLS, "acme", env.Passwords["acme"])
	defer c.Quit()
	full := payload(3<<20 + 17)
	cut := 1<<20 + 5
	// What a cut upload leaves with upload_mode 2, or a client's own
	// first part: the first bytes of the file.
	if err := c.Stor(mine+"/big.bin", bytes.NewReader(full[:cut])); err != nil {
		t.Fatal(err)
	}
	if err := c.StorFrom(mine+"/big.bin", bytes.NewReader(full[cut:]), uint64(cut)); err != nil {
		t.Fatalf("REST %d + STOR: %v", cut, err)
	}
	got, err := os.ReadFile(filepath.Join(acmeDir(env), "big.bin"))
	if err != nil {
		t.Fatal(err)
	}
	if sha256.Sum256(got) != sha256.Sum256(full) {
		t.Fatalf("resumed file: %d bytes, SHA-256 differs from the source's (%d bytes)", len(got), len(full))
	}
	// A resume that does not start at the end of the file would leave a
	// hole or old bytes: refused with the size to resume from.
	err = c.StorFrom(mine+"/big.bin", bytes.NewReader(full[10:]), 10)
	code, msg, _ := reply(err)
	if code != 550 || !strings.Contains(msg, "has "+strconv.Itoa(len(full))+" bytes") {
		t.Errorf("REST 10 + STOR: %v, want 550 naming the size", err)
	}
	got, _ = os.ReadFile(filepath.Join(acmeDir(env), "big.bin"))
	if !bytes.Equal(got, full) {
		t.Error("a refused resume changed the file")
	}
	// REST + RETR downloads the rest.
	r, err := c.RetrFrom(mine+"/big.bin", uint64(cut))
	if err != nil {
		t.Fatal(err)
	}
	var tail bytes.Buffer
	_, err = tail.ReadFrom(r)
	r.Close()
	if err != nil || !bytes.Equal(tail.Bytes(), full[cut:]) {
		t.Errorf("REST %d + RETR: %d bytes (%v), want the last %d", cut, tail.Len(), err, len(full)-cut)
	}
	wantDisk(t, acmeDir(env), "big.bin")
}

func TestAppend(t *testing.T) {
	env := scenario.Start(t, nil)
	c := dialFTP(t, env, plain, "acme", env.Passwords["acme"])
	defer c.Quit()
	a, b := payload(70000), []byte("and the end\n")
	if err := c.Append(mine+"/log.txt", bytes.NewReader(a)); err != nil { // APPE creates
		t.Fatal(err)
	}
	if err := c.Append(mine+"/log.txt", bytes.NewReader(b)); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(acmeDir(env), "log.txt"))
	if err != nil || !bytes.Equal(got, append(slices.Clone(a), b...)) {
		t.Errorf("after two APPE: %d bytes (%v), want %d", len(got), err, len(a)+len(b))
	}
	err = c.Append("/FTPDOSSIERPERSO/Reglement interieur.pdf", bytes.NewReader(b))
	if code, msg, _ := reply(err); code != 550 || !strings.Contains(msg, "read-only") {
		t.Errorf("APPE to a read-only file: %v, want 550 read-only", err)
	}
}

// rawFTP speaks the protocol by hand, for what client libraries do not
// do: HASH, AVBL, and ending a transfer the way a killed client does.
type rawFTP struct {
	t   *testing.T
	tp  *textproto.Conn
	tls *tls.Config // non-nil once AUTH TLS succeeded
	tcp net.Conn    // the control connection's TCP, under TLS (nil for implicit TLS)
}

func dialRaw(t *testing.T, env *scenario.Env, m mode) *rawFTP {
	t.Helper()
	var nc net.Conn
	var err error
	if m == implicitTLS {
		nc, err = tls.Dial("tcp", env.FTPAddr(), clientTLS(t, env))
	} else {
		nc, err = net.DialTimeout("tcp", env.FTPAddr(), 10*time.Second)
	}
	if err != nil {
		t.Fatal(err)
	}
	nc.SetDeadline(time.Now().Add(time.Minute)) // a hung server fails the test, not the run
	r := &rawFTP{t: t, tp: textproto.NewConn(nc)}
	if m != implicitTLS {
		r.tcp = nc
	}
	t.Cleanup(func() { r.tp.Close() })
	r.expect(220)
	switch m {
	case explicitTLS:
		r.cmd(234, "AUTH TLS")
		cfg := clientTLS(t, env)
		tc := tls.Client(nc, cfg)
		r.tp = textproto.NewConn(tc)
		r.tls = cfg
	case implicitTLS:
		r.tls = clientTLS(t, env)
	}
	return r
}

func (r *rawFTP) send(format string, args ...any) {
	r.t.Helper()
	if err := r.tp.PrintfLine(format, args...); err != nil {
		r.t.Fatalf("send %q: %v", fmt.Sprintf(format, args...), err)
	}
}

// expect reads one reply and fails unless its code is want.
func (r *rawFTP) expect(want int) string {
	r.t.Helper()
	code, msg := r.read()
	if code != want {
		r.t.Fatalf("reply %d %q, want %d", code, msg, want)
	}
	return msg
}

func (r *rawFTP) read() (int, string) {
	r.t.Helper()
	code, msg, err := r.tp.ReadResponse(0)
	if err != nil && code == 0 {
		r.t.Fatalf("reading reply: %v", err)
	}
	return code, msg
}

func (r *rawFTP) cmd(want int, format string, args ...any) string {
	r.t.Helper()
	r.send(format, args...)
	return r.expect(want)
}

func (r *rawFTP) login(env *scenario.Env, user string) {
	r.t.Helper()
	r.cmd(331, "USER %s", user)
	r.cmd(230, "PASS %s", env.Passwords[user])
	r.cmd(200, "TYPE I")
	if r.tls != nil {
		r.cmd(200, "PBSZ 0")
		r.cmd(200, "PROT P")
	}
}

// epsv sends EPSV and returns the passive port of the reply.
func (r *rawFTP) epsv() int {
	r.t.Helper()
	msg := r.cmd(229, "EPSV")
	i, j := strings.Index(msg, "|||"), strings.LastIndex(msg, "|")
	if i < 0 || j < i+3 {
		r.t.Fatalf("EPSV reply %q", msg)
	}
	port, err := strconv.Atoi(msg[i+3 : j])
	if err != nil {
		r.t.Fatalf("EPSV reply %q", msg)
	}
	return port
}

// data opens a passive data connection (EPSV). It returns the stream to
// use and the TCP connection under it, to cut it.
func (r *rawFTP) data(env *scenario.Env) (net.Conn, *net.TCPConn) {
	r.t.Helper()
	port := r.epsv()
	host, _, _ := net.SplitHostPort(env.FTPAddr())
	nc, err := net.DialTimeout("tcp", net.JoinHostPort(host, strconv.Itoa(port)), 10*time.Second)
	if err != nil {
		r.t.Fatal(err)
	}
	nc.SetDeadline(time.Now().Add(time.Minute))
	tcp := nc.(*net.TCPConn)
	if r.tls != nil {
		return tls.Client(nc, r.tls), tcp
	}
	return nc, tcp
}

// startUpload sends STOR and some data, leaving the transfer open.
func (r *rawFTP) startUpload(env *scenario.Env, path string, chunk []byte) (net.Conn, *net.TCPConn) {
	r.t.Helper()
	stream, tcp := r.data(env)
	r.cmd(150, "STOR %s", path)
	for range 4 {
		if _, err := stream.Write(chunk); err != nil {
			r.t.Fatalf("writing upload data: %v", err)
		}
	}
	return stream, tcp
}

// interruptedUpload puts a first version of report.bin, starts a second
// one and lets cut end it; the first version must stay, alone.
func interruptedUpload(t *testing.T, m mode, cut func(r *rawFTP, stream net.Conn, tcp *net.TCPConn)) {
	env := scenario.Start(t, nil)
	v1 := payload(50000)
	c := dialFTP(t, env, plain, "acme", env.Passwords["acme"])
	if err := c.Stor(mine+"/report.bin", bytes.NewReader(v1)); err != nil {
		t.Fatal(err)
	}
	c.Quit()

	r := dialRaw(t, env, m)
	r.login(env, "acme")
	stream, tcp := r.startUpload(env, mine+"/report.bin", bytes.Repeat([]byte("version 2 "), 6554))
	cut(r, stream, tcp)

	got, err := os.ReadFile(filepath.Join(acmeDir(env), "report.bin"))
	if err != nil || !bytes.Equal(got, v1) {
		t.Errorf("after the interrupted upload report.bin has %d bytes (%v); want the previous %d", len(got), err, len(v1))
	}
	wantDisk(t, acmeDir(env), "report.bin")
	// The user sees the previous version too.
	c = dialFTP(t, env, plain, "acme", env.Passwords["acme"])
	defer c.Quit()
	if n, err := c.FileSize(mine + "/report.bin"); err != nil || n != int64(len(v1)) {
		t.Errorf("SIZE after the interrupted upload = %d, %v; want %d", n, err, len(v1))
	}
}

// A client killed mid-transfer over TLS: its TCP connection ends without
// TLS close_notify. crypto/tls alone would report a clean end of stream.
func TestUploadCutWithoutCloseNotifyIsDiscarded(t *testing.T) {
	interruptedUpload(t, explicitTLS, func(r *rawFTP, _ net.Conn, tcp *net.TCPConn) {
		tcp.Close() // under TLS: no close_notify
		code, msg := r.read()
		if code/100 != 5 || !strings.Contains(msg, "interrupted") {
			t.Errorf("reply after the cut: %d %q, want a 5xx saying the upload was interrupted", code, msg)
		}
	})
}

func TestUploadAbortedByABORIsDiscarded(t *testing.T) {
	interruptedUpload(t, plain, func(r *rawFTP, stream net.Conn, _ *net.TCPConn) {
		r.send("ABOR")
		r.expect(426)
		r.expect(226)
		// NOOP is answered once the aborted transfer is closed.
		r.cmd(200, "NOOP")
		stream.Close()
	})
}

// The same cut, but the client ends TLS properly: that is a completed
// upload (what FileZilla, curl and lftp do at the end of a file).
func TestUploadWithCloseNotifyIsPublished(t *testing.T) {
	env := scenario.Start(t, nil)
	r := dialRaw(t, env, explicitTLS)
	r.login(env, "acme")
	chunk := bytes.Repeat([]byte("complete "), 7000)
	stream, _ := r.startUpload(env, mine+"/done.bin", chunk)
	stream.Close() // close_notify, then TCP close
	r.expect(226)
	got, err := os.ReadFile(filepath.Join(acmeDir(env), "done.bin"))
	if err != nil || !bytes.Equal(got, bytes.Repeat(chunk, 4)) {
		t.Errorf("done.bin: %d bytes (%v), want %d", len(got), err, 4*len(chunk))
	}
}

func TestTLSRequiredRefusesClearLogin(t *testing.T) {
	env := scenario.Start(t, func(c *config.Config) { c.FTPD.Bindings[0].TLSMode = config.TLSModeRequired })
	c, err := ftp.Dial(env.FTPAddr(), ftp.DialWithTimeout(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	err = c.Login("acme", env.Passwords["acme"])
	c.Quit()
	if err == nil || !strings.Contains(err.Error(), "TLS required: enable FTP over TLS (explicit) in your client") {
		t.Fatalf("clear-text login on a TLS-required binding: %v", err)
	}
	// The password was never asked for, so never sent in clear.
	r := dialRaw(t, env, plain)
	code, msg := r.read2("USER acme")
	if code != 530 || !strings.Contains(msg, "enable FTP over TLS") {
		t.Errorf("USER in clear: %d %q", code, msg)
	}

	s := dialFTP(t, env, explicitTLS, "acme", env.Passwords["acme"])
	defer s.Quit()
	if _, err := s.List(mine); err != nil {
		t.Errorf("listing over explicit TLS: %v", err)
	}
}

// read2 sends a command and returns its reply, whatever the code.
func (r *rawFTP) read2(format string, args ...any) (int, string) {
	r.t.Helper()
	r.send(format, args...)
	return r.read()
}

func TestImplicitTLS(t *testing.T) {
	env := scenario.Start(t, func(c *config.Config) { c.FTPD.Bindings[0].TLSMode = config.TLSModeImplicit })
	c := dialFTP(t, env, implicitTLS, "acme", env.Passwords["acme"])
	defer c.Quit()
	data := payload(200000)
	if err := c.Stor(mine+"/implicit.bin", bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	cl := &ftpClient{c}
	got, err := cl.Get(mine + "/implicit.bin")
	if err != nil || !bytes.Equal(got, data) {
		t.Errorf("download over implicit TLS: %d bytes (%v), want %d", len(got), err, len(data))
	}
	// A clear-text client is never greeted, nor asked for a password: the
	// server waits for a TLS handshake and drops what is not one.
	nc, err := net.DialTimeout("tcp", env.FTPAddr(), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := nc.Write([]byte("USER acme\r\n")); err != nil {
		t.Fatal(err)
	}
	got, _ = io.ReadAll(nc)
	if bytes.Contains(got, []byte("220")) || bytes.Contains(got, []byte("331")) {
		t.Errorf("implicit TLS binding answered in clear: %q", got)
	}
}

// Every data connection resumes the control connection's TLS session, as
// FileZilla requires; with TLS 1.2 and 1.3.
func TestDataConnectionsResumeTLSSession(t *testing.T) {
	env := scenario.Start(t, nil)
	for _, v := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		t.Run(tls.VersionName(v), func(t *testing.T) {
			cfg := clientTLS(t, env)
			cfg.MaxVersion = v
			var full, resumed int
			cfg.VerifyConnection = func(cs tls.ConnectionState) error {
				if cs.Version != v {
					t.Errorf("negotiated %s", tls.VersionName(cs.Version))
				}
				if cs.DidResume {
					resumed++
				} else {
					full++
				}
				return nil
			}
			c, err := ftp.Dial(env.FTPAddr(), ftp.DialWithTimeout(10*time.Second), ftp.DialWithExplicitTLS(cfg))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Quit()
			if err := c.Login("acme", env.Passwords["acme"]); err != nil {
				t.Fatal(err)
			}
			if _, err := c.List(mine); err != nil {
				t.Fatal(err)
			}
			if err := c.Stor(mine+"/resume-"+tls.VersionName(v)+".bin", bytes.NewReader(payload(1000))); err != nil {
				t.Fatal(err)
			}
			if _, err := (&ftpClient{c}).Get(mine + "/Facture F2026-0042.pdf"); err != nil {
				t.Fatal(err)
			}
			if full != 1 || resumed != 3 {
				t.Errorf("%d full TLS handshakes and %d resumed; want 1 (control) and 3 (data)", full, resumed)
			}
		})
	}
}

func TestHASH(t *testing.T) {
	env := scenario.Start(t, nil)
	data := payload(300001)
	if err := os.WriteFile(filepath.Join(acmeDir(env), "hash me.bin"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	r := dialRaw(t, env, plain)
	r.login(env, "acme")
	// ftpserverlib splits HASH's argument on spaces: a path with spaces
	// is quoted, as clients that support HASH do.
	p := mine + "/hash me.bin"
	s256 := sha256.Sum256(data)
	s1 := sha1.Sum(data)
	m5 := md5.Sum(data)
	s512 := sha512.Sum512(data)
	crc := fmt.Sprintf("%08x", crc32.ChecksumIEEE(data))
	algos := []struct{ algo, want string }{
		{"SHA-256", hex.EncodeToString(s256[:])},
		{"SHA-512", hex.EncodeToString(s512[:])},
		{"SHA-1", hex.EncodeToString(s1[:])},
		{"MD5", hex.EncodeToString(m5[:])},
		{"CRC32", crc},
	}
	// FEAT lists exactly these, in draft-bryan-ftpext-hash's form, the
	// selected one starred.
	featHash := func() []string {
		for _, l := range strings.Split(r.cmd(211, "FEAT"), "\n") {
			if rest, ok := strings.CutPrefix(l, " HASH "); ok {
				return strings.Split(rest, ";")
			}
		}
		t.Fatal("FEAT has no HASH line")
		return nil
	}
	if got, want := featHash(), []string{"SHA-256*", "SHA-512", "SHA-1", "MD5", "CRC32"}; !slices.Equal(got, want) {
		t.Errorf("FEAT: HASH %q, want %q", got, want)
	}
	for _, tc := range algos {
		r.cmd(200, "OPTS HASH %s", tc.algo)
		msg := r.cmd(213, "HASH \"%s\"", p)
		want := fmt.Sprintf("%s 0-%d %s %s", tc.algo, len(data), tc.want, p)
		if !strings.HasSuffix(msg, want) {
			t.Errorf("HASH with %s: %q, want it to end with %q", tc.algo, msg, want)
		}
	}
	if got := featHash(); !slices.Contains(got, "CRC32*") || strings.Count(strings.Join(got, ";"), "*") != 1 {
		t.Errorf("FEAT after OPTS HASH CRC32: HASH %q, want CRC32 alone starred", got)
	}
	// Relative to the working directory, too.
	r.cmd(250, "CWD %s", mine)
	r.cmd(200, "OPTS HASH SHA-256")
	if msg := r.cmd(213, "HASH \"hash me.bin\""); !strings.Contains(msg, hex.EncodeToString(s256[:])) {
		t.Errorf("relative HASH: %q", msg)
	}
	// Another client's file does not exist for acme.
	if code, msg := r.read2("HASH \"/Sessions/S2026-014 SST Lyon/Documents/Convention GLOBEX S2026-014.pdf\""); code != 550 || !strings.Contains(msg, "no such file") {
		t.Errorf("HASH of globex's file: %d %q", code, msg)
	}
}

func TestAVBL(t *testing.T) {
	env := scenario.Start(t, nil)
	r := dialRaw(t, env, explicitTLS)
	r.login(env, "acme")
	msg := r.cmd(213, "AVBL %s", mine)
	if n, err := strconv.ParseInt(msg, 10, 64); err != nil || n <= 0 {
		t.Errorf("AVBL %s = %q, want the free space", mine, msg)
	}
	// Nothing can be stored in a read-only folder.
	if msg := r.cmd(213, "AVBL /Sessions"); msg != "0" {
		t.Errorf("AVBL /Sessions = %q, want 0", msg)
	}
	r.cmd(250, "CWD /FTPDOSSIERPERSO")
	if msg := r.cmd(213, "AVBL"); msg != "0" {
		t.Errorf("AVBL in a read-only mount = %q, want 0", msg)
	}
}

// libraryWords are what ftpserverlib's own replies said before our fork
// (third_party/ftpserverlib): none may reach a user.
var libraryWords = []string{"driver error", "calling ", "Could not access", "Whatever", "Sure,",
	"Good to know", "UTF8 only", "Done !", "These are my features", "hasn't been implemented", "worked on"}

// checkPlain checks a reply that is not a refusal: none of the library's
// casual words.
func checkPlain(t *testing.T, what, msg string) {
	t.Helper()
	for _, w := range libraryWords {
		if strings.Contains(msg, w) {
			t.Errorf("%s: the reply %q holds the library's %q", what, msg, w)
		}
	}
}

// checkRefusal checks the reply to a refused command: wantCode, and one
// line (FileZilla shows the first line in some places, the last in
// others) holding want, our sentence, and none of the library's words.
func checkRefusal(t *testing.T, what string, code int, msg string, wantCode int, want string) {
	t.Helper()
	if code != wantCode || strings.Contains(msg, "\n") || !strings.Contains(msg, want) {
		t.Errorf("%s: %d %q\nwant %d, a single line with %q", what, code, msg, wantCode, want)
	}
	checkPlain(t, what, msg)
}

// Every refusal is our sentence alone, on one line, with the code
// FileZilla and sync clients read right.
func TestRefusalReplies(t *testing.T) {
	env := scenario.Start(t, nil)
	full := filepath.Join(acmeDir(env), "Plein")
	if err := os.Mkdir(full, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(full, "a.pdf"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := dialRaw(t, env, explicitTLS)
	r.login(env, "acme")
	docs := "/Sessions/S2026-014 SST Lyon/Documents"
	for _, tc := range []struct {
		cmd  string
		code int
		want string
	}{
		{"STOR " + mine + "/Hélène.pdf", 553, `cannot upload "/Mes documents/Hélène.pdf": name "Hélène.pdf" refused: the character "é" is not allowed`},
		{"STOR " + docs + "/Bon.pdf", 550, "read-only folder"},
		{"APPE " + docs + "/Bon.pdf", 550, "read-only folder"},
		{"RETR " + mine + "/nope.pdf", 550, `"/Mes documents/nope.pdf": no such file or folder`},
		{"DELE " + mine + "/nope.pdf", 550, `"/Mes documents/nope.pdf": no such file or folder`},
		{"DELE " + docs + "/Convention ACME S2026-014.pdf", 550, "read-only folder"},
		{"MKD " + mine + "/Été 2026", 553, `the character "É" is not allowed`},
		{"MKD " + docs + "/Nouveau", 550, "read-only folder"},
		{"RMD " + mine + "/Plein", 550, `cannot delete folder "/Mes documents/Plein": the folder is not empty`},
		{"RNFR " + mine + "/nope.pdf", 550, `"/Mes documents/nope.pdf": no such file or folder`},
		{"SIZE " + mine + "/nope.pdf", 550, "no such file or folder"},
		{"MDTM " + mine + "/nope.pdf", 550, "no such file or folder"},
		{"CWD " + mine + "/nope", 550, "no such file or folder"},
		{"MLST " + mine + "/nope.pdf", 550, "no such file or folder"},
	} {
		code, msg := r.read2("%s", tc.cmd)
		checkRefusal(t, tc.cmd, code, msg, tc.code, tc.want)
	}
	for _, tc := range []struct {
		to   string
		code int
		want string
	}{
		{mine + "/Facturé.pdf", 553, `try "Facture.pdf"`},
		{docs + "/Facture.pdf", 550, "read-only folder"},
	} {
		if msg := r.cmd(350, "RNFR %s/Facture F2026-0042.pdf", mine); msg != "File exists, ready for destination name" {
			t.Errorf("RNFR: %q", msg)
		}
		code, msg := r.read2("RNTO %s", tc.to)
		checkRefusal(t, "RNTO "+tc.to, code, msg, tc.code, tc.want)
	}
	wantDisk(t, acmeDir(env), "Plein")
}

// The replies that were the library's casual words are plain English.
func TestPlainReplies(t *testing.T) {
	env := scenario.Start(t, nil)
	r := dialRaw(t, env, explicitTLS)
	for _, tc := range []struct {
		cmd  string
		code int
		want string
	}{
		{"USER acme", 331, "Password required"},
		{"PASS " + env.Passwords["acme"], 230, "Welcome"},
		{"PBSZ 0", 200, "PBSZ=0"},
		{"PROT P", 200, ""},
		{"TYPE I", 200, "Type set to binary"},
		{"CLNT FileZilla", 200, "Client name recorded"},
		{"OPTS UTF8 ON", 200, "UTF-8 is always on"},
		{"OPTS MLST type;size;", 500, "Unknown option"},
		{"CWD " + mine, 250, "Working directory changed to " + mine},
		{"CDUP", 250, "Working directory changed to /"},
		{"RNFR " + mine + "/Facture F2026-0042.pdf", 350, "File exists, ready for destination name"},
		{"RNTO " + mine + "/Facture.pdf", 250, "File renamed"},
		{"ALLO 100", 202, "Command not implemented"},
		{"FEAT", 211, "Extensions supported:\n"},
	} {
		msg := r.cmd(tc.code, "%s", tc.cmd)
		if !strings.Contains(msg, tc.want) {
			t.Errorf("%s: %q, want it to contain %q", tc.cmd, msg, tc.want)
		}
		checkPlain(t, tc.cmd, msg)
	}
}

// mlsx parses an MLSD or MLST entry: its facts (names in lower case) and
// its name.
func mlsx(t *testing.T, entry string) (map[string]string, string) {
	t.Helper()
	facts, name, ok := strings.Cut(strings.TrimSpace(entry), "; ")
	if !ok {
		t.Fatalf("MLSx entry %q", entry)
	}
	m := map[string]string{}
	for _, f := range strings.Split(facts, ";") {
		k, v, _ := strings.Cut(f, "=")
		m[strings.ToLower(k)] = v
	}
	return m, name
}

// list runs a listing command (MLSD, LIST) over a passive data
// connection and returns the lines received.
func (r *rawFTP) list(env *scenario.Env, format string, args ...any) []string {
	r.t.Helper()
	stream, _ := r.data(env)
	defer stream.Close()
	r.cmd(150, format, args...)
	b, err := io.ReadAll(stream)
	if err != nil {
		r.t.Fatalf("reading the listing: %v", err)
	}
	r.expect(226)
	return strings.Split(strings.TrimRight(string(b), "\r\n"), "\r\n")
}

// MLSD and MLST give RFC 3659's perm fact from the login's permissions:
// virtual and read-only folders can be entered and listed only, a
// writable mount's entries read, written, deleted and renamed, and the
// mount itself written into but not deleted or renamed.
func TestMLSxPerm(t *testing.T) {
	env := scenario.Start(t, nil)
	r := dialRaw(t, env, plain)
	r.login(env, "acme")
	r.cmd(257, "MKD %s/Sous-dossier", mine)
	// FEAT names the facts (RFC 3659 section 7.8): lftp lists with MLSD
	// only then.
	if feat := r.cmd(211, "FEAT"); !strings.Contains(feat, "\n MLST Type*;Size*;Modify*;Perm*;\n") {
		t.Errorf("FEAT lacks the MLST line with its facts:\n%s", feat)
	}
	sst := "/Sessions/S2026-014 SST Lyon"
	for _, tc := range []struct {
		dir  string
		want map[string]string // name → perm; every entry of a folder with "*"
	}{
		{"/", map[string]string{"Mes documents": "elcmp", "Sessions": "el", "FTPDOSSIERPERSO": "el"}},
		{"/Sessions", map[string]string{"*": "el"}},
		{sst, map[string]string{"*": "el"}},
		{sst + "/Documents", map[string]string{"*": "r"}},
		{"/FTPDOSSIERPERSO", map[string]string{"*": "r"}},
		{mine, map[string]string{"Facture F2026-0042.pdf": "rawdf", "Sous-dossier": "elcmpdf"}},
	} {
		seen := map[string]bool{}
		for _, line := range r.list(env, "MLSD %s", tc.dir) {
			facts, name := mlsx(t, line)
			want, ok := tc.want[name]
			if !ok {
				want, ok = tc.want["*"]
			}
			if !ok {
				continue
			}
			seen[name] = true
			if facts["perm"] != want {
				t.Errorf("MLSD %s: %s has perm %q, want %q (%s)", tc.dir, name, facts["perm"], want, line)
			}
		}
		for name := range tc.want {
			if name != "*" && !seen[name] {
				t.Errorf("MLSD %s lacks %s", tc.dir, name)
			}
		}
		if len(seen) == 0 {
			t.Errorf("MLSD %s: no entry checked", tc.dir)
		}
	}
	for p, want := range map[string]string{
		"/":                              "el",
		mine:                             "elcmp",
		mine + "/Facture F2026-0042.pdf": "rawdf",
		mine + "/Sous-dossier":           "elcmpdf",
		sst + "/Documents":               "el",
		sst + "/Documents/Convention ACME S2026-014.pdf": "r",
	} {
		lines := strings.Split(r.cmd(250, "MLST %s", p), "\n")
		if len(lines) != 3 { // "File details", the entry, "End"
			t.Fatalf("MLST %s: %q", p, lines)
		}
		if facts, _ := mlsx(t, lines[1]); facts["perm"] != want {
			t.Errorf("MLST %s: perm %q, want %q (%s)", p, facts["perm"], want, lines[1])
		}
	}
}

func TestRefusedNames(t *testing.T) {
	env := scenario.Start(t, nil)
	c := dialFTP(t, env, explicitTLS, "acme", env.Passwords["acme"])
	defer c.Quit()

	err := c.Stor(mine+"/Hélène.pdf", bytes.NewReader([]byte("x")))
	code, msg, _ := reply(err)
	want := `cannot upload "/Mes documents/Hélène.pdf": name "Hélène.pdf" refused: the character "é" is not allowed (use letters, digits, spaces and - _ . ( )); try "Helene.pdf"`
	if msg != want {
		t.Errorf("STOR Hélène.pdf: %d %q\nwant exactly %q", code, msg, want)
	}
	checkRefusal(t, "STOR Hélène.pdf", code, msg, 553, want)

	// A name in a legacy encoding (Latin-1 "é"): refused as such, with
	// what to change in the client.
	err = c.Stor(mine+"/caf\xe9.pdf", bytes.NewReader([]byte("x")))
	code, msg, _ = reply(err)
	if code != 553 || !strings.Contains(msg, "not valid UTF-8 (byte 0xE9") || !strings.Contains(msg, "character set to UTF-8") {
		t.Errorf("STOR with a Latin-1 name: %d %q", code, msg)
	}

	err = c.Rename(mine+"/Facture F2026-0042.pdf", mine+"/Facturé.pdf")
	if code, msg, _ := reply(err); code != 553 || !strings.Contains(msg, `"é"`) || !strings.Contains(msg, `try "Facture.pdf"`) {
		t.Errorf("RNTO Facturé.pdf: %v", err)
	}
	// MKD of a refused name: 553 (550 would read as "already exists" to
	// sync clients).
	err = c.MakeDir(mine + "/Été 2026")
	if code, msg, _ := reply(err); code != 553 || !strings.Contains(msg, `"É"`) || !strings.Contains(msg, "try ") {
		t.Errorf("MKD Été 2026: %v", err)
	}
	err = c.Stor("/Sessions/S2026-014 SST Lyon/Documents/Bon.pdf", bytes.NewReader([]byte("x")))
	code, msg, _ = reply(err)
	checkRefusal(t, "STOR into a read-only mount", code, msg, 550, "read-only folder")
	wantDisk(t, acmeDir(env))
}

// SITE runs none of ftpserverlib's subcommands; CHMOD, which lftp's
// "mirror -R" and WinSCP send after uploads, is accepted and ignored.
func TestSITE(t *testing.T) {
	env := scenario.Start(t, nil)
	r := dialRaw(t, env, plain)
	r.login(env, "acme")
	p := filepath.Join(acmeDir(env), "Facture F2026-0042.pdf")
	before, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	r.cmd(200, "SITE CHMOD 777 %s/Facture F2026-0042.pdf", mine)
	if after, err := os.Stat(p); err != nil || after.Mode() != before.Mode() {
		t.Errorf("SITE CHMOD changed the mode: %v -> %v (%v)", before.Mode(), after.Mode(), err)
	}
	if msg := r.cmd(550, "SITE CHMOD 644 %s/nope.pdf", mine); !strings.Contains(msg, "no such file") {
		t.Errorf("SITE CHMOD of a missing file: %q", msg)
	}
	for _, c := range []string{"SYMLINK a b", "MKDIR /Mes documents/x", "RMDIR /Mes documents", "CHOWN 0 x"} {
		r.cmd(502, "SITE %s", c)
	}
	wantDisk(t, acmeDir(env))
}

// dialFromFTP connects from a given loopback address, so that one test
// can be a guesser and a legitimate user at once.
func dialFromFTP(env *scenario.Env, from, login, password string) (*ftp.ServerConn, error) {
	d := net.Dialer{Timeout: 10 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}}
	return dialLogin(env, login, password, ftp.DialWithDialer(d))
}

// dialLogin connects to the first FTP binding with opts and logs in.
func dialLogin(env *scenario.Env, login, password string, opts ...ftp.DialOption) (*ftp.ServerConn, error) {
	c, err := ftp.Dial(env.FTPAddr(), opts...)
	if err != nil {
		return nil, err
	}
	if err := c.Login(login, password); err != nil {
		c.Quit()
		return nil, err
	}
	return c, nil
}

func TestDefenderBansFTPGuesser(t *testing.T) {
	env := scenario.Start(t, func(c *config.Config) {
		c.Common.Defender.Threshold = 4
		c.Common.Defender.ScoreInvalid = 2
		c.Common.Defender.ScoreValid = 1
	})
	legit := dialFTP(t, env, plain, "acme", env.Passwords["acme"])
	defer legit.Quit()
	// Unknown logins score 2: banned after the second guess.
	for i := 0; i < 2; i++ {
		c, err := dialFromFTP(env, "127.0.0.2", "nobody", "guess")
		if err == nil {
			c.Quit()
			t.Fatal("a wrong password was accepted")
		}
		if !strings.Contains(err.Error(), "Login incorrect") {
			t.Fatalf("wrong password: %v, want Login incorrect", err)
		}
	}
	// Banned: the right password does not get a chance, and the reply
	// says why.
	_, err := dialFromFTP(env, "127.0.0.2", "globex", env.Passwords["globex"])
	if code, msg, _ := reply(err); code != 421 || !strings.Contains(msg, "too many failed logins") {
		t.Errorf("banned address: %v, want 421 too many failed logins", err)
	}
	// The legitimate user on another address carries on.
	if _, err := (&ftpClient{legit}).Get(mine + "/Facture F2026-0042.pdf"); err != nil {
		t.Errorf("legitimate download during the ban: %v", err)
	}
}

// A disabled account is refused at login with a reply saying so (its
// open connections are closed: the lifecycle table).
func TestDisabledAccountRefusedAtLogin(t *testing.T) {
	env := scenario.Start(t, nil)
	if err := env.Daemon.Store.SetDisabled(t.Context(), "acme", true); err != nil {
		t.Fatal(err)
	}
	_, err := dialFromFTP(env, "127.0.0.1", "acme", env.Passwords["acme"])
	if err == nil || !strings.Contains(err.Error(), "disabled") {
		t.Errorf("login of a disabled account: %v, want a reply saying it is disabled", err)
	}
}

// The self-signed certificate is generated once, with the names clients
// connect to, and kept across restarts.
func TestCertificateGeneratedOnceAndKept(t *testing.T) {
	env := scenario.Start(t, nil)
	certFile, keyFile := env.Config.FTPD.CertificateFile, env.Config.FTPD.CertificateKeyFile
	pemBytes, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		t.Fatal("no PEM block in the certificate file")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	pub, ok := cert.PublicKey.(*ecdsa.PublicKey)
	if !ok || pub.Curve != elliptic.P256() {
		t.Errorf("certificate key %T, want ECDSA P-256", cert.PublicKey)
	}
	for _, h := range []string{"127.0.0.1", "localhost"} {
		if err := cert.VerifyHostname(h); err != nil {
			t.Errorf("certificate not valid for %s: %v", h, err)
		}
	}
	if host, err := os.Hostname(); err == nil && host != "" {
		if err := cert.VerifyHostname(host); err != nil {
			t.Errorf("certificate not valid for the host name %s: %v", host, err)
		}
	}
	if fi, err := os.Stat(keyFile); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v (%v), want 0600", fi.Mode().Perm(), err)
	}

	// A second server on the same files keeps them.
	cfg := ftpd.Config{Bindings: []ftpd.Binding{{Address: "127.0.0.1:0"}}, CertificateFile: certFile, CertificateKeyFile: keyFile}
	if _, err := ftpd.New(cfg, env.Daemon.Service); err != nil {
		t.Fatal(err)
	}
	if again, _ := os.ReadFile(certFile); !bytes.Equal(again, pemBytes) {
		t.Error("the certificate was replaced")
	}

	// A certificate without its key is an error naming the file, never a
	// silent replacement.
	dir := t.TempDir()
	lone := filepath.Join(dir, "ftpd.crt")
	if err := os.WriteFile(lone, pemBytes, 0o644); err != nil {
		t.Fatal(err)
	}
	cfg.CertificateFile, cfg.CertificateKeyFile = lone, filepath.Join(dir, "ftpd.key")
	if _, err := ftpd.New(cfg, env.Daemon.Service); err == nil || !strings.Contains(err.Error(), cfg.CertificateKeyFile) {
		t.Errorf("certificate without key: %v, want an error naming %s", err, cfg.CertificateKeyFile)
	}
	if again, _ := os.ReadFile(lone); !bytes.Equal(again, pemBytes) {
		t.Error("a lone certificate was replaced")
	}
}

// An empty file is a complete upload too: the client opens TLS on the
// data connection and closes it properly without sending a byte.
func TestEmptyUploadOverTLS(t *testing.T) {
	env := scenario.Start(t, nil)
	c := dialFTP(t, env, explicitTLS, "acme", env.Passwords["acme"])
	defer c.Quit()
	if err := c.Stor(mine+"/empty.txt", bytes.NewReader(nil)); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(acmeDir(env), "empty.txt"))
	if err != nil || fi.Size() != 0 {
		t.Errorf("empty.txt: %v, %v; want an empty file", fi, err)
	}
}

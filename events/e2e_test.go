package events_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jlaffaye/ftp"
	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"

	"github.com/dossierd/dossierd/audit"
	"github.com/dossierd/dossierd/config"
	"github.com/dossierd/dossierd/events"
	"github.com/dossierd/dossierd/scenario"
)

// startWith runs a daemon on the demo directory whose one webhook is r,
// listening to kinds.
func startWith(t *testing.T, r *receiver, kinds ...string) *scenario.Env {
	t.Helper()
	return scenario.Start(t, func(c *config.Config) {
		c.Events.Webhooks = []config.Webhook{{URL: r.url(), Secret: secret, Events: kinds}}
	})
}

func sshLogin(t testing.TB, env *scenario.Env, login string) (net.Conn, *sftp.Client) {
	t.Helper()
	nc, err := net.DialTimeout("tcp", env.SFTPAddr(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	cc, chans, reqs, err := ssh.NewClientConn(nc, env.SFTPAddr(), &ssh.ClientConfig{
		User: login, Auth: []ssh.AuthMethod{ssh.Password(env.Passwords[login])}, HostKeyCallback: ssh.InsecureIgnoreHostKey(),
	})
	if err != nil {
		t.Fatal(err)
	}
	sc := ssh.NewClient(cc, chans, reqs)
	c, err := sftp.NewClient(sc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(); sc.Close() })
	return nc, c
}

func sftpPut(c *sftp.Client, p string, data []byte) error {
	f, err := c.Create(p)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func ftpLogin(t testing.TB, env *scenario.Env, login string) *ftp.ServerConn {
	t.Helper()
	c, err := ftp.Dial(env.FTPAddr(), ftp.DialWithTimeout(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Login(login, env.Passwords[login]); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Quit() })
	return c
}

func digest(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// Every operation of both protocols fires its event once, with what the
// login saw and where it lies in the storage; a refused name and a cut
// upload fire none.
func TestEndToEnd(t *testing.T) {
	r := newReceiver(t)
	env := startWith(t, r, config.EventTypes...)
	_, sc := sshLogin(t, env, "acme")
	sftpData := scenario.RandomData(t, 300<<10)
	if err := sftpPut(sc, "/Mes documents/par-sftp.pdf", sftpData); err != nil {
		t.Fatal(err)
	}
	fc := ftpLogin(t, env, "acme")
	ftpData := scenario.RandomData(t, 200<<10)
	if err := fc.Stor("/Mes documents/par-ftp.pdf", bytes.NewReader(ftpData)); err != nil {
		t.Fatal(err)
	}
	_, trainer := sshLogin(t, env, "fmartin")
	if err := sftpPut(trainer, "/Sessions/S2026-014 SST Lyon/Documents/emargement.pdf", []byte("signed")); err != nil {
		t.Fatal(err)
	}
	// Refused: a name the policy refuses, over both protocols.
	if err := fc.Stor("/Mes documents/l'été.pdf", bytes.NewReader([]byte("x"))); err == nil {
		t.Fatal("a refused name was stored")
	}
	if err := sftpPut(sc, "/Mes documents/l'été.pdf", []byte("x")); err == nil {
		t.Fatal("a refused name was stored")
	}
	// Cut: the connection drops with the file open.
	cutConn, cut := sshLogin(t, env, "acme")
	f, err := cut.Create("/Mes documents/coupe.pdf")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(scenario.RandomData(t, 64<<10)); err != nil {
		t.Fatal(err)
	}
	cutConn.Close()
	if ev := env.Audited(t, "acme", audit.Upload, "/Mes documents/coupe.pdf"); ev.Result == "ok" {
		t.Fatalf("cut upload audited %+v", ev)
	}
	// The other operations.
	if err := fc.MakeDir("/Mes documents/classeur"); err != nil {
		t.Fatal(err)
	}
	if err := fc.Rename("/Mes documents/par-ftp.pdf", "/Mes documents/classeur/par-ftp.pdf"); err != nil {
		t.Fatal(err)
	}
	resp, err := fc.Retr("/Mes documents/classeur/par-ftp.pdf")
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	got.ReadFrom(resp)
	resp.Close()
	if err := sc.Remove("/Mes documents/par-sftp.pdf"); err != nil {
		t.Fatal(err)
	}
	// The API's PUT goes through the same core: one upload event, protocol API.
	key, err := env.Daemon.Store.AddAPIKey(context.Background(), "tms", []string{"files:write"}, "")
	if err != nil {
		t.Fatal(err)
	}
	apiData := []byte("posted by the TMS")
	req, _ := http.NewRequest(http.MethodPut, env.WebURL()+"/api/v1/files/clients/C0042/par-api.pdf", bytes.NewReader(apiData))
	req.Header.Set("Authorization", "Bearer "+key)
	web := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} // the test's own certificate
	put, err := web.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	put.Body.Close()
	if put.StatusCode/100 != 2 {
		t.Fatalf("API PUT: %s", put.Status)
	}
	bad, err := ftp.Dial(env.FTPAddr(), ftp.DialWithTimeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if err := bad.Login("acme", "wrong password"); err == nil {
		t.Fatal("wrong password accepted")
	}
	bad.Quit()

	want := 9 // 4 uploads, mkdir, rename, download, delete, login_failed
	r.wait(want)
	time.Sleep(300 * time.Millisecond) // nothing else comes
	all := r.unique()
	byType := map[string][]events.Body{}
	for _, b := range all {
		byType[b.Type] = append(byType[b.Type], b)
		if strings.Contains(b.Path, "été") || strings.Contains(b.Path, "coupe") || strings.Contains(b.Path, ".dossierd-upload") {
			t.Errorf("event for a refused, cut or temporary file: %+v", b)
		}
	}
	if len(all) != want || len(byType["upload"]) != 4 {
		t.Fatalf("%d events (%d uploads), want %d (4): %+v", len(all), len(byType["upload"]), want, all)
	}
	ups := map[string]events.Body{}
	for _, b := range byType["upload"] {
		ups[b.Protocol+" "+b.Path] = b
	}
	check := func(key, storage, sum string, size int, session string) {
		t.Helper()
		b, ok := ups[key]
		if !ok {
			t.Fatalf("no upload event %q in %+v", key, ups)
		}
		if b.StoragePath != storage || b.SHA256 != sum || b.Size == nil || *b.Size != int64(size) || b.Session != session || b.IP != "127.0.0.1" {
			t.Errorf("upload %q: %+v", key, b)
		}
	}
	check("SFTP /Mes documents/par-sftp.pdf", "clients/C0042/par-sftp.pdf", digest(sftpData), len(sftpData), "")
	check("FTP /Mes documents/par-ftp.pdf", "clients/C0042/par-ftp.pdf", digest(ftpData), len(ftpData), "")
	check("SFTP /Sessions/S2026-014 SST Lyon/Documents/emargement.pdf", "sessions/S2026-014/intervenants/F0003/emargement.pdf", digest([]byte("signed")), 6, "S2026-014")
	if b := ups["API /clients/C0042/par-api.pdf"]; b.StoragePath != "clients/C0042/par-api.pdf" || b.SHA256 != digest(apiData) || b.Login == "" {
		t.Errorf("API upload: %+v (all: %+v)", b, ups)
	}
	if b := ups["SFTP /Mes documents/par-sftp.pdf"]; b.Login != "acme" || b.Role != "client" || b.Ref != "C0042" {
		t.Errorf("identity of %+v", b)
	}
	if b := byType["rename"]; len(b) != 1 || b[0].Target != "/Mes documents/classeur/par-ftp.pdf" || b[0].TargetStoragePath != "clients/C0042/classeur/par-ftp.pdf" {
		t.Errorf("rename %+v", b)
	}
	if b := byType["download"]; len(b) != 1 || b[0].Size == nil || *b[0].Size != int64(len(ftpData)) || b[0].Protocol != "FTP" {
		t.Errorf("download %+v", b)
	}
	if b := byType["login_failed"]; len(b) != 1 || b[0].Login != "acme" || b[0].Protocol != "FTP" || b[0].IP != "127.0.0.1" {
		t.Errorf("login_failed %+v", b)
	}
	if b := byType["delete"]; len(b) != 1 || b[0].StoragePath != "clients/C0042/par-sftp.pdf" {
		t.Errorf("delete %+v", b)
	}
	if b := byType["mkdir"]; len(b) != 1 || b[0].StoragePath != "clients/C0042/classeur" {
		t.Errorf("mkdir %+v", b)
	}

	// account_disabled, from a change the daemon did not make.
	if err := env.Daemon.Store.SetDisabled(context.Background(), "globex", true); err != nil {
		t.Fatal(err)
	}
	b := r.wait(want + 1)[want]
	if b.Type != "account_disabled" || b.Login != "globex" || b.Reason != "disabled" || b.Ref != "C0043" {
		t.Fatalf("account_disabled %+v", b)
	}
}

// A receiver down for a while (30 s, 5 with -short) gets every event once
// back, de-duplicated by id, in order per login.
func TestReceiverDownThenBack(t *testing.T) {
	shortBackoff(t, time.Second, 2*time.Second) // so that the test ends soon after the receiver is back
	down := 30 * time.Second
	if testing.Short() {
		down = 5 * time.Second
	}
	r := newReceiver(t)
	env := startWith(t, r, "upload")
	r.down()
	start := time.Now()
	logins := []string{"acme", "globex", "jdupont"}
	sent := map[string][]string{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i, login := range logins {
		wg.Go(func() {
			_, sc := sshLogin(t, env, login)
			fc := ftpLogin(t, env, login)
			for n := 0; time.Since(start) < down-2*time.Second || n < 10; n++ {
				p := fmt.Sprintf("/Mes documents/f%03d.pdf", n)
				var err error
				if (n+i)%2 == 0 {
					err = sftpPut(sc, p, []byte(p))
				} else {
					err = fc.Stor(p, strings.NewReader(p))
				}
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				sent[login] = append(sent[login], p)
				mu.Unlock()
				time.Sleep(100 * time.Millisecond)
			}
		})
	}
	wg.Wait()
	time.Sleep(time.Until(start.Add(down)))
	if n := len(r.bodies()); n != 0 {
		t.Fatalf("%d events received while the receiver was down", n)
	}
	r.up()
	total := 0
	for _, s := range sent {
		total += len(s)
	}
	scenario.WaitFor(t, 30*time.Second, func() string {
		if n := len(r.unique()); n < total {
			return fmt.Sprintf("%d of %d events received", n, total)
		}
		return ""
	})
	time.Sleep(500 * time.Millisecond)
	got := r.unique()
	if len(got) != total {
		t.Fatalf("%d distinct events, %d uploads", len(got), total)
	}
	for _, login := range logins {
		var order []string
		for _, b := range got {
			if b.Login == login {
				order = append(order, b.Path)
			}
		}
		if !slices.Equal(order, sent[login]) {
			t.Errorf("%s: received %v, uploaded %v", login, order, sent[login])
		}
	}
	t.Logf("%d events, %d deliveries, receiver down %s", total, len(r.bodies()), down)
}

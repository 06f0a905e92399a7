package service

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/dossierd/dossierd/auth"
	"github.com/dossierd/dossierd/vfs"
)

// fakeDir is a directory in memory, so Refresh's rules are tested alone.
type fakeDir struct {
	mu       sync.Mutex
	gen      int64
	accounts map[string]auth.Account
	sessions map[string][]auth.Session // by role+ref
}

func (d *fakeDir) Authenticate(context.Context, string, string) (auth.Account, error) {
	return auth.Account{}, auth.ErrInvalidCredentials
}
func (d *fakeDir) AuthenticateKey(context.Context, string, ssh.PublicKey) (auth.Account, error) {
	return auth.Account{}, auth.ErrInvalidCredentials
}
func (d *fakeDir) Account(_ context.Context, login string) (auth.Account, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	a, ok := d.accounts[login]
	if !ok {
		return auth.Account{}, auth.ErrNotFound
	}
	return a, nil
}
func (d *fakeDir) SessionsOf(_ context.Context, role, ref string) ([]auth.Session, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.sessions[role+ref], nil
}
func (d *fakeDir) Generation(context.Context) (int64, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.gen, nil
}
func (d *fakeDir) LoginKnown(_ context.Context, login string) (bool, error) {
	_, err := d.Account(context.Background(), login)
	return err == nil, nil
}

// acmeService is a service over a fake directory holding one client,
// acme (ref C1, its folder created), with opts (Layout defaults to the
// spec's).
func acmeService(t *testing.T, opts Options) (*Service, *fakeDir) {
	t.Helper()
	storage, err := vfs.OpenStorage(t.TempDir(), "FTPDOSSIERPERSO", vfs.DefaultUmask)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { storage.Close() })
	if err := storage.AccountFolder("client", "C1"); err != nil {
		t.Fatal(err)
	}
	dir := &fakeDir{accounts: map[string]auth.Account{
		"acme": {Login: "acme", Role: "client", Ref: "C1", PasswordHash: "h1"},
	}, sessions: map[string][]auth.Session{}}
	if opts.Layout.Labels == (vfs.Labels{}) {
		opts.Layout = vfs.Layout{Labels: vfs.DefaultLabels, Permissions: vfs.DefaultPermissions(), SharedFolder: "FTPDOSSIERPERSO"}
	}
	return New(dir, storage, opts), dir
}

func (d *fakeDir) change(f func()) {
	d.mu.Lock()
	f()
	d.gen++
	d.mu.Unlock()
}

func TestRefresh(t *testing.T) {
	storage, err := vfs.OpenStorage(t.TempDir(), "FTPDOSSIERPERSO", vfs.DefaultUmask)
	if err != nil {
		t.Fatal(err)
	}
	defer storage.Close()
	dir := &fakeDir{accounts: map[string]auth.Account{}, sessions: map[string][]auth.Session{}}
	for _, a := range []auth.Account{
		{Login: "acme", Role: "client", Ref: "C1", PasswordHash: "h1"},
		{Login: "globex", Role: "client", Ref: "C2", PasswordHash: "h2"},
		{Login: "initech", Role: "client", Ref: "C3", PasswordHash: "h3"},
		{Login: "umbrella", Role: "client", Ref: "C4", PasswordHash: "h4"},
		{Login: "idle", Role: "client", Ref: "C5", PasswordHash: "h5"},
	} {
		dir.accounts[a.Login] = a
	}
	svc := New(dir, storage, Options{
		Layout:      vfs.Layout{Labels: vfs.DefaultLabels, Permissions: vfs.DefaultPermissions(), SharedFolder: "FTPDOSSIERPERSO"},
		IdleTimeout: time.Hour,
	})
	kicked := map[string]string{}
	var mu sync.Mutex
	open := func(login string) *Conn {
		c, err := svc.Open(context.Background(), dir.accounts[login], "SFTP", "127.0.0.1:1", func(reason string) {
			mu.Lock()
			kicked[login] = reason
			mu.Unlock()
		})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	conns := map[string]*Conn{}
	for login := range dir.accounts {
		conns[login] = open(login)
	}
	dir.change(func() {
		a := dir.accounts["acme"]
		a.Disabled = true
		dir.accounts["acme"] = a
		delete(dir.accounts, "globex")
		b := dir.accounts["initech"]
		b.PasswordHash = "changed"
		dir.accounts["initech"] = b
		dir.sessions["clientC4"] = []auth.Session{{Code: "S1", Folder: "S1 Lyon"}}
	})
	// Idle: last activity two hours ago.
	conns["idle"].FS.Touch()
	setIdle(svc, time.Nanosecond)
	time.Sleep(time.Millisecond)
	conns["umbrella"].FS.Touch()
	setIdle(svc, time.Hour)
	svc.Refresh(context.Background(), true)

	want := map[string]string{"acme": "this account was disabled", "globex": "this account was deleted", "initech": "password or keys changed"}
	for login, reason := range want {
		if got := kicked[login]; got == "" || !strings.Contains(got, reason) {
			t.Errorf("%s: kick reason %q, want %q", login, got, reason)
		}
	}
	if _, ok := kicked["umbrella"]; ok {
		t.Errorf("umbrella kicked: %s", kicked["umbrella"])
	}
	// umbrella's open connection now sees its new session.
	if _, err := conns["umbrella"].FS.Stat("/Sessions/S1 Lyon/Documents"); err != nil {
		t.Errorf("new enrollment not in the open connection's tree: %v", err)
	}
	// The idle timeout.
	setIdle(svc, time.Millisecond)
	time.Sleep(5 * time.Millisecond)
	conns["umbrella"].FS.Touch()
	svc.Refresh(context.Background(), false)
	if !strings.Contains(kicked["idle"], "minutes without activity") {
		t.Errorf("idle connection: %q", kicked["idle"])
	}
	if _, ok := kicked["umbrella"]; ok {
		t.Error("an active connection was closed as idle")
	}
	for _, c := range conns {
		c.Close()
	}
	if n := len(svc.Conns()); n != 0 {
		t.Errorf("%d connections still registered", n)
	}
}

func setIdle(svc *Service, d time.Duration) {
	o := *svc.o()
	o.IdleTimeout = d
	svc.Reconfigure(o)
}

// TestReconfigure: new labels reach an open connection's tree at the next
// Refresh, a new upload limit its next upload, and a login racing the
// reload gets the new options.
func TestReconfigure(t *testing.T) {
	svc, dir := acmeService(t, Options{RoleLimits: map[string]RoleLimits{"client": {MaxUploadFileSize: 1 << 20}}})
	c, err := svc.Open(context.Background(), dir.accounts["acme"], "SFTP", "127.0.0.1:1", func(string) {})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	personal := "/" + vfs.DefaultLabels.Personal
	if _, err := c.FS.Stat(personal); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { // logins during the reload (-race)
		defer close(done)
		for range 20 {
			if c2, err := svc.Open(context.Background(), dir.accounts["acme"], "FTP", "127.0.0.1:2", func(string) {}); err == nil {
				c2.Close()
			}
		}
	}()
	next := *svc.o()
	next.Layout.Labels.Personal = "Dossier"
	next.RoleLimits = map[string]RoleLimits{"client": {MaxUploadFileSize: 10}}
	svc.Reconfigure(next)
	svc.Refresh(context.Background(), true)
	<-done
	if _, err := c.FS.Stat("/Dossier"); err != nil {
		t.Errorf("the new label in the open connection: %v", err)
	}
	if _, err := c.FS.Stat(personal); err == nil {
		t.Error("the old label is still there")
	}
	u, err := c.FS.Create("/Dossier/big.pdf", vfs.Replace)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := u.Write(make([]byte, 11)); !errors.Is(err, vfs.ErrTooLarge) {
		t.Errorf("upload over the new limit: %v", err)
	}
	u.Close()
}

func TestLogThrottle(t *testing.T) {
	var th logThrottle
	t0 := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	if ok, _ := th.allow(t0); !ok {
		t.Fatal("first line held back")
	}
	for i := range 5 {
		if ok, _ := th.allow(t0.Add(time.Duration(i+1) * 100 * time.Millisecond)); ok {
			t.Fatalf("line %d within the second let through", i)
		}
	}
	if ok, n := th.allow(t0.Add(1100 * time.Millisecond)); !ok || n != 5 {
		t.Errorf("after a second: ok=%v suppressed=%d, want true 5", ok, n)
	}
}

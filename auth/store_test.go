package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dossierd/dossierd/domain"
)

// testHash is an argon2id hash of "secret", made once: hashing costs tens of
// milliseconds (far more under -race), and most tests only need some hash.
var testHash = sync.OnceValue(func() string {
	h, err := HashPassword("secret")
	if err != nil {
		panic(err)
	}
	return h
})

func openStore(t *testing.T, path string, opts Options) *Store {
	t.Helper()
	s, err := Open(path, opts)
	if err != nil {
		t.Fatalf("Open(%q): %v", path, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func newStore(t *testing.T, opts Options) *Store {
	t.Helper()
	return openStore(t, filepath.Join(t.TempDir(), "dossierd.db"), opts)
}

func userVersion(t *testing.T, s *Store) int {
	t.Helper()
	var v int
	if err := s.DB().QueryRow(`PRAGMA user_version`).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func mustAddAccount(t *testing.T, s *Store, login, role, ref string) Account {
	t.Helper()
	a, err := s.AddAccount(context.Background(), Account{Login: login, Role: role, Ref: ref, PasswordHash: testHash()}, "")
	if err != nil {
		t.Fatalf("AddAccount(%s): %v", login, err)
	}
	return a
}

func mustAddSession(t *testing.T, s *Store, sess Session) {
	t.Helper()
	if err := s.AddSession(context.Background(), sess); err != nil {
		t.Fatalf("AddSession(%s): %v", sess.Code, err)
	}
}

func TestOpenMigratesAndReopens(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "var", "lib", "dossierd")
	path := filepath.Join(dir, "directory.db")

	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if v := userVersion(t, s); v != len(migrations) {
		t.Errorf("user_version = %d, want %d", v, len(migrations))
	}
	var mode string
	if err := s.DB().QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
	var fk int
	if err := s.DB().QueryRow(`PRAGMA foreign_keys`).Scan(&fk); err != nil || fk != 1 {
		t.Errorf("foreign_keys = %d, %v; want 1", fk, err)
	}
	mustAddAccount(t, s, "acme", domain.RoleClient, "C42")
	gen, _ := s.Generation(ctx)

	for name, want := range map[string]os.FileMode{dir: 0o700, path: 0o600, path + "-wal": 0o600} {
		fi, err := os.Stat(name)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("mode of %s = %o, want %o", name, got, want)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = openStore(t, path, Options{})
	if v := userVersion(t, s); v != len(migrations) {
		t.Errorf("after reopening, user_version = %d, want %d", v, len(migrations))
	}
	if _, err := s.Account(ctx, "acme"); err != nil {
		t.Errorf("after reopening: %v", err)
	}
	if g, _ := s.Generation(ctx); g != gen {
		t.Errorf("after reopening, generation = %d, want %d", g, gen)
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB().Exec(fmt.Sprintf(`PRAGMA user_version = %d`, len(migrations)+1)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err = Open(path, Options{})
	want := fmt.Sprintf("the database was written by a newer dossierd (schema %d, this binary knows %d)", len(migrations)+1, len(migrations))
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("Open of a newer schema: %v, want %q", err, want)
	}
}

// The path goes into a URI: characters that mean something there must not
// cut it short.
func TestOpenOddPath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a b?c#d%20é", "x.db")
	s := openStore(t, path, Options{})
	mustAddAccount(t, s, "acme", domain.RoleClient, "C42")
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database not at %q: %v", path, err)
	}
}

func TestOpenEmptyPath(t *testing.T) {
	if _, err := Open("", Options{}); err == nil {
		t.Fatal("Open(\"\") succeeded")
	}
}

func TestConcurrentOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.db")
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Go(func() {
			s, err := Open(path, Options{})
			if err != nil {
				errs <- err
				return
			}
			s.Close()
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	s := openStore(t, path, Options{})
	if v := userVersion(t, s); v != len(migrations) {
		t.Errorf("user_version = %d, want %d", v, len(migrations))
	}
}

func TestGeneration(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, Options{})
	key := testKey(t)

	gen := func() int64 {
		t.Helper()
		g, err := s.Generation(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return g
	}

	changes := []struct {
		name string
		do   func() error
	}{
		{"add account", func() error {
			_, err := s.AddAccount(ctx, Account{Login: "t1", Role: domain.RoleTrainee, Ref: "T1", PasswordHash: testHash()}, "")
			return err
		}},
		{"update account", func() error {
			a, _ := s.Account(ctx, "t1")
			a.Name = "Trainee One"
			a.PublicKeys = []string{key.line}
			return s.UpdateAccount(ctx, a)
		}},
		{"set password", func() error { return s.SetPassword(ctx, "t1", "secret") }},
		{"set disabled", func() error { return s.SetDisabled(ctx, "t1", true) }},
		{"add session", func() error { return s.AddSession(ctx, Session{Code: "S1"}) }},
		{"update session", func() error { return s.UpdateSession(ctx, Session{Code: "S1", Title: "First"}) }},
		{"enroll", func() error { return s.Enroll(ctx, Enrollment{"S1", domain.RoleTrainee, "T1", ""}) }},
		{"unenroll", func() error { return s.Unenroll(ctx, Enrollment{"S1", domain.RoleTrainee, "T1", ""}) }},
		{"delete session", func() error { return s.DeleteSession(ctx, "S1") }},
		{"delete account", func() error { return s.DeleteAccount(ctx, "t1") }},
	}
	for _, c := range changes {
		before := gen()
		if err := c.do(); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if after := gen(); after <= before {
			t.Errorf("%s: generation %d -> %d, want it to grow", c.name, before, after)
		}
	}

	// Reads, and changes that fail or change nothing, leave it alone.
	mustAddAccount(t, s, "t2", domain.RoleTrainee, "T2")
	mustAddSession(t, s, Session{Code: "S2"})
	if err := s.Enroll(ctx, Enrollment{"S2", domain.RoleTrainee, "T2", ""}); err != nil {
		t.Fatal(err)
	}
	nonChanges := []struct {
		name string
		do   func() error
	}{
		{"account", func() error { _, err := s.Account(ctx, "T2"); return err }},
		{"accounts", func() error { _, err := s.Accounts(ctx); return err }},
		{"login known", func() error { _, err := s.LoginKnown(ctx, "t2"); return err }},
		{"session", func() error { _, err := s.Session(ctx, "S2"); return err }},
		{"sessions", func() error { _, err := s.Sessions(ctx); return err }},
		{"sessions of", func() error { _, err := s.SessionsOf(ctx, domain.RoleTrainee, "T2"); return err }},
		{"enrollments", func() error { _, err := s.Enrollments(ctx); return err }},
		{"authenticate", func() error { _, err := s.Authenticate(ctx, "t2", "secret"); return err }},
		{"authenticate key", func() error {
			_, err := s.AuthenticateKey(ctx, "t2", key.pub)
			return ignore(err, ErrInvalidCredentials)
		}},
		{"enroll again", func() error { return s.Enroll(ctx, Enrollment{"S2", domain.RoleTrainee, "T2", ""}) }},
		{"duplicate account", func() error {
			_, err := s.AddAccount(ctx, Account{Login: "T2", Role: domain.RoleTrainee, Ref: "T2"}, "")
			return ignore(err, ErrExists)
		}},
		{"duplicate session", func() error { return ignore(s.AddSession(ctx, Session{Code: "s2"}), ErrExists) }},
	}
	for _, c := range nonChanges {
		before := gen()
		if err := c.do(); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if after := gen(); after != before {
			t.Errorf("%s: generation %d -> %d, want no change", c.name, before, after)
		}
	}
}

// ignore turns an error matching target into nil, and a nil error into a
// failure: the caller expected target.
func ignore(err, target error) error {
	if errors.Is(err, target) {
		return nil
	}
	if err == nil {
		return fmt.Errorf("no error, want %v", target)
	}
	return err
}

func TestTwoStoresSeeEachOther(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "d.db")
	daemon := openStore(t, path, Options{})
	cli := openStore(t, path, Options{})

	g0, err := daemon.Generation(ctx)
	if err != nil {
		t.Fatal(err)
	}
	mustAddSession(t, cli, Session{Code: "S2026-014"})
	g1, err := daemon.Generation(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if g1 <= g0 {
		t.Fatalf("the daemon's generation went %d -> %d after the CLI wrote", g0, g1)
	}
	if _, err := daemon.Session(ctx, "S2026-014"); err != nil {
		t.Fatalf("the daemon does not see the CLI's session: %v", err)
	}
}

// Two processes (here two Stores, each with its own pool) writing at once
// must wait for each other, not fail with SQLITE_BUSY.
func TestConcurrentWriters(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "d.db")
	stores := []*Store{openStore(t, path, Options{}), openStore(t, path, Options{})}
	const workers, each = 4, 10

	var wg sync.WaitGroup
	errs := make(chan error, len(stores)*workers*each)
	for si, s := range stores {
		for w := range workers {
			wg.Go(func() {
				for i := range each {
					ref := fmt.Sprintf("T%d-%d-%d", si, w, i)
					code := "S" + ref
					if _, err := s.AddAccount(ctx, Account{Login: "u" + ref, Role: domain.RoleTrainee, Ref: ref, PasswordHash: testHash()}, ""); err != nil {
						errs <- err
						return
					}
					if err := s.AddSession(ctx, Session{Code: code}); err != nil {
						errs <- err
						return
					}
					if err := s.Enroll(ctx, Enrollment{Session: code, Role: domain.RoleTrainee, Ref: ref}); err != nil {
						errs <- err
						return
					}
					// A read then a write, in the other store, as the
					// daemon and the CLI interleave.
					other := stores[1-si]
					if _, err := other.Generation(ctx); err != nil {
						errs <- err
						return
					}
					if err := other.SetDisabled(ctx, "u"+ref, true); err != nil {
						errs <- err
						return
					}
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	en, err := stores[0].Enrollments(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := len(stores) * workers * each; len(en) != want {
		t.Errorf("%d enrollments, want %d", len(en), want)
	}
}

func TestTimestamps(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, Options{})
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	s.now = func() time.Time { return t0 }
	a := mustAddAccount(t, s, "acme", domain.RoleClient, "C42")
	if !a.CreatedAt.Equal(t0) || !a.UpdatedAt.Equal(t0) {
		t.Errorf("AddAccount times = %v, %v; want %v", a.CreatedAt, a.UpdatedAt, t0)
	}
	t1 := t0.Add(time.Hour)
	s.now = func() time.Time { return t1 }
	if err := s.SetDisabled(ctx, "acme", true); err != nil {
		t.Fatal(err)
	}
	got, err := s.Account(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if !got.CreatedAt.Equal(t0) || !got.UpdatedAt.Equal(t1) {
		t.Errorf("stored times = %v, %v; want %v, %v", got.CreatedAt, got.UpdatedAt, t0, t1)
	}
	var raw string
	if err := s.DB().QueryRow(`SELECT updated_at FROM accounts`).Scan(&raw); err != nil || raw != "2026-03-01T11:00:00Z" {
		t.Errorf("stored updated_at = %q, %v; want RFC 3339 UTC", raw, err)
	}
}

// Up to schema 1, packages audit and defender created their tables
// themselves, at daemon start, with these statements (audit.Prepare and
// defender.OpenPersist). A database they did or did not get to must
// migrate to the current schema and keep its rows.
const schema1AuditDefender = `
CREATE TABLE IF NOT EXISTS audit (
	id        INTEGER PRIMARY KEY,
	time      TEXT NOT NULL,
	login     TEXT NOT NULL,
	role      TEXT NOT NULL,
	remote    TEXT NOT NULL,
	protocol  TEXT NOT NULL,
	action    TEXT NOT NULL,
	path      TEXT NOT NULL,
	target    TEXT NOT NULL,
	bytes     INTEGER NOT NULL,
	duration  INTEGER NOT NULL,
	result    TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_time ON audit (time);
CREATE INDEX IF NOT EXISTS audit_login_time ON audit (login COLLATE NOCASE, time);
CREATE TABLE IF NOT EXISTS defender_hosts (
	ip           TEXT PRIMARY KEY,
	score        INTEGER NOT NULL,
	banned_until TEXT NOT NULL DEFAULT '',
	bans         INTEGER NOT NULL DEFAULT 0,
	updated_at   TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS defender_unbans (
	ip           TEXT PRIMARY KEY,
	requested_at TEXT NOT NULL
);
INSERT INTO audit (time, login, role, remote, protocol, action, path, target, bytes, duration, result)
	VALUES ('2026-01-05T09:00:00.000000Z', 'acme', 'client', '192.0.2.1:5000', 'SFTP', 'download', '/a.pdf', '', 1, 1, 'ok');
INSERT INTO defender_hosts (ip, score, banned_until, bans, updated_at) VALUES ('192.0.2.9', 15, '2026-01-05T10:00:00Z', 1, '2026-01-05T09:30:00Z');
`

func TestOpenMigratesSchema1(t *testing.T) {
	for _, tc := range []struct {
		name  string
		extra string // what the daemon of schema 1 added
		rows  int    // rows of audit and defender_hosts expected after migrating
	}{
		{"CLI only", "", 0},
		{"daemon ran", schema1AuditDefender, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "d.db")
			db, err := sql.Open("sqlite", "file:"+path)
			if err != nil {
				t.Fatal(err)
			}
			for _, stmt := range []string{migrations[0], `PRAGMA user_version = 1`, tc.extra} {
				if _, err := db.Exec(stmt); err != nil {
					t.Fatal(err)
				}
			}
			db.Close()

			s := openStore(t, path, Options{})
			if v := userVersion(t, s); v != len(migrations) {
				t.Errorf("user_version = %d, want %d", v, len(migrations))
			}
			for table, want := range map[string]int{"audit": tc.rows, "defender_hosts": tc.rows, "defender_unbans": 0} {
				var n int
				if err := s.DB().QueryRow(`SELECT count(*) FROM ` + table).Scan(&n); err != nil {
					t.Fatalf("%s: %v", table, err)
				}
				if n != want {
					t.Errorf("%s has %d rows, want %d", table, n, want)
				}
			}
			mustAddAccount(t, s, "acme", domain.RoleClient, "C42") // schema 1's tables still work
		})
	}
}

package audit

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dossierd/dossierd/auth"
)

// openDB opens a directory database, whose migrations create the audit
// table.
func openDB(t *testing.T) *sql.DB {
	t.Helper()
	s, err := auth.Open(filepath.Join(t.TempDir(), "a.db"), auth.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s.DB()
}

func TestRecordQueryPrune(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	r, err := NewRecorder(ctx, db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	base := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	r.Record(Event{Time: base.AddDate(-2, 0, 0), Login: "acme", Action: Download, Path: "/old.pdf", Result: "ok"})
	r.Record(Event{Time: base, Login: "acme", Role: "client", Remote: "127.0.0.1:5000", Protocol: "SFTP", Action: Download, Path: "/Sessions/S1/Documents/Attestation.pdf", Bytes: 1234, Duration: time.Second, Result: "ok"})
	r.Record(Event{Time: base.Add(time.Hour), Login: "ACME", Protocol: "FTP", Action: Upload, Path: "/Mes documents/x.pdf", Bytes: 99, Result: "ok"})
	r.Record(Event{Time: base.Add(2 * time.Hour), Login: "globex", Protocol: "FTP", Action: Login, Result: "invalid login or password"})
	r.Close() // flushes

	got, err := Query(ctx, db, Filter{Login: "acme", Path: "Attestation", Action: Download})
	if err != nil || len(got) != 1 {
		t.Fatalf("query = %v, %v", got, err)
	}
	e := got[0]
	if !e.Time.Equal(base) || e.Bytes != 1234 || e.Remote != "127.0.0.1:5000" || e.Protocol != "SFTP" || e.Duration != time.Second {
		t.Fatalf("event = %+v", e)
	}
	if got, _ := Query(ctx, db, Filter{Login: "acme", Since: base}); len(got) != 2 {
		t.Fatalf("since: %d events, want 2 (login is case-insensitive)", len(got))
	}
	if got, _ := Query(ctx, db, Filter{Until: base}); len(got) != 1 {
		t.Fatalf("until: %d events", len(got))
	}
	n, err := Prune(ctx, db, base.AddDate(0, 0, -400))
	if err != nil || n != 1 {
		t.Fatalf("prune = %d, %v", n, err)
	}
}

func TestStoredLogin(t *testing.T) {
	long := strings.Repeat("é", 70)
	for _, tt := range []struct{ login, want string }{
		{"acme", "acme"},
		{"J.Dupont-2@acme.fr", "J.Dupont-2@acme.fr"},
		{strings.Repeat("a", 128), strings.Repeat("a", 128)},
		{"", `""`},
		{"bad login!", `"bad login!"`},
		{"x\n2026-12-04 backoffice delete /clients/C0042/contrat.pdf ok", `"x\n2026-12-04 backoffice delete /clients/C0042/contrat.pdf ok"`},
		{"\x1b[2J", `"\x1b[2J"`},
		{"admin\u202efdp.exe", `"admin\u202efdp.exe"`},
		{"\xff\xfe", `"\xff\xfe"`},
		{long, `"` + strings.Repeat("é", 64) + `"…`},
		{strings.Repeat("a", 129), `"` + strings.Repeat("a", 64) + `"…`},
		{strings.Repeat("\n", 65), `"` + strings.Repeat(`\n`, 64) + `"…`},
		{strings.Repeat("\xff", 64) + "!", `"` + strings.Repeat(`\xff`, 64) + `"…`},
	} {
		if got := StoredLogin(tt.login); got != tt.want {
			t.Errorf("StoredLogin(%q) = %q, want %q", tt.login, got, tt.want)
		}
	}
}

// A login sent before authentication reaches the table only in its stored
// form, whoever records it, and the operator finds it by what was sent.
func TestRecordStoresLoginQuoted(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	var logged strings.Builder
	r, err := NewRecorder(ctx, db, slog.New(slog.NewTextHandler(&logged, nil)))
	if err != nil {
		t.Fatal(err)
	}
	const forged = "x\n2026-12-04 backoffice delete /clients/C0042/contrat.pdf ok"
	r.Record(Event{Login: forged, Protocol: "SFTP", Action: Login, Result: "invalid login or password"})
	r.Record(Event{Login: "acme", Protocol: "SFTP", Action: Login, Result: "ok"})
	r.Close()

	got, err := Query(ctx, db, Filter{})
	if err != nil || len(got) != 2 {
		t.Fatalf("query = %v, %v", got, err)
	}
	if got[0].Login != strconv.Quote(forged) || got[1].Login != "acme" {
		t.Errorf("stored logins %q, %q; want %q, %q", got[0].Login, got[1].Login, strconv.Quote(forged), "acme")
	}
	if n := strings.Count(logged.String(), "\n"); n != 2 {
		t.Errorf("log has %d lines, want 2:\n%s", n, logged.String())
	}
	for _, login := range []string{forged, strconv.Quote(forged)} {
		if got, err := Query(ctx, db, Filter{Login: login}); err != nil || len(got) != 1 || got[0].Login != strconv.Quote(forged) {
			t.Errorf("Filter{Login: %q} = %v, %v; want the forged login's event", login, got, err)
		}
	}
}

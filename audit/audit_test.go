package audit

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

func TestRecordQueryPrune(t *testing.T) {
	ctx := context.Background()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "a.db")+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
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

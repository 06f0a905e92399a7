// Package audit keeps the trail that answers "who downloaded what, when,
// from where": every login, transfer and change, in an append-only table of
// the directory database and as a structured log line. Writes are batched
// by one goroutine, off the transfer path.
package audit

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dossierd/dossierd/auth"
)

// Actions recorded.
const (
	Login    = "login"
	Download = "download"
	Upload   = "upload"
	Delete   = "delete"
	Rename   = "rename"
	Mkdir    = "mkdir"
	Rmdir    = "rmdir"
	Setstat  = "setstat"
)

// Event is one line of the trail.
type Event struct {
	Time     time.Time     `json:"time"`
	Login    string        `json:"login"` // as StoredLogin makes it
	Role     string        `json:"role"`
	Remote   string        `json:"remote"`
	Protocol string        `json:"protocol"`
	Action   string        `json:"action"`
	Path     string        `json:"path,omitempty"`
	Target   string        `json:"target,omitempty"` // rename target
	Bytes    int64         `json:"bytes"`
	Duration time.Duration `json:"duration_ns"`
	Result   string        `json:"result"` // "ok", or the reason of the failure
}

// timeFormat sorts as text, so the time index serves range queries.
const timeFormat = "2006-01-02T15:04:05.000000Z"

// maxStoredLogin is how many runes of an invalid login the trail keeps:
// enough to recognise a probe, not so many that a client fills the table.
const maxStoredLogin = 64

// StoredLogin is login as the trail stores and logs it. A login that follows
// the account rules (auth.ValidateLogin) is kept as is. Any other was sent by
// a client before authentication and may be hostile: it is kept quoted as
// strconv.Quote does, so that a newline or an escape sequence in it can
// neither forge a line of the trail nor drive the terminal of whoever reads
// it, and cut to its first 64 runes, a cut marked by "…" after the closing
// quote.
func StoredLogin(login string) string {
	if auth.ValidateLogin(login) == nil {
		return login
	}
	kept, cut := login, ""
	runes := 0
	for i := range login { // i is where each rune, or invalid byte, starts
		if runes == maxStoredLogin {
			kept, cut = login[:i], "…"
			break
		}
		runes++
	}
	return strconv.Quote(kept) + cut
}

// Recorder batches events into the database.
type Recorder struct {
	db  *sql.DB
	log *slog.Logger
	ch  chan Event

	wg      sync.WaitGroup
	flushMu sync.Mutex
	dropped int64
}

// queueSize bounds memory if the disk stalls; beyond it events are
// logged (never silently lost) but not stored.
const queueSize = 8192

// NewRecorder starts the writer goroutine. db is the directory database
// (auth.Store.DB), whose migrations create the audit table.
func NewRecorder(ctx context.Context, db *sql.DB, log *slog.Logger) (*Recorder, error) {
	if _, err := db.ExecContext(ctx, `SELECT 1 FROM audit LIMIT 0`); err != nil {
		return nil, fmt.Errorf("audit table: %w", err)
	}
	r := &Recorder{db: db, log: log.With("audit", true), ch: make(chan Event, queueSize)}
	r.wg.Add(1)
	go r.run()
	return r, nil
}

// Len is the number of events queued and not yet written, for telemetry:
// a queue that keeps growing means the database does not keep up.
func (r *Recorder) Len() int { return len(r.ch) }

// Record queues an event and logs it; it never blocks a transfer.
func (r *Recorder) Record(e Event) {
	if r == nil {
		return
	}
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	// Every front-end's events pass through here: one place makes a
	// hostile login harmless for the table and the log alike.
	e.Login = StoredLogin(e.Login)
	r.log.Info(e.Action, "login", e.Login, "role", e.Role, "remote", e.Remote, "protocol", e.Protocol,
		"path", e.Path, "target", e.Target, "bytes", e.Bytes, "duration", e.Duration.Round(time.Millisecond).String(), "result", e.Result)
	select {
	case r.ch <- e:
	default:
		r.flushMu.Lock()
		r.dropped++
		r.flushMu.Unlock()
	}
}

func (r *Recorder) run() {
	defer r.wg.Done()
	batch := make([]Event, 0, 256)
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case e, ok := <-r.ch:
			if !ok {
				r.write(batch)
				return
			}
			batch = append(batch, e)
			if len(batch) >= 256 {
				r.write(batch)
				batch = batch[:0]
			}
		case <-t.C:
			r.write(batch)
			batch = batch[:0]
		}
	}
}

func (r *Recorder) write(batch []Event) {
	r.flushMu.Lock()
	dropped := r.dropped
	r.dropped = 0
	r.flushMu.Unlock()
	if dropped > 0 {
		r.log.Error("audit queue full: events logged but not stored", "count", dropped)
	}
	if len(batch) == 0 {
		return
	}
	if err := insert(context.Background(), r.db, batch); err != nil {
		r.log.Error("audit write failed: events logged but not stored", "count", len(batch), "err", err)
	}
}

func insert(ctx context.Context, db *sql.DB, batch []Event) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO audit (time, login, role, remote, protocol, action, path, target, bytes, duration, result) VALUES (?,?,?,?,?,?,?,?,?,?,?)`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, e := range batch {
		if _, err := stmt.ExecContext(ctx, e.Time.UTC().Format(timeFormat), e.Login, e.Role, e.Remote, e.Protocol,
			e.Action, e.Path, e.Target, e.Bytes, int64(e.Duration), e.Result); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// Close writes what is queued and stops the writer.
func (r *Recorder) Close() {
	if r == nil {
		return
	}
	close(r.ch)
	r.wg.Wait()
}

// Prune deletes events older than the retention (audit.retention_days).
func Prune(ctx context.Context, db *sql.DB, before time.Time) (int64, error) {
	res, err := db.ExecContext(ctx, `DELETE FROM audit WHERE time < ?`, before.UTC().Format(timeFormat))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// Filter selects events; zero fields match everything.
type Filter struct {
	Login  string
	Path   string // substring
	Action string
	Since  time.Time
	Until  time.Time // exclusive
	Limit  int
}

// Query answers a Filter, oldest first.
func Query(ctx context.Context, db *sql.DB, f Filter) ([]Event, error) {
	var where []string
	var args []any
	if f.Login != "" {
		// An invalid login is stored quoted: match the value given and
		// its stored form, so that --login finds it typed either way.
		where = append(where, "(login = ? COLLATE NOCASE OR login = ? COLLATE NOCASE)")
		args = append(args, f.Login, StoredLogin(f.Login))
	}
	if f.Path != "" {
		where = append(where, "(instr(path, ?) > 0 OR instr(target, ?) > 0)")
		args = append(args, f.Path, f.Path)
	}
	if f.Action != "" {
		where = append(where, "action = ?")
		args = append(args, f.Action)
	}
	if !f.Since.IsZero() {
		where = append(where, "time >= ?")
		args = append(args, f.Since.UTC().Format(timeFormat))
	}
	if !f.Until.IsZero() {
		where = append(where, "time < ?")
		args = append(args, f.Until.UTC().Format(timeFormat))
	}
	q := "SELECT time, login, role, remote, protocol, action, path, target, bytes, duration, result FROM audit"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY time, id"
	if f.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var ts string
		var dur int64
		if err := rows.Scan(&ts, &e.Login, &e.Role, &e.Remote, &e.Protocol, &e.Action, &e.Path, &e.Target, &e.Bytes, &dur, &e.Result); err != nil {
			return nil, err
		}
		e.Time, _ = time.Parse(timeFormat, ts)
		e.Duration = time.Duration(dur)
		out = append(out, e)
	}
	return out, rows.Err()
}

package events

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/dossierd/dossierd/config"
	"github.com/dossierd/dossierd/service"
)

// The outbox is the table event_outbox of the directory database (its
// schema is in auth's migrations, with the rest): one row per event and
// webhook that wants it, with the exact body posted. Rows are written in
// the operation's step, before its reply; the dispatcher delivers them in
// seq order per login and webhook, never on a transfer's path. The CLI
// (`dossierd events list|retry`) works on the same rows from its own
// process.

// Options configure an Outbox.
type Options struct {
	Webhooks   []config.Webhook
	RetryHours int // events.retry_hours; 0: 24
	// RetryFor, when set, replaces RetryHours (tests).
	RetryFor time.Duration
	Logger   *slog.Logger
	Client   *http.Client // nil: one with a 10 s timeout that follows no redirect
}

// Backoff is the wait before the attempts that follow a failed one:
// Base, doubled at each failure, at most Max. Tests shorten it before
// they start a daemon.
var Backoff = struct{ Base, Max time.Duration }{Base: time.Second, Max: 10 * time.Minute}

// idlePoll is how often a dispatcher with nothing due looks at the table:
// `dossierd events retry`, from another process, is seen this soon.
const idlePoll = time.Second

// Outbox writes events durably and delivers them.
type Outbox struct {
	db     *sql.DB
	conn   *sql.Conn // the writer's own connection: it never runs a checkpoint
	ins    *sql.Stmt // the insert, prepared once on conn
	hooks  []*hook
	wants  map[string]bool
	retry  time.Duration
	log    *slog.Logger
	client *http.Client

	reqs      chan *request
	closed    chan struct{}
	closeOnce sync.Once
	writer    sync.WaitGroup
}

// hook is one webhook and what it listens to.
type hook struct {
	config.Webhook
	shown string // the URL without its password, for the log
	wants map[string]bool
	wake  chan struct{} // a row was written for it
}

// request is one Emit waiting for its rows to be committed.
type request struct {
	rows []row
	done chan error
}

// row is one event for one webhook, as written.
type row struct {
	id, webhook, login, typ, body string
	created                       time.Time // when written: the retry time starts then
}

// ErrClosed refuses an event once the outbox is closed.
var ErrClosed = errors.New("events: outbox closed")

// Open links an outbox to db (auth.Store.DB) and starts its writer.
// Deliver must run for the rows to leave.
func Open(ctx context.Context, db *sql.DB, opts Options) (*Outbox, error) {
	if _, err := db.ExecContext(ctx, `SELECT 1 FROM event_outbox, event_accounts LIMIT 0`); err != nil {
		return nil, fmt.Errorf("events tables: %w", err)
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.RetryHours <= 0 {
		opts.RetryHours = 24
	}
	if opts.Client == nil {
		opts.Client = &http.Client{
			Timeout: 10 * time.Second,
			// A receiver that moved must be reconfigured, not followed:
			// the body and its signature would go to a URL nobody chose.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
			Transport:     &http.Transport{Proxy: http.ProxyFromEnvironment, MaxIdleConnsPerHost: parallel, IdleConnTimeout: 90 * time.Second},
		}
	}
	if opts.RetryFor <= 0 {
		opts.RetryFor = time.Duration(opts.RetryHours) * time.Hour
	}
	o := &Outbox{
		db: db, wants: map[string]bool{}, retry: opts.RetryFor,
		log: opts.Logger.With("component", "events"), client: opts.Client,
		reqs: make(chan *request), closed: make(chan struct{}),
	}
	for i, w := range opts.Webhooks {
		// A row names its webhook by URL: two with one URL would be one.
		if slices.ContainsFunc(opts.Webhooks[:i], func(o config.Webhook) bool { return o.URL == w.URL }) {
			return nil, fmt.Errorf("events.webhooks[%d].url: %q is listed twice", i, w.URL)
		}
		h := &hook{Webhook: w, shown: redacted(w.URL), wants: map[string]bool{}, wake: make(chan struct{}, 1)}
		for _, t := range w.Events {
			h.wants[t] = true
			o.wants[t] = true
		}
		o.hooks = append(o.hooks, h)
	}
	// The writer's commits are on the clients' path (an upload's reply
	// waits for its row): SQLite's automatic checkpoint, which fsyncs the
	// database and would stall every client of the batch behind a disk busy
	// with their own fsyncs, is left to the other connections (the audit
	// recorder's and the dispatcher's commits, off that path).
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	if _, err = conn.ExecContext(ctx, `PRAGMA wal_autocheckpoint = 0`); err == nil {
		o.ins, err = conn.PrepareContext(ctx, insertSQL)
	}
	if err != nil {
		conn.Close()
		return nil, err
	}
	o.conn = conn
	o.writer.Add(1)
	go o.write()
	return o, nil
}

// Wants reports whether a webhook listens to events of type t.
func (o *Outbox) Wants(t string) bool { return o != nil && o.wants[t] }

// Emit writes e for every webhook that wants it and returns once the rows
// are committed (service.Events).
func (o *Outbox) Emit(_ context.Context, e service.Event) error {
	rows, err := o.rows(e)
	if err != nil || len(rows) == 0 {
		return err
	}
	r := &request{rows: rows, done: make(chan error, 1)}
	select {
	case o.reqs <- r:
	case <-o.closed:
		return ErrClosed
	}
	// Not abandoned on the caller's context: once handed over, the rows
	// are written, and the caller's reply must wait for them.
	return <-r.done
}

// rows are the outbox rows of one event: one per webhook that wants it,
// all with the same id and body.
func (o *Outbox) rows(e service.Event) ([]row, error) {
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	var b Body
	var body string
	var rows []row
	for _, h := range o.hooks {
		if !h.wants[e.Type] {
			continue
		}
		if body == "" {
			b = newBody(e)
			var err error
			if body, err = marshal(b); err != nil {
				return nil, err
			}
		}
		rows = append(rows, row{id: b.ID, webhook: h.URL, login: e.Login, typ: e.Type, body: body, created: time.Now()})
	}
	return rows, nil
}

// maxBatch bounds the events one transaction writes.
const maxBatch = 512

// write commits the rows of the Emits waiting, many in one transaction:
// under load the callers share the commit instead of queueing for one
// each.
func (o *Outbox) write() {
	defer o.writer.Done()
	for {
		var batch []*request
		select {
		case r := <-o.reqs:
			batch = append(batch, r)
		case <-o.closed:
			return
		}
	more:
		for len(batch) < maxBatch {
			select {
			case r := <-o.reqs:
				batch = append(batch, r)
			default:
				break more
			}
		}
		var rows []row
		for _, r := range batch {
			rows = append(rows, r.rows...)
		}
		ctx := context.Background()
		err := inTx(ctx, o.conn, func(tx *sql.Tx) error { return insertWith(ctx, tx.StmtContext(ctx, o.ins), rows) })
		for _, r := range batch {
			r.done <- err
		}
		if err == nil {
			o.wakeFor(rows)
		}
	}
}

// wakeFor tells the dispatchers of the webhooks rows were written for.
func (o *Outbox) wakeFor(rows []row) {
	for _, h := range o.hooks {
		for _, r := range rows {
			if r.webhook == h.URL {
				select {
				case h.wake <- struct{}{}:
				default:
				}
				break
			}
		}
	}
}

// Close stops the writer once the Emits already handed over are written;
// later ones get ErrClosed. Deliver stops with its context.
func (o *Outbox) Close() {
	if o == nil {
		return
	}
	o.closeOnce.Do(func() {
		close(o.closed)
		o.writer.Wait()
		o.ins.Close()
		// Back to the pool as the store configured it.
		o.conn.ExecContext(context.Background(), `PRAGMA wal_autocheckpoint = 1000`)
		o.conn.Close()
	})
	o.writer.Wait()
}

// redacted is a URL as logs and listings show it: a password it carries
// (https://user:password@host/) is left out.
func redacted(s string) string {
	if u, err := url.Parse(s); err == nil {
		return u.Redacted()
	}
	return s
}

// Times are stored in UTC with a fixed width, so that they sort as text.
const timeLayout = "2006-01-02T15:04:05.000000Z"

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func parseTime(s string) time.Time {
	t, _ := time.Parse(timeLayout, s)
	return t
}

const insertSQL = `INSERT INTO event_outbox
	(event_id, webhook, login, type, body, created_at, retry_since, next_attempt) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`

// insert writes rows in tx.
func insert(ctx context.Context, tx *sql.Tx, rows []row) error {
	if len(rows) == 0 {
		return nil
	}
	st, err := tx.PrepareContext(ctx, insertSQL)
	if err != nil {
		return err
	}
	defer st.Close()
	return insertWith(ctx, st, rows)
}

func insertWith(ctx context.Context, st *sql.Stmt, rows []row) error {
	for _, r := range rows {
		at := formatTime(r.created)
		if _, err := st.ExecContext(ctx, r.id, r.webhook, r.login, r.typ, r.body, at, at, at); err != nil {
			return err
		}
	}
	return nil
}

// beginner is a *sql.DB or one of its connections.
type beginner interface {
	BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error)
}

// inTx runs f in one transaction (IMMEDIATE: the store's DSN says so).
func inTx(ctx context.Context, db beginner, f func(*sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := f(tx); err != nil {
		return err
	}
	return tx.Commit()
}

package events

import (
	"context"
	"database/sql"
	"time"
)

// What `dossierd events list|retry` do, on the daemon's database from
// another process: the running daemon's dispatcher sees a retried row at
// its next look at the table (within a second).

// States of a row.
const (
	StatePending   = "pending"   // not delivered yet, retried
	StateFailed    = "failed"    // retried for events.retry_hours in vain
	StateDelivered = "delivered" // a 2xx answer came
)

// Entry is one event for one webhook, as listed.
type Entry struct {
	ID          string    `json:"id"`
	Type        string    `json:"type"`
	Login       string    `json:"login"`
	Webhook     string    `json:"webhook"`
	State       string    `json:"state"`
	Attempts    int       `json:"attempts"`
	CreatedAt   time.Time `json:"created_at"`
	NextAttempt time.Time `json:"next_attempt"`
	LastError   string    `json:"last_error,omitempty"`
	FailedAt    time.Time `json:"failed_at,omitzero"`
	Body        string    `json:"body"`
}

// List returns the events not delivered (failedOnly: those kept as
// failed), oldest first.
func List(ctx context.Context, db *sql.DB, failedOnly bool) ([]Entry, error) {
	where := `delivered_at = ''`
	if failedOnly {
		where = `failed_at != ''`
	}
	rows, err := db.QueryContext(ctx, `SELECT event_id, type, login, webhook, attempts, created_at, next_attempt, last_error, failed_at, body
		FROM event_outbox WHERE `+where+` ORDER BY seq`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Entry{}
	for rows.Next() {
		var e Entry
		var created, next, failed string
		if err := rows.Scan(&e.ID, &e.Type, &e.Login, &e.Webhook, &e.Attempts, &created, &next, &e.LastError, &failed, &e.Body); err != nil {
			return nil, err
		}
		e.CreatedAt, e.NextAttempt, e.FailedAt = parseTime(created), parseTime(next), parseTime(failed)
		e.Webhook = redacted(e.Webhook)
		e.State = StatePending
		if failed != "" {
			e.State = StateFailed
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Retry makes the undelivered rows of event id (every webhook) due now,
// with a new retry time; it returns how many there were.
func Retry(ctx context.Context, db *sql.DB, id string) (int64, error) {
	return retry(ctx, db, `event_id = ? AND`, id)
}

// RetryAll does it for every undelivered row.
func RetryAll(ctx context.Context, db *sql.DB) (int64, error) { return retry(ctx, db, ``) }

func retry(ctx context.Context, db *sql.DB, cond string, args ...any) (int64, error) {
	now := formatTime(time.Now())
	res, err := db.ExecContext(ctx, `UPDATE event_outbox SET failed_at = '', attempts = 0, next_attempt = ?, retry_since = ?
		WHERE `+cond+` delivered_at = ''`, append([]any{now, now}, args...)...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

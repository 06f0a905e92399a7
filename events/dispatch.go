package events

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// parallel bounds the deliveries in flight to one webhook: different
// logins go side by side, the events of one login one after the other.
const parallel = 8

// keepDelivered is how long delivered rows stay in the table (for
// `dossierd events list` and a receiver's questions) before they are
// deleted.
const keepDelivered = 7 * 24 * time.Hour

// Deliver sends the outbox's rows until ctx ends: one dispatcher per
// webhook, so that a receiver that is down delays no other.
func (o *Outbox) Deliver(ctx context.Context) {
	var wg sync.WaitGroup
	for _, h := range o.hooks {
		wg.Go(func() { o.dispatch(ctx, h) })
	}
	wg.Go(func() { o.pruneDaily(ctx) })
	wg.Wait()
}

// cooldown is the least time between two looks at the table after one
// that delivered nothing: while a receiver is down, every event written
// would otherwise wake a read of the backlog it cannot send.
const cooldown = 250 * time.Millisecond

func (o *Outbox) dispatch(ctx context.Context, h *hook) {
	for ctx.Err() == nil {
		wait, delivered, held, err := o.round(ctx, h)
		if err != nil && ctx.Err() == nil {
			o.log.Error("outbox read failed", "webhook", h.shown, "err", err)
			held = true
		}
		if delivered {
			continue // more may be due
		}
		wait = min(wait, idlePoll)
		if held { // rows wait for a retry: no new look before the cooldown
			wait = max(wait, cooldown)
			rest := time.NewTimer(cooldown)
			select {
			case <-ctx.Done():
			case <-rest.C:
			}
			rest.Stop()
			if wait -= cooldown; wait <= 0 {
				continue
			}
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
		case <-h.wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// pending is one undelivered row, as the dispatcher reads it.
type pending struct {
	seq              int64
	id, login        string
	attempts         int
	next, retrySince time.Time
}

// result is what became of one attempt.
type result struct {
	p   pending
	err error // nil: delivered
}

// roundSize bounds the rows one round reads.
const roundSize = 1000

// round delivers what is due to h: for each login, its undelivered rows
// in seq order, stopping at its first failure, which blocks the login's
// later rows until its next attempt (or until it is kept as failed). It
// returns how long nothing is due, whether something was delivered, and
// whether rows are held back (waiting for a retry).
func (o *Outbox) round(ctx context.Context, h *hook) (wait time.Duration, delivered, held bool, err error) {
	// Without the bodies: while a receiver is down, most rows read are
	// held back; a body is read when its row is sent.
	rows, err := o.db.QueryContext(ctx, `SELECT seq, event_id, login, attempts, next_attempt, retry_since
		FROM event_outbox WHERE webhook = ? AND delivered_at = '' AND failed_at = '' ORDER BY seq LIMIT ?`, h.URL, roundSize)
	if err != nil {
		return 0, false, false, err
	}
	var order []string
	chains := map[string][]pending{}
	for rows.Next() {
		var p pending
		var next, since string
		if err := rows.Scan(&p.seq, &p.id, &p.login, &p.attempts, &next, &since); err != nil {
			rows.Close()
			return 0, false, false, err
		}
		p.next, p.retrySince = parseTime(next), parseTime(since)
		if _, ok := chains[p.login]; !ok {
			order = append(order, p.login)
		}
		chains[p.login] = append(chains[p.login], p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, false, false, err
	}
	now := time.Now()
	wait = idlePoll
	var due [][]pending
	for _, login := range order {
		c := chains[login]
		if head := c[0]; head.next.After(now) {
			wait = min(wait, head.next.Sub(now))
			continue
		}
		due = append(due, c)
	}
	held = len(due) < len(order)
	if len(due) == 0 {
		return wait, false, held, nil
	}
	var (
		mu      sync.Mutex
		results []result
		wg      sync.WaitGroup
		slots   = make(chan struct{}, parallel)
	)
	for _, c := range due {
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			for _, p := range c {
				err := o.post(ctx, h, p)
				if ctx.Err() != nil {
					return // the shutdown cut it: not the receiver's failure
				}
				mu.Lock()
				results = append(results, result{p, err})
				mu.Unlock()
				if err != nil {
					return
				}
			}
		})
	}
	wg.Wait()
	if err := o.record(context.WithoutCancel(ctx), h, results); err != nil {
		return 0, false, false, err
	}
	for _, r := range results {
		delivered = delivered || r.err == nil
		held = held || r.err != nil
	}
	return 0, delivered, held, nil
}

// post delivers one row: a 2xx answer is a delivery, anything else a
// failure.
func (o *Outbox) post(ctx context.Context, h *hook, p pending) error {
	var body string
	if err := o.db.QueryRowContext(ctx, `SELECT body FROM event_outbox WHERE seq = ?`, p.seq).Scan(&body); err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "dossierd")
	req.Header.Set(HeaderID, p.id)
	req.Header.Set(HeaderSignature, Sign(h.Secret, []byte(body)))
	resp, err := o.client.Do(req)
	if err != nil {
		return err
	}
	// Read what the receiver says (a little), so that the connection is
	// reused.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("HTTP %s", resp.Status)
	}
	return nil
}

// backoff is the wait after the n-th failed attempt.
func backoff(n int) time.Duration {
	d := Backoff.Base
	for i := 1; i < n && d < Backoff.Max; i++ {
		d *= 2
	}
	return min(d, Backoff.Max)
}

// record writes the results of a round in one transaction: delivered rows,
// and failed attempts with their next try, or kept as failed once the
// retry time is spent.
func (o *Outbox) record(ctx context.Context, h *hook, results []result) error {
	if len(results) == 0 {
		return nil
	}
	now := time.Now()
	return inTx(ctx, o.db, func(tx *sql.Tx) error {
		for _, r := range results {
			if r.err == nil {
				if _, err := tx.ExecContext(ctx, `UPDATE event_outbox SET delivered_at = ?, attempts = attempts + 1, last_error = '' WHERE seq = ?`,
					formatTime(now), r.p.seq); err != nil {
					return err
				}
				continue
			}
			attempts := r.p.attempts + 1
			deadline := r.p.retrySince.Add(o.retry)
			next, failed := now.Add(backoff(attempts)), ""
			switch {
			case !now.Before(deadline):
				failed = formatTime(now)
				o.log.Error("event kept as failed", "webhook", h.shown, "id", r.p.id, "attempts", attempts, "err", r.err.Error())
			case next.After(deadline):
				next = deadline // the last try at the end of the retry time
			}
			if failed == "" {
				o.log.Warn("event delivery failed", "webhook", h.shown, "id", r.p.id, "attempts", attempts,
					"next_attempt", next.Format(time.RFC3339), "err", r.err.Error())
			}
			if _, err := tx.ExecContext(ctx, `UPDATE event_outbox SET attempts = ?, next_attempt = ?, last_error = ?, failed_at = ? WHERE seq = ?`,
				attempts, formatTime(next), r.err.Error(), failed, r.p.seq); err != nil {
				return err
			}
		}
		return nil
	})
}

// pruneDaily deletes the rows delivered more than keepDelivered ago.
func (o *Outbox) pruneDaily(ctx context.Context) {
	t := time.NewTicker(24 * time.Hour)
	defer t.Stop()
	for {
		cutoff := formatTime(time.Now().Add(-keepDelivered))
		res, err := o.db.ExecContext(ctx, `DELETE FROM event_outbox WHERE delivered_at != '' AND delivered_at < ?`, cutoff)
		switch {
		case err != nil && ctx.Err() == nil:
			o.log.Error("outbox pruning failed", "err", err)
		case err == nil:
			if n, _ := res.RowsAffected(); n > 0 {
				o.log.Info("outbox pruned", "deleted", n)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

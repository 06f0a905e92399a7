package events

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/dossierd/dossierd/auth"
	"github.com/dossierd/dossierd/service"
)

// account_disabled fires once per account that stops being usable,
// whoever made it so: `dossierd account disable|delete` from another
// process, an import, the API, or the expiry date passing. No code path
// that disables is hooked: the daemon compares the directory with the
// table event_accounts (what it saw last), when the directory's
// generation moves and every expiryCheck for the dates, and writes the
// events in the same transaction as the table's new state, so that a
// change fires once, across restarts too.

// Directory is what the watch reads; *auth.Store implements it.
type Directory interface {
	Accounts(ctx context.Context) ([]auth.Account, error)
	Generation(ctx context.Context) (int64, error)
}

// expiryCheck is how often the accounts are compared when the directory
// did not change: an expiry date is a day, so a few minutes late is on
// time.
const expiryCheck = 5 * time.Minute

// WatchAccounts follows the accounts until ctx ends, looking every poll.
func (o *Outbox) WatchAccounts(ctx context.Context, dir Directory, poll time.Duration) {
	if poll <= 0 {
		poll = 5 * time.Second
	}
	last, checked := int64(-1), time.Time{}
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		gen, err := dir.Generation(ctx)
		if err == nil && (gen != last || time.Since(checked) >= expiryCheck) {
			err = o.CheckAccounts(ctx, dir, time.Now())
			if err == nil {
				last, checked = gen, time.Now()
			}
		}
		if err != nil && ctx.Err() == nil {
			o.log.Error("account watch failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// known is an account as event_accounts holds it.
type known struct {
	role, ref string
	usable    bool
}

// CheckAccounts compares the accounts with what was seen last and writes
// an account_disabled event for each one usable then and not now (or
// gone). An account seen for the first time is only recorded: one created
// disabled was never usable, and the first run must not report every
// account disabled before it.
func (o *Outbox) CheckAccounts(ctx context.Context, dir Directory, now time.Time) error {
	accounts, err := dir.Accounts(ctx)
	if err != nil {
		return err
	}
	var rows []row
	err = inTx(ctx, o.db, func(tx *sql.Tx) error {
		seen, err := readKnown(ctx, tx)
		if err != nil {
			return err
		}
		var events []service.Event
		for _, a := range accounts {
			uerr := a.Usable(now)
			k, ok := seen[a.Login]
			delete(seen, a.Login)
			if ok && k.usable == (uerr == nil) && k.role == a.Role && k.ref == a.Ref {
				continue
			}
			if ok && k.usable && uerr != nil {
				reason := ReasonDisabled
				if errors.Is(uerr, auth.ErrExpired) {
					reason = ReasonExpired
				}
				events = append(events, service.Event{Type: service.EventAccountDisabled, Time: now, Login: a.Login, Role: a.Role, Ref: a.Ref, Reason: reason})
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO event_accounts (login, role, ref, usable) VALUES (?, ?, ?, ?)
				ON CONFLICT (login) DO UPDATE SET role = excluded.role, ref = excluded.ref, usable = excluded.usable`,
				a.Login, a.Role, a.Ref, uerr == nil); err != nil {
				return err
			}
		}
		for login, k := range seen { // deleted
			if k.usable {
				events = append(events, service.Event{Type: service.EventAccountDisabled, Time: now, Login: login, Role: k.role, Ref: k.ref, Reason: ReasonDeleted})
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM event_accounts WHERE login = ?`, login); err != nil {
				return err
			}
		}
		rows = nil
		for _, e := range events {
			r, err := o.rows(e)
			if err != nil {
				return err
			}
			rows = append(rows, r...)
		}
		return insert(ctx, tx, rows)
	})
	if err == nil {
		o.wakeFor(rows)
	}
	return err
}

func readKnown(ctx context.Context, tx *sql.Tx) (map[string]known, error) {
	rows, err := tx.QueryContext(ctx, `SELECT login, role, ref, usable FROM event_accounts`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]known{}
	for rows.Next() {
		var login string
		var k known
		if err := rows.Scan(&login, &k.role, &k.ref, &k.usable); err != nil {
			return nil, err
		}
		out[login] = k
	}
	return out, rows.Err()
}

package defender

import (
	"context"
	"database/sql"
	"fmt"
	"net/netip"
	"slices"
	"time"
)

// The ban list is shared with `dossierd defender list|unban` through the
// directory database rather than a control socket: the CLI already opens
// that file, it works whether the daemon runs or not, and bans survive a
// restart. The daemon writes its state at each directory poll and applies
// the unban requests the CLI queued.
//
// The tables (defender_hosts, defender_unbans) are created by the
// directory's migrations (package auth), with the rest of the schema.

// Persist links a Defender to its tables.
type Persist struct {
	db   *sql.DB
	last []Host // what was written last, to skip identical writes
}

// OpenPersist links to the tables of db, the directory database
// (auth.Store.DB), and checks that they are there.
func OpenPersist(ctx context.Context, db *sql.DB) (*Persist, error) {
	if _, err := db.ExecContext(ctx, `SELECT 1 FROM defender_hosts, defender_unbans LIMIT 0`); err != nil {
		return nil, fmt.Errorf("defender tables: %w", err)
	}
	return &Persist{db: db}, nil
}

// Load restores the bans still running (at daemon start).
func (p *Persist) Load(ctx context.Context, d *Defender) error {
	rows, err := p.db.QueryContext(ctx, `SELECT ip, banned_until, bans FROM defender_hosts WHERE banned_until != ''`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var ip, until string
		var bans int
		if err := rows.Scan(&ip, &until, &bans); err != nil {
			return err
		}
		addr, err1 := netip.ParseAddr(ip)
		t, err2 := time.Parse(time.RFC3339, until)
		if err1 == nil && err2 == nil {
			d.Restore(addr, t, bans)
		}
	}
	return rows.Err()
}

// Sync applies queued unbans, then writes the defender's current state.
// It returns the addresses unbanned.
func (p *Persist) Sync(ctx context.Context, d *Defender) ([]netip.Addr, error) {
	rows, err := p.db.QueryContext(ctx, `SELECT ip FROM defender_unbans`)
	if err != nil {
		return nil, err
	}
	var queued []string
	for rows.Next() {
		var ip string
		if err := rows.Scan(&ip); err != nil {
			rows.Close()
			return nil, err
		}
		queued = append(queued, ip)
	}
	rows.Close()
	var unbanned []netip.Addr
	for _, ip := range queued {
		if addr, err := netip.ParseAddr(ip); err == nil {
			d.Unban(addr)
			unbanned = append(unbanned, addr)
		}
	}
	hosts := d.Hosts()
	if len(queued) == 0 && slices.Equal(hosts, p.last) {
		return nil, nil
	}
	tx, err := p.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	now := time.Now().UTC().Format(time.RFC3339)
	for _, ip := range queued {
		if _, err := tx.ExecContext(ctx, `DELETE FROM defender_unbans WHERE ip = ?`, ip); err != nil {
			return nil, err
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM defender_hosts`); err != nil {
		return nil, err
	}
	for _, h := range hosts {
		until := ""
		if !h.BannedUntil.IsZero() {
			until = h.BannedUntil.UTC().Format(time.RFC3339)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO defender_hosts (ip, score, banned_until, bans, updated_at) VALUES (?, ?, ?, ?, ?)`,
			h.IP.String(), h.Score, until, h.Bans, now); err != nil {
			return nil, err
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	p.last = hosts
	return unbanned, nil
}

// Listed is one row of `dossierd defender list`.
type Listed struct {
	IP          string    `json:"ip"`
	Score       int       `json:"score"`
	BannedUntil time.Time `json:"banned_until,omitzero"`
	Bans        int       `json:"bans"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// List reads the state the daemon last wrote.
func (p *Persist) List(ctx context.Context) ([]Listed, error) {
	rows, err := p.db.QueryContext(ctx, `SELECT ip, score, banned_until, bans, updated_at FROM defender_hosts ORDER BY banned_until DESC, ip`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Listed
	for rows.Next() {
		var l Listed
		var until, updated string
		if err := rows.Scan(&l.IP, &l.Score, &until, &l.Bans, &updated); err != nil {
			return nil, err
		}
		if until != "" {
			l.BannedUntil, _ = time.Parse(time.RFC3339, until)
			if !l.BannedUntil.After(time.Now()) {
				l.BannedUntil = time.Time{}
			}
		}
		l.UpdatedAt, _ = time.Parse(time.RFC3339, updated)
		out = append(out, l)
	}
	return out, rows.Err()
}

// Unban queues an unban for the daemon and removes the address from the
// list at once (so a stopped daemon does not restore it at start).
func (p *Persist) Unban(ctx context.Context, ip netip.Addr) (bool, error) {
	tx, err := p.db.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `DELETE FROM defender_hosts WHERE ip = ?`, ip.String())
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO defender_unbans (ip, requested_at) VALUES (?, ?)`,
		ip.String(), time.Now().UTC().Format(time.RFC3339)); err != nil {
		return false, err
	}
	return n > 0, tx.Commit()
}

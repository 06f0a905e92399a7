// Package defender bans addresses that keep failing to log in, with
// SFTPGo's scoring model and setting names (common.defender.*), and counts
// connections against SFTPGo's limits (common.max_total_connections,
// common.max_per_host_connections). One Defender is shared by SFTP and FTP,
// so a guesser gets one score whatever protocol it tries.
package defender

import (
	"net"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Event is what happened on an address, each with its configured score.
type Event int

const (
	LoginUnknown  Event = iota // score_invalid: a login that does not exist
	LoginFailed                // score_valid: a wrong password for an existing login
	LimitExceeded              // score_limit_exceeded
	NoAuth                     // score_no_auth: closed without trying to authenticate
)

// Config mirrors common.defender.
type Config struct {
	Enabled            bool
	BanTime            time.Duration
	BanTimeIncrement   int // percent added to the ban time at each new ban
	Threshold          int
	ScoreInvalid       int
	ScoreValid         int
	ScoreLimitExceeded int
	ScoreNoAuth        int
	ObservationTime    time.Duration
	EntriesSoftLimit   int
	EntriesHardLimit   int
	Safelist           []netip.Prefix
}

// Host is one address the defender knows.
type Host struct {
	IP          netip.Addr
	Score       int
	BannedUntil time.Time // zero when not banned
	Bans        int       // bans so far, for the increment
}

type event struct {
	at    time.Time
	score int
}

type host struct {
	events      []event
	bannedUntil time.Time
	bans        int
	seen        time.Time
}

// Defender keeps the scores and bans, bounded by the entries limits.
type Defender struct {
	cfg atomic.Pointer[Config] // replaced whole by Reconfigure
	now func() time.Time

	mu    sync.Mutex
	hosts map[netip.Addr]*host

	// OnBan is called (outside the lock) when an address gets banned, for
	// the log and the persisted list.
	OnBan func(ip netip.Addr, until time.Time)
}

// New makes a defender; now may be nil (time.Now).
func New(cfg Config, now func() time.Time) *Defender {
	if now == nil {
		now = time.Now
	}
	d := &Defender{now: now, hosts: map[netip.Addr]*host{}}
	d.Reconfigure(cfg)
	return d
}

// Reconfigure replaces the settings (a configuration reload). Scores and
// bans already counted stay, except those of addresses the safelist now
// holds, which are forgotten (as Restore skips them at start); the new
// scores, threshold and ban time apply from the next event.
func (d *Defender) Reconfigure(cfg Config) {
	if cfg.EntriesHardLimit <= 0 {
		cfg.EntriesHardLimit = 150
	}
	if cfg.EntriesSoftLimit <= 0 || cfg.EntriesSoftLimit > cfg.EntriesHardLimit {
		cfg.EntriesSoftLimit = cfg.EntriesHardLimit * 2 / 3
	}
	d.cfg.Store(&cfg)
	d.mu.Lock()
	defer d.mu.Unlock()
	for ip := range d.hosts {
		if d.safe(ip) {
			delete(d.hosts, ip)
		}
	}
}

// conf is the settings in force.
func (d *Defender) conf() *Config { return d.cfg.Load() }

// Enabled reports whether scores are kept at all.
func (d *Defender) Enabled() bool { return d != nil && d.conf().Enabled }

// AddrOf extracts the IP of a remote address ("1.2.3.4:5678").
func AddrOf(a net.Addr) netip.Addr {
	if ap, err := netip.ParseAddrPort(a.String()); err == nil {
		return ap.Addr().Unmap()
	}
	if tcp, ok := a.(*net.TCPAddr); ok {
		ip, _ := netip.AddrFromSlice(tcp.IP)
		return ip.Unmap()
	}
	return netip.Addr{}
}

func (d *Defender) safe(ip netip.Addr) bool {
	for _, p := range d.conf().Safelist {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// IsBanned is checked at accept, before any handshake work.
func (d *Defender) IsBanned(ip netip.Addr) bool {
	if !d.Enabled() {
		return false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	h := d.hosts[ip]
	return h != nil && d.now().Before(h.bannedUntil)
}

// BannedUntil says until when ip is banned (zero if it is not).
func (d *Defender) BannedUntil(ip netip.Addr) time.Time {
	if !d.Enabled() {
		return time.Time{}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if h := d.hosts[ip]; h != nil && d.now().Before(h.bannedUntil) {
		return h.bannedUntil
	}
	return time.Time{}
}

func (c *Config) score(e Event) int {
	switch e {
	case LoginUnknown:
		return c.ScoreInvalid
	case LoginFailed:
		return c.ScoreValid
	case LimitExceeded:
		return c.ScoreLimitExceeded
	case NoAuth:
		return c.ScoreNoAuth
	}
	return 0
}

// Add scores an event; it reports whether the address is now banned.
func (d *Defender) Add(ip netip.Addr, e Event) bool {
	if !d.Enabled() || !ip.IsValid() || d.safe(ip) {
		return false
	}
	cfg := d.conf() // one version of the settings for the whole event
	score := cfg.score(e)
	if score <= 0 {
		return false
	}
	now := d.now()
	d.mu.Lock()
	h := d.hosts[ip]
	if h == nil {
		h = &host{seen: now}
		d.hosts[ip] = h
		d.trim(now)
	}
	h.seen = now
	if now.Before(h.bannedUntil) {
		d.mu.Unlock()
		return true
	}
	h.events = append(prune(h.events, now.Add(-cfg.ObservationTime)), event{at: now, score: score})
	total := 0
	for _, ev := range h.events {
		total += ev.score
	}
	var until time.Time
	if total >= cfg.Threshold {
		ban := cfg.BanTime
		for range h.bans {
			ban += ban * time.Duration(cfg.BanTimeIncrement) / 100
		}
		h.bans++
		h.events = nil
		h.bannedUntil = now.Add(ban)
		until = h.bannedUntil
	}
	onBan := d.OnBan
	d.mu.Unlock()
	if !until.IsZero() && onBan != nil {
		onBan(ip, until)
	}
	return !until.IsZero()
}

func prune(evs []event, since time.Time) []event {
	i := 0
	for i < len(evs) && evs[i].at.Before(since) {
		i++
	}
	return evs[i:]
}

// trim keeps memory bounded under a flood of distinct addresses: past the
// hard limit, entries are dropped down to the soft limit, expired and
// unbanned ones first, then the least recently seen.
func (d *Defender) trim(now time.Time) {
	cfg := d.conf()
	if len(d.hosts) <= cfg.EntriesHardLimit {
		return
	}
	type kv struct {
		ip     netip.Addr
		banned bool
		seen   time.Time
	}
	all := make([]kv, 0, len(d.hosts))
	for ip, h := range d.hosts {
		all = append(all, kv{ip, now.Before(h.bannedUntil), h.seen})
	}
	slices.SortFunc(all, func(a, b kv) int {
		if a.banned != b.banned {
			if a.banned {
				return 1
			}
			return -1
		}
		return a.seen.Compare(b.seen)
	})
	for _, e := range all[:len(all)-cfg.EntriesSoftLimit] {
		delete(d.hosts, e.ip)
	}
}

// Unban lifts a ban and forgets the address's score.
func (d *Defender) Unban(ip netip.Addr) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	_, ok := d.hosts[ip]
	delete(d.hosts, ip)
	return ok
}

// Restore reinstates a ban read back from the database at start.
func (d *Defender) Restore(ip netip.Addr, until time.Time, bans int) {
	if !d.Enabled() || d.safe(ip) || !d.now().Before(until) {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.hosts[ip] = &host{bannedUntil: until, bans: bans, seen: d.now()}
	d.trim(d.now())
}

// Hosts lists the known addresses, banned first.
func (d *Defender) Hosts() []Host {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.now()
	out := make([]Host, 0, len(d.hosts))
	for ip, h := range d.hosts {
		hh := Host{IP: ip, Bans: h.bans}
		if now.Before(h.bannedUntil) {
			hh.BannedUntil = h.bannedUntil
		}
		for _, ev := range prune(h.events, now.Add(-d.conf().ObservationTime)) {
			hh.Score += ev.score
		}
		if hh.Score == 0 && hh.BannedUntil.IsZero() {
			continue
		}
		out = append(out, hh)
	}
	slices.SortFunc(out, func(a, b Host) int {
		if c := b.BannedUntil.Compare(a.BannedUntil); c != 0 {
			return c
		}
		return a.IP.Compare(b.IP)
	})
	return out
}

// Len is the number of entries kept (for the memory bound test).
func (d *Defender) Len() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.hosts)
}

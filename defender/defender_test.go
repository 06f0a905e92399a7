package defender

import (
	"net/netip"
	"testing"
	"time"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func testConfig() Config {
	return Config{Enabled: true, BanTime: 30 * time.Minute, BanTimeIncrement: 50, Threshold: 15,
		ScoreInvalid: 2, ScoreValid: 1, ScoreLimitExceeded: 3, ScoreNoAuth: 0,
		ObservationTime: 30 * time.Minute, EntriesSoftLimit: 100, EntriesHardLimit: 150,
		Safelist: []netip.Prefix{netip.MustParsePrefix("10.1.0.0/16")}}
}

func TestBanAfterThreshold(t *testing.T) {
	c := &clock{time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
	d := New(testConfig(), c.now)
	ip := netip.MustParseAddr("127.0.0.2")
	var banned []time.Time
	d.OnBan = func(_ netip.Addr, until time.Time) { banned = append(banned, until) }
	for i := range 7 {
		if d.Add(ip, LoginUnknown) {
			t.Fatalf("banned after %d unknown logins (score %d)", i+1, 2*(i+1))
		}
	}
	if !d.Add(ip, LoginFailed) || !d.IsBanned(ip) { // 14 + 1 = threshold
		t.Fatal("not banned at the threshold")
	}
	if len(banned) != 1 || !banned[0].Equal(c.t.Add(30*time.Minute)) {
		t.Fatalf("OnBan calls = %v", banned)
	}
	if d.IsBanned(netip.MustParseAddr("127.0.0.1")) {
		t.Fatal("another address banned")
	}
	c.t = c.t.Add(31 * time.Minute)
	if d.IsBanned(ip) {
		t.Fatal("ban did not expire")
	}
	// The second ban lasts 50% longer.
	for range 8 {
		d.Add(ip, LoginUnknown)
	}
	if until := d.BannedUntil(ip); !until.Equal(c.t.Add(45 * time.Minute)) {
		t.Fatalf("second ban until %v, want +45m", until)
	}
	if !d.Unban(ip) || d.IsBanned(ip) {
		t.Fatal("unban did not lift the ban")
	}
}

func TestObservationWindow(t *testing.T) {
	c := &clock{time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
	d := New(testConfig(), c.now)
	ip := netip.MustParseAddr("192.0.2.1")
	for range 14 {
		d.Add(ip, LoginFailed)
		c.t = c.t.Add(3 * time.Minute) // old failures leave the window
	}
	if d.IsBanned(ip) {
		t.Fatal("failures spread beyond observation_time caused a ban")
	}
}

func TestSafelistAndDisabled(t *testing.T) {
	d := New(testConfig(), nil)
	safe := netip.MustParseAddr("10.1.2.3")
	for range 100 {
		d.Add(safe, LoginUnknown)
	}
	if d.IsBanned(safe) || d.Len() != 0 {
		t.Fatal("safelisted address scored")
	}
	cfg := testConfig()
	cfg.Enabled = false
	off := New(cfg, nil)
	ip := netip.MustParseAddr("192.0.2.9")
	for range 100 {
		off.Add(ip, LoginUnknown)
	}
	if off.IsBanned(ip) {
		t.Fatal("disabled defender banned")
	}
}

func TestBoundedUnderFlood(t *testing.T) {
	d := New(testConfig(), nil)
	banned := netip.MustParseAddr("198.51.100.1")
	for range 8 {
		d.Add(banned, LoginUnknown)
	}
	for i := range 100000 {
		ip := netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
		if i%2 == 1 {
			ip = netip.AddrFrom4([4]byte{172, byte(i >> 16), byte(i >> 8), byte(i)})
		}
		d.Add(ip, LoginFailed)
		if n := d.Len(); n > testConfig().EntriesHardLimit {
			t.Fatalf("%d entries after %d addresses, hard limit 150", n, i+1)
		}
	}
	if !d.IsBanned(banned) {
		t.Fatal("a banned address was evicted by the flood")
	}
}

func TestLimits(t *testing.T) {
	l := &Limits{MaxTotal: 3, MaxPerHost: 2}
	a, b := netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("127.0.0.2")
	r1, _ := l.Admit(a)
	r2, _ := l.Admit(a)
	if _, err := l.Admit(a); err != ErrTooManyFromHost {
		t.Fatalf("third from one host: %v", err)
	}
	r3, _ := l.Admit(b)
	if _, err := l.Admit(b); err != ErrTooManyConnections {
		t.Fatalf("fourth overall: %v", err)
	}
	r1()
	r1() // releasing twice must not free two slots
	if _, err := l.Admit(b); err != nil {
		t.Fatalf("after release: %v", err)
	}
	if _, err := l.Admit(b); err == nil {
		t.Fatal("double release freed a second slot")
	}
	r2()
	r3()
}

// Reconfigure: a lower threshold applies from the next event, a safelisted
// address loses its ban, and readers may run meanwhile (-race).
func TestReconfigure(t *testing.T) {
	c := &clock{time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
	d := New(testConfig(), c.now)
	ip, other := netip.MustParseAddr("127.0.0.2"), netip.MustParseAddr("192.0.2.7")
	for range 7 {
		d.Add(other, LoginUnknown)
	}
	d.Add(other, LoginFailed)
	if !d.IsBanned(other) {
		t.Fatal("not banned at the threshold")
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 1000 {
			d.IsBanned(ip)
			d.Add(netip.MustParseAddr("127.0.0.9"), LoginUnknown)
		}
	}()
	cfg := testConfig()
	cfg.Threshold = 4
	cfg.Safelist = append(cfg.Safelist, netip.MustParsePrefix("192.0.2.0/24"))
	d.Reconfigure(cfg)
	<-done
	if d.IsBanned(other) {
		t.Error("an address now safelisted is still banned")
	}
	if d.Add(ip, LoginUnknown) || !d.Add(ip, LoginUnknown) {
		t.Error("the new threshold (4) did not ban at 2 × 2")
	}
	off := testConfig()
	off.Enabled = false
	d.Reconfigure(off)
	if d.Enabled() || d.IsBanned(ip) {
		t.Error("a disabled defender still bans")
	}
}

func TestLimitsSet(t *testing.T) {
	l := &Limits{MaxTotal: 0, MaxPerHost: 3}
	a := netip.MustParseAddr("127.0.0.1")
	r1, _ := l.Admit(a)
	r2, _ := l.Admit(a)
	l.Set(0, 1)
	if _, err := l.Admit(a); err != ErrTooManyFromHost {
		t.Fatalf("above the lowered limit: %v", err)
	}
	r1()
	r2()
	if _, err := l.Admit(a); err != nil {
		t.Fatalf("within the lowered limit: %v", err)
	}
}

package defender

import (
	"net/netip"
	"sync"

	"github.com/dossierd/dossierd/catalogue"
)

// Refusals of Admit, with the text the protocol sends before closing.
var (
	ErrTooManyConnections = catalogue.Error(catalogue.ServerBusy)
	ErrTooManyFromHost    = catalogue.Error(catalogue.TooManyFromAddress)
)

// Limits counts open connections against common.max_total_connections and
// common.max_per_host_connections (0 = unlimited), across protocols.
type Limits struct {
	// The limits; once the Limits are in use, change them with Set only.
	MaxTotal, MaxPerHost int

	mu     sync.Mutex
	total  int
	byHost map[netip.Addr]int
}

// Admit takes a slot for a new connection from ip, or says why not. The
// caller must call release exactly once when the connection ends.
func (l *Limits) Admit(ip netip.Addr) (release func(), err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.byHost == nil {
		l.byHost = map[netip.Addr]int{}
	}
	if l.MaxTotal > 0 && l.total >= l.MaxTotal {
		return nil, ErrTooManyConnections
	}
	if l.MaxPerHost > 0 && l.byHost[ip] >= l.MaxPerHost {
		return nil, ErrTooManyFromHost
	}
	l.total++
	l.byHost[ip]++
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			defer l.mu.Unlock()
			l.total--
			if l.byHost[ip]--; l.byHost[ip] <= 0 {
				delete(l.byHost, ip)
			}
		})
	}, nil
}

// Set changes the limits (a configuration reload). Connections already
// counted stay open even above the new limits; new ones are admitted
// against them.
func (l *Limits) Set(maxTotal, maxPerHost int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.MaxTotal, l.MaxPerHost = maxTotal, maxPerHost
}

// Open is the number of connections counted.
func (l *Limits) Open() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.total
}

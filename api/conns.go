package api

import (
	"context"
	"net/netip"
	"sync"
	"time"

	"github.com/dossierd/dossierd/auth"
	"github.com/dossierd/dossierd/domain"
	"github.com/dossierd/dossierd/service"
)

// conns keeps one service.Conn per key and client address while it is
// used: a login is opened (and audited) when a key starts working from an
// address, not on every request, and every file operation is then the
// core's, audited under "apikey@NAME" with the protocol "API".
//
// The service may close a Conn at any time (its Kick): at shutdown once it
// is quiet, after common.idle_timeout, and at every change of the
// directory, since the service re-reads each connected account and a key
// has none. A kicked Conn is retired: the requests using it finish, the
// last one closes it, and the next request opens a new one.
type conns struct {
	svc  *service.Service
	idle time.Duration

	mu sync.Mutex
	m  map[connKey]*keyConn
}

type connKey struct {
	name string
	ip   netip.Addr
}

type keyConn struct {
	conn     *service.Conn
	users    int
	retired  bool
	lastUsed time.Time
}

func newConns(svc *service.Service, idle time.Duration) *conns {
	return &conns{svc: svc, idle: idle, m: map[connKey]*keyConn{}}
}

// keyAccount is the identity a key works with: staff, who see the storage
// layout of SPEC section 2 as it is. It is not stored anywhere.
func keyAccount(k auth.APIKey) auth.Account {
	return auth.Account{Login: keyLogin(k.Name), Role: domain.RoleStaff, Name: k.Name}
}

// get returns the Conn of key k from remote, opening it if need be, and
// the function to call when the request is done with it.
func (cs *conns) get(ctx context.Context, k auth.APIKey, remote string, ip netip.Addr) (*service.Conn, func(), error) {
	id := connKey{k.Name, ip}
	now := time.Now()
	cs.mu.Lock()
	cs.sweep(now)
	kc := cs.m[id]
	if kc != nil {
		kc.users++
		kc.lastUsed = now
		cs.mu.Unlock()
		return kc.conn, func() { cs.release(kc) }, nil
	}
	cs.mu.Unlock()

	kc = &keyConn{users: 1, lastUsed: now}
	conn, err := cs.svc.OpenFixed(ctx, keyAccount(k), protocol, remote, func(string) { cs.retire(id, kc) })
	if err != nil {
		return nil, nil, err
	}
	cs.mu.Lock()
	kc.conn = conn
	if other := cs.m[id]; other != nil {
		// Another request opened one meanwhile: use it, close ours.
		other.users++
		other.lastUsed = now
		cs.mu.Unlock()
		conn.Close()
		return other.conn, func() { cs.release(other) }, nil
	}
	if !kc.retired {
		cs.m[id] = kc
	}
	cs.mu.Unlock()
	return conn, func() { cs.release(kc) }, nil
}

// release ends one request's use of kc.
func (cs *conns) release(kc *keyConn) {
	cs.mu.Lock()
	kc.users--
	closeNow := kc.retired && kc.users == 0
	cs.mu.Unlock()
	if closeNow {
		kc.conn.Close()
	}
}

// retire is the Conn's kick: no new request gets it, the last one using
// it closes it.
func (cs *conns) retire(id connKey, kc *keyConn) {
	cs.mu.Lock()
	if cs.m[id] == kc {
		delete(cs.m, id)
	}
	kc.retired = true
	closeNow := kc.users == 0 && kc.conn != nil
	cs.mu.Unlock()
	if closeNow {
		kc.conn.Close()
	}
}

// sweep closes the Conns unused for the idle time; cs.mu is held.
func (cs *conns) sweep(now time.Time) {
	for id, kc := range cs.m {
		if kc.users == 0 && now.Sub(kc.lastUsed) > cs.idle {
			delete(cs.m, id)
			kc.retired = true
			go kc.conn.Close() // Close takes the service's lock and logs
		}
	}
}

// closeAll retires every Conn.
func (cs *conns) closeAll() {
	cs.mu.Lock()
	list := make(map[connKey]*keyConn, len(cs.m))
	for id, kc := range cs.m {
		list[id] = kc
	}
	cs.mu.Unlock()
	for id, kc := range list {
		cs.retire(id, kc)
	}
}

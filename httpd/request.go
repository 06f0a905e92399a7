package httpd

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

type bindingKey struct{}

// withBinding tells the handlers which binding a request came through:
// whether it is TLS, and which proxies may speak for the client.
func withBinding(b Binding, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), bindingKey{}, &b)))
	})
}

func bindingOf(r *http.Request) *Binding {
	if b, ok := r.Context().Value(bindingKey{}).(*Binding); ok {
		return b
	}
	return &Binding{}
}

func peerOf(r *http.Request) netip.AddrPort {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.AddrPort{}
	}
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}

// clientAddr is the client's address: the peer's, or, when the peer is a
// proxy of the binding's proxy_allowed, the rightmost address of
// X-Forwarded-For that is not one of those proxies (the leftmost ones are
// whatever the client wrote).
func clientAddr(r *http.Request) netip.AddrPort {
	peer := peerOf(r)
	b := bindingOf(r)
	if !inPrefixes(b.ProxyAllowed, peer.Addr()) {
		return peer
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		a = a.Unmap()
		if !inPrefixes(b.ProxyAllowed, a) {
			return netip.AddrPortFrom(a, 0)
		}
	}
	return peer
}

// remote is clientAddr as the audit trail and the defender write it.
func remote(r *http.Request) string {
	ap := clientAddr(r)
	return net.JoinHostPort(ap.Addr().String(), itoa(int(ap.Port())))
}

// secure tells whether the browser reached us over HTTPS (directly, or
// through a trusted proxy that says so).
func secure(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	b := bindingOf(r)
	return inPrefixes(b.ProxyAllowed, peerOf(r).Addr()) && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

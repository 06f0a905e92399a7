package httpd

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"
)

type requestKey struct{}

// requestInfo is what withBinding learnt of a request before any handler
// runs: the client's address and whether the browser uses HTTPS, both
// decided from the peer and its binding (a trusted proxy speaks for the
// client).
type requestInfo struct {
	client netip.AddrPort
	secure bool
}

// maxFormBody bounds the body of the pages' forms (login, folder actions,
// passwords): a few fields. Without it a multipart body would be parsed
// into memory and temporary files before any check.
const maxFormBody = 64 << 10

// How long the body of a page's request may take to arrive: a form, a
// chunk of an upload (variables for the tests).
var (
	formReadTime  = time.Minute
	chunkReadTime = 10 * time.Minute
)

// withBinding tells the handlers which binding a request came through,
// and makes RemoteAddr the client's (for the API and the logs, as for the
// pages), so that nothing after it ever mistakes a proxy for a client.
func withBinding(b Binding, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info := &requestInfo{client: computeClient(r, &b), secure: computeSecure(r, &b)}
		r2 := r.WithContext(context.WithValue(r.Context(), requestKey{}, info))
		if info.client.IsValid() {
			r2.RemoteAddr = netip.AddrPortFrom(info.client.Addr(), info.client.Port()).String()
		}
		if !strings.HasPrefix(r.URL.Path, "/api/") {
			// A body that trickles holds a connection and, for a chunk, its
			// upload: the pages' bodies come in a bounded time (a chunk of
			// 16 MiB in 10 minutes is 28 KB/s). The API's bodies are whole
			// files from trusted scripts.
			limit := formReadTime
			if r.Method == http.MethodPut {
				limit = chunkReadTime
			}
			http.NewResponseController(w).SetReadDeadline(time.Now().Add(limit))
		}
		if r.Method == http.MethodPost && !strings.HasPrefix(r.URL.Path, "/api/") && r.URL.Path != "/upload" {
			r2.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
		}
		h.ServeHTTP(w, r2)
		// net/http removes a multipart form's temporary files only for the
		// request it passed in, not for this copy.
		if r2.MultipartForm != nil {
			r2.MultipartForm.RemoveAll()
		}
	})
}

func infoOf(r *http.Request) *requestInfo {
	if i, ok := r.Context().Value(requestKey{}).(*requestInfo); ok {
		return i
	}
	return &requestInfo{client: peerOf(r)}
}

func peerOf(r *http.Request) netip.AddrPort {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.AddrPort{}
	}
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}

// clientAddr is the client's address, as withBinding decided it.
func clientAddr(r *http.Request) netip.AddrPort { return infoOf(r).client }

// computeClient is the client's address: the peer's, or, when the peer is
// a proxy of the binding's proxy_allowed, the rightmost address of
// X-Forwarded-For that is not one of those proxies (the leftmost ones are
// whatever the client wrote).
func computeClient(r *http.Request, b *Binding) netip.AddrPort {
	peer := peerOf(r)
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

// secure tells whether the browser reached us over HTTPS, as withBinding
// decided it.
func secure(r *http.Request) bool { return infoOf(r).secure }

// computeSecure: directly over TLS, or through a trusted proxy that says
// so.
func computeSecure(r *http.Request, b *Binding) bool {
	if r.TLS != nil {
		return true
	}
	return inPrefixes(b.ProxyAllowed, peerOf(r).Addr()) && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

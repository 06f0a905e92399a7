package httpd

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestClientAddrAndSecure(t *testing.T) {
	proxy := []netip.Prefix{netip.MustParsePrefix("10.0.0.5/32"), netip.MustParsePrefix("10.0.1.0/24")}
	for _, tt := range []struct {
		name, peer, xff, proto string
		tls                    bool
		want                   string
		secure                 bool
	}{
		{"direct", "192.0.2.7:5000", "", "", true, "192.0.2.7", true},
		{"direct ignores the header", "192.0.2.7:5000", "198.51.100.1", "https", false, "192.0.2.7", false},
		{"through the proxy", "10.0.0.5:4000", "198.51.100.1", "https", false, "198.51.100.1", true},
		{"client-written hops are not believed", "10.0.0.5:4000", "6.6.6.6, 198.51.100.1", "http", false, "198.51.100.1", false},
		{"chained proxies", "10.0.0.5:4000", "198.51.100.1, 10.0.1.9", "https", false, "198.51.100.1", true},
		{"garbage stops the walk", "10.0.0.5:4000", "198.51.100.1, junk", "", false, "10.0.0.5", false},
		{"IPv4-mapped", "[::ffff:192.0.2.7]:5000", "", "", false, "192.0.2.7", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.peer
			if tt.xff != "" {
				r.Header.Set("X-Forwarded-For", tt.xff)
			}
			if tt.proto != "" {
				r.Header.Set("X-Forwarded-Proto", tt.proto)
			}
			if tt.tls {
				r.TLS = &tls.ConnectionState{}
			}
			b := &Binding{ProxyAllowed: proxy}
			if got := computeClient(r, b).Addr().String(); got != tt.want {
				t.Errorf("client %s, want %s", got, tt.want)
			}
			if got := computeSecure(r, b); got != tt.secure {
				t.Errorf("secure %v, want %v", got, tt.secure)
			}
			// What the handlers (and the API) see after withBinding.
			var seen *http.Request
			withBinding(*b, http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { seen = r })).ServeHTTP(httptest.NewRecorder(), r)
			if got := peerOf(seen).Addr().String(); got != tt.want || clientAddr(seen).Addr().String() != tt.want || secure(seen) != tt.secure {
				t.Errorf("after withBinding: RemoteAddr %s, client %s, secure %v", seen.RemoteAddr, clientAddr(seen), secure(seen))
			}
		})
	}
}

func TestFileURLAndTarget(t *testing.T) {
	if got := fileURL("/Mes documents/R&D #1?.pdf", false); got != "/files/Mes%20documents/R&D%20%231%3F.pdf" {
		t.Errorf("fileURL %q", got)
	}
	if got := fileURL("/", true); got != "/files/" {
		t.Errorf("root %q", got)
	}
	for _, name := range []string{"", ".", "..", "a/b", `a\\b`} {
		if _, ok := target("/Mes documents", name); ok {
			t.Errorf("target accepted %q", name)
		}
	}
	if p, ok := target("/Mes documents", "x.pdf"); !ok || p != "/Mes documents/x.pdf" {
		t.Errorf("target %q %v", p, ok)
	}
}

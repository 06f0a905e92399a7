package proxyproto

import (
	"bytes"
	"errors"
	"net/netip"
	"strings"
	"testing"
)

var (
	client  = netip.MustParseAddrPort("192.0.2.10:51000")
	front   = netip.MustParseAddrPort("203.0.113.1:2022")
	client6 = netip.MustParseAddrPort("[2001:db8::10]:51000")
	front6  = netip.MustParseAddrPort("[2001:db8::1]:2022")
)

func TestParse(t *testing.T) {
	v2 := func(h Header, tail ...byte) []byte { return append(h.Append(nil), tail...) }
	withTLV := v2(Header{Version: 2, Source: client, Destination: front})
	withTLV[15] += 7 // a 7-byte TLV after the addresses: skipped
	withTLV = append(withTLV, 0x04, 0x00, 0x04, 'a', 'w', 's', '!')
	for _, tc := range []struct {
		name string
		in   string
		want Header
		n    int
		err  string // "" = parsed
	}{
		{"v1 TCP4", "PROXY TCP4 192.0.2.10 203.0.113.1 51000 2022\r\nSSH-2.0-x", Header{Version: 1, Source: client, Destination: front}, 46, ""},
		{"v1 TCP6", "PROXY TCP6 2001:db8::10 2001:db8::1 51000 2022\r\n", Header{Version: 1, Source: client6, Destination: front6}, 48, ""},
		{"v1 UNKNOWN", "PROXY UNKNOWN\r\n", Header{Version: 1, Local: true}, 15, ""},
		{"v1 UNKNOWN with addresses", "PROXY UNKNOWN ffff:: ffff:: 1 2\r\n", Header{Version: 1, Local: true}, 33, ""},
		{"v2 TCP4", string(v2(Header{Version: 2, Source: client, Destination: front}, 'x')), Header{Version: 2, Source: client, Destination: front}, 28, ""},
		{"v2 TCP6", string(v2(Header{Version: 2, Source: client6, Destination: front6})), Header{Version: 2, Source: client6, Destination: front6}, 52, ""},
		{"v2 LOCAL", string(v2(Header{Version: 2, Local: true})), Header{Version: 2, Local: true}, 16, ""},
		{"v2 TLV skipped", string(withTLV), Header{Version: 2, Source: client, Destination: front}, 35, ""},
		{"v2 UNSPEC", "\r\n\r\n\x00\r\nQUIT\n\x21\x00\x00\x00", Header{Version: 2, Local: true}, 16, ""},
		{"v2 Unix", "\r\n\r\n\x00\r\nQUIT\n\x21\x31\x00\x02ab", Header{Version: 2, Local: true}, 18, ""},

		{"SSH", "SSH-2.0-OpenSSH_9.6\r\n", Header{}, 0, ErrNoHeader.Error()},
		{"FTP command", "USER acme\r\n", Header{}, 0, ErrNoHeader.Error()},
		{"TLS", "\x16\x03\x01\x02\x00", Header{}, 0, ErrNoHeader.Error()},
		{"P of something else", "PUT x", Header{}, 0, ErrNoHeader.Error()},
		{"CR of something else", "\r\nhello", Header{}, 0, ErrNoHeader.Error()},

		{"v1 TCP4 with IPv6", "PROXY TCP4 2001:db8::10 203.0.113.1 1 2\r\n", Header{}, 0, "not a TCP4 address"},
		{"v1 TCP6 with IPv4", "PROXY TCP6 192.0.2.10 203.0.113.1 1 2\r\n", Header{}, 0, "not a TCP6 address"},
		{"v1 zone", "PROXY TCP6 fe80::1%eth0 fe80::2 1 2\r\n", Header{}, 0, "not a TCP6 address"},
		{"v1 port too big", "PROXY TCP4 192.0.2.10 203.0.113.1 65536 2\r\n", Header{}, 0, "not a port"},
		{"v1 signed port", "PROXY TCP4 192.0.2.10 203.0.113.1 +1 2\r\n", Header{}, 0, "not a port"},
		{"v1 fields missing", "PROXY TCP4 192.0.2.10 203.0.113.1 1\r\n", Header{}, 0, "4 fields"},
		{"v1 double space", "PROXY TCP4  192.0.2.10 203.0.113.1 1 2\r\n", Header{}, 0, "6 fields"},
		{"v1 UDP", "PROXY UDP4 192.0.2.10 203.0.113.1 1 2\r\n", Header{}, 0, "unknown protocol"},
		{"v1 no CRLF", "PROXY TCP4 " + strings.Repeat("1", 100), Header{}, 0, "no CRLF within 107"},
		{"v2 version 1", "\r\n\r\n\x00\r\nQUIT\n\x11\x11\x00\x0c", Header{}, 0, "version 1"},
		{"v2 command 2", "\r\n\r\n\x00\r\nQUIT\n\x22\x11\x00\x00", Header{}, 0, "unknown command"},
		{"v2 addresses short", "\r\n\r\n\x00\r\nQUIT\n\x21\x11\x00\x04abcd", Header{}, 0, "4 bytes of addresses, want 12"},

		{"empty", "", Header{}, 1, errShort.Error()},
		{"v1 start", "PRO", Header{}, minV1, errShort.Error()},
		{"v1 line", "PROXY TCP4 192.0.2.10", Header{}, 22, errShort.Error()},
		{"v2 start", "\r\n\r\n", Header{}, fixedV2, errShort.Error()},
		{"v2 addresses to come", "\r\n\r\n\x00\r\nQUIT\n\x21\x11\x00\x0c", Header{}, 28, errShort.Error()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, n, err := Parse([]byte(tc.in))
			switch {
			case tc.err == "" && err != nil:
				t.Fatalf("error %v", err)
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
				t.Fatalf("error %v, want %q", err, tc.err)
			case h != tc.want && err == nil, n != tc.n:
				t.Fatalf("got %+v, %d bytes; want %+v, %d", h, n, tc.want, tc.n)
			}
		})
	}
}

// FuzzParse holds the properties the connection's reader relies on: no
// panic; a header is decided by its own bytes (the same header from any
// buffer that starts with them); and, on the way to a header, Parse never
// asks for a byte past its end, so the client's first bytes are left in
// the socket.
func FuzzParse(f *testing.F) {
	for _, h := range []Header{
		{Version: 1, Source: client, Destination: front},
		{Version: 1, Source: client6, Destination: front6},
		{Version: 1, Local: true},
		{Version: 2, Source: client, Destination: front},
		{Version: 2, Source: client6, Destination: front6},
		{Version: 2, Local: true},
	} {
		f.Add(h.Append(nil))
	}
	f.Add([]byte("SSH-2.0-OpenSSH_9.6\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, n, err := Parse(b)
		switch {
		case err == nil:
			if n <= 0 || n > len(b) {
				t.Fatalf("header of %d bytes in %d", n, len(b))
			}
			if h2, n2, err2 := Parse(b[:n]); err2 != nil || h2 != h || n2 != n {
				t.Fatalf("its own bytes: %+v %d %v, the buffer: %+v %d", h2, n2, err2, h, n)
			}
			step := max(1, n/64)
			for k := 0; k < n; k += step {
				_, need, err := Parse(b[:k])
				if !errors.Is(err, errShort) || need <= k || need > n {
					t.Fatalf("prefix of %d bytes of a %d-byte header: asks %d (%v)", k, n, need, err)
				}
			}
			// The header written again reads the same.
			if h3, _, err := Parse(h.Append(nil)); err != nil || h3 != h {
				t.Fatalf("round trip of %+v: %+v %v", h, h3, err)
			}
		case errors.Is(err, errShort):
			if n <= len(b) {
				t.Fatalf("short with %d bytes, asks %d", len(b), n)
			}
		case errors.Is(err, ErrNoHeader):
			if hasSignature(b) {
				t.Fatal("a signature taken for no header")
			}
		}
	})
}

func TestAppendReadsBack(t *testing.T) {
	for _, h := range []Header{
		{Version: 1, Source: client, Destination: front},
		{Version: 2, Source: client6, Destination: front6},
	} {
		b := h.Append([]byte("x"))
		if !bytes.HasPrefix(b, []byte("x")) {
			t.Fatal("Append does not append")
		}
		if got, n, err := Parse(b[1:]); err != nil || got != h || n != len(b)-1 {
			t.Fatalf("%+v: %+v %d %v", h, got, n, err)
		}
	}
}

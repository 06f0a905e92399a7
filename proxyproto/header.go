// Package proxyproto reads the PROXY protocol header (HAProxy's
// proxy-protocol.txt, versions 1 and 2) that a load balancer puts in front
// of each connection it forwards, so that the defender, the connection
// limits and the audit see the client's address instead of the load
// balancer's. common.proxy_protocol, proxy_allowed and proxy_skipped
// (SFTPGo's keys) decide which connections must, may or must not carry
// one (Policy).
package proxyproto

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// The two signatures. Version 2's cannot start an SSH version line, an FTP
// command or a TLS record, and version 1's is plain text no client sends
// first.
var (
	signatureV1 = []byte("PROXY ")
	signatureV2 = []byte("\r\n\r\n\x00\r\nQUIT\n")
)

const (
	// maxV1 is the longest version 1 line, CRLF included (the
	// specification's 107 bytes: "PROXY UNKNOWN" with two IPv6 addresses).
	maxV1 = 107
	// minV1 is the shortest: "PROXY UNKNOWN\r\n". Reading up to it never
	// takes a byte past a version 1 header.
	minV1 = 15
	// fixedV2 is version 2's signature, version and command, family and
	// length.
	fixedV2 = 16
)

// Header is what a PROXY header says about the connection.
type Header struct {
	Version int // 1 or 2
	// Local is true when the header carries no client address: version 2's
	// LOCAL command (the load balancer's own health checks), version 1's
	// UNKNOWN, or an address family other than TCP over IPv4 or IPv6. The
	// connection's own addresses then stand, as the specification says.
	Local bool
	// Source is the client's address and port, Destination the address
	// the client reached (the load balancer's); both zero when Local.
	Source, Destination netip.AddrPort
}

var (
	// ErrNoHeader says the bytes do not start with a PROXY signature: the
	// connection came without a header.
	ErrNoHeader = errors.New("no PROXY protocol header")
	// errShort says more bytes are needed to decide.
	errShort = errors.New("PROXY protocol header incomplete")
)

// Parse reads the header at the start of b. It returns the header and its
// length; ErrNoHeader when b does not start with a signature; errShort
// with the length b must reach before Parse can say more (never more than
// the header's own length, so a reader that reads only that much never
// takes the client's first bytes); any other error for a malformed header.
func Parse(b []byte) (h Header, n int, err error) {
	switch {
	case len(b) == 0:
		return h, 1, errShort
	case b[0] == signatureV1[0]:
		return parseV1(b)
	case b[0] == signatureV2[0]:
		return parseV2(b)
	}
	return h, 0, ErrNoHeader
}

// hasSignature tells whether b starts with a whole signature: a header
// is coming, whatever follows.
func hasSignature(b []byte) bool {
	return bytes.HasPrefix(b, signatureV1) || bytes.HasPrefix(b, signatureV2)
}

// startsLike tells whether b and sig agree on their common length.
func startsLike(b, sig []byte) bool {
	k := min(len(b), len(sig))
	return bytes.Equal(b[:k], sig[:k])
}

func parseV1(b []byte) (h Header, n int, err error) {
	if !startsLike(b, signatureV1) {
		return h, 0, ErrNoHeader
	}
	end := bytes.Index(b[:min(len(b), maxV1)], []byte("\r\n"))
	if end < 0 {
		switch {
		case len(b) >= maxV1:
			return h, 0, errors.New("PROXY protocol v1 header: no CRLF within 107 bytes")
		case len(b) < minV1:
			return h, minV1, errShort
		}
		return h, len(b) + 1, errShort // a byte at a time: the line's end is unknown
	}
	h.Version = 1
	fields := strings.Split(string(b[len(signatureV1):end]), " ")
	if fields[0] == "UNKNOWN" {
		// The rest of the line is to be ignored (the specification).
		h.Local = true
		return h, end + 2, nil
	}
	if len(fields) != 5 {
		return h, 0, fmt.Errorf("PROXY protocol v1 header: %d fields after PROXY, want 5", len(fields))
	}
	var want func(netip.Addr) bool
	switch fields[0] {
	case "TCP4":
		want = netip.Addr.Is4
	case "TCP6":
		want = netip.Addr.Is6
	default:
		return h, 0, fmt.Errorf("PROXY protocol v1 header: unknown protocol %q", fields[0])
	}
	var addrs [2]netip.AddrPort
	for i := range addrs {
		ip, err := netip.ParseAddr(fields[1+i])
		if err != nil || !want(ip) || ip.Zone() != "" {
			return h, 0, fmt.Errorf("PROXY protocol v1 header: %q is not a %s address", fields[1+i], fields[0])
		}
		port, err := strconv.ParseUint(fields[3+i], 10, 16)
		if err != nil {
			return h, 0, fmt.Errorf("PROXY protocol v1 header: %q is not a port", fields[3+i])
		}
		addrs[i] = netip.AddrPortFrom(ip, uint16(port))
	}
	h.Source, h.Destination = addrs[0], addrs[1]
	return h, end + 2, nil
}

// Version 2 commands and the address families dossierd reads.
const (
	cmdLocal  = 0x0
	cmdProxy  = 0x1
	tcpOverV4 = 0x11 // AF_INET, SOCK_STREAM
	tcpOverV6 = 0x21 // AF_INET6, SOCK_STREAM
)

func parseV2(b []byte) (h Header, n int, err error) {
	if !startsLike(b, signatureV2) {
		return h, 0, ErrNoHeader
	}
	if len(b) < fixedV2 {
		return h, fixedV2, errShort
	}
	h.Version = 2
	if v := b[12] >> 4; v != 2 {
		return h, 0, fmt.Errorf("PROXY protocol v2 header: version %d", v)
	}
	size := fixedV2 + int(binary.BigEndian.Uint16(b[14:16]))
	if len(b) < size {
		return h, size, errShort
	}
	body := b[fixedV2:size] // addresses, then TLVs, which dossierd skips
	switch b[12] & 0xf {
	case cmdLocal:
		h.Local = true
		return h, size, nil
	case cmdProxy:
	default:
		return h, 0, fmt.Errorf("PROXY protocol v2 header: unknown command %#x", b[12]&0xf)
	}
	var alen int
	switch b[13] {
	case tcpOverV4:
		alen = 4
	case tcpOverV6:
		alen = 16
	default:
		// UNSPEC, UDP, Unix sockets: no client IP address to use.
		h.Local = true
		return h, size, nil
	}
	if len(body) < 2*alen+4 {
		return h, 0, fmt.Errorf("PROXY protocol v2 header: %d bytes of addresses, want %d", len(body), 2*alen+4)
	}
	src, _ := netip.AddrFromSlice(body[:alen])
	dst, _ := netip.AddrFromSlice(body[alen : 2*alen])
	h.Source = netip.AddrPortFrom(src, binary.BigEndian.Uint16(body[2*alen:]))
	h.Destination = netip.AddrPortFrom(dst, binary.BigEndian.Uint16(body[2*alen+2:]))
	return h, size, nil
}

// Append appends h as a header of its version to b: what a load balancer
// sends (the tests' proxy, and the fuzz target's round trip).
func (h Header) Append(b []byte) []byte {
	src, dst := h.Source, h.Destination
	if src.Addr().Is6() {
		// A front end on IPv4 seen by an IPv6 client: both addresses
		// must be of the header's family.
		dst = netip.AddrPortFrom(netip.AddrFrom16(dst.Addr().As16()), dst.Port())
	}
	if h.Version == 1 {
		switch {
		case h.Local:
			return append(b, "PROXY UNKNOWN\r\n"...)
		case src.Addr().Is4():
			b = append(b, "PROXY TCP4 "...)
		default:
			b = append(b, "PROXY TCP6 "...)
		}
		return fmt.Appendf(b, "%s %s %d %d\r\n", src.Addr(), dst.Addr(), src.Port(), dst.Port())
	}
	b = append(b, signatureV2...)
	if h.Local {
		return append(b, 0x20|cmdLocal, 0, 0, 0)
	}
	family, addrs := byte(tcpOverV6), src.Addr().As16()
	to := dst.Addr().As16()
	raw := append(addrs[:], to[:]...)
	if src.Addr().Is4() {
		s4, d4 := src.Addr().As4(), dst.Addr().As4()
		family, raw = tcpOverV4, append(s4[:], d4[:]...)
	}
	b = append(b, 0x20|cmdProxy, family)
	b = binary.BigEndian.AppendUint16(b, uint16(len(raw)+4))
	b = append(b, raw...)
	b = binary.BigEndian.AppendUint16(b, src.Port())
	return binary.BigEndian.AppendUint16(b, dst.Port())
}

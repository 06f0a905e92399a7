package config

import (
	"net"
	"os"
	"strconv"
	"strings"
)

// LinkBase is the scheme, host and port that links sent to users start
// with (invitations, password resets): httpd.base_url when set, without a
// trailing slash; otherwise what the first binding serves. A wildcard
// address ("", 0.0.0.0, ::) is named by the machine's host name, which
// users' machines may not resolve: behind a reverse proxy or a public
// name, set base_url. The port is left out when it is the scheme's own
// (443, 80). "" when there is neither base_url nor a binding: the web is
// off and no link can be made.
func (h HTTPD) LinkBase() string {
	if h.BaseURL != "" {
		return strings.TrimRight(h.BaseURL, "/")
	}
	if len(h.Bindings) == 0 {
		return ""
	}
	b := h.Bindings[0]
	scheme, defaultPort := "https", 443
	if !b.EnableHTTPS {
		// Allowed only on loopback (validate): the link is right on this
		// machine, and base_url gives the proxy's for everyone else.
		scheme, defaultPort = "http", 80
	}
	host := b.Address
	switch host {
	case "", "0.0.0.0", "::", "[::]":
		if name, err := os.Hostname(); err == nil && name != "" {
			host = name
		} else {
			host = "localhost"
		}
	}
	host = strings.Trim(host, "[]")
	if b.Port == defaultPort {
		if strings.Contains(host, ":") {
			return scheme + "://[" + host + "]"
		}
		return scheme + "://" + host
	}
	return scheme + "://" + net.JoinHostPort(host, strconv.Itoa(b.Port))
}

// InvitationPath is where the web serves invitation links; the token
// follows it.
const InvitationPath = "/invitation/"

// InvitationURL is the link that lets the person choose a password: base
// (LinkBase) and the token of auth.Store.CreateInvitation, which is
// base64url and needs no escaping.
func InvitationURL(base, token string) string {
	return base + InvitationPath + token
}

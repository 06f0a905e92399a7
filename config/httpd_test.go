package config

import (
	"os"
	"testing"
)

func TestLinkBase(t *testing.T) {
	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		h    HTTPD
		want string
	}{
		{"base_url", HTTPD{BaseURL: "https://depot.example.fr/", Bindings: []HTTPBinding{{Port: 8443, EnableHTTPS: true}}}, "https://depot.example.fr"},
		{"base_url with port", HTTPD{BaseURL: "https://depot.example.fr:8443"}, "https://depot.example.fr:8443"},
		{"no binding", HTTPD{}, ""},
		{"default: wildcard", HTTPD{Bindings: []HTTPBinding{defaultHTTPBinding()}}, "https://" + host + ":8443"},
		{"0.0.0.0 on 443", HTTPD{Bindings: []HTTPBinding{{Address: "0.0.0.0", Port: 443, EnableHTTPS: true}}}, "https://" + host},
		{"address", HTTPD{Bindings: []HTTPBinding{{Address: "192.0.2.10", Port: 8443, EnableHTTPS: true}}}, "https://192.0.2.10:8443"},
		{"IPv6", HTTPD{Bindings: []HTTPBinding{{Address: "2001:db8::1", Port: 8443, EnableHTTPS: true}}}, "https://[2001:db8::1]:8443"},
		{"IPv6 on 443", HTTPD{Bindings: []HTTPBinding{{Address: "2001:db8::1", Port: 443, EnableHTTPS: true}}}, "https://[2001:db8::1]"},
		{"plain HTTP loopback", HTTPD{Bindings: []HTTPBinding{{Address: "127.0.0.1", Port: 8080}}}, "http://127.0.0.1:8080"},
		{"plain HTTP on 80", HTTPD{Bindings: []HTTPBinding{{Address: "127.0.0.1", Port: 80}}}, "http://127.0.0.1"},
		{"HTTPS on 80 keeps the port", HTTPD{Bindings: []HTTPBinding{{Address: "127.0.0.1", Port: 80, EnableHTTPS: true}}}, "https://127.0.0.1:80"},
		{"first binding", HTTPD{Bindings: []HTTPBinding{{Address: "::1", Port: 8081}, {Address: "192.0.2.1", Port: 443, EnableHTTPS: true}}}, "http://[::1]:8081"},
	}
	for _, tt := range tests {
		if got := tt.h.LinkBase(); got != tt.want {
			t.Errorf("%s: LinkBase() = %q, want %q", tt.name, got, tt.want)
		}
	}
	if got := InvitationURL("https://depot.example.fr", "abc-_9"); got != "https://depot.example.fr/invitation/abc-_9" {
		t.Errorf("InvitationURL = %q", got)
	}
}

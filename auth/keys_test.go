package auth

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"strings"
	"sync"
	"testing"

	"golang.org/x/crypto/ssh"
)

type testSSHKey struct {
	pub  ssh.PublicKey
	line string // "TYPE BASE64", no comment
}

func sshKey(t *testing.T, raw any) testSSHKey {
	t.Helper()
	pub, err := ssh.NewPublicKey(raw)
	if err != nil {
		t.Fatal(err)
	}
	return testSSHKey{pub, strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pub)))}
}

func testKey(t *testing.T) testSSHKey {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return sshKey(t, pub)
}

// RSA key generation is slow; one key serves every test.
var rsaKey = sync.OnceValues(func() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, 2048) })

func testRSAKey(t *testing.T) testSSHKey {
	t.Helper()
	k, err := rsaKey()
	if err != nil {
		t.Fatal(err)
	}
	return sshKey(t, &k.PublicKey)
}

func TestParsePublicKey(t *testing.T) {
	k := testKey(t)
	r := testRSAKey(t)
	f := strings.Fields(k.line)

	// A user certificate for k, signed by a CA.
	_, caPriv, _ := ed25519.GenerateKey(rand.Reader)
	ca, err := ssh.NewSignerFromKey(caPriv)
	if err != nil {
		t.Fatal(err)
	}
	cert := &ssh.Certificate{Key: k.pub, CertType: ssh.UserCert, ValidPrincipals: []string{"jo"}, ValidBefore: ssh.CertTimeInfinity}
	if err := cert.SignCert(rand.Reader, ca); err != nil {
		t.Fatal(err)
	}
	certLine := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(cert)))

	tests := []struct {
		name, in string
		want     string // normalised line, or part of the error message
		ok       bool
	}{
		{"plain", k.line, k.line, true},
		{"comment", k.line + " jo@laptop", k.line + " jo@laptop", true},
		{"spaces", " \t" + f[0] + "   " + f[1] + "   Jo  Smith\t ", k.line + " Jo Smith", true},
		{"rsa", r.line + " rsa", r.line + " rsa", true},
		{"empty", "   ", "public key is empty", false},
		{"comment line", "# " + k.line, "is a comment, not a key", false},
		{"two lines", k.line + "\n" + r.line, "must be a single line", false},
		{"options", `no-pty,command="/bin/true" ` + k.line, `has options (no-pty,command="/bin/true"), which are not supported`, false},
		{"certificate", certLine, "is a certificate", false},
		{"type only", "ssh-ed25519", `is not of the form "TYPE BASE64 [COMMENT]"`, false},
		{"bad base64", "ssh-ed25519 AAAA@@@", "has key data that is not valid base64", false},
		{"garbage data", "ssh-ed25519 AAAAAAAA", "has invalid key data", false},
		{"wrong type", "ssh-rsa " + f[1], `says "ssh-rsa" but its key data is "ssh-ed25519"`, false},
		{"private key", "-----BEGIN OPENSSH PRIVATE KEY-----", `is a PEM block`, false},
	}
	for _, tt := range tests {
		got, err := ParsePublicKey(tt.in)
		if tt.ok {
			if err != nil || got != tt.want {
				t.Errorf("%s: ParsePublicKey = %q, %v; want %q", tt.name, got, err, tt.want)
			}
			continue
		}
		var ve *ValidationError
		if !errors.As(err, &ve) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: ParsePublicKey = %q, %v; want an error containing %q", tt.name, got, err, tt.want)
		}
		if strings.Contains(err.Error(), "\n") || len(err.Error()) > 200 {
			t.Errorf("%s: error is not one short line: %q", tt.name, err)
		}
	}
}

func TestNormalizeKeysDeduplicates(t *testing.T) {
	k, r := testKey(t), testRSAKey(t)
	got, err := normalizeKeys([]string{k.line + " first", r.line, k.line + " again"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{k.line + " first", r.line}; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("normalizeKeys = %q, want %q", got, want)
	}
}

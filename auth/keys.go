package auth

import (
	"bytes"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/ssh"

	"github.com/dossierd/dossierd/catalogue"
)

// ParsePublicKey reads one authorized_keys line ("TYPE BASE64 [COMMENT]")
// and returns it as "TYPE BASE64" or "TYPE BASE64 COMMENT", with the
// comment's whitespace collapsed.
//
// Options ("from=…", "command=…") are refused rather than dropped: the
// daemon does not enforce them, and silently dropping a restriction would
// grant more than the administrator wrote. Certificates are refused too,
// since nothing here checks them against a CA.
func ParsePublicKey(line string) (string, error) {
	line = strings.TrimSpace(line)
	fail := func(t catalogue.T, args ...any) error {
		return &ValidationError{Field: "public key", Value: shorten(line), Err: errors.New(t.F(args...))}
	}
	switch {
	case line == "":
		return "", invalid("public key", "", catalogue.IsEmpty)
	case strings.ContainsAny(line, "\r\n"):
		return "", fail(catalogue.KeyOneLine)
	case strings.HasPrefix(line, "#"):
		return "", fail(catalogue.KeyComment)
	}
	key, comment, options, rest, err := ssh.ParseAuthorizedKey([]byte(line))
	if err != nil {
		t, args := diagnoseKey(line)
		return "", fail(t, args...)
	}
	if len(options) > 0 {
		return "", fail(catalogue.KeyOptions, strings.Join(options, ","))
	}
	if len(bytes.TrimSpace(rest)) > 0 {
		return "", fail(catalogue.KeySeveral)
	}
	if _, ok := key.(*ssh.Certificate); ok {
		return "", fail(catalogue.KeyCertificate)
	}
	out := strings.TrimSuffix(string(ssh.MarshalAuthorizedKey(key)), "\n")
	comment = strings.Join(strings.FieldsFunc(comment, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r)
	}), " ")
	if comment != "" {
		out += " " + comment
	}
	return out, nil
}

// diagnoseKey says what is wrong with a line ssh.ParseAuthorizedKey
// rejected, which only ever says "no key found": a sentence and its
// arguments.
func diagnoseKey(line string) (catalogue.T, []any) {
	if strings.HasPrefix(line, "-----BEGIN") {
		return catalogue.KeyPEM, nil
	}
	f := strings.Fields(line)
	if len(f) < 2 {
		return catalogue.KeyForm, nil
	}
	data, err := base64.StdEncoding.DecodeString(f[1])
	if err != nil {
		if _, err2 := base64.StdEncoding.DecodeString(f[0]); err2 == nil || strings.Contains(f[0], "=") {
			return catalogue.KeyForm, nil
		}
		return catalogue.KeyBase64, []any{f[0]}
	}
	key, err := ssh.ParsePublicKey(data)
	if err != nil {
		return catalogue.KeyData, []any{strings.TrimPrefix(err.Error(), "ssh: ")}
	}
	if key.Type() != f[0] {
		return catalogue.KeyTypeClash, []any{f[0], key.Type()}
	}
	return catalogue.KeyInvalid, nil
}

func shorten(s string) string {
	const max = 40
	if len(s) <= max {
		return s
	}
	// Cut on a rune boundary.
	i := max
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}

// normalizeKeys parses every line and drops duplicates (same key, whatever
// the comment), keeping the first.
func normalizeKeys(lines []string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, l := range lines {
		n, err := ParsePublicKey(l)
		if err != nil {
			return nil, err
		}
		f := strings.Fields(n)
		if seen[f[1]] {
			continue
		}
		seen[f[1]] = true
		out = append(out, n)
	}
	return out, nil
}

// keyMatches reports whether key is one of the normalised lines, comparing
// the wire encoding in constant time and looking at every line whatever
// matched first.
func keyMatches(lines []string, key ssh.PublicKey) bool {
	want := key.Marshal()
	match := 0
	for _, l := range lines {
		k, _, _, _, err := ssh.ParseAuthorizedKey([]byte(l))
		if err != nil {
			continue
		}
		match |= subtle.ConstantTimeCompare(k.Marshal(), want)
	}
	return match == 1
}

var errKeyMismatch = &sentinelError{catalogue.ErrInvalidKey, nil, ErrInvalidCredentials}

package auth

import (
	"bytes"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/ssh"
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
	fail := func(format string, args ...any) error {
		return &ValidationError{Field: "public key", Value: shorten(line), Err: fmt.Errorf(format, args...)}
	}
	switch {
	case line == "":
		return "", &ValidationError{Field: "public key", Msg: "is empty"}
	case strings.ContainsAny(line, "\r\n"):
		return "", fail("must be a single line")
	case strings.HasPrefix(line, "#"):
		return "", fail("is a comment, not a key")
	}
	key, comment, options, rest, err := ssh.ParseAuthorizedKey([]byte(line))
	if err != nil {
		return "", fail("%s", diagnoseKey(line))
	}
	if len(options) > 0 {
		return "", fail("has options (%s), which are not supported", strings.Join(options, ","))
	}
	if len(bytes.TrimSpace(rest)) > 0 {
		return "", fail("holds more than one key")
	}
	if _, ok := key.(*ssh.Certificate); ok {
		return "", fail("is a certificate; give the plain public key")
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
// rejected, which only ever says "no key found".
func diagnoseKey(line string) string {
	if strings.HasPrefix(line, "-----BEGIN") {
		return "is a PEM block (a private key?), not an authorized_keys line"
	}
	f := strings.Fields(line)
	if len(f) < 2 {
		return `is not of the form "TYPE BASE64 [COMMENT]"`
	}
	data, err := base64.StdEncoding.DecodeString(f[1])
	if err != nil {
		if _, err2 := base64.StdEncoding.DecodeString(f[0]); err2 == nil || strings.Contains(f[0], "=") {
			return `is not of the form "TYPE BASE64 [COMMENT]"`
		}
		return fmt.Sprintf("has key data that is not valid base64 (after %q)", f[0])
	}
	key, err := ssh.ParsePublicKey(data)
	if err != nil {
		return fmt.Sprintf("has invalid key data (%v)", strings.TrimPrefix(err.Error(), "ssh: "))
	}
	if key.Type() != f[0] {
		return fmt.Sprintf("says %q but its key data is %q", f[0], key.Type())
	}
	return "is not a valid authorized_keys line"
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

var errKeyMismatch = &sentinelError{"invalid login or public key", ErrInvalidCredentials}

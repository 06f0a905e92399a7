package names

import (
	"errors"
	"strings"
	"testing"
)

// fuzzPolicies exercises the default policy and a restrictive one, where
// suggestions have to use '_' as separator and a short length limit.
var fuzzPolicies = []struct {
	allowed  string
	maxBytes int
}{
	{DefaultAllowed, DefaultMaxBytes},
	{"_.", 12},
	{"", 4},
}

func FuzzCheck(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		for _, fp := range fuzzPolicies {
			p, err := New(fp.allowed, fp.maxBytes)
			if err != nil {
				t.Fatal(err)
			}
			err = p.Check(s)
			if err == nil {
				if why := refInvalid(fp.allowed, fp.maxBytes, s); why != "" {
					t.Fatalf("policy %q/%d accepted %q, but %s", fp.allowed, fp.maxBytes, s, why)
				}
				if got := p.Suggest(s); got != s {
					t.Fatalf("policy %q/%d: Suggest(%q) = %q, want it unchanged", fp.allowed, fp.maxBytes, s, got)
				}
				continue
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Check(%q) returned %T, want *Error", s, err)
			}
			if e.Name != s || e.Reason == "" {
				t.Fatalf("Check(%q) = %#v", s, e)
			}
			if refInvalid(fp.allowed, fp.maxBytes, s) == "" {
				t.Fatalf("policy %q/%d refused valid %q: %v", fp.allowed, fp.maxBytes, s, err)
			}
			// Without the defensive fallback, so that a bug in the
			// suggestion logic is not hidden by it.
			sug := p.suggest(s)
			if why := refInvalid(fp.allowed, fp.maxBytes, sug); why != "" {
				t.Fatalf("policy %q/%d: suggestion %q for %q is invalid: %s", fp.allowed, fp.maxBytes, sug, s, why)
			}
			if err := p.Check(sug); err != nil {
				t.Fatalf("policy %q/%d: suggestion %q for %q refused: %v", fp.allowed, fp.maxBytes, sug, s, err)
			}
			if e.Suggestion != sug {
				t.Fatalf("Check(%q).Suggestion = %q, Suggest = %q", s, e.Suggestion, sug)
			}
			msg := e.Error()
			assertOneLine(t, msg)
			if e.Char != "" && !strings.Contains(msg, e.Char) {
				t.Fatalf("message %q does not name the character %q", msg, e.Char)
			}
		}
	})
}

// refInvalid is an independent, deliberately naive statement of the policy.
// It returns why s breaks it, or "" if s is acceptable.
func refInvalid(allowed string, maxBytes int, s string) string {
	if s == "" || s == "." || s == ".." {
		return "it is empty or a dot name"
	}
	if len(s) > maxBytes {
		return "it is too long"
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			strings.IndexByte(allowed, c) >= 0
		if !ok || c == '/' {
			return "it contains byte " + string(rune(c))
		}
	}
	if strings.ContainsAny(s[:1], " -.") {
		return "of its first character"
	}
	if strings.ContainsAny(s[len(s)-1:], " .") {
		return "of its last character"
	}
	base := strings.ToUpper(strings.TrimRight(strings.SplitN(s, ".", 2)[0], " "))
	for _, r := range []string{"CON", "PRN", "AUX", "NUL"} {
		if base == r {
			return "it is reserved"
		}
	}
	for _, pre := range []string{"COM", "LPT"} {
		for d := '1'; d <= '9'; d++ {
			if base == pre+string(d) {
				return "it is reserved"
			}
		}
	}
	return ""
}

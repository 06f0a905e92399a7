// Package names enforces the filename policy applied to every name a write
// creates: names that travel safely between Windows, macOS and Linux
// desktops, FTP clients and archive tools, explained in words a
// non-technical user can act on.
package names

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/dossierd/dossierd/catalogue"
)

// DefaultAllowed is the punctuation allowed besides ASCII letters and digits.
const DefaultAllowed = " -_.()"

// DefaultMaxBytes is the default limit on the length of a name, in bytes.
const DefaultMaxBytes = 200

// maxMaxBytes is NAME_MAX on the filesystems we store on; a longer limit
// would let names through that the disk then refuses.
const maxMaxBytes = 255

// Policy is the filename policy. The zero value is not usable; use Default() or New.
type Policy struct {
	// allowed is indexed by byte; only ASCII entries can be true.
	allowed  [utf8.RuneSelf]bool
	maxBytes int
	// punct is the configured punctuation, deduplicated, in the order given,
	// kept so refusals can list it the way the operator wrote it.
	punct string
	// sep replaces refused characters in suggestions; 0 when the policy
	// allows none of the candidates and refused characters are dropped.
	sep byte
	// mark is appended to Windows reserved base names in suggestions.
	mark byte
}

var defaultPolicy = mustNew(DefaultAllowed, DefaultMaxBytes)

func mustNew(allowed string, maxBytes int) *Policy {
	p, err := New(allowed, maxBytes)
	if err != nil {
		panic(err)
	}
	return p
}

// New builds a policy. allowed lists the characters allowed besides ASCII
// letters and digits; they must be printable ASCII other than '/'. maxBytes
// must be between 1 and 255.
func New(allowed string, maxBytes int) (*Policy, error) {
	if maxBytes < 1 || maxBytes > maxMaxBytes {
		return nil, fmt.Errorf("names: maximum name length must be between 1 and %d bytes, got %d", maxMaxBytes, maxBytes)
	}
	p := &Policy{maxBytes: maxBytes}
	for c := byte('a'); c <= 'z'; c++ {
		p.allowed[c] = true
		p.allowed[c-'a'+'A'] = true
	}
	for c := byte('0'); c <= '9'; c++ {
		p.allowed[c] = true
	}
	var punct []byte
	for i := 0; i < len(allowed); {
		r, size := utf8.DecodeRuneInString(allowed[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			return nil, fmt.Errorf("names: allowed characters must be printable ASCII; got byte 0x%02X at position %d", allowed[i], i+1)
		case r < ' ' || r > '~':
			return nil, fmt.Errorf("names: allowed characters must be printable ASCII; got %s", describeRune(r))
		case r == '/':
			// '/' separates path elements; a name containing it would
			// escape its directory.
			return nil, fmt.Errorf(`names: the character "/" cannot be allowed in names`)
		}
		c := byte(r)
		if !p.allowed[c] {
			p.allowed[c] = true
			punct = append(punct, c)
		}
		i += size
	}
	p.punct = string(punct)
	for _, c := range []byte{' ', '_', '-'} {
		if p.allowed[c] {
			p.sep = c
			break
		}
	}
	p.mark = 'x'
	for _, c := range []byte{'_', '-'} {
		if p.allowed[c] {
			p.mark = c
			break
		}
	}
	return p, nil
}

// Default returns the policy from the product spec. The returned policy is
// shared; that is safe because a Policy is immutable.
func Default() *Policy { return defaultPolicy }

// Check returns nil or a *Error.
func Check(name string) error { return defaultPolicy.Check(name) }

// Suggest returns Default().Suggest(name).
func Suggest(name string) string { return defaultPolicy.Suggest(name) }

// usable guards against a nil or zero Policy: a server should degrade to
// the spec's policy rather than refuse every upload or crash a session.
func (p *Policy) usable() *Policy {
	if p == nil || p.maxBytes == 0 {
		return defaultPolicy
	}
	return p
}

// Check returns nil if name is acceptable, or a *Error explaining the first
// problem found and suggesting a replacement.
func (p *Policy) Check(name string) error {
	p = p.usable()
	e := p.check(name)
	if e == nil {
		return nil
	}
	e.Name = name
	e.Suggestion = p.Suggest(name)
	return e
}

// check finds the first problem without building a suggestion, so that
// Suggest can use it without recursing.
func (p *Policy) check(name string) *Error {
	switch name {
	case "":
		return &Error{Reason: catalogue.NameEmpty.F()}
	case ".", "..":
		return &Error{Reason: catalogue.NameInvalid.F(name)}
	}
	// Characters come first because they are what the user most needs to
	// fix, and the message promises to name the first offending one.
	for i := 0; i < len(name); {
		c := name[i]
		if c < utf8.RuneSelf {
			if p.allowed[c] {
				i++
				continue
			}
			if c == '/' {
				return &Error{Char: "/", Reason: catalogue.NameSlash.F()}
			}
			if c < ' ' || c == 0x7F {
				d := describeRune(rune(c))
				return &Error{Char: d, Reason: catalogue.NameControlChar.F(d), policy: p}
			}
			return &Error{Char: string(c), Reason: catalogue.NameChar.F(quoteChar(string(c))), policy: p}
		}
		r, size := utf8.DecodeRuneInString(name[i:])
		if r == utf8.RuneError && size == 1 {
			d := catalogue.NameByte.F(c)
			return &Error{
				Char:   d,
				Reason: catalogue.NameNotUTF8.F(d, i+1),
				policy: p,
			}
		}
		return p.runeError(name, i, r, size)
	}
	switch name[0] {
	case ' ':
		return &Error{Char: " ", Reason: catalogue.NameStartSpace.F()}
	case '-', '.':
		// A leading '-' is read as an option by command-line tools; a
		// leading '.' hides the file on macOS and Linux.
		return &Error{Char: name[:1], Reason: catalogue.NameStartWith.F(name[:1])}
	}
	// Windows silently strips trailing spaces and dots, so such a name
	// cannot be opened or deleted there.
	switch name[len(name)-1] {
	case ' ':
		return &Error{Char: " ", Reason: catalogue.NameEndSpace.F()}
	case '.':
		return &Error{Char: ".", Reason: catalogue.NameEndDot.F()}
	}
	if base, ok := reservedBase(name); ok {
		return &Error{Reason: catalogue.NameReserved.F(base)}
	}
	if len(name) > p.maxBytes {
		return &Error{Reason: catalogue.NameTooLong.F(len(name), p.maxBytes)}
	}
	return nil
}

// runeError describes the refused non-ASCII rune r found at name[i:i+size].
func (p *Policy) runeError(name string, i int, r rune, size int) *Error {
	// Show the character as the user sees it: macOS sends accented letters
	// decomposed, so "é" arrives as 'e' followed by U+0301, and the mark
	// alone would print as a stray accent.
	end := i + size
	for end < len(name) {
		m, msize := utf8.DecodeRuneInString(name[end:])
		if !unicode.Is(unicode.M, m) {
			break
		}
		end += msize
	}
	ch := name[i:end]
	if unicode.Is(unicode.M, r) {
		// Any character before the mark was accepted, so it is ASCII.
		composed := ""
		if i > 0 {
			composed = norm.NFC.String(name[i-1 : end])
		}
		if utf8.RuneCountInString(composed) != 1 {
			// A mark that does not combine into one letter (or a
			// variation selector) would display as nothing useful.
			d := describeRune(r)
			return &Error{Char: d, Reason: catalogue.NameChar.F(d), policy: p}
		}
		// Composed so that Char reads "é" however the client encoded it.
		ch = composed
	}
	if !unicode.IsPrint(r) {
		// Invisible or control characters cannot be shown; the code point is
		// the only way to point at them.
		d := describeRune(r)
		kind := catalogue.NameInvisibleChar
		if unicode.IsControl(r) {
			kind = catalogue.NameControlChar
		}
		return &Error{Char: d, Reason: kind.F(d), policy: p}
	}
	return &Error{Char: ch, Reason: catalogue.NameChar.F(quoteChar(ch)), policy: p}
}

// reservedBase reports whether name would open a device on Windows, and
// returns the part of the name that is reserved.
func reservedBase(name string) (string, bool) {
	// Windows applies the rule to the part before the first dot, so
	// "con.tar.gz" is as reserved as "CON", and it ignores spaces before
	// that dot.
	base, _, _ := strings.Cut(name, ".")
	base = strings.TrimRight(base, " ")
	switch len(base) {
	case 3:
		for _, r := range []string{"CON", "PRN", "AUX", "NUL"} {
			if strings.EqualFold(base, r) {
				return base, true
			}
		}
	case 4:
		if (strings.EqualFold(base[:3], "COM") || strings.EqualFold(base[:3], "LPT")) && base[3] >= '1' && base[3] <= '9' {
			return base, true
		}
	}
	return "", false
}

// Error is a refused name.
type Error struct {
	Name       string // the refused name, as given (may be invalid UTF-8)
	Char       string // the offending character as text, or "U+0009" / "byte 0xE9" for unprintable ones; empty when the refusal is not about one character
	Reason     string // short human sentence; byte positions in it count from 1, as a user would
	Suggestion string // a safe name (passes Check); empty only if none can be made
	// policy is set only when a character was refused, to say what is
	// allowed: that does not help with other problems.
	policy *Policy
}

// Error returns a single line meant to be read by the user in their FTP
// client's log.
func (e *Error) Error() string {
	// strconv.Quote escapes control characters and invalid UTF-8 (which
	// would otherwise corrupt the log line) but keeps printable letters such
	// as "é" readable.
	msg := catalogue.NameRefused.F(strconv.Quote(e.Name), e.Reason)
	if e.policy != nil {
		msg += catalogue.NameUse.F(describeAllowed(e.policy.punct))
	}
	if e.Suggestion != "" {
		msg += catalogue.NameTry.F(strconv.Quote(e.Suggestion))
	}
	return msg
}

// describeAllowed renders the allowed set the way the example message in the
// spec does: "letters, digits, spaces and - _ . ( )".
func describeAllowed(punct string) string {
	items := []string{catalogue.AllowedLetters.F(), catalogue.AllowedDigits.F()}
	var others []string
	for i := 0; i < len(punct); i++ {
		c := punct[i]
		switch {
		case c == ' ':
			items = append(items, catalogue.AllowedSpaces.F())
		case isASCIIAlnum(c):
			// Already covered by "letters" and "digits".
		default:
			others = append(others, string(c))
		}
	}
	if len(others) > 0 {
		items = append(items, strings.Join(others, " "))
	}
	last := len(items) - 1
	return strings.Join(items[:last], ", ") + catalogue.AllowedAnd.F() + items[last]
}

// describeRune names a character that cannot be shown as itself.
func describeRune(r rune) string {
	return fmt.Sprintf("U+%04X", r)
}

// quoteChar quotes a printable character for a sentence, avoiding the
// backslash escape a double quote would otherwise need.
func quoteChar(s string) string {
	if s == `"` {
		return `'"'`
	}
	return `"` + s + `"`
}

func isASCIIAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

package names

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// fallbackName replaces a name of which nothing usable is left, so that a
// suggestion is never empty.
const fallbackName = "file"

// Suggest returns a name derived from name that passes p.Check. A name that
// already passes is returned unchanged.
func (p *Policy) Suggest(name string) string {
	p = p.usable()
	s := p.suggest(name)
	if p.check(s) != nil {
		// Defensive only: suggest is fuzzed to always produce a valid
		// name, but a refusal must never offer an unusable suggestion.
		s = fallbackName[:min(len(fallbackName), p.maxBytes)]
	}
	return s
}

func (p *Policy) suggest(name string) string {
	if p.check(name) == nil {
		return name
	}
	base, ext := name, ""
	// Split at the last dot so that a name whose base is entirely refused
	// ("???.pdf") keeps its extension, and so truncation can keep it too.
	// Dots, dashes and spaces at the start are trimmed away, so a dot after
	// only those ("..x", "-- .x") does not mark an extension.
	if dot := strings.LastIndexByte(name, '.'); dot > 0 && p.allowed['.'] &&
		strings.TrimLeft(name[:dot], " -.") != "" {
		base, ext = name[:dot], name[dot+1:]
	}
	base = strings.TrimRight(strings.TrimLeft(p.clean(base), " -."), " .")
	ext = strings.TrimRight(p.clean(ext), " .")
	if base == "" {
		base = fallbackName
	}
	s := base
	if ext != "" {
		s += "." + ext
	}
	if len(s) > p.maxBytes {
		if ext != "" && len(ext)+1 < p.maxBytes {
			s = strings.TrimRight(base[:p.maxBytes-len(ext)-1], " .") + "." + ext
		} else {
			s = strings.TrimRight(s[:p.maxBytes], " .")
		}
	}
	// After trimming and truncation so that neither can bring a reserved
	// name back.
	return p.fixReserved(s)
}

// clean maps every character of s to allowed ASCII: transliterated, dropped,
// or replaced by the policy's separator. It does not trim.
func (p *Policy) clean(s string) string {
	b := make([]byte, 0, len(s))
	pending := false // a refused character is waiting to become a separator
	put := func(c byte) {
		var last byte
		if len(b) > 0 {
			last = b[len(b)-1]
		}
		if pending {
			pending = false
			// No separator next to existing punctuation: "Quoi ?.pdf"
			// should become "Quoi.pdf", not "Quoi .pdf".
			if p.sep != 0 && last != 0 && !p.joiner(last) && !p.joiner(c) {
				b = append(b, p.sep)
				last = p.sep
			}
		}
		if (c == ' ' || c == p.sep) && c == last {
			return
		}
		b = append(b, c)
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if p.allowed[c] {
				put(c)
			} else {
				pending = true
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
			pending = true
		case unicode.In(r, unicode.M, unicode.Cf):
			// Combining accents (as sent by macOS), soft hyphens, zero-width
			// spaces and variation selectors carry no letter of their own;
			// turning them into spaces would split words.
		default:
			t, ok := transliterate(r)
			if !ok {
				pending = true
				break
			}
			if len(t) > 1 && isUpper(t[1]) {
				// "Œuvre" reads as "Oeuvre", but "ŒUVRE" as "OEUVRE".
				if next, _ := utf8.DecodeRuneInString(s[i:]); unicode.IsLower(next) {
					t = t[:1] + strings.ToLower(t[1:])
				}
			}
			for j := 0; j < len(t); j++ {
				put(t[j])
			}
		}
	}
	return string(b)
}

// joiner reports whether c already separates words, so that a refused
// character next to it needs no separator of its own.
func (p *Policy) joiner(c byte) bool {
	return c == ' ' || c == '-' || c == '_' || c == '.' || c == p.sep
}

// fixReserved makes a Windows reserved base name harmless by marking it,
// without growing s past the limit.
func (p *Policy) fixReserved(s string) string {
	base, ok := reservedBase(s)
	if !ok {
		return s
	}
	n := len(base) // base is a prefix of s
	if len(s) < p.maxBytes {
		return s[:n] + string(p.mark) + s[n:]
	}
	return s[:n-1] + string(p.mark) + s[n:]
}

// translit maps the letters of Latin-1 Supplement and Latin Extended-A,
// which cover French and the other languages trainees' names come in, to
// the ASCII a French reader would write without accents. Letters that
// decompose into base + accent would be handled by the NFKD fallback, but
// listing them keeps the mapping explicit and reviewable; the ones that do
// not decompose (ø, ł, đ, ß, æ, œ, þ, ...) need the table.
var translit = func() map[rune]string {
	groups := []struct{ from, to string }{
		{"ÀÁÂÃÄÅĀĂĄ", "A"}, {"àáâãäåāăą", "a"},
		{"Æ", "AE"}, {"æ", "ae"},
		{"ÇĆĈĊČ", "C"}, {"çćĉċč", "c"},
		{"ÐĎĐ", "D"}, {"ðďđ", "d"},
		{"ÈÉÊËĒĔĖĘĚ", "E"}, {"èéêëēĕėęě", "e"},
		{"ĜĞĠĢ", "G"}, {"ĝğġģ", "g"},
		{"ĤĦ", "H"}, {"ĥħ", "h"},
		{"ÌÍÎÏĨĪĬĮİ", "I"}, {"ìíîïĩīĭįı", "i"},
		{"Ĳ", "IJ"}, {"ĳ", "ij"},
		{"Ĵ", "J"}, {"ĵ", "j"},
		{"Ķ", "K"}, {"ķĸ", "k"},
		{"ĹĻĽĿŁ", "L"}, {"ĺļľŀł", "l"},
		{"ÑŃŅŇŊ", "N"}, {"ñńņňŉŋ", "n"},
		{"ÒÓÔÕÖØŌŎŐ", "O"}, {"òóôõöøōŏő", "o"},
		{"Œ", "OE"}, {"œ", "oe"},
		{"ŔŖŘ", "R"}, {"ŕŗř", "r"},
		{"ŚŜŞŠ", "S"}, {"śŝşšſ", "s"},
		{"ß", "ss"}, {"ẞ", "SS"},
		{"ŢŤŦ", "T"}, {"ţťŧ", "t"},
		{"Þ", "TH"}, {"þ", "th"},
		{"ÙÚÛÜŨŪŬŮŰŲ", "U"}, {"ùúûüũūŭůűų", "u"},
		{"Ŵ", "W"}, {"ŵ", "w"},
		{"ÝŶŸ", "Y"}, {"ýÿŷ", "y"},
		{"ŹŻŽ", "Z"}, {"źżž", "z"},
		// Ordinal indicators and superscripts, as in "n°", "1ª", "m²".
		{"ª", "a"}, {"º", "o"}, {"¹", "1"}, {"²", "2"}, {"³", "3"},
	}
	m := make(map[rune]string)
	for _, g := range groups {
		for _, r := range g.from {
			m[r] = g.to
		}
	}
	return m
}()

func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }

// transliterate returns the ASCII letters and digits that stand for r, if
// any.
func transliterate(r rune) (string, bool) {
	if t, ok := translit[r]; ok {
		return t, true
	}
	// Beyond the table, compatibility decomposition handles accented letters
	// of other blocks (Romanian ș, Vietnamese ư), ligatures (ﬁ) and
	// full-width forms. Anything whose decomposition is not plain letters and
	// digits ("½" is "1⁄2", "…" is "...") is better replaced by a space.
	var b []byte
	for _, d := range norm.NFKD.String(string(r)) {
		switch {
		case d < utf8.RuneSelf && isASCIIAlnum(byte(d)):
			b = append(b, byte(d))
		case unicode.Is(unicode.M, d):
		default:
			return "", false
		}
	}
	return string(b), len(b) > 0
}

package names

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCheckAccepts(t *testing.T) {
	for _, name := range []string{
		"a",
		"Z",
		"7",
		"Rapport 2024.pdf",
		"Convocation (v2).pdf",
		"a-b_c.d",
		"archive.tar.gz",
		"a  b.pdf",      // double spaces are the user's business
		"a .pdf",        // a space before the extension is not trailing
		"a..b",          // inner dots are harmless
		"a-",            // only a leading '-' looks like an option
		"_a",            // '_' may lead
		"(brouillon) a", // '(' may lead
		"CONSOLE.pdf",   // reserved words only match the whole base
		"CON_.pdf",      // what Suggest produces for CON.pdf
		"xCON",          //
		"COM10",         //
		"COM0.txt",      // the spec lists COM1 to COM9 only
		"LPT.txt",       //
		"report.con",    // the extension is not the base
		"NULL",          //
		strings.Repeat("a", DefaultMaxBytes),
		strings.Repeat("a", DefaultMaxBytes-4) + ".pdf",
	} {
		if err := Check(name); err != nil {
			t.Errorf("Check(%q) = %v, want nil", name, err)
		}
		if got := Suggest(name); got != name {
			t.Errorf("Suggest(%q) = %q, want it unchanged", name, got)
		}
	}
}

func TestCheckRefuses(t *testing.T) {
	long := strings.Repeat("a", 227) + ".pdf" // 231 bytes
	tests := []struct {
		name       string
		char       string
		reason     string
		suggestion string
	}{
		// Empty and dot names.
		{"", "", "the name is empty", "file"},
		{".", "", `"." is not a valid name`, "file"},
		{"..", "", `".." is not a valid name`, "file"},

		// Refused printable characters.
		{"Convocation Hélène l'été.pdf", "é", `the character "é" is not allowed`, "Convocation Helene l ete.pdf"},
		{"l'avis.pdf", "'", `the character "'" is not allowed`, "l avis.pdf"},
		{"Dupont & Fils.pdf", "&", `the character "&" is not allowed`, "Dupont Fils.pdf"},
		{"n#1.pdf", "#", `the character "#" is not allowed`, "n 1.pdf"},
		{"100%.pdf", "%", `the character "%" is not allowed`, "100.pdf"},
		{`"devis".pdf`, `"`, `the character '"' is not allowed`, "devis.pdf"},
		{"l’été.pdf", "’", `the character "’" is not allowed`, "l ete.pdf"},
		{"“Bilan”.pdf", "“", `the character "“" is not allowed`, "Bilan.pdf"},
		{`a\b.pdf`, `\`, `the character "\" is not allowed`, "a b.pdf"},
		{"a:b*c?d<e>f|g.txt", ":", `the character ":" is not allowed`, "a b c d e f g.txt"},
		{"photo 😀.jpg", "😀", `the character "😀" is not allowed`, "photo.jpg"},
		{"Ørsted.txt", "Ø", `the character "Ø" is not allowed`, "Orsted.txt"},
		{"a/b.pdf", "/", `a name cannot contain "/"`, "a b.pdf"},
		{"/", "/", `a name cannot contain "/"`, "file"},

		// Decomposed accents, as macOS sends them, are named as the letter.
		{"Re\u0301sume\u0301.pdf", "é", `the character "é" is not allowed`, "Resume.pdf"},
		{"\u0301a", "U+0301", "the character U+0301 is not allowed", "a"},

		// Unprintable characters are named by code point.
		{"a\tb.txt", "U+0009", "the control character U+0009 is not allowed", "a b.txt"},
		{"a\nb", "U+000A", "the control character U+000A is not allowed", "a b"},
		{"a\x00b", "U+0000", "the control character U+0000 is not allowed", "a b"},
		{"\x00", "U+0000", "the control character U+0000 is not allowed", "file"},
		{"a\x7fb", "U+007F", "the control character U+007F is not allowed", "a b"},
		{"a\u0085b", "U+0085", "the control character U+0085 is not allowed", "a b"},
		{"a\u00a0b", "U+00A0", "the invisible character U+00A0 is not allowed", "a b"},
		{"a\u200bb", "U+200B", "the invisible character U+200B is not allowed", "ab"},
		{"a\u202efdp.exe", "U+202E", "the invisible character U+202E is not allowed", "afdp.exe"},

		// Invalid UTF-8, e.g. a Latin-1 client.
		{"Caf\xe9.pdf", "byte 0xE9", "the name is not valid UTF-8 (byte 0xE9 at position 4)", "Caf.pdf"},
		{"\xff\xfe", "byte 0xFF", "the name is not valid UTF-8 (byte 0xFF at position 1)", "file"},
		{"a\xc3", "byte 0xC3", "the name is not valid UTF-8 (byte 0xC3 at position 2)", "a"},

		// Leading and trailing characters.
		{" a.pdf", " ", "a name cannot start with a space", "a.pdf"},
		{"-rf.txt", "-", `a name cannot start with "-"`, "rf.txt"},
		{".htaccess", ".", `a name cannot start with "."`, "htaccess"},
		{"--. a", "-", `a name cannot start with "-"`, "a"},
		{"a.pdf ", " ", "a name cannot end with a space", "a.pdf"},
		{"rapport.", ".", `a name cannot end with "."`, "rapport"},
		{"rapport. . .", ".", `a name cannot end with "."`, "rapport"},
		{"rapport . ", " ", "a name cannot end with a space", "rapport"},

		// Windows reserved names, with or without extension, any case.
		{"CON", "", `"CON" is a reserved name on Windows`, "CON_"},
		{"CON.pdf", "", `"CON" is a reserved name on Windows`, "CON_.pdf"},
		{"con.tar.gz", "", `"con" is a reserved name on Windows`, "con_.tar.gz"},
		{"Com1", "", `"Com1" is a reserved name on Windows`, "Com1_"},
		{"PRN.txt", "", `"PRN" is a reserved name on Windows`, "PRN_.txt"},
		{"aux.doc", "", `"aux" is a reserved name on Windows`, "aux_.doc"},
		{"Nul", "", `"Nul" is a reserved name on Windows`, "Nul_"},
		{"COM9.x", "", `"COM9" is a reserved name on Windows`, "COM9_.x"},
		{"lpt1.txt", "", `"lpt1" is a reserved name on Windows`, "lpt1_.txt"},
		{"LPT9", "", `"LPT9" is a reserved name on Windows`, "LPT9_"},
		{"CON .pdf", "", `"CON" is a reserved name on Windows`, "CON_.pdf"},

		// Length.
		{long, "", "the name is 231 bytes long; the limit is 200", strings.Repeat("a", 196) + ".pdf"},
		{strings.Repeat("b", 201), "", "the name is 201 bytes long; the limit is 200", strings.Repeat("b", 200)},
		{strings.Repeat("a", 195) + " bbbbbbbbbb.pdf", "", "the name is 210 bytes long; the limit is 200", strings.Repeat("a", 195) + ".pdf"},
		{"x." + strings.Repeat("e", 250), "", "the name is 252 bytes long; the limit is 200", "x." + strings.Repeat("e", 198)},

		// The first problem in the name is the one reported.
		{"-é.pdf", "é", `the character "é" is not allowed`, "e.pdf"},
		{"CON&.pdf", "&", `the character "&" is not allowed`, "CON_.pdf"},
		{strings.Repeat("é", 150), "é", `the character "é" is not allowed`, strings.Repeat("e", 150)},
		{" CON", " ", "a name cannot start with a space", "CON_"},
	}
	for _, tt := range tests {
		err := Check(tt.name)
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("Check(%q) = %v, want *Error", tt.name, err)
			continue
		}
		if e.Name != tt.name {
			t.Errorf("Check(%q).Name = %q", tt.name, e.Name)
		}
		if e.Char != tt.char {
			t.Errorf("Check(%q).Char = %q, want %q", tt.name, e.Char, tt.char)
		}
		if e.Reason != tt.reason {
			t.Errorf("Check(%q).Reason = %q, want %q", tt.name, e.Reason, tt.reason)
		}
		if e.Suggestion != tt.suggestion {
			t.Errorf("Check(%q).Suggestion = %q, want %q", tt.name, e.Suggestion, tt.suggestion)
		}
		if got := Suggest(tt.name); got != tt.suggestion {
			t.Errorf("Suggest(%q) = %q, want %q", tt.name, got, tt.suggestion)
		}
		if err := Check(e.Suggestion); err != nil {
			t.Errorf("suggestion %q for %q is refused: %v", e.Suggestion, tt.name, err)
		}
	}
}

func TestErrorMessage(t *testing.T) {
	const want = `name "Convocation Hélène l'été.pdf" refused: the character "é" is not allowed (use letters, digits, spaces and - _ . ( )); try "Convocation Helene l ete.pdf"`
	if got := Check("Convocation Hélène l'été.pdf").Error(); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}

	tests := []struct {
		name string
		want []string // substrings, in order
		not  []string
	}{
		// Invalid UTF-8 and control characters are escaped so the log line
		// stays one readable line.
		{"Caf\xe9\n.pdf", []string{`name "Caf\xe9\n.pdf" refused: `, "byte 0xE9", "(use letters, digits, spaces and - _ . ( ))", `try "Caf.pdf"`}, nil},
		{"a\tb", []string{`"a\tb"`, "U+0009", `try "a b"`}, nil},
		{"Hélène\x00.pdf", []string{`"Hélène\x00.pdf"`, `the character "é"`, `try "Helene.pdf"`}, nil},
		{`"devis".pdf`, []string{`name "\"devis\".pdf" refused: the character '"' is not allowed`, `try "devis.pdf"`}, nil},
		// The allowed set only helps when a character was refused.
		{"CON.pdf", []string{`name "CON.pdf" refused: "CON" is a reserved name on Windows; try "CON_.pdf"`}, []string{"use letters"}},
		{"-a", []string{`refused: a name cannot start with "-"; try "a"`}, []string{"use letters"}},
		{"", []string{`name "" refused: the name is empty; try "file"`}, nil},
	}
	for _, tt := range tests {
		msg := Check(tt.name).Error()
		rest := msg
		for _, w := range tt.want {
			i := strings.Index(rest, w)
			if i < 0 {
				t.Errorf("Check(%q).Error() = %s\nmissing (in order) %s", tt.name, msg, w)
				break
			}
			rest = rest[i+len(w):]
		}
		for _, w := range tt.not {
			if strings.Contains(msg, w) {
				t.Errorf("Check(%q).Error() = %s\nshould not contain %s", tt.name, msg, w)
			}
		}
		assertOneLine(t, msg)
	}

	// An Error built by hand, without a suggestion, still reads well.
	e := &Error{Name: "x", Reason: "something"}
	if got, want := e.Error(), `name "x" refused: something`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

// assertOneLine checks that a message can be written to a log as is.
func assertOneLine(t *testing.T, msg string) {
	t.Helper()
	if !utf8.ValidString(msg) {
		t.Errorf("message is not valid UTF-8: %q", msg)
	}
	for _, r := range msg {
		if r < ' ' || r == 0x7F || (r >= 0x80 && r < 0xA0) {
			t.Errorf("message contains control character %U: %q", r, msg)
		}
	}
}

func TestSuggest(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Convocation Hélène l'été.pdf", "Convocation Helene l ete.pdf"},
		{"ça déçoit à Noël.doc", "ca decoit a Noel.doc"},
		{"Œuvre cœur Æsop ægis Straße.txt", "Oeuvre coeur Aesop aegis Strasse.txt"},
		{"ŒUVRE Œ ÆSOP ĲSSEL ẞ.txt", "OEUVRE OE AESOP IJSSEL SS.txt"},
		{"Øre ø Łódź Đakovo đ Þór þ ð ı ĳ ŉ ſ ĸ ŀ.txt", "Ore o Lodz Dakovo d Thor th d i ij n s k l.txt"},
		{"ÀÁÂÃÄÅ àáâãäå ÇÈÉÊË ÌÍÎÏ ÑÒÓÔÕÖ ÙÚÛÜÝ ÿ", "AAAAAA aaaaaa CEEEE IIII NOOOOO UUUUY y"},
		{"Re\u0301sume\u0301 final.pdf", "Resume final.pdf"},
		{"l’avis “final” «ok».pdf", "l avis final ok.pdf"},
		{"a&b#c%d/e\\f:g*h?i<j>k|l.txt", "a b c d e f g h i j k l.txt"},
		{"a  &  b.pdf", "a b.pdf"},
		{"a\t\t\tb", "a b"},
		{"Quoi ?.pdf", "Quoi.pdf"},
		{"a - & - b", "a - - b"},
		{"???.pdf", "file.pdf"},
		{"???", "file"},
		{"   ", "file"},
		{"-", "file"},
		{"😀😀.png", "file.png"},
		{"...-- x", "x"},
		{"a\xff\xfeb", "a b"},
		{"ș ț ﬁ ＡＢ", "s t fi AB"},                // NFKD fallback beyond the table
		{"m² n°3 ½ l…", "m2 n 3 l"},              // decompositions that are not letters are spaces
		{"Ｃｏｎ.pdf", "Con_.pdf"},                  // reserved once transliterated
		{"COM¹.txt", "COM1_.txt"},                //
		{"Ré\u00adsu\u200bmé.pdf", "Resume.pdf"}, // invisible characters join, not split
		{".pdf.", "pdf"},
	}
	for _, tt := range tests {
		got := Suggest(tt.in)
		if got != tt.want {
			t.Errorf("Suggest(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if err := Check(got); err != nil {
			t.Errorf("Suggest(%q) = %q is refused: %v", tt.in, got, err)
		}
	}
}

// TestTransliterationTable checks the spec's promise that every letter of
// Latin-1 Supplement and Latin Extended-A has an ASCII spelling.
func TestTransliterationTable(t *testing.T) {
	for r := rune(0xC0); r <= 0x17F; r++ {
		if r == '×' || r == '÷' {
			continue
		}
		s, ok := translit[r]
		if !ok {
			t.Errorf("no transliteration for %q (%U)", r, r)
			continue
		}
		for i := 0; i < len(s); i++ {
			if !isASCIIAlnum(s[i]) {
				t.Errorf("transliteration of %q is %q, not ASCII letters", r, s)
			}
		}
	}
}

func TestNew(t *testing.T) {
	tests := []struct {
		allowed  string
		maxBytes int
		wantErr  string // substring; empty for success
	}{
		{DefaultAllowed, DefaultMaxBytes, ""},
		{"", 1, ""},
		{" !#$%&'()+,-.;=@[]^_`{}~", 255, ""},
		{"abc123", 10, ""},
		{"--__", 10, ""},
		{"-/", 10, `"/"`},
		{"-é", 10, "U+00E9"},
		{"-\t", 10, "U+0009"},
		{"\x7f", 10, "U+007F"},
		{"-\xff", 10, "byte 0xFF"},
		{DefaultAllowed, 0, "got 0"},
		{DefaultAllowed, -1, "got -1"},
		{DefaultAllowed, 256, "got 256"},
	}
	for _, tt := range tests {
		p, err := New(tt.allowed, tt.maxBytes)
		if tt.wantErr == "" {
			if err != nil || p == nil {
				t.Errorf("New(%q, %d) = %v, %v; want a policy", tt.allowed, tt.maxBytes, p, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("New(%q, %d) succeeded, want error mentioning %s", tt.allowed, tt.maxBytes, tt.wantErr)
			continue
		}
		if !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("New(%q, %d) error %q does not mention %s", tt.allowed, tt.maxBytes, err, tt.wantErr)
		}
		if p != nil {
			t.Errorf("New(%q, %d) returned a policy with an error", tt.allowed, tt.maxBytes)
		}
	}
}

func TestCustomPolicies(t *testing.T) {
	type check struct {
		name       string
		ok         bool
		reason     string // when refused
		suggestion string // when refused
	}
	tests := []struct {
		allowed  string
		maxBytes int
		hint     string
		checks   []check
	}{
		{"-_", 20, "letters, digits and - _", []check{
			{name: "a-b_c", ok: true},
			{name: "a b", reason: `the character " " is not allowed`, suggestion: "a_b"},
			{name: "l'été", reason: `the character "'" is not allowed`, suggestion: "l_ete"},
			{name: "a.pdf", reason: `the character "." is not allowed`, suggestion: "a_pdf"},
			{name: "CON", reason: `"CON" is a reserved name on Windows`, suggestion: "CON_"},
			{name: strings.Repeat("x", 21), reason: "the name is 21 bytes long; the limit is 20", suggestion: strings.Repeat("x", 20)},
		}},
		{" ", 10, "letters, digits and spaces", []check{
			{name: "a b", ok: true},
			{name: "a-b", reason: `the character "-" is not allowed`, suggestion: "a b"},
			{name: "CON", reason: `"CON" is a reserved name on Windows`, suggestion: "CONx"},
		}},
		{"", 8, "letters and digits", []check{
			{name: "abc123", ok: true},
			{name: "a b.c", reason: `the character " " is not allowed`, suggestion: "abc"},
			{name: "nul", reason: `"nul" is a reserved name on Windows`, suggestion: "nulx"},
		}},
		{"+.", 7, "letters, digits and + .", []check{
			{name: "a+b.txt", ok: true},
			{name: "CON.pdf", reason: `"CON" is a reserved name on Windows`, suggestion: "COx.pdf"},
			{name: "abcdef.pdf", reason: "the name is 10 bytes long; the limit is 7", suggestion: "abc.pdf"},
			{name: "a.verylongext", reason: "the name is 13 bytes long; the limit is 7", suggestion: "a.veryl"},
			{name: "é", reason: `the character "é" is not allowed`, suggestion: "e"},
		}},
		{".-", 3, "letters, digits and . -", []check{
			{name: "CON", reason: `"CON" is a reserved name on Windows`, suggestion: "CO-"},
			{name: "a.b", ok: true},
			{name: "&&&.pdf", reason: `the character "&" is not allowed`, suggestion: "fil"},
		}},
		{"a1", 5, "letters and digits", nil},
	}
	for _, tt := range tests {
		p, err := New(tt.allowed, tt.maxBytes)
		if err != nil {
			t.Fatalf("New(%q, %d): %v", tt.allowed, tt.maxBytes, err)
		}
		if got := describeAllowed(p.punct); got != tt.hint {
			t.Errorf("New(%q, %d): allowed set described as %q, want %q", tt.allowed, tt.maxBytes, got, tt.hint)
		}
		for _, c := range tt.checks {
			err := p.Check(c.name)
			if c.ok {
				if err != nil {
					t.Errorf("policy %q/%d: Check(%q) = %v, want nil", tt.allowed, tt.maxBytes, c.name, err)
				}
				continue
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Errorf("policy %q/%d: Check(%q) = %v, want *Error", tt.allowed, tt.maxBytes, c.name, err)
				continue
			}
			if e.Reason != c.reason || e.Suggestion != c.suggestion {
				t.Errorf("policy %q/%d: Check(%q) = reason %q, suggestion %q; want %q, %q",
					tt.allowed, tt.maxBytes, c.name, e.Reason, e.Suggestion, c.reason, c.suggestion)
			}
			if e.Char != "" && !strings.Contains(e.Error(), "(use "+tt.hint+")") {
				t.Errorf("policy %q/%d: message %q does not describe the allowed set", tt.allowed, tt.maxBytes, e.Error())
			}
			if err := p.Check(e.Suggestion); err != nil {
				t.Errorf("policy %q/%d: suggestion %q refused: %v", tt.allowed, tt.maxBytes, e.Suggestion, err)
			}
		}
	}
}

func TestDefault(t *testing.T) {
	if a, b := Default(), Default(); a != b {
		t.Error("Default() should return the shared policy")
	}
	p, err := New(DefaultAllowed, DefaultMaxBytes)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"ok.pdf", "Hélène.pdf", "CON", "", strings.Repeat("a", 300)} {
		a, b := errString(Default().Check(name)), errString(p.Check(name))
		if a != b || a != errString(Check(name)) {
			t.Errorf("Check(%q) differs between Default(), New(defaults) and the package function: %q, %q", name, a, b)
		}
		if Default().Suggest(name) != Suggest(name) {
			t.Errorf("Suggest(%q) differs between Default() and the package function", name)
		}
	}
}

// TestUnusablePolicy checks that a nil or zero Policy, which the doc says
// not to use, still applies the default policy instead of crashing.
func TestUnusablePolicy(t *testing.T) {
	for _, p := range []*Policy{nil, {}} {
		if err := p.Check("ok.pdf"); err != nil {
			t.Errorf("Check(ok.pdf) = %v", err)
		}
		if err := p.Check("CON"); err == nil {
			t.Error("Check(CON) = nil")
		}
		if got := p.Suggest("é.pdf"); got != "e.pdf" {
			t.Errorf("Suggest = %q", got)
		}
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

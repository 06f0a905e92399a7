package main

import (
	"strings"
	"testing"
)

func TestPrintable(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"", ""},
		{"Convention ACME S2026-014.pdf", "Convention ACME S2026-014.pdf"},
		{"l'été \"Commun\" C:\\dossier", "l'été \"Commun\" C:\\dossier"}, // accents, quotes and backslashes stay
		{"x\n2026-12-04 backoffice delete", `x\n2026-12-04 backoffice delete`},
		{"\x1b[2J", `\x1b[2J`},
		{"a\tb\rc\x00d\x7fe", `a\tb\rc\x00d\x7fe`},
		{"\u0085\u009b31m", `\u0085\u009b31m`}, // C1: NEL, CSI
		{"fdp\u202e.exe", `fdp\u202e.exe`},
		{"\u2066x\u2069\u200f", `\u2066x\u2069\u200f`},
		{"one\u2028two\u2029", `one\u2028two\u2029`},
		{"\xff\xfeok\xc3", `\xff\xfeok\xc3`},
		{"\uFFFD", "\uFFFD"}, // a replacement character that is really there
	} {
		if got := printable(tt.in); got != tt.want {
			t.Errorf("printable(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// A cell cannot add a row or a column.
func TestTableEscapesCells(t *testing.T) {
	var out strings.Builder
	tb := newTable(&out, "A", "B")
	tb.row("x\ny", "1\t2")
	tb.row(3, "z")
	if err := tb.flush(); err != nil {
		t.Fatal(err)
	}
	want := "A     B\n" +
		`x\ny  1\t2` + "\n" +
		"3     z\n"
	if out.String() != want {
		t.Errorf("table:\n%s\nwant:\n%s", out.String(), want)
	}
}

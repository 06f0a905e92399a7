package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode"
	"unicode/utf8"
)

// table prints aligned columns for people. Every cell goes through
// printable: the tables show what the directory, a TMS export and the audit
// trail hold, including paths and logins that clients chose, and a newline
// or an escape sequence there must neither forge a row nor drive the
// operator's terminal. --json output does not go through it: encoding/json
// escapes on its own, and scripts want the values as stored.
type table struct{ w *tabwriter.Writer }

// newTable starts a table on out with the header row, if any (dossierd tree
// has none).
func newTable(out io.Writer, header ...any) *table {
	t := &table{tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)}
	if len(header) > 0 {
		t.row(header...)
	}
	return t
}

// row prints one line, a cell per value (fmt.Sprint's text of it).
func (t *table) row(cells ...any) {
	for i, c := range cells {
		if i > 0 {
			io.WriteString(t.w, "\t")
		}
		io.WriteString(t.w, printable(fmt.Sprint(c)))
	}
	io.WriteString(t.w, "\n")
}

// flush writes the aligned table and reports the first write error.
func (t *table) flush() error { return t.w.Flush() }

// printable returns s with what a terminal would act on written as Go
// escapes (as %q writes them, without the quotes): C0 controls, tab and
// newline included since they would break columns and rows, DEL, C1
// controls, the Unicode line and paragraph separators, the bidirectional
// controls (U+202E shows "fdp.exe" as "exe.pdf") and bytes that are not
// UTF-8. Everything else, accents included, is left as it is.
func printable(s string) string {
	if strings.IndexFunc(s, mustEscape) < 0 && utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[0])
		case mustEscape(r):
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[:size])
		}
		s = s[size:]
	}
	return b.String()
}

func mustEscape(r rune) bool {
	return unicode.IsControl(r) || unicode.In(r, unicode.Bidi_Control, unicode.Zl, unicode.Zp)
}

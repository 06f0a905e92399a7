package auth

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/dossierd/dossierd/catalogue"
)

// The problems of a refused import: collected from every step, sorted in
// file order, returned at once as an *ImportError.

// ImportProblem is one thing wrong with a Snapshot. Text follows the field
// name: "role" + ` "teacher" is not one of client, trainee, trainer, staff`.
type ImportProblem struct {
	Kind  Kind
	Index int    // position in the Snapshot's list
	Field string // import field name ("login", "expires_at"); "" for the whole item
	Text  string
	// Other is the position, in the same list, of the item this one
	// clashes with (the first of two duplicates), or -1.
	Other int
}

// ImportError lists every problem of a refused import. Apply makes no
// change when it returns one. The readers of import files (tmsimport) turn
// Kind and Index into file names and line numbers.
type ImportError struct {
	Problems []ImportProblem
}

func (e *ImportError) Error() string {
	var b strings.Builder
	refused := catalogue.ImportRefusedN
	if len(e.Problems) <= 1 {
		refused = catalogue.ImportRefused1
	}
	b.WriteString(refused.F(len(e.Problems)))
	for _, p := range e.Problems {
		text := p.Text
		if p.Field != "" {
			text = p.Field + " " + text
		}
		b.WriteString(catalogue.ProblemLine.F(p.Kind, p.Index, text))
		if p.Other >= 0 {
			b.WriteString(catalogue.FirstAtIndex.F(p.Kind, p.Other))
		}
	}
	return b.String()
}

type importProblems []ImportProblem

func (ps *importProblems) addf(k Kind, i int, field string, t catalogue.T, args ...any) {
	*ps = append(*ps, ImportProblem{Kind: k, Index: i, Field: field, Text: t.F(args...), Other: -1})
}

func (ps *importProblems) add(k Kind, i int, field string, err error) {
	*ps = append(*ps, ImportProblem{Kind: k, Index: i, Field: field, Text: problemText(err), Other: -1})
}

// err sorts the problems in file order and returns them as an error, or
// nil when there are none.
func (ps importProblems) err() error {
	if len(ps) == 0 {
		return nil
	}
	order := map[Kind]int{KindAccounts: 0, KindSessions: 1, KindEnrollments: 2}
	slices.SortStableFunc(ps, func(a, b ImportProblem) int {
		if a.Kind != b.Kind {
			return order[a.Kind] - order[b.Kind]
		}
		return a.Index - b.Index
	})
	return &ImportError{Problems: ps}
}

// problemText renders a validation error as the text that follows the
// field name in a problem. The field's own label is left out: the import
// names the field as the file does ("expires_at", not "expiry date").
func problemText(err error) string {
	var ve *ValidationError
	if !errors.As(err, &ve) {
		return err.Error()
	}
	if ve.Msg == "" && ve.Err != nil && ve.Value != "" {
		// The filename policy's message starts `name "X" refused: ...`;
		// after the field name, `ref "X" refused: ...` says it once.
		if rest, ok := strings.CutPrefix(ve.Err.Error(), catalogue.NamePrefix.F()); ok && strings.HasPrefix(rest, strconv.Quote(ve.Value)) {
			return rest
		}
	}
	var s string
	switch {
	case ve.Value != "" && ve.Msg != "":
		s = catalogue.ImportValue.F(ve.Value, ve.Msg)
	case ve.Value != "":
		s = strconv.Quote(ve.Value)
	default:
		s = ve.Msg
	}
	if ve.Err != nil {
		if s == "" {
			return ve.Err.Error()
		}
		if ve.Value != "" && ve.Msg == "" {
			return catalogue.ImportValueBecause.F(ve.Value, ve.Err.Error())
		}
		s = catalogue.Because.F(s, ve.Err.Error())
	}
	return s
}

// looseDate matches what office software makes of a date: 30/06/2027,
// 30.06.2027, or an ISO date followed by a time.
var looseDate = regexp.MustCompile(`^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$`)

// dateText explains a bad date and, when the value looks like a French
// (day first) date or a date and time, says what to write instead.
func dateText(value string) string {
	candidate := ""
	if m := looseDate.FindStringSubmatch(value); m != nil {
		d, _ := strconv.Atoi(m[1])
		mo, _ := strconv.Atoi(m[2])
		candidate = fmt.Sprintf("%s-%02d-%02d", m[3], mo, d)
	} else if len(value) > 10 && (value[10] == ' ' || value[10] == 'T') {
		candidate = value[:10]
	}
	if candidate != "" {
		if _, err := parseDate(candidate); err == nil {
			return catalogue.BadDateWrite.F(value, candidate)
		}
	}
	return catalogue.BadDate.F(value)
}

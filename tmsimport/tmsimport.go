// Package tmsimport reads the directory exported by the training-management
// system (TMS) — one JSON file, or three CSV files as Windows office
// software writes them — and applies it to the directory with
// auth.Store.Apply; it also writes the directory back in the same JSON
// shape (Export), so that an export followed by an import changes nothing.
//
// Every problem is reported at once, each with its file, its line (CSV) or
// its position and line (JSON, "accounts[3] (line 40)") and its field, so
// that the person who runs the export can fix the TMS in one go; an import
// with any problem changes nothing.
package tmsimport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/dossierd/dossierd/auth"
	"github.com/dossierd/dossierd/catalogue"
)

// Import is a TMS export read from its files, ready to be checked and
// applied. Problems found while reading (a malformed line, an unknown
// column, a value of the wrong type) are kept and reported by Check and
// Apply together with the problems of the content.
type Import struct {
	Snapshot auth.Snapshot
	// Whole reports whether the import carries accounts, sessions and
	// enrollments (the three CSV files, or the three keys of the JSON
	// file, possibly empty lists). Only a whole import can prune: pruning
	// with the sessions file forgotten would hide every session.
	Whole bool

	where    map[auth.Kind][]location // parallel to the Snapshot's lists
	problems []Problem
	// lazyWhere, when set, computes where: the fast JSON reader leaves
	// line numbers until a problem needs them.
	lazyWhere func() map[auth.Kind][]location
}

// location is where an item was read.
type location struct {
	file int    // order of the file, for sorting problems
	line int    // 1-based
	text string // "accounts.csv line 12", "directory.json accounts[3] (line 40)"
}

func newImport() *Import {
	return &Import{where: map[auth.Kind][]location{}}
}

// Problem is one thing wrong with the files.
type Problem struct {
	Where string // "accounts.csv line 12"
	Field string // as named in the file ("expires_at"); "" for the whole line or file
	Text  string // what is wrong, following the field name

	file, line int
}

func (p Problem) String() string {
	text := p.Text
	if p.Field != "" {
		text = p.Field + " " + text
	}
	return catalogue.ProblemAt.F(p.Where, text)
}

// Error is a refused import: nothing was changed.
type Error struct {
	Problems []Problem
}

// maxListed bounds the problems Error() spells out: a file with a
// systematic mistake (wrong file given for another) can have one per line.
// Problems holds them all.
const maxListed = 1000

func (e *Error) Error() string {
	var b strings.Builder
	n := len(e.Problems)
	refused := catalogue.ImportFilesRefusedN
	if n <= 1 {
		refused = catalogue.ImportFilesRefused1
	}
	b.WriteString(refused.F(n))
	for i, p := range e.Problems {
		if i == maxListed {
			b.WriteString(catalogue.AndMore.F(n - maxListed))
			break
		}
		b.WriteString("\n  ")
		b.WriteString(p.String())
	}
	return b.String()
}

func (im *Import) add(loc location, field string, t catalogue.T, args ...any) {
	im.problems = append(im.problems, Problem{Where: loc.text, Field: field, Text: t.F(args...), file: loc.file, line: loc.line})
}

// addErr keeps a problem whose text is an error's (decodeText's, already a
// sentence of the catalogue).
func (im *Import) addErr(loc location, err error) {
	im.problems = append(im.problems, Problem{Where: loc.text, Text: err.Error(), file: loc.file, line: loc.line})
}

// lineLoc is line of the file name, numbered as fileNo.
func lineLoc(fileNo int, name string, line int) location {
	return location{file: fileNo, line: line, text: catalogue.AtLine.F(name, line)}
}

// locate turns a problem of the snapshot into one of the files.
func (im *Import) locate(p auth.ImportProblem) Problem {
	if im.lazyWhere != nil {
		im.where, im.lazyWhere = im.lazyWhere(), nil
	}
	locs := im.where[p.Kind]
	loc := location{text: fmt.Sprintf("%s[%d]", p.Kind, p.Index)}
	if p.Index >= 0 && p.Index < len(locs) {
		loc = locs[p.Index]
	}
	text := p.Text
	if p.Other >= 0 && p.Other < len(locs) {
		other := locs[p.Other]
		// "line 3" rather than the whole location when it is the same
		// file and a line of it (CSV; a JSON item is named by its index).
		ref := other.text
		if other.file == loc.file && other.line > 0 && !strings.Contains(other.text, "[") {
			ref = catalogue.LineN.F(other.line)
		}
		text += catalogue.FirstAt.F(ref)
	}
	return Problem{Where: loc.text, Field: p.Field, Text: text, file: loc.file, line: loc.line}
}

// refuse combines problems found while reading with those of err (an
// *auth.ImportError or nil) into an *Error, in file order. Other errors
// (the database) are returned as they are.
func (im *Import) refuse(read []Problem, err error) error {
	var ie *auth.ImportError
	if err != nil && !errors.As(err, &ie) {
		return err
	}
	ps := slices.Clone(read)
	if ie != nil {
		for _, p := range ie.Problems {
			ps = append(ps, im.locate(p))
		}
	}
	if len(ps) == 0 {
		return nil
	}
	slices.SortStableFunc(ps, func(a, b Problem) int {
		if a.file != b.file {
			return a.file - b.file
		}
		return a.line - b.line
	})
	return &Error{Problems: ps}
}

// Apply checks the import and, if it has no problem, applies it (see
// auth.Store.Apply). On any problem it returns an *Error listing them all
// and changes nothing.
func (im *Import) Apply(ctx context.Context, store *auth.Store, opts auth.ApplyOptions) (*auth.Diff, error) {
	read := im.problems
	if opts.Prune && !im.Whole {
		read = append(slices.Clone(read), Problem{
			Where: "--prune",
			Text:  catalogue.PruneNeedsWhole.F(),
			file:  -1,
		})
	}
	if len(read) > 0 {
		// The content is checked too, so that every problem is reported
		// at once.
		return nil, im.refuse(read, store.CheckImport(ctx, &im.Snapshot, opts))
	}
	d, err := store.Apply(ctx, &im.Snapshot, opts)
	if err != nil {
		return nil, im.refuse(nil, err)
	}
	return d, nil
}

// Summary is the line printed at the end of an import: counts per kind and
// per change, or that nothing changed, e.g.
//
//	accounts: 2 added, 1 disabled, 47 unchanged; sessions: 5 unchanged; enrollments: 3 added, 190 unchanged
func Summary(d *auth.Diff, dryRun bool) string {
	kinds := []auth.Kind{auth.KindAccounts, auth.KindSessions, auth.KindEnrollments}
	if d.Empty() {
		var parts []string
		for _, k := range kinds {
			parts = append(parts, catalogue.KindCount(string(k), d.Counts(k).Unchanged))
		}
		s := catalogue.NothingChanged.F(strings.Join(parts, catalogue.ListSep.F()))
		if dryRun {
			s = catalogue.DryRun.F(s)
		}
		return s
	}
	var parts []string
	for _, k := range kinds {
		c := d.Counts(k)
		var counts []string
		for _, op := range []struct {
			n    int
			name auth.Op
		}{{c.Added, auth.OpAdded}, {c.Changed, auth.OpChanged}, {c.Disabled, auth.OpDisabled}, {c.Hidden, auth.OpHidden}, {c.Removed, auth.OpRemoved}} {
			if op.n > 0 {
				counts = append(counts, catalogue.OpCount(string(k), string(op.name), op.n))
			}
		}
		if c.Unchanged > 0 || len(counts) == 0 {
			counts = append(counts, catalogue.OpCount(string(k), "unchanged", c.Unchanged))
		}
		parts = append(parts, catalogue.KindCounts.F(catalogue.Kind(string(k)), strings.Join(counts, catalogue.ListSep.F())))
	}
	s := strings.Join(parts, catalogue.KindSep.F())
	if dryRun {
		s = catalogue.DryRunNothingWritten.F(s)
	}
	return s
}

// WriteChanges lists the changes of d, one a line:
//
//	account     changed   acme: name, password
//	enrollment  added     S2026-014 trainee T0107
func WriteChanges(w io.Writer, d *auth.Diff) error {
	for _, c := range d.Changes {
		line := catalogue.ChangeLine.F(catalogue.KindOne(string(c.Kind)), catalogue.Op(string(c.Kind), string(c.Op), 1), c.Key)
		if len(c.Fields) > 0 {
			line = catalogue.ChangeFields.F(line, strings.Join(c.Fields, ", "))
		}
		if _, err := fmt.Fprintln(w, line); err != nil {
			return err
		}
	}
	return nil
}

// CSVFiles names the CSV files of an import; "" means not given.
type CSVFiles struct {
	Accounts, Sessions, Enrollments string
}

// ReadCSVFiles reads the CSV files that are named. The error is for files
// that cannot be read; problems of content are kept in the Import.
func ReadCSVFiles(f CSVFiles) (*Import, error) {
	var files [3]File
	for i, path := range []string{f.Accounts, f.Sessions, f.Enrollments} {
		if path == "" {
			continue
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, catalogue.Errorf(catalogue.ReadingFile, path, err)
		}
		files[i] = File{Name: path, Data: data}
	}
	return ReadCSV(files[0], files[1], files[2]), nil
}

// ReadJSONFile reads a JSON import file ("-": standard input).
func ReadJSONFile(path string, stdin io.Reader) (*Import, error) {
	var data []byte
	var err error
	if path == "-" {
		data, err = io.ReadAll(stdin)
		path = catalogue.StandardIn.F()
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, catalogue.Errorf(catalogue.ReadingFile, path, err)
	}
	return ReadJSON(path, data), nil
}

// File is one import file in memory. A nil Data means the file is not
// given.
type File struct {
	Name string
	Data []byte
}

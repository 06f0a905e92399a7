package tmsimport

import (
	"encoding/csv"
	"errors"
	"io"
	"slices"
	"strings"

	"github.com/dossierd/dossierd/auth"
	"github.com/dossierd/dossierd/catalogue"
)

// columns are the fields of each kind, named as in the JSON shape (SPEC
// section 7); CSV headers use the same names.
var columns = map[auth.Kind][]string{
	auth.KindAccounts:    {"login", "role", "ref", "name", "email", "password", "password_hash", "public_keys", "disabled", "expires_at"},
	auth.KindSessions:    {"code", "title", "starts_on", "ends_on", "folder", "hidden"},
	auth.KindEnrollments: {"session", "role", "ref", "client"},
}

// required columns: without them every line would be refused for the same
// reason, which says less than one message about the header.
var required = map[auth.Kind][]string{
	auth.KindAccounts:    {"login", "role"},
	auth.KindSessions:    {"code"},
	auth.KindEnrollments: {"session", "role", "ref"},
}

// keySeparator separates the public keys of one account in a CSV cell; it
// appears neither in key types nor in base64.
const keySeparator = '|'

// ReadCSV reads the CSV files of an import (a File with nil Data is not
// given). Problems are kept in the Import.
func ReadCSV(accounts, sessions, enrollments File) *Import {
	im := newImport()
	im.Whole = accounts.Data != nil && sessions.Data != nil && enrollments.Data != nil
	for i, f := range []File{accounts, sessions, enrollments} {
		if f.Data != nil {
			im.readCSV(i, []auth.Kind{auth.KindAccounts, auth.KindSessions, auth.KindEnrollments}[i], f)
		}
	}
	return im
}

// detectSeparator looks at the header line: French office software
// separates with ';' (',' is the decimal separator there), others with ','.
// The header holds field names only, so whichever occurs more is the one.
func detectSeparator(text string) rune {
	counts := map[rune]int{}
	quoted := false
	for _, r := range text {
		if r == '"' {
			quoted = !quoted
			continue
		}
		if quoted {
			continue
		}
		if r == '\n' || r == '\r' {
			break
		}
		counts[r]++
	}
	if counts[';'] > counts[','] {
		return ';'
	}
	if counts[','] == 0 && counts['\t'] > 0 {
		return '\t'
	}
	return ','
}

func (im *Import) readCSV(fileNo int, kind auth.Kind, f File) {
	fileLoc := location{file: fileNo, text: f.Name}
	text, _, err := decodeText(f.Data)
	if err != nil {
		im.addErr(fileLoc, err)
		return
	}
	sep := detectSeparator(text)
	r := csv.NewReader(strings.NewReader(text))
	r.Comma = sep
	// Lines with a wrong number of fields are reported with the others
	// rather than stopping the reading.
	r.FieldsPerRecord = -1

	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		im.add(fileLoc, "", catalogue.CSVEmpty, strings.Join(columns[kind], string(sep)))
		return
	}
	if err != nil {
		im.csvError(fileNo, f.Name, err)
		return
	}
	headerLoc := location{file: fileNo, line: 1, text: catalogue.AtLine.F(f.Name, 1)}
	cols := map[string]int{}
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(h))
		switch {
		case name == "":
			im.add(headerLoc, "", catalogue.CSVNoName, i+1)
		case !slices.Contains(columns[kind], name):
			im.add(headerLoc, "", catalogue.CSVUnknown, strings.TrimSpace(h), kind, strings.Join(columns[kind], ", "))
		case hasKey(cols, name):
			im.add(headerLoc, "", catalogue.CSVTwice, name)
		default:
			cols[name] = i
		}
	}
	missing := false
	for _, name := range required[kind] {
		if !hasKey(cols, name) {
			im.add(headerLoc, "", catalogue.CSVMissing, name, strings.Join(columns[kind], string(sep)))
			missing = true
		}
	}
	if missing {
		return
	}

	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			// After a quoting mistake the reader cannot tell where the
			// following values start: stop at the first one.
			im.csvError(fileNo, f.Name, err)
			return
		}
		line, _ := r.FieldPos(0)
		if blank(rec) {
			continue // a spreadsheet's trailing ";;;;" lines
		}
		loc := lineLoc(fileNo, f.Name, line)
		if len(rec) != len(header) {
			im.add(loc, "", catalogue.CSVValues, len(rec), len(header), string(sep))
		}
		get := func(col string) (string, bool) {
			i, ok := cols[col]
			if !ok || i >= len(rec) {
				return "", ok
			}
			return rec[i], true
		}
		// Values are trimmed: TMS databases pad fixed-width columns with
		// spaces. Passwords are not: a space may be part of one.
		val := func(col string) string {
			v, _ := get(col)
			return strings.TrimSpace(v)
		}
		boolVal := func(col string) bool {
			v, ok := get(col)
			if !ok {
				return false
			}
			b, good := parseBool(v)
			if !good {
				im.add(loc, col, catalogue.CSVBool, strings.TrimSpace(v))
			}
			return b
		}
		switch kind {
		case auth.KindAccounts:
			a := auth.ImportAccount{
				Login:        val("login"),
				Role:         strings.ToLower(val("role")),
				Ref:          val("ref"),
				Name:         val("name"),
				Email:        val("email"),
				PasswordHash: val("password_hash"),
				Disabled:     boolVal("disabled"),
				ExpiresAt:    val("expires_at"),
			}
			a.Password, _ = get("password")
			if v, ok := get("public_keys"); ok {
				// A column present, even empty, is the truth about keys.
				a.PublicKeysGiven = true
				// One key per line within the cell (Alt+Enter in Excel)
				// is as good as the separator.
				for _, k := range strings.FieldsFunc(v, func(r rune) bool { return r == keySeparator || r == '\n' || r == '\r' }) {
					if k = strings.TrimSpace(k); k != "" {
						a.PublicKeys = append(a.PublicKeys, k)
					}
				}
			}
			im.Snapshot.Accounts = append(im.Snapshot.Accounts, a)
		case auth.KindSessions:
			im.Snapshot.Sessions = append(im.Snapshot.Sessions, auth.Session{
				Code:     val("code"),
				Title:    val("title"),
				StartsOn: val("starts_on"),
				EndsOn:   val("ends_on"),
				Folder:   val("folder"),
				Hidden:   boolVal("hidden"),
			})
		case auth.KindEnrollments:
			im.Snapshot.Enrollments = append(im.Snapshot.Enrollments, auth.Enrollment{
				Session: val("session"),
				Role:    strings.ToLower(val("role")),
				Ref:     val("ref"),
				Client:  val("client"),
			})
		}
		im.where[kind] = append(im.where[kind], loc)
	}
}

// csvError reports a CSV syntax error in words a spreadsheet user knows.
func (im *Import) csvError(fileNo int, name string, err error) {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		im.addErr(location{file: fileNo, text: name}, err)
		return
	}
	line := pe.StartLine
	if line == 0 {
		line = pe.Line
	}
	loc := lineLoc(fileNo, name, line)
	switch {
	case errors.Is(pe.Err, csv.ErrBareQuote):
		im.add(loc, "", catalogue.CSVBareQuote)
	case errors.Is(pe.Err, csv.ErrQuote):
		im.add(loc, "", catalogue.CSVOpenQuote)
	default:
		im.add(loc, "", catalogue.CSVUnreadable, pe.Err)
	}
}

func hasKey(m map[string]int, k string) bool {
	_, ok := m[k]
	return ok
}

func blank(rec []string) bool {
	for _, v := range rec {
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}

// parseBool reads a yes/no cell as office software and French users write
// it (a French Excel exports VRAI and FAUX). Empty is false.
func parseBool(s string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "0", "false", "no", "non", "faux", "n":
		return false, true
	case "1", "true", "yes", "oui", "vrai", "y", "o":
		return true, true
	}
	return false, false
}

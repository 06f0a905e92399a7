package tmsimport

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strings"

	"github.com/dossierd/dossierd/auth"
	"github.com/dossierd/dossierd/catalogue"
)

// ReadJSON reads a JSON import file (SPEC section 7). Problems are kept in
// the Import.
//
// A file without mistakes is decoded in one pass into typed lists, refusing
// unknown fields (a misspelt "expire_at" would otherwise silently clear
// every expiry date). Anything unexpected sends the file to a slower reader
// that goes item by item, since one json.Decode stops at the first wrong
// type and knows no line numbers: it locates each item (its index and the
// line it starts on) and reports every wrong value. The line numbers of a
// good file are only worked out if a problem of content must be located.
func ReadJSON(name string, data []byte) *Import {
	text, _, err := decodeText(data)
	if err != nil {
		im := newImport()
		im.addErr(location{text: name}, err)
		return im
	}
	if im := readJSONFast(name, text); im != nil {
		return im
	}
	return readJSONSlow(name, text)
}

// The items of the JSON shape. Strings are taken as they are here, and
// trimmed by the conversions below, the same for both readers.
type jsonAccount struct {
	Login        string    `json:"login"`
	Role         string    `json:"role"`
	Ref          string    `json:"ref"`
	Name         string    `json:"name"`
	Email        string    `json:"email"`
	Password     string    `json:"password"`
	PasswordHash string    `json:"password_hash"`
	PublicKeys   *[]string `json:"public_keys"` // nil: absent or null, the stored keys stay
	Disabled     bool      `json:"disabled"`
	ExpiresAt    string    `json:"expires_at"`
}

type jsonSession struct {
	Code     string `json:"code"`
	Title    string `json:"title"`
	StartsOn string `json:"starts_on"`
	EndsOn   string `json:"ends_on"`
	Folder   string `json:"folder"`
	Hidden   bool   `json:"hidden"`
}

type jsonEnrollment struct {
	Session string `json:"session"`
	Role    string `json:"role"`
	Ref     string `json:"ref"`
	Client  string `json:"client"`
}

// Identifiers are trimmed (they cannot start or end with a space) and
// roles lower-cased; names, titles and passwords are taken as they are, so
// that an export imports back exactly.
func (a *jsonAccount) auth() auth.ImportAccount {
	out := auth.ImportAccount{
		Login:        strings.TrimSpace(a.Login),
		Role:         strings.ToLower(strings.TrimSpace(a.Role)),
		Ref:          strings.TrimSpace(a.Ref),
		Name:         a.Name,
		Email:        strings.TrimSpace(a.Email),
		Password:     a.Password,
		PasswordHash: strings.TrimSpace(a.PasswordHash),
		Disabled:     a.Disabled,
		ExpiresAt:    strings.TrimSpace(a.ExpiresAt),
	}
	if a.PublicKeys != nil {
		out.PublicKeys, out.PublicKeysGiven = *a.PublicKeys, true
	}
	return out
}

func (s *jsonSession) auth() auth.Session {
	return auth.Session{
		Code:     strings.TrimSpace(s.Code),
		Title:    s.Title,
		StartsOn: strings.TrimSpace(s.StartsOn),
		EndsOn:   strings.TrimSpace(s.EndsOn),
		Folder:   strings.TrimSpace(s.Folder),
		Hidden:   s.Hidden,
	}
}

func (e *jsonEnrollment) auth() auth.Enrollment {
	return auth.Enrollment{
		Session: strings.TrimSpace(e.Session),
		Role:    strings.ToLower(strings.TrimSpace(e.Role)),
		Ref:     strings.TrimSpace(e.Ref),
		Client:  strings.TrimSpace(e.Client),
	}
}

// readJSONFast decodes a well-formed file in one pass, or returns nil at
// the first thing it does not expect.
func readJSONFast(name, text string) *Import {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.DisallowUnknownFields()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil
	}
	im := newImport()
	seen := map[auth.Kind]bool{}
	// Pointers: a null item is a mistake the slow reader reports.
	var accounts []*jsonAccount
	var sessions []*jsonSession
	var enrollments []*jsonEnrollment
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil
		}
		kind := auth.Kind(tok.(string))
		if seen[kind] {
			return nil
		}
		seen[kind] = true
		var list any
		switch kind {
		case auth.KindAccounts:
			list = &accounts
		case auth.KindSessions:
			list = &sessions
		case auth.KindEnrollments:
			list = &enrollments
		default:
			return nil
		}
		// Decoding null leaves the list nil: "sessions": null is no list.
		if err := dec.Decode(list); err != nil {
			return nil
		}
	}
	if _, err := dec.Token(); err != nil { // '}'
		return nil
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil
	}
	for _, a := range accounts {
		if a == nil {
			return nil
		}
		im.Snapshot.Accounts = append(im.Snapshot.Accounts, a.auth())
	}
	for _, s := range sessions {
		if s == nil {
			return nil
		}
		im.Snapshot.Sessions = append(im.Snapshot.Sessions, s.auth())
	}
	for _, e := range enrollments {
		if e == nil {
			return nil
		}
		im.Snapshot.Enrollments = append(im.Snapshot.Enrollments, e.auth())
	}
	im.Whole = accounts != nil && sessions != nil && enrollments != nil
	im.lazyWhere = func() map[auth.Kind][]location {
		// The slow reader finds the same items in the same order.
		return readJSONSlow(name, text).where
	}
	return im
}

// readJSONSlow reads the file item by item and reports every problem.
func readJSONSlow(name, text string) *Import {
	im := newImport()
	fileLoc := location{text: name}
	lines := newLineCounter(text)
	dec := json.NewDecoder(strings.NewReader(text))
	syntax := func(err error) {
		var se *json.SyntaxError
		switch {
		case errors.As(err, &se):
			line := lines.at(int(se.Offset))
			im.add(lineLoc(0, name, line), "", catalogue.JSONInvalid, se)
		case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
			im.add(fileLoc, "", catalogue.JSONShort)
		default:
			im.add(fileLoc, "", catalogue.JSONInvalid, err)
		}
	}
	tok, err := dec.Token()
	if err != nil {
		syntax(err)
		return im
	}
	if tok != json.Delim('{') {
		im.add(fileLoc, "", catalogue.JSONNotObject)
		return im
	}
	seen := map[auth.Kind]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			syntax(err)
			return im
		}
		key, _ := tok.(string)
		kind := auth.Kind(key)
		if _, known := columns[kind]; !known || seen[kind] {
			line := lines.at(int(dec.InputOffset()))
			loc := lineLoc(0, name, line)
			if seen[kind] {
				im.add(loc, "", catalogue.JSONListTwice, key)
			} else {
				im.add(loc, "", catalogue.JSONListUnknown, key)
			}
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				syntax(err)
				return im
			}
			continue
		}
		start := int(dec.InputOffset())
		tok, err = dec.Token()
		if err != nil {
			syntax(err)
			return im
		}
		if tok == nil {
			continue // "sessions": null is no list at all (Whole stays false)
		}
		seen[kind] = true
		if tok != json.Delim('[') {
			line := lines.at(start)
			im.add(lineLoc(0, name, line), "", catalogue.JSONNotList, key)
			return im
		}
		for i := 0; dec.More(); i++ {
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				syntax(err)
				return im
			}
			// RawMessage holds the value's exact bytes, so it started
			// len(raw) bytes before where the decoder is now.
			line := lines.at(int(dec.InputOffset()) - len(raw))
			loc := location{line: line, text: catalogue.AtItem.F(name, kind, i, line)}
			im.jsonItem(kind, loc, raw)
		}
		if _, err := dec.Token(); err != nil { // ']'
			syntax(err)
			return im
		}
	}
	if _, err := dec.Token(); err != nil { // '}'
		syntax(err)
		return im
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		line := lines.at(int(dec.InputOffset()))
		im.add(lineLoc(0, name, line), "", catalogue.JSONTrailing)
	}
	im.Whole = seen[auth.KindAccounts] && seen[auth.KindSessions] && seen[auth.KindEnrollments]
	return im
}

// jsonItem reads one item of a list. It is appended (with what could be
// read) even when a field is wrong, so that the content checks that follow
// do not report, say, enrollments of an account whose name was wrong.
// Items are located through im.where, so their index in the snapshot need
// not be their index in the file.
func (im *Import) jsonItem(kind auth.Kind, loc location, raw json.RawMessage) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		// Left out of the snapshot: its "missing" login or session
		// would only repeat this problem.
		im.add(loc, "", catalogue.JSONItemObject, shortJSON(raw))
		return
	}
	for _, k := range sortedKeys(obj) {
		if !slices.Contains(columns[kind], k) {
			im.add(loc, "", catalogue.JSONFieldUnknown, k, kind, strings.Join(columns[kind], ", "))
		}
	}
	str := func(field string) string {
		v, ok := obj[field]
		if !ok || string(v) == "null" {
			return ""
		}
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			im.add(loc, field, catalogue.JSONText, shortJSON(v))
			return ""
		}
		return s
	}
	boolean := func(field string) bool {
		v, ok := obj[field]
		if !ok || string(v) == "null" {
			return false
		}
		var b bool
		if err := json.Unmarshal(v, &b); err != nil {
			im.add(loc, field, catalogue.JSONBool, shortJSON(v))
		}
		return b
	}
	switch kind {
	case auth.KindAccounts:
		a := jsonAccount{
			Login: str("login"), Role: str("role"), Ref: str("ref"), Name: str("name"), Email: str("email"),
			Password: str("password"), PasswordHash: str("password_hash"),
			Disabled: boolean("disabled"), ExpiresAt: str("expires_at"),
		}
		if v, ok := obj["public_keys"]; ok && string(v) != "null" {
			var keys []string
			if err := json.Unmarshal(v, &keys); err != nil {
				im.add(loc, "public_keys", catalogue.JSONKeys, shortJSON(v))
			}
			a.PublicKeys = &keys
		}
		im.Snapshot.Accounts = append(im.Snapshot.Accounts, a.auth())
	case auth.KindSessions:
		s := jsonSession{
			Code: str("code"), Title: str("title"), StartsOn: str("starts_on"), EndsOn: str("ends_on"),
			Folder: str("folder"), Hidden: boolean("hidden"),
		}
		im.Snapshot.Sessions = append(im.Snapshot.Sessions, s.auth())
	case auth.KindEnrollments:
		e := jsonEnrollment{Session: str("session"), Role: str("role"), Ref: str("ref"), Client: str("client")}
		im.Snapshot.Enrollments = append(im.Snapshot.Enrollments, e.auth())
	}
	im.where[kind] = append(im.where[kind], loc)
}

func sortedKeys(m map[string]json.RawMessage) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// shortJSON shows a wrong value in a message, cut if long.
func shortJSON(v json.RawMessage) string {
	s := string(bytes.Join(bytes.Fields(v), []byte(" ")))
	if len(s) > 40 {
		s = s[:37] + "..."
	}
	return s
}

// lineCounter maps byte offsets to line numbers; offsets asked for mostly
// grow, so it counts forward from the last one.
type lineCounter struct {
	text      string
	off, line int
}

func newLineCounter(text string) *lineCounter { return &lineCounter{text: text, line: 1} }

func (c *lineCounter) at(off int) int {
	off = max(0, min(off, len(c.text)))
	if off < c.off {
		c.off, c.line = 0, 1
	}
	c.line += strings.Count(c.text[c.off:off], "\n")
	c.off = off
	return c.line
}

// The export shape: the import's, without secrets. Lists are never null,
// and public_keys is always there, so that importing an export replaces
// keys exactly (an account without keys exports "public_keys": []).
type exportFile struct {
	Accounts    []exportAccount    `json:"accounts"`
	Sessions    []exportSession    `json:"sessions"`
	Enrollments []exportEnrollment `json:"enrollments"`
}

type exportAccount struct {
	Login      string   `json:"login"`
	Role       string   `json:"role"`
	Ref        string   `json:"ref"`
	Name       string   `json:"name"`
	Email      string   `json:"email"`
	PublicKeys []string `json:"public_keys"`
	Disabled   bool     `json:"disabled"`
	ExpiresAt  string   `json:"expires_at"`
}

type exportSession struct {
	Code     string `json:"code"`
	Title    string `json:"title"`
	StartsOn string `json:"starts_on"`
	EndsOn   string `json:"ends_on"`
	Folder   string `json:"folder"`
	// Hidden is not in SPEC's shape; it is written only when true, for
	// the sessions a --prune hid, so that the round trip keeps them hidden.
	Hidden bool `json:"hidden,omitempty"`
}

type exportEnrollment struct {
	Session string `json:"session"`
	Role    string `json:"role"`
	Ref     string `json:"ref"`
	// Client is written for the trainees whose client is known only.
	Client string `json:"client,omitempty"`
}

// Export writes the directory to w in the import's JSON shape, without
// passwords or hashes: importing it back changes nothing.
// listOf writes a missing list as [], which readers of the JSON expect.
func listOf(keys []string) []string {
	if keys == nil {
		return []string{}
	}
	return keys
}

// ListedAccount is an account as `dossierd account list --json` and the
// API's GET /accounts show it: the export's fields (no secret), and
// whether it has a password.
type ListedAccount struct {
	exportAccount
	HasPassword bool `json:"has_password"`
}

// ListedSession is a session as `dossierd session list --json` and the
// API show it: the import's shape as it is read, hidden always written.
type ListedSession jsonSession

// List is a's ListedAccount.
func List(a auth.Account) ListedAccount {
	return ListedAccount{exportAccount{a.Login, a.Role, a.Ref, a.Name, a.Email, listOf(a.PublicKeys), a.Disabled, a.ExpiresAt}, a.PasswordHash != ""}
}

func Export(ctx context.Context, store *auth.Store, w io.Writer) error {
	snap, err := store.Export(ctx)
	if err != nil {
		return err
	}
	out := exportFile{
		Accounts:    make([]exportAccount, 0, len(snap.Accounts)),
		Sessions:    make([]exportSession, 0, len(snap.Sessions)),
		Enrollments: make([]exportEnrollment, 0, len(snap.Enrollments)),
	}
	for _, a := range snap.Accounts {
		out.Accounts = append(out.Accounts, exportAccount{a.Login, a.Role, a.Ref, a.Name, a.Email, listOf(a.PublicKeys), a.Disabled, a.ExpiresAt})
	}
	for _, s := range snap.Sessions {
		out.Sessions = append(out.Sessions, exportSession(s))
	}
	for _, e := range snap.Enrollments {
		out.Enrollments = append(out.Enrollments, exportEnrollment(e))
	}
	enc := json.NewEncoder(w)
	// Names such as "Dupont & Fils" stay readable.
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

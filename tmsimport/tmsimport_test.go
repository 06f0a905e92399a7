package tmsimport

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/dossierd/dossierd/auth"
	"github.com/dossierd/dossierd/names"
	"github.com/dossierd/dossierd/vfs"
)

const (
	key1 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPzizaHxC/pYkOZrtiga92x8u8ZZBkV7CGfGq61Lwno8 sg@poste"
	key2 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKe9W5TIeHZW+Oot/g3z2vn0Sz+9cbRzw5wmjy7BaiX+ sg@portable"
	hash = "$2a$10$LWoH5H2eymLTDXPfFbWgo.rVkGLz4V3wVAN6QomUsYB4rDJwdBmCG"
)

// directory is a store and storage root as the daemon opens them, with the
// default filename policy.
type directory struct {
	store   *auth.Store
	storage *vfs.Storage
}

func openDirectory(t *testing.T) directory {
	t.Helper()
	dir := t.TempDir()
	storage, err := vfs.OpenStorage(filepath.Join(dir, "storage"), "FTPDOSSIERPERSO", vfs.DefaultUmask)
	if err != nil {
		t.Fatal(err)
	}
	store, err := auth.Open(filepath.Join(dir, "dossierd.db"), auth.Options{Layout: storage, CheckName: names.Default().Check})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close(); storage.Close() })
	return directory{store, storage}
}

func (d directory) generation(t *testing.T) int64 {
	t.Helper()
	g, err := d.store.Generation(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func readFixture(t *testing.T, dir string) *Import {
	t.Helper()
	im, err := ReadCSVFiles(CSVFiles{
		Accounts:    filepath.Join("testdata", dir, "accounts.csv"),
		Sessions:    filepath.Join("testdata", dir, "sessions.csv"),
		Enrollments: filepath.Join("testdata", dir, "enrollments.csv"),
	})
	if err != nil {
		t.Fatal(err)
	}
	return im
}

func apply(t *testing.T, d directory, im *Import, opts auth.ApplyOptions) *auth.Diff {
	t.Helper()
	diff, err := im.Apply(context.Background(), d.store, opts)
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	return diff
}

// The fixtures hold the same directory twice: in Windows-1252 with ';',
// CRLF and two keys on two lines of one quoted cell, and in UTF-8 with a
// BOM, ',' and the keys separated by '|'. Both have names with accents and
// quoted values containing ';' and ','.
func TestCSVFixturesReadAlike(t *testing.T) {
	cp := readFixture(t, "cp1252")
	utf := readFixture(t, "utf8bom")
	if len(cp.problems) > 0 || len(utf.problems) > 0 {
		t.Fatalf("problems: %v / %v", cp.problems, utf.problems)
	}
	if !reflect.DeepEqual(cp.Snapshot, utf.Snapshot) {
		t.Errorf("Windows-1252 and UTF-8 files read differently:\n%+v\n%+v", cp.Snapshot, utf.Snapshot)
	}
	if !cp.Whole {
		t.Error("three CSV files are not a whole import")
	}
	a := cp.Snapshot.Accounts
	if len(a) != 4 { // the blank ";;;;" line is skipped
		t.Fatalf("%d accounts, want 4", len(a))
	}
	want := auth.ImportAccount{Login: "sgf", Role: "client", Ref: "C0100", Name: "Société Générale Formation",
		PasswordHash: hash, PublicKeys: []string{key1, key2}, PublicKeysGiven: true, ExpiresAt: "2027-06-30"}
	if !reflect.DeepEqual(a[0], want) {
		t.Errorf("account 0 = %+v\nwant %+v", a[0], want)
	}
	if a[1].Name != "Dupont; Fils & Cie, Lyon" || a[2].Name != "Hélène Lefèvre" || a[3].Name != "François Garçon" || !a[3].Disabled {
		t.Errorf("accounts = %+v", a)
	}
	if s := cp.Snapshot.Sessions[0]; s.Title != "Sécurité incendie, niveau 1; « pratique »" || s.Folder != "S2026-100 Securite incendie" {
		t.Errorf("session 0 = %+v", s)
	}
	// Locations: the first account's record spans lines 2 and 3.
	if got := []string{cp.where[auth.KindAccounts][0].text, cp.where[auth.KindAccounts][1].text}; !reflect.DeepEqual(got,
		[]string{filepath.Join("testdata", "cp1252", "accounts.csv") + " line 2", filepath.Join("testdata", "cp1252", "accounts.csv") + " line 4"}) {
		t.Errorf("locations %q", got)
	}
}

// "Société Générale Formation" goes in from a Windows-1252 CSV, out through
// export, back in through import, and nothing changes.
func TestWindows1252RoundTrip(t *testing.T) {
	ctx := context.Background()
	d := openDirectory(t)
	diff := apply(t, d, readFixture(t, "cp1252"), auth.ApplyOptions{})
	if got := Summary(diff, false); got != "accounts: 4 added; sessions: 2 added; enrollments: 4 added" {
		t.Errorf("summary %q", got)
	}
	a, err := d.store.Account(ctx, "sgf")
	if err != nil {
		t.Fatal(err)
	}
	if a.Name != "Société Générale Formation" || a.PasswordHash != hash || !reflect.DeepEqual(a.PublicKeys, []string{key1, key2}) {
		t.Errorf("sgf = %+v", a)
	}
	for _, dir := range []string{"clients/C0100", "stagiaires/T0200", "intervenants/F0300",
		"sessions/S2026-100/commun-clients", "sessions/S2026-100/clients/C0100", "sessions/S2026-100/stagiaires/T0200",
		"sessions/S2026-100/intervenants/F0300", "sessions/S2026-101/clients/C0101"} {
		if fi, err := os.Stat(filepath.Join(d.storage.Path(), dir)); err != nil || !fi.IsDir() {
			t.Errorf("folder %s: %v", dir, err)
		}
	}

	gen := d.generation(t)
	var out bytes.Buffer
	if err := Export(ctx, d.store, &out); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{`"name": "Société Générale Formation"`, `"name": "Dupont; Fils & Cie, Lyon"`, `"title": "Sécurité incendie, niveau 1; « pratique »"`, key2} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("export lacks %s:\n%s", s, out.String())
		}
	}
	if strings.Contains(out.String(), "$2a$") || strings.Contains(out.String(), "password") {
		t.Errorf("export carries a secret:\n%s", out.String())
	}
	im := ReadJSON("export.json", out.Bytes())
	diff = apply(t, d, im, auth.ApplyOptions{Prune: true})
	if !diff.Empty() {
		t.Errorf("export -> import changed %v", diff.Changes)
	}
	if got := Summary(diff, false); got != "nothing changed: 4 accounts, 2 sessions, 4 enrollments already up to date" {
		t.Errorf("summary %q", got)
	}
	// The CSV files again, and the UTF-8 ones: nothing either.
	for _, dir := range []string{"cp1252", "utf8bom"} {
		if diff := apply(t, d, readFixture(t, dir), auth.ApplyOptions{Prune: true}); !diff.Empty() {
			t.Errorf("%s re-import changed %v", dir, diff.Changes)
		}
	}
	if g := d.generation(t); g != gen {
		t.Errorf("generation moved %d -> %d", gen, g)
	}
	var again bytes.Buffer
	if err := Export(ctx, d.store, &again); err != nil {
		t.Fatal(err)
	}
	if again.String() != out.String() {
		t.Error("the export changed after importing it")
	}
}

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func problemLines(t *testing.T, err error) []string {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T), want *tmsimport.Error", err, err)
	}
	var out []string
	for _, p := range e.Problems {
		out = append(out, p.String())
	}
	return out
}

func TestCSVProblemsNameFileLineAndField(t *testing.T) {
	ctx := context.Background()
	d := openDirectory(t)
	apply(t, d, ReadJSON("seed.json", []byte(`{"accounts": [{"login": "stored", "role": "trainee", "ref": "T-STORED"}]}`)), auth.ApplyOptions{})
	gen := d.generation(t)

	dir := writeFiles(t, map[string]string{
		"accounts.csv": "login;role;ref;name;password;password_hash;public_keys;expires_at;disabled\r\n" +
			"acme;client;C0042;ACME;;;;;\r\n" +
			"ACME;client;C0043;Duplicate;;;;;\r\n" +
			"bob;teacher;B1;Bob;;;;;\r\n" +
			"eve;client;Société;Eve;;;;;\r\n" +
			"joe;trainee;T1;\"Joe\r\nMulti\";secret;" + hash + ";;;\r\n" +
			"kim;client;C0044;Kim;;$6$salt$x;ssh-ed25519 AAAA;31/12/2026;peut-être\r\n",
		"sessions.csv": "code,title,starts_on,ends_on,folder,colour\n" +
			"S1,Un,2026-01-01,2026-01-02,Dossier l'été,\n" +
			"s1,Deux,,,,\n" +
			"S3,Trois,2026-02-30,,,\n" +
			"S4,Quatre,2026-03-04,2026-03-02,CON,\n",
		"enrollments.csv": "session;role;ref\n" +
			"S9;client;C0042\n" +
			"S1;trainee;T404\n" +
			"S1;staff;X\n" +
			"S1;client;C/42\n" +
			"S1;client\n" +
			"S1;trainee;T-STORED\n",
	})
	im, err := ReadCSVFiles(CSVFiles{
		Accounts:    filepath.Join(dir, "accounts.csv"),
		Sessions:    filepath.Join(dir, "sessions.csv"),
		Enrollments: filepath.Join(dir, "enrollments.csv"),
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = im.Apply(ctx, d.store, auth.ApplyOptions{})
	a, s, e := filepath.Join(dir, "accounts.csv"), filepath.Join(dir, "sessions.csv"), filepath.Join(dir, "enrollments.csv")
	want := []string{
		a + ` line 3: login "ACME" appears twice, ignoring case (first at line 2)`,
		a + ` line 4: role "teacher" is not one of client, trainee, trainer, staff`,
		a + ` line 5: ref "Société" refused: the character "é" is not allowed (use letters, digits, spaces and - _ . ( )); try "Societe"`,
		a + ` line 6: name "Joe\nMulti" must not contain control characters`,
		a + ` line 6: password and password_hash are both given; give only one`,
		a + ` line 8: disabled "peut-être" is not a yes/no value (write true or false, 1 or 0, oui or non)`,
		a + ` line 8: password_hash has unsupported format "$6$" (supported: $argon2id$, $2a$, $2b$, $2y$)`,
		a + ` line 8: public_keys "ssh-ed25519 AAAA": has invalid key data`,
		a + ` line 8: expires_at "31/12/2026" is not a date of the form YYYY-MM-DD (write 2026-12-31)`,
		s + ` line 1: unknown column "colour" (the columns of the sessions file are code, title, starts_on, ends_on, folder, hidden)`,
		s + ` line 2: folder "Dossier l'été" refused: the character "'" is not allowed (use letters, digits, spaces and - _ . ( )); try "Dossier l ete"`,
		s + ` line 3: code "s1" appears twice, ignoring case (first at line 2)`,
		s + ` line 4: starts_on "2026-02-30" is not a date of the form YYYY-MM-DD`,
		s + ` line 5: folder "CON" refused: "CON" is a reserved name on Windows; try "CON_"`,
		s + ` line 5: ends_on "2026-03-02" is before starts_on "2026-03-04"`,
		e + ` line 2: session "S9" is neither in the file nor in the directory`,
		e + ` line 3: ref "T404" has no trainee account, neither in the file nor in the directory`,
		e + ` line 4: role "staff" cannot be enrolled (only client, trainee, trainer)`,
		e + ` line 5: ref "C/42" must not contain "/"`,
		e + ` line 6: has 2 values but the first line names 3 columns (a value containing ";" must be put in double quotes)`,
		e + ` line 6: ref is required`,
	}
	got := problemLines(t, err)
	if len(got) != len(want) {
		t.Errorf("%d problems, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	for i := range min(len(got), len(want)) {
		// Key parsing's detail comes from x/crypto; the rest is ours.
		if got[i] != want[i] && !(strings.Contains(want[i], "invalid key data") && strings.HasPrefix(got[i], want[i])) {
			t.Errorf("problem %d:\n got %s\nwant %s", i, got[i], want[i])
		}
	}
	if msg := err.Error(); !strings.HasPrefix(msg, "import refused, the directory was not changed (21 problems):\n  "+want[0]) {
		t.Errorf("message starts %q", msg[:min(len(msg), 200)])
	}
	if g := d.generation(t); g != gen {
		t.Errorf("a refused import moved the generation %d -> %d", gen, g)
	}
	if accts, _ := d.store.Accounts(ctx); len(accts) != 1 {
		t.Errorf("a refused import stored accounts: %d", len(accts))
	}
	if _, err := os.Stat(filepath.Join(d.storage.Path(), "clients", "C0042")); !os.IsNotExist(err) {
		t.Errorf("a refused import created folders: %v", err)
	}
}

func TestCSVStructureProblems(t *testing.T) {
	cases := []struct {
		name, accounts, want string
	}{
		{"empty", "", `accounts.csv: the file is empty; its first line must name the columns (login,role,ref,name,email,password,password_hash,public_keys,disabled,expires_at)`},
		{"missing column", "login;name\nacme;ACME\n", `accounts.csv line 1: the column "role" is missing (the first line must name the columns: login;role;ref;name;email;password;password_hash;public_keys;disabled;expires_at)`},
		{"bare quote", "login;role;ref;name\nacme;client;C1;12\" screens\n", `accounts.csv line 2: a value contains a double quote (") but does not start with one: put the whole value in double quotes and double the quotes inside (""); the rest of the file was not read`},
		{"unclosed quote", "login;role;ref;name\nacme;client;C1;\"ACME\nbob;client;C2;Bob\n", `accounts.csv line 2: a value in double quotes starting on this line is not closed, or its closing quote is followed by other characters; the rest of the file was not read`},
		{"duplicate column", "login;role;Login\n", `accounts.csv line 1: column "login" appears twice`},
		{"unknown encoding", "login;role;ref;name\nacme;client;C1;\x81\n", `accounts.csv: the file is neither UTF-8 nor Windows-1252 (byte 0x81 on line 2); save it as "CSV UTF-8"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			im := ReadCSV(File{Name: "accounts.csv", Data: []byte(tc.accounts)}, File{}, File{})
			if len(im.problems) == 0 || im.problems[0].String() != tc.want {
				t.Errorf("problems %v\nwant %s", im.problems, tc.want)
			}
		})
	}
}

func TestJSONProblems(t *testing.T) {
	d := openDirectory(t)
	doc := `{
  "accounts": [
    {"login": "acme", "role": "client", "ref": "C0042"},
    {"login": "bob", "role": "Client", "ref": 42, "disabled": "yes", "pasword": "x"},
    "oops",
    {"login": "kim", "role": "trainee", "ref": "T1", "public_keys": "ssh-ed25519 AAAA"}
  ],
  "sessions": [{"code": "S1", "starts_on": "2026-13-01"}],
  "enrollments": [{"session": "S1", "role": "client", "ref": "C0042"}, {"session": "S1", "role": "trainee", "ref": "T2"}],
  "extra": []
}`
	_, err := ReadJSON("directory.json", []byte(doc)).Apply(context.Background(), d.store, auth.ApplyOptions{})
	want := []string{
		`directory.json accounts[1] (line 4): unknown field "pasword" (the fields of accounts are login, role, ref, name, email, password, password_hash, public_keys, disabled, expires_at)`,
		`directory.json accounts[1] (line 4): ref must be text in double quotes, not 42`,
		`directory.json accounts[1] (line 4): disabled must be true or false, not "yes"`,
		`directory.json accounts[1] (line 4): ref is required for a client account`,
		`directory.json accounts[2] (line 5): must be an object {...}, not "oops"`,
		`directory.json accounts[3] (line 6): public_keys must be a list of keys ["ssh-ed25519 AAAA... comment"], not "ssh-ed25519 AAAA"`,
		`directory.json sessions[0] (line 8): starts_on "2026-13-01" is not a date of the form YYYY-MM-DD`,
		`directory.json enrollments[1] (line 9): ref "T2" has no trainee account, neither in the file nor in the directory`,
		`directory.json line 10: unknown list "extra" (the lists are accounts, sessions, enrollments)`,
	}
	if got := problemLines(t, err); !reflect.DeepEqual(got, want) {
		t.Errorf("problems:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	for _, tc := range []struct{ doc, want string }{
		{"{\n  \"accounts\": [\n    {\"login\": \"a\",}\n  ]\n}", `d.json line 3: is not valid JSON: invalid character '}' looking for beginning of object key string`},
		{`{"accounts": [`, `d.json: ends too early (is it complete?)`},
		{`[]`, `d.json: must be a JSON object: {"accounts": [...], "sessions": [...], "enrollments": [...]}`},
		{`{"accounts": {}}`, `d.json line 1: "accounts" must be a list [...]`},
		{`{"accounts": []} {}`, `d.json line 1: has something after the end of the JSON object`},
	} {
		im := ReadJSON("d.json", []byte(tc.doc))
		if len(im.problems) != 1 || im.problems[0].String() != tc.want {
			t.Errorf("%s: problems %v\nwant %s", tc.doc, im.problems, tc.want)
		}
	}
}

func TestPruneNeedsTheWholeDirectory(t *testing.T) {
	d := openDirectory(t)
	for _, im := range []*Import{
		ReadCSV(File{Name: "a.csv", Data: []byte("login;role\nboss;staff\n")}, File{}, File{}),
		ReadJSON("d.json", []byte(`{"accounts": [{"login": "boss", "role": "staff"}], "sessions": []}`)),
		ReadJSON("d.json", []byte(`{"accounts": [], "sessions": [], "enrollments": null}`)),
	} {
		_, err := im.Apply(context.Background(), d.store, auth.ApplyOptions{Prune: true})
		if got := problemLines(t, err); len(got) != 1 || !strings.HasPrefix(got[0], "--prune: needs the whole directory") {
			t.Errorf("problems %q", got)
		}
	}
	im := ReadJSON("d.json", []byte(`{"accounts": [], "sessions": [], "enrollments": []}`))
	if !im.Whole {
		t.Error("three empty lists are a whole (empty) directory")
	}
}

func TestDecodeText(t *testing.T) {
	utf16 := []byte{0xFF, 0xFE}
	for _, r := range "login;name\r\nsgf;Société\r\n" {
		utf16 = append(utf16, byte(r), byte(r>>8))
	}
	cases := []struct {
		in       []byte
		text, as string
	}{
		{[]byte("Soci\xe9t\xe9 G\xe9n\xe9rale \x80"), "Société Générale €", "Windows-1252"},
		{[]byte("\xef\xbb\xbfSociété"), "Société", "UTF-8 with BOM"},
		{[]byte("Société"), "Société", "UTF-8"},
		{[]byte("plain"), "plain", "UTF-8"},
		{utf16, "login;name\r\nsgf;Société\r\n", "UTF-16"},
	}
	for _, tc := range cases {
		text, as, err := decodeText(tc.in)
		if err != nil || text != tc.text || as != tc.as {
			t.Errorf("decodeText(%q) = %q, %s, %v; want %q, %s", tc.in, text, as, err, tc.text, tc.as)
		}
	}
}

func TestDetectSeparator(t *testing.T) {
	for in, want := range map[string]rune{
		"login;role;ref\na,b;c":    ';',
		"login,role,ref\r\na;b,c":  ',',
		`"a;b",c` + "\n":           ',',
		"login\trole\n":            '\t',
		"login\n":                  ',',
		`"login";"role";"name, x"`: ';',
	} {
		if got := detectSeparator(in); got != want {
			t.Errorf("detectSeparator(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSummaryAndChanges(t *testing.T) {
	d := &auth.Diff{
		Accounts:    auth.Counts{Added: 2, Disabled: 1, Unchanged: 47},
		Sessions:    auth.Counts{Hidden: 1},
		Enrollments: auth.Counts{Added: 3, Removed: 2, Unchanged: 190},
		Changes: []auth.Change{
			{Kind: auth.KindAccounts, Op: auth.OpChanged, Key: "acme", Fields: []string{"name", "password"}},
			{Kind: auth.KindEnrollments, Op: auth.OpAdded, Key: "S2026-014 trainee T0107"},
		},
	}
	if got, want := Summary(d, false), "accounts: 2 added, 1 disabled, 47 unchanged; sessions: 1 hidden; enrollments: 3 added, 2 removed, 190 unchanged"; got != want {
		t.Errorf("Summary = %q\nwant %q", got, want)
	}
	if got := Summary(d, true); !strings.HasPrefix(got, "dry run, nothing was written: accounts: 2 added") {
		t.Errorf("dry Summary = %q", got)
	}
	if got := Summary(&auth.Diff{}, true); got != "dry run: nothing changed: 0 accounts, 0 sessions, 0 enrollments already up to date" {
		t.Errorf("empty dry Summary = %q", got)
	}
	var b bytes.Buffer
	if err := WriteChanges(&b, d); err != nil {
		t.Fatal(err)
	}
	if want := "account     changed   acme: name, password\nenrollment  added     S2026-014 trainee T0107\n"; b.String() != want {
		t.Errorf("WriteChanges:\n%s\nwant\n%s", b.String(), want)
	}
}

// A well-formed file is read by the fast reader; the slow one (used when
// anything is wrong) must read it the same way, and locate its items when
// the content has a problem.
func TestJSONReadersAgree(t *testing.T) {
	doc := `{
  "accounts": [
    {"login": " acme ", "role": "Client", "ref": "C0042", "name": " ACME ", "password": " pw ", "disabled": true, "expires_at": "2027-01-01"},
    {"login": "keys", "role": "staff", "public_keys": [], "password_hash": null},
    {"login": "nokeys", "role": "staff", "public_keys": null},
    {"login": "bob", "role": "teacher"}
  ],
  "sessions": [{"code": "S1", "title": " Un ", "hidden": true, "folder": null}],
  "enrollments": [{"session": "S1", "role": "CLIENT", "ref": "C0042"}]
}`
	fast := readJSONFast("d.json", doc)
	if fast == nil {
		t.Fatal("the fast reader refused a good file")
	}
	slow := readJSONSlow("d.json", doc)
	if len(slow.problems) > 0 || !reflect.DeepEqual(fast.Snapshot, slow.Snapshot) || fast.Whole != slow.Whole || !fast.Whole {
		t.Errorf("readers disagree:\nfast %+v\nslow %+v %v", fast.Snapshot, slow.Snapshot, slow.problems)
	}
	a := fast.Snapshot.Accounts
	if a[0].Login != "acme" || a[0].Role != "client" || a[0].Name != " ACME " || a[0].Password != " pw " ||
		!a[1].PublicKeysGiven || a[1].PublicKeys == nil || a[2].PublicKeysGiven {
		t.Errorf("accounts %+v", a)
	}
	_, err := ReadJSON("d.json", []byte(doc)).Apply(context.Background(), openDirectory(t).store, auth.ApplyOptions{})
	if got := problemLines(t, err); !reflect.DeepEqual(got, []string{`d.json accounts[3] (line 6): role "teacher" is not one of client, trainee, trainer, staff`}) {
		t.Errorf("problems %q", got)
	}
	for _, bad := range []string{
		`{"accounts": [null]}`, `{"accounts": [], "accounts": []}`, `{"accounts": [{"login": "a", "x": 1}]}`,
		`{"accounts": [{"login": 1}]}`, `{"other": []}`, `{"accounts": []} x`, `[]`,
	} {
		if readJSONFast("d.json", bad) != nil {
			t.Errorf("the fast reader accepted %s", bad)
		}
	}
}

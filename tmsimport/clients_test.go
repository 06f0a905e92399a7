package tmsimport

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/dossierd/dossierd/auth"
)

// The email of accounts and the client of trainees' enrollments, read
// from JSON and CSV alike, written back by the export.
func TestClientAndEmailFields(t *testing.T) {
	ctx := context.Background()
	doc := `{"accounts": [
 {"login": "acme", "role": "client", "ref": "C1", "email": " contact@acme.example.org "},
 {"login": "jdupont", "role": "trainee", "ref": "T1", "email": "jeanne@example.org"},
 {"login": "kbenali", "role": "trainee", "ref": "T2"}
],
"sessions": [{"code": "S1"}],
"enrollments": [
 {"session": "S1", "role": "client", "ref": "C1"},
 {"session": "S1", "role": "trainee", "ref": "T1", "client": "C1"},
 {"session": "S1", "role": "trainee", "ref": "T2"}
]}`
	fromJSON := ReadJSON("tms.json", []byte(doc))
	dir := writeFiles(t, map[string]string{
		"accounts.csv":    "login;role;ref;email\nacme;client;C1; contact@acme.example.org\njdupont;trainee;T1;jeanne@example.org\nkbenali;trainee;T2;\n",
		"sessions.csv":    "code\nS1\n",
		"enrollments.csv": "session;role;ref;client\nS1;client;C1;\nS1;trainee;T1;C1\nS1;trainee;T2;\n",
	})
	fromCSV, err := ReadCSVFiles(CSVFiles{filepath.Join(dir, "accounts.csv"), filepath.Join(dir, "sessions.csv"), filepath.Join(dir, "enrollments.csv")})
	if err != nil {
		t.Fatal(err)
	}
	// CSV leaves public_keys absent (no column): the JSON has none either.
	if !reflect.DeepEqual(fromJSON.Snapshot, fromCSV.Snapshot) {
		t.Errorf("JSON and CSV read differently:\n%+v\n%+v", fromJSON.Snapshot, fromCSV.Snapshot)
	}
	if a := fromJSON.Snapshot.Accounts[0]; a.Email != "contact@acme.example.org" {
		t.Errorf("email %q, want it trimmed", a.Email)
	}
	if e := fromJSON.Snapshot.Enrollments[1]; e.Client != "C1" {
		t.Errorf("enrollment %+v", e)
	}

	d := openDirectory(t)
	apply(t, d, fromJSON, auth.ApplyOptions{})
	if diff := apply(t, d, fromCSV, auth.ApplyOptions{}); !diff.Empty() {
		t.Errorf("the same directory in CSV changed something: %v", diff.Changes)
	}
	var out bytes.Buffer
	if err := Export(ctx, d.store, &out); err != nil {
		t.Fatal(err)
	}
	var exported struct {
		Accounts    []map[string]any `json:"accounts"`
		Enrollments []map[string]any `json:"enrollments"`
	}
	if err := json.Unmarshal(out.Bytes(), &exported); err != nil {
		t.Fatal(err)
	}
	if exported.Accounts[1]["email"] != "jeanne@example.org" || exported.Accounts[2]["email"] != "" {
		t.Errorf("exported accounts %v", exported.Accounts)
	}
	if exported.Enrollments[1]["client"] != "C1" {
		t.Errorf("exported enrollments %v", exported.Enrollments)
	}
	if _, ok := exported.Enrollments[0]["client"]; ok {
		t.Errorf("a client's enrollment exports a client: %v", exported.Enrollments[0])
	}
	if diff := apply(t, d, ReadJSON("export.json", out.Bytes()), auth.ApplyOptions{}); !diff.Empty() {
		t.Errorf("re-importing the export changed %v", diff.Changes)
	}

	// A client changed counts as a changed enrollment.
	diff := apply(t, d, ReadJSON("tms.json", []byte(strings.Replace(doc, `"S1", "role": "trainee", "ref": "T2"}`, `"S1", "role": "trainee", "ref": "T2", "client": "C1"}`, 1))), auth.ApplyOptions{})
	if got := Summary(diff, false); got != "accounts: 3 unchanged; sessions: 1 unchanged; enrollments: 1 changed, 2 unchanged" {
		t.Errorf("summary %q", got)
	}
	var changes bytes.Buffer
	WriteChanges(&changes, diff)
	if got := changes.String(); !strings.Contains(got, "S1 trainee T2: client") {
		t.Errorf("changes %q", got)
	}
}

func TestClientAndEmailProblems(t *testing.T) {
	ctx := context.Background()
	d := openDirectory(t)
	apply(t, d, ReadJSON("seed.json", []byte(`{"accounts": [{"login": "acme", "role": "client", "ref": "C1"}, {"login": "t", "role": "trainee", "ref": "T1"}], "sessions": [{"code": "S1"}]}`)), auth.ApplyOptions{})

	doc := `{"accounts": [
 {"login": "bob", "role": "trainer", "ref": "F1", "email": "Bob <bob@example.org>"},
 {"login": "eve", "role": "trainee", "ref": "T2", "email": 42}
],
"enrollments": [
 {"session": "S1", "role": "trainee", "ref": "T1", "client": "C404"},
 {"session": "S1", "role": "trainer", "ref": "F1", "client": "C1"},
 {"session": "S1", "role": "trainee", "ref": "T2", "client": "C1"},
 {"session": "S1", "role": "trainee", "ref": "T2", "client": "c1"}
]}`
	_, err := ReadJSON("tms.json", []byte(doc)).Apply(ctx, d.store, auth.ApplyOptions{})
	want := []string{
		`tms.json accounts[0] (line 2): email "Bob <bob@example.org>" is not an email address (of the form name@example.org, nothing else)`,
		`tms.json accounts[1] (line 3): email must be text in double quotes, not 42`,
		`tms.json enrollments[0] (line 6): client "C404" has no client account, neither in the file nor in the directory`,
		`tms.json enrollments[1] (line 7): client "C1": only a trainee's enrollment names the client that sent them, not a trainer's`,
		`tms.json enrollments[3] (line 9): client "c1", while the same enrollment above says "C1" (first at tms.json enrollments[2] (line 8))`,
	}
	if got := problemLines(t, err); !reflect.DeepEqual(got, want) {
		t.Errorf("problems:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	dir := writeFiles(t, map[string]string{
		"accounts.csv":    "login;role;ref;email\nbob;trainer;F1;bob@\n",
		"enrollments.csv": "session;role;ref;client\nS1;trainee;T1;C404\nS1;client;C1;C1\n",
	})
	im, err := ReadCSVFiles(CSVFiles{Accounts: filepath.Join(dir, "accounts.csv"), Enrollments: filepath.Join(dir, "enrollments.csv")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = im.Apply(ctx, d.store, auth.ApplyOptions{})
	a, e := filepath.Join(dir, "accounts.csv"), filepath.Join(dir, "enrollments.csv")
	want = []string{
		a + ` line 2: email "bob@" is not an email address (of the form name@example.org, nothing else)`,
		e + ` line 2: client "C404" has no client account, neither in the file nor in the directory`,
		e + ` line 3: client "C1": only a trainee's enrollment names the client that sent them, not a client's`,
	}
	if got := problemLines(t, err); !reflect.DeepEqual(got, want) {
		t.Errorf("problems:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

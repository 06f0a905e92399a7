package tmsimport

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dossierd/dossierd/auth"
)

// The importer reads files written by other software, in any state: the
// fuzz targets check it never panics, and that whatever it refuses is
// refused with problems that say where (file and line or index).

func checkRefusal(t *testing.T, im *Import, store *auth.Store) {
	t.Helper()
	_, err := im.Apply(context.Background(), store, auth.ApplyOptions{DryRun: true})
	var e *Error
	if err == nil || !errors.As(err, &e) {
		return
	}
	for _, p := range e.Problems {
		if p.Where == "" || !strings.Contains(p.String(), p.Where) {
			t.Fatalf("problem without a place: %+v", p)
		}
	}
}

func fuzzStore(f *testing.F) *auth.Store {
	store, err := auth.Open(filepath.Join(f.TempDir(), "fuzz.db"), auth.Options{})
	if err != nil {
		f.Fatal(err)
	}
	return store
}

func FuzzReadJSON(f *testing.F) {
	for _, s := range []string{
		`{"accounts": [], "sessions": [], "enrollments": []}`,
		`{"accounts": [{"login": "acme", "role": "client", "ref": "C0042", "password": "x"}]}`,
		`{"accounts": [{"login": "a", "role": "teacher"}], "sessions": [{"code": "S1", "starts_on": "30/06/2027"}]}`,
		`{"enrollments": [{"session": "S9", "role": "client", "ref": "C1"}]}`,
		`{"accounts": [{"login": "x", "role": "client", "ref": "C l'été", "public_keys": ["ssh-ed25519 AAAA"]}]`,
		`[1, 2, 3]`,
		"\xef\xbb\xbf{\"sessions\": [{\"code\": \"S1\", \"folder\": \"CON\"}]}",
	} {
		f.Add([]byte(s))
	}
	store := fuzzStore(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		checkRefusal(t, ReadJSON("fuzz.json", data), store)
	})
}

func FuzzReadCSV(f *testing.F) {
	for _, s := range []string{
		"login;role;ref;name;password\r\nacme;client;C0042;\"ACME; SARL\";pw\r\n",
		"login,role,ref\nglobex,client,C0043\n\"unterminated,client,C1\n",
		"\xef\xbb\xbflogin;role;ref;name\r\nsg;client;C0044;Soci\xe9t\xe9 G\xe9n\xe9rale Formation\r\n",
		"login;role;expires_at;public_keys\nx;staff;2027-13-45;ssh-rsa AAAA|garbage\n",
		"",
		"login\n\n\n",
	} {
		f.Add([]byte(s))
	}
	store := fuzzStore(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		checkRefusal(t, ReadCSV(File{Name: "accounts.csv", Data: data}, File{}, File{}), store)
	})
}

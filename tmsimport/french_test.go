package tmsimport

import (
	"context"
	"testing"

	"github.com/dossierd/dossierd/auth"
	"github.com/dossierd/dossierd/catalogue"
)

// inFrench runs the rest of a test in French, the default language, and
// goes back to the English the other tests check.
func inFrench(t *testing.T) {
	catalogue.Set(catalogue.French)
	t.Cleanup(func() { catalogue.Set(catalogue.English) })
}

// TestProblemsInFrench: what back-office staff read by default when an
// import is refused, with the file, the line and the field of each problem.
func TestProblemsInFrench(t *testing.T) {
	inFrench(t)
	d := openDirectory(t)
	im := ReadCSV(File{Name: "comptes.csv", Data: []byte("login;role;ref;expires_at;disabled\r\n" +
		"acme;client;C0042;;\r\n" +
		"ACME;client;C0043;31/12/2026;\r\n" +
		"bob;teacher;B1;;peut-être\r\n")}, File{}, File{})
	_, err := im.Apply(context.Background(), d.store, auth.ApplyOptions{})
	want := "import refusé, l'annuaire n'a pas été modifié (4 problèmes) :\n" +
		`  comptes.csv ligne 3 : login "ACME" apparaît deux fois (sans tenir compte des majuscules) (première fois en ligne 2)` + "\n" +
		`  comptes.csv ligne 3 : expires_at "31/12/2026" n'est pas une date de la forme AAAA-MM-JJ (écrivez 2026-12-31)` + "\n" +
		`  comptes.csv ligne 4 : disabled "peut-être" n'est pas une valeur oui/non (écrivez true ou false, 1 ou 0, oui ou non)` + "\n" +
		`  comptes.csv ligne 4 : role "teacher" : inconnu (rôles possibles : client, trainee, trainer, staff)`
	if err == nil || err.Error() != want {
		t.Errorf("refused import:\n%v\nwant\n%s", err, want)
	}

	im = ReadJSON("annuaire.json", []byte(`{"accounts": [{"login": "acme", "role": "client", "ref": "C0042"}], "sessions": [], "enrollments": []}`))
	diff, err := im.Apply(context.Background(), d.store, auth.ApplyOptions{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := Summary(diff, true), "simulation, rien n'a été écrit : comptes : 1 ajouté ; sessions : 0 inchangée ; inscriptions : 0 inchangée"; got != want {
		t.Errorf("summary %q, want %q", got, want)
	}
}

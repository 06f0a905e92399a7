package catalogue_test

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/dossierd/dossierd/catalogue"
	"github.com/dossierd/dossierd/names"
	"github.com/dossierd/dossierd/vfs"
)

var verbRE = regexp.MustCompile(`%[-+# 0]*[0-9]*(\.[0-9]+)?[a-zA-Z%]`)

// indexedVerbRE is a format verb with an explicit argument index, %[2]d:
// a sentence whose English side (cobra's, pflag's) names fewer things
// than its French one uses them.
var indexedVerbRE = regexp.MustCompile(`%[-+# 0]*(\[([0-9]+)\])?[0-9]*(\.[0-9]+)?([a-zA-Z%])`)

// argumentVerbs maps each argument a format uses (1-based, as fmt
// numbers them) to the verb letter it is printed with.
func argumentVerbs(format string) map[int]string {
	verbs := map[int]string{}
	next := 1
	for _, m := range indexedVerbRE.FindAllStringSubmatch(format, -1) {
		if m[4] == "%" {
			continue
		}
		if m[2] != "" {
			fmt.Sscan(m[2], &next)
		}
		verbs[next] = m[4]
		next++
	}
	return verbs
}

// sameArguments reports whether fr and en, with explicit indexes, read
// the same arguments the same way: together they use 1..n, each one with
// one verb; one side may leave some out.
func sameArguments(fr, en string) bool {
	a, b := argumentVerbs(fr), argumentVerbs(en)
	union := map[int]bool{}
	for i, v := range a {
		if w, ok := b[i]; ok && w != v {
			return false
		}
		union[i] = true
	}
	for i := range b {
		union[i] = true
	}
	for i := 1; i <= len(union); i++ {
		if !union[i] {
			return false
		}
	}
	return true
}

// TestEverySentenceInBothLanguages reads the catalogue's sources for its
// T literals: each has a French and an English text with the same format
// verbs in the same order, so that one call fills both (or, with explicit
// argument indexes, verbs that read the same arguments the same way).
func TestEverySentenceInBothLanguages(t *testing.T) {
	files, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	litRE := regexp.MustCompile("(?s)(\\w+)\\s*(?:=\\s*T)?\\{\\s*(\"(?:[^\"\\\\]|\\\\.)*\"|`[^`]*`),\\s*(\"(?:[^\"\\\\]|\\\\.)*\"|`[^`]*`)\\s*\\}")
	n := 0
	for _, f := range files {
		if !strings.HasSuffix(f.Name(), ".go") || strings.HasSuffix(f.Name(), "_test.go") {
			continue
		}
		src, err := os.ReadFile(f.Name())
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range litRE.FindAllStringSubmatch(string(src), -1) {
			n++
			fr, en := m[2], m[3]
			if len(fr) <= 2 || len(en) <= 2 {
				t.Errorf("%s: %s has an empty text", f.Name(), m[1])
			}
			if strings.Contains(fr+en, "%[") {
				if !sameArguments(fr, en) {
					t.Errorf("%s: %s: French %s and English %s do not read the same arguments", f.Name(), m[1], fr, en)
				}
			} else if a, b := verbRE.FindAllString(fr, -1), verbRE.FindAllString(en, -1); !reflect.DeepEqual(a, b) {
				t.Errorf("%s: %s: French verbs %v, English %v", f.Name(), m[1], a, b)
			}
		}
	}
	if n < 50 {
		t.Errorf("read only %d sentences: the pattern no longer matches the sources", n)
	}
}

// TestRefusalsInFrench: what users read by default, for a few refusals
// that matter (the one a sync tool meets when it deletes a folder, a
// refused name, a full disk, the size limit).
func TestRefusalsInFrench(t *testing.T) {
	if catalogue.Current() != catalogue.French {
		t.Fatalf("default language %q, want French", catalogue.Current())
	}
	for _, tt := range []struct {
		err  error
		want string
	}{
		{&vfs.PathError{Op: "delete folder", Path: "/Mes documents/a", Err: vfs.ErrNotEmpty},
			`impossible de supprimer le dossier "/Mes documents/a" : le dossier n'est pas vide`},
		{&vfs.PathError{Op: "upload", Path: "/Mes documents/x.pdf", Err: vfs.ErrNoSpace},
			`impossible d'envoyer "/Mes documents/x.pdf" : le disque du serveur est plein`},
		{&vfs.PathError{Op: "upload", Path: "/Mes documents/x.pdf", Err: vfs.ErrTooLarge, Limit: 2048 << 20},
			`impossible d'envoyer "/Mes documents/x.pdf" : fichier trop volumineux : 2048 Mo au maximum par fichier`},
		{&vfs.PathError{Op: "create folder", Path: "/Mes documents/a", Err: vfs.ErrExists},
			`impossible de créer le dossier "/Mes documents/a" : un fichier ou un dossier de ce nom existe déjà`},
	} {
		if got := tt.err.Error(); !strings.HasPrefix(got, tt.want) {
			t.Errorf("%q, want %q", got, tt.want)
		}
	}
	want := `nom "Convocation Hélène l'été.pdf" refusé : le caractère "é" n'est pas autorisé (utilisez des lettres sans accent, des chiffres, des espaces et - _ . ( )) ; essayez "Convocation Helene l ete.pdf"`
	if got := names.Check("Convocation Hélène l'été.pdf").Error(); got != want {
		t.Errorf("refused name: %q, want %q", got, want)
	}
	if err := catalogue.Error(catalogue.Banned); !strings.Contains(err.Error(), "réessayez plus tard") {
		t.Errorf("sentence error: %v", err)
	}
}

// TestSentenceErrorFollowsLanguage: a sentinel made with Error is still
// found with errors.Is through wrapping, and its text is the language in
// force when it is read, not when it was made.
func TestSentenceErrorFollowsLanguage(t *testing.T) {
	sentinel := catalogue.Error(catalogue.Banned)
	wrapped := fmt.Errorf("ftp: %w", sentinel)
	if !errors.Is(wrapped, sentinel) || errors.Is(wrapped, catalogue.Error(catalogue.Banned)) {
		t.Errorf("errors.Is: want the sentinel itself, and only it")
	}
	catalogue.Set(catalogue.English)
	defer catalogue.Set(catalogue.French)
	if got := sentinel.Error(); got != catalogue.Banned.EN {
		t.Errorf("in English: %q, want %q", got, catalogue.Banned.EN)
	}
}

// TestArgumentIndexes: the check of sentences with explicit indexes
// catches an English side reading an argument with another verb, or one
// no side fills in between.
func TestArgumentIndexes(t *testing.T) {
	for _, tt := range []struct {
		fr, en string
		same   bool
	}{
		{"%s attend %d argument (%s), %d donné(s)", "accepts %[2]d arg(s), received %[4]d", true},
		{"%s attend %d", "accepts %[2]s", false},
		{"%s", "%[3]d", false},
		{"%[1]s et %[1]s", "%s", true},
	} {
		if got := sameArguments(tt.fr, tt.en); got != tt.same {
			t.Errorf("%q / %q: %v, want %v", tt.fr, tt.en, got, tt.same)
		}
	}
}

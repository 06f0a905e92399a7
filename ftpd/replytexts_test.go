package ftpd

import (
	"reflect"
	"regexp"
	"testing"

	ftpserver "github.com/fclairamb/ftpserverlib"

	"github.com/dossierd/dossierd/catalogue"
)

// forkReplies are the fork's own reply texts, English, read before any
// server replaces them: package variables are set before tests run.
var forkReplies = ftpserver.Replies

var verbRE = regexp.MustCompile(`%[-+# 0]*[0-9]*(\.[0-9]+)?[a-zA-Z%]`)

// TestEveryReplyTranslated: ftpd fills every text of the fork's Replies
// from the catalogue; in English they are the fork's own defaults word
// for word (same verbs: the fork's Sprintf calls fit), in French each is
// another text with the same verbs in the same order.
func TestEveryReplyTranslated(t *testing.T) {
	en, fr := translatedReplies(catalogue.English), translatedReplies(catalogue.French)
	fork := reflect.ValueOf(forkReplies)
	typ := fork.Type()
	if typ.NumField() < 100 {
		t.Errorf("the fork has %d reply texts, want them all (over 100)", typ.NumField())
	}
	same := map[string]bool{"PBSZ": true} // "PBSZ=0", RFC 4217's reply
	for i := range typ.NumField() {
		name := typ.Field(i).Name
		def := fork.Field(i).String()
		e, f := reflect.ValueOf(en).Field(i).String(), reflect.ValueOf(fr).Field(i).String()
		if def == "" {
			t.Errorf("%s: the fork has no default text", name)
		}
		if e != def {
			t.Errorf("%s: English %q, the fork's default %q", name, e, def)
		}
		if f == "" || (f == e) != same[name] {
			t.Errorf("%s: French %q, English %q", name, f, e)
		}
		if a, b := verbRE.FindAllString(f, -1), verbRE.FindAllString(def, -1); !reflect.DeepEqual(a, b) {
			t.Errorf("%s: French verbs %v, the fork's %v", name, a, b)
		}
	}
}

package vfs

import (
	"path"
	"strings"
	"testing"

	"github.com/dossierd/dossierd/domain"
)

// FuzzResolve checks the resolver's promise for any input: it never
// panics, and whatever it accepts stays inside one of the login's mounts,
// with a relative path that cannot climb out of it.
func FuzzResolve(f *testing.F) {
	for _, s := range []string{"/", "..", "/Mes documents/../../x", `..\..\windows`, "/Sessions/S2026-014 SST Lyon/Documents/a", "a\x00b", "//Mes documents//x/", "/FTPDOSSIERPERSO/./../FTPDOSSIERPERSO"} {
		f.Add(s)
	}
	client := NewTree(Identity{Role: domain.RoleClient, Ref: "C0042", Sessions: []SessionFolder{sst}}, demoLayout())
	f.Fuzz(func(t *testing.T, in string) {
		loc, err := client.Resolve(in)
		if err != nil {
			return
		}
		if !strings.HasPrefix(loc.Path, "/") || path.Clean(loc.Path) != loc.Path {
			t.Fatalf("Resolve(%q).Path = %q is not clean and absolute", in, loc.Path)
		}
		if loc.Virtual() {
			if _, ok := client.children[loc.Path]; !ok {
				t.Fatalf("Resolve(%q) = virtual %q, not a folder of the tree", in, loc.Path)
			}
			return
		}
		if client.mounts[loc.Mount.Path] != loc.Mount {
			t.Fatalf("Resolve(%q) = foreign mount %+v", in, loc.Mount)
		}
		rel := loc.Rel
		if rel != "." && (path.IsAbs(rel) || path.Clean(rel) != rel || rel == ".." || strings.HasPrefix(rel, "../") || strings.Contains(rel, "\x00")) {
			t.Fatalf("Resolve(%q).Rel = %q could leave the mount", in, rel)
		}
		if want := path.Join(loc.Mount.Path, rel); want != loc.Path {
			t.Fatalf("Resolve(%q): mount %q + rel %q != %q", in, loc.Mount.Path, rel, loc.Path)
		}
	})
}

package vfs

import (
	"strings"
	"testing"

	"github.com/dossierd/dossierd/domain"
)

func demoLayout() Layout {
	return Layout{Labels: DefaultLabels, Permissions: DefaultPermissions(), SharedFolder: "FTPDOSSIERPERSO"}
}

var sst = SessionFolder{Code: "S2026-014", Folder: "S2026-014 SST Lyon"}

func TestNewTreeMountsPerRole(t *testing.T) {
	type mount struct {
		path, dir string
		rw        bool
	}
	tests := []struct {
		id   Identity
		want []mount
	}{
		{Identity{Role: domain.RoleClient, Ref: "C0042", Sessions: []SessionFolder{sst}}, []mount{
			{"/FTPDOSSIERPERSO", "FTPDOSSIERPERSO", false},
			{"/Mes documents", "clients/C0042", true},
			{"/Sessions/S2026-014 SST Lyon/Commun", "sessions/S2026-014/commun-clients", false},
			{"/Sessions/S2026-014 SST Lyon/Documents", "sessions/S2026-014/clients/C0042", false},
		}},
		{Identity{Role: domain.RoleTrainee, Ref: "T0107", Sessions: []SessionFolder{sst}}, []mount{
			{"/FTPDOSSIERPERSO", "FTPDOSSIERPERSO", false},
			{"/Mes documents", "stagiaires/T0107", true},
			{"/Sessions/S2026-014 SST Lyon/Commun", "sessions/S2026-014/commun-stagiaires", false},
			{"/Sessions/S2026-014 SST Lyon/Documents", "sessions/S2026-014/stagiaires/T0107", false},
		}},
		{Identity{Role: domain.RoleTrainer, Ref: "F0003", Sessions: []SessionFolder{sst}}, []mount{
			{"/FTPDOSSIERPERSO", "FTPDOSSIERPERSO", false},
			{"/Mes documents", "intervenants/F0003", true},
			{"/Sessions/S2026-014 SST Lyon/Commun", "sessions/S2026-014/commun-stagiaires", false},
			{"/Sessions/S2026-014 SST Lyon/Documents", "sessions/S2026-014/intervenants/F0003", true},
		}},
		{Identity{Role: domain.RoleStaff}, []mount{{"/", ".", true}}},
		// A ref that could climb out of its folder gets nothing at all.
		{Identity{Role: domain.RoleClient, Ref: ".."}, nil},
		{Identity{Role: "teacher", Ref: "X"}, nil},
		// Sessions whose code or folder is not one safe element are skipped.
		{Identity{Role: domain.RoleClient, Ref: "C1", Sessions: []SessionFolder{{Code: "../x", Folder: "A"}, {Code: "S1", Folder: "a/b"}}}, []mount{
			{"/FTPDOSSIERPERSO", "FTPDOSSIERPERSO", false},
			{"/Mes documents", "clients/C1", true},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.id.Role+"/"+tt.id.Ref, func(t *testing.T) {
			var got []mount
			for _, m := range NewTree(tt.id, demoLayout()).Mounts() {
				got = append(got, mount{m.Path, m.Dir, m.Writable})
			}
			if len(got) != len(tt.want) {
				t.Fatalf("mounts = %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("mount %d = %v, want %v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestPermissionsConfigurable(t *testing.T) {
	l := demoLayout()
	l.Permissions[domain.RoleTrainee][domain.MountDocuments] = true
	l.Labels = Labels{Personal: "My files", Sessions: "Courses", Documents: "Docs", Common: "Shared"}
	tr := NewTree(Identity{Role: domain.RoleTrainee, Ref: "T1", Sessions: []SessionFolder{{Code: "S1"}}}, l)
	loc, err := tr.Resolve("/Courses/S1/Docs/x.pdf")
	if err != nil || !loc.Mount.Writable || loc.Mount.Dir != "sessions/S1/stagiaires/T1" || loc.Rel != "x.pdf" {
		t.Fatalf("Resolve = %+v, %v", loc, err)
	}
	if names, _ := tr.Children("/"); strings.Join(names, "|") != "Courses|FTPDOSSIERPERSO|My files" {
		t.Fatalf("root = %v", names)
	}
}

func TestResolve(t *testing.T) {
	client := NewTree(Identity{Role: domain.RoleClient, Ref: "C0042", Sessions: []SessionFolder{sst}}, demoLayout())
	staff := NewTree(Identity{Role: domain.RoleStaff}, demoLayout())
	tests := []struct {
		tree    *Tree
		in      string
		path    string // cleaned
		dir     string // mount dir, "" for virtual
		rel     string
		wantErr error
	}{
		{client, "/", "/", "", "", nil},
		{client, "", "/", "", "", nil},
		{client, ".", "/", "", "", nil},
		{client, "/Sessions", "/Sessions", "", "", nil},
		{client, "Sessions/S2026-014 SST Lyon", "/Sessions/S2026-014 SST Lyon", "", "", nil},
		{client, "/Mes documents", "/Mes documents", "clients/C0042", ".", nil},
		{client, "/Mes documents/a/b.pdf", "/Mes documents/a/b.pdf", "clients/C0042", "a/b.pdf", nil},
		{client, "Mes documents//a/./b.pdf", "/Mes documents/a/b.pdf", "clients/C0042", "a/b.pdf", nil},
		// ".." never climbs above the mount's virtual position, let alone the root.
		{client, "/Mes documents/../../../clients/C0043", "/clients/C0043", "", "", ErrNotFound},
		{client, "/Mes documents/../Mes documents/x", "/Mes documents/x", "clients/C0042", "x", nil},
		{client, "/../../etc/passwd", "/etc/passwd", "", "", ErrNotFound},
		{client, `\Mes documents\a.pdf`, "/Mes documents/a.pdf", "clients/C0042", "a.pdf", nil},
		{client, `/Mes documents\..\..\x`, "/x", "", "", ErrNotFound},
		{client, "/Sessions/S2026-014 SST Lyon/Documents/c.pdf", "/Sessions/S2026-014 SST Lyon/Documents/c.pdf", "sessions/S2026-014/clients/C0042", "c.pdf", nil},
		{client, "/Sessions/S2026-014 SST Lyon/Other", "", "", "", ErrNotFound},
		{client, "/Sessions/S2099-001", "", "", "", ErrNotFound},
		{client, "/clients/C0043/x.pdf", "", "", "", ErrNotFound},
		{client, "/Mes documents/a\x00b", "", "", "", ErrInvalidPath},
		{client, "/" + strings.Repeat("a", MaxPathBytes), "", "", "", ErrInvalidPath},
		{staff, "/", "/", ".", ".", nil},
		{staff, "/clients/C0043/x.pdf", "/clients/C0043/x.pdf", ".", "clients/C0043/x.pdf", nil},
		{staff, "/../..", "/", ".", ".", nil},
	}
	for _, tt := range tests {
		loc, err := tt.tree.Resolve(tt.in)
		if err != tt.wantErr {
			t.Errorf("Resolve(%q) err = %v, want %v", tt.in, err, tt.wantErr)
			continue
		}
		if err != nil {
			continue
		}
		dir := ""
		if loc.Mount != nil {
			dir = loc.Mount.Dir
		}
		if loc.Path != tt.path || dir != tt.dir || loc.Rel != tt.rel {
			t.Errorf("Resolve(%q) = {%q %q %q}, want {%q %q %q}", tt.in, loc.Path, dir, loc.Rel, tt.path, tt.dir, tt.rel)
		}
	}
}

package auth

import (
	"reflect"
	"strings"
	"testing"

	"github.com/dossierd/dossierd/domain"
)

// stored builds the stored directory as loadImportState reads it, without
// a database: accounts as "login role ref name [disabled]", sessions as
// "code folder [hidden]", enrollments as "code role ref".
func stored(accounts, sessions, enrollments []string) *importState {
	st := &importState{accounts: map[string]*dbAccount{}, sessions: map[string]*dbSession{}, enrollments: map[enrKey]string{}}
	for i, l := range accounts {
		f := strings.Fields(l)
		st.accounts[strings.ToLower(f[0])] = &dbAccount{id: int64(i + 1), login: f[0], role: f[1], ref: f[2], name: f[3], disabled: len(f) > 4}
	}
	for i, l := range sessions {
		f := strings.Fields(l)
		st.sessions[foldKey(f[0])] = &dbSession{id: int64(i + 1), Session: Session{Code: f[0], Folder: f[1], Hidden: len(f) > 2}, folderKey: foldKey(f[1])}
	}
	for _, l := range enrollments {
		f := strings.Fields(l)
		st.enrollments[enrKey{foldKey(f[0]), f[1], f[2]}] = ""
	}
	return st
}

// TestPlan runs the comparison of a snapshot with the stored directory
// alone: prepareImport, check and plan touch no database.
func TestPlan(t *testing.T) {
	acme := ImportAccount{Login: "acme", Role: domain.RoleClient, Ref: "C1", Name: "ACME"}
	s1 := Session{Code: "S1", Folder: "S1"}
	tests := []struct {
		name  string
		snap  Snapshot
		st    *importState
		prune bool
		want  []string
	}{
		{"all new", Snapshot{Accounts: []ImportAccount{acme}, Sessions: []Session{s1}, Enrollments: []Enrollment{{"S1", domain.RoleClient, "C1", ""}}},
			stored(nil, nil, nil), false,
			[]string{"accounts added acme", "sessions added S1", "enrollments added S1 client C1"}},
		{"identical", Snapshot{Accounts: []ImportAccount{acme}, Sessions: []Session{s1}, Enrollments: []Enrollment{{"s1", domain.RoleClient, "C1", ""}}},
			stored([]string{"ACME client C1 ACME"}, []string{"S1 S1"}, []string{"S1 client C1"}), false,
			nil},
		{"changed fields", Snapshot{Accounts: []ImportAccount{{Login: "acme", Role: domain.RoleClient, Ref: "C2", Name: "ACME SAS"}}, Sessions: []Session{{Code: "S1", Folder: "Soudure", Title: "Soudure"}}},
			stored([]string{"acme client C1 ACME"}, []string{"S1 S1 hidden"}, []string{"S1 client C1"}), false,
			// C1 has no account after the import: its enrollment goes.
			[]string{"accounts changed acme: ref,name", "sessions changed S1: title,folder,shown", "enrollments removed S1 client C1"}},
		{"absent, without prune", Snapshot{},
			stored([]string{"acme client C1 ACME"}, []string{"S1 S1"}, []string{"S1 client C1"}), false,
			nil},
		{"absent, with prune", Snapshot{},
			stored([]string{"acme client C1 ACME", "gone client C2 Gone disabled"}, []string{"S1 S1", "S0 S0 hidden"}, []string{"S1 client C1"}), true,
			[]string{"accounts disabled acme", "sessions hidden S1", "enrollments removed S1 client C1"}},
		{"enabled again", Snapshot{Accounts: []ImportAccount{acme}},
			stored([]string{"acme client C1 ACME disabled"}, nil, nil), false,
			[]string{"accounts changed acme: enabled"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, ps := (&Store{}).prepareImport(&tc.snap)
			ps = append(ps, p.check(tc.st, tc.prune)...)
			if err := ps.err(); err != nil {
				t.Fatal(err)
			}
			pl, err := p.plan(tc.st, nil, ApplyOptions{Prune: tc.prune})
			if err != nil {
				t.Fatal(err)
			}
			if got := changes(pl.diff); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("changes:\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
}

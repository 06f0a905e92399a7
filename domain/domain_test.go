package domain

import (
	"slices"
	"testing"
)

// TestRoleFolders holds the layout of SPEC section 2 together: every role
// but staff has an exchange folder among the top folders and a commun-*
// folder among those of a session.
func TestRoleFolders(t *testing.T) {
	for _, role := range Roles() {
		folder, ok := RoleFolder(role)
		common := CommonFolder(role)
		if role == RoleStaff {
			if ok || common != "" || !slices.Equal(Mounts(role), []string{MountRoot}) {
				t.Errorf("staff: RoleFolder %q %v, CommonFolder %q, Mounts %v", folder, ok, common, Mounts(role))
			}
			continue
		}
		if !ok || !slices.Contains(TopFolders(), folder) {
			t.Errorf("%s: RoleFolder %q %v is not a top folder %v", role, folder, ok, TopFolders())
		}
		if !slices.Contains(CommonFolders(), common) {
			t.Errorf("%s: CommonFolder %q is not one of %v", role, common, CommonFolders())
		}
		if len(Mounts(role)) == 0 {
			t.Errorf("%s: no mounts", role)
		}
	}
	if _, ok := RoleFolder("teacher"); ok || Mounts("teacher") != nil || CommonFolder("teacher") != "" {
		t.Error("an unknown role has folders or mounts")
	}
}

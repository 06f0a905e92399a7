// Package domain declares the words several packages must spell the same
// way: the roles of an account, the kinds of mount a virtual tree is made
// of, and the physical folders of the storage layout (SPEC section 2) with
// the role each belongs to. The directory (auth) stores roles, the
// configuration (config) names roles and mount kinds in its keys, and the
// file tree (vfs) turns them into folders; a word that changed in one of
// them alone would let a valid account see an empty tree.
//
// It imports nothing of dossierd, so every layer may import it.
package domain

// Roles of an account (SPEC section 1). Clients, trainees and trainers
// stand for an entity of the training management system (TMS), named by
// its ref; staff do not.
const (
	RoleClient  = "client"
	RoleTrainee = "trainee"
	RoleTrainer = "trainer"
	RoleStaff   = "staff"
)

// Roles returns every role, in the order messages name them. The slice is
// new at each call, so that no caller can change what the others see.
func Roles() []string { return []string{RoleClient, RoleTrainee, RoleTrainer, RoleStaff} }

// Mount kinds: the parts of a virtual tree (SPEC section 3), and the keys
// of tree.permissions.<role> in the configuration.
const (
	MountPersonal  = "personal"  // the account's own exchange folder
	MountDocuments = "documents" // its folder in one session
	MountCommon    = "common"    // the commun-* folder of one session
	MountShared    = "shared"    // the shared folder (FTPDOSSIERPERSO)
	MountRoot      = "root"      // the whole storage root, for staff
)

// Mounts returns the mount kinds a role's tree is made of, in the order
// messages name them: staff see the storage root, the others the parts of
// SPEC section 3. It is nil for an unknown role.
func Mounts(role string) []string {
	switch role {
	case RoleClient, RoleTrainee, RoleTrainer:
		return []string{MountPersonal, MountDocuments, MountCommon, MountShared}
	case RoleStaff:
		return []string{MountRoot}
	}
	return nil
}

// Physical folders of the storage layout (SPEC section 2), in the TMS's
// words. They are ASCII because the TMS writes them too.
const (
	FolderClients        = "clients"           // clients/<ref>, sessions/<code>/clients/<ref>
	FolderTrainees       = "stagiaires"        // stagiaires/<ref>, sessions/<code>/stagiaires/<ref>
	FolderTrainers       = "intervenants"      // intervenants/<ref>, sessions/<code>/intervenants/<ref>
	FolderSessions       = "sessions"          // sessions/<code>
	FolderCommonClients  = "commun-clients"    // sessions/<code>/commun-clients: every client of the session
	FolderCommonTrainees = "commun-stagiaires" // sessions/<code>/commun-stagiaires: every trainee of the session
)

// RoleFolder is the folder that holds the exchange folders of a role's
// accounts, at the top of the storage root and in each session. Staff
// have none: ok is false for them and for an unknown role.
func RoleFolder(role string) (folder string, ok bool) {
	switch role {
	case RoleClient:
		return FolderClients, true
	case RoleTrainee:
		return FolderTrainees, true
	case RoleTrainer:
		return FolderTrainers, true
	}
	return "", false
}

// CommonFolder is the commun-* folder a role reads in each of its
// sessions: trainers see what trainees see. It is "" for staff and for an
// unknown role.
func CommonFolder(role string) string {
	switch role {
	case RoleClient:
		return FolderCommonClients
	case RoleTrainee, RoleTrainer:
		return FolderCommonTrainees
	}
	return ""
}

// CommonFolders returns the commun-* folders every session has.
func CommonFolders() []string { return []string{FolderCommonClients, FolderCommonTrainees} }

// TopFolders returns the fixed folders at the top of the storage root,
// which the shared folder sits beside.
func TopFolders() []string {
	return []string{FolderClients, FolderTrainees, FolderTrainers, FolderSessions}
}

// FTP TLS modes, SFTPGo's values of ftpd.bindings[].tls_mode.
const (
	TLSPlainOrExplicit = 0 // plain FTP, or explicit TLS when the client asks (AUTH TLS)
	TLSRequired        = 1 // explicit TLS, required before login and on data connections
	TLSImplicit        = 2 // TLS from the first byte (FTPS on its own port)
)

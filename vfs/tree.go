package vfs

import (
	"path"
	"sort"
	"strings"
	"time"

	"github.com/dossierd/dossierd/catalogue"
	"github.com/dossierd/dossierd/domain"
)

// Labels are the names of the fixed virtual folders (French by default).
type Labels struct {
	Personal, Sessions, Documents, Common string
}

// DefaultLabels are the labels of SPEC section 3.
var DefaultLabels = Labels{Personal: "Mes documents", Sessions: "Sessions", Documents: "Documents", Common: "Commun"}

// Permissions says, per role and mount kind (domain.Role*, domain.Mount*), whether the mount is writable.
// A missing entry means read-only.
type Permissions map[string]map[string]bool

// DefaultPermissions is the table of SPEC section 3.
func DefaultPermissions() Permissions {
	return Permissions{
		domain.RoleClient:  {domain.MountPersonal: true},
		domain.RoleTrainee: {domain.MountPersonal: true},
		domain.RoleTrainer: {domain.MountPersonal: true, domain.MountDocuments: true},
		domain.RoleStaff:   {domain.MountRoot: true},
	}
}

// Layout is what every tree shares: labels, permissions, the shared folder.
type Layout struct {
	Labels       Labels
	Permissions  Permissions
	SharedFolder string
}

// Identity is who is logged in, as the tree needs it: no credentials, no SQL.
type Identity struct {
	Login    string
	Role     string
	Ref      string
	Sessions []SessionFolder
}

// SessionFolder is one session the identity takes part in.
type SessionFolder struct {
	Code   string // physical folder under sessions/
	Folder string // the name users see under /Sessions
}

// Mount maps a virtual folder onto a physical folder of the storage root.
type Mount struct {
	Path     string // virtual path, e.g. "/Sessions/S2026-014/Documents"
	Dir      string // physical folder relative to the storage root, slash-separated
	Kind     string // domain.MountPersonal, domain.MountDocuments, ...
	Writable bool
}

// Tree is the immutable view of the storage one login gets.
type Tree struct {
	mounts   map[string]*Mount   // by virtual path
	children map[string][]string // virtual folder -> sorted child names
	writable []string            // virtual paths of writable mounts, for hints
}

// NewTree builds the tree of SPEC section 3 for id. Sessions whose code or
// folder is not a single safe path element are left out rather than risk a
// path outside sessions/<code>.
func NewTree(id Identity, l Layout) *Tree {
	t := &Tree{mounts: map[string]*Mount{}, children: map[string][]string{"/": nil}}
	perm := func(kind string) bool { return l.Permissions[id.Role][kind] }
	if id.Role == domain.RoleStaff {
		t.add(&Mount{Path: "/", Dir: ".", Kind: domain.MountRoot, Writable: perm(domain.MountRoot)})
		return t.finish()
	}
	roleDir, ok := domain.RoleFolder(id.Role)
	if !ok || !safeElem(id.Ref) {
		return t.finish() // an empty tree: nothing to see, nothing to write
	}
	t.add(&Mount{Path: "/" + l.Labels.Personal, Dir: roleDir + "/" + id.Ref, Kind: domain.MountPersonal, Writable: perm(domain.MountPersonal)})
	if safeElem(l.SharedFolder) {
		t.add(&Mount{Path: "/" + l.SharedFolder, Dir: l.SharedFolder, Kind: domain.MountShared, Writable: perm(domain.MountShared)})
	}
	sessions := "/" + l.Labels.Sessions
	t.children[sessions] = nil
	t.children["/"] = append(t.children["/"], l.Labels.Sessions)
	for _, s := range id.Sessions {
		folder := s.Folder
		if folder == "" {
			folder = s.Code
		}
		sp := sessions + "/" + folder
		if !safeElem(s.Code) || !safeElem(folder) || t.children[sp] != nil {
			continue
		}
		t.children[sp] = []string{}
		t.children[sessions] = append(t.children[sessions], folder)
		base := domain.FolderSessions + "/" + s.Code + "/"
		t.add(&Mount{Path: sp + "/" + l.Labels.Documents, Dir: base + roleDir + "/" + id.Ref, Kind: domain.MountDocuments, Writable: perm(domain.MountDocuments)})
		t.add(&Mount{Path: sp + "/" + l.Labels.Common, Dir: base + domain.CommonFolder(id.Role), Kind: domain.MountCommon, Writable: perm(domain.MountCommon)})
	}
	return t.finish()
}

func (t *Tree) add(m *Mount) {
	t.mounts[m.Path] = m
	if m.Path != "/" {
		dir, name := path.Split(m.Path)
		dir = path.Clean(dir)
		t.children[dir] = append(t.children[dir], name)
	}
	if m.Writable {
		t.writable = append(t.writable, m.Path)
	}
}

func (t *Tree) finish() *Tree {
	for _, c := range t.children {
		sort.Strings(c)
	}
	sort.Strings(t.writable)
	if _, staff := t.mounts["/"]; staff {
		delete(t.children, "/")
	}
	return t
}

func safeElem(s string) bool {
	return s != "" && s != "." && s != ".." && !strings.ContainsAny(s, "/\\\x00")
}

// Mounts returns the mounts, ordered by virtual path.
func (t *Tree) Mounts() []*Mount {
	out := make([]*Mount, 0, len(t.mounts))
	for _, m := range t.mounts {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// Folders returns the virtual (read-only) folders, ordered.
func (t *Tree) Folders() []string {
	out := make([]string, 0, len(t.children))
	for p := range t.children {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// Location is where a virtual path leads.
type Location struct {
	Path  string // the cleaned virtual path
	Mount *Mount // nil for a virtual folder
	Rel   string // path inside the mount, "." for the mount itself
}

// Virtual reports whether the location is one of the tree's own folders.
func (l Location) Virtual() bool { return l.Mount == nil }

// MaxPathBytes bounds the paths accepted, as PATH_MAX does.
const MaxPathBytes = 4096

// CleanPath makes a virtual path absolute and canonical: backslashes are
// separators (Windows clients send them), ".." stops at "/". It refuses
// NUL bytes and over-long paths, which no legitimate client sends.
func CleanPath(p string) (string, error) {
	if len(p) > MaxPathBytes || strings.IndexByte(p, 0) >= 0 {
		return "", ErrInvalidPath
	}
	p = strings.ReplaceAll(p, "\\", "/")
	return path.Clean("/" + p), nil
}

// Resolve says where a virtual path leads. It is pure: it touches no disk,
// so that what a login can reach is decided by the tree alone.
func (t *Tree) Resolve(p string) (Location, error) {
	clean, err := CleanPath(p)
	if err != nil {
		return Location{Path: p}, err
	}
	if _, ok := t.children[clean]; ok {
		return Location{Path: clean}, nil
	}
	// Walk up to the nearest mount: trees are shallow, so this is a few
	// map look-ups.
	for dir := clean; ; dir = path.Dir(dir) {
		if m, ok := t.mounts[dir]; ok {
			rel := "."
			if dir != clean {
				if dir == "/" {
					rel = clean[1:]
				} else {
					rel = clean[len(dir)+1:]
				}
			}
			return Location{Path: clean, Mount: m, Rel: rel}, nil
		}
		if dir == "/" {
			return Location{Path: clean}, ErrNotFound
		}
		if _, virtual := t.children[dir]; virtual {
			return Location{Path: clean}, ErrNotFound
		}
	}
}

// Children lists the entries of a virtual folder: names, and the mount of
// each one that is a mount (nil for a virtual sub-folder).
func (t *Tree) Children(virtualDir string) ([]string, []*Mount) {
	names := t.children[virtualDir]
	mounts := make([]*Mount, len(names))
	for i, n := range names {
		mounts[i] = t.mounts[path.Join(virtualDir, n)]
	}
	return names, mounts
}

// WritableHint says where a login can write, for refusals that would
// otherwise leave the user guessing.
func (t *Tree) WritableHint() string {
	switch len(t.writable) {
	case 0:
		return catalogue.OnlyDownload.F()
	case 1:
		return catalogue.UploadInto.F(t.writable[0])
	default:
		return catalogue.UploadIntoOthers.F(t.writable[0])
	}
}

// virtualMtime is the modification time of every virtual folder (/,
// /Sessions, /Sessions/<folder>): the server's start, one value for the
// process. A tree is built per login and rebuilt on directory changes, so
// its build time differed between logins and moved under a connected
// client, and FileZilla's directory comparison flagged the folders as
// changed. The newest mtime below would mean a stat of every mount on each
// listing and would move at each upload; the start time costs nothing and
// moves only at a restart.
var virtualMtime = time.Now().Truncate(time.Second)

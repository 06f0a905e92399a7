// Package vfs is the file tree each login sees and the operations both
// protocols perform on it. It imports neither the directory (auth) nor any
// protocol: a login is a plain Identity (role, ref, the training sessions
// it is enrolled in) and the configuration a Layout (labels, permissions,
// shared folder).
//
//   - Tree (tree.go), built once per login by NewTree, maps virtual paths
//     onto physical folders of the storage root (SPEC sections 2 and 3);
//     Tree.Resolve is pure, so what a login can reach is decided by the
//     tree alone.
//   - Storage (storage.go) is the storage root, opened as an os.Root, and
//     creates the folders of SPEC section 2; it implements auth.Layout.
//     Each mount is opened as its own os.Root, so that a symlink in one
//     client's folder cannot reach another's.
//   - FS (fs.go), one per connection, is Stat, List, Open, Create, Mkdir,
//     Remove, Rmdir, Rename, Chtimes and StatFS: resolve, check the mount's
//     permission and the filename policy, act through the mount's os.Root.
//   - Upload (upload.go) writes to a hidden temporary file and publishes it
//     by rename once complete, so that nobody reads half a file.
//
// Errors are *PathError wrapping one sentinel (ErrNotFound, ErrPermission,
// ErrReadOnly, ErrName, ...) whose Error is the sentence users read; it
// never holds a physical path.
package vfs

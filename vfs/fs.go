package vfs

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/dossierd/dossierd/catalogue"
	"github.com/dossierd/dossierd/names"
)

// UploadMode is common.upload_mode, with SFTPGo's values.
type UploadMode int

const (
	UploadDirect           UploadMode = 0 // write the target in place
	UploadAtomic           UploadMode = 1 // temporary file, renamed on success, discarded on abort
	UploadAtomicWithResume UploadMode = 2 // as 1, but a cut upload is published so it can be resumed
)

// tempPrefix marks the hidden temporary files of uploads in progress. The
// filename policy refuses leading dots, so no user can create or guess one
// through the server; listings and lookups skip them.
const tempPrefix = ".dossierd-upload-"

// Options are the settings of an FS: the server's, with the limits of
// the login's role.
type Options struct {
	Policy     *names.Policy
	UploadMode UploadMode
	// MaxFileSize is the largest file an upload may leave, in bytes
	// (common.max_upload_file_size); 0 = no limit.
	MaxFileSize int64
	// Owner is the login of the connection: its connections may cancel
	// each other's uploads in progress by deleting them.
	Owner string
}

// FS is one connection's view of the storage: the operations both
// protocols need, each checked against the tree, the permissions and the
// filename policy, and carried out through os.Root.
type FS struct {
	storage *Storage
	opts    atomic.Pointer[Options] // replaced by SetOptions
	tree    atomic.Pointer[Tree]

	mu      sync.Mutex
	roots   map[string]*os.Root // by Mount.Dir, opened on first use
	uploads map[string]*Upload  // open uploads by virtual path

	lastActivity atomic.Int64

	done       chan struct{} // closed when the connection ends
	cancelOnce sync.Once
}

// NewFS makes the FS of one connection.
func (s *Storage) NewFS(t *Tree, opts Options) *FS {
	f := &FS{storage: s, roots: map[string]*os.Root{}, uploads: map[string]*Upload{}, done: make(chan struct{})}
	f.SetOptions(opts)
	f.tree.Store(t)
	f.Touch()
	return f
}

// SetOptions replaces the options (a configuration reload); Owner stays
// the connection's. An upload in progress keeps the mode and size limit
// it started with, so a reload never fails a transfer in flight.
func (f *FS) SetOptions(opts Options) {
	if opts.Policy == nil {
		opts.Policy = names.Default()
	}
	if cur := f.opts.Load(); cur != nil {
		opts.Owner = cur.Owner
	}
	f.opts.Store(&opts)
}

// options are the options in force.
func (f *FS) options() *Options { return f.opts.Load() }

// MaxFileSize is the size limit of the uploads that begin now (0: none),
// for a client that can say a file's size before sending it.
func (f *FS) MaxFileSize() int64 { return f.options().MaxFileSize }

// Tree is the tree in force.
func (f *FS) Tree() *Tree { return f.tree.Load() }

// SetTree swaps in a rebuilt tree (the directory changed); operations
// already under way finish on the old one.
func (f *FS) SetTree(t *Tree) { f.tree.Store(t) }

// Touch records activity, for the idle timeout.
func (f *FS) Touch() { f.lastActivity.Store(time.Now().UnixNano()) }

// LastActivity is when the connection last did something.
func (f *FS) LastActivity() time.Time { return time.Unix(0, f.lastActivity.Load()) }

// Cancel tells the FS its connection has ended: long operations still
// running for it (the copy that starts a resumed upload) stop.
func (f *FS) Cancel() { f.cancelOnce.Do(func() { close(f.done) }) }

func (f *FS) cancelled() bool {
	select {
	case <-f.done:
		return true
	default:
		return false
	}
}

// Close stops what is still running and releases the mount roots.
func (f *FS) Close() error {
	f.Cancel()
	f.mu.Lock()
	defer f.mu.Unlock()
	for k, r := range f.roots {
		r.Close()
		delete(f.roots, k)
	}
	return nil
}

func (f *FS) root(m *Mount) (*os.Root, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r, ok := f.roots[m.Dir]; ok {
		return r, nil
	}
	r, err := f.storage.openMount(m)
	if err != nil {
		return nil, err
	}
	f.roots[m.Dir] = r
	return r, nil
}

// locate resolves vpath and opens its mount. Temporary upload files do not
// exist as far as users are concerned.
func (f *FS) locate(op, vpath string) (Location, *os.Root, error) {
	f.Touch()
	t := f.Tree()
	loc, err := t.Resolve(vpath)
	if err != nil {
		return loc, nil, pathErr(op, loc.Path, err)
	}
	if loc.Virtual() {
		return loc, nil, nil
	}
	if strings.HasPrefix(path.Base(loc.Rel), tempPrefix) {
		return loc, nil, pathErr(op, loc.Path, ErrNotFound)
	}
	r, err := f.root(loc.Mount)
	if err != nil {
		return loc, nil, osErr(op, loc.Path, err)
	}
	return loc, r, nil
}

// writable locates vpath for a change and refuses virtual folders and
// read-only mounts with a message that says where writing is possible.
func (f *FS) writable(op, vpath string) (Location, *os.Root, error) {
	loc, r, err := f.locate(op, vpath)
	if err != nil {
		// A new name directly in one of the tree's own folders: the
		// answer is "read-only", not "not found".
		if errors.Is(err, ErrNotFound) && loc.Mount == nil && loc.Path != "" && f.exists(Location{Path: path.Dir(loc.Path)}) {
			e := pathErr(op, loc.Path, ErrReadOnly)
			e.Hint = f.Tree().WritableHint()
			return loc, nil, e
		}
		return loc, nil, err
	}
	if loc.Virtual() || loc.Rel == "." {
		// The tree's own folders and the mount points are fixed.
		e := pathErr(op, loc.Path, ErrReadOnly)
		e.Hint = f.Tree().WritableHint()
		return loc, nil, e
	}
	if !loc.Mount.Writable {
		e := pathErr(op, loc.Path, ErrPermission)
		e.Hint = catalogue.DownloadNotChange.F(loc.Mount.Path, f.Tree().WritableHint())
		return loc, nil, e
	}
	return loc, r, nil
}

// checkName applies the filename policy to the last element of a path a
// write is about to create.
func (f *FS) checkName(op string, loc Location) error {
	if err := f.options().Policy.Check(path.Base(loc.Path)); err != nil {
		var ne *names.Error
		if errors.As(err, &ne) {
			return &PathError{Op: op, Path: loc.Path, Err: ErrName, Name: ne}
		}
		return &PathError{Op: op, Path: loc.Path, Err: ErrName, Name: &names.Error{Name: path.Base(loc.Path), Reason: err.Error()}}
	}
	return nil
}

// FileInfo describes an entry as the user sees it: the virtual name, and
// permission bits that tell a read-only folder from a writable one.
type FileInfo struct {
	name  string
	size  int64
	mode  fs.FileMode
	mtime time.Time
	sys   any
}

func (i *FileInfo) Name() string       { return i.name }
func (i *FileInfo) Size() int64        { return i.size }
func (i *FileInfo) Mode() fs.FileMode  { return i.mode }
func (i *FileInfo) ModTime() time.Time { return i.mtime }
func (i *FileInfo) IsDir() bool        { return i.mode.IsDir() }
func (i *FileInfo) Sys() any           { return i.sys }

func virtualInfo(name string) *FileInfo {
	return &FileInfo{name: name, mode: fs.ModeDir | 0o555, mtime: virtualMtime}
}

func physicalInfo(name string, fi fs.FileInfo, writable bool) *FileInfo {
	mode := fi.Mode() & fs.ModeType
	switch {
	case fi.IsDir() && writable:
		mode |= 0o755
	case fi.IsDir():
		mode |= 0o555
	case writable:
		mode |= 0o644
	default:
		mode |= 0o444
	}
	return &FileInfo{name: name, size: fi.Size(), mode: mode, mtime: fi.ModTime(), sys: fi.Sys()}
}

func baseName(p string) string {
	if p == "/" {
		return "/"
	}
	return path.Base(p)
}

// upload is this connection's open upload to a path, if any. Clients ask
// about the file they are writing (fstat, fsetstat of times after the
// data, as `sftp put -p` does) before it exists at its path.
func (f *FS) upload(vpath string) *Upload {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.uploads[vpath]
}

func (f *FS) trackUpload(u *Upload, open bool) {
	if open {
		f.storage.uploads.add(u)
	} else {
		f.storage.uploads.remove(u)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if open {
		f.uploads[u.loc.Path] = u
	} else if f.uploads[u.loc.Path] == u {
		delete(f.uploads, u.loc.Path)
	}
}

// Stat describes one path.
func (f *FS) Stat(vpath string) (*FileInfo, error) {
	loc, r, err := f.locate("read", vpath)
	if err != nil {
		return nil, err
	}
	if loc.Virtual() {
		return virtualInfo(baseName(loc.Path)), nil
	}
	if u := f.upload(loc.Path); u != nil {
		if fi, err := u.file.Stat(); err == nil {
			return physicalInfo(baseName(loc.Path), fi, loc.Mount.Writable), nil
		}
	}
	fi, err := r.Stat(loc.Rel)
	if err != nil {
		return nil, osErr("read", loc.Path, err)
	}
	return physicalInfo(baseName(loc.Path), fi, loc.Mount.Writable), nil
}

// List returns the entries of a folder, sorted by name. Temporary upload
// files and symlinks leading nowhere reachable are left out.
func (f *FS) List(vpath string) ([]*FileInfo, error) {
	loc, r, err := f.locate("list", vpath)
	if err != nil {
		return nil, err
	}
	t := f.Tree()
	if loc.Virtual() {
		names, mounts := t.Children(loc.Path)
		out := make([]*FileInfo, 0, len(names))
		for i, n := range names {
			if mounts[i] == nil {
				out = append(out, virtualInfo(n))
				continue
			}
			mr, err := f.root(mounts[i])
			if err != nil {
				continue
			}
			fi, err := mr.Stat(".")
			if err != nil {
				continue
			}
			out = append(out, physicalInfo(n, fi, mounts[i].Writable))
		}
		return out, nil
	}
	d, err := r.Open(loc.Rel)
	if err != nil {
		return nil, osErr("list", loc.Path, err)
	}
	defer d.Close()
	entries, err := d.ReadDir(-1)
	if err != nil {
		return nil, osErr("list", loc.Path, err)
	}
	slices.SortFunc(entries, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	out := make([]*FileInfo, 0, len(entries))
	for _, e := range entries {
		n := e.Name()
		if strings.HasPrefix(n, tempPrefix) {
			continue
		}
		var fi fs.FileInfo
		if e.Type()&fs.ModeSymlink != 0 {
			// Show what the link leads to, if it stays inside the mount.
			fi, err = r.Stat(path.Join(loc.Rel, n))
		} else {
			fi, err = e.Info()
		}
		if err != nil {
			continue
		}
		out = append(out, physicalInfo(n, fi, loc.Mount.Writable))
	}
	return out, nil
}

// Open opens a file for reading.
func (f *FS) Open(vpath string) (*os.File, error) {
	loc, r, err := f.locate("download", vpath)
	if err != nil {
		return nil, err
	}
	if loc.Virtual() {
		return nil, pathErr("download", loc.Path, ErrIsDir)
	}
	file, err := r.Open(loc.Rel)
	if err != nil {
		return nil, osErr("download", loc.Path, err)
	}
	fi, err := file.Stat()
	if err != nil {
		file.Close()
		return nil, osErr("download", loc.Path, err)
	}
	if fi.IsDir() {
		file.Close()
		return nil, pathErr("download", loc.Path, ErrIsDir)
	}
	return file, nil
}

// Mkdir creates one folder.
func (f *FS) Mkdir(vpath string) error {
	const op = "create folder"
	loc, r, err := f.writable(op, vpath)
	if err != nil {
		// Clients that "mkdir -p" a path through the fixed folders expect
		// "exists", not "read-only", for folders that are there.
		if errors.Is(err, ErrReadOnly) && (loc.Mount != nil || f.exists(loc)) {
			return pathErr(op, loc.Path, ErrExists)
		}
		return err
	}
	if _, err := r.Lstat(loc.Rel); err == nil {
		return pathErr(op, loc.Path, ErrExists)
	}
	if err := f.checkName(op, loc); err != nil {
		return err
	}
	return osErr(op, loc.Path, r.Mkdir(loc.Rel, f.storage.dirMode))
}

func (f *FS) exists(loc Location) bool {
	_, ok := f.Tree().children[loc.Path]
	return ok
}

// Remove deletes a file.
func (f *FS) Remove(vpath string) error { return f.remove("delete", vpath, false) }

// Rmdir deletes an empty folder.
func (f *FS) Rmdir(vpath string) error { return f.remove("delete folder", vpath, true) }

func (f *FS) remove(op, vpath string, folder bool) error {
	loc, r, err := f.writable(op, vpath)
	if err != nil {
		return err
	}
	// A file whose upload this login has open is a file in the making:
	// deleting it cancels the upload (sync tools delete a failed upload
	// without closing it first).
	cancelled := !folder && f.cancelUploads(loc)
	fi, err := r.Lstat(loc.Rel)
	switch {
	case err != nil && cancelled && errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return osErr(op, loc.Path, err)
	case fi.IsDir() && !folder:
		return pathErr(op, loc.Path, ErrIsDir)
	case !fi.IsDir() && folder:
		return pathErr(op, loc.Path, ErrNotDir)
	}
	err = r.Remove(loc.Rel)
	if folder && (errors.Is(err, syscall.ENOTEMPTY) || errors.Is(err, syscall.EEXIST)) { // rmdir(2) may say either
		// Listings hide temporary upload files: a folder that looks empty
		// may hold some.
		if err := f.clearTemps(op, loc); err != nil {
			return err
		}
		err = r.Remove(loc.Rel)
	}
	return osErr(op, loc.Path, err)
}

// Rename moves a file or folder within one mount. Unless overwrite is set
// (SFTP posix-rename, FTP RNTO), an existing target is refused, as
// OpenSSH's sftp-server does.
func (f *FS) Rename(from, to string, overwrite bool) error {
	const op = "rename"
	src, r, err := f.writable(op, from)
	if err != nil {
		return err
	}
	dst, _, err := f.writable(op, to)
	if err != nil {
		return err
	}
	if src.Mount != dst.Mount {
		e := pathErr(op, src.Path, ErrCrossMount)
		e.Hint = catalogue.NotBetweenFolders.F(dst.Path)
		return e
	}
	if _, err := r.Lstat(src.Rel); err != nil && !f.uploadInProgress(src) {
		return osErr(op, src.Path, err)
	}
	// The upload would publish under the old name after the rename:
	// refuse, rather than let the file reappear there.
	if f.uploadInProgress(src) {
		return pathErr(op, src.Path, ErrBusy)
	}
	if err := f.checkName(op+" to", dst); err != nil {
		return err
	}
	fi, err := r.Lstat(dst.Rel)
	if err == nil && (!overwrite || fi.IsDir()) {
		return pathErr(op+" to", dst.Path, ErrExists)
	}
	if !overwrite {
		// The check above gives the usual answer; the rename itself makes
		// sure a file created since is not replaced.
		err = renameNoReplace(r, src.Rel, dst.Rel)
		if errors.Is(err, fs.ErrExist) {
			return pathErr(op+" to", dst.Path, ErrExists)
		}
		return osErr(op, src.Path, err)
	}
	return osErr(op, src.Path, r.Rename(src.Rel, dst.Rel))
}

// Chtimes sets access and modification times (clients preserve mtimes so
// that synchronisation compares correctly).
func (f *FS) Chtimes(vpath string, atime, mtime time.Time) error {
	const op = "set the time of"
	loc, r, err := f.writable(op, vpath)
	if err != nil {
		return err
	}
	if u := f.upload(loc.Path); u != nil {
		u.setTimes(atime, mtime) // applied when the upload is published
		return nil
	}
	return osErr(op, loc.Path, r.Chtimes(loc.Rel, atime, mtime))
}

// Usage is what statvfs reports.
type Usage struct {
	BlockSize, Blocks, BlocksFree, BlocksAvail, Files, FilesFree, NameMax uint64
}

// StatFS reports the space of the file system holding vpath.
func (f *FS) StatFS(vpath string) (Usage, error) {
	loc, r, err := f.locate("read", vpath)
	if err != nil {
		return Usage{}, err
	}
	var dir *os.File
	if loc.Virtual() {
		dir, err = f.storage.root.Open(".")
	} else {
		dir, err = r.Open(".")
	}
	if err != nil {
		return Usage{}, osErr("read", loc.Path, err)
	}
	defer dir.Close()
	var st syscall.Statfs_t
	if err := syscall.Fstatfs(int(dir.Fd()), &st); err != nil {
		return Usage{}, osErr("read", loc.Path, err)
	}
	return Usage{
		BlockSize: uint64(st.Bsize), Blocks: st.Blocks, BlocksFree: st.Bfree, BlocksAvail: st.Bavail,
		Files: st.Files, FilesFree: st.Ffree, NameMax: uint64(st.Namelen),
	}, nil
}

// CreateMode says what an upload does with an existing file.
type CreateMode int

const (
	Replace  CreateMode = iota // a new content replaces the file's
	Continue                   // the upload continues the existing content (resume, append, write without truncate)
	New                        // the file must not exist (O_EXCL): an existing one is refused, never replaced
)

// uploadTarget checks the file an upload will write: not a folder, and a
// new name must pass the policy. Overwriting a file that is there already
// creates no new name: odd names put on disk by the TMS stay usable.
func (f *FS) uploadTarget(op string, loc Location, r *os.Root) (exists bool, err error) {
	existing, err := r.Stat(loc.Rel)
	switch {
	case err == nil && existing.IsDir():
		return true, pathErr(op, loc.Path, ErrIsDir)
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, f.checkName(op, loc)
	default:
		return false, osErr(op, loc.Path, err)
	}
}

// Create starts an upload to vpath. Nothing is visible at vpath until
// the upload's Close commits it.
func (f *FS) Create(vpath string, mode CreateMode) (*Upload, error) {
	const op = "upload"
	loc, r, err := f.writable(op, vpath)
	if err != nil {
		return nil, err
	}
	exists, err := f.uploadTarget(op, loc, r)
	if err != nil {
		return nil, err
	}
	if exists && mode == New {
		return nil, pathErr(op, loc.Path, ErrExists)
	}
	u, err := newUpload(f, r, loc, mode == Continue && exists, mode == New)
	if err != nil {
		return nil, osErr(op, loc.Path, err)
	}
	return u, nil
}

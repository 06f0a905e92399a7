package vfs

import (
	"io"
	"path"
	"strings"
	"sync"
)

// uploadsInProgress is the storage-wide register of open uploads, so that
// a delete from any connection of the uploading login can cancel one (sync
// tools delete a failed upload on another connection of their pool), a
// folder delete can tell this login's temporary files from another's, and
// a rename can refuse to move a file that is still being written. Keys are
// physical paths relative to the storage root.
type uploadsInProgress struct {
	mu       sync.Mutex
	byTarget map[string]map[*Upload]struct{}
	byTemp   map[string]*Upload
}

func (p *uploadsInProgress) add(u *Upload) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.byTarget == nil {
		p.byTarget, p.byTemp = map[string]map[*Upload]struct{}{}, map[string]*Upload{}
	}
	key := u.targetKey()
	if p.byTarget[key] == nil {
		p.byTarget[key] = map[*Upload]struct{}{}
	}
	p.byTarget[key][u] = struct{}{}
	if u.tmp != "" {
		p.byTemp[u.tempKey()] = u
	}
}

func (p *uploadsInProgress) remove(u *Upload) {
	p.mu.Lock()
	defer p.mu.Unlock()
	key := u.targetKey()
	delete(p.byTarget[key], u)
	if len(p.byTarget[key]) == 0 {
		delete(p.byTarget, key)
	}
	if u.tmp != "" && p.byTemp[u.tempKey()] == u {
		delete(p.byTemp, u.tempKey())
	}
}

// to lists the uploads in progress to a physical path.
func (p *uploadsInProgress) to(key string) []*Upload {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []*Upload
	for u := range p.byTarget[key] {
		out = append(out, u)
	}
	return out
}

// ofTemp is the upload writing a temporary file, nil for none.
func (p *uploadsInProgress) ofTemp(key string) *Upload {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.byTemp[key]
}

func (u *Upload) targetKey() string { return path.Join(u.loc.Mount.Dir, u.loc.Rel) }
func (u *Upload) tempKey() string   { return path.Join(u.loc.Mount.Dir, u.tmp) }

// cancel ends the upload as if it had never started: the file it was
// writing is gone (the temporary one; in direct mode the caller deletes
// the target), later writes are accepted and dropped, as writes to a
// deleted file are on a POSIX server, and Close publishes nothing.
func (u *Upload) cancel() {
	if !u.cancelled.CompareAndSwap(false, true) {
		return
	}
	if u.tmp != "" {
		u.root.Remove(u.tmp)
	}
	u.file.Truncate(0) // the blocks go now, not when the handle closes
	u.fs.trackUpload(u, false)
}

// Cancelled reports an upload whose file was deleted while it was open.
func (u *Upload) Cancelled() bool { return u.cancelled.Load() }

// Outcome is what the audit trail records of an upload whose Close
// returned closeErr: a cancelled upload is not "ok", though the client,
// which deleted it, is answered OK.
func (u *Upload) Outcome(closeErr error) error {
	if u.Cancelled() {
		return pathErr("upload", u.loc.Path, ErrCancelled)
	}
	return closeErr
}

// discard takes what a cancelled upload is still sent.
func discard(r io.Reader) (int64, error) { return io.Copy(io.Discard, r) }

// cancelUploads cancels this login's uploads in progress to loc and
// reports whether there were any.
func (f *FS) cancelUploads(loc Location) bool {
	n := 0
	for _, u := range f.storage.uploads.to(path.Join(loc.Mount.Dir, loc.Rel)) {
		if u.fs.options().Owner == f.options().Owner {
			u.cancel()
			n++
		}
	}
	return n > 0
}

// uploadInProgress reports an upload, by any login, to loc.
func (f *FS) uploadInProgress(loc Location) bool {
	return len(f.storage.uploads.to(path.Join(loc.Mount.Dir, loc.Rel))) > 0
}

// clearTemps makes a folder that holds only temporary upload files
// removable: this login's uploads in progress are cancelled, and files no
// upload of this server holds (left by a crash) are deleted. Another
// login's upload in progress makes it answer ErrBusy; any other entry,
// ErrNotEmpty.
func (f *FS) clearTemps(op string, loc Location) error {
	r, err := f.root(loc.Mount)
	if err != nil {
		return osErr(op, loc.Path, err)
	}
	d, err := r.Open(loc.Rel)
	if err != nil {
		return osErr(op, loc.Path, err)
	}
	names, err := d.Readdirnames(-1)
	d.Close()
	if err != nil {
		return osErr(op, loc.Path, err)
	}
	var mine []*Upload
	var orphans []string
	for _, n := range names {
		if !strings.HasPrefix(n, tempPrefix) {
			return pathErr(op, loc.Path, ErrNotEmpty)
		}
		rel := path.Join(loc.Rel, n)
		switch u := f.storage.uploads.ofTemp(path.Join(loc.Mount.Dir, rel)); {
		case u == nil:
			orphans = append(orphans, rel)
		case u.fs.options().Owner == f.options().Owner:
			mine = append(mine, u)
		default:
			return pathErr(op, loc.Path, ErrBusy)
		}
	}
	for _, u := range mine {
		u.cancel()
	}
	for _, rel := range orphans {
		r.Remove(rel)
	}
	return nil
}

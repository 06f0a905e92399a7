package vfs

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"strconv"
	"strings"
	"time"
)

// parkedPrefix names the file of an upload set aside at a shutdown. It
// starts with tempPrefix, so listings hide it and no path reaches it, like
// any upload in progress; the start-up sweep tells it from a crash's
// leftover by the rest of the name.
const parkedPrefix = tempPrefix + "parked-"

// ParkedKeep is how long a parked upload waits for its client after the
// restart before its file is removed (at the next start, or by the
// front-end that parked it).
const ParkedKeep = time.Hour

// Parked is an unfinished upload set aside at a shutdown, to be continued
// by the same login after the restart: a browser's chunked upload of a big
// file, whose client asks where to continue. Its file is hidden and
// published only if the upload is continued to its end.
type Parked struct {
	Path string `json:"path"` // the virtual path the upload writes, as the login saw it
	Temp string `json:"temp"` // its file, relative to the storage root
	Size int64  `json:"size"` // the bytes it holds: where the upload continues
	// Target is the state of the file at Path when the upload was parked
	// ("" for none): a live upload is cancelled by a delete of its target
	// (the deleted file must not come back at the commit), and a parked
	// one, which nothing tracks, is not continued over a target that
	// changed meanwhile.
	Target string `json:"target"`
}

// ErrParkedStale refuses to continue a parked upload that no longer fits:
// its file is gone, moved or of another size, or its target changed while
// it was parked. The front-end then starts the file again.
var ErrParkedStale = errors.New("the upload set aside no longer fits its file")

// targetState is what Parked.Target records of the file at rel.
func targetState(r *os.Root, rel string) string {
	fi, err := r.Stat(rel)
	if err != nil {
		return ""
	}
	return strconv.FormatInt(fi.Size(), 10) + "@" + strconv.FormatInt(fi.ModTime().UnixNano(), 10)
}

// Park ends an unfinished upload without publishing it and keeps what
// arrived: the file is synced and renamed to a parked name beside its
// target, and Unpark continues it later, after a restart. Only an atomic
// upload that is healthy can be parked; any other is discarded, as Abort
// would, and Park fails.
func (u *Upload) Park() (Parked, error) {
	var p Parked
	var err error = pathErr("upload", u.loc.Path, ErrFailed) // when closed already
	u.once.Do(func() {
		p, err = u.park()
		// Nothing was published: a Close after Park says so.
		u.err = pathErr("upload", u.loc.Path, ErrFailed)
		if err != nil {
			u.err = err
		}
		u.fs.trackUpload(u, false)
	})
	if err != nil {
		return Parked{}, err
	}
	return p, nil
}

func (u *Upload) park() (Parked, error) {
	if u.tmp == "" || u.Cancelled() || u.failed() != nil {
		if u.tmp != "" {
			u.file.Close()
			u.root.Remove(u.tmp)
		} else {
			u.file.Close()
		}
		return Parked{}, pathErr("upload", u.loc.Path, ErrFailed)
	}
	fi, err := u.file.Stat()
	if err == nil {
		err = u.file.Sync()
	}
	if cerr := u.file.Close(); err == nil {
		err = cerr
	}
	name := path.Join(path.Dir(u.loc.Rel), parkedPrefix+randomHex())
	if err == nil {
		err = u.root.Rename(u.tmp, name)
	}
	if err == nil {
		// ParkedKeep counts from now, not from the last chunk.
		now := time.Now()
		u.root.Chtimes(name, now, now)
		err = syncDir(u.root, path.Dir(u.loc.Rel))
	}
	if err != nil {
		u.root.Remove(u.tmp)
		u.root.Remove(name)
		return Parked{}, osErr("upload", u.loc.Path, err)
	}
	return Parked{Path: u.loc.Path, Temp: path.Join(u.loc.Mount.Dir, name), Size: fi.Size(), Target: targetState(u.root, u.loc.Rel)}, nil
}

// Unpark continues a parked upload, with the checks of a new one as of
// now (the folder must still be writable for this login, a new name must
// pass the policy, the size limit holds). The parked file must lie beside
// the upload's target and hold the bytes Park counted, and the target
// must be as Park left it; otherwise the upload is refused
// (ErrParkedStale), its file removed when it is there, and the client
// starts again.
func (f *FS) Unpark(p Parked) (*Upload, error) {
	const op = "upload"
	loc, r, err := f.writable(op, p.Path)
	if err != nil {
		return nil, err
	}
	dir := path.Join(loc.Mount.Dir, path.Dir(loc.Rel))
	if path.Dir(p.Temp) != dir || !strings.HasPrefix(path.Base(p.Temp), parkedPrefix) {
		return nil, pathErr(op, loc.Path, ErrParkedStale)
	}
	parked := path.Join(path.Dir(loc.Rel), path.Base(p.Temp))
	if _, err := f.uploadTarget(op, loc, r); err != nil {
		return nil, err
	}
	if targetState(r, loc.Rel) != p.Target {
		r.Remove(parked)
		return nil, pathErr(op, loc.Path, ErrParkedStale)
	}
	opts := f.options()
	u := &Upload{fs: f, root: r, loc: loc, mode: opts.UploadMode, limit: opts.MaxFileSize}
	if u.mode == UploadDirect {
		u.mode = UploadAtomic // parked from an atomic upload: it stays one
	}
	u.tmp = path.Join(path.Dir(loc.Rel), tempPrefix+randomHex())
	if err := r.Rename(parked, u.tmp); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, pathErr(op, loc.Path, ErrParkedStale)
		}
		return nil, osErr(op, loc.Path, err)
	}
	// A live upload's file now: the start-up sweep, which may still be
	// walking, removes the temporary files older than the start.
	now := time.Now()
	r.Chtimes(u.tmp, now, now)
	file, err := r.OpenFile(u.tmp, os.O_RDWR, 0)
	if err != nil {
		r.Remove(u.tmp)
		return nil, osErr(op, loc.Path, err)
	}
	u.file = file
	if fi, err := file.Stat(); err != nil || !fi.Mode().IsRegular() || fi.Size() != p.Size {
		file.Close()
		r.Remove(u.tmp)
		return nil, &PathError{Op: "resume the upload of", Path: loc.Path, Err: ErrParkedStale, Limit: sizeOf(fi), Offset: p.Size}
	}
	if err := u.startAtSize(); err != nil {
		file.Close()
		r.Remove(u.tmp)
		return nil, err
	}
	u.offset = p.Size
	f.trackUpload(u, true)
	return u, nil
}

func sizeOf(fi os.FileInfo) int64 {
	if fi == nil {
		return 0
	}
	return fi.Size()
}

// RemoveParked removes the file of a parked upload nobody continued.
func (s *Storage) RemoveParked(p Parked) error {
	if !strings.HasPrefix(path.Base(p.Temp), parkedPrefix) || !fs.ValidPath(p.Temp) {
		return pathErr("delete", p.Path, ErrNotFound)
	}
	if err := s.root.Remove(p.Temp); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

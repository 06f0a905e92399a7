package vfs

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path"
	"sync"
	"sync/atomic"
	"time"
)

// Upload is a write in progress. Readers of the target see the previous
// content (or nothing) until Close commits; Abort, or a transfer error
// reported before Close, discards it (upload mode 1) or publishes what
// arrived so the client can resume (mode 2). In mode 0 writes go to the
// target directly, as SFTPGo's upload_mode 0 does.
type Upload struct {
	fs     *FS
	root   *os.Root
	loc    Location
	file   *os.File
	tmp    string // temporary file, relative to the mount; "" in direct mode
	offset int64  // for sequential Write (FTP)

	aborted atomic.Bool
	once    sync.Once
	err     error
	written atomic.Int64

	timesMu      sync.Mutex
	atime, mtime time.Time // set by the client while writing; applied on publish
}

func (u *Upload) setTimes(atime, mtime time.Time) {
	u.timesMu.Lock()
	u.atime, u.mtime = atime, mtime
	u.timesMu.Unlock()
}

// applyTimes sets the times the client asked for during the upload, once
// the file is at its path (a rename keeps the temporary file's times).
func (u *Upload) applyTimes() {
	u.timesMu.Lock()
	atime, mtime := u.atime, u.mtime
	u.timesMu.Unlock()
	if !mtime.IsZero() {
		u.root.Chtimes(u.loc.Rel, atime, mtime)
	}
}

func newUpload(f *FS, r *os.Root, loc Location, keep bool) (*Upload, error) {
	u := &Upload{fs: f, root: r, loc: loc}
	if f.opts.UploadMode == UploadDirect {
		flags := os.O_RDWR | os.O_CREATE
		if !keep {
			flags |= os.O_TRUNC
		}
		file, err := r.OpenFile(loc.Rel, flags, 0o644)
		if err != nil {
			return nil, err
		}
		u.file = file
		f.trackUpload(u, true)
		return u, nil
	}
	var rnd [8]byte
	_, _ = rand.Read(rnd[:])
	u.tmp = path.Join(path.Dir(loc.Rel), tempPrefix+hex.EncodeToString(rnd[:]))
	// O_EXCL: a fresh file for every upload, never one that another upload
	// or a planted link already holds.
	file, err := r.OpenFile(u.tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, err
	}
	u.file = file
	if keep {
		if err := copyInto(file, r, loc.Rel); err != nil {
			file.Close()
			r.Remove(u.tmp)
			return nil, err
		}
	}
	f.trackUpload(u, true)
	return u, nil
}

// Path is the virtual path being written.
func (u *Upload) Path() string { return u.loc.Path }

// Size is the current size of the content being written: the starting
// offset of an append.
func (u *Upload) Size() (int64, error) {
	fi, err := u.file.Stat()
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

// Written counts the bytes received, for logs and audit.
func (u *Upload) Written() int64 { return u.written.Load() }

// WriteAt writes at an offset (SFTP). The file is never opened with
// O_APPEND: offsets are what the client asked for.
func (u *Upload) WriteAt(p []byte, off int64) (int, error) {
	n, err := u.file.WriteAt(p, off)
	u.written.Add(int64(n))
	u.fs.Touch()
	return n, err
}

// Write writes sequentially from the position set by Seek (FTP).
func (u *Upload) Write(p []byte) (int, error) {
	n, err := u.WriteAt(p, u.offset)
	u.offset += int64(n)
	return n, err
}

// ReadFrom lets io.Copy hand the upload big buffers (and splice where the
// kernel can) instead of 32 KiB writes.
func (u *Upload) ReadFrom(r io.Reader) (int64, error) {
	if _, err := u.file.Seek(u.offset, io.SeekStart); err != nil {
		return 0, err
	}
	n, err := u.file.ReadFrom(r)
	u.offset += n
	u.written.Add(n)
	u.fs.Touch()
	return n, err
}

// Seek positions sequential writes (FTP REST).
func (u *Upload) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
		u.offset = offset
	case io.SeekCurrent:
		u.offset += offset
	case io.SeekEnd:
		size, err := u.Size()
		if err != nil {
			return 0, err
		}
		u.offset = size + offset
	}
	if u.offset < 0 {
		u.offset = 0
		return 0, errors.New("negative offset")
	}
	return u.offset, nil
}

// ReadAt reads back what is being written (SFTP read-write handles).
func (u *Upload) ReadAt(p []byte, off int64) (int, error) { return u.file.ReadAt(p, off) }

// TransferError is how pkg/sftp (and ftpserverlib) tell that the
// connection ended with the file still open: the Close that follows must
// not publish a partial upload.
func (u *Upload) TransferError(error) { u.aborted.Store(true) }

// Abort discards the upload (or, in mode 2, publishes what arrived).
func (u *Upload) Abort() error {
	u.aborted.Store(true)
	return u.Close()
}

// Close commits the upload: the data is synced, renamed over the target
// and the folder synced, so an acknowledged upload survives a crash.
func (u *Upload) Close() error {
	u.once.Do(func() {
		u.err = u.finish()
		if u.err == nil {
			u.applyTimes()
		}
		u.fs.trackUpload(u, false)
		u.fs.Touch()
	})
	return u.err
}

func (u *Upload) finish() error {
	if u.tmp == "" { // direct mode: what is written is written
		return osErr("upload", u.loc.Path, u.file.Close())
	}
	publish := !u.aborted.Load() || u.fs.opts.UploadMode == UploadAtomicWithResume
	if !publish {
		u.file.Close()
		u.root.Remove(u.tmp)
		return pathErr("upload", u.loc.Path, ErrFailed)
	}
	err := u.file.Sync()
	if cerr := u.file.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = u.root.Rename(u.tmp, u.loc.Rel)
	}
	if err != nil {
		u.root.Remove(u.tmp)
		return osErr("upload", u.loc.Path, err)
	}
	if d, err := u.root.Open(path.Dir(u.loc.Rel)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

package vfs

import (
	"crypto/rand"
	"encoding/hex"
	"io"
	"math"
	"os"
	"path"
	"sync"
	"sync/atomic"
	"time"
)

// Upload is a write in progress. Readers of the target see the previous
// content (or nothing) until Close commits. A write that fails on the
// server (full disk, size limit) fails the upload: Close then discards it
// in every mode and returns the cause, so a failing disk never replaces a
// good file. Abort, or a transfer error reported before Close (the
// connection was cut), discards it in upload mode 1 or publishes what
// arrived so the client can resume (mode 2). In mode 0 writes go to the
// target directly, as SFTPGo's upload_mode 0 does.
type Upload struct {
	fs        *FS
	root      *os.Root
	loc       Location
	file      *os.File
	tmp       string // temporary file, relative to the mount; "" in direct mode
	exclusive bool   // the client asked for a new file (O_EXCL): never replace one
	offset    int64  // for sequential Write (FTP)
	// The FS's options when the upload began: a reload changes those of
	// the uploads that begin after it.
	mode  UploadMode
	limit int64 // MaxFileSize; 0 = none

	aborted   atomic.Bool
	dropped   atomic.Bool           // Discard: never publish, whatever the mode
	cancelled atomic.Bool           // the file was deleted while being written
	failure   atomic.Pointer[error] // the first write that failed on the server; read on every write
	once      sync.Once
	err       error
	written   atomic.Int64
	end       atomic.Int64 // the furthest byte written so far (or the size kept)

	timesMu      sync.Mutex
	atime, mtime time.Time // set by the client while writing; applied on publish
}

// MaxWriteGap is how far past the current end of an upload a write may
// start. Clients with many requests in flight write out of order (OpenSSH
// sftp 64 x 32 KiB, rclone and pkg/sftp 64 x up to 256 KiB: 16 MiB ahead
// at most); a write further out is not a transfer but a way to make huge
// sparse files.
const MaxWriteGap = 64 << 20

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

// randomHex is the random part of the names of temporary files: 64 bits,
// so that two uploads never pick one name (O_EXCL refuses it anyway).
func randomHex() string {
	var rnd [8]byte
	_, _ = rand.Read(rnd[:])
	return hex.EncodeToString(rnd[:])
}

func newUpload(f *FS, r *os.Root, loc Location, keep, exclusive bool) (*Upload, error) {
	opts := f.options()
	u := &Upload{fs: f, root: r, loc: loc, exclusive: exclusive, mode: opts.UploadMode, limit: opts.MaxFileSize}
	if u.mode == UploadDirect {
		flags := os.O_RDWR | os.O_CREATE
		switch {
		case exclusive:
			flags |= os.O_EXCL
		case !keep:
			flags |= os.O_TRUNC
		}
		file, err := r.OpenFile(loc.Rel, flags, f.storage.fileMode)
		if err != nil {
			return nil, err
		}
		u.file = file
		if err := u.startAtSize(); err != nil {
			file.Close()
			return nil, err
		}
		f.trackUpload(u, true)
		return u, nil
	}
	u.tmp = path.Join(path.Dir(loc.Rel), tempPrefix+randomHex())
	// O_EXCL: a fresh file for every upload, never one that another upload
	// or a planted link already holds.
	file, err := r.OpenFile(u.tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL, f.storage.fileMode)
	if err != nil {
		return nil, err
	}
	u.file = file
	// Registered before the copy that starts a resumed upload, which may
	// take a while: a delete meanwhile cancels the upload (or the deleted
	// file would reappear when it commits), a rename is refused, and a
	// folder delete does not take the temporary file for a crash's.
	f.trackUpload(u, true)
	if keep {
		err = f.copyInto(file, r, loc.Rel, u.Cancelled)
		if err == nil {
			err = u.startAtSize()
		}
		if err != nil && u.Cancelled() {
			// Deleted while being copied: the upload goes on as any
			// cancelled one, its writes dropped and nothing published.
			return u, nil
		}
		if err != nil {
			f.trackUpload(u, false)
			file.Close()
			r.Remove(u.tmp)
			return nil, err
		}
	}
	return u, nil
}

// startAtSize takes the size of the content kept as the end writes may
// extend, and refuses to continue a file already over the size limit.
func (u *Upload) startAtSize() error {
	fi, err := u.file.Stat()
	if err != nil {
		return err
	}
	u.end.Store(fi.Size())
	if limit := u.limit; limit > 0 && fi.Size() > limit {
		return &PathError{Op: "upload", Path: u.loc.Path, Err: ErrTooLarge, Limit: limit}
	}
	return nil
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
// O_APPEND: offsets are what the client asked for. A write over the size
// limit, too far past the end, or refused by the disk fails the upload.
func (u *Upload) WriteAt(p []byte, off int64) (int, error) {
	u.fs.Touch()
	if u.Cancelled() {
		return len(p), nil
	}
	if err := u.failed(); err != nil {
		return 0, err
	}
	if err := u.check(off, int64(len(p))); err != nil {
		return 0, u.fail(err)
	}
	n, err := u.file.WriteAt(p, off)
	u.written.Add(int64(n))
	u.extend(off + int64(n))
	if err != nil {
		return n, u.fail(err)
	}
	return n, nil
}

// check refuses a write of n bytes at off that would pass the size limit
// or leave a gap wider than MaxWriteGap.
func (u *Upload) check(off, n int64) error {
	if limit := u.limit; limit > 0 && off+n > limit {
		return &PathError{Op: "upload", Path: u.loc.Path, Err: ErrTooLarge, Limit: limit}
	}
	if off > u.end.Load()+MaxWriteGap {
		return &PathError{Op: "upload", Path: u.loc.Path, Err: ErrTooFar, Limit: MaxWriteGap}
	}
	return nil
}

func (u *Upload) extend(to int64) {
	for {
		cur := u.end.Load()
		if to <= cur || u.end.CompareAndSwap(cur, to) {
			return
		}
	}
}

// fail records the first failure of a write on the server; Close will
// discard the upload and return it. The error returned is a vfs sentence.
func (u *Upload) fail(err error) error {
	err = osErr("upload", u.loc.Path, err)
	u.failure.CompareAndSwap(nil, &err)
	return *u.failure.Load()
}

func (u *Upload) failed() error {
	if p := u.failure.Load(); p != nil {
		return *p
	}
	return nil
}

// Write writes sequentially from the position set by Seek (FTP).
func (u *Upload) Write(p []byte) (int, error) {
	n, err := u.WriteAt(p, u.offset)
	u.offset += int64(n)
	return n, err
}

// ReadFrom lets io.Copy hand the upload big buffers (and splice where the
// kernel can) instead of 32 KiB writes. The size limit bounds what is
// read. An error of the disk fails the upload; any other is the source's
// (the connection), for the caller to report as a transfer error.
func (u *Upload) ReadFrom(r io.Reader) (int64, error) {
	u.fs.Touch()
	if u.Cancelled() {
		return discard(r)
	}
	if err := u.failed(); err != nil {
		return 0, err
	}
	if err := u.check(u.offset, 0); err != nil {
		return 0, u.fail(err)
	}
	if _, err := u.file.Seek(u.offset, io.SeekStart); err != nil {
		return 0, u.fail(err)
	}
	if _, ok := r.(*io.LimitedReader); !ok {
		// A stream read in user space (TLS): each read is activity, so
		// the idle timeout never cuts a long upload. (Splice chunks come
		// as LimitedReaders and stay one, to keep the zero-copy path.)
		r = activity{r, u.fs}
	}
	// The size limit narrows the source. A source that is already an
	// *io.LimitedReader (ftpd's splice chunks) is narrowed in place, as
	// one LimitedReader, which os.File.ReadFrom still splices from.
	src, limit := r, u.limit
	outer, _ := r.(*io.LimitedReader)
	var bounded *io.LimitedReader // set when the size limit, not the source, ends this read
	if limit > 0 {
		left := limit - u.offset
		inner, n := r, int64(math.MaxInt64)
		if outer != nil {
			inner, n = outer.R, outer.N
		}
		l := &io.LimitedReader{R: inner, N: min(n, left)}
		src = l
		if left < n {
			bounded = l
		}
	}
	n, err := u.file.ReadFrom(src)
	if outer != nil && src != r {
		outer.N -= n
	}
	u.offset += n
	u.written.Add(n)
	u.extend(u.offset)
	u.fs.Touch()
	switch {
	case err != nil && IsStorageFailure(err):
		return n, u.fail(err)
	case err != nil:
		return n, err
	case bounded != nil && bounded.N == 0 && moreData(bounded.R):
		return n, u.fail(&PathError{Op: "upload", Path: u.loc.Path, Err: ErrTooLarge, Limit: limit})
	}
	return n, nil
}

// activity records each read of a stream as activity of the connection.
type activity struct {
	r  io.Reader
	fs *FS
}

func (a activity) Read(p []byte) (int, error) {
	n, err := a.r.Read(p)
	a.fs.Touch()
	return n, err
}

// moreData reads one byte to tell "the source ended at the limit" from
// "the source goes on past it".
func moreData(r io.Reader) bool {
	var b [1]byte
	n, _ := io.ReadFull(r, b[:])
	return n > 0
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
		return 0, pathErr("upload", u.loc.Path, ErrFailed)
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

// Discard drops an upload that never started (a refused resume): nothing
// is published in any mode, not even mode 2's partial file, which would
// be a stale copy of the target taken when the upload began.
func (u *Upload) Discard() {
	u.dropped.Store(true)
	u.aborted.Store(true)
	u.Close()
}

// Close commits the upload: the data is synced, renamed over the target
// (or, for an exclusive create, next to nothing: an existing target is
// never replaced) and the folder synced, so an acknowledged upload
// survives a crash. A failed upload is discarded and its cause returned.
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
	if u.Cancelled() { // deleted while open: nothing to publish, nothing wrong
		u.file.Close()
		return nil
	}
	failure := u.failed()
	if u.tmp == "" { // direct mode: what is written is written
		err := u.file.Close()
		if failure != nil {
			return failure
		}
		return osErr("upload", u.loc.Path, err)
	}
	// Mode 2 publishes what a cut connection left, so the client can
	// resume; never what a failing disk wrote.
	publish := failure == nil && !u.dropped.Load() && (!u.aborted.Load() || u.mode == UploadAtomicWithResume)
	if !publish {
		u.file.Close()
		u.root.Remove(u.tmp)
		if failure != nil {
			return failure
		}
		return pathErr("upload", u.loc.Path, ErrFailed)
	}
	err := u.file.Sync()
	if cerr := u.file.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		if u.exclusive {
			err = renameNoReplace(u.root, u.tmp, u.loc.Rel)
		} else {
			err = u.root.Rename(u.tmp, u.loc.Rel)
		}
	}
	if err != nil {
		u.root.Remove(u.tmp)
		return osErr("upload", u.loc.Path, err)
	}
	// Without the folder's sync the rename may not survive a crash: the
	// client must not be told the file is safe.
	if err := syncDir(u.root, path.Dir(u.loc.Rel)); err != nil {
		return osErr("upload", u.loc.Path, err)
	}
	return nil
}

func syncDir(r *os.Root, rel string) error {
	d, err := r.Open(rel)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

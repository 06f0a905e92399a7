package service

import (
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dossierd/dossierd/audit"
	"github.com/dossierd/dossierd/catalogue"
	"github.com/dossierd/dossierd/vfs"
)

// The operations of a connection: what every front-end calls. Each goes
// through the connection's vfs.FS (resolution, permissions, the filename
// policy, activity for the idle timeout) and does its bookkeeping once,
// here: the audit event with its true result, timed, and the server log's
// line for a refusal. A front-end translates its protocol into these calls
// and their errors (*vfs.PathError, whose text is the user's sentence)
// into its replies, and does nothing else.

// refused writes the log line of a refusal, with the system's detail that
// the user's sentence leaves out.
func (c *Conn) refused(op, p string, err error) {
	attrs := []any{"op", op, "path", p, "err", err.Error()}
	var pe *vfs.PathError
	if errors.As(err, &pe) && pe.Sys != nil {
		attrs = append(attrs, "cause", pe.Sys.Error())
	}
	c.Log().Info("refused", attrs...)
}

// check logs err as a refusal of op on p, if it is one, and returns it.
func (c *Conn) check(op, p string, err error) error {
	if err != nil {
		c.refused(op, p, err)
	}
	return err
}

// change runs one change to the tree, audited.
func (c *Conn) change(action, op, p, target string, f func() error) error {
	start := time.Now()
	err := f()
	c.Audit(action, p, target, 0, time.Since(start), err)
	if t, ok := changeEvents[action]; ok && err == nil {
		c.emit(Event{Type: t, Path: p, Target: target})
	}
	return c.check(op, p, err)
}

// Stat describes one path.
func (c *Conn) Stat(p string) (*vfs.FileInfo, error) {
	fi, err := c.FS.Stat(p)
	return fi, c.check("read", p, err)
}

// Probe is Stat without the refusal line, for what clients look up to
// learn whether it exists (FTP "LIST -la" options, HASH's own lookups).
func (c *Conn) Probe(p string) (*vfs.FileInfo, error) { return c.FS.Stat(p) }

// List lists a folder.
func (c *Conn) List(p string) ([]*vfs.FileInfo, error) {
	entries, err := c.FS.List(p)
	return entries, c.check("list", p, err)
}

// Mkdir creates a folder.
func (c *Conn) Mkdir(p string) error {
	return c.change(audit.Mkdir, "create folder", p, "", func() error { return c.FS.Mkdir(p) })
}

// Remove deletes a file (or cancels its upload in progress).
func (c *Conn) Remove(p string) error {
	return c.change(audit.Delete, "delete", p, "", func() error { return c.FS.Remove(p) })
}

// Rmdir deletes a folder.
func (c *Conn) Rmdir(p string) error {
	return c.change(audit.Rmdir, "delete folder", p, "", func() error { return c.FS.Rmdir(p) })
}

// Rename moves a file or folder; without overwrite an existing target is
// refused.
func (c *Conn) Rename(from, to string, overwrite bool) error {
	return c.change(audit.Rename, "rename", from, to, func() error { return c.FS.Rename(from, to, overwrite) })
}

// Chtimes sets the times of a file (clients preserve mtimes so that
// synchronisation compares correctly).
func (c *Conn) Chtimes(p string, atime, mtime time.Time) error {
	return c.change(audit.Setstat, "set the time of", p, "", func() error { return c.FS.Chtimes(p, atime, mtime) })
}

// Chmod accepts and ignores a change of permissions or owner (as SFTPGo's
// setstat_mode 1): OpenSSH "put -p", WinSCP and lftp's "mirror -R" send
// one after every upload and report the transfer as failed when it is
// refused. The path must exist, so that a typo is still reported.
func (c *Conn) Chmod(p string) error {
	return c.change(audit.Setstat, "change", p, "", func() error { _, err := c.FS.Stat(p); return err })
}

// FreeSpace is the space of the file system holding p, with no space
// available where this login cannot write (FTP AVBL, SFTP statvfs).
func (c *Conn) FreeSpace(p string) (vfs.Usage, error) {
	fi, err := c.FS.Stat(p)
	if err != nil {
		return vfs.Usage{}, c.check("read", p, err)
	}
	u, err := c.FS.StatFS(p)
	if err != nil {
		return vfs.Usage{}, c.check("read", p, err)
	}
	if fi.Mode().Perm()&0o200 == 0 {
		u.BlocksAvail, u.BlocksFree = 0, 0
	}
	return u, nil
}

// transfers counts the open downloads and uploads of a connection, for
// Drain, and its open handles (transfers and folder listings held open),
// each holding memory and, for files, a descriptor: Options.MaxOpenHandles
// bounds them.
type transfers struct{ open, handles atomic.Int32 }

// hold takes one of the connection's handles for op on p.
func (c *Conn) hold(op, p string) error {
	max := int32(c.svc.o().MaxOpenHandles)
	if n := c.transfers.handles.Add(1); max > 0 && n > max {
		c.transfers.handles.Add(-1)
		return c.check(op, p, &vfs.PathError{Op: op, Path: p, Err: vfs.ErrLimit, Limit: int64(max)})
	}
	return nil
}

func (c *Conn) release() { c.transfers.handles.Add(-1) }

// Folder is a listing held open (an SFTP folder handle): it counts as one
// of the connection's handles until Close.
type Folder struct {
	Entries []*vfs.FileInfo
	c       *Conn
	once    sync.Once
}

// OpenFolder lists p and holds the listing open.
func (c *Conn) OpenFolder(p string) (*Folder, error) {
	if err := c.hold("list", p); err != nil {
		return nil, err
	}
	entries, err := c.List(p)
	if err != nil {
		c.release()
		return nil, err
	}
	return &Folder{Entries: entries, c: c}, nil
}

// Close gives the handle back.
func (f *Folder) Close() error {
	f.once.Do(f.c.release)
	return nil
}

// OpenTransfers reports how many transfers the connection has open.
func (c *Conn) OpenTransfers() int { return int(c.transfers.open.Load()) }

// quietFor is how long a connection with nothing open must have been
// silent before a shutdown closes it: the reply to an upload just
// committed must not be cut off by the close.
const quietFor = 500 * time.Millisecond

// Quiet reports that closing the connection now cuts nothing: no
// transfer open, no request for a moment.
func (c *Conn) Quiet() bool {
	return c.OpenTransfers() == 0 && time.Since(c.FS.LastActivity()) > quietFor
}

// Download is a file being sent to the client, audited when it closes:
// "ok", or interrupted when the connection ended before the client had
// it whole.
type Download struct {
	*vfs.Download
	c     *Conn
	start time.Time
	once  sync.Once
}

// Read opens p for the server's own reading, not a download: FTP's HASH
// reads the file to checksum it. Not audited; a refusal is logged.
func (c *Conn) Read(p string) (*vfs.Download, error) {
	d, err := c.FS.OpenDownload(p)
	return d, c.check("read", p, err)
}

// Download opens p for reading.
func (c *Conn) Download(p string) (*Download, error) {
	if err := c.hold("download", p); err != nil {
		return nil, err
	}
	d, err := c.FS.OpenDownload(p)
	if err != nil {
		c.release()
		c.Audit(audit.Download, p, "", 0, 0, err)
		return nil, c.check("download", p, err)
	}
	c.transfers.open.Add(1)
	return &Download{Download: d, c: c, start: time.Now()}, nil
}

// Close releases the file and records the download.
func (d *Download) Close() error {
	err := d.Download.Close()
	d.once.Do(func() {
		d.c.transfers.open.Add(-1)
		d.c.release()
		result := err
		if d.Interrupted() != nil {
			result = interrupted{catalogue.DownloadWord}
		}
		d.c.Audit(audit.Download, d.Path(), "", d.Bytes(), time.Since(d.start), result)
		if result == nil {
			d.c.emit(Event{Type: EventDownload, Path: d.Path(), Size: d.Bytes()})
		}
	})
	return err
}

// Upload is a file being received, audited when it closes with its true
// result: "ok", the failure of the disk or of a limit, interrupted, or
// cancelled by its deletion.
type Upload struct {
	*vfs.Upload
	c     *Conn
	start time.Time
	mu    sync.Mutex
	cut   error // the transfer error reported, if any
	once  sync.Once
	err   error
}

// Upload starts a write to p; mode says what becomes of an existing file.
func (c *Conn) Upload(p string, mode vfs.CreateMode) (*Upload, error) {
	if err := c.hold("upload", p); err != nil {
		return nil, err
	}
	u, err := c.FS.Create(p, mode)
	if err != nil {
		c.release()
		c.Audit(audit.Upload, p, "", 0, 0, err)
		return nil, c.check("upload", p, err)
	}
	c.transfers.open.Add(1)
	return &Upload{Upload: u, c: c, start: time.Now()}, nil
}

// ResumeUpload continues the upload of p from byte at, which must be the
// size of the file on the server (FTP REST + STOR): resuming anywhere else
// would leave the old tail after the new data, or a hole of zeros.
func (c *Conn) ResumeUpload(p string, at int64) (*Upload, error) {
	u, err := c.Upload(p, vfs.Continue)
	if err != nil {
		return nil, err
	}
	size, err := u.Size()
	if err == nil && size != at {
		err = &vfs.PathError{Op: "resume the upload of", Path: p, Err: vfs.ErrBadOffset, Limit: size, Offset: at}
	}
	if err == nil {
		_, err = u.Seek(at, 0)
	}
	if err != nil {
		u.discard(err)
		return nil, c.check("resume the upload of", p, err)
	}
	return u, nil
}

// discard drops an upload that never started, audited as refused for err.
func (u *Upload) discard(err error) {
	u.once.Do(func() {
		u.Upload.Discard() // never Abort: mode 2 would publish its copy of the target
		u.c.transfers.open.Add(-1)
		u.c.release()
		u.c.Audit(audit.Upload, u.Path(), "", 0, 0, err)
	})
}

// AppendUpload continues the upload of p from its end (FTP APPE).
func (c *Conn) AppendUpload(p string) (*Upload, error) {
	u, err := c.Upload(p, vfs.Continue)
	if err != nil {
		return nil, err
	}
	if _, err := u.Seek(0, 2); err != nil {
		u.discard(err)
		return nil, c.check("upload", p, err)
	}
	return u, nil
}

// TransferError records that the connection ended, or the client aborted,
// with the file open: the Close that follows discards the upload (or, in
// upload mode 2, publishes what arrived).
func (u *Upload) TransferError(err error) {
	u.mu.Lock()
	if u.cut == nil {
		u.cut = err
	}
	u.mu.Unlock()
	u.Upload.TransferError(err)
}

// Abort discards the upload, as a transfer error does.
func (u *Upload) Abort() error {
	u.TransferError(errAborted)
	return u.Close()
}

var errAborted = errors.New("aborted")

// Drop discards the upload in every upload mode, mode 2 included: for a
// client that resumes from its own copy (a browser's chunked upload left
// unfinished), a partial file published would only be a wrong file.
// Audited as interrupted.
func (u *Upload) Drop() error {
	u.TransferError(errAborted)
	u.Upload.Discard()
	return u.Close()
}

// Park sets an unfinished upload aside at a shutdown (vfs.Upload.Park),
// for Unpark after the restart. Nothing is audited or emitted when it
// succeeds: the upload is not over, and is audited when it ends. An
// upload that cannot be parked is discarded and audited as interrupted.
func (u *Upload) Park() (vfs.Parked, error) {
	var p vfs.Parked
	var err error = &vfs.PathError{Op: "upload", Path: u.Path(), Err: vfs.ErrFailed} // ended already
	u.once.Do(func() {
		p, err = u.Upload.Park()
		u.err = u.Upload.Close() // what a Close after Park says: nothing was published
		u.c.transfers.open.Add(-1)
		u.c.release()
		if err != nil {
			u.c.Audit(audit.Upload, u.Path(), "", u.Written(), time.Since(u.start), interrupted{catalogue.UploadWord})
		}
	})
	return p, err
}

// Unpark continues an upload a shutdown parked, with the checks of a new
// upload as of now (vfs.FS.Unpark). A refusal is logged, not audited: the
// front-end then starts the file again as a new upload, which is.
func (c *Conn) Unpark(p vfs.Parked) (*Upload, error) {
	if err := c.hold("upload", p.Path); err != nil {
		return nil, err
	}
	u, err := c.FS.Unpark(p)
	if err != nil {
		c.release()
		c.Log().Info("parked upload not taken up", "path", p.Path, "err", err.Error())
		return nil, err
	}
	c.transfers.open.Add(1)
	return &Upload{Upload: u, c: c, start: time.Now()}, nil
}

// DropParked removes the file of a parked upload nobody continued.
func (s *Service) DropParked(p vfs.Parked) error { return s.storage.RemoveParked(p) }

// ErrInterrupted marks the audit result of a transfer the connection cut
// before the end of the file.
var ErrInterrupted = errors.New("interrupted")

// interrupted is that result, in the user's words: "upload interrupted:
// the connection was cut before the end of the file".
type interrupted struct{ what catalogue.T }

func (e interrupted) Error() string        { return catalogue.TransferCut.F(e.what.F()) }
func (e interrupted) Is(target error) bool { return target == ErrInterrupted }

// Close commits the upload (or discards it) and records it.
func (u *Upload) Close() error {
	u.once.Do(func() {
		size, sum := u.digest()
		u.err = u.Upload.Close()
		u.c.transfers.open.Add(-1)
		u.c.release()
		result := u.Outcome(u.err)
		u.mu.Lock()
		cut := u.cut
		u.mu.Unlock()
		if cut != nil && !u.Cancelled() && !vfs.IsStorageFailure(result) {
			result = interrupted{catalogue.UploadWord}
		}
		u.c.Audit(audit.Upload, u.Path(), "", u.Written(), time.Since(u.start), result)
		if u.err != nil && cut == nil {
			u.c.refused("upload", u.Path(), u.err)
		}
		if result == nil { // committed at its final name, whole
			u.c.emit(Event{Type: EventUpload, Path: u.Path(), Size: size, SHA256: sum})
		}
	})
	return u.err
}

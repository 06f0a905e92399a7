package sftpd

import (
	"errors"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/pkg/sftp"

	"github.com/dossierd/dossierd/catalogue"
	"github.com/dossierd/dossierd/service"
	"github.com/dossierd/dossierd/vfs"
)

// handlers translates pkg/sftp requests into the connection's operations
// (service.Conn), and their errors into SFTP statuses whose message is the
// vfs sentence written for users. The bookkeeping (audit, activity, the
// refusal log) is the core's.
type handlers struct {
	conn *service.Conn
	log  *slog.Logger
}

func (h *handlers) handlers() sftp.Handlers {
	return sftp.Handlers{FileGet: h, FilePut: h, FileCmd: h, FileList: h}
}

// statusError carries a user-facing message and the SFTP status code that
// pkg/sftp finds with errors.As on its unexported code type.
type statusError struct {
	msg  string
	code error
}

func (e *statusError) Error() string { return e.msg }
func (e *statusError) Unwrap() error { return e.code }

func (h *handlers) fail(op, p string, err error) error {
	if err == nil {
		return nil
	}
	var already *statusError
	if errors.As(err, &already) {
		return err
	}
	var pe *vfs.PathError
	if !errors.As(err, &pe) {
		// Not a vfs sentence: its text may hold physical paths and system
		// words, for the log only.
		pe = &vfs.PathError{Op: op, Path: p, Err: vfs.ErrFailed, Sys: err}
		err = pe
	}
	// The code decides whether the user reads the sentence. FileZilla
	// (fzsftp, src/putty/sftp.c fxp_got_status) prints the server's text
	// only for codes from SSH_FX_FAILURE up ("received failure with
	// description '…'"); for NO_SUCH_FILE and PERMISSION_DENIED it prints
	// "no such file or directory" / "permission denied" alone. So every
	// refusal is FAILURE, read-only folders included, except not-found:
	// its sentence says no more than FileZilla's words, and pkg/sftp (rclone,
	// sync tools) turns NO_SUCH_FILE into fs.ErrNotExist, which is how they
	// tell a missing file from a failure. The price: OpenSSH's sftp, which
	// never prints the server's text (sftp-client.c: fx2txt(status)), says
	// "Failure" rather than "Permission denied" for a read-only folder;
	// WinSCP shows the text whatever the code. No code stops FileZilla from
	// retrying a refused upload: fzsftp reports every server refusal as
	// the same Done 0 (psftp.c), which FileZilla's queue retries
	// (ARCHITECTURE.md, sftpd).
	code := sftp.ErrSSHFxFailure
	if errors.Is(err, vfs.ErrNotFound) {
		code = sftp.ErrSSHFxNoSuchFile
	}
	if pe.Sys != nil && pe.Err == vfs.ErrFailed {
		h.log.Info("refused", "op", op, "path", p, "err", err.Error(), "cause", pe.Sys.Error())
	}
	return &statusError{msg: err.Error(), code: code}
}

func unsupported(what string) error {
	return &statusError{msg: catalogue.Unsupported.F(what), code: sftp.ErrSSHFxOpUnsupported}
}

// reader is an open download: the core counts it and audits it at Close
// (interrupted when pkg/sftp reports the connection ended first).
type reader struct {
	*service.Download
	h *handlers
}

func (r *reader) Close() error {
	return r.h.fail("download", r.Path(), r.Download.Close())
}

func (r *reader) ReadAt(p []byte, off int64) (int, error) {
	n, err := r.Download.ReadAt(p, off)
	if err != nil && err != io.EOF {
		return n, r.h.fail("download", r.Path(), err)
	}
	return n, err
}

func (h *handlers) Fileread(r *sftp.Request) (io.ReaderAt, error) {
	d, err := h.conn.Download(r.Filepath)
	if err != nil {
		return nil, h.fail("download", r.Filepath, err)
	}
	return &reader{Download: d, h: h}, nil
}

func (h *handlers) Filewrite(r *sftp.Request) (io.WriterAt, error) {
	u, err := h.create(r)
	if err != nil {
		return nil, err
	}
	return u, nil
}

// OpenFile serves read-write handles; the upload reads back its own
// temporary file.
func (h *handlers) OpenFile(r *sftp.Request) (sftp.WriterAtReaderAt, error) {
	u, err := h.create(r)
	if err != nil {
		return nil, err
	}
	return u, nil
}

func (h *handlers) create(r *sftp.Request) (*upload, error) {
	flags := r.Pflags()
	// Without TRUNC the client continues the existing content (OpenSSH
	// reput, WinSCP resume); APPEND likewise, while its writes keep their
	// offsets (pkg/sftp issue #295). CREATE|EXCL asks for a new file.
	mode := vfs.Replace
	switch {
	case flags.Creat && flags.Excl:
		mode = vfs.New
	case !flags.Trunc || flags.Append:
		mode = vfs.Continue
	}
	u, err := h.conn.Upload(r.Filepath, mode)
	if err != nil {
		return nil, h.fail("upload", r.Filepath, err)
	}
	return &upload{Upload: u, h: h}, nil
}

// upload is an open upload; the core audits it at Close.
type upload struct {
	*service.Upload
	h *handlers
}

// WriteAt returns the upload's failure as a status the client shows
// (the disk is full, the file is over the size limit); the upload is
// failed and its Close will discard it.
func (u *upload) WriteAt(p []byte, off int64) (int, error) {
	n, err := u.Upload.WriteAt(p, off)
	return n, u.h.fail("upload", u.Path(), err)
}

func (u *upload) ReadAt(p []byte, off int64) (int, error) {
	n, err := u.Upload.ReadAt(p, off)
	if err != nil && err != io.EOF {
		return n, u.h.fail("read", u.Path(), err)
	}
	return n, err
}

func (u *upload) Close() error {
	return u.h.fail("upload", u.Path(), u.Upload.Close())
}

func (h *handlers) Filecmd(r *sftp.Request) error {
	switch r.Method {
	case "Setstat":
		return h.setstat(r)
	case "Rename":
		return h.fail("rename", r.Filepath, h.conn.Rename(r.Filepath, r.Target, false))
	case "Rmdir":
		return h.fail("delete folder", r.Filepath, h.conn.Rmdir(r.Filepath))
	case "Mkdir":
		return h.fail("create folder", r.Filepath, h.conn.Mkdir(r.Filepath))
	case "Remove":
		return h.fail("delete", r.Filepath, h.conn.Remove(r.Filepath))
	case "Link", "Symlink":
		return unsupported(catalogue.CreatingLinks.F())
	}
	return unsupported(r.Method)
}

// PosixRename replaces an existing target, as rename(2) does.
func (h *handlers) PosixRename(r *sftp.Request) error {
	return h.fail("rename", r.Filepath, h.conn.Rename(r.Filepath, r.Target, true))
}

// setstat applies times; permission and owner changes are accepted and
// ignored by the core (Conn.Chmod); a change of size is refused unless it
// is no change.
func (h *handlers) setstat(r *sftp.Request) error {
	flags := r.AttrFlags()
	attrs := r.Attributes()
	if flags.Size {
		fi, err := h.conn.Stat(r.Filepath)
		if err != nil {
			return h.fail("set the size of", r.Filepath, err)
		}
		if fi.IsDir() || uint64(fi.Size()) != attrs.Size {
			return unsupported(catalogue.ChangingSize.F())
		}
	}
	if flags.Acmodtime {
		err := h.conn.Chtimes(r.Filepath, time.Unix(int64(attrs.Atime), 0), time.Unix(int64(attrs.Mtime), 0))
		return h.fail("set the time of", r.Filepath, err)
	}
	return h.fail("change", r.Filepath, h.conn.Chmod(r.Filepath))
}

func (h *handlers) StatVFS(r *sftp.Request) (*sftp.StatVFS, error) {
	u, err := h.conn.FreeSpace(r.Filepath)
	if err != nil {
		return nil, h.fail("read", r.Filepath, err)
	}
	return &sftp.StatVFS{
		Bsize: u.BlockSize, Frsize: u.BlockSize, Blocks: u.Blocks, Bfree: u.BlocksFree, Bavail: u.BlocksAvail,
		Files: u.Files, Ffree: u.FilesFree, Favail: u.FilesFree, Namemax: u.NameMax,
	}, nil
}

type lister []os.FileInfo

func (l lister) ListAt(dst []os.FileInfo, off int64) (int, error) {
	if off >= int64(len(l)) {
		return 0, io.EOF
	}
	n := copy(dst, l[off:])
	if n < len(dst) {
		return n, io.EOF
	}
	return n, nil
}

// dirHandle is the listing of an open folder handle, held by the core
// until pkg/sftp closes the handle.
type dirHandle struct {
	lister
	*service.Folder
}

func (h *handlers) Filelist(r *sftp.Request) (sftp.ListerAt, error) {
	switch r.Method {
	case "List":
		f, err := h.conn.OpenFolder(r.Filepath)
		if err != nil {
			return nil, h.fail("list", r.Filepath, err)
		}
		out := make(lister, len(f.Entries))
		for i, e := range f.Entries {
			out[i] = e
		}
		return &dirHandle{lister: out, Folder: f}, nil
	case "Stat":
		fi, err := h.conn.Stat(r.Filepath)
		if err != nil {
			return nil, h.fail("read", r.Filepath, err)
		}
		return lister{fi}, nil
	case "Readlink":
		return nil, unsupported(catalogue.ReadingLinks.F())
	}
	return nil, unsupported(r.Method)
}

// Lstat is Stat: links are resolved inside the mount and shown as what
// they lead to.
func (h *handlers) Lstat(r *sftp.Request) (sftp.ListerAt, error) {
	r.Method = "Stat"
	return h.Filelist(r)
}

// RealPath canonicalises without touching the disk: the tree decides.
func (h *handlers) RealPath(p string) (string, error) {
	clean, err := vfs.CleanPath(p)
	if err != nil {
		return "", h.fail("read", p, &vfs.PathError{Op: "read", Path: p, Err: err})
	}
	return clean, nil
}

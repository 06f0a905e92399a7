package vfs

import (
	"errors"
	"io/fs"
	"syscall"

	"github.com/dossierd/dossierd/catalogue"
	"github.com/dossierd/dossierd/names"
)

// The kinds of refusal. Protocol adapters map each to their own reply code
// (errors.Is) and send PathError's text, written for a non-technical user,
// as the reply message.
var (
	ErrNotFound    = errors.New("no such file or folder")
	ErrPermission  = errors.New("read-only folder")
	ErrReadOnly    = errors.New("read-only folder")
	ErrExists      = errors.New("already exists")
	ErrNotEmpty    = errors.New("folder is not empty")
	ErrIsDir       = errors.New("is a folder")
	ErrNotDir      = errors.New("is not a folder")
	ErrCrossMount  = errors.New("different folders")
	ErrInvalidPath = errors.New("invalid path")
	ErrName        = errors.New("name refused")
	ErrNoSpace     = errors.New("the server's disk is full")
	ErrTooLarge    = errors.New("file too large")
	ErrTooFar      = errors.New("write too far past the end of the file")
	ErrLimit       = errors.New("too many open")
	ErrBusy        = errors.New("upload in progress")
	ErrCancelled   = errors.New("deleted during its upload")
	ErrBadOffset   = errors.New("resume at the wrong offset")
	ErrFailed      = errors.New("operation failed")
)

// PathError is every error the FS returns. Err is one of the sentinels
// above; Name holds the policy's verdict when Err is ErrName.
type PathError struct {
	Op   string // what the user tried: "upload", "download", "list", "create folder", ...
	Path string // virtual path as the user sees it
	Err  error
	Name *names.Error // set when Err == ErrName
	Hint string       // extra sentence, e.g. where the user can write instead
	Sys  error        // the underlying OS error, for the server log only
	// Limit is the bound a refusal names: bytes per file (ErrTooLarge,
	// 0 when the limit is the system's), bytes past the end (ErrTooFar),
	// open files (ErrLimit).
	Limit int64
	// Offset is where a resume was asked to start (ErrBadOffset, whose
	// Limit is the size of the file on the server).
	Offset int64
}

func (e *PathError) Unwrap() []error {
	if e.Name != nil {
		return []error{e.Err, e.Name}
	}
	return []error{e.Err}
}

// Error is the sentence the user reads, in the server's language.
func (e *PathError) Error() string {
	op := catalogue.Operation(e.Op)
	var msg string
	switch e.Err {
	case ErrName:
		msg = catalogue.RefusedName.F(op, e.Path, e.Name.Error())
	case ErrNotFound:
		msg = catalogue.NotFound.F(op, e.Path)
	case ErrPermission, ErrReadOnly:
		msg = catalogue.ReadOnly.F(op, e.Path)
	case ErrExists:
		msg = catalogue.Exists.F(op, e.Path)
	case ErrNotEmpty:
		msg = catalogue.NotEmpty.F(op, e.Path)
	case ErrIsDir:
		msg = catalogue.IsFolder.F(op, e.Path)
	case ErrNotDir:
		msg = catalogue.NotFolder.F(op, e.Path)
	case ErrInvalidPath:
		msg = catalogue.InvalidPath.F(op, e.Path)
	case ErrCrossMount:
		msg = catalogue.Refused.F(op, e.Path)
	case ErrNoSpace:
		msg = catalogue.DiskFull.F(op, e.Path)
	case ErrTooLarge:
		if e.Limit > 0 {
			msg = catalogue.TooLarge.F(op, e.Path, catalogue.Megabytes(e.Limit))
		} else {
			msg = catalogue.TooLargeForDisk.F(op, e.Path)
		}
	case ErrTooFar:
		msg = catalogue.TooFar.F(op, e.Path, catalogue.Megabytes(e.Limit))
	case ErrLimit:
		msg = catalogue.TooManyOpen.F(op, e.Path, e.Limit)
	case ErrBusy:
		msg = catalogue.UploadInProgress.F(op, e.Path)
	case ErrBadOffset:
		msg = catalogue.BadOffset.F(e.Path, e.Offset, e.Limit)
	case ErrCancelled:
		msg = catalogue.UploadCancelled.F(e.Path)
	default:
		msg = catalogue.Failed.F(op, e.Path)
	}
	if e.Hint != "" {
		msg = catalogue.WithHint.F(msg, e.Hint)
	}
	return msg
}

func pathErr(op, vpath string, kind error) *PathError {
	return &PathError{Op: op, Path: vpath, Err: kind}
}

// osErr turns an error from the file system into a PathError without
// losing the OS detail, which goes to the server log, not to the user.
func osErr(op, vpath string, err error) error {
	if err == nil {
		return nil
	}
	var pe *PathError
	if errors.As(err, &pe) {
		return err
	}
	kind := ErrFailed
	// ENOTEMPTY before fs.ErrExist: syscall.Errno.Is counts ENOTEMPTY as
	// ErrExist, and a folder that is not empty is not "already exists".
	switch {
	case errors.Is(err, syscall.ENOTEMPTY):
		kind = ErrNotEmpty
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ENOTDIR) && op != "create folder":
		kind = ErrNotFound
	case errors.Is(err, fs.ErrExist):
		kind = ErrExists
	case isNoSpace(err):
		kind = ErrNoSpace
	case errors.Is(err, syscall.EFBIG):
		kind = ErrTooLarge
	case errors.Is(err, syscall.EISDIR):
		kind = ErrIsDir
	case errors.Is(err, syscall.ENOTDIR):
		kind = ErrNotDir
	case isEscape(err):
		// A symlink on disk that points outside the mount: to the user it
		// is simply not there.
		kind = ErrNotFound
	}
	return &PathError{Op: op, Path: vpath, Err: kind, Sys: err}
}

// isNoSpace reports a full disk or an exhausted quota.
func isNoSpace(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}

// IsStorageFailure reports an error of the disk rather than of the
// network: a write that failed on the server, which must fail the upload
// in every upload mode, never be published as a cut transfer.
func IsStorageFailure(err error) bool {
	var pe *PathError
	if errors.As(err, &pe) {
		return pe.Err == ErrNoSpace || pe.Err == ErrTooLarge || pe.Err == ErrTooFar || pe.Err == ErrFailed && pe.Sys != nil
	}
	return isNoSpace(err) || errors.Is(err, syscall.EFBIG) || errors.Is(err, syscall.EIO) || errors.Is(err, syscall.EROFS)
}

// isEscape reports os.Root's refusal to follow a path out of the root.
// os does not export that error, so the message is the only handle.
func isEscape(err error) bool {
	var pe *fs.PathError
	if errors.As(err, &pe) && pe.Err != nil {
		return pe.Err.Error() == "path escapes from parent"
	}
	return false
}

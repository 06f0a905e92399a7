package vfs

import (
	"errors"
	"fmt"
	"io/fs"
	"syscall"

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
}

func (e *PathError) Unwrap() []error {
	if e.Name != nil {
		return []error{e.Err, e.Name}
	}
	return []error{e.Err}
}

func (e *PathError) Error() string {
	var msg string
	switch e.Err {
	case ErrName:
		msg = fmt.Sprintf("cannot %s %q: %s", e.Op, e.Path, e.Name.Error())
	case ErrNotFound:
		msg = fmt.Sprintf("cannot %s %q: no such file or folder", e.Op, e.Path)
	case ErrPermission, ErrReadOnly:
		msg = fmt.Sprintf("cannot %s %q: read-only folder", e.Op, e.Path)
	case ErrExists:
		msg = fmt.Sprintf("cannot %s %q: a file or folder with this name already exists", e.Op, e.Path)
	case ErrNotEmpty:
		msg = fmt.Sprintf("cannot %s %q: the folder is not empty", e.Op, e.Path)
	case ErrIsDir:
		msg = fmt.Sprintf("cannot %s %q: it is a folder", e.Op, e.Path)
	case ErrNotDir:
		msg = fmt.Sprintf("cannot %s %q: it is not a folder", e.Op, e.Path)
	case ErrInvalidPath:
		msg = fmt.Sprintf("cannot %s %q: invalid path", e.Op, e.Path)
	case ErrCrossMount:
		msg = fmt.Sprintf("cannot %s %q", e.Op, e.Path)
	default:
		msg = fmt.Sprintf("cannot %s %q: the server could not complete the operation", e.Op, e.Path)
	}
	if e.Hint != "" {
		msg += " (" + e.Hint + ")"
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
	switch {
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ENOTDIR) && op != "create folder":
		kind = ErrNotFound
	case errors.Is(err, fs.ErrExist):
		kind = ErrExists
	case errors.Is(err, syscall.ENOTEMPTY):
		kind = ErrNotEmpty
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

// isEscape reports os.Root's refusal to follow a path out of the root.
// os does not export that error, so the message is the only handle.
func isEscape(err error) bool {
	var pe *fs.PathError
	if errors.As(err, &pe) && pe.Err != nil {
		return pe.Err.Error() == "path escapes from parent"
	}
	return false
}

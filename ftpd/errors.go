package ftpd

import (
	"errors"
	"io/fs"
	"unicode/utf8"

	ftpserver "github.com/fclairamb/ftpserverlib"

	"github.com/dossierd/dossierd/catalogue"
	"github.com/dossierd/dossierd/vfs"
)

// replyError is what the driver hands ftpserverlib for a refusal. The
// library (our fork, third_party/ftpserverlib) picks the reply code with
// errors.Is (553 for ErrFileNameNotAllowed on STOR, APPE, MKD and RNTO;
// 552 for ErrStorageExceeded; 550 otherwise) and, because replyError is
// an ftpserver.ErrorReply, writes our text alone: a single-line reply
// whose first and last lines are the sentence. The sentence never
// contains a line break: vfs quotes paths with %q.
type replyError struct {
	text  string // the sentence for the user
	codes []error
}

var _ ftpserver.ErrorReply = (*replyError)(nil)

func (e *replyError) Error() string { return e.text }

// Reply is the whole text of the reply (ftpserver.ErrorReply).
func (e *replyError) Reply() string { return e.text }

func (e *replyError) Unwrap() []error { return e.codes }

// refusal makes a replyError from our own sentence (no vfs error behind it).
func refusal(text string, codes ...error) *replyError {
	return &replyError{text: text, codes: codes}
}

// reply is THE mapping from vfs errors to FTP replies; every refusal the
// driver returns goes through it. The core logged the refusal already;
// an error that did not come from it is logged here.
//
//   - a refused name: 553 (on STOR, APPE, MKD, RNTO) with the vfs
//     sentence, which names the offending character and suggests a safe
//     name; a name that is not UTF-8 also says how to set the client's
//     character set;
//   - a read-only mount or one of the tree's own folders: 550, "read-only";
//   - not found: 550, "no such file or folder";
//   - a full disk or quota, a file over the size limit: 552;
//   - anything else: 550 with the vfs sentence, the OS detail only in the
//     server log.
func (d *clientDriver) reply(op, p string, err error) error {
	if err == nil {
		return nil
	}
	var re *replyError
	if errors.As(err, &re) { // already mapped
		return err
	}
	var codes []error
	var text string
	var pe *vfs.PathError
	if errors.As(err, &pe) {
		text = err.Error()
	} else {
		// Not from vfs (a write or network error during a transfer): its
		// text holds physical paths and system words, for the log only.
		text = (&vfs.PathError{Op: op, Path: p, Err: vfs.ErrFailed}).Error()
		d.log.Debug("refused", "op", op, "path", p, "err", text, "cause", err.Error())
	}
	switch {
	case errors.Is(err, vfs.ErrName):
		codes = append(codes, ftpserver.ErrFileNameNotAllowed)
		if pe != nil && pe.Name != nil && !utf8.ValidString(pe.Name.Name) {
			text = catalogue.WithHint.F(text, catalogue.FTPLegacyEncoding.F())
		}
	case errors.Is(err, vfs.ErrNotFound):
		codes = append(codes, fs.ErrNotExist)
	case errors.Is(err, vfs.ErrPermission), errors.Is(err, vfs.ErrReadOnly):
		codes = append(codes, fs.ErrPermission)
	case errors.Is(err, vfs.ErrNoSpace), errors.Is(err, vfs.ErrTooLarge):
		codes = append(codes, ftpserver.ErrStorageExceeded)
	}
	return &replyError{text: text, codes: append(codes, err)}
}

package sftpd

import (
	"errors"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/pkg/sftp"

	"github.com/dossierd/dossierd/names"
	"github.com/dossierd/dossierd/vfs"
)

// TestStatusOfEverySentinel: each vfs refusal gets its SFTP status code
// and its sentence — FAILURE, whose text FileZilla shows, for all but
// not-found (handlers.fail says why), and an error that is not a vfs sentence never reaches
// the client with its text (it may name physical paths).
func TestStatusOfEverySentinel(t *testing.T) {
	h := &handlers{log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for _, tt := range []struct {
		kind error
		code error
		text string
	}{
		{vfs.ErrNotFound, sftp.ErrSSHFxNoSuchFile, "no such file or folder"},
		{vfs.ErrPermission, sftp.ErrSSHFxFailure, "read-only folder"},
		{vfs.ErrReadOnly, sftp.ErrSSHFxFailure, "read-only folder"},
		{vfs.ErrName, sftp.ErrSSHFxFailure, `name "x" refused`},
		{vfs.ErrCancelled, sftp.ErrSSHFxFailure, "cancelled"},
		{vfs.ErrExists, sftp.ErrSSHFxFailure, "already exists"},
		{vfs.ErrNotEmpty, sftp.ErrSSHFxFailure, "the folder is not empty"},
		{vfs.ErrIsDir, sftp.ErrSSHFxFailure, "it is a folder"},
		{vfs.ErrNotDir, sftp.ErrSSHFxFailure, "it is not a folder"},
		{vfs.ErrCrossMount, sftp.ErrSSHFxFailure, `cannot rename "/a/x"`},
		{vfs.ErrInvalidPath, sftp.ErrSSHFxFailure, "invalid path"},
		{vfs.ErrNoSpace, sftp.ErrSSHFxFailure, "the server's disk is full"},
		{vfs.ErrTooLarge, sftp.ErrSSHFxFailure, "file too large"},
		{vfs.ErrTooFar, sftp.ErrSSHFxFailure, "past the end of the file"},
		{vfs.ErrLimit, sftp.ErrSSHFxFailure, "too many files open on this connection"},
		{vfs.ErrBusy, sftp.ErrSSHFxFailure, "an upload is in progress there"},
		{vfs.ErrFailed, sftp.ErrSSHFxFailure, "the server could not complete the operation"},
	} {
		pe := &vfs.PathError{Op: "rename", Path: "/a/x", Err: tt.kind, Limit: 1}
		if tt.kind == vfs.ErrName {
			pe.Name = &names.Error{Name: "x", Reason: "the character \"#\" is not allowed", Suggestion: "x"}
		}
		err := h.fail("rename", "/a/x", pe)
		if !errors.Is(err, tt.code) || !strings.Contains(err.Error(), tt.text) {
			t.Errorf("%v: %v (code %v), want %v with %q", tt.kind, err, errors.Is(err, tt.code), tt.code, tt.text)
		}
	}
	raw := &os.PathError{Op: "write", Path: "/srv/dossierd/data/storage/clients/C0042/.dossierd-upload-1", Err: errors.New("input/output error")}
	err := h.fail("upload", "/Mes documents/a.pdf", raw)
	if strings.Contains(err.Error(), "/srv/") || !strings.Contains(err.Error(), `cannot upload "/Mes documents/a.pdf": the server could not complete the operation`) {
		t.Errorf("a raw OS error reaches the client as %q", err.Error())
	}
}

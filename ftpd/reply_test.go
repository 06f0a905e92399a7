package ftpd

import (
	"errors"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"

	ftpserver "github.com/fclairamb/ftpserverlib"

	"github.com/dossierd/dossierd/names"
	"github.com/dossierd/dossierd/vfs"
)

// TestReplyOfEverySentinel: each vfs refusal gets its FTP reply code (553
// for a refused name, 552 for a full disk or the size limit, 550 for the
// rest) and its sentence alone; an error that is not a vfs sentence never
// reaches the client with its text.
func TestReplyOfEverySentinel(t *testing.T) {
	d := &clientDriver{log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	code := func(err error) int {
		switch {
		case errors.Is(err, ftpserver.ErrStorageExceeded):
			return 552
		case errors.Is(err, ftpserver.ErrFileNameNotAllowed):
			return 553
		}
		return 550
	}
	for _, tt := range []struct {
		kind error
		code int
		text string
	}{
		{vfs.ErrNotFound, 550, "no such file or folder"},
		{vfs.ErrPermission, 550, "read-only folder"},
		{vfs.ErrReadOnly, 550, "read-only folder"},
		{vfs.ErrExists, 550, "already exists"},
		{vfs.ErrNotEmpty, 550, "the folder is not empty"},
		{vfs.ErrIsDir, 550, "it is a folder"},
		{vfs.ErrNotDir, 550, "it is not a folder"},
		{vfs.ErrCrossMount, 550, `cannot rename "/a/x"`},
		{vfs.ErrInvalidPath, 550, "invalid path"},
		{vfs.ErrNoSpace, 552, "the server's disk is full"},
		{vfs.ErrTooLarge, 552, "file too large"},
		{vfs.ErrTooFar, 550, "past the end of the file"},
		{vfs.ErrBusy, 550, "an upload is in progress there"},
		{vfs.ErrFailed, 550, "the server could not complete the operation"},
	} {
		err := d.reply("rename", "/a/x", &vfs.PathError{Op: "rename", Path: "/a/x", Err: tt.kind, Limit: 1})
		var er ftpserver.ErrorReply
		if !errors.As(err, &er) || code(err) != tt.code || !strings.Contains(er.Reply(), tt.text) || strings.Contains(er.Reply(), "\n") {
			t.Errorf("%v: %d %q, want %d with %q on one line", tt.kind, code(err), err, tt.code, tt.text)
		}
	}
	var ne *names.Error
	errors.As(names.Check("é.pdf"), &ne)
	name := vfs.PathError{Op: "upload", Path: "/a/é.pdf", Err: vfs.ErrName, Name: ne}
	if err := d.reply("upload", "/a/é.pdf", &name); code(err) != 553 {
		t.Errorf("refused name: %d, want 553", code(err))
	}
	raw := &os.PathError{Op: "write", Path: "/srv/dossierd/data/storage/clients/C0042/.dossierd-upload-1", Err: errors.New("input/output error")}
	if err := d.reply("upload", "/Mes documents/a.pdf", raw); strings.Contains(err.Error(), "/srv/") {
		t.Errorf("a raw OS error reaches the client as %q", err.Error())
	}
}

package ftpd

import (
	"errors"
	"io"
	"log/slog"
	"os"
	"path"
	"strings"
	"sync"
	"time"

	ftpserver "github.com/fclairamb/ftpserverlib"
	"github.com/spf13/afero"

	"github.com/dossierd/dossierd/audit"
	"github.com/dossierd/dossierd/catalogue"
	"github.com/dossierd/dossierd/service"
	"github.com/dossierd/dossierd/vfs"
)

// clientDriver is ftpserverlib's ClientDriver of one logged-in connection:
// afero.Fs plus the extensions that carry what FTP clients use, each call
// translated into a vfs call.
type clientDriver struct {
	srv  *Server
	cc   ftpserver.ClientContext
	conn *service.Conn
	fs   *vfs.FS
	log  *slog.Logger
	name string // display name, for the welcome

	// busy counts operations and open transfers: shutdown waits for them,
	// and the connection's files are released only when it drops to zero
	// after the control connection ended.
	mu        sync.Mutex
	busy      int
	closed    bool
	idleSince time.Time
	drained   chan struct{}
}

var (
	_ ftpserver.ClientDriver                        = (*clientDriver)(nil)
	_ ftpserver.ClientDriverExtensionFileList       = (*clientDriver)(nil)
	_ ftpserver.ClientDriverExtentionFileTransfer   = (*clientDriver)(nil)
	_ ftpserver.ClientDriverExtensionRemoveDir      = (*clientDriver)(nil)
	_ ftpserver.ClientDriverExtensionAvailableSpace = (*clientDriver)(nil)
	_ ftpserver.ClientDriverExtensionSite           = (*clientDriver)(nil)
	_ ftpserver.FileTransfer                        = (*upload)(nil)
	_ ftpserver.FileTransferError                   = (*upload)(nil)
	_ io.ReaderFrom                                 = (*upload)(nil)
	_ ftpserver.FileTransfer                        = (*download)(nil)
	_ ftpserver.FileTransferError                   = (*download)(nil)
)

// errClosing is new each time: reply marks errors as logged.
func errClosing() error { return refusal(catalogue.FTPClosing.F()) }

func (d *clientDriver) enter() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return errClosing()
	}
	d.busy++
	return nil
}

func (d *clientDriver) leave() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.busy--
	d.idleSince = time.Now()
	if d.busy == 0 && d.drained != nil {
		close(d.drained)
		d.drained = nil
	}
}

// shut refuses new operations; the channel closes when the last one ends.
func (d *clientDriver) shut() <-chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.closed = true
	ch := make(chan struct{})
	if d.busy == 0 {
		close(ch)
	} else {
		d.drained = ch
	}
	return ch
}

func (d *clientDriver) idleFor(t time.Duration) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.busy == 0 && time.Since(d.idleSince) >= t
}

// abs resolves a path against the working directory. ftpserverlib passes
// absolute paths, except to Stat for HASH.
func (d *clientDriver) abs(p string) string {
	if path.IsAbs(p) {
		return p
	}
	return path.Join(d.cc.Path(), p)
}

func (d *clientDriver) Name() string { return "dossierd" }

// Stat describes a path (SIZE, MDTM, MLST, CWD, RNFR, ...).
func (d *clientDriver) Stat(name string) (os.FileInfo, error) {
	name = d.abs(name)
	if err := d.enter(); err != nil {
		return nil, err
	}
	defer d.leave()
	fi, err := d.fs.Stat(name)
	if err != nil {
		if d.probe(name) {
			return nil, err
		}
		return nil, d.reply("read", name, err)
	}
	return fi, nil
}

// probe tells ftpserverlib's check of "LIST -la" style options, which
// Stats the options as a path, from a user's request, so that it is not
// logged as a refusal.
func (d *clientDriver) probe(name string) bool {
	c := d.cc.GetLastCommand()
	return (c == "LIST" || c == "NLST") && strings.HasPrefix(path.Base(name), "-")
}

// ReadDir lists a folder (LIST, NLST, MLSD).
func (d *clientDriver) ReadDir(name string) ([]os.FileInfo, error) {
	if err := d.enter(); err != nil {
		return nil, err
	}
	defer d.leave()
	entries, err := d.fs.List(name)
	if err != nil {
		return nil, d.reply("list", name, err)
	}
	out := make([]os.FileInfo, len(entries))
	for i, e := range entries {
		out[i] = e
	}
	return out, nil
}

// change runs one change to the tree, recorded in the audit trail.
func (d *clientDriver) change(action, op, name, target string, f func() error) error {
	if err := d.enter(); err != nil {
		return err
	}
	defer d.leave()
	start := time.Now()
	err := f()
	d.conn.Audit(action, name, target, 0, time.Since(start), err)
	return d.reply(op, name, err)
}

// Mkdir creates a folder (MKD).
func (d *clientDriver) Mkdir(name string, _ os.FileMode) error {
	return d.change(audit.Mkdir, "create folder", name, "", func() error { return d.fs.Mkdir(name) })
}

// Remove deletes a file (DELE).
func (d *clientDriver) Remove(name string) error {
	return d.change(audit.Delete, "delete", name, "", func() error { return d.fs.Remove(name) })
}

// RemoveDir deletes an empty folder (RMD).
func (d *clientDriver) RemoveDir(name string) error {
	return d.change(audit.Rmdir, "delete folder", name, "", func() error { return d.fs.Rmdir(name) })
}

// Rename moves a file or folder (RNFR/RNTO). RNTO replaces an existing
// file, as every FTP server does and as clients expect when they upload
// under a temporary name and rename at the end.
func (d *clientDriver) Rename(from, to string) error {
	return d.change(audit.Rename, "rename", from, to, func() error { return d.fs.Rename(from, to, true) })
}

// Chtimes sets the modification time (MFMT), so that synchronising
// clients see the source's time on the uploaded copy.
func (d *clientDriver) Chtimes(name string, atime, mtime time.Time) error {
	return d.change(audit.Setstat, "set the time of", name, "", func() error { return d.fs.Chtimes(name, atime, mtime) })
}

// GetAvailableSpace answers AVBL: the free space where the user may write,
// and 0 where nothing can be written.
func (d *clientDriver) GetAvailableSpace(dir string) (int64, error) {
	if err := d.enter(); err != nil {
		return 0, err
	}
	defer d.leave()
	fi, err := d.fs.Stat(dir)
	if err != nil {
		return 0, d.reply("read", dir, err)
	}
	if fi.Mode().Perm()&0o200 == 0 {
		return 0, nil
	}
	u, err := d.fs.StatFS(dir)
	if err != nil {
		return 0, d.reply("read", dir, err)
	}
	return int64(u.BlocksAvail * u.BlockSize), nil
}

// Site answers every SITE command itself, so that none of ftpserverlib's
// (SYMLINK, MKDIR, RMDIR, CHOWN, CHMOD) runs. CHMOD is accepted and
// ignored, as SFTP's setstat does, because lftp's "mirror -R" and
// WinSCP send it after each upload and report the transfer as failed
// when it is refused; the path must exist, so a typo is still reported.
func (d *clientDriver) Site(param string) *ftpserver.AnswerCommand {
	cmd, args, _ := strings.Cut(param, " ")
	cmd = strings.ToUpper(cmd)
	if cmd != "CHMOD" {
		d.log.Info("refused", "op", "SITE "+cmd, "err", "not supported")
		return &ftpserver.AnswerCommand{Code: ftpserver.StatusCommandNotImplemented, Message: "SITE " + cmd + " is not supported by this server"}
	}
	_, name, ok := strings.Cut(args, " ")
	if !ok || name == "" {
		return &ftpserver.AnswerCommand{Code: ftpserver.StatusSyntaxErrorParameters, Message: catalogue.FTPSiteChmodUsage.F()}
	}
	if _, err := d.Stat(d.abs(name)); err != nil {
		return &ftpserver.AnswerCommand{Code: ftpserver.StatusActionNotTaken, Message: err.Error()}
	}
	return &ftpserver.AnswerCommand{Code: ftpserver.StatusOK, Message: "SITE CHMOD ignored: permissions are set by the server"}
}

// What afero's generic file API would reach: transfers go through
// GetHandle and SITE through Site, so these only answer a client that
// finds a way to call them.
func unsupported(what string) error {
	return refusal(catalogue.Unsupported.F(what))
}

func (d *clientDriver) Create(string) (afero.File, error) {
	return nil, unsupported(catalogue.FTPThisCommand.F())
}
func (d *clientDriver) Open(string) (afero.File, error) {
	return nil, unsupported(catalogue.FTPThisCommand.F())
}
func (d *clientDriver) OpenFile(string, int, os.FileMode) (afero.File, error) {
	return nil, unsupported(catalogue.FTPThisCommand.F())
}
func (d *clientDriver) MkdirAll(string, os.FileMode) error {
	return unsupported(catalogue.FTPMkdirAll.F())
}
func (d *clientDriver) RemoveAll(string) error          { return unsupported(catalogue.FTPRemoveAll.F()) }
func (d *clientDriver) Chmod(string, os.FileMode) error { return unsupported(catalogue.FTPChmod.F()) }
func (d *clientDriver) Chown(string, int, int) error    { return unsupported(catalogue.FTPChown.F()) }

// GetHandle opens a transfer: a download for O_RDONLY, otherwise an
// upload. offset is the REST position, if any (ftpserverlib seeks to it
// afterwards).
func (d *clientDriver) GetHandle(name string, flags int, offset int64) (ftpserver.FileTransfer, error) {
	if err := d.enter(); err != nil {
		return nil, err
	}
	cmd := d.cc.GetLastCommand()
	var h ftpserver.FileTransfer
	var err error
	if flags&(os.O_WRONLY|os.O_RDWR) == 0 {
		h, err = d.download(name, cmd)
	} else {
		h, err = d.upload(name, cmd, flags&os.O_APPEND != 0, offset)
	}
	if err != nil {
		d.leave()
		return nil, err
	}
	return h, nil
}

func (d *clientDriver) download(name, cmd string) (*download, error) {
	f, err := d.fs.Open(name)
	if err != nil {
		if cmd == "RETR" {
			d.conn.Audit(audit.Download, name, "", 0, 0, err)
		}
		return nil, d.reply("download", name, err)
	}
	return &download{d: d, f: f, path: name, cmd: cmd, start: time.Now()}, nil
}

// upload starts a write. STOR replaces the file; APPE continues it from
// its end; REST n + STOR continues it from byte n, which must be its size:
// resuming anywhere else would leave the old tail after the new data, or a
// hole of zeros. Either way the new content is published only when the
// transfer completes (vfs.Upload).
func (d *clientDriver) upload(name, cmd string, appendMode bool, offset int64) (*upload, error) {
	if offset > 0 {
		fi, err := d.fs.Stat(name)
		if err != nil {
			return nil, d.reply("resume the upload of", name, err)
		}
		if !fi.IsDir() && fi.Size() != offset { // a folder: Create says so
			return nil, d.reply("resume the upload of", name, d.badOffset(name, offset, fi.Size()))
		}
	}
	mode := vfs.Replace
	if appendMode || offset > 0 {
		mode = vfs.Continue
	}
	u, err := d.fs.Create(name, mode)
	if err != nil {
		d.conn.Audit(audit.Upload, name, "", 0, 0, err)
		return nil, d.reply("upload", name, err)
	}
	switch {
	case appendMode:
		_, err = u.Seek(0, io.SeekEnd)
	case offset > 0:
		// The file may have changed since the check above.
		var size int64
		if size, err = u.Size(); err == nil && size != offset {
			err = d.badOffset(name, offset, size)
		}
		if err == nil {
			_, err = u.Seek(offset, io.SeekStart)
		}
	}
	if err != nil {
		u.Abort()
		return nil, d.reply("upload", name, err)
	}
	return &upload{d: d, u: u, cmd: cmd, offset: offset, start: time.Now()}, nil
}

func (d *clientDriver) badOffset(name string, offset, size int64) error {
	return refusal(catalogue.BadOffset.F(name, offset, size))
}

// download is a file being read (RETR, and HASH, which reads through
// GetHandle too).
type download struct {
	d      *clientDriver
	f      *os.File // not embedded: WriteTo and Read count activity and bytes
	path   string
	cmd    string
	start  time.Time
	n      int64
	failed error
	once   sync.Once
}

func (h *download) Read(p []byte) (int, error) {
	h.d.fs.Touch() // a long download is activity: the idle timeout must not cut it
	n, err := h.f.Read(p)
	h.n += int64(n)
	return n, err
}

// sendfileChunk bounds each sendfile(2) call, so that activity is recorded
// between chunks: the idle timeout must not cut a long, slow download.
const sendfileChunk = 16 << 20

// WriteTo is how ftpserverlib's io.Copy sends the file: over a plain data
// connection, in sendfile(2) chunks (zero-copy, as vsftpd does); over TLS,
// which has to encrypt in user space anyway, through Read.
func (h *download) WriteTo(w io.Writer) (int64, error) {
	rf, ok := w.(*dataConn)
	if !ok {
		return io.Copy(w, struct{ io.Reader }{h}) // hides WriteTo: no recursion
	}
	var total int64
	for {
		h.d.fs.Touch()
		n, err := rf.ReadFrom(&io.LimitedReader{R: h.f, N: sendfileChunk})
		total += n
		h.n += n
		if err != nil || n == 0 {
			return total, err
		}
	}
}

func (h *download) Write([]byte) (int, error) { return 0, refusal(catalogue.FTPOpenForReading.F()) }

func (h *download) Seek(off int64, whence int) (int64, error) { return h.f.Seek(off, whence) }

func (h *download) TransferError(err error) { h.failed = err }

func (h *download) Close() error {
	h.once.Do(func() {
		h.f.Close()
		h.d.leave()
		if h.cmd != "RETR" { // HASH reads the file too
			return
		}
		dur := time.Since(h.start)
		h.d.conn.Audit(audit.Download, h.path, "", h.n, dur, auditResult(catalogue.DownloadWord, h.failed))
		attrs := []any{"path", h.path, "bytes", h.n, "duration", dur.Round(time.Millisecond).String()}
		if h.failed != nil {
			h.d.log.Info("download interrupted", append(attrs, "reason", h.failed.Error())...)
			return
		}
		h.d.log.Info("download", attrs...)
	})
	return nil
}

// upload is a file being written (STOR, APPE).
type upload struct {
	d      *clientDriver
	u      *vfs.Upload
	cmd    string
	offset int64
	start  time.Time
	failed error
	once   sync.Once
	err    error
}

func (h *upload) Read([]byte) (int, error) { return 0, refusal(catalogue.FTPOpenForWriting.F()) }

func (h *upload) Seek(off int64, whence int) (int64, error) { return h.u.Seek(off, whence) }

func (h *upload) Write(p []byte) (int, error) {
	h.d.fs.Touch()
	n, err := h.u.Write(p)
	if err != nil {
		return n, h.abort(err, false)
	}
	return n, nil
}

// ReadFrom receives the data connection's stream; ftpserverlib's io.Copy
// comes here. The end of the stream decides whether the upload is
// published: over TLS, an end without close_notify is a client that was
// killed or cut off, and its upload is discarded like an ABOR.
func (h *upload) ReadFrom(r io.Reader) (int64, error) {
	if dc, ok := r.(*dataConn); ok {
		return h.spliceFrom(dc)
	}
	tr := &transferReader{r: r, d: h.d}
	n, err := h.u.ReadFrom(tr)
	switch {
	case err != nil:
		return n, h.abort(err, tr.err != nil)
	case endedWithoutCloseNotify(r):
		return n, h.abort(errNoCloseNotify, true)
	}
	return n, nil
}

// spliceFrom receives a plain data connection with splice(2), socket to
// file without a copy through user space, in chunks that record activity
// so the idle timeout never cuts a long upload. (Plain FTP cannot tell a
// killed client from a finished one anyway: see the README.)
func (h *upload) spliceFrom(dc *dataConn) (int64, error) {
	var total int64
	for {
		h.d.fs.Touch()
		n, err := h.u.ReadFrom(&io.LimitedReader{R: dc.Conn, N: sendfileChunk})
		total += n
		if err != nil {
			return total, h.abort(err, !vfs.IsStorageFailure(err))
		}
		if n < sendfileChunk {
			return total, nil // the client closed the stream: the end of the file
		}
	}
}

var errNoCloseNotify = errors.New("the TLS data connection ended without close_notify")

// abort marks the upload as cut (the Close that follows discards it) and
// says so in the reply. fromNetwork tells a broken data connection from a
// failed write on the server.
func (h *upload) abort(err error, fromNetwork bool) error {
	h.u.TransferError(err)
	if h.failed == nil {
		h.failed = err
	}
	if !fromNetwork {
		return h.d.reply("upload", h.u.Path(), err)
	}
	// Whether the part received is discarded or kept for a resume depends
	// on common.upload_mode, and is decided by the Close that follows.
	return refusal(catalogue.FTPUploadCut.F(h.u.Path()))
}

// TransferError is ftpserverlib's notice of an ABOR, a broken data
// connection or a failed copy; Close follows.
func (h *upload) TransferError(err error) {
	if h.failed == nil {
		h.failed = err
	}
	h.u.TransferError(err)
}

// Close commits the upload, or discards it after a transfer error.
func (h *upload) Close() error {
	h.once.Do(func() {
		err := h.u.Close()
		h.d.leave()
		dur := time.Since(h.start)
		result := h.u.Outcome(err)
		if h.failed != nil && !h.u.Cancelled() {
			result = h.failed
		}
		h.d.conn.Audit(audit.Upload, h.u.Path(), "", h.u.Written(), dur, auditResult(catalogue.UploadWord, result))
		attrs := []any{"path", h.u.Path(), "command", h.cmd, "bytes", h.u.Written(), "duration", dur.Round(time.Millisecond).String()}
		if h.offset > 0 {
			attrs = append(attrs, "resumed_at", h.offset)
		}
		switch {
		case h.failed != nil:
			h.d.log.Warn("upload interrupted", append(attrs, "reason", h.failed.Error(), "published", err == nil)...)
		case err != nil:
			h.err = h.d.reply("upload", h.u.Path(), err)
		default:
			h.d.log.Info("upload", attrs...)
		}
	})
	return h.err
}

// transferReader counts a long upload as activity, and remembers whether
// the data connection (rather than the disk) failed.
type transferReader struct {
	r   io.Reader
	d   *clientDriver
	err error
}

func (t *transferReader) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	t.d.fs.Touch()
	if err != nil && !errors.Is(err, io.EOF) {
		t.err = err
	}
	return n, err
}

// auditResult is what the audit trail says of a failed transfer: a
// sentence an administrator can read out to a client, not a socket error
// (that one goes to the server log with the transfer's log line).
func auditResult(kind catalogue.T, err error) error {
	var re *replyError
	var pe *vfs.PathError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &re):
		return errors.New(re.text)
	case errors.As(err, &pe):
		return err
	}
	return errors.New(catalogue.TransferCut.F(kind.F()))
}

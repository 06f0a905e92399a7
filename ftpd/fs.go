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
	mu      sync.Mutex
	busy    int
	closed  bool
	drained chan struct{}
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
	if d.probe(name) {
		fi, err := d.conn.Probe(name)
		if err != nil {
			return nil, err
		}
		return fi, nil
	}
	fi, err := d.conn.Stat(name)
	if err != nil {
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
	entries, err := d.conn.List(name)
	if err != nil {
		return nil, d.reply("list", name, err)
	}
	out := make([]os.FileInfo, len(entries))
	for i, e := range entries {
		out[i] = e
	}
	return out, nil
}

// do runs one operation of the core while the connection counts as busy,
// and translates its refusal.
func (d *clientDriver) do(op, name string, f func() error) error {
	if err := d.enter(); err != nil {
		return err
	}
	defer d.leave()
	return d.reply(op, name, f())
}

// Mkdir creates a folder (MKD).
func (d *clientDriver) Mkdir(name string, _ os.FileMode) error {
	return d.do("create folder", name, func() error { return d.conn.Mkdir(name) })
}

// Remove deletes a file (DELE).
func (d *clientDriver) Remove(name string) error {
	return d.do("delete", name, func() error { return d.conn.Remove(name) })
}

// RemoveDir deletes an empty folder (RMD).
func (d *clientDriver) RemoveDir(name string) error {
	return d.do("delete folder", name, func() error { return d.conn.Rmdir(name) })
}

// Rename moves a file or folder (RNFR/RNTO). RNTO replaces an existing
// file, as every FTP server does and as clients expect when they upload
// under a temporary name and rename at the end.
func (d *clientDriver) Rename(from, to string) error {
	return d.do("rename", from, func() error { return d.conn.Rename(from, to, true) })
}

// Chtimes sets the modification time (MFMT), so that synchronising
// clients see the source's time on the uploaded copy.
func (d *clientDriver) Chtimes(name string, atime, mtime time.Time) error {
	return d.do("set the time of", name, func() error { return d.conn.Chtimes(name, atime, mtime) })
}

// GetAvailableSpace answers AVBL: the free space where the user may write,
// and 0 where nothing can be written.
func (d *clientDriver) GetAvailableSpace(dir string) (int64, error) {
	if err := d.enter(); err != nil {
		return 0, err
	}
	defer d.leave()
	u, err := d.conn.FreeSpace(dir)
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
		return &ftpserver.AnswerCommand{Code: ftpserver.StatusCommandNotImplemented, Message: catalogue.Unsupported.F("SITE " + cmd)}
	}
	_, name, ok := strings.Cut(args, " ")
	if !ok || name == "" {
		return &ftpserver.AnswerCommand{Code: ftpserver.StatusSyntaxErrorParameters, Message: catalogue.FTPSiteChmodUsage.F()}
	}
	if err := d.do("change", d.abs(name), func() error { return d.conn.Chmod(d.abs(name)) }); err != nil {
		return &ftpserver.AnswerCommand{Code: ftpserver.StatusActionNotTaken, Message: err.Error()}
	}
	return &ftpserver.AnswerCommand{Code: ftpserver.StatusOK, Message: catalogue.SiteChmodIgnored.F()}
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
		h, err = d.upload(name, flags&os.O_APPEND != 0, offset)
	}
	if err != nil {
		d.leave()
		return nil, err
	}
	return h, nil
}

func (d *clientDriver) download(name, cmd string) (*download, error) {
	if cmd != "RETR" { // HASH reads the file too: not a download
		f, err := d.conn.Read(name)
		if err != nil {
			return nil, d.reply("download", name, err)
		}
		return &download{d: d, f: f}, nil
	}
	dl, err := d.conn.Download(name)
	if err != nil {
		return nil, d.reply("download", name, err)
	}
	return &download{d: d, f: dl.Download, dl: dl}, nil
}

// upload starts a write: STOR replaces the file, APPE continues it from
// its end, REST n + STOR from byte n (the core checks n is its size).
func (d *clientDriver) upload(name string, appendMode bool, offset int64) (*upload, error) {
	var u *service.Upload
	var err error
	switch {
	case appendMode:
		u, err = d.conn.AppendUpload(name)
	case offset > 0:
		u, err = d.conn.ResumeUpload(name, offset)
	default:
		u, err = d.conn.Upload(name, vfs.Replace)
	}
	if err != nil {
		return nil, d.reply("upload", name, err)
	}
	return &upload{d: d, u: u}, nil
}

// download is a file being read (RETR, and HASH, which reads through
// GetHandle too); the core records RETR's when it closes.
type download struct {
	d    *clientDriver
	f    *vfs.Download
	dl   *service.Download // nil for HASH
	once sync.Once
}

func (h *download) Read(p []byte) (int, error) { return h.f.Read(p) }

// sendfileChunk bounds each sendfile(2) and splice(2) step, so that
// activity is recorded between steps: the idle timeout (15 minutes by
// default) must not cut a long, slow transfer, and at 1 MiB a step even a
// client at 1.2 KB/s records activity in time. Go's sendfile and splice
// loops move at most 4 MiB and 1 MiB a call anyway, so this costs no
// throughput.
const sendfileChunk = 1 << 20

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
		n, err := rf.ReadFrom(&io.LimitedReader{R: h.f.File(), N: sendfileChunk})
		total += n
		h.f.Sent(n)
		if err != nil || n == 0 {
			return total, err
		}
	}
}

func (h *download) Write([]byte) (int, error) { return 0, refusal(catalogue.FTPOpenForReading.F()) }

func (h *download) Seek(off int64, whence int) (int64, error) { return h.f.Seek(off, whence) }

func (h *download) TransferError(err error) { h.f.TransferError(err) }

func (h *download) Close() error {
	h.once.Do(func() {
		if h.dl != nil {
			h.dl.Close()
		} else {
			h.f.Close()
		}
		h.d.leave()
	})
	return nil
}

// upload is a file being written (STOR, APPE); the core records it when
// it closes.
type upload struct {
	d    *clientDriver
	u    *service.Upload
	once sync.Once
	cut  bool // the transfer failed; its reply is already sent
	err  error
}

func (h *upload) Read([]byte) (int, error) { return 0, refusal(catalogue.FTPOpenForWriting.F()) }

func (h *upload) Seek(off int64, whence int) (int64, error) { return h.u.Seek(off, whence) }

func (h *upload) Write(p []byte) (int, error) {
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
	tr := &transferReader{r: r}
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

// abort says in the reply why the transfer failed. fromNetwork tells a
// broken data connection, which the core records as a transfer error (the
// Close that follows discards the upload, or in mode 2 keeps it for a
// resume), from a write that failed on the server, which already failed
// the upload.
func (h *upload) abort(err error, fromNetwork bool) error {
	h.cut = true
	if !fromNetwork {
		return h.d.reply("upload", h.u.Path(), err)
	}
	h.u.TransferError(err)
	return refusal(catalogue.FTPUploadCut.F(h.u.Path()))
}

// TransferError is ftpserverlib's notice of an ABOR, a broken data
// connection or a failed copy; Close follows.
func (h *upload) TransferError(err error) {
	h.cut = true
	h.u.TransferError(err)
}

// Close commits the upload, or discards it after a transfer error.
func (h *upload) Close() error {
	h.once.Do(func() {
		err := h.u.Close()
		h.d.leave()
		if err != nil && !h.cut {
			h.err = h.d.reply("upload", h.u.Path(), err)
		}
	})
	return h.err
}

// transferReader remembers whether the data connection (rather than the
// disk) failed, which decides the reply.
type transferReader struct {
	r   io.Reader
	err error
}

func (t *transferReader) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		t.err = err
	}
	return n, err
}

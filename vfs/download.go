package vfs

import (
	"io"
	"os"
	"sync"
	"sync/atomic"
)

// Download is a file being read, the mirror of Upload: it counts the bytes
// sent, records activity for the idle timeout, and knows when the
// connection ended before the client had the whole file (TransferError,
// how pkg/sftp and ftpserverlib report it). Its *os.File stays reachable
// for sendfile(2).
type Download struct {
	fs   *FS
	loc  Location
	file *os.File
	size int64

	sent   atomic.Int64
	mu     sync.Mutex
	cut    error // the transfer error reported, if any
	closed sync.Once
	err    error
}

// OpenDownload opens a file for reading.
func (f *FS) OpenDownload(vpath string) (*Download, error) {
	file, err := f.Open(vpath)
	if err != nil {
		return nil, err
	}
	fi, err := file.Stat()
	if err != nil {
		file.Close()
		return nil, osErr("download", vpath, err)
	}
	loc, _ := f.Tree().Resolve(vpath)
	return &Download{fs: f, loc: loc, file: file, size: fi.Size()}, nil
}

// Path is the virtual path being read.
func (d *Download) Path() string { return d.loc.Path }

// File is the open file, for sendfile(2); report what it sends with Sent.
func (d *Download) File() *os.File { return d.file }

// Sent counts n bytes sent by the caller from File, and records activity.
func (d *Download) Sent(n int64) {
	d.sent.Add(n)
	d.fs.Touch()
}

// Bytes is what was read so far.
func (d *Download) Bytes() int64 { return d.sent.Load() }

// ReadAt reads at an offset (SFTP).
func (d *Download) ReadAt(p []byte, off int64) (int, error) {
	n, err := d.file.ReadAt(p, off)
	d.Sent(int64(n))
	return n, d.readErr(err)
}

// Read reads sequentially (FTP over TLS).
func (d *Download) Read(p []byte) (int, error) {
	n, err := d.file.Read(p)
	d.Sent(int64(n))
	return n, d.readErr(err)
}

// readErr keeps io.EOF, which clients rely on, and turns any other error
// into a vfs sentence.
func (d *Download) readErr(err error) error {
	if err == nil || err == io.EOF {
		return err
	}
	return osErr("download", d.loc.Path, err)
}

// Seek positions sequential reads (FTP REST). Its error is a vfs sentence:
// the os one names the file on disk.
func (d *Download) Seek(off int64, whence int) (int64, error) {
	n, err := d.file.Seek(off, whence)
	return n, d.readErr(err)
}

// TransferError records that the connection ended, or the client aborted,
// with the file open.
func (d *Download) TransferError(err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.cut == nil {
		d.cut = err
	}
}

// Interrupted is the reason a download did not reach the client whole: a
// transfer error reported before the client had read to the end. A client
// that read everything and then dropped the connection got its file.
func (d *Download) Interrupted() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.cut == nil || d.sent.Load() >= d.size {
		return nil
	}
	return d.cut
}

// Close releases the file.
func (d *Download) Close() error {
	d.closed.Do(func() { d.err = osErr("download", d.loc.Path, d.file.Close()) })
	return d.err
}

package vfs

import (
	"errors"
	"io"
	"os"
	"path"
	"syscall"

	"golang.org/x/sys/unix"
)

// copyChunk bounds each step of the resume copy, so that a connection that
// ends stops it within one chunk.
const copyChunk = 16 << 20

// copyInto starts a temporary file as a copy of the current content. Only
// the data segments are copied (SEEK_DATA/SEEK_HOLE): a sparse file keeps
// its holes, so a file of one byte at 256 MiB costs one block, not 256 MiB
// of zeros. Each segment goes through io.Copy between two *os.File, which
// uses copy_file_range (shared blocks where the file system can). The copy
// stops when the connection ends, or when stop says so (the upload was
// cancelled).
func (f *FS) copyInto(dst *os.File, r *os.Root, rel string, stop func() bool) error {
	src, err := r.Open(rel)
	if err != nil {
		return err
	}
	defer src.Close()
	fi, err := src.Stat()
	if err != nil {
		return err
	}
	size := fi.Size()
	for off := int64(0); off < size; {
		data, hole, err := nextSegment(src, off, size)
		if err != nil {
			return err
		}
		if data >= size {
			break // only a hole is left
		}
		for data < hole {
			if f.cancelled() || stop() {
				return errConnectionEnded
			}
			if _, err := src.Seek(data, io.SeekStart); err != nil {
				return err
			}
			if _, err := dst.Seek(data, io.SeekStart); err != nil {
				return err
			}
			n, err := io.Copy(dst, &io.LimitedReader{R: src, N: min(copyChunk, hole-data)})
			if err != nil {
				return err
			}
			if n == 0 {
				break // the file shrank while being copied
			}
			data += n
		}
		off = hole
	}
	// A trailing hole: the size, with no block behind it.
	return dst.Truncate(size)
}

// nextSegment finds the data segment at or after off. A file system
// without SEEK_DATA support gets the rest of the file as one segment.
func nextSegment(f *os.File, off, size int64) (data, hole int64, err error) {
	data, err = f.Seek(off, unix.SEEK_DATA)
	switch {
	case errors.Is(err, syscall.ENXIO):
		return size, size, nil // no data past off
	case errors.Is(err, syscall.EINVAL):
		return off, size, nil
	case err != nil:
		return 0, 0, err
	}
	hole, err = f.Seek(data, unix.SEEK_HOLE)
	if err != nil {
		return data, size, nil
	}
	return data, min(hole, size), nil
}

var errConnectionEnded = errors.New("the connection ended")

// renameNoReplace renames within r unless the target exists, atomically
// (renameat2 RENAME_NOREPLACE): a check before the rename would let a file
// created in between be replaced. Where the file system lacks the flag,
// it falls back to check-then-rename.
func renameNoReplace(r *os.Root, from, to string) error {
	fromDir, err := r.Open(path.Dir(from))
	if err != nil {
		return err
	}
	defer fromDir.Close()
	toDir, err := r.Open(path.Dir(to))
	if err != nil {
		return err
	}
	defer toDir.Close()
	err = unix.Renameat2(int(fromDir.Fd()), path.Base(from), int(toDir.Fd()), path.Base(to), unix.RENAME_NOREPLACE)
	if errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOSYS) {
		if _, serr := r.Lstat(to); serr == nil {
			return &os.LinkError{Op: "rename", Old: from, New: to, Err: syscall.EEXIST}
		}
		return r.Rename(from, to)
	}
	if err != nil {
		return &os.LinkError{Op: "rename", Old: from, New: to, Err: err}
	}
	return nil
}

package vfs

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/dossierd/dossierd/domain"
)

// Storage is the storage root of SPEC section 2. Every access below it goes
// through os.Root, so neither "..", nor an absolute path, nor a symlink on
// disk can lead out of it.
type Storage struct {
	root *os.Root
	path string

	// Modes of what dossierd creates, after common.umask.
	dirMode, fileMode fs.FileMode

	mu    sync.Mutex
	mkdir map[string]bool // folders already known to exist, to keep logins cheap

	uploads uploadsInProgress
}

// DefaultUmask keeps the clients' documents private to the server's user:
// folders 0700, files 0600.
const DefaultUmask fs.FileMode = 0o077

// OpenStorage opens (creating if needed) the storage root and its fixed
// top-level folders. umask (common.umask) sets the modes of the folders
// and files the server creates. A storage root open to other users (made
// by an earlier version, or by hand) is closed to them.
func OpenStorage(dir, sharedFolder string, umask fs.FileMode) (*Storage, error) {
	if !safeElem(sharedFolder) {
		return nil, fmt.Errorf("storage: shared folder %q must be a single folder name", sharedFolder)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	dirMode, fileMode := 0o777&^umask, 0o666&^umask
	if err := os.MkdirAll(abs, dirMode); err != nil {
		return nil, fmt.Errorf("storage: %w", err)
	}
	// The root's mode guards everything below it, whatever the modes of
	// the folders that older versions created there.
	if fi, err := os.Stat(abs); err == nil && fi.Mode().Perm()&umask != 0 {
		if err := os.Chmod(abs, fi.Mode().Perm()&^umask); err != nil {
			return nil, fmt.Errorf("storage: %w", err)
		}
	}
	r, err := os.OpenRoot(abs)
	if err != nil {
		return nil, fmt.Errorf("storage: %w", err)
	}
	s := &Storage{root: r, path: abs, dirMode: dirMode, fileMode: fileMode, mkdir: map[string]bool{}}
	for _, d := range append(domain.TopFolders(), sharedFolder) {
		if err := s.ensure(d); err != nil {
			r.Close()
			return nil, err
		}
	}
	return s, nil
}

// Path is the absolute path of the storage root, for messages and tests.
func (s *Storage) Path() string { return s.path }

// Close releases the root.
func (s *Storage) Close() error { return s.root.Close() }

func (s *Storage) ensure(rel string) error {
	s.mu.Lock()
	done := s.mkdir[rel]
	s.mu.Unlock()
	if done {
		return nil
	}
	// One mkdirat when the parent exists (the common case: an enrollment
	// folder under its session); the whole path only when it does not.
	err := s.root.Mkdir(rel, s.dirMode)
	if errors.Is(err, fs.ErrNotExist) {
		err = s.root.MkdirAll(rel, s.dirMode)
	}
	if err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("storage: cannot create folder %q: %w", rel, err)
	}
	s.mu.Lock()
	s.mkdir[rel] = true
	s.mu.Unlock()
	return nil
}

// AccountFolder creates the exchange folder of a client, trainee or trainer.
func (s *Storage) AccountFolder(role, ref string) error {
	d, ok := domain.RoleFolder(role)
	if !ok {
		return nil // staff have no folder of their own
	}
	if !safeElem(ref) {
		return fmt.Errorf("storage: ref %q cannot be a folder name", ref)
	}
	return s.ensure(d + "/" + ref)
}

// SessionFolders creates sessions/<code> and its commun-* folders.
func (s *Storage) SessionFolders(code string) error {
	if !safeElem(code) {
		return fmt.Errorf("storage: session code %q cannot be a folder name", code)
	}
	for _, d := range domain.CommonFolders() {
		if err := s.ensure(domain.FolderSessions + "/" + code + "/" + d); err != nil {
			return err
		}
	}
	return nil
}

// EnrollmentFolder creates sessions/<code>/<role dir>/<ref>.
func (s *Storage) EnrollmentFolder(code, role, ref string) error {
	d, ok := domain.RoleFolder(role)
	if !ok {
		return fmt.Errorf("storage: role %q has no session folder", role)
	}
	if !safeElem(code) || !safeElem(ref) {
		return fmt.Errorf("storage: session %q / ref %q cannot be folder names", code, ref)
	}
	if err := s.SessionFolders(code); err != nil {
		return err
	}
	return s.ensure(domain.FolderSessions + "/" + code + "/" + d + "/" + ref)
}

// openMount opens the root of one mount. Each mount gets its own os.Root
// so that a symlink in one client's folder cannot reach another's.
func (s *Storage) openMount(m *Mount) (*os.Root, error) {
	r, err := s.root.OpenRoot(m.Dir)
	if os.IsNotExist(err) {
		// The folder was created with the account or enrollment; if the TMS
		// removed it since, recreate it rather than show a broken mount.
		if err = s.root.MkdirAll(m.Dir, s.dirMode); err == nil {
			r, err = s.root.OpenRoot(m.Dir)
		}
	}
	return r, err
}

// RemoveStaleUploads deletes temporary upload files left by a previous run
// that was killed (kill -9, power loss): they were never published and no
// client can resume them. Only files older than since are removed, so
// uploads of the running daemon are safe; the uploads a shutdown parked
// (Upload.Park) wait ParkedKeep more for their clients. It returns how
// many it removed.
func (s *Storage) RemoveStaleUploads(ctx context.Context, since time.Time) (int, error) {
	n := 0
	err := fs.WalkDir(s.root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			return nil // an unreadable folder: skip it, keep going
		}
		if d.IsDir() || !strings.HasPrefix(d.Name(), tempPrefix) {
			return nil
		}
		before := since
		if strings.HasPrefix(d.Name(), parkedPrefix) {
			before = since.Add(-ParkedKeep)
		}
		if s.uploads.ofTemp(p) != nil {
			return nil // a live upload's (one taken up after a restart)
		}
		if fi, err := d.Info(); err == nil && fi.ModTime().Before(before) {
			if s.root.Remove(p) == nil {
				n++
			}
		}
		return nil
	})
	return n, err
}

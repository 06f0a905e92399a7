package auth

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"

	"github.com/dossierd/dossierd/catalogue"
)

// ErrBackupExists refuses to replace an existing backup file unasked.
var ErrBackupExists = catalogue.Error(catalogue.ErrExists)

// Backup writes a consistent copy of the whole database (directory, audit
// trail, defender state) to file while the daemon keeps running: SQLite's
// VACUUM INTO reads one snapshot, so writes made meanwhile are either all
// in the copy or not at all. The copy is written to a temporary file in
// file's folder, synced, then put in place atomically, so file is never
// seen half-written; it is created 0600, since it holds password hashes.
// An existing file is replaced only when replace is set.
func (s *Store) Backup(ctx context.Context, file string, replace bool) (err error) {
	abs, err := filepath.Abs(file)
	if err != nil {
		return err
	}
	if !replace {
		if _, err := os.Lstat(abs); err == nil {
			return &sentinelError{catalogue.BackupFileExists, []any{file}, ErrBackupExists}
		}
	}
	dir := filepath.Dir(abs)
	var rnd [8]byte
	rand.Read(rnd[:])
	tmp := filepath.Join(dir, ".dossierd-backup-"+hex.EncodeToString(rnd[:]))
	// VACUUM INTO accepts an empty file and keeps its mode: created here,
	// the copy is never readable by others, whatever the umask.
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	f.Close()
	defer func() {
		if err != nil {
			os.Remove(tmp)
		}
	}()
	if _, err := s.db.ExecContext(ctx, `VACUUM INTO ?`, tmp); err != nil {
		return catalogue.Errorf(catalogue.BackupCopyErr, err)
	}
	if err := syncFile(tmp); err != nil {
		return err
	}
	if replace {
		err = os.Rename(tmp, abs)
	} else {
		// A link fails if file appeared meanwhile, where a rename would
		// replace it.
		if err = os.Link(tmp, abs); err == nil {
			err = os.Remove(tmp)
		} else if errors.Is(err, os.ErrExist) {
			err = &sentinelError{catalogue.BackupFileExists, []any{file}, ErrBackupExists}
		}
	}
	if err != nil {
		return err
	}
	return syncFile(dir) // the new name survives a crash
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

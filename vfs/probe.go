package vfs

import "os"

// Probe tells whether files can be created in the storage root, for
// health checks: it creates and removes an empty file. The name carries
// the prefix of upload temporary files, so that listings never show it,
// no client can reach it, and one left by a crash is removed at the next
// start like a cut upload.
func (s *Storage) Probe() error {
	name := tempPrefix + "probe-" + randomHex()
	f, err := s.root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, s.fileMode)
	if err != nil {
		return err
	}
	f.Close()
	return s.root.Remove(name)
}

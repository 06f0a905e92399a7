package service

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"path"
	"sync"
	"time"

	"github.com/dossierd/dossierd/audit"
)

// Event types, as webhooks list them (config.EventTypes).
const (
	EventUpload          = "upload"
	EventDownload        = "download"
	EventDelete          = "delete"
	EventRename          = "rename"
	EventMkdir           = "mkdir"
	EventLoginFailed     = "login_failed"
	EventAccountDisabled = "account_disabled"
)

// Event is one operation that committed, as the service knows it; package
// events turns it into the JSON webhooks receive.
type Event struct {
	Type     string
	Time     time.Time
	Login    string
	Role     string
	Ref      string
	Protocol string
	Remote   string // the client's address, host:port
	// Path is the virtual path as the login saw it; StoragePath the same
	// file relative to the storage root ("" when it has none).
	Path, StoragePath string
	// Target and TargetStoragePath are a rename's new name.
	Target, TargetStoragePath string
	Size                      int64  // uploads and downloads: the bytes of the file
	SHA256                    string // uploads: hex digest of the committed content
	Reason                    string // account_disabled: disabled, expired or deleted
}

// Events receives the events of the operations that commit (package
// events: the webhooks' outbox). Emit returns once the event is durable:
// the client's reply comes after it, so an operation the client saw
// succeed is told even if the process dies at once. It never delivers on
// the caller's path.
type Events interface {
	// Wants reports whether some receiver listens to events of type t:
	// an upload's digest is computed only then.
	Wants(t string) bool
	Emit(ctx context.Context, e Event) error
}

// changeEvents are the event types of the changes Conn.change runs.
var changeEvents = map[string]string{audit.Mkdir: EventMkdir, audit.Delete: EventDelete, audit.Rmdir: EventDelete, audit.Rename: EventRename}

// emit sends an event of this connection; an event that cannot be written
// is logged: the operation has happened, and the client is told so.
func (c *Conn) emit(e Event) {
	ev := c.svc.o().Events
	if ev == nil || !ev.Wants(e.Type) {
		return
	}
	a := c.account.Load()
	e.Time, e.Login, e.Role, e.Ref, e.Protocol, e.Remote = time.Now(), a.Login, a.Role, a.Ref, c.Protocol, c.Remote
	e.Path, e.StoragePath = c.located(e.Path)
	if e.Target != "" {
		e.Target, e.TargetStoragePath = c.located(e.Target)
	}
	if err := ev.Emit(context.Background(), e); err != nil {
		c.Log().Error("event not recorded", "type", e.Type, "path", e.Path, "err", err)
	}
}

// located is a virtual path of this connection as the login sees it
// (cleaned, as front-ends may pass it otherwise) and where it lies,
// relative to the storage root.
func (c *Conn) located(p string) (virtual, storage string) {
	loc, err := c.FS.Tree().Resolve(p)
	if err != nil || loc.Mount == nil {
		return p, ""
	}
	return loc.Path, path.Join(loc.Mount.Dir, loc.Rel)
}

// digest is the SHA-256 of what the upload is about to commit, read back
// from its file before the commit (the client has sent everything; the
// data is in the page cache): "" when no receiver wants uploads, or the
// upload will not commit. Reading the file once at the end costs one pass
// over it and keeps the writes, SFTP's out of order and FTP's spliced,
// untouched.
func (u *Upload) digest() (size int64, sum string) {
	ev := u.c.svc.o().Events
	if ev == nil || !ev.Wants(EventUpload) || u.Cancelled() {
		return 0, ""
	}
	u.mu.Lock()
	cut := u.cut
	u.mu.Unlock()
	if cut != nil {
		return 0, ""
	}
	size, err := u.Upload.Size()
	if err != nil {
		return 0, ""
	}
	h := sha256.New()
	buf := digestBuffers.Get().(*[]byte)
	defer digestBuffers.Put(buf)
	if _, err := io.CopyBuffer(h, io.NewSectionReader(u.Upload, 0, size), *buf); err != nil {
		return 0, ""
	}
	return size, hex.EncodeToString(h.Sum(nil))
}

// digestBuffers are the read buffers of digest: one per upload would be
// garbage at every small file.
var digestBuffers = sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}

// loginFailed sends the event of a failed login: the login as the client
// typed it, no role (the login may not exist).
func (s *Service) loginFailed(ctx context.Context, protocol, remote, login string) {
	ev := s.o().Events
	if ev == nil || !ev.Wants(EventLoginFailed) {
		return
	}
	e := Event{Type: EventLoginFailed, Time: time.Now(), Login: login, Protocol: protocol, Remote: remote}
	// Not the handshake's context: the event is recorded even if the
	// client hangs up at once.
	if err := ev.Emit(context.WithoutCancel(ctx), e); err != nil {
		s.log.Error("event not recorded", "type", e.Type, "login", login, "err", err)
	}
}

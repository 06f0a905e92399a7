// Package events tells the training-management system what happened:
// every operation the service commits (service.Events) and every account
// that stops being usable is written to a durable outbox in the daemon's
// database, in the same step as the operation's reply, then POSTed to the
// webhooks of events.webhooks, signed, at least once and in order per
// login, retried with exponential backoff for events.retry_hours and then
// kept as failed for `dossierd events retry`.
package events

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/dossierd/dossierd/domain"
	"github.com/dossierd/dossierd/service"
)

// Headers of every delivery.
const (
	HeaderID        = "X-Dossierd-Event-Id"
	HeaderSignature = "X-Dossierd-Signature"
)

// Body is the JSON posted for one event. Its bytes are stored in the
// outbox and signed as they are: a receiver verifies the exact body.
type Body struct {
	ID       string    `json:"id"`
	Type     string    `json:"type"`
	Time     time.Time `json:"time"`
	Login    string    `json:"login"`
	Role     string    `json:"role,omitempty"`
	Ref      string    `json:"ref,omitempty"`
	Protocol string    `json:"protocol,omitempty"`
	IP       string    `json:"ip,omitempty"`
	// Path is as the login saw it; StoragePath relative to the storage
	// root (SPEC section 2), as staff and the TMS see it.
	Path        string `json:"path,omitempty"`
	StoragePath string `json:"storage_path,omitempty"`
	// Target and TargetStoragePath are a rename's new name.
	Target            string `json:"target,omitempty"`
	TargetStoragePath string `json:"target_storage_path,omitempty"`
	Size              *int64 `json:"size,omitempty"`
	SHA256            string `json:"sha256,omitempty"`
	// Session is the code of the session whose folder holds the path.
	Session string `json:"session,omitempty"`
	// Reason says why an account stopped being usable: disabled,
	// expired or deleted.
	Reason string `json:"reason,omitempty"`
}

// Reasons of account_disabled.
const (
	ReasonDisabled = "disabled"
	ReasonExpired  = "expired"
	ReasonDeleted  = "deleted"
)

// newBody makes the JSON of e under a new id.
func newBody(e service.Event) Body {
	b := Body{
		ID: newID(e.Time), Type: e.Type, Time: e.Time.UTC(), Login: e.Login, Role: e.Role, Ref: e.Ref,
		Protocol: e.Protocol, IP: hostOf(e.Remote), Path: e.Path, StoragePath: e.StoragePath,
		Target: e.Target, TargetStoragePath: e.TargetStoragePath, SHA256: e.SHA256,
		Session: SessionOf(e.StoragePath), Reason: e.Reason,
	}
	if e.Type == service.EventUpload || e.Type == service.EventDownload {
		size := e.Size
		b.Size = &size // 0 is a size: an empty file
	}
	return b
}

// SessionOf is the code of the session whose folder holds a storage path
// (sessions/<code>/...), or "".
func SessionOf(storagePath string) string {
	rest, ok := strings.CutPrefix(storagePath, domain.FolderSessions+"/")
	if !ok {
		return ""
	}
	code, _, _ := strings.Cut(rest, "/")
	return code
}

func hostOf(remote string) string {
	if ap, err := netip.ParseAddrPort(remote); err == nil {
		return ap.Addr().Unmap().String()
	}
	return remote
}

// newID is a UUID version 7 (RFC 9562): unique, and sorted by time, so
// that a receiver's log of ids reads in order.
func newID(t time.Time) string {
	var u [16]byte
	_, _ = rand.Read(u[:])
	ms := uint64(t.UnixMilli())
	binary.BigEndian.PutUint16(u[0:2], uint16(ms>>32))
	binary.BigEndian.PutUint32(u[2:6], uint32(ms))
	u[6] = u[6]&0x0f | 0x70
	u[8] = u[8]&0x3f | 0x80
	h := hex.EncodeToString(u[:])
	return fmt.Sprintf("%s-%s-%s-%s-%s", h[0:8], h[8:12], h[12:16], h[16:20], h[20:])
}

// Sign is the value of X-Dossierd-Signature for body: "sha256=" and the
// hex HMAC-SHA256 of the exact bytes, keyed by the webhook's secret.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Verify checks a signature header against body, in constant time.
func Verify(secret string, body []byte, header string) bool {
	return hmac.Equal([]byte(Sign(secret, body)), []byte(header))
}

func marshal(b Body) (string, error) {
	doc, err := json.Marshal(b)
	return string(doc), err
}

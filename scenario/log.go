package scenario

import (
	"context"
	"log/slog"
	"sync"
)

// Records is a slog.Handler that keeps every record's message and
// attributes, for tests of what the daemon logs (StartLogging).
type Records struct {
	mu   sync.Mutex
	msgs []map[string]string
}

func (r *Records) Enabled(context.Context, slog.Level) bool { return true }
func (r *Records) WithAttrs([]slog.Attr) slog.Handler       { return r }
func (r *Records) WithGroup(string) slog.Handler            { return r }

func (r *Records) Handle(_ context.Context, rec slog.Record) error {
	m := map[string]string{"msg": rec.Message}
	rec.Attrs(func(a slog.Attr) bool {
		m[a.Key] = a.Value.String()
		return true
	})
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, m)
	return nil
}

// Find returns the attributes (and "msg") of the records with message msg,
// in order. Attributes added with Logger.With are not kept.
func (r *Records) Find(msg string) []map[string]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []map[string]string
	for _, m := range r.msgs {
		if m["msg"] == msg {
			out = append(out, m)
		}
	}
	return out
}

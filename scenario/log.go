package scenario

import (
	"context"
	"log/slog"
	"sync"
)

// Records is a slog.Handler that keeps every record's level, message and
// attributes (those added with Logger.With included), for tests of what
// the daemon logs (StartLogging).
type Records struct {
	mu   sync.Mutex
	recs []Record
}

// Record is one log record as Records keeps it.
type Record struct {
	Level slog.Level
	// Attrs holds "msg" and every attribute's value as text; a group's
	// attributes are named group.key.
	Attrs map[string]string
}

func (r *Records) Enabled(context.Context, slog.Level) bool { return true }
func (r *Records) WithAttrs(as []slog.Attr) slog.Handler    { return &withAttrs{root: r, with: as} }
func (r *Records) WithGroup(string) slog.Handler            { return r }
func (r *Records) Handle(_ context.Context, rec slog.Record) error {
	r.add(nil, rec)
	return nil
}

// withAttrs is a Records handler carrying Logger.With attributes.
type withAttrs struct {
	root *Records
	with []slog.Attr
}

func (w *withAttrs) Enabled(context.Context, slog.Level) bool { return true }
func (w *withAttrs) WithAttrs(as []slog.Attr) slog.Handler {
	return &withAttrs{root: w.root, with: append(append([]slog.Attr(nil), w.with...), as...)}
}
func (w *withAttrs) WithGroup(string) slog.Handler { return w }
func (w *withAttrs) Handle(_ context.Context, rec slog.Record) error {
	w.root.add(w.with, rec)
	return nil
}

func addAttr(m map[string]string, prefix string, a slog.Attr) {
	a.Value = a.Value.Resolve()
	if a.Value.Kind() == slog.KindGroup {
		for _, g := range a.Value.Group() {
			addAttr(m, prefix+a.Key+".", g)
		}
		return
	}
	m[prefix+a.Key] = a.Value.String()
}

func (r *Records) add(with []slog.Attr, rec slog.Record) {
	m := map[string]string{}
	for _, a := range with {
		addAttr(m, "", a)
	}
	rec.Attrs(func(a slog.Attr) bool {
		addAttr(m, "", a)
		return true
	})
	m["msg"] = rec.Message
	r.mu.Lock()
	defer r.mu.Unlock()
	r.recs = append(r.recs, Record{Level: rec.Level, Attrs: m})
}

// Find returns the attributes (and "msg") of the records with message msg,
// in order.
func (r *Records) Find(msg string) []map[string]string {
	var out []map[string]string
	for _, rec := range r.All() {
		if rec.Attrs["msg"] == msg {
			out = append(out, rec.Attrs)
		}
	}
	return out
}

// All returns every record so far, in order.
func (r *Records) All() []Record {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Record(nil), r.recs...)
}

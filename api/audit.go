package api

import (
	"errors"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/dossierd/dossierd/audit"
	"github.com/dossierd/dossierd/auth"
	"github.com/dossierd/dossierd/vfs"
)

// The audit trail, with the filters of `dossierd audit`.

// Bounds of ?limit: a day of a training centre is a few thousand events;
// a script that wants more pages with since.
const (
	defaultAuditLimit = 10000
	maxAuditLimit     = 100000
)

// eventJSON is an event of the trail, with where its path is in the
// storage (relative to its root) when the login's tree, as it is now,
// still resolves it: what GET /api/v1/files/{path} takes.
type eventJSON struct {
	audit.Event
	StoragePath string `json:"storage_path,omitempty"`
}

type auditJSON struct {
	Events []eventJSON `json:"events"`
	// Truncated says that more events match than limit: ask again with
	// since set to the time of the last one.
	Truncated bool `json:"truncated"`
}

// auditTime reads since or until: a day (YYYY-MM-DD, local time, as
// `dossierd audit` takes it; until includes the whole day) or an instant
// (RFC 3339).
func auditTime(name, v string, until bool) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, nil
	}
	t, err := time.ParseInLocation(time.DateOnly, v, time.Local)
	if err != nil {
		return time.Time{}, badQuery(name, v, "YYYY-MM-DD | RFC 3339")
	}
	if until {
		t = t.AddDate(0, 0, 1)
	}
	return t, nil
}

func (h *Handler) audit(c *call) error {
	q := c.r.URL.Query()
	f := audit.Filter{Login: q.Get("login"), Action: q.Get("action"), Path: q.Get("path"), Limit: defaultAuditLimit}
	var err error
	if f.Since, err = auditTime("since", q.Get("since"), false); err != nil {
		return err
	}
	if f.Until, err = auditTime("until", q.Get("until"), true); err != nil {
		return err
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxAuditLimit {
			return badQuery("limit", v, "1.."+strconv.Itoa(maxAuditLimit))
		}
		f.Limit = n
	}
	limit := f.Limit
	f.Limit++ // one more tells whether there are more
	events, err := audit.Query(c.r.Context(), h.o.Store.DB(), f)
	if err != nil {
		return err
	}
	out := auditJSON{Events: []eventJSON{}, Truncated: len(events) > limit}
	events = events[:min(len(events), limit)]
	trees := map[string]*vfs.Tree{}
	for _, e := range events {
		out.Events = append(out.Events, eventJSON{e, h.storagePath(c, trees, e)})
	}
	return c.writeJSON(http.StatusOK, out)
}

// storagePath resolves an event's path in its login's tree, built once
// per login and call; "" when it does not resolve to a folder on disk.
func (h *Handler) storagePath(c *call, trees map[string]*vfs.Tree, e audit.Event) string {
	if e.Path == "" || e.Protocol == protocol && e.Action == "api" {
		return ""
	}
	key := strings.ToLower(e.Login)
	t, seen := trees[key]
	if !seen {
		var a auth.Account
		var err error
		if strings.HasPrefix(key, "apikey@") {
			a = auth.Account{Login: e.Login, Role: "staff"}
		} else if a, err = h.o.Store.Account(c.r.Context(), e.Login); err != nil && !errors.Is(err, auth.ErrNotFound) {
			h.log.Warn("audit: account not read", "login", e.Login, "err", err)
		}
		if err == nil {
			t, _ = h.o.Service.Tree(c.r.Context(), a)
		}
		trees[key] = t
	}
	if t == nil {
		return ""
	}
	loc, err := t.Resolve(e.Path)
	if err != nil || loc.Virtual() {
		return ""
	}
	return path.Join(loc.Mount.Dir, loc.Rel)
}

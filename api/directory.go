package api

import (
	"bytes"
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/dossierd/dossierd/auth"
	"github.com/dossierd/dossierd/catalogue"
	"github.com/dossierd/dossierd/tmsimport"
)

// The directory: the export and the import of `dossierd export|import`,
// and one account, session or enrollment at a time. Writes of one item go
// through the same reader and the same Apply as an import of a file
// holding only that item, so that a PUT and a POST /directory accept and
// refuse exactly the same things, with the same sentences.

// bodyName is how tmsimport's problems name the request body; only the
// item ("accounts[3]") is kept of it, as a JSON pointer.
const bodyName = "body"

func (h *Handler) getDirectory(c *call) error {
	var b bytes.Buffer
	if err := tmsimport.Export(c.r.Context(), h.o.Store, &b); err != nil {
		return err
	}
	c.w.Header().Set("Content-Type", "application/json")
	_, err := c.w.Write(b.Bytes())
	return err
}

// boolQuery reads a true/false query parameter (absent: false).
func (c *call) boolQuery(name string) (bool, error) {
	switch v := c.r.URL.Query().Get(name); v {
	case "", "false", "0":
		return false, nil
	case "true", "1":
		return true, nil
	default:
		return false, badQuery(name, v, "true|false")
	}
}

func badQuery(name, value, want string) error {
	return &problem{Type: "bad-query", Status: http.StatusBadRequest, Title: catalogue.ProblemBadRequest.F(),
		Detail: catalogue.ProblemBadQuery.F(name, value, want)}
}

// diffJSON is an import's outcome: the counts per kind and each change.
type diffJSON struct {
	DryRun      bool         `json:"dry_run"`
	Changed     bool         `json:"changed"`
	Summary     string       `json:"summary"`
	Accounts    countsJSON   `json:"accounts"`
	Sessions    countsJSON   `json:"sessions"`
	Enrollments countsJSON   `json:"enrollments"`
	Changes     []changeJSON `json:"changes"`
}

type countsJSON struct {
	Added     int `json:"added"`
	Changed   int `json:"changed"`
	Disabled  int `json:"disabled"`
	Hidden    int `json:"hidden"`
	Removed   int `json:"removed"`
	Unchanged int `json:"unchanged"`
}

type changeJSON struct {
	Kind   string   `json:"kind"`
	Op     string   `json:"op"`
	Key    string   `json:"key"`
	Fields []string `json:"fields"`
}

func newDiffJSON(d *auth.Diff, dryRun bool) diffJSON {
	out := diffJSON{DryRun: dryRun, Changed: !d.Empty(), Summary: tmsimport.Summary(d, dryRun),
		Accounts: countsJSON(d.Accounts), Sessions: countsJSON(d.Sessions), Enrollments: countsJSON(d.Enrollments),
		Changes: []changeJSON{}}
	for _, ch := range d.Changes {
		fields := ch.Fields
		if fields == nil {
			fields = []string{}
		}
		out.Changes = append(out.Changes, changeJSON{string(ch.Kind), string(ch.Op), ch.Key, fields})
	}
	return out
}

func (h *Handler) postDirectory(c *call) error {
	dryRun, err := c.boolQuery("dry_run")
	if err != nil {
		return err
	}
	prune, err := c.boolQuery("prune")
	if err != nil {
		return err
	}
	data, err := c.readJSON()
	if err != nil {
		return err
	}
	im := tmsimport.ReadJSON(bodyName, data)
	d, err := im.Apply(c.r.Context(), h.o.Store, auth.ApplyOptions{DryRun: dryRun, Prune: prune})
	if err != nil {
		return importProblem(err, "")
	}
	return c.writeJSON(http.StatusOK, newDiffJSON(d, dryRun))
}

// applyItem applies a body of one item of kind, read as an import of a
// list of one, without pruning. key is the field that names the item
// (login, code) and value the path's: a body without it takes the path's,
// a body with another is refused. It returns the diff.
func (h *Handler) applyItem(c *call, kind auth.Kind, key, value string, mismatch catalogue.T) (*auth.Diff, error) {
	data, err := c.readJSON()
	if err != nil {
		return nil, err
	}
	var item map[string]json.RawMessage
	if err := json.Unmarshal(data, &item); err != nil || item == nil {
		return nil, &problem{Type: "invalid", Status: http.StatusUnprocessableEntity, Title: catalogue.ProblemInvalid.F(),
			Detail: catalogue.ProblemNotObject.F(), Pointer: ""}
	}
	if raw, ok := item[key]; ok {
		var given string
		if json.Unmarshal(raw, &given) == nil && !strings.EqualFold(strings.TrimSpace(given), value) {
			return nil, &problem{Type: "invalid", Status: http.StatusUnprocessableEntity, Title: catalogue.ProblemInvalid.F(),
				Detail: mismatch.F(given, value), Pointer: "/" + key}
		}
	}
	item[key], _ = json.Marshal(value)
	one, _ := json.Marshal(map[auth.Kind][]map[string]json.RawMessage{kind: {item}})
	im := tmsimport.ReadJSON(bodyName, one)
	d, err := im.Apply(c.r.Context(), h.o.Store, auth.ApplyOptions{})
	if err != nil {
		return nil, importProblem(err, "/"+string(kind)+"/0")
	}
	return d, nil
}

func (h *Handler) listAccounts(c *call) error {
	list, err := h.o.Store.Accounts(c.r.Context())
	if err != nil {
		return err
	}
	out := make([]tmsimport.ListedAccount, 0, len(list))
	for _, a := range list {
		out = append(out, tmsimport.List(a))
	}
	return c.writeJSON(http.StatusOK, out)
}

func (h *Handler) getAccount(c *call) error {
	a, err := h.o.Store.Account(c.r.Context(), c.r.PathValue("login"))
	if err != nil {
		return err
	}
	return c.writeJSON(http.StatusOK, tmsimport.List(a))
}

// created is 201 for an item the write added, 200 for one it changed or
// left as it was.
func created(added int) int {
	if added > 0 {
		return http.StatusCreated
	}
	return http.StatusOK
}

func (h *Handler) putAccount(c *call) error {
	login := c.r.PathValue("login")
	d, err := h.applyItem(c, auth.KindAccounts, "login", login, catalogue.ProblemLoginMismatch)
	if err != nil {
		return err
	}
	a, err := h.o.Store.Account(c.r.Context(), login)
	if err != nil {
		return err
	}
	return c.writeJSON(created(d.Accounts.Added), tmsimport.List(a))
}

func (h *Handler) deleteAccount(c *call) error {
	if err := h.o.Store.DeleteAccount(c.r.Context(), c.r.PathValue("login")); err != nil {
		return err
	}
	c.w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) setDisabled(disabled bool) func(*call) error {
	return func(c *call) error {
		login := c.r.PathValue("login")
		if err := h.o.Store.SetDisabled(c.r.Context(), login, disabled); err != nil {
			return err
		}
		a, err := h.o.Store.Account(c.r.Context(), login)
		if err != nil {
			return err
		}
		return c.writeJSON(http.StatusOK, tmsimport.List(a))
	}
}

// treeJSON is what `dossierd tree LOGIN` prints: one entry per folder,
// r or rw, and where it is in the storage (relative to its root).
type treeJSON struct {
	Login    string       `json:"login"`
	CanLogIn bool         `json:"can_log_in"`
	Reason   string       `json:"reason,omitempty"` // why not
	Folders  []folderJSON `json:"folders"`
}

type folderJSON struct {
	Path        string `json:"path"`
	Access      string `json:"access"` // "r" or "rw"
	Virtual     bool   `json:"virtual"`
	StoragePath string `json:"storage_path,omitempty"`
}

func (h *Handler) tree(c *call) error {
	a, err := h.o.Store.Account(c.r.Context(), c.r.PathValue("login"))
	if err != nil {
		return err
	}
	t, err := h.o.Service.Tree(c.r.Context(), a)
	if err != nil {
		return err
	}
	// One entry per virtual path: a mount replaces the virtual folder at
	// the same path.
	byPath := map[string]folderJSON{}
	for _, f := range t.Folders() {
		byPath[f] = folderJSON{Path: f, Access: "r", Virtual: true}
	}
	for _, m := range t.Mounts() {
		access := "r"
		if m.Writable {
			access = "rw"
		}
		byPath[m.Path] = folderJSON{Path: m.Path, Access: access, StoragePath: m.Dir}
	}
	out := treeJSON{Login: a.Login, CanLogIn: true, Folders: []folderJSON{}}
	for _, p := range slices.Sorted(maps.Keys(byPath)) {
		out.Folders = append(out.Folders, byPath[p])
	}
	if err := a.Usable(time.Now()); err != nil {
		out.CanLogIn, out.Reason = false, err.Error()
	}
	return c.writeJSON(http.StatusOK, out)
}

// sessionJSON is a session as the import shapes it, with its enrollments
// when one session is asked for.
type sessionJSON struct {
	tmsimport.ListedSession
	Enrollments *[]enrollmentJSON `json:"enrollments,omitempty"`
}

type enrollmentJSON struct {
	Session string `json:"session"`
	Role    string `json:"role"`
	Ref     string `json:"ref"`
	Client  string `json:"client"` // a trainee's: the ref of the client that sent them, or ""
}

func newSessionJSON(s auth.Session) sessionJSON {
	return sessionJSON{ListedSession: tmsimport.ListedSession(s)}
}

func (h *Handler) listSessions(c *call) error {
	list, err := h.o.Store.Sessions(c.r.Context())
	if err != nil {
		return err
	}
	out := make([]sessionJSON, 0, len(list))
	for _, s := range list {
		out = append(out, newSessionJSON(s))
	}
	return c.writeJSON(http.StatusOK, out)
}

// sessionWithEnrollments is the session with this code and who is
// enrolled in it.
func (h *Handler) sessionWithEnrollments(c *call, code string) (sessionJSON, error) {
	s, err := h.o.Store.Session(c.r.Context(), code)
	if err != nil {
		return sessionJSON{}, err
	}
	all, err := h.o.Store.Enrollments(c.r.Context())
	if err != nil {
		return sessionJSON{}, err
	}
	list := []enrollmentJSON{}
	for _, e := range all {
		if e.Session == s.Code {
			list = append(list, enrollmentJSON(e))
		}
	}
	out := newSessionJSON(s)
	out.Enrollments = &list
	return out, nil
}

func (h *Handler) getSession(c *call) error {
	s, err := h.sessionWithEnrollments(c, c.r.PathValue("code"))
	if err != nil {
		return err
	}
	return c.writeJSON(http.StatusOK, s)
}

func (h *Handler) putSession(c *call) error {
	code := c.r.PathValue("code")
	d, err := h.applyItem(c, auth.KindSessions, "code", code, catalogue.ProblemCodeMismatch)
	if err != nil {
		return err
	}
	s, err := h.sessionWithEnrollments(c, code)
	if err != nil {
		return err
	}
	return c.writeJSON(created(d.Sessions.Added), s)
}

func (h *Handler) deleteSession(c *call) error {
	if err := h.o.Store.DeleteSession(c.r.Context(), c.r.PathValue("code")); err != nil {
		return err
	}
	c.w.WriteHeader(http.StatusNoContent)
	return nil
}

// enrollment is the one the path names; the session is found
// case-insensitively, the role must be one that can be enrolled.
func (c *call) enrollment() (auth.Enrollment, error) {
	e := auth.Enrollment{Session: c.r.PathValue("code"), Role: c.r.PathValue("role"), Ref: c.r.PathValue("ref")}
	switch e.Role {
	case "client", "trainee", "trainer":
	default:
		return e, &problem{Type: "not-found", Status: http.StatusNotFound, Title: catalogue.ProblemNotFound.F(),
			Detail: catalogue.ProblemEnrollRole.F(e.Role)}
	}
	s, err := c.h.o.Store.Session(c.r.Context(), e.Session)
	if err != nil {
		return e, err
	}
	e.Session = s.Code
	return e, nil
}

// enrollmentBody is the optional body of PUT .../enrollments/{role}/{ref}.
type enrollmentBody struct {
	Client string `json:"client"`
}

func (h *Handler) putEnrollment(c *call) error {
	e, err := c.enrollment()
	if err != nil {
		return err
	}
	var body enrollmentBody
	if err := c.decodeOptional(&body); err != nil {
		return err
	}
	e.Client = body.Client
	all, err := h.o.Store.Enrollments(c.r.Context())
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if slices.ContainsFunc(all, func(o auth.Enrollment) bool {
		return o.Session == e.Session && o.Role == e.Role && o.Ref == e.Ref
	}) {
		status = http.StatusOK
	}
	if err := h.o.Store.Enroll(c.r.Context(), e); err != nil {
		return err
	}
	return c.writeJSON(status, enrollmentJSON(e))
}

func (h *Handler) deleteEnrollment(c *call) error {
	e, err := c.enrollment()
	if err != nil {
		return err
	}
	if err := h.o.Store.Unenroll(c.r.Context(), e); err != nil {
		return err
	}
	c.w.WriteHeader(http.StatusNoContent)
	return nil
}

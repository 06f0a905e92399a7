package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/dossierd/dossierd/auth"
	"github.com/dossierd/dossierd/catalogue"
	"github.com/dossierd/dossierd/vfs"
)

// problem is an RFC 9457 problem detail. Type is a short code, written as
// "urn:dossierd:problem:<code>" (stable: scripts may switch on it); Title
// and Detail are the catalogue's sentences, in the server's language.
// Pointer is the RFC 6901 JSON pointer to the member of the request body
// at fault; Errors lists every problem when there are several (an import).
type problem struct {
	Type    string         `json:"type"`
	Title   string         `json:"title"`
	Status  int            `json:"status"`
	Detail  string         `json:"detail,omitempty"`
	Pointer string         `json:"pointer,omitempty"`
	Offset  *int64         `json:"offset,omitempty"` // malformed JSON: the byte where reading stopped
	Line    int            `json:"line,omitempty"`
	Errors  []fieldProblem `json:"errors,omitempty"`
}

// fieldProblem is one problem of a body.
type fieldProblem struct {
	Detail  string `json:"detail"`
	Pointer string `json:"pointer"`
}

func (p *problem) Error() string { return p.Detail }

const problemType = "urn:dossierd:problem:"

func writeProblem(w http.ResponseWriter, p *problem) {
	if !strings.HasPrefix(p.Type, problemType) {
		p.Type = problemType + p.Type
	}
	if sw, ok := w.(*statusWriter); ok {
		sw.detail = p.Detail
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Content-Language", string(catalogue.Current()))
	w.WriteHeader(p.Status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(p)
}

// fail answers err: a *problem as it is, a refusal of vfs or auth with
// its sentence, anything else as a server error whose cause goes to the
// log only (it may name paths on disk).
func (c *call) fail(err error) {
	if c.w.status != 0 {
		// The answer had begun (a download cut): nothing more to say.
		return
	}
	p := toProblem(err)
	if p.Status >= 500 {
		c.h.log.Error("API call failed", "remote", c.remote, "login", keyLogin(c.key.Name), "method", c.r.Method, "path", c.r.URL.Path, "err", err)
	}
	writeProblem(c.w, p)
}

func toProblem(err error) *problem {
	var p *problem
	if errors.As(err, &p) {
		return p
	}
	var pe *vfs.PathError
	if errors.As(err, &pe) {
		return fileProblem(pe)
	}
	detail := err.Error()
	var ve *auth.ValidationError
	switch {
	case errors.Is(err, auth.ErrNotFound):
		return &problem{Type: "not-found", Status: http.StatusNotFound, Title: catalogue.ProblemNotFound.F(), Detail: detail}
	case errors.Is(err, auth.ErrExists), errors.Is(err, auth.ErrDisabled), errors.Is(err, auth.ErrExpired):
		return &problem{Type: "conflict", Status: http.StatusConflict, Title: catalogue.ProblemConflict.F(), Detail: detail}
	case errors.As(err, &ve):
		return &problem{Type: "invalid", Status: http.StatusUnprocessableEntity, Title: catalogue.ProblemInvalid.F(), Detail: detail}
	}
	return &problem{Type: "server-error", Status: http.StatusInternalServerError, Title: catalogue.ProblemServer.F(), Detail: catalogue.ProblemServerDetail.F()}
}

// fileProblem maps the vfs refusals to statuses, as sftpd and ftpd map
// them to their codes; the detail is the vfs sentence users of the other
// protocols read (the filename policy's included).
func fileProblem(pe *vfs.PathError) *problem {
	p := &problem{Detail: pe.Error()}
	switch pe.Err {
	case vfs.ErrNotFound:
		p.Type, p.Status, p.Title = "not-found", http.StatusNotFound, catalogue.ProblemNotFound.F()
	case vfs.ErrPermission, vfs.ErrReadOnly, vfs.ErrCrossMount:
		p.Type, p.Status, p.Title = "read-only", http.StatusForbidden, catalogue.ProblemForbiddenPath.F()
	case vfs.ErrName:
		p.Type, p.Status, p.Title = "refused-name", http.StatusUnprocessableEntity, catalogue.ProblemInvalid.F()
	case vfs.ErrInvalidPath:
		p.Type, p.Status, p.Title = "invalid-path", http.StatusBadRequest, catalogue.ProblemBadRequest.F()
	case vfs.ErrExists, vfs.ErrNotEmpty, vfs.ErrIsDir, vfs.ErrNotDir, vfs.ErrBusy, vfs.ErrCancelled:
		p.Type, p.Status, p.Title = "conflict", http.StatusConflict, catalogue.ProblemConflict.F()
	case vfs.ErrTooLarge, vfs.ErrTooFar:
		p.Type, p.Status, p.Title = "too-large", http.StatusRequestEntityTooLarge, catalogue.ProblemTooLarge.F()
	case vfs.ErrNoSpace:
		p.Type, p.Status, p.Title = "no-space", http.StatusInsufficientStorage, catalogue.ProblemNoSpace.F()
	case vfs.ErrLimit:
		p.Type, p.Status, p.Title = "busy", http.StatusTooManyRequests, catalogue.ProblemBusy.F()
	default:
		p.Type, p.Status, p.Title = "server-error", http.StatusInternalServerError, catalogue.ProblemServer.F()
	}
	return p
}

// writeJSON answers v with status.
func (c *call) writeJSON(status int, v any) error {
	c.w.Header().Set("Content-Type", "application/json")
	c.w.WriteHeader(status)
	enc := json.NewEncoder(c.w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

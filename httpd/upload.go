package httpd

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dossierd/dossierd/auth"
	"github.com/dossierd/dossierd/catalogue"
	"github.com/dossierd/dossierd/names"
	"github.com/dossierd/dossierd/service"
	"github.com/dossierd/dossierd/vfs"
)

// uploadAbandoned is how long an unfinished upload waits for its next
// chunk before it is dropped (its temporary file removed).
const uploadAbandoned = time.Hour

// maxUnfinished bounds the unfinished uploads of one web session.
const maxUnfinished = 8

// maxChunk bounds one request's body; the page sends 16 MiB.
const maxChunk = 64 << 20

// A webUpload is a file arriving in chunks (one PUT each, each under a
// reverse proxy's body limit): one core Upload held open between them, so
// the file is a temporary file until its last byte arrived, then
// committed atomically like any upload. A chunk cut in the middle keeps
// what arrived; the page asks where to continue (POST /upload again for
// the same file: same folder, name, size and date) after a cut or a
// reload.
type webUpload struct {
	id, key string
	session string // the web session's hash
	login   string
	conn    *service.Conn
	up      *service.Upload
	size    int64

	mu      sync.Mutex   // one chunk at a time
	offset  atomic.Int64 // where the file stands: read without mu by a request that finds a chunk being written
	touched atomic.Int64 // unix nanoseconds of the last request about it
	closed  atomic.Bool  // set under mu; read without it
}

func (u *webUpload) touch() { u.touched.Store(time.Now().UnixNano()) }

type uploads struct {
	mu    sync.Mutex
	byID  map[string]*webUpload
	byKey map[string]*webUpload
}

func (us *uploads) init() {
	us.byID = map[string]*webUpload{}
	us.byKey = map[string]*webUpload{}
}

// count is how many unfinished uploads connection c holds.
func (us *uploads) count(c *service.Conn) int {
	us.mu.Lock()
	defer us.mu.Unlock()
	n := 0
	for _, u := range us.byID {
		if u.conn == c {
			n++
		}
	}
	return n
}

func (us *uploads) get(id, login string) *webUpload {
	us.mu.Lock()
	defer us.mu.Unlock()
	u := us.byID[id]
	if u == nil || u.login != login {
		return nil
	}
	return u
}

func (us *uploads) forget(u *webUpload) {
	us.mu.Lock()
	defer us.mu.Unlock()
	if us.byID[u.id] == u {
		delete(us.byID, u.id)
	}
	if us.byKey[u.key] == u {
		delete(us.byKey, u.key)
	}
}

// drop discards an unfinished upload (never published, whatever the
// upload mode).
func (us *uploads) drop(u *webUpload) {
	us.forget(u)
	u.mu.Lock()
	defer u.mu.Unlock()
	if !u.closed.Load() {
		u.closed.Store(true)
		u.up.Drop()
	}
}

// all is every upload of the registry, for work done outside its lock: a
// chunk being written holds its upload's lock and then takes the
// registry's (forget), never the reverse.
func (us *uploads) all() []*webUpload {
	us.mu.Lock()
	defer us.mu.Unlock()
	all := make([]*webUpload, 0, len(us.byID))
	for _, u := range us.byID {
		all = append(all, u)
	}
	return all
}

// add registers u, in one swap under the lock: an upload of the same file
// started meanwhile leaves both maps, then is dropped.
func (us *uploads) add(u *webUpload) {
	us.mu.Lock()
	old := us.byKey[u.key]
	if old != nil {
		delete(us.byID, old.id)
	}
	us.byID[u.id] = u
	us.byKey[u.key] = u
	us.mu.Unlock()
	if old != nil {
		us.drop(old)
	}
}

// dropWhere drops the uploads match selects (run outside the lock).
func (us *uploads) dropWhere(match func(*webUpload) bool) {
	for _, u := range us.all() {
		if match(u) {
			us.drop(u)
		}
	}
}

func (us *uploads) dropConn(c *service.Conn) {
	us.dropWhere(func(u *webUpload) bool { return u.conn == c })
}
func (us *uploads) expire(before time.Time) {
	us.dropWhere(func(u *webUpload) bool { return u.touched.Load() < before.UnixNano() })
}

type uploadRequest struct {
	Folder   string `json:"folder"`
	Name     string `json:"name"`
	Size     int64  `json:"size"`
	Modified int64  `json:"modified"` // the file's date in the browser, ms: tells two files of one name apart
	Replace  bool   `json:"replace"`
}

type uploadReply struct {
	ID         string `json:"id,omitempty"`
	Offset     int64  `json:"offset"`
	Done       bool   `json:"done,omitempty"`
	Exists     bool   `json:"exists,omitempty"`
	Error      string `json:"error,omitempty"`
	Suggestion string `json:"suggestion,omitempty"`
}

// refusal is the reply to a core error; a refused name brings its
// suggestion, for the page's "upload as" button.
func (s *Server) refusal(w http.ResponseWriter, err error) {
	rep := uploadReply{Error: s.sentence(err)}
	var ne *names.Error
	if errors.As(err, &ne) {
		rep.Suggestion = ne.Suggestion
	}
	writeJSON(w, status(err), rep)
}

// uploadStart is POST /upload: begin an upload, or find the one of the
// same file to continue.
func (s *Server) uploadStart(w http.ResponseWriter, r *http.Request, ws *webSession, c *service.Conn) {
	var req uploadRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&req); err != nil || req.Size < 0 {
		writeJSON(w, http.StatusBadRequest, uploadReply{Error: catalogue.W("forbidden")})
		return
	}
	p, ok := target(req.Folder, req.Name)
	if !ok {
		s.refusal(w, errInvalidName(req.Folder, req.Name, false, "upload"))
		return
	}
	login := c.Account().Login
	// The same file of the same web session (a reload, a cut): another tab
	// or device sending a file of the same name, size and date starts its
	// own upload rather than continue someone else's bytes.
	key := ws.hash + "\x00" + p + "\x00" + strconv.FormatInt(req.Size, 10) + "\x00" + strconv.FormatInt(req.Modified, 10)
	s.uploads.mu.Lock()
	u := s.uploads.byKey[key]
	s.uploads.mu.Unlock()
	if u != nil {
		// Without u.mu: the chunk that was being written when the page
		// reloaded may still be running; the page continues at the
		// offset, and a chunk sent meanwhile is told where it stands.
		u.touch()
		if !u.closed.Load() {
			off := u.offset.Load()
			writeJSON(w, http.StatusOK, uploadReply{ID: u.id, Offset: off})
			return
		}
	}
	if max := c.FS.MaxFileSize(); max > 0 && req.Size > max {
		// Said before the first byte: the browser knows the size.
		s.refusal(w, &vfs.PathError{Op: "upload", Path: p, Err: vfs.ErrTooLarge, Limit: max})
		return
	}
	if u == nil {
		// Parked by a restart of the daemon (park.go): taken up where it
		// stood, as the user already chose to send it.
		switch u, err := s.unpark(r.Context(), ws, c, key, req.Size); {
		case err != nil: // for now: the page asks again in a moment
			writeJSON(w, http.StatusServiceUnavailable, uploadReply{Error: err.Error()})
			return
		case u != nil:
			writeJSON(w, http.StatusOK, uploadReply{ID: u.id, Offset: u.offset.Load()})
			return
		}
	}
	if fi, err := c.Probe(p); err == nil && !fi.IsDir() && !req.Replace {
		writeJSON(w, http.StatusConflict, uploadReply{Exists: true})
		return
	}
	if n := s.uploads.count(c); n >= maxUnfinished {
		// Each holds a file open until its last chunk: a page sends one
		// file at a time, so a few are a reload or two, not more.
		writeJSON(w, http.StatusTooManyRequests, uploadReply{Error: catalogue.W("upload.toomany", maxUnfinished)})
		return
	}
	up, err := c.Upload(p, vfs.Replace)
	if err != nil {
		s.refusal(w, err)
		return
	}
	u = &webUpload{id: auth.NewToken(), key: key, session: ws.hash, login: login, conn: c, up: up, size: req.Size}
	u.touch()
	if req.Size == 0 {
		s.commit(w, u)
		return
	}
	s.uploads.add(u)
	writeJSON(w, http.StatusOK, uploadReply{ID: u.id})
}

// uploadChunk is PUT /upload/{id}?offset=N: the bytes from N on. N must be
// where the file stands; the answer says where it stands after.
func (s *Server) uploadChunk(w http.ResponseWriter, r *http.Request, ws *webSession, c *service.Conn) {
	u := s.uploads.get(r.PathValue("id"), c.Account().Login)
	if u == nil {
		writeJSON(w, http.StatusNotFound, uploadReply{Error: catalogue.W("upload.unknown")})
		return
	}
	at, err := strconv.ParseInt(r.URL.Query().Get("offset"), 10, 64)
	if !u.mu.TryLock() {
		// Another request is writing this file (a retry racing its
		// original): the page asks again.
		off := u.offset.Load()
		writeJSON(w, http.StatusConflict, uploadReply{ID: u.id, Offset: off, Error: catalogue.W("upload.offset", off)})
		return
	}
	defer u.mu.Unlock()
	if u.closed.Load() {
		writeJSON(w, http.StatusNotFound, uploadReply{Error: catalogue.W("upload.unknown")})
		return
	}
	u.touch()
	off := u.offset.Load()
	if err != nil || at != off {
		writeJSON(w, http.StatusConflict, uploadReply{ID: u.id, Offset: off, Error: catalogue.W("upload.offset", off)})
		return
	}
	body := http.MaxBytesReader(w, r.Body, maxChunk)
	if _, err := u.up.Seek(off, io.SeekStart); err != nil {
		u.closed.Store(true)
		s.uploads.forget(u)
		u.up.Drop()
		s.refusal(w, err)
		return
	}
	n, err := u.up.ReadFrom(io.LimitReader(body, u.size-off))
	off = u.offset.Add(n)
	if err != nil {
		if vfs.IsStorageFailure(err) {
			// The disk or a limit refused: the upload is over.
			u.closed.Store(true)
			s.uploads.forget(u)
			u.up.Drop()
			s.refusal(w, err)
			return
		}
		// The browser's side was cut: what arrived stays, and the page
		// continues from there.
		writeJSON(w, http.StatusOK, uploadReply{ID: u.id, Offset: off})
		return
	}
	if off < u.size {
		writeJSON(w, http.StatusOK, uploadReply{ID: u.id, Offset: off})
		return
	}
	u.closed.Store(true)
	s.uploads.forget(u)
	s.commit(w, u)
}

// commit publishes the file once its last byte arrived.
func (s *Server) commit(w http.ResponseWriter, u *webUpload) {
	u.closed.Store(true)
	if err := u.up.Close(); err != nil {
		s.refusal(w, err)
		return
	}
	writeJSON(w, http.StatusOK, uploadReply{ID: u.id, Offset: u.size, Done: true})
}

// uploadCancel is DELETE /upload/{id}: the user gave up.
func (s *Server) uploadCancel(w http.ResponseWriter, r *http.Request, ws *webSession, c *service.Conn) {
	if u := s.uploads.get(r.PathValue("id"), c.Account().Login); u != nil {
		s.uploads.drop(u)
	}
	w.WriteHeader(http.StatusNoContent)
}

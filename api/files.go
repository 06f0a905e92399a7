package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/dossierd/dossierd/catalogue"
	"github.com/dossierd/dossierd/service"
	"github.com/dossierd/dossierd/vfs"
)

// The files: the storage as staff see it (SPEC section 2), through the
// key's service.Conn, so each operation is the core's, with its audit
// event, filename policy, atomic upload and limits.

// conn is the key's connection, released when the call ends.
func (c *call) conn() (*service.Conn, func(), error) {
	return c.h.conns.get(c.r.Context(), c.key, c.remote, clientIP(c.r))
}

// fileConn is the key's connection and the request's path.
func (c *call) fileConn() (conn *service.Conn, p string, folder bool, done func(), err error) {
	p, folder = c.filePath()
	conn, done, err = c.conn()
	return conn, p, folder, done, err
}

// filePath is the virtual path of the request and whether it names a
// folder (a path ending in "/", or the root).
func (c *call) filePath() (string, bool) {
	rest := strings.TrimPrefix(c.r.URL.Path, Prefix+"/files")
	return "/" + strings.Trim(c.r.PathValue("path"), "/"), rest == "" || strings.HasSuffix(rest, "/")
}

// entryJSON is one entry of a folder.
type entryJSON struct {
	Name  string    `json:"name"`
	Type  string    `json:"type"` // "file" or "folder"
	Size  int64     `json:"size"`
	MTime time.Time `json:"mtime"`
}

func (h *Handler) getFile(c *call) error {
	conn, p, folder, done, err := c.fileConn()
	if err != nil {
		return err
	}
	defer done()
	if folder {
		entries, err := conn.List(p)
		if err != nil {
			return err
		}
		out := make([]entryJSON, 0, len(entries))
		for _, e := range entries {
			kind := "file"
			if e.IsDir() {
				kind = "folder"
			}
			out = append(out, entryJSON{e.Name(), kind, e.Size(), e.ModTime().UTC()})
		}
		return c.writeJSON(http.StatusOK, out)
	}
	d, err := conn.Download(p)
	if err != nil {
		return err
	}
	defer d.Close()
	fi, err := d.File().Stat()
	if err != nil {
		return err
	}
	// ServeContent answers Range, If-Modified-Since and HEAD; the reads
	// go through the download, which counts them for the audit.
	http.ServeContent(c.w, c.r, path.Base(p), fi.ModTime(), d)
	if c.w.err != nil {
		d.TransferError(c.w.err)
	}
	return nil
}

// declaredSHA256 is the digest the client announces for the body, from
// "Digest: sha-256=<base64>" (RFC 3230) or "X-Checksum-Sha256: <hex>";
// nil when it announces none.
func declaredSHA256(r *http.Request) ([]byte, error) {
	if v := r.Header.Get("X-Checksum-Sha256"); v != "" {
		sum, err := hex.DecodeString(strings.TrimSpace(v))
		if err != nil || len(sum) != sha256.Size {
			return nil, checksumHeader("X-Checksum-Sha256", "64 hex digits")
		}
		return sum, nil
	}
	for _, v := range r.Header.Values("Digest") {
		for _, part := range strings.Split(v, ",") {
			alg, val, ok := strings.Cut(strings.TrimSpace(part), "=")
			if !ok || !strings.EqualFold(alg, "sha-256") {
				continue
			}
			sum, err := base64.StdEncoding.DecodeString(strings.TrimSpace(val))
			if err != nil || len(sum) != sha256.Size {
				return nil, checksumHeader("Digest", "sha-256=<base64>")
			}
			return sum, nil
		}
	}
	return nil, nil
}

func checksumHeader(name, want string) error {
	return &problem{Type: "bad-checksum-header", Status: http.StatusBadRequest, Title: catalogue.ProblemBadRequest.F(),
		Detail: catalogue.ProblemChecksumHeader.F(name, want)}
}

// uploadJSON is the answer to an upload: what is now stored.
type uploadJSON struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// errChecksum is the audit's result of an upload whose content did not
// match its checksum.
type errChecksum struct{ got, want []byte }

func (e errChecksum) Error() string {
	return catalogue.ProblemChecksumDetail.F(hex.EncodeToString(e.got), hex.EncodeToString(e.want))
}

func (h *Handler) putFile(c *call) error {
	p, folder := c.filePath()
	if folder {
		return &problem{Type: "invalid-path", Status: http.StatusBadRequest, Title: catalogue.ProblemBadRequest.F(),
			Detail: catalogue.ProblemFilePath.F()}
	}
	want, err := declaredSHA256(c.r)
	if err != nil {
		return err
	}
	conn, done, err := c.conn()
	if err != nil {
		return err
	}
	defer done()
	if err := makeParents(conn, path.Dir(p)); err != nil {
		return err
	}
	mode, exclusive := vfs.Replace, c.r.Header.Get("If-None-Match") == "*"
	if exclusive {
		mode = vfs.New
	}
	existed := false
	if _, err := conn.Probe(p); err == nil {
		existed = true
	}
	u, err := conn.Upload(p, mode)
	if err != nil {
		if exclusive && errors.Is(err, vfs.ErrExists) {
			pr := toProblem(err)
			pr.Type, pr.Status, pr.Title = "precondition-failed", http.StatusPreconditionFailed, catalogue.ProblemPrecondition.F()
			return pr
		}
		return err
	}
	sum := sha256.New()
	n, err := io.Copy(u, io.TeeReader(c.r.Body, sum))
	if err != nil {
		// A failure of the disk or of a limit has failed the upload, and
		// Close returns its cause; a body cut short is refused in every
		// upload mode (HTTP has no way to resume it).
		if vfs.IsStorageFailure(err) {
			return u.Close()
		}
		u.Refuse(err)
		return &problem{Type: "bad-request", Status: http.StatusBadRequest, Title: catalogue.ProblemBadRequest.F(), Detail: err.Error()}
	}
	got := sum.Sum(nil)
	if want != nil && !bytes.Equal(got, want) {
		mismatch := errChecksum{got, want}
		u.Refuse(mismatch)
		return &problem{Type: "checksum-mismatch", Status: http.StatusUnprocessableEntity, Title: catalogue.ProblemChecksum.F(), Detail: mismatch.Error()}
	}
	if err := u.Close(); err != nil {
		return err
	}
	status := http.StatusCreated
	if existed {
		status = http.StatusOK
	}
	return c.writeJSON(status, uploadJSON{p, n, hex.EncodeToString(got)})
}

// makeParents creates the folders above a file, as needed: only those
// missing, so that an upload into an existing folder creates (and audits)
// nothing.
func makeParents(conn *service.Conn, dir string) error {
	if dir == "/" {
		return nil
	}
	if fi, err := conn.Probe(dir); err == nil {
		if !fi.IsDir() {
			return &vfs.PathError{Op: "create folder", Path: dir, Err: vfs.ErrNotDir}
		}
		return nil
	} else if !errors.Is(err, vfs.ErrNotFound) {
		return err
	}
	if err := makeParents(conn, path.Dir(dir)); err != nil {
		return err
	}
	if err := conn.Mkdir(dir); err != nil && !errors.Is(err, vfs.ErrExists) {
		return err
	}
	return nil
}

func (h *Handler) deleteFile(c *call) error {
	conn, p, folder, done, err := c.fileConn()
	if err != nil {
		return err
	}
	defer done()
	if folder {
		err = conn.Rmdir(p)
	} else {
		err = conn.Remove(p)
	}
	if err != nil {
		return err
	}
	c.w.WriteHeader(http.StatusNoContent)
	return nil
}

package httpd

import (
	"archive/zip"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dossierd/dossierd/catalogue"
	"github.com/dossierd/dossierd/service"
	"github.com/dossierd/dossierd/vfs"
)

var timeZero time.Time

func itoa(n int) string { return strconv.Itoa(n) }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// fileURL is the page of a virtual path: each element escaped, a folder
// ending in "/".
func fileURL(p string, dir bool) string {
	var b strings.Builder
	b.WriteString("/files")
	for _, e := range strings.Split(strings.Trim(p, "/"), "/") {
		if e != "" {
			b.WriteString("/")
			b.WriteString(url.PathEscape(e))
		}
	}
	if dir {
		b.WriteString("/")
	}
	return b.String()
}

type crumb struct {
	Name, URL string
	Current   bool
}

type entry struct {
	Name, URL, Size, Date, ISO string
	Dir                        bool
	ID                         int
}

type listing struct {
	Path     string
	Crumbs   []crumb
	Entries  []entry
	Writable bool
	ZipURL   string
}

func crumbs(p string) []crumb {
	out := []crumb{{Name: catalogue.W("home"), URL: "/files/"}}
	acc := ""
	for _, e := range strings.Split(strings.Trim(p, "/"), "/") {
		if e == "" {
			continue
		}
		acc += "/" + e
		out = append(out, crumb{Name: e, URL: fileURL(acc, true)})
	}
	out[len(out)-1].Current = true
	return out
}

// humanSize is a size as the pages show it ("1,5 Mo").
func humanSize(n int64) string {
	units := []string{catalogue.W("unit.b"), catalogue.W("unit.kb"), catalogue.W("unit.mb"), catalogue.W("unit.gb"), catalogue.W("unit.tb")}
	if n < 1024 {
		return strconv.FormatInt(n, 10) + " " + units[0]
	}
	f, i := float64(n), 0
	for f >= 1024 && i < len(units)-1 {
		f /= 1024
		i++
	}
	s := strconv.FormatFloat(f, 'f', 1, 64)
	if catalogue.Current() == catalogue.French {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s + " " + units[i]
}

// files is GET /files/...: a folder's page, a file's download, a
// folder's ZIP.
func (s *Server) files(w http.ResponseWriter, r *http.Request, ws *webSession, c *service.Conn) {
	p := "/" + r.PathValue("path")
	folder := strings.HasSuffix(p, "/")
	p = path.Clean(p)
	fi, err := c.Probe(p)
	if err != nil {
		// A path outside the tree and a missing file read the same: the
		// page names nothing of what was asked.
		s.notFound(w, r, nil)
		return
	}
	switch {
	case fi.IsDir() && r.URL.Query().Has("zip"):
		s.zip(w, c, p)
	case fi.IsDir() && !folder:
		http.Redirect(w, r, fileURL(p, true), http.StatusMovedPermanently)
	case fi.IsDir():
		s.folder(w, r, ws, c, p, fi)
	case r.Method == http.MethodHead:
		// What a download would say, without opening (and auditing) one.
		attachment(w, path.Base(p))
		w.Header().Set("Content-Length", strconv.FormatInt(fi.Size(), 10))
		w.Header().Set("Last-Modified", fi.ModTime().UTC().Format(http.TimeFormat))
	default:
		s.download(w, r, c, p)
	}
}

func (s *Server) folder(w http.ResponseWriter, r *http.Request, ws *webSession, c *service.Conn, p string, fi *vfs.FileInfo) {
	list, err := c.List(p)
	if err != nil {
		s.notFound(w, r, nil)
		return
	}
	name := path.Base(p)
	if p == "/" {
		name = catalogue.W("nav.files")
	}
	d := listing{Path: p, Crumbs: crumbs(p), Writable: fi.Mode().Perm()&0o200 != 0, ZipURL: fileURL(p, true) + "?zip"}
	for i, e := range list {
		d.Entries = append(d.Entries, entry{
			Name: e.Name(), URL: fileURL(path.Join(p, e.Name()), e.IsDir()), Dir: e.IsDir(), ID: i,
			Size: humanSize(e.Size()), Date: e.ModTime().Local().Format(catalogue.W("date.format")), ISO: e.ModTime().UTC().Format(time.RFC3339),
		})
	}
	v := s.base(ws, c, name, "files")
	v.Data = d
	s.render(w, http.StatusOK, "files", v)
}

// inlineUnsafe are the types a browser would run or render as a page of
// our origin: they are sent as bytes.
var inlineUnsafe = []string{"text/html", "application/xhtml+xml", "image/svg+xml", "text/xml", "application/xml", "text/javascript", "application/javascript"}

// attachment makes the browser save the file under its own name, whatever
// characters it has (RFC 6266: an ASCII fallback and the UTF-8 form).
func attachment(w http.ResponseWriter, name string) {
	ctype := mime.TypeByExtension(path.Ext(name))
	base, _, _ := mime.ParseMediaType(ctype)
	if ctype == "" || slices.Contains(inlineUnsafe, base) {
		ctype = "application/octet-stream"
	}
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	// A login's documents: no shared cache keeps them, the browser asks
	// again (Last-Modified makes that cheap).
	h.Set("Cache-Control", "private, no-cache")
	// Even opened directly, an uploaded file runs nothing of ours.
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
}

// countingWriter notices a client that went away during a download.
type countingWriter struct {
	http.ResponseWriter
	err error
}

func (cw *countingWriter) Write(p []byte) (int, error) {
	n, err := cw.ResponseWriter.Write(p)
	if err != nil && cw.err == nil {
		cw.err = err
	}
	return n, err
}

// download sends a file, with Range (a download resumes) and
// conditional requests, through the core's Download (audited).
func (s *Server) download(w http.ResponseWriter, r *http.Request, c *service.Conn, p string) {
	d, err := c.Download(p)
	if err != nil {
		if status(err) == http.StatusNotFound {
			s.notFound(w, r, nil)
		} else {
			http.Error(w, s.sentence(err), status(err))
		}
		return
	}
	fi, err := d.File().Stat()
	if err != nil {
		d.Close()
		http.Error(w, catalogue.W("error"), http.StatusInternalServerError)
		return
	}
	attachment(w, path.Base(p))
	cw := &countingWriter{ResponseWriter: w}
	http.ServeContent(cw, r, "", fi.ModTime(), d)
	if cw.err != nil || r.Context().Err() != nil {
		d.TransferError(errors.Join(cw.err, r.Context().Err()))
	}
	d.Close()
}

// zip streams a folder and everything under it as a ZIP archive, written
// as it is read: no temporary file. Each file is a download of the core
// (audited one by one); files are stored, not compressed: the documents
// here are PDFs and office files, compressed already.
func (s *Server) zip(w http.ResponseWriter, c *service.Conn, p string) {
	name := path.Base(p)
	if p == "/" {
		name = "documents"
	}
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name + ".zip"}))
	zw := zip.NewWriter(w)
	if err := s.zipFolder(zw, c, p, ""); err != nil {
		// The status is sent; a truncated archive is all the browser can
		// be told, and the audit has the download interrupted.
		c.Log().Warn("zip download ended early", "path", p, "err", err)
		return
	}
	zw.Close()
}

func (s *Server) zipFolder(zw *zip.Writer, c *service.Conn, p, prefix string) error {
	list, err := c.List(p)
	if err != nil {
		return err
	}
	for _, e := range list {
		child, inZip := path.Join(p, e.Name()), prefix+e.Name()
		if e.IsDir() {
			if _, err := zw.CreateHeader(&zip.FileHeader{Name: inZip + "/", Modified: e.ModTime()}); err != nil {
				return err
			}
			if err := s.zipFolder(zw, c, child, inZip+"/"); err != nil {
				return err
			}
			continue
		}
		d, err := c.Download(child)
		if err != nil {
			continue // gone meanwhile, or refused: the rest still comes
		}
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: inZip, Method: zip.Store, Modified: e.ModTime()})
		if err == nil {
			_, err = io.Copy(fw, d)
		}
		if err != nil {
			d.TransferError(err)
			d.Close()
			return err
		}
		d.Close()
	}
	return nil
}

// target is the virtual path of name in folder, both from a form; a name
// holding a separator is not a name.
func target(folder, name string) (string, bool) {
	if name == "" || strings.ContainsAny(name, "/\\") || name == "." || name == ".." {
		return "", false
	}
	return path.Join("/", folder, name), true
}

// afterChange sends the browser back to the folder, with what happened.
func (s *Server) afterChange(w http.ResponseWriter, r *http.Request, ws *webSession, c *service.Conn, folder string, err error, done string) {
	ws.mu.Lock()
	if err != nil {
		ws.flash = ""
		ws.failure = s.sentence(err)
	} else {
		ws.flash = done
	}
	ws.mu.Unlock()
	if fi, err := c.Probe(folder); err != nil || !fi.IsDir() {
		folder = "/" // the page of a folder that is not one would say nothing of what happened
	}
	http.Redirect(w, r, fileURL(folder, true), http.StatusSeeOther)
}

func (s *Server) mkdir(w http.ResponseWriter, r *http.Request, ws *webSession, c *service.Conn) {
	folder, name := r.PostFormValue("folder"), strings.TrimSpace(r.PostFormValue("name"))
	p, ok := target(folder, name)
	err := errInvalidName(folder, name, ok, "create folder")
	if ok {
		err = c.Mkdir(p)
	}
	s.afterChange(w, r, ws, c, folder, err, catalogue.W("files.done.mkdir", name))
}

func (s *Server) rename(w http.ResponseWriter, r *http.Request, ws *webSession, c *service.Conn) {
	folder, from, to := r.PostFormValue("folder"), r.PostFormValue("from"), strings.TrimSpace(r.PostFormValue("to"))
	src, ok1 := target(folder, from)
	// A new name stays in the folder; a path ("/Mes documents/2026/x.pdf")
	// moves the file there.
	dst, ok2 := path.Clean(to), strings.HasPrefix(to, "/")
	if !ok2 {
		dst, ok2 = target(folder, to)
	}
	err := errInvalidName(folder, to, ok1 && ok2, "rename to")
	if ok1 && ok2 && src != dst {
		err = c.Rename(src, dst, false)
	}
	s.afterChange(w, r, ws, c, folder, err, catalogue.W("files.done.rename", from, to))
}

func (s *Server) remove(w http.ResponseWriter, r *http.Request, ws *webSession, c *service.Conn) {
	folder, name := r.PostFormValue("folder"), r.PostFormValue("name")
	p, ok := target(folder, name)
	err := errInvalidName(folder, name, ok, "delete")
	if ok {
		var fi *vfs.FileInfo
		if fi, err = c.Probe(p); err == nil && fi.IsDir() {
			err = c.Rmdir(p)
		} else if err == nil {
			err = c.Remove(p)
		}
	}
	s.afterChange(w, r, ws, c, folder, err, catalogue.W("files.done.delete", name))
}

// errInvalidName is the refusal of a name that is not one element.
func errInvalidName(folder, name string, ok bool, op string) error {
	if ok {
		return nil
	}
	return &vfs.PathError{Op: op, Path: path.Join("/", folder, name), Err: vfs.ErrInvalidPath}
}

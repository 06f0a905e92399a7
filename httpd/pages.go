package httpd

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"

	"github.com/dossierd/dossierd/catalogue"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// pages are the parsed templates, one set per page (each defines
// "content" for the shared layout).
type pages struct {
	byName map[string]*template.Template
	labels Labels
}

var pageNames = []string{"login", "files", "sessions", "password", "forgot", "message"}

func loadPages(cfg Config) (*pages, error) {
	funcs := template.FuncMap{"t": catalogue.W}
	p := &pages{byName: map[string]*template.Template{}, labels: cfg.Labels}
	for _, n := range pageNames {
		t, err := template.New(n).Funcs(funcs).ParseFS(templateFiles, "templates/layout.html", "templates/"+n+".html")
		if err != nil {
			return nil, err
		}
		p.byName[n] = t
	}
	return p, nil
}

// view is what every page shows: the header, the heading, a message.
type view struct {
	Site, MySessions string
	Heading          string
	User             string // "" when nobody is logged in
	ShowSessions     bool
	Nav              string
	Flash, Error     string
	Data             any
}

// render writes page name with status; the page is built in memory first
// so that a template error becomes a clean 500, not half a page.
func (s *Server) render(w http.ResponseWriter, status int, name string, v view) {
	v.Site, v.MySessions = s.pages.labels.Title, s.pages.labels.MySessions
	var buf bytes.Buffer
	if err := s.pages.byName[name].ExecuteTemplate(&buf, "layout", v); err != nil {
		s.log.Error("page not rendered", "page", name, "err", err)
		http.Error(w, catalogue.W("error"), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// message is a page of one sentence and a link back.
func (s *Server) message(w http.ResponseWriter, status int, v view, back string) {
	v.Data = back
	s.render(w, status, "message", v)
}

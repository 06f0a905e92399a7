package telemetry

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Check is one condition /healthz requires.
type Check struct {
	Name string // what the reason names: "database", "storage"
	Run  func(ctx context.Context) error
}

// checkTimeout bounds each check, so that a monitoring probe gets an
// answer even when the database is locked or the disk hangs.
const checkTimeout = 3 * time.Second

// Server is the telemetry HTTP listener.
type Server struct {
	http *http.Server
	l    net.Listener
	log  *slog.Logger
}

// Listen binds addr, so that a port in use fails start-up with the
// others; Serve serves.
func Listen(addr string, m *Metrics, checks []Check, log *slog.Logger) (*Server, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("telemetry: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.Registry(), promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelError)}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if reasons := failing(r.Context(), checks); len(reasons) > 0 {
			log.Warn("health check failed", "reasons", strings.Join(reasons, "; "))
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, strings.Join(reasons, "\n"))
			return
		}
		fmt.Fprintln(w, "ok")
	})
	return &Server{
		http: &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: time.Minute,
			ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelDebug)},
		l: l, log: log,
	}, nil
}

// failing runs every check and returns the reasons of those that fail.
func failing(ctx context.Context, checks []Check) []string {
	var reasons []string
	for _, c := range checks {
		cctx, cancel := context.WithTimeout(ctx, checkTimeout)
		err := c.Run(cctx)
		cancel()
		if err != nil {
			reasons = append(reasons, c.Name+": "+err.Error())
		}
	}
	return reasons
}

// Addr is the bound address.
func (s *Server) Addr() net.Addr { return s.l.Addr() }

// Serve serves until Close.
func (s *Server) Serve() {
	s.log.Info("telemetry listening", "address", s.l.Addr().String())
	if err := s.http.Serve(s.l); err != nil && !errors.Is(err, http.ErrServerClosed) {
		s.log.Error("telemetry server stopped", "err", err)
	}
}

// Close stops the listener and the requests in progress.
func (s *Server) Close() { s.http.Close() }

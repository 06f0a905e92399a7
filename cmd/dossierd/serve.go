package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/dossierd/dossierd/catalogue"
	"github.com/dossierd/dossierd/config"
	"github.com/dossierd/dossierd/daemon"
	"github.com/dossierd/dossierd/demo"
)

func (c *cli) serveCmd() *cobra.Command {
	var loadDemo bool
	var pprofAddr string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: catalogue.HelpServe.F(),
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := c.config()
			if err != nil {
				return err
			}
			level := new(slog.LevelVar)
			log := levelLogger(os.Stderr, cfg.Log, level)
			tuneGC()
			if pprofAddr != "" {
				if err := servePprof(pprofAddr, log); err != nil {
					return err
				}
			}
			d, err := daemon.New(cfg, log)
			if err != nil {
				return err
			}
			d.LogLevel = level
			if loadDemo {
				logins, err := demo.Load(cmd.Context(), d.Store, d.Storage.Path())
				if err != nil {
					return catalogue.Errorf(catalogue.DemoFailed, err)
				}
				printDemo(cmd, logins, d)
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			reloadOnHangup(ctx, d, c.configFile)
			log.Info("dossierd started", "config", cfgSource(cfg.Source), "storage", cfg.Storage.Root, "database", cfg.DataProvider.Name)
			d.Run(ctx)
			return nil
		},
	}
	cmd.Flags().BoolVar(&loadDemo, "demo", false, catalogue.HelpFlagDemo.F())
	cmd.Flags().StringVar(&pprofAddr, "pprof", "", catalogue.HelpFlagPprof.F())
	return cmd
}

// newLogger builds the server's log from the log section (validated by
// config): every line of a connection carries its conn id, login, role,
// protocol and remote address (service.Conn.Log), in either format.
func newLogger(w io.Writer, c config.Log) *slog.Logger {
	return levelLogger(w, c, new(slog.LevelVar))
}

// levelLogger is newLogger whose level is level's, set to log.level here
// and by each reload.
func levelLogger(w io.Writer, c config.Log, level *slog.LevelVar) *slog.Logger {
	var l slog.Level
	l.UnmarshalText([]byte(c.Level)) // debug, info, warn, error: slog's own names
	level.Set(l)
	opts := &slog.HandlerOptions{Level: level}
	if c.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// reloadOnHangup reloads the configuration file at each SIGHUP (systemctl
// reload, a certificate renewal's deploy hook) instead of dying, SIGHUP's
// default action: daemon.ReloadFile applies what can change live, logs
// what needs a restart, and refuses a file that does not validate. One
// reload at a time; signals that arrive meanwhile make one more.
func reloadOnHangup(ctx context.Context, d *daemon.Daemon, file string) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	go func() {
		defer signal.Stop(hup)
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				d.ReloadFile(file) // logged there
			}
		}
	}()
}

func cfgSource(s string) string {
	if s == "" {
		return "embedded defaults"
	}
	return s
}

func printDemo(cmd *cobra.Command, logins []demo.Login, d *daemon.Daemon) {
	out := cmd.OutOrStdout()
	fmt.Fprintln(out, catalogue.DemoLoaded)
	list := newTable(out, "  "+catalogue.HeadLogin.F(), catalogue.HeadPassword, catalogue.HeadRole, catalogue.HeadName)
	for _, l := range logins {
		list.row("  "+l.Login, l.Password, l.Role, l.Name)
	}
	list.flush()
	for _, a := range d.SFTPAddrs {
		if t, ok := a.(*net.TCPAddr); ok {
			fmt.Fprintln(out, catalogue.DemoSFTP.F(t.Port, logins[0].Login))
		}
	}
	for i, a := range d.FTPAddrs {
		t, ok := a.(*net.TCPAddr)
		if !ok {
			continue
		}
		switch d.Config.FTPD.Bindings[i].TLSMode {
		case config.TLSModeImplicit:
			fmt.Fprintln(out, catalogue.DemoFTPSImplicit.F(t.Port, logins[0].Login))
		case config.TLSModeRequired:
			fmt.Fprintln(out, catalogue.DemoFTPSRequired.F(t.Port, logins[0].Login))
		default:
			fmt.Fprintln(out, catalogue.DemoFTP.F(t.Port, logins[0].Login))
		}
	}
	for i, a := range d.HTTPAddrs {
		t, ok := a.(*net.TCPAddr)
		if !ok {
			continue
		}
		if d.Config.HTTPD.Bindings[i].EnableHTTPS {
			fmt.Fprintln(out, catalogue.DemoWebHTTPS.F(t.Port, logins[0].Login))
		} else {
			fmt.Fprintln(out, catalogue.DemoWeb.F(t.Port, logins[0].Login))
		}
	}
}

// servePprof exposes the profiler on its own listener and mux, so that it
// is only ever reachable where the administrator bound it.
func servePprof(addr string, log *slog.Logger) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return catalogue.Errorf(catalogue.PprofFailed, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	log.Info("profiler listening", "address", l.Addr().String())
	go http.Serve(l, mux)
	return nil
}

// tuneGC trades a little memory for CPU: transfers allocate a packet
// buffer per request, and with Go's default GOGC=100 the collector ran
// 400-570 times per GiB, 10-15 % of the CPU. GOGC=400 with a 48 MiB soft
// limit keeps the collector quiet until the heap nears the limit.
// Measured with bench/run.sh (BENCH_DOSSIERD_ENV): SFTP CPU -16..-30 % on
// put, -16..-25 % on get, -35 % on small files, -20..-35 % with 50 clients;
// the 50-client peak RSS stayed at 59 MiB (the target is 64). GOGC or
// GOMEMLIMIT in the environment win, for administrators who know better.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(48 << 20)
	}
}

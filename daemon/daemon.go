// Package daemon turns a configuration into running servers: it opens the
// directory and the storage, builds the shared service and starts the
// protocol servers. cmd/dossierd and the end-to-end tests both use it, so
// the tests run exactly what production runs.
package daemon

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/dossierd/dossierd/api"
	"github.com/dossierd/dossierd/audit"
	"github.com/dossierd/dossierd/auth"
	"github.com/dossierd/dossierd/catalogue"
	"github.com/dossierd/dossierd/config"
	"github.com/dossierd/dossierd/defender"
	"github.com/dossierd/dossierd/domain"
	"github.com/dossierd/dossierd/ftpd"
	"github.com/dossierd/dossierd/httpd"
	"github.com/dossierd/dossierd/names"
	"github.com/dossierd/dossierd/proxyproto"
	"github.com/dossierd/dossierd/service"
	"github.com/dossierd/dossierd/sftpd"
	"github.com/dossierd/dossierd/telemetry"
	"github.com/dossierd/dossierd/vfs"
)

// Directory is what the admin commands work on: the database and the
// storage root whose folders follow it.
type Directory struct {
	Store   *auth.Store
	Storage *vfs.Storage
	Policy  *names.Policy
	Layout  vfs.Layout
}

// OpenDirectory opens the database and the storage root of cfg.
func OpenDirectory(cfg *config.Config) (*Directory, error) {
	lang, err := catalogue.Parse(cfg.Common.Language)
	if err != nil {
		return nil, fmt.Errorf("common.language: %w", err)
	}
	catalogue.Set(lang)
	policy, err := names.New(cfg.Filenames.AllowedChars, cfg.Filenames.MaxLength)
	if err != nil {
		return nil, fmt.Errorf("filenames: %w", err)
	}
	umask, err := config.ParseUmask(cfg.Common.Umask)
	if err != nil {
		return nil, fmt.Errorf("common.umask: %w", err)
	}
	// The process umask too, so that nothing created on the way (SQLite's
	// journal, host keys) is more open than the storage.
	syscall.Umask(int(umask))
	storage, err := vfs.OpenStorage(cfg.Storage.Root, cfg.Storage.SharedFolder, umask)
	if err != nil {
		return nil, err
	}
	store, err := auth.Open(cfg.DataProvider.Name, auth.Options{Layout: storage, CheckName: policy.Check})
	if err != nil {
		storage.Close()
		return nil, err
	}
	return &Directory{Store: store, Storage: storage, Policy: policy, Layout: Layout(cfg)}, nil
}

// Close releases the database and the storage root.
func (d *Directory) Close() {
	d.Store.Close()
	d.Storage.Close()
}

// Layout is the tree layout of cfg: labels, permissions, shared folder.
func Layout(cfg *config.Config) vfs.Layout {
	perms := vfs.Permissions{}
	for role, mounts := range cfg.Tree.Permissions {
		perms[role] = map[string]bool{}
		for kind, p := range mounts {
			perms[role][kind] = p == "rw"
		}
	}
	l := cfg.Tree.Labels
	return vfs.Layout{
		Labels:       vfs.Labels{Personal: l.Personal, Sessions: l.Sessions, Documents: l.Documents, Common: l.Common},
		Permissions:  perms,
		SharedFolder: cfg.Storage.SharedFolder,
	}
}

// Daemon is a running dossierd.
type Daemon struct {
	*Directory
	Config  *config.Config
	Service *service.Service
	SFTP    *sftpd.Server
	// SFTPAddrs are the bound addresses (tests bind port 0).
	SFTPAddrs []net.Addr
	FTP       *ftpd.Server
	FTPAddrs  []net.Addr // bound FTP addresses, in the order of ftpd.bindings
	HTTP      *httpd.Server
	API       *api.Handler // mounted by HTTP at /api/v1/
	HTTPAddrs []net.Addr   // bound web addresses, in the order of httpd.bindings
	Defender  *defender.Defender
	Audit     *audit.Recorder
	Metrics   *telemetry.Metrics
	// Telemetry serves /metrics and /healthz; nil when
	// telemetry.bind_port is 0.
	Telemetry *telemetry.Server
	// LogLevel, when set (serve sets it), is the level of the daemon's
	// log, which a reload changes (log.level).
	LogLevel *slog.LevelVar
	bans     *defender.Persist
	log      *slog.Logger
	limits   *defender.Limits
	// applied is the configuration in force: Config with what reloads
	// changed (Settings' live keys); Config stays the one started with.
	applied  atomic.Pointer[config.Config]
	reloadMu sync.Mutex
}

// defenderConfig converts common.defender (validated by config).
func defenderConfig(c config.Defender) defender.Config {
	return defender.Config{
		Enabled: c.Enabled, BanTime: time.Duration(c.BanTime) * time.Minute, BanTimeIncrement: c.BanTimeIncrement,
		Threshold: c.Threshold, ScoreInvalid: c.ScoreInvalid, ScoreValid: c.ScoreValid,
		ScoreLimitExceeded: c.ScoreLimitExceeded, ScoreNoAuth: c.ScoreNoAuth,
		ObservationTime:  time.Duration(c.ObservationTime) * time.Minute,
		EntriesSoftLimit: c.EntriesSoftLimit, EntriesHardLimit: c.EntriesHardLimit, Safelist: config.Networks(c.Safelist),
	}
}

// proxyPolicy converts common.proxy_protocol and its lists (validated by
// config); nil when off.
func proxyPolicy(c config.Common, log *slog.Logger) *proxyproto.Policy {
	if c.ProxyProtocol == proxyproto.Off {
		return nil
	}
	return &proxyproto.Policy{
		Mode: c.ProxyProtocol, Allowed: config.Networks(c.ProxyAllowed), Skipped: config.Networks(c.ProxySkipped),
		Log: log.With("component", "proxy_protocol"),
	}
}

// New opens everything and binds the listeners, so that a port already in
// use fails start-up with its address before anything is served.
func New(cfg *config.Config, log *slog.Logger) (*Daemon, error) {
	raiseOpenFiles(log)
	dir, err := OpenDirectory(cfg)
	if err != nil {
		return nil, err
	}
	d := &Daemon{Directory: dir, Config: cfg, log: log}
	d.applied.Store(cfg)
	d.limits = &defender.Limits{MaxTotal: cfg.Common.MaxTotalConnections, MaxPerHost: cfg.Common.MaxPerHostConnections}
	ctx := context.Background()
	d.Defender = defender.New(defenderConfig(cfg.Common.Defender), nil)
	d.Defender.OnBan = func(ip netip.Addr, until time.Time) {
		log.Warn("address banned", "ip", ip.String(), "until", until.Format(time.RFC3339))
		d.Metrics.Ban()
	}
	if d.bans, err = defender.OpenPersist(ctx, dir.Store.DB()); err == nil {
		err = d.bans.Load(ctx, d.Defender)
	}
	if err == nil {
		d.Audit, err = audit.NewRecorder(ctx, dir.Store.DB(), log)
	}
	if err != nil {
		dir.Close()
		return nil, err
	}
	d.Metrics = telemetry.NewMetrics(d.Audit.Len)
	d.Service = service.New(dir.Store, dir.Storage, service.Options{
		Layout:      dir.Layout,
		FS:          vfs.Options{Policy: dir.Policy, UploadMode: vfs.UploadMode(cfg.Common.UploadMode)},
		IdleTimeout: time.Duration(cfg.Common.IdleTimeout) * time.Minute,
		Logger:      log,
		Audit:       d.Audit,
		Defender:    d.Defender,
		Metrics:     d.Metrics,
		Limits:      d.limits,
		RoleLimits:  roleLimits(cfg.Common),
		// sftpd's key: SFTP is the protocol that opens many files at
		// once; FTP holds one transfer per control connection.
		MaxOpenHandles: cfg.SFTPD.MaxOpenHandles,
	})
	if len(cfg.SFTPD.Bindings) > 0 {
		var binds []string
		for _, b := range cfg.SFTPD.Bindings {
			binds = append(binds, net.JoinHostPort(b.Address, strconv.Itoa(b.Port)))
		}
		d.SFTP, err = sftpd.New(sftpd.Config{
			Bindings:          binds,
			HostKeys:          cfg.SFTPD.HostKeys,
			MaxAuthTries:      cfg.SFTPD.MaxAuthTries,
			LoginGraceTime:    time.Duration(cfg.SFTPD.LoginGraceTime) * time.Second,
			KeepaliveInterval: time.Duration(cfg.SFTPD.KeepaliveInterval) * time.Second,
			KexAlgorithms:     cfg.SFTPD.KexAlgorithms,
			Ciphers:           cfg.SFTPD.Ciphers,
			MACs:              cfg.SFTPD.MACs,
			MaxChannels:       cfg.SFTPD.MaxChannels,
			Proxy:             proxyPolicy(cfg.Common, log),
		}, d.Service)
		if err == nil {
			d.SFTPAddrs, err = d.SFTP.Listen()
		}
		if err != nil {
			d.closeAll()
			return nil, err
		}
	}
	if len(cfg.FTPD.Bindings) > 0 {
		d.FTP, err = ftpd.New(ftpdConfig(cfg, log), d.Service)
		if err == nil {
			logCertificates(cfg.FTPD, log)
			d.FTPAddrs, err = d.FTP.Listen()
		}
		if err != nil {
			d.closeAll()
			return nil, err
		}
	}
	if len(cfg.HTTPD.Bindings) > 0 {
		if err = d.newWeb(cfg); err != nil {
			d.closeAll()
			return nil, err
		}
	}
	if t := cfg.Telemetry; t.BindPort != 0 {
		addr := net.JoinHostPort(t.BindAddress, strconv.Itoa(t.BindPort))
		if d.Telemetry, err = telemetry.Listen(addr, d.Metrics, d.healthChecks(), log); err != nil {
			d.closeAll()
			return nil, err
		}
	}
	return d, nil
}

// Logger is the daemon's log (a restarted daemon in tests keeps it).
func (d *Daemon) Logger() *slog.Logger { return d.log }

// logCertificates logs the fingerprint of each certificate the FTP
// bindings use (ftpd.New has loaded or generated them), for users to
// compare with what FileZilla shows.
func logCertificates(f config.FTPD, log *slog.Logger) {
	seen := map[string]bool{}
	for _, b := range f.Bindings {
		file := b.CertificateFile
		if file == "" {
			file = f.CertificateFile
		}
		if file == "" || seen[file] {
			continue
		}
		seen[file] = true
		fp, err := CertificateFingerprint(file)
		if err != nil {
			log.Warn("FTPS certificate fingerprint", "file", file, "err", err)
			continue
		}
		log.Info("FTPS certificate", "file", file, "fingerprint_sha256", fp)
	}
}

// closeAll releases what New opened, when a later step of New fails.
func (d *Daemon) closeAll() {
	if d.HTTP != nil {
		d.HTTP.Close()
	}
	if d.FTP != nil {
		d.FTP.Close()
	}
	if d.SFTP != nil {
		d.SFTP.Close()
	}
	d.Audit.Close()
	d.Directory.Close()
}

// healthChecks are what /healthz requires: a database that answers and
// can take the write lock, and a storage root where files can be created.
func (d *Daemon) healthChecks() []telemetry.Check {
	return []telemetry.Check{
		{Name: "database", Run: d.Store.Probe},
		{Name: "storage", Run: func(context.Context) error { return d.Storage.Probe() }},
	}
}

// roleLimits resolves common.max_sessions and max_upload_file_size with
// their common.roles overrides, for every role.
func roleLimits(c config.Common) map[string]service.RoleLimits {
	out := map[string]service.RoleLimits{}
	for _, role := range domain.Roles() {
		out[role] = service.RoleLimits{
			MaxConnections:    c.RoleLimit(role, "max_sessions"),
			MaxUploadFileSize: int64(c.RoleLimit(role, "max_upload_file_size")),
		}
	}
	return out
}

// ftpdConfig converts the ftpd section (validated by config).
func ftpdConfig(cfg *config.Config, log *slog.Logger) ftpd.Config {
	f := cfg.FTPD
	c := ftpd.Config{
		PassivePortStart:   f.PassivePortRange.Start,
		PassivePortEnd:     f.PassivePortRange.End,
		DisableActiveMode:  f.DisableActiveMode,
		CertificateFile:    f.CertificateFile,
		CertificateKeyFile: f.CertificateKeyFile,
		LoginGraceTime:     time.Duration(cfg.SFTPD.LoginGraceTime) * time.Second,
		Proxy:              proxyPolicy(cfg.Common, log),
	}
	for _, b := range f.Bindings {
		c.Bindings = append(c.Bindings, ftpd.Binding{
			Address:            net.JoinHostPort(b.Address, strconv.Itoa(b.Port)),
			TLSMode:            b.TLSMode,
			ForcePassiveIP:     b.ForcePassiveIP,
			CertificateFile:    b.CertificateFile,
			CertificateKeyFile: b.CertificateKeyFile,
		})
	}
	return c
}

// Run serves until ctx ends, then shuts down: transfers in flight get
// common.grace_time seconds to finish, the rest is closed and discarded.
func (d *Daemon) Run(ctx context.Context) {
	var wg sync.WaitGroup
	watchCtx, stopWatch := context.WithCancel(context.Background())
	poll := time.Duration(d.Config.DataProvider.PollInterval) * time.Second
	wg.Add(2)
	go func() {
		defer wg.Done()
		d.Service.Watch(watchCtx, poll)
	}()
	go func() {
		defer wg.Done()
		d.housekeeping(watchCtx, poll)
	}()
	started := time.Now()
	wg.Add(1)
	go func() {
		defer wg.Done()
		// In the background: a large storage root takes a while to walk,
		// and nothing waits for it.
		if n, err := d.Storage.RemoveStaleUploads(watchCtx, started); err != nil && watchCtx.Err() == nil {
			d.log.Error("removing stale uploads failed", "err", err)
		} else if n > 0 {
			d.log.Info("removed temporary files of uploads cut by a previous stop", "count", n)
		}
	}()
	if d.SFTP != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d.SFTP.Serve()
		}()
	}
	if d.FTP != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d.FTP.Serve()
		}()
	}
	if d.HTTP != nil {
		wg.Go(d.HTTP.Serve)
	}
	if d.Telemetry != nil {
		wg.Go(d.Telemetry.Serve)
	}
	// The listeners were bound in New: connections queue in the kernel
	// until the Serve loops above take them, so the daemon is ready now.
	d.notify("READY=1")
	<-ctx.Done()
	d.notify("STOPPING=1")
	graceTime := d.applied.Load().Common.GraceTime
	d.log.Info("shutting down", "grace_time_s", graceTime)
	grace, cancel := context.WithTimeout(context.Background(), time.Duration(graceTime)*time.Second)
	defer cancel()
	// Both protocols wind down together, within the same grace time: each
	// server stops accepting and closes what has not logged in; the
	// service drains the logged-in connections of both.
	var down sync.WaitGroup
	if d.HTTP != nil {
		// First: the web sessions' connections drained below must close
		// without ending the sessions, which outlive the restart.
		d.HTTP.BeginShutdown()
		down.Go(func() {
			d.HTTP.Shutdown(grace)
			d.API.Close()
		})
	}
	down.Go(func() { d.Service.Drain(grace) })
	if d.SFTP != nil {
		down.Go(func() { d.SFTP.Shutdown(grace) })
	}
	if d.FTP != nil {
		down.Go(func() { d.FTP.Shutdown(grace) })
	}
	down.Wait()
	if d.Telemetry != nil {
		d.Telemetry.Close()
	}
	stopWatch()
	wg.Wait()
	d.Audit.Close()
	d.Directory.Close()
}

// housekeeping shares the defender's state with the CLI (and applies the
// unbans it queued) and reloads the FTPS certificates changed on disk at
// every poll, and applies the audit retention daily.
func (d *Daemon) housekeeping(ctx context.Context, poll time.Duration) {
	t := time.NewTicker(poll)
	defer t.Stop()
	var pruned time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		unbanned, err := d.bans.Sync(ctx, d.Defender)
		if err != nil && ctx.Err() == nil {
			d.log.Error("defender sync failed", "err", err)
		}
		for _, ip := range unbanned {
			d.log.Info("address unbanned", "ip", ip.String())
		}
		d.checkCertificates()
		if time.Since(pruned) > 24*time.Hour {
			pruned = time.Now()
			cutoff := pruned.AddDate(0, 0, -d.applied.Load().Audit.RetentionDays)
			if n, err := audit.Prune(ctx, d.Store.DB(), cutoff); err != nil && ctx.Err() == nil {
				d.log.Error("audit retention failed", "err", err)
			} else if n > 0 {
				d.log.Info("audit retention", "deleted", n, "before", cutoff.Format(time.DateOnly))
			}
		}
	}
}

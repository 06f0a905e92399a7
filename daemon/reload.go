package daemon

import (
	"context"
	"fmt"
	"log/slog"
	"reflect"
	"regexp"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/dossierd/dossierd/config"
	"github.com/dossierd/dossierd/service"
	"github.com/dossierd/dossierd/vfs"
)

// Setting says whether a configuration key changes on a reload (SIGHUP,
// systemctl reload) or needs a restart. Key is as in sftpgo.json; a
// section, or a list with "[]" for any index, covers the keys under it,
// and the longest match wins.
type Setting struct {
	Key  string
	Live bool
}

// Settings is the one list of what a reload applies, for Reload and for
// README's "Reload" paragraph. A key it does not cover needs a restart
// (TestSettingsCoverEveryKey keeps it complete).
var Settings = []Setting{
	{"common.idle_timeout", true},
	{"common.upload_mode", true}, // uploads that begin after the reload
	{"common.grace_time", true},
	{"common.max_total_connections", true},
	{"common.max_per_host_connections", true},
	{"common.max_sessions", true},
	{"common.max_upload_file_size", true}, // uploads that begin after the reload
	{"common.roles", true},
	{"common.defender", true}, // scores and bans so far are kept
	{"common.umask", false},
	{"common.language", false},
	{"common.proxy_protocol", false},
	{"common.proxy_allowed", false},
	{"common.proxy_skipped", false},
	{"sftpd", false}, // bindings, host keys, algorithms, keepalive, login grace time
	{"sftpd.max_open_handles", true},
	{"sftpd.max_channels", true},
	{"ftpd", false}, // bindings, passive ports, active mode
	{"ftpd.certificate_file", true},
	{"ftpd.certificate_key_file", true},
	{"ftpd.bindings[].certificate_file", true},
	{"ftpd.bindings[].certificate_key_file", true},
	{"data_provider", false},
	{"storage", false},
	{"tree", true}, // labels and permissions: trees rebuilt for open connections
	{"filenames", false},
	{"audit", true},
	{"telemetry", false},
	{"log.level", true},
	{"log.format", false},
	{"httpd", false},  // bindings, certificates, base URL, labels, lifetimes
	{"smtp", false},   // the relay
	{"events", false}, // webhooks and their retry time
}

var listIndex = regexp.MustCompile(`\[\d+\]`)

// Live tells whether a reload applies key ("ftpd.bindings[0].port").
func Live(key string) bool {
	s, _ := lookup(key)
	return s.Live
}

// lookup is the entry of Settings that covers key, if any.
func lookup(key string) (Setting, bool) {
	key = listIndex.ReplaceAllString(key, "[]")
	var best Setting
	found := false
	for _, s := range Settings {
		if (key == s.Key || strings.HasPrefix(key, s.Key+".") || strings.HasPrefix(key, s.Key+"[")) && len(s.Key) > len(best.Key) {
			best, found = s, true
		}
	}
	return best, found
}

// Changed lists the keys whose values differ between a and b, as
// sftpgo.json names them: list entries by index ("sftpd.bindings[0].port"),
// a list whose length changed and a map (common.roles, tree.permissions)
// as a whole.
func Changed(a, b *config.Config) []string {
	var out []string
	changed("", reflect.ValueOf(*a), reflect.ValueOf(*b), &out)
	return out
}

func changed(key string, a, b reflect.Value, out *[]string) {
	switch a.Kind() {
	case reflect.Struct:
		for i := range a.NumField() {
			name, _, _ := strings.Cut(a.Type().Field(i).Tag.Get("mapstructure"), ",")
			if name == "" || name == "-" {
				continue
			}
			if key != "" {
				name = key + "." + name
			}
			changed(name, a.Field(i), b.Field(i), out)
		}
	case reflect.Slice:
		if a.Len() != b.Len() {
			*out = append(*out, key)
			return
		}
		for i := range a.Len() {
			changed(fmt.Sprintf("%s[%d]", key, i), a.Index(i), b.Index(i), out)
		}
	default:
		if !reflect.DeepEqual(a.Interface(), b.Interface()) {
			*out = append(*out, key)
		}
	}
}

// Reload applies what can change live of cfg (Settings), without closing
// any connection: transfers in flight go on, new connections get the new
// settings, open ones their new trees and limits. cfg is validated as at
// start (config.Load's messages); an invalid one, or a certificate that
// does not load, is refused, logged, and the running configuration stays.
// A changed setting that needs a restart is logged with its key and left
// as it runs.
func (d *Daemon) Reload(cfg *config.Config) error {
	d.reloadMu.Lock()
	defer d.reloadMu.Unlock()
	if err := cfg.Validate(); err != nil {
		d.refused(err)
		return err
	}
	// The certificates first: the one step that can fail, before anything
	// is applied.
	if d.FTP != nil {
		if err := d.FTP.ReloadCertificates(ftpdConfig(cfg, d.log)); err != nil {
			d.refused(err)
			return err
		}
	}
	prev := d.applied.Load()
	var live []string
	for _, k := range Changed(prev, cfg) {
		if Live(k) {
			live = append(live, k)
		}
	}
	var restart []string
	for _, k := range Changed(d.Config, cfg) {
		if !Live(k) {
			restart = append(restart, k)
		}
	}

	d.Defender.Reconfigure(defenderConfig(cfg.Common.Defender))
	d.limits.Set(cfg.Common.MaxTotalConnections, cfg.Common.MaxPerHostConnections)
	layout := Layout(cfg)
	layout.SharedFolder = d.Config.Storage.SharedFolder // storage.*: restart
	d.Service.Reconfigure(service.Options{
		Layout:         layout,
		FS:             vfs.Options{Policy: d.Policy, UploadMode: vfs.UploadMode(cfg.Common.UploadMode)},
		IdleTimeout:    time.Duration(cfg.Common.IdleTimeout) * time.Minute,
		RoleLimits:     roleLimits(cfg.Common),
		MaxOpenHandles: cfg.SFTPD.MaxOpenHandles,
	})
	if d.SFTP != nil {
		d.SFTP.SetMaxChannels(cfg.SFTPD.MaxChannels)
	}
	if d.LogLevel != nil {
		var level slog.Level
		level.UnmarshalText([]byte(cfg.Log.Level)) // validated
		d.LogLevel.Set(level)
	}
	d.applied.Store(cfg)
	// Trees are rebuilt with the new layout (labels, permissions) for the
	// connections open; the directory is read again on the way.
	d.Service.Refresh(context.Background(), true)

	for _, k := range restart {
		d.log.Warn("reload: this setting needs a restart; it keeps its running value", "key", k)
	}
	d.log.Info("configuration reloaded", "config", cfg.Source, "changed", strings.Join(live, " "), "needs_restart", strings.Join(restart, " "))
	if d.FTP != nil {
		logCertificates(cfg.FTPD, d.log)
	}
	return nil
}

// refused logs a reload that was not applied, one line per problem so
// that each names its key.
func (d *Daemon) refused(err error) {
	for _, line := range strings.Split(err.Error(), "\n") {
		d.log.Error("reload refused", "problem", line)
	}
	d.log.Error("reload refused: the running configuration stays")
}

// ReloadFile reads the configuration file again (config.Load: file ""
// reads ./sftpgo.json or the defaults, with the environment's overrides,
// as at start) and reloads it, between the RELOADING=1 and READY=1
// notifications systemd expects.
func (d *Daemon) ReloadFile(file string) error {
	d.notify("RELOADING=1\nMONOTONIC_USEC=" + monotonicUsec())
	d.log.Info("reloading the configuration", "config", cfgName(file))
	cfg, err := config.Load(file)
	if err == nil {
		err = d.Reload(cfg)
	} else {
		d.refused(err)
	}
	status := "STATUS=configuration reloaded"
	if err != nil {
		status = "STATUS=configuration reload refused (see the log); the previous one stays"
	}
	d.notify("READY=1\n" + status)
	return err
}

func cfgName(file string) string {
	if file == "" {
		return "./" + config.DefaultFile + " or the built-in defaults"
	}
	return file
}

// monotonicUsec is CLOCK_MONOTONIC in microseconds, which systemd (253 and
// later, Type=notify-reload) needs beside RELOADING=1.
func monotonicUsec() string {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		return "0"
	}
	return fmt.Sprint(ts.Nano() / 1000)
}

// checkCertificates reloads the FTPS certificates whose files changed on
// disk (a renewal without a reload), at every poll.
func (d *Daemon) checkCertificates() {
	if d.FTP == nil {
		return
	}
	files, err := d.FTP.CheckCertificates()
	for _, f := range files {
		fp, ferr := CertificateFingerprint(f)
		if ferr != nil {
			fp = ferr.Error()
		}
		d.log.Info("FTPS certificate changed on disk: reloaded", "file", f, "fingerprint_sha256", fp)
	}
	if err != nil {
		for _, line := range strings.Split(err.Error(), "\n") {
			d.log.Error("FTPS certificate changed on disk but not reloaded; the previous one stays", "err", line)
		}
	}
}

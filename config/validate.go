package config

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/mail"
	"net/netip"
	"net/url"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/crypto/ssh"

	"github.com/dossierd/dossierd/catalogue"
	"github.com/dossierd/dossierd/domain"
)

// problems collects validation messages, each starting with the key it is
// about.
type problems struct {
	list    []string
	envFrom map[string]string
}

// add records a problem with key. When the value came from the
// environment, the message says which variable, since the file does not
// show it.
func (p *problems) add(key, format string, args ...any) {
	msg := key + ": " + fmt.Sprintf(format, args...)
	var vars []string
	for k, name := range p.envFrom {
		if within(k, key) || within(key, k) {
			vars = append(vars, name)
		}
	}
	if len(vars) > 0 {
		sort.Strings(vars)
		msg += " (set by environment variable " + strings.Join(vars, ", ") + ")"
	}
	p.list = append(p.list, msg)
}

// within tells whether key is parent or key itself: a problem with a
// list entry (safelist[1]) comes from the variable setting the list, and a
// problem with a range from the variables setting its ends.
func within(key, parent string) bool {
	return key == parent || strings.HasPrefix(key, parent+".") || strings.HasPrefix(key, parent+"[")
}

// validate checks c as loaded and returns every problem found.
func (c *Config) validate(envFrom map[string]string) []string {
	p := &problems{envFrom: envFrom}
	c.Common.validate(p)
	c.SFTPD.validate(p)
	c.FTPD.validate(p)
	c.HTTPD.validate(p)
	c.SMTP.validate(p)
	c.Events.validate(p)
	c.checkListeners(p)
	c.DataProvider.validate(p)
	c.Storage.validate(p)
	c.checkServerFilesOutsideStorage(p)
	c.Tree.validate(p)
	c.Filenames.validate(p)
	if c.Audit.RetentionDays < 1 {
		p.add("audit.retention_days", "%d must be at least 1 (days)", c.Audit.RetentionDays)
	}
	checkAddress(p, "telemetry.bind_address", c.Telemetry.BindAddress)
	if c.Telemetry.BindPort < 0 || c.Telemetry.BindPort > 65535 {
		p.add("telemetry.bind_port", "%d is not a valid port (1-65535, or 0 to disable)", c.Telemetry.BindPort)
	}
	if !slices.Contains(LogFormats, c.Log.Format) {
		p.add("log.format", "%q is not one of %s", c.Log.Format, strings.Join(LogFormats, ", "))
	}
	if !slices.Contains(LogLevels, c.Log.Level) {
		p.add("log.level", "%q is not one of %s", c.Log.Level, strings.Join(LogLevels, ", "))
	}
	return p.list
}

// ParseUmask reads common.umask: three or four octal digits, as umask(1)
// prints them.
func ParseUmask(s string) (fs.FileMode, error) {
	if len(s) < 3 || len(s) > 4 {
		return 0, errors.New("must be three or four octal digits, such as 077 or 027")
	}
	v, err := strconv.ParseUint(s, 8, 32)
	if err != nil || v > 0o777 {
		return 0, errors.New("must be three or four octal digits, such as 077 or 027")
	}
	if v&0o700 != 0 {
		return 0, errors.New("must leave the server's own user its access (the first digit must be 0)")
	}
	return fs.FileMode(v), nil
}

func nonNegative(p *problems, key string, v int, unit string) {
	if v < 0 {
		p.add(key, "%d must not be negative (%s)", v, unit)
	}
}

func (c *Common) validate(p *problems) {
	nonNegative(p, "common.idle_timeout", c.IdleTimeout, "minutes, 0 = no timeout")
	if c.UploadMode < 0 || c.UploadMode > 2 {
		p.add("common.upload_mode", "%d is not one of 0 (direct), 1 (atomic), 2 (atomic with resume)", c.UploadMode)
	}
	nonNegative(p, "common.grace_time", c.GraceTime, "seconds")
	nonNegative(p, "common.max_total_connections", c.MaxTotalConnections, "0 = unlimited")
	nonNegative(p, "common.max_per_host_connections", c.MaxPerHostConnections, "0 = unlimited")
	nonNegative(p, "common.max_sessions", c.MaxSessions, "0 = unlimited")
	nonNegative(p, "common.max_upload_file_size", c.MaxUploadFileSize, "bytes, 0 = no limit")
	for _, role := range sortedKeys(c.Roles) {
		key := "common.roles." + role
		if !slices.Contains(domain.Roles(), role) {
			p.add(key, "unknown role (%s)", strings.Join(domain.Roles(), ", "))
			continue
		}
		for _, k := range sortedKeys(c.Roles[role]) {
			if !slices.Contains(RoleSettings, k) {
				p.add(key+"."+k, "not a per-role setting (%s)", strings.Join(RoleSettings, ", "))
				continue
			}
			nonNegative(p, key+"."+k, c.Roles[role][k], "0 = unlimited")
		}
	}
	if _, err := catalogue.Parse(c.Language); err != nil {
		p.add("common.language", "%s", err)
	}
	if _, err := ParseUmask(c.Umask); err != nil {
		p.add("common.umask", "%q %s", c.Umask, err)
	}
	c.validateProxy(p)
	c.Defender.validate(p)
}

// validateProxy checks common.proxy_protocol and its lists. The lists are
// checked in mode 0 too, so that turning it on does not reveal an old
// typo.
func (c *Common) validateProxy(p *problems) {
	if c.ProxyProtocol < 0 || c.ProxyProtocol > 2 {
		p.add("common.proxy_protocol", "%d is not one of 0 (off), 1 (header used when present), 2 (header required)", c.ProxyProtocol)
	}
	checkNetworks(p, "common.proxy_allowed", c.ProxyAllowed)
	checkNetworks(p, "common.proxy_skipped", c.ProxySkipped)
	// Without an allowed address every header is refused: nothing would
	// be read from the load balancer, and in mode 2 nobody but the
	// skipped addresses could connect.
	if c.ProxyProtocol > 0 && len(c.ProxyAllowed) == 0 {
		p.add("common.proxy_allowed", "must list the load balancers' addresses while common.proxy_protocol is %d", c.ProxyProtocol)
	}
}

// Networks parses a validated list of IP addresses and CIDR networks; an
// address is a network of its own.
func Networks(list []string) []netip.Prefix {
	var out []netip.Prefix
	for _, s := range list {
		if pfx, err := parseNetwork(s); err == nil {
			out = append(out, pfx)
		}
	}
	return out
}

func parseNetwork(s string) (netip.Prefix, error) {
	if a, err := netip.ParseAddr(s); err == nil {
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	return netip.ParsePrefix(s)
}

// checkNetworks reports the entries of key that are neither an IP address
// nor a CIDR network.
func checkNetworks(p *problems, key string, list []string) {
	for i, entry := range list {
		if _, err := parseNetwork(entry); err != nil {
			p.add(fmt.Sprintf("%s[%d]", key, i), "%q is not an IP address or CIDR", entry)
		}
	}
}

func (d *Defender) validate(p *problems) {
	const k = "common.defender."
	// The safelist is checked even while the defender is off, so that
	// turning it on does not reveal an old typo.
	checkNetworks(p, k+"safelist", d.Safelist)
	// As in SFTPGo, the numbers only matter, and are only checked, when the
	// defender is enabled.
	if !d.Enabled {
		return
	}
	positive := func(name string, v int, unit string) {
		if v <= 0 {
			p.add(k+name, "%d must be positive (%s)", v, unit)
		}
	}
	positive("ban_time", d.BanTime, "minutes")
	positive("ban_time_increment", d.BanTimeIncrement, "percent of ban_time")
	positive("observation_time", d.ObservationTime, "minutes")
	positive("threshold", d.Threshold, "score that bans a host")
	positive("entries_soft_limit", d.EntriesSoftLimit, "hosts tracked")
	if d.EntriesSoftLimit > 0 && d.EntriesHardLimit <= d.EntriesSoftLimit {
		p.add(k+"entries_hard_limit", "%d must be greater than %sentries_soft_limit (%d)", d.EntriesHardLimit, k, d.EntriesSoftLimit)
	}
	// A score at or above the threshold would ban a host on its first
	// event, which SFTPGo refuses too.
	for _, s := range []struct {
		name  string
		score int
	}{
		{"score_invalid", d.ScoreInvalid},
		{"score_valid", d.ScoreValid},
		{"score_limit_exceeded", d.ScoreLimitExceeded},
		{"score_no_auth", d.ScoreNoAuth},
	} {
		switch {
		case s.score < 0:
			p.add(k+s.name, "%d must not be negative (0 = not counted)", s.score)
		case d.Threshold > 0 && s.score >= d.Threshold:
			p.add(k+s.name, "%d must be lower than %sthreshold (%d)", s.score, k, d.Threshold)
		}
	}
}

// checkBindingPort allows 0, which makes the listener pick a free port
// (tests use it).
func checkBindingPort(p *problems, key string, port int) {
	if port < 0 || port > 65535 {
		p.add(key, "%d is not a valid port (1-65535, or 0 for any free port)", port)
	}
}

// checkAddress accepts "" (every interface), an IP literal (with an IPv6
// zone) or a host name; brackets and ports are a common mistake
// ("[::1]", "0.0.0.0:22") that net.Listen would reject late.
func checkAddress(p *problems, key, addr string) {
	if addr == "" {
		return
	}
	if _, err := netip.ParseAddr(addr); err == nil {
		return
	}
	if !isHostName(addr) {
		p.add(key, "%q is not an IP address or host name (write it without brackets or port)", addr)
	}
}

func isHostName(s string) bool {
	if len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(strings.TrimSuffix(s, "."), ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}

func checkPath(p *problems, key, path string) {
	if path == "" {
		p.add(key, "must not be empty")
	}
}

func (s *SFTPD) validate(p *problems) {
	for i, b := range s.Bindings {
		checkAddress(p, fmt.Sprintf("sftpd.bindings[%d].address", i), b.Address)
		checkBindingPort(p, fmt.Sprintf("sftpd.bindings[%d].port", i), b.Port)
	}
	for i, k := range s.HostKeys {
		checkPath(p, fmt.Sprintf("sftpd.host_keys[%d]", i), k)
	}
	if len(s.HostKeys) == 0 && len(s.Bindings) > 0 {
		p.add("sftpd.host_keys", "at least one host key is needed while sftpd.bindings is not empty")
	}
	// max_auth_tries takes any value: negative = unlimited, 0 = 6.
	nonNegative(p, "sftpd.keepalive_interval", s.KeepaliveInterval, "seconds, 0 = off")
	nonNegative(p, "sftpd.login_grace_time", s.LoginGraceTime, "seconds, 0 = no limit")
	if s.MaxOpenHandles < 1 || s.MaxOpenHandles > 65536 {
		p.add("sftpd.max_open_handles", "%d must be between 1 and 65536", s.MaxOpenHandles)
	}
	if s.MaxChannels < 1 || s.MaxChannels > 1000 {
		p.add("sftpd.max_channels", "%d must be between 1 and 1000", s.MaxChannels)
	}
	supported := ssh.SupportedAlgorithms()
	checkAlgorithms(p, "sftpd.kex_algorithms", s.KexAlgorithms, supported.KeyExchanges)
	checkAlgorithms(p, "sftpd.ciphers", s.Ciphers, supported.Ciphers)
	checkAlgorithms(p, "sftpd.macs", s.MACs, supported.MACs)
}

// checkAlgorithms accepts only algorithms x/crypto/ssh supports and
// considers secure, so a typo or a legacy name fails start-up with its key.
func checkAlgorithms(p *problems, key string, names, supported []string) {
	if len(names) == 0 {
		p.add(key, "must list at least one algorithm (%s)", strings.Join(supported, ", "))
	}
	for i, n := range names {
		if !slices.Contains(supported, n) {
			p.add(fmt.Sprintf("%s[%d]", key, i), "%q is not supported; use one of %s", n, strings.Join(supported, ", "))
		}
	}
}

func (f *FTPD) validate(p *problems) {
	for i, b := range f.Bindings {
		k := fmt.Sprintf("ftpd.bindings[%d].", i)
		checkAddress(p, k+"address", b.Address)
		checkBindingPort(p, k+"port", b.Port)
		if b.TLSMode < TLSModePlainOrExplicit || b.TLSMode > TLSModeImplicit {
			p.add(k+"tls_mode", "%d is not one of 0 (plain or explicit TLS), 1 (TLS required), 2 (implicit TLS)", b.TLSMode)
		}
		if b.ForcePassiveIP != "" {
			if ip := net.ParseIP(b.ForcePassiveIP); ip == nil || ip.To4() == nil {
				p.add(k+"force_passive_ip", "%q must be an IPv4 address: FTP's PASV reply carries only IPv4", b.ForcePassiveIP)
			}
		}
		// A certificate without its key (or the reverse) cannot override
		// ftpd's pair.
		switch {
		case b.CertificateFile != "" && b.CertificateKeyFile == "":
			p.add(k+"certificate_key_file", "must be set when %scertificate_file is", k)
		case b.CertificateFile == "" && b.CertificateKeyFile != "":
			p.add(k+"certificate_file", "must be set when %scertificate_key_file is", k)
		}
	}
	r := f.PassivePortRange
	if r.Start != 0 || r.End != 0 { // 0-0: any free port
		ok := true
		for _, e := range []struct {
			name string
			port int
		}{{"start", r.Start}, {"end", r.End}} {
			if e.port < 1 || e.port > 65535 {
				p.add("ftpd.passive_port_range."+e.name, "%d is not a valid port (1-65535; 0-0 for any free port)", e.port)
				ok = false
			}
		}
		if ok && r.Start > r.End {
			p.add("ftpd.passive_port_range", "start %d is after end %d", r.Start, r.End)
		}
	}
	checkPath(p, "ftpd.certificate_file", f.CertificateFile)
	checkPath(p, "ftpd.certificate_key_file", f.CertificateKeyFile)
}

// listener is one configured listening socket, for the collision checks.
type listener struct {
	key, addr string
	port      int
}

func isWildcard(addr string) bool {
	return addr == "" || addr == "0.0.0.0" || addr == "::"
}

// sameSocket is deliberately conservative: a wildcard address collides
// with every address on the same port.
func sameSocket(a, b listener) bool {
	if a.port == 0 || a.port != b.port {
		return false
	}
	if isWildcard(a.addr) || isWildcard(b.addr) {
		return true
	}
	if x, err := netip.ParseAddr(a.addr); err == nil {
		if y, err := netip.ParseAddr(b.addr); err == nil {
			return x.Unmap() == y.Unmap()
		}
	}
	return strings.EqualFold(a.addr, b.addr)
}

// checkListeners reports bindings that would fight over a socket, within
// or across protocols, and FTP passive ports that overlap a binding.
func (c *Config) checkListeners(p *problems) {
	var ls []listener
	for i, b := range c.SFTPD.Bindings {
		ls = append(ls, listener{fmt.Sprintf("sftpd.bindings[%d]", i), b.Address, b.Port})
	}
	for i, b := range c.FTPD.Bindings {
		ls = append(ls, listener{fmt.Sprintf("ftpd.bindings[%d]", i), b.Address, b.Port})
	}
	for i, b := range c.HTTPD.Bindings {
		ls = append(ls, listener{fmt.Sprintf("httpd.bindings[%d]", i), b.Address, b.Port})
	}
	// Port 0 disables telemetry; sameSocket ignores port 0.
	ls = append(ls, listener{"telemetry", c.Telemetry.BindAddress, c.Telemetry.BindPort})
	for j := range ls {
		for i := range j {
			if sameSocket(ls[i], ls[j]) {
				p.add(ls[j].key, "%s collides with %s (%s)",
					net.JoinHostPort(ls[j].addr, fmt.Sprint(ls[j].port)), ls[i].key,
					net.JoinHostPort(ls[i].addr, fmt.Sprint(ls[i].port)))
				break
			}
		}
	}
	r := c.FTPD.PassivePortRange
	if len(c.FTPD.Bindings) == 0 || r.Start < 1 || r.Start > r.End {
		return
	}
	for _, l := range ls {
		if l.port >= r.Start && l.port <= r.End {
			p.add("ftpd.passive_port_range", "%d-%d contains port %d of %s", r.Start, r.End, l.port, l.key)
		}
	}
}

func (h *HTTPD) validate(p *problems) {
	for i, b := range h.Bindings {
		k := fmt.Sprintf("httpd.bindings[%d].", i)
		checkAddress(p, k+"address", b.Address)
		checkBindingPort(p, k+"port", b.Port)
		if !b.EnableHTTPS && !isLoopback(b.Address) {
			// Passwords and documents would cross the network in clear.
			p.add(k+"enable_https", "false is allowed only on a loopback address (127.0.0.1, ::1, localhost), behind a reverse proxy that speaks HTTPS; %q is not one", b.Address)
		}
		switch {
		case b.CertificateFile != "" && b.CertificateKeyFile == "":
			p.add(k+"certificate_key_file", "must be set when %scertificate_file is", k)
		case b.CertificateFile == "" && b.CertificateKeyFile != "":
			p.add(k+"certificate_file", "must be set when %scertificate_key_file is", k)
		}
		for j, a := range b.ProxyAllowed {
			if !validIPOrCIDR(a) {
				p.add(fmt.Sprintf("%sproxy_allowed[%d]", k, j), "%q is not an IP address or a CIDR network", a)
			}
		}
	}
	if h.BaseURL != "" {
		u, err := url.Parse(h.BaseURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
			p.add("httpd.base_url", "%q must be a URL of the form https://host[:port], without a path", h.BaseURL)
		}
	}
	if h.PasswordMinLength < 8 || h.PasswordMinLength > 128 {
		p.add("httpd.password_min_length", "%d must be between 8 and 128 (characters)", h.PasswordMinLength)
	}
	if h.SessionLifetime < 1 || h.SessionLifetime > 24*30 {
		p.add("httpd.session_lifetime", "%d must be between 1 and 720 (hours)", h.SessionLifetime)
	}
	if strings.TrimSpace(h.Labels.Title) == "" {
		p.add("httpd.labels.title", "must not be empty")
	}
	if strings.TrimSpace(h.Labels.MySessions) == "" {
		p.add("httpd.labels.my_sessions", "must not be empty")
	}
}

// isLoopback tells an address only this machine reaches.
func isLoopback(addr string) bool {
	if strings.EqualFold(addr, "localhost") {
		return true
	}
	a, err := netip.ParseAddr(addr)
	return err == nil && a.Unmap().IsLoopback()
}

func validIPOrCIDR(s string) bool {
	if _, err := netip.ParseAddr(s); err == nil {
		return true
	}
	_, err := netip.ParsePrefix(s)
	return err == nil
}

func (m *SMTP) validate(p *problems) {
	if m.Port < 1 || m.Port > 65535 {
		p.add("smtp.port", "%d is not a valid port (1-65535)", m.Port)
	}
	if m.Encryption < 0 || m.Encryption > 2 {
		p.add("smtp.encryption", "%d is not one of 0 (none), 1 (TLS), 2 (STARTTLS)", m.Encryption)
	}
	if m.Host == "" {
		return
	}
	if _, err := mail.ParseAddress(m.From); err != nil {
		p.add("smtp.from", "%q is not an email address (needed when smtp.host is set)", m.From)
	}
}

func (e *Events) validate(p *problems) {
	if e.RetryHours < 1 || e.RetryHours > 24*30 {
		p.add("events.retry_hours", "%d must be between 1 and 720 (hours)", e.RetryHours)
	}
	for i, w := range e.Webhooks {
		k := fmt.Sprintf("events.webhooks[%d].", i)
		u, err := url.Parse(w.URL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			p.add(k+"url", "%q must be an http:// or https:// URL", w.URL)
		}
		if len(w.Secret) < 16 {
			p.add(k+"secret", "must be at least 16 characters: receivers check the signature with it")
		}
		if len(w.Events) == 0 {
			p.add(k+"events", "must list at least one of %s", strings.Join(EventTypes, ", "))
		}
		for j, t := range w.Events {
			if !slices.Contains(EventTypes, t) {
				p.add(fmt.Sprintf("%sevents[%d]", k, j), "%q is not one of %s", t, strings.Join(EventTypes, ", "))
			}
		}
	}
}

func (d *DataProvider) validate(p *problems) {
	if d.Driver != "sqlite" {
		p.add("data_provider.driver", "%q is not supported (only \"sqlite\")", d.Driver)
	}
	checkPath(p, "data_provider.name", d.Name)
	if d.PollInterval < 1 || d.PollInterval > 60 {
		p.add("data_provider.poll_interval", "%d is not between 1 and 60 (seconds)", d.PollInterval)
	}
}

// checkFolderName checks a name that becomes one folder of the tree users
// see: it must be a single path element that FTP and SFTP clients,
// Windows ones included, can display.
func checkFolderName(p *problems, key, name string) {
	switch {
	case strings.TrimSpace(name) == "":
		p.add(key, "must not be empty")
	case strings.ContainsAny(name, `/\`):
		p.add(key, "%q must be a single folder name (no '/' or '\\')", name)
	case name == "." || name == "..":
		p.add(key, "%q is not a valid folder name", name)
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		p.add(key, "%q must not contain control characters", name)
	}
}

func (s *Storage) validate(p *problems) {
	checkPath(p, "storage.root", s.Root)
	checkFolderName(p, "storage.shared_folder", s.SharedFolder)
	// The shared folder is created beside the layout's folders and every
	// login reads it. Letter case is ignored although the storage is on
	// Linux: staff reach it from Windows, where "Clients" is "clients".
	for _, d := range domain.TopFolders() {
		if strings.EqualFold(s.SharedFolder, d) {
			p.add("storage.shared_folder", "%q is the storage's %q folder, letter case aside; every login can read the shared folder, so every login would read all of %s/", s.SharedFolder, d, d)
		}
	}
}

// checkServerFilesOutsideStorage refuses a storage root that holds the
// database, a host key or a TLS certificate or key: staff have read-write
// access to the whole storage tree, so they could read the private keys, or
// replace the database (every account and password hash) or a key.
func (c *Config) checkServerFilesOutsideStorage(p *problems) {
	if c.Storage.Root == "" {
		return // reported by Storage.validate
	}
	type file struct{ key, path string }
	files := []file{{"data_provider.name", c.DataProvider.Name}}
	for i, k := range c.SFTPD.HostKeys {
		files = append(files, file{fmt.Sprintf("sftpd.host_keys[%d]", i), k})
	}
	files = append(files,
		file{"ftpd.certificate_file", c.FTPD.CertificateFile},
		file{"ftpd.certificate_key_file", c.FTPD.CertificateKeyFile})
	for i, b := range c.FTPD.Bindings {
		k := fmt.Sprintf("ftpd.bindings[%d].", i)
		files = append(files, file{k + "certificate_file", b.CertificateFile}, file{k + "certificate_key_file", b.CertificateKeyFile})
	}
	root := realPath(c.Storage.Root)
	for _, f := range files {
		if f.path != "" && isWithin(realPath(f.path), root) {
			p.add("storage.root", "contains %s (%s); staff could read and replace it — put the storage in its own folder", f.key, f.path)
		}
	}
}

// realPath is path with its symlinks resolved, so that a storage root (or a
// data folder) reached through a symlink is compared where it really is.
// Only the part that exists can be resolved: the database, host keys and
// certificate are created on first start, and so may be the storage root.
func realPath(path string) string {
	path = filepath.Clean(path)
	for dir, rest := path, ""; ; {
		if real, err := filepath.EvalSymlinks(dir); err == nil {
			return filepath.Join(real, rest)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return path
		}
		rest = filepath.Join(filepath.Base(dir), rest)
		dir = parent
	}
}

// isWithin tells whether path is dir or inside it, element by element:
// /data/storage2 is not inside /data/storage.
func isWithin(path, dir string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

func (t *Tree) validate(p *problems) {
	checkFolderName(p, "tree.labels.personal", t.Labels.Personal)
	checkFolderName(p, "tree.labels.sessions", t.Labels.Sessions)
	checkFolderName(p, "tree.labels.documents", t.Labels.Documents)
	checkFolderName(p, "tree.labels.common", t.Labels.Common)

	for _, role := range sortedKeys(t.Permissions) {
		key := "tree.permissions." + role
		mounts := domain.Mounts(role)
		if mounts == nil {
			p.add(key, "unknown role (%s)", strings.Join(domain.Roles(), ", "))
			continue
		}
		perms := t.Permissions[role]
		for _, mount := range sortedKeys(perms) {
			if !slices.Contains(mounts, mount) {
				p.add(key+"."+mount, "unknown mount for role %s (%s)", role, strings.Join(mounts, ", "))
				continue
			}
			if v := perms[mount]; v != "r" && v != "rw" {
				p.add(key+"."+mount, "%q must be \"r\" or \"rw\"", v)
			}
		}
	}
}

func (f *Filenames) validate(p *problems) {
	switch {
	case strings.ContainsRune(f.AllowedChars, '/'):
		p.add("filenames.allowed_chars", "%q must not contain '/', the path separator", f.AllowedChars)
	case strings.IndexFunc(f.AllowedChars, unicode.IsControl) >= 0:
		p.add("filenames.allowed_chars", "%q must not contain control characters", f.AllowedChars)
	}
	if f.MaxLength < 1 || f.MaxLength > 255 {
		p.add("filenames.max_length", "%d is not between 1 and 255 (bytes)", f.MaxLength)
	}
}

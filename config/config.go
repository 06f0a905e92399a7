package config

import (
	"path/filepath"
	"slices"

	"github.com/dossierd/dossierd/domain"
)

// Config is the whole dossierd configuration, as read from sftpgo.json,
// completed with the built-in defaults and overridden by DOSSIERD_*
// environment variables.
type Config struct {
	Common       Common       `mapstructure:"common"`
	SFTPD        SFTPD        `mapstructure:"sftpd"`
	FTPD         FTPD         `mapstructure:"ftpd"`
	DataProvider DataProvider `mapstructure:"data_provider"`
	Storage      Storage      `mapstructure:"storage"`
	Tree         Tree         `mapstructure:"tree"`
	Filenames    Filenames    `mapstructure:"filenames"`
	Audit        Audit        `mapstructure:"audit"`
	Telemetry    Telemetry    `mapstructure:"telemetry"`
	Log          Log          `mapstructure:"log"`
	HTTPD        HTTPD        `mapstructure:"httpd"`
	SMTP         SMTP         `mapstructure:"smtp"`
	Events       Events       `mapstructure:"events"`
	// Dir is the folder relative paths were resolved against (the config
	// file's folder, or the working directory when there is no file).
	// Source is the file read, "" for embedded defaults.
	Dir, Source string `mapstructure:"-"`
}

// Common holds the settings shared by every protocol; names, units and
// meanings are SFTPGo's "common" section.
type Common struct {
	// IdleTimeout is in minutes; 0 disables the idle disconnection.
	IdleTimeout int `mapstructure:"idle_timeout"`
	// UploadMode is 0 (direct), 1 (atomic: write to a temporary file and
	// rename when complete) or 2 (atomic with resume).
	UploadMode int `mapstructure:"upload_mode"`
	// GraceTime is the number of seconds a graceful shutdown waits for
	// transfers in progress.
	GraceTime int `mapstructure:"grace_time"`
	// MaxTotalConnections caps concurrent client connections; 0 = unlimited.
	MaxTotalConnections int `mapstructure:"max_total_connections"`
	// MaxPerHostConnections caps concurrent connections from one IP;
	// 0 = unlimited.
	MaxPerHostConnections int `mapstructure:"max_per_host_connections"`
	// MaxSessions caps the concurrent connections of one login, whatever
	// their addresses (SFTPGo's per-user max_sessions); 0 = unlimited.
	MaxSessions int `mapstructure:"max_sessions"`
	// MaxUploadFileSize is the largest file an upload may leave, in bytes,
	// enforced while the data arrives; 0 = no limit.
	MaxUploadFileSize int `mapstructure:"max_upload_file_size"`
	// Roles overrides max_sessions and max_upload_file_size per role:
	// role -> key -> value. A key left out keeps the common value.
	Roles map[string]map[string]int `mapstructure:"roles"`
	// Umask is the octal file mode creation mask for what dossierd creates
	// in the storage and data folders (SFTPGo's umask): "077" keeps
	// documents private to the server's user; "027" lets its group read.
	Umask string `mapstructure:"umask"`
	// Language is the language of every sentence users and administrators
	// read: "fr" (the default) or "en".
	Language string `mapstructure:"language"`
	// ProxyProtocol reads the PROXY protocol header (v1 or v2) a load
	// balancer sends before each connection, SFTP and FTP, data
	// connections included: 0 off, 1 used when present, 2 required
	// (SFTPGo's proxy_protocol).
	ProxyProtocol int `mapstructure:"proxy_protocol"`
	// ProxyAllowed lists the IP addresses and CIDR networks allowed to
	// send the header (the load balancers); a header from any other
	// address is refused, and with proxy_protocol 2 so is a connection
	// from any other address.
	ProxyAllowed []string `mapstructure:"proxy_allowed"`
	// ProxySkipped lists the addresses whose connections are not read for
	// a header (direct access while proxy_protocol is 2).
	ProxySkipped []string `mapstructure:"proxy_skipped"`
	Defender     Defender `mapstructure:"defender"`
}

// RoleSettings are the keys common.roles may override.
var RoleSettings = []string{"max_sessions", "max_upload_file_size"}

// RoleLimit is a per-role setting: the role's override, else the common
// value.
func (c *Common) RoleLimit(role, key string) int {
	if v, ok := c.Roles[role][key]; ok {
		return v
	}
	switch key {
	case "max_sessions":
		return c.MaxSessions
	case "max_upload_file_size":
		return c.MaxUploadFileSize
	}
	panic("config: unknown role setting " + key) // a programming error
}

// Defender is SFTPGo's auto-blocking policy: a host whose score reaches
// Threshold within ObservationTime minutes is banned for BanTime minutes.
type Defender struct {
	Enabled bool `mapstructure:"enabled"`
	// BanTime is in minutes.
	BanTime int `mapstructure:"ban_time"`
	// BanTimeIncrement is the percentage of BanTime added when a banned
	// host tries again.
	BanTimeIncrement int `mapstructure:"ban_time_increment"`
	Threshold        int `mapstructure:"threshold"`
	// ScoreInvalid is added for a login with an unknown user.
	ScoreInvalid int `mapstructure:"score_invalid"`
	// ScoreValid is added for a failed login with an existing user.
	ScoreValid int `mapstructure:"score_valid"`
	// ScoreLimitExceeded is added when a host exceeds a connection limit.
	ScoreLimitExceeded int `mapstructure:"score_limit_exceeded"`
	// ScoreNoAuth is added for a client leaving without trying to log in.
	ScoreNoAuth int `mapstructure:"score_no_auth"`
	// ObservationTime is in minutes.
	ObservationTime int `mapstructure:"observation_time"`
	// The number of hosts tracked in memory varies between the soft and
	// hard limits.
	EntriesSoftLimit int `mapstructure:"entries_soft_limit"`
	EntriesHardLimit int `mapstructure:"entries_hard_limit"`
	// Safelist holds IP addresses and CIDR networks that are never banned.
	Safelist []string `mapstructure:"safelist"`
}

// SFTPD configures the SFTP server.
type SFTPD struct {
	// Bindings lists the listening sockets; an empty list disables SFTP.
	Bindings []Binding `mapstructure:"bindings"`
	// HostKeys are private key files, absolute after Load.
	HostKeys []string `mapstructure:"host_keys"`
	// MaxAuthTries follows golang.org/x/crypto/ssh (as SFTPGo does):
	// a negative number means unlimited, 0 means 6.
	MaxAuthTries int `mapstructure:"max_auth_tries"`
	// KeepaliveInterval is in seconds; 0 disables keepalives.
	KeepaliveInterval int `mapstructure:"keepalive_interval"`
	// KexAlgorithms, Ciphers and MACs are offered in this order (SFTPGo's
	// keys); each must be one x/crypto/ssh supports and considers secure.
	KexAlgorithms []string `mapstructure:"kex_algorithms"`
	Ciphers       []string `mapstructure:"ciphers"`
	MACs          []string `mapstructure:"macs"`
	// LoginGraceTime is the number of seconds a client has to finish
	// authenticating (OpenSSH's LoginGraceTime); 0 = no limit.
	LoginGraceTime int `mapstructure:"login_grace_time"`
	// MaxOpenHandles caps the files and folders one SFTP connection holds
	// open at once (1..65536).
	MaxOpenHandles int `mapstructure:"max_open_handles"`
	// MaxChannels caps the SSH session channels of one connection
	// (OpenSSH's MaxSessions; 1..1000).
	MaxChannels int `mapstructure:"max_channels"`
}

// Binding is one listening address. Port 0 picks a free port (for tests).
type Binding struct {
	Address string `mapstructure:"address"`
	Port    int    `mapstructure:"port"`
}

// FTPD configures the FTP/FTPS server.
type FTPD struct {
	// Bindings lists the listening sockets; an empty list disables FTP.
	Bindings []FTPBinding `mapstructure:"bindings"`
	// PassivePortRange bounds the data connection ports; 0-0 lets the
	// system pick any free port (SFTPGo's behaviour for an unset range).
	PassivePortRange  PortRange `mapstructure:"passive_port_range"`
	DisableActiveMode bool      `mapstructure:"disable_active_mode"`
	// The certificate and key, absolute after Load, are generated when
	// absent.
	CertificateFile    string `mapstructure:"certificate_file"`
	CertificateKeyFile string `mapstructure:"certificate_key_file"`
}

// FTP TLS modes, SFTPGo's values for ftpd.bindings[].tls_mode (declared in
// domain, shared with ftpd).
const (
	TLSModePlainOrExplicit = domain.TLSPlainOrExplicit
	TLSModeRequired        = domain.TLSRequired
	TLSModeImplicit        = domain.TLSImplicit
)

// FTPBinding is one FTP listening address.
type FTPBinding struct {
	Address string `mapstructure:"address"`
	Port    int    `mapstructure:"port"`
	// TLSMode is 0 (plain or explicit TLS), 1 (explicit TLS required) or
	// 2 (implicit TLS).
	TLSMode int `mapstructure:"tls_mode"`
	// ForcePassiveIP, when set, is the IPv4 literal announced in PASV
	// replies (for NAT).
	ForcePassiveIP string `mapstructure:"force_passive_ip"`
	// A per-binding certificate and key override ftpd's; "" uses ftpd's.
	CertificateFile    string `mapstructure:"certificate_file"`
	CertificateKeyFile string `mapstructure:"certificate_key_file"`
}

// PortRange is an inclusive range of ports.
type PortRange struct {
	Start int `mapstructure:"start"`
	End   int `mapstructure:"end"`
}

// DataProvider configures the user database.
type DataProvider struct {
	// Driver is "sqlite", the only one supported.
	Driver string `mapstructure:"driver"`
	// Name is the database file, absolute after Load.
	Name string `mapstructure:"name"`
	// PollInterval is the number of seconds between checks for directory
	// changes made by other processes (1..60).
	PollInterval int `mapstructure:"poll_interval"`
}

// Storage configures where files live on disk.
type Storage struct {
	// Root is absolute after Load.
	Root string `mapstructure:"root"`
	// SharedFolder is the name of the shared folder, a single path element.
	SharedFolder string `mapstructure:"shared_folder"`
}

// Tree configures the virtual folder tree users see.
type Tree struct {
	Labels Labels `mapstructure:"labels"`
	// Permissions maps role -> mount -> "r" or "rw".
	Permissions map[string]map[string]string `mapstructure:"permissions"`
}

// Labels are the folder names shown to users.
type Labels struct {
	Personal  string `mapstructure:"personal"`
	Sessions  string `mapstructure:"sessions"`
	Documents string `mapstructure:"documents"`
	Common    string `mapstructure:"common"`
}

// Filenames constrains the names users may give to files and folders.
type Filenames struct {
	// AllowedChars is the punctuation allowed besides ASCII letters and
	// digits.
	AllowedChars string `mapstructure:"allowed_chars"`
	// MaxLength is in bytes (1..255, the usual file system limit).
	MaxLength int `mapstructure:"max_length"`
}

// Audit configures the audit log.
type Audit struct {
	// RetentionDays is how long audit entries are kept (at least 1).
	RetentionDays int `mapstructure:"retention_days"`
}

// Telemetry configures the HTTP listener of /metrics and /healthz
// (SFTPGo's telemetry section: same keys, same defaults).
type Telemetry struct {
	BindAddress string `mapstructure:"bind_address"`
	// BindPort 0 disables the listener, as in SFTPGo.
	BindPort int `mapstructure:"bind_port"`
}

// Log configures the server's log lines on standard error.
type Log struct {
	// Format is "text" (key=value) or "json" (one object a line).
	Format string `mapstructure:"format"`
	// Level is the lowest level written: "debug", "info", "warn", "error".
	Level string `mapstructure:"level"`
}

// HTTPD configures the web front-end ("espace privé") and the REST API,
// with SFTPGo's section and key names.
type HTTPD struct {
	// Bindings lists the listening sockets; an empty list disables the web.
	Bindings []HTTPBinding `mapstructure:"bindings"`
	// BaseURL is the scheme, host and port printed in invitation links
	// ("https://depot.example.fr"); "" derives it from the first binding
	// and the machine's host name.
	BaseURL string `mapstructure:"base_url"`
	// PasswordMinLength is the shortest password a user may choose on the
	// web (invitation, change of password).
	PasswordMinLength int `mapstructure:"password_min_length"`
	// SessionLifetime is the absolute lifetime of a web session, in hours;
	// the idle lifetime is common.idle_timeout, as for every protocol.
	SessionLifetime int `mapstructure:"session_lifetime"`
	// Labels are the words of the pages an administrator may change, as
	// tree.labels changes the folders'.
	Labels HTTPLabels `mapstructure:"labels"`
}

// HTTPBinding is one web listening address. Plain HTTP (enable_https
// false) is accepted only on a loopback address, for a reverse proxy.
type HTTPBinding struct {
	Address     string `mapstructure:"address"`
	Port        int    `mapstructure:"port"`
	EnableHTTPS bool   `mapstructure:"enable_https"`
	// A certificate and key; "" uses ftpd's pair (generated when absent).
	CertificateFile    string `mapstructure:"certificate_file"`
	CertificateKeyFile string `mapstructure:"certificate_key_file"`
	// ProxyAllowed lists the addresses (IP or CIDR) of reverse proxies
	// whose X-Forwarded-For and X-Forwarded-Proto are believed (SFTPGo's
	// key); from any other address those headers are ignored.
	ProxyAllowed []string `mapstructure:"proxy_allowed"`
}

// HTTPLabels are the page words an administrator may rename.
type HTTPLabels struct {
	// Title is the name of the site, in the page titles and the header.
	Title string `mapstructure:"title"`
	// MySessions is the page listing the login's training sessions.
	MySessions string `mapstructure:"my_sessions"`
}

// SMTP is the mail relay invitations and password resets are sent
// through (SFTPGo's smtp section).
type SMTP struct {
	// Host "" means no relay: invitations are only printed.
	Host     string `mapstructure:"host"`
	Port     int    `mapstructure:"port"`
	User     string `mapstructure:"user"`
	Password string `mapstructure:"password"`
	From     string `mapstructure:"from"`
	// Encryption is 0 (none), 1 (TLS from the start) or 2 (STARTTLS).
	Encryption int `mapstructure:"encryption"`
}

// Events configures what the training-management system is told.
type Events struct {
	// Webhooks receive the events they list, signed with their secret.
	Webhooks []Webhook `mapstructure:"webhooks"`
	// RetryHours is how long an event that could not be delivered is
	// retried (exponential backoff) before it is kept as failed.
	RetryHours int `mapstructure:"retry_hours"`
}

// Webhook is one receiver of events.
type Webhook struct {
	URL    string   `mapstructure:"url"`
	Secret string   `mapstructure:"secret"`
	Events []string `mapstructure:"events"`
}

// EventTypes are the events a webhook may list.
var EventTypes = []string{"upload", "download", "delete", "rename", "mkdir", "login_failed", "account_disabled"}

// LogFormats and LogLevels are the values log.format and log.level take.
var (
	LogFormats = []string{"text", "json"}
	LogLevels  = []string{"debug", "info", "warn", "error"}
)

// Default values of list entries, also used to complete a binding that a
// file or the environment gives only in part.
// SSH algorithms offered by default. chacha20-poly1305 is left out on
// purpose: OpenSSH clients prefer it whenever the server offers it, and
// x/crypto's pure-Go ChaCha20 makes transfers about 2-3 times more costly
// than AES, which every SFTP client also speaks (AES-CTR with an
// encrypt-then-MAC HMAC, or AES-GCM) and servers run with AES-NI
// (bench/RESULTS.md). hmac-sha1 is left out as legacy. An administrator
// can put either back with sftpd.ciphers / sftpd.macs.
var (
	DefaultKexAlgorithms = []string{"mlkem768x25519-sha256", "curve25519-sha256", "ecdh-sha2-nistp256", "ecdh-sha2-nistp384",
		"ecdh-sha2-nistp521", "diffie-hellman-group14-sha256", "diffie-hellman-group16-sha512", "diffie-hellman-group-exchange-sha256"}
	DefaultCiphers = []string{"aes128-gcm@openssh.com", "aes256-gcm@openssh.com", "aes128-ctr", "aes192-ctr", "aes256-ctr"}
	DefaultMACs    = []string{"hmac-sha2-256-etm@openssh.com", "hmac-sha2-512-etm@openssh.com", "hmac-sha2-256", "hmac-sha2-512"}
)

func defaultSFTPBinding() Binding { return Binding{Address: "", Port: 2022} }

func defaultFTPBinding() FTPBinding { return FTPBinding{Address: "", Port: 2121, TLSMode: 0} }

func defaultHTTPBinding() HTTPBinding {
	return HTTPBinding{Address: "", Port: 8443, EnableHTTPS: true, ProxyAllowed: []string{}}
}

// defaults returns the built-in configuration with paths still relative,
// which is what the viper defaults and sftpgo.json hold.
func defaults() *Config {
	return &Config{
		Common: Common{
			IdleTimeout:           15,
			UploadMode:            1,
			GraceTime:             15,
			MaxTotalConnections:   0,
			MaxPerHostConnections: 20,
			MaxSessions:           20,
			MaxUploadFileSize:     2048 << 20,
			Roles:                 map[string]map[string]int{},
			Umask:                 "077",
			Language:              "fr",
			ProxyProtocol:         0,
			ProxyAllowed:          []string{},
			ProxySkipped:          []string{},
			Defender: Defender{
				Enabled:            true,
				BanTime:            30,
				BanTimeIncrement:   50,
				Threshold:          15,
				ScoreInvalid:       2,
				ScoreValid:         1,
				ScoreLimitExceeded: 3,
				ScoreNoAuth:        0,
				ObservationTime:    30,
				EntriesSoftLimit:   100,
				EntriesHardLimit:   150,
				Safelist:           []string{},
			},
		},
		SFTPD: SFTPD{
			Bindings:          []Binding{defaultSFTPBinding()},
			HostKeys:          []string{"data/id_ed25519", "data/id_ecdsa", "data/id_rsa"},
			MaxAuthTries:      6,
			KeepaliveInterval: 30,
			LoginGraceTime:    60,
			MaxOpenHandles:    256,
			MaxChannels:       10,
			KexAlgorithms:     slices.Clone(DefaultKexAlgorithms),
			Ciphers:           slices.Clone(DefaultCiphers),
			MACs:              slices.Clone(DefaultMACs),
		},
		FTPD: FTPD{
			Bindings:           []FTPBinding{defaultFTPBinding()},
			PassivePortRange:   PortRange{Start: 50000, End: 50100},
			DisableActiveMode:  true,
			CertificateFile:    "data/ftpd.crt",
			CertificateKeyFile: "data/ftpd.key",
		},
		DataProvider: DataProvider{
			Driver:       "sqlite",
			Name:         "data/dossierd.db",
			PollInterval: 5,
		},
		Storage: Storage{
			Root:         "data/storage",
			SharedFolder: "FTPDOSSIERPERSO",
		},
		Tree: Tree{
			Labels: Labels{
				Personal:  "Mes documents",
				Sessions:  "Sessions",
				Documents: "Documents",
				Common:    "Commun",
			},
			Permissions: map[string]map[string]string{
				domain.RoleClient:  {domain.MountPersonal: "rw", domain.MountDocuments: "r", domain.MountCommon: "r", domain.MountShared: "r"},
				domain.RoleTrainee: {domain.MountPersonal: "rw", domain.MountDocuments: "r", domain.MountCommon: "r", domain.MountShared: "r"},
				domain.RoleTrainer: {domain.MountPersonal: "rw", domain.MountDocuments: "rw", domain.MountCommon: "r", domain.MountShared: "r"},
				domain.RoleStaff:   {domain.MountRoot: "rw"},
			},
		},
		Filenames: Filenames{
			AllowedChars: " -_.()",
			MaxLength:    200,
		},
		Audit:     Audit{RetentionDays: 400},
		Telemetry: Telemetry{BindAddress: "127.0.0.1", BindPort: 10000},
		Log:       Log{Format: "text", Level: "info"},
		HTTPD: HTTPD{
			Bindings:          []HTTPBinding{defaultHTTPBinding()},
			BaseURL:           "",
			PasswordMinLength: 12,
			SessionLifetime:   12,
			Labels:            HTTPLabels{Title: "Espace privé", MySessions: "Mes sessions"},
		},
		SMTP:   SMTP{Host: "", Port: 587, From: "", Encryption: 2},
		Events: Events{Webhooks: []Webhook{}, RetryHours: 24},
	}
}

// Default returns the embedded defaults with paths resolved against dir.
func Default(dir string) *Config {
	c := defaults()
	c.Dir = absDir(dir)
	c.resolvePaths()
	return c
}

// absDir makes dir absolute so that Dir and the resolved paths do not
// change meaning if the process later changes its working directory.
func absDir(dir string) string {
	if abs, err := filepath.Abs(dir); err == nil {
		return abs
	}
	return filepath.Clean(dir)
}

// resolvePaths makes every relative path absolute against c.Dir; empty
// paths stay empty so that validation can report them (and so that ""
// keeps meaning "use ftpd's" for per-binding certificates).
func (c *Config) resolvePaths() {
	res := func(p *string) {
		if *p == "" {
			return
		}
		if filepath.IsAbs(*p) {
			*p = filepath.Clean(*p)
			return
		}
		*p = filepath.Join(c.Dir, *p)
	}
	for i := range c.SFTPD.HostKeys {
		res(&c.SFTPD.HostKeys[i])
	}
	res(&c.FTPD.CertificateFile)
	res(&c.FTPD.CertificateKeyFile)
	for i := range c.FTPD.Bindings {
		res(&c.FTPD.Bindings[i].CertificateFile)
		res(&c.FTPD.Bindings[i].CertificateKeyFile)
	}
	for i := range c.HTTPD.Bindings {
		res(&c.HTTPD.Bindings[i].CertificateFile)
		res(&c.HTTPD.Bindings[i].CertificateKeyFile)
	}
	res(&c.DataProvider.Name)
	res(&c.Storage.Root)
}

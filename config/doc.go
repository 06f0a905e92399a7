// Package config loads dossierd's configuration.
//
// The configuration is the JSON file sftpgo.json (the repository's top-level
// sftpgo.json lists every key with its default value). Where a setting
// exists in SFTPGo it keeps SFTPGo's key name, unit and meaning, so that
// administrators who know SFTPGo can read it. Layers, lowest first:
//
//  1. built-in defaults (the values below);
//  2. the file: a key it leaves out keeps its default, and a file may set a
//     single entry of a nested object (e.g. only
//     tree.permissions.trainee.documents). Lists (bindings, host_keys,
//     safelist) are replaced as a whole; a binding entry that leaves out a
//     field gets the default binding's value for it (port 2022 for SFTP,
//     2121 for FTP);
//  3. environment variables DOSSIERD_<SECTION>__<KEY>, upper case, with
//     "__" between levels: DOSSIERD_COMMON__IDLE_TIMEOUT=5,
//     DOSSIERD_COMMON__DEFENDER__BAN_TIME=60,
//     DOSSIERD_TREE__PERMISSIONS__TRAINEE__DOCUMENTS=rw. Lists of strings
//     are comma-separated (DOSSIERD_SFTPD__HOST_KEYS=a,b). Bindings take
//     SFTPGo's indexed form for indexes 0 to 9:
//     DOSSIERD_SFTPD__BINDINGS__0__PORT=2222,
//     DOSSIERD_FTPD__BINDINGS__1__TLS_MODE=2; a variable for the index just
//     past the end of the list adds a binding. An empty variable counts as
//     unset. A DOSSIERD_*__* variable that matches no key is an error.
//
// Relative paths resolve against the folder of the configuration file, or
// the working directory when there is none. Keys are not case-sensitive.
// Unknown keys, values of the wrong JSON type and invalid values are
// errors naming the key.
//
// Keys, defaults and meanings:
//
//	common.idle_timeout              15     minutes without activity before disconnection; 0 = never
//	common.upload_mode               1      0 direct, 1 atomic (temporary file renamed when complete), 2 atomic with resume
//	common.grace_time                15     seconds a graceful shutdown waits for transfers
//	common.max_total_connections     0      concurrent connections; 0 = unlimited
//	common.max_per_host_connections  20     concurrent connections from one IP; 0 = unlimited
//	common.max_sessions              20     concurrent connections of one login (SFTPGo's per-user max_sessions); 0 = unlimited
//	common.max_upload_file_size      2147483648  bytes (2048 MB) an uploaded file may reach, checked while it arrives; 0 = no limit
//	common.roles                     {}     per-role overrides of max_sessions and max_upload_file_size:
//	                                        {"staff": {"max_sessions": 50, "max_upload_file_size": 0}}
//	common.language                  "fr"   language of what users and administrators read: "fr" or "en"
//	common.umask                     "077"  mode creation mask for storage and data folders: 077 private to the
//	                                        server's user (folders 0700, files 0600); 027 lets its group read
//	common.proxy_protocol            0      PROXY protocol header (v1 or v2) before each SFTP, FTP and FTP data
//	                                        connection: 0 off, 1 used when present, 2 required
//	common.proxy_allowed             []     IP addresses or CIDR networks allowed to send the header (the load
//	                                        balancers); a header from any other address is refused, and in
//	                                        mode 2 so is any connection from another address
//	common.proxy_skipped             []     IP addresses or CIDR networks never read for a header (direct access)
//	common.defender.enabled          true   ban hosts whose score reaches threshold within observation_time
//	common.defender.ban_time         30     minutes
//	common.defender.ban_time_increment 50   percent of ban_time added when a banned host tries again
//	common.defender.threshold        15
//	common.defender.score_invalid    2      login with an unknown user
//	common.defender.score_valid      1      failed login with an existing user
//	common.defender.score_limit_exceeded 3  connection limit exceeded
//	common.defender.score_no_auth    0      client left without trying to log in
//	common.defender.observation_time 30     minutes
//	common.defender.entries_soft_limit 100  hosts tracked in memory (between soft and hard)
//	common.defender.entries_hard_limit 150
//	common.defender.safelist         []     IP addresses or CIDR networks never banned
//
//	sftpd.bindings             [{"address": "", "port": 2022}]   [] disables SFTP; port 0 = any free port; address "" = every interface
//	sftpd.host_keys            ["data/id_ed25519", "data/id_ecdsa", "data/id_rsa"]
//	sftpd.max_auth_tries       6      attempts per connection; negative = unlimited, 0 = 6
//	sftpd.max_open_handles     256    files and folders one connection holds open at once
//	sftpd.max_channels         10     SSH session channels per connection (OpenSSH's MaxSessions)
//	sftpd.keepalive_interval   30     seconds; 0 = off
//	sftpd.kex_algorithms       (list) key exchanges offered, in order; x/crypto/ssh's secure ones only
//	sftpd.ciphers              (list) AES-GCM and AES-CTR; chacha20-poly1305@openssh.com may be added
//	sftpd.macs                 (list) HMAC-SHA2 (ETM first)
//	sftpd.login_grace_time     60     seconds to finish authenticating (OpenSSH LoginGraceTime), for FTP too; 0 = no limit
//
//	ftpd.bindings              [{"address": "", "port": 2121, "tls_mode": 0, "force_passive_ip": "", "certificate_file": "", "certificate_key_file": ""}]
//	                           [] disables FTP; tls_mode 0 plain or explicit TLS, 1 TLS required, 2 implicit TLS;
//	                           force_passive_ip: IPv4 literal announced for passive mode (NAT);
//	                           certificate_file/certificate_key_file: per-binding pair, "" = ftpd's
//	ftpd.passive_port_range    {"start": 50000, "end": 50100}   inclusive; 0-0 = any free port
//	ftpd.disable_active_mode   true
//	ftpd.certificate_file      "data/ftpd.crt"   generated when absent
//	ftpd.certificate_key_file  "data/ftpd.key"
//
//	data_provider.driver         "sqlite"   the only driver
//	data_provider.name           "data/dossierd.db"
//	data_provider.poll_interval  5          seconds between checks for directory changes made by other processes, 1..60
//
//	storage.root           "data/storage"      must not hold the database, a host key or a TLS file (staff could replace them)
//	storage.shared_folder  "FTPDOSSIERPERSO"   a single folder name; not clients, sessions, stagiaires or intervenants, in any case
//
//	tree.labels.personal   "Mes documents"   folder names shown to users
//	tree.labels.sessions   "Sessions"
//	tree.labels.documents  "Documents"
//	tree.labels.common     "Commun"
//	tree.permissions       role -> mount -> "r" or "rw":
//	                       client and trainee: personal rw, documents r, common r, shared r
//	                       trainer: personal rw, documents rw, common r, shared r
//	                       staff: root rw
//
//	filenames.allowed_chars  " -_.()"   punctuation allowed besides ASCII letters and digits
//	filenames.max_length     200        bytes, 1..255
//
//	audit.retention_days     400        days audit entries are kept, at least 1
//
//	telemetry.bind_address   "127.0.0.1"   HTTP listener of /metrics (Prometheus) and /healthz (SFTPGo's keys)
//	telemetry.bind_port      10000         0 disables it
//
//	log.format               "text"     "text" (key=value) or "json" (one object a line), on standard error
//	log.level                "info"     "debug", "info", "warn" or "error"
//
//	httpd.bindings             [{"address": "", "port": 8443, "enable_https": true, "certificate_file": "", "certificate_key_file": "", "proxy_allowed": []}]
//	                           [] disables the web and the API; enable_https false only on a loopback address
//	                           (behind a reverse proxy); certificate_file/certificate_key_file "" = ftpd's pair;
//	                           proxy_allowed: addresses (IP or CIDR) whose X-Forwarded-For/-Proto are believed
//	httpd.base_url             ""     scheme://host[:port] printed in invitation links; "" = from the first binding
//	httpd.password_min_length  12     shortest password chosen on the web (8..128)
//	httpd.session_lifetime     12     hours a web session lasts at most; its idle lifetime is common.idle_timeout
//	httpd.labels.title         "Espace privé"   the site's name in the pages
//	httpd.labels.my_sessions   "Mes sessions"   the page of the login's training sessions
//
//	smtp.host                  ""     mail relay for invitations and password resets; "" = none (links are printed)
//	smtp.port                  587
//	smtp.user, smtp.password   ""     "" = no authentication
//	smtp.from                  ""     sender address, required with a host
//	smtp.encryption            2      0 none, 1 TLS, 2 STARTTLS (SFTPGo's values)
//
//	events.webhooks            []     [{"url": "https://tms/hook", "secret": "at least 16 characters", "events": ["upload"]}]
//	                                  events: upload, download, delete, rename, mkdir, login_failed, account_disabled
//	events.retry_hours         24     how long an undelivered event is retried before it is kept as failed
package config

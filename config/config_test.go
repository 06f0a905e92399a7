package config

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestMain clears DOSSIERD_* variables from the developer's environment so
// that every test sees only what it sets itself.
func TestMain(m *testing.M) {
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, envPrefix) {
			os.Unsetenv(name)
		}
	}
	os.Exit(m.Run())
}

// inTempDir moves the test into a fresh empty working directory, so that no
// sftpgo.json is found by accident, and returns it.
func inTempDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	t.Chdir(dir)
	return dir
}

func writeConfig(t *testing.T, dir, content string) string {
	t.Helper()
	path := filepath.Join(dir, "sftpgo.json")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func mustLoad(t *testing.T, file string) *Config {
	t.Helper()
	c, err := Load(file)
	if err != nil {
		t.Fatalf("Load(%q): %v", file, err)
	}
	return c
}

func diff(t *testing.T, got, want *Config) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", " ")
		w, _ := json.MarshalIndent(want, "", " ")
		t.Fatalf("configuration differs\n got: %s\nwant: %s", g, w)
	}
}

func TestDefaultsWithoutFile(t *testing.T) {
	dir := inTempDir(t)
	c := mustLoad(t, "")
	want := Default(dir)
	diff(t, c, want)

	if c.Source != "" || c.Dir != dir {
		t.Errorf("Source, Dir = %q, %q; want \"\", %q", c.Source, c.Dir, dir)
	}
	// Spot checks that Default holds the documented values.
	checks := []struct {
		name      string
		got, want any
	}{
		{"idle_timeout", c.Common.IdleTimeout, 15},
		{"upload_mode", c.Common.UploadMode, 1},
		{"max_per_host_connections", c.Common.MaxPerHostConnections, 20},
		{"defender", c.Common.Defender.Enabled && c.Common.Defender.Threshold == 15 && c.Common.Defender.EntriesHardLimit == 150, true},
		{"sftpd.bindings", c.SFTPD.Bindings, []Binding{{Port: 2022}}},
		{"sftpd.host_keys", c.SFTPD.HostKeys, []string{
			filepath.Join(dir, "data", "id_ed25519"), filepath.Join(dir, "data", "id_ecdsa"), filepath.Join(dir, "data", "id_rsa")}},
		{"max_auth_tries", c.SFTPD.MaxAuthTries, 6},
		{"ftpd.bindings", c.FTPD.Bindings, []FTPBinding{{Port: 2121}}},
		{"passive_port_range", c.FTPD.PassivePortRange, PortRange{50000, 50100}},
		{"disable_active_mode", c.FTPD.DisableActiveMode, true},
		{"certificate_file", c.FTPD.CertificateFile, filepath.Join(dir, "data", "ftpd.crt")},
		{"data_provider.name", c.DataProvider.Name, filepath.Join(dir, "data", "dossierd.db")},
		{"storage.root", c.Storage.Root, filepath.Join(dir, "data", "storage")},
		{"shared_folder", c.Storage.SharedFolder, "FTPDOSSIERPERSO"},
		{"labels", c.Tree.Labels, Labels{"Mes documents", "Sessions", "Documents", "Commun"}},
		{"permissions", c.Tree.Permissions, map[string]map[string]string{
			"client":  {"personal": "rw", "documents": "r", "common": "r", "shared": "r"},
			"trainee": {"personal": "rw", "documents": "r", "common": "r", "shared": "r"},
			"trainer": {"personal": "rw", "documents": "rw", "common": "r", "shared": "r"},
			"staff":   {"root": "rw"},
		}},
		{"filenames", c.Filenames, Filenames{" -_.()", 200}},
		{"audit", c.Audit.RetentionDays, 400},
		{"telemetry", c.Telemetry, Telemetry{"127.0.0.1", 10000}},
		{"log", c.Log, Log{"text", "info"}},
	}
	for _, ch := range checks {
		if !reflect.DeepEqual(ch.got, ch.want) {
			t.Errorf("%s = %#v, want %#v", ch.name, ch.got, ch.want)
		}
	}
}

// TestDefaultsAreValid guards against a default that Load would reject.
func TestDefaultsAreValid(t *testing.T) {
	if p := Default(t.TempDir()).validate(nil); len(p) > 0 {
		t.Fatalf("defaults are invalid: %v", p)
	}
}

// TestDocumentedFile checks that the top-level sftpgo.json lists every key
// with exactly its default value, and that loading it gives Default.
func TestDocumentedFile(t *testing.T) {
	file, err := filepath.Abs(filepath.Join("..", "sftpgo.json"))
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	inTempDir(t) // the file must not be found through the working directory

	var inFile any
	if err := json.Unmarshal(data, &inFile); err != nil {
		t.Fatal(err)
	}
	defJSON, err := json.Marshal(toMap(reflect.ValueOf(defaults())))
	if err != nil {
		t.Fatal(err)
	}
	var inDefaults any
	if err := json.Unmarshal(defJSON, &inDefaults); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(inFile, inDefaults) {
		t.Errorf("%s does not list exactly the defaults\n file: %v\n defaults: %s", file, inFile, defJSON)
	}

	c := mustLoad(t, file)
	if c.Source != file {
		t.Errorf("Source = %q, want %q", c.Source, file)
	}
	c.Source = ""
	diff(t, c, Default(filepath.Dir(file)))
}

func TestFileInWorkingDirectory(t *testing.T) {
	dir := inTempDir(t)
	file := writeConfig(t, dir, `{"common": {"idle_timeout": 7}}`)
	c := mustLoad(t, "")
	if c.Source != file || c.Dir != dir || c.Common.IdleTimeout != 7 {
		t.Errorf("Source, Dir, idle_timeout = %q, %q, %d; want %q, %q, 7", c.Source, c.Dir, c.Common.IdleTimeout, file, dir)
	}
}

func TestMissingExplicitFile(t *testing.T) {
	dir := inTempDir(t)
	_, err := Load(filepath.Join(dir, "nope.json"))
	if err == nil || !strings.Contains(err.Error(), "nope.json") {
		t.Fatalf("err = %v, want one naming nope.json", err)
	}
}

func TestPartialFile(t *testing.T) {
	tests := []struct {
		name    string
		content string
		edit    func(c *Config) // turns Default into the expected result
	}{
		{
			name:    "only ports",
			content: `{"sftpd": {"bindings": [{"port": 2222}]}, "ftpd": {"bindings": [{"port": 2121}, {"address": "127.0.0.1", "port": 990, "tls_mode": 2}]}}`,
			edit: func(c *Config) {
				c.SFTPD.Bindings = []Binding{{Port: 2222}}
				c.FTPD.Bindings = []FTPBinding{{Port: 2121}, {Address: "127.0.0.1", Port: 990, TLSMode: 2}}
			},
		},
		{
			name:    "binding without port keeps the default port",
			content: `{"sftpd": {"bindings": [{"address": "127.0.0.1"}]}}`,
			edit:    func(c *Config) { c.SFTPD.Bindings = []Binding{{Address: "127.0.0.1", Port: 2022}} },
		},
		{
			name:    "empty file object",
			content: `{}`,
			edit:    func(*Config) {},
		},
		{
			name:    "empty sections",
			content: `{"common": {"defender": {}}, "tree": {"permissions": {}}}`,
			edit:    func(*Config) {},
		},
		{
			name:    "one permission entry keeps the other defaults",
			content: `{"tree": {"permissions": {"trainee": {"documents": "rw"}}}}`,
			edit:    func(c *Config) { c.Tree.Permissions["trainee"]["documents"] = "rw" },
		},
		{
			name:    "one nested defender key",
			content: `{"common": {"defender": {"ban_time": 5}}}`,
			edit:    func(c *Config) { c.Common.Defender.BanTime = 5 },
		},
		{
			name:    "disabled protocols",
			content: `{"sftpd": {"bindings": []}, "ftpd": {"bindings": []}}`,
			edit: func(c *Config) {
				c.SFTPD.Bindings = []Binding{}
				c.FTPD.Bindings = []FTPBinding{}
			},
		},
		{
			name:    "keys are not case-sensitive",
			content: `{"Common": {"IDLE_TIMEOUT": 3}, "tree": {"permissions": {"Trainer": {"Common": "rw"}}}}`,
			edit: func(c *Config) {
				c.Common.IdleTimeout = 3
				c.Tree.Permissions["trainer"]["common"] = "rw"
			},
		},
		{
			name:    "byte order mark",
			content: "\uFEFF" + `{"audit": {"retention_days": 30}}`,
			edit:    func(c *Config) { c.Audit.RetentionDays = 30 },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := inTempDir(t)
			file := writeConfig(t, dir, tt.content)
			want := Default(dir)
			want.Source = file
			tt.edit(want)
			diff(t, mustLoad(t, file), want)
		})
	}
}

func TestRelativePaths(t *testing.T) {
	root := inTempDir(t)
	etc := filepath.Join(root, "etc")
	if err := os.Mkdir(etc, 0o700); err != nil {
		t.Fatal(err)
	}
	abs := filepath.Join(root, "elsewhere", "db.sqlite")
	writeConfig(t, etc, `{
		"sftpd": {"host_keys": ["keys/ed25519", "../shared/rsa"]},
		"ftpd": {"certificate_file": "tls/ftp.crt", "certificate_key_file": "tls/ftp.key",
			"bindings": [{"port": 2121, "certificate_file": "b.crt", "certificate_key_file": "b.key"}]},
		"data_provider": {"name": "`+filepath.ToSlash(abs)+`"},
		"storage": {"root": "./files"}
	}`)
	// A relative file name is taken from the working directory, and its
	// paths from the file's folder, not the working directory.
	c := mustLoad(t, filepath.Join("etc", "sftpgo.json"))
	checks := []struct{ name, got, want string }{
		{"Dir", c.Dir, etc},
		{"Source", c.Source, filepath.Join(etc, "sftpgo.json")},
		{"host_keys[0]", c.SFTPD.HostKeys[0], filepath.Join(etc, "keys", "ed25519")},
		{"host_keys[1]", c.SFTPD.HostKeys[1], filepath.Join(root, "shared", "rsa")},
		{"certificate_file", c.FTPD.CertificateFile, filepath.Join(etc, "tls", "ftp.crt")},
		{"certificate_key_file", c.FTPD.CertificateKeyFile, filepath.Join(etc, "tls", "ftp.key")},
		{"bindings[0].certificate_file", c.FTPD.Bindings[0].CertificateFile, filepath.Join(etc, "b.crt")},
		{"bindings[0].certificate_key_file", c.FTPD.Bindings[0].CertificateKeyFile, filepath.Join(etc, "b.key")},
		{"data_provider.name", c.DataProvider.Name, abs},
		{"storage.root", c.Storage.Root, filepath.Join(etc, "files")},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s = %q, want %q", ch.name, ch.got, ch.want)
		}
	}

	// Environment paths resolve against the same folder.
	t.Setenv("DOSSIERD_STORAGE__ROOT", "from-env")
	c = mustLoad(t, filepath.Join(etc, "sftpgo.json"))
	if want := filepath.Join(etc, "from-env"); c.Storage.Root != want {
		t.Errorf("storage.root from env = %q, want %q", c.Storage.Root, want)
	}
}

func TestEnvOverrides(t *testing.T) {
	tests := []struct {
		name    string
		file    string // "" = no file
		env     map[string]string
		edit    func(c *Config, dir string)
		wantErr string
	}{
		{
			name: "common key",
			env:  map[string]string{"DOSSIERD_COMMON__IDLE_TIMEOUT": "5"},
			edit: func(c *Config, _ string) { c.Common.IdleTimeout = 5 },
		},
		{
			name: "sftpd key over the file",
			file: `{"sftpd": {"max_auth_tries": 10}}`,
			env:  map[string]string{"DOSSIERD_SFTPD__MAX_AUTH_TRIES": "3"},
			edit: func(c *Config, _ string) { c.SFTPD.MaxAuthTries = 3 },
		},
		{
			name: "nested defender keys",
			env: map[string]string{
				"DOSSIERD_COMMON__DEFENDER__BAN_TIME": "60",
				"DOSSIERD_COMMON__DEFENDER__ENABLED":  "false",
				"DOSSIERD_COMMON__DEFENDER__SAFELIST": "10.0.0.0/8, 192.168.1.1",
			},
			edit: func(c *Config, _ string) {
				c.Common.Defender.BanTime = 60
				c.Common.Defender.Enabled = false
				c.Common.Defender.Safelist = []string{"10.0.0.0/8", "192.168.1.1"}
			},
		},
		{
			name: "proxy protocol",
			env: map[string]string{
				"DOSSIERD_COMMON__PROXY_PROTOCOL": "2",
				"DOSSIERD_COMMON__PROXY_ALLOWED":  "10.0.0.0/8, 192.168.1.1",
				"DOSSIERD_COMMON__PROXY_SKIPPED":  "127.0.0.1",
			},
			edit: func(c *Config, _ string) {
				c.Common.ProxyProtocol = 2
				c.Common.ProxyAllowed = []string{"10.0.0.0/8", "192.168.1.1"}
				c.Common.ProxySkipped = []string{"127.0.0.1"}
			},
		},
		{
			name: "storage root",
			env:  map[string]string{"DOSSIERD_STORAGE__ROOT": "/srv/x"},
			edit: func(c *Config, _ string) { c.Storage.Root = "/srv/x" },
		},
		{
			name: "data_provider section with an underscore",
			env:  map[string]string{"DOSSIERD_DATA_PROVIDER__POLL_INTERVAL": "9"},
			edit: func(c *Config, _ string) { c.DataProvider.PollInterval = 9 },
		},
		{
			name: "host keys list",
			env:  map[string]string{"DOSSIERD_SFTPD__HOST_KEYS": "k1,/etc/k2"},
			edit: func(c *Config, dir string) { c.SFTPD.HostKeys = []string{filepath.Join(dir, "k1"), "/etc/k2"} },
		},
		{
			name: "one permission",
			env:  map[string]string{"DOSSIERD_TREE__PERMISSIONS__TRAINEE__DOCUMENTS": "rw"},
			edit: func(c *Config, _ string) { c.Tree.Permissions["trainee"]["documents"] = "rw" },
		},
		{
			name: "binding port",
			env:  map[string]string{"DOSSIERD_SFTPD__BINDINGS__0__PORT": "2222"},
			edit: func(c *Config, _ string) { c.SFTPD.Bindings[0].Port = 2222 },
		},
		{
			name: "binding port over the file keeps the file's address",
			file: `{"sftpd": {"bindings": [{"address": "127.0.0.1", "port": 22}]}}`,
			env:  map[string]string{"DOSSIERD_SFTPD__BINDINGS__0__PORT": "0"},
			edit: func(c *Config, _ string) { c.SFTPD.Bindings = []Binding{{Address: "127.0.0.1", Port: 0}} },
		},
		{
			name: "new bindings from the defaults",
			env: map[string]string{
				"DOSSIERD_SFTPD__BINDINGS__1__ADDRESS":         "127.0.0.1",
				"DOSSIERD_SFTPD__BINDINGS__1__PORT":            "2023",
				"DOSSIERD_FTPD__BINDINGS__1__PORT":             "990",
				"DOSSIERD_FTPD__BINDINGS__1__TLS_MODE":         "2",
				"DOSSIERD_FTPD__BINDINGS__2__PORT":             "2122",
				"DOSSIERD_FTPD__BINDINGS__2__FORCE_PASSIVE_IP": "203.0.113.7",
			},
			edit: func(c *Config, _ string) {
				c.SFTPD.Bindings = append(c.SFTPD.Bindings, Binding{Address: "127.0.0.1", Port: 2023})
				c.FTPD.Bindings = append(c.FTPD.Bindings,
					FTPBinding{Port: 990, TLSMode: 2}, FTPBinding{Port: 2122, ForcePassiveIP: "203.0.113.7"})
			},
		},
		{
			name: "binding into an empty list",
			file: `{"ftpd": {"bindings": []}}`,
			env:  map[string]string{"DOSSIERD_FTPD__BINDINGS__0__ADDRESS": "::1"},
			edit: func(c *Config, _ string) { c.FTPD.Bindings = []FTPBinding{{Address: "::1", Port: 2121}} },
		},
		{
			name: "empty variable counts as unset",
			env:  map[string]string{"DOSSIERD_COMMON__IDLE_TIMEOUT": "", "DOSSIERD_SFTPD__BINDINGS__0__PORT": ""},
			edit: func(*Config, string) {},
		},
		{
			name:    "not an integer",
			env:     map[string]string{"DOSSIERD_COMMON__IDLE_TIMEOUT": "five"},
			wantErr: `environment variable DOSSIERD_COMMON__IDLE_TIMEOUT: common.idle_timeout: expected an integer, got "five"`,
		},
		{
			name:    "not a boolean",
			env:     map[string]string{"DOSSIERD_FTPD__DISABLE_ACTIVE_MODE": "yes"},
			wantErr: `environment variable DOSSIERD_FTPD__DISABLE_ACTIVE_MODE: ftpd.disable_active_mode: expected true or false, got "yes"`,
		},
		{
			name:    "binding port not an integer",
			env:     map[string]string{"DOSSIERD_SFTPD__BINDINGS__0__PORT": "ssh"},
			wantErr: `environment variable DOSSIERD_SFTPD__BINDINGS__0__PORT: sftpd.bindings[0].port: expected an integer, got "ssh"`,
		},
		{
			name:    "binding index leaving a gap",
			env:     map[string]string{"DOSSIERD_SFTPD__BINDINGS__2__PORT": "2200"},
			wantErr: `DOSSIERD_SFTPD__BINDINGS__2__*: sftpd.bindings[2] would leave a gap`,
		},
		{
			name:    "unknown variable",
			env:     map[string]string{"DOSSIERD_SFTPD__BINDNGS__0__PORT": "2222"},
			wantErr: `environment variable DOSSIERD_SFTPD__BINDNGS__0__PORT: unknown key "sftpd.bindngs.0.port"`,
		},
		{
			name:    "binding index past 9",
			env:     map[string]string{"DOSSIERD_SFTPD__BINDINGS__10__PORT": "2222"},
			wantErr: `unknown key "sftpd.bindings.10.port"`,
		},
		{
			name:    "unknown role",
			env:     map[string]string{"DOSSIERD_TREE__PERMISSIONS__TEACHER__DOCUMENTS": "rw"},
			wantErr: `unknown key "tree.permissions.teacher.documents"`,
		},
		{
			name:    "invalid value names the variable",
			env:     map[string]string{"DOSSIERD_SFTPD__BINDINGS__0__PORT": "70000"},
			wantErr: `sftpd.bindings[0].port: 70000 is not a valid port (1-65535, or 0 for any free port) (set by environment variable DOSSIERD_SFTPD__BINDINGS__0__PORT)`,
		},
		{
			name:    "invalid nested value names the variable",
			env:     map[string]string{"DOSSIERD_COMMON__DEFENDER__SAFELIST": "10.0.0.1,bad"},
			wantErr: `common.defender.safelist[1]: "bad" is not an IP address or CIDR (set by environment variable DOSSIERD_COMMON__DEFENDER__SAFELIST)`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := inTempDir(t)
			file := ""
			if tt.file != "" {
				file = writeConfig(t, dir, tt.file)
			}
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			c, err := Load(file)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v\nwant it to contain %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := Default(dir)
			if file != "" {
				// Start from the file alone, then apply the expected
				// overrides.
				for k := range tt.env {
					os.Unsetenv(k)
				}
				want = mustLoad(t, file)
			}
			tt.edit(want, dir)
			diff(t, c, want)
		})
	}
}

func TestValidationErrors(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    []string // each must appear in the error
	}{
		{"binding port too high", `{"sftpd": {"bindings": [{"port": 70000}]}}`,
			[]string{"sftpd.bindings[0].port: 70000 is not a valid port (1-65535"}},
		{"negative ftp port", `{"ftpd": {"bindings": [{"port": -1}]}}`,
			[]string{"ftpd.bindings[0].port: -1 is not a valid port"}},
		{"binding address with port", `{"sftpd": {"bindings": [{"address": "0.0.0.0:22", "port": 22}]}}`,
			[]string{`sftpd.bindings[0].address: "0.0.0.0:22" is not an IP address or host name`}},
		{"binding address in brackets", `{"ftpd": {"bindings": [{"address": "[::1]"}]}}`,
			[]string{`ftpd.bindings[0].address: "[::1]" is not an IP address or host name`}},
		{"upload mode", `{"common": {"upload_mode": 3}}`,
			[]string{"common.upload_mode: 3 is not one of 0 (direct), 1 (atomic), 2 (atomic with resume)"}},
		{"negative idle timeout", `{"common": {"idle_timeout": -1}}`,
			[]string{"common.idle_timeout: -1 must not be negative"}},
		{"negative grace time", `{"common": {"grace_time": -5}}`,
			[]string{"common.grace_time: -5 must not be negative"}},
		{"negative connection limits", `{"common": {"max_total_connections": -1, "max_per_host_connections": -2}}`,
			[]string{"common.max_total_connections: -1", "common.max_per_host_connections: -2"}},
		{"negative upload size and sessions", `{"common": {"max_upload_file_size": -1, "max_sessions": -1}}`,
			[]string{"common.max_upload_file_size: -1 must not be negative", "common.max_sessions: -1 must not be negative"}},
		{"role override of an unknown role", `{"common": {"roles": {"teacher": {"max_sessions": 5}}}}`,
			[]string{"common.roles.teacher: unknown role (client, trainee, trainer, staff)"}},
		{"role override of another key", `{"common": {"roles": {"staff": {"idle_timeout": 5}}}}`,
			[]string{"common.roles.staff.idle_timeout: not a per-role setting (max_sessions, max_upload_file_size)"}},
		{"negative role override", `{"common": {"roles": {"client": {"max_upload_file_size": -3}}}}`,
			[]string{"common.roles.client.max_upload_file_size: -3 must not be negative"}},
		{"language", `{"common": {"language": "de"}}`,
			[]string{`common.language: "de" is not a supported language (fr, en)`}},
		{"umask not octal", `{"common": {"umask": "0x7"}}`,
			[]string{`common.umask: "0x7" must be three or four octal digits, such as 077 or 027`}},
		{"umask locks the server out", `{"common": {"umask": "700"}}`,
			[]string{`common.umask: "700" must leave the server's own user its access`}},
		{"sftp handle and channel bounds", `{"sftpd": {"max_open_handles": 0, "max_channels": 1001}}`,
			[]string{"sftpd.max_open_handles: 0 must be between 1 and 65536", "sftpd.max_channels: 1001 must be between 1 and 1000"}},
		{"permission value", `{"tree": {"permissions": {"client": {"documents": "x"}}}}`,
			[]string{`tree.permissions.client.documents: "x" must be "r" or "rw"`}},
		{"unknown role", `{"tree": {"permissions": {"teacher": {"documents": "r"}}}}`,
			[]string{"tree.permissions.teacher: unknown role (client, trainee, trainer, staff)"}},
		{"unknown mount", `{"tree": {"permissions": {"staff": {"personal": "r"}}}}`,
			[]string{"tree.permissions.staff.personal: unknown mount for role staff (root)"}},
		{"driver", `{"data_provider": {"driver": "mysql"}}`,
			[]string{`data_provider.driver: "mysql" is not supported (only "sqlite")`}},
		{"database name", `{"data_provider": {"name": ""}}`,
			[]string{"data_provider.name: must not be empty"}},
		{"poll interval low", `{"data_provider": {"poll_interval": 0}}`,
			[]string{"data_provider.poll_interval: 0 is not between 1 and 60"}},
		{"poll interval high", `{"data_provider": {"poll_interval": 61}}`,
			[]string{"data_provider.poll_interval: 61 is not between 1 and 60"}},
		{"passive range reversed", `{"ftpd": {"passive_port_range": {"start": 60000, "end": 50000}}}`,
			[]string{"ftpd.passive_port_range: start 60000 is after end 50000"}},
		{"passive range port", `{"ftpd": {"passive_port_range": {"start": 0, "end": 70000}}}`,
			[]string{"ftpd.passive_port_range.start: 0 is not a valid port", "ftpd.passive_port_range.end: 70000 is not a valid port"}},
		{"passive range holds a binding", `{"sftpd": {"bindings": [{"port": 50050}]}}`,
			[]string{"ftpd.passive_port_range: 50000-50100 contains port 50050 of sftpd.bindings[0]"}},
		{"tls mode", `{"ftpd": {"bindings": [{"port": 21, "tls_mode": 3}]}}`,
			[]string{"ftpd.bindings[0].tls_mode: 3 is not one of 0 (plain or explicit TLS), 1 (TLS required), 2 (implicit TLS)"}},
		{"force passive ip", `{"ftpd": {"bindings": [{"force_passive_ip": "ftp.example.com"}]}}`,
			[]string{`ftpd.bindings[0].force_passive_ip: "ftp.example.com" must be an IPv4 address: FTP's PASV reply carries only IPv4`}},
		// ftpd refuses it at start (ftpd.New); config says so first, naming the key.
		{"force passive ipv6", `{"ftpd": {"bindings": [{"force_passive_ip": "2001:db8::7"}]}}`,
			[]string{`ftpd.bindings[0].force_passive_ip: "2001:db8::7" must be an IPv4 address: FTP's PASV reply carries only IPv4`}},
		{"binding certificate without key", `{"ftpd": {"bindings": [{"certificate_file": "a.crt"}]}}`,
			[]string{"ftpd.bindings[0].certificate_key_file: must be set when ftpd.bindings[0].certificate_file is"}},
		{"binding key without certificate", `{"ftpd": {"bindings": [{"certificate_key_file": "a.key"}]}}`,
			[]string{"ftpd.bindings[0].certificate_file: must be set when ftpd.bindings[0].certificate_key_file is"}},
		{"ftpd certificate", `{"ftpd": {"certificate_file": "", "certificate_key_file": ""}}`,
			[]string{"ftpd.certificate_file: must not be empty", "ftpd.certificate_key_file: must not be empty"}},
		{"safelist", `{"common": {"defender": {"safelist": ["10.0.0.1", "10.0.0.300", "192.168.0.0/16", "::1"]}}}`,
			[]string{`common.defender.safelist[1]: "10.0.0.300" is not an IP address or CIDR`}},
		{"safelist checked with defender off", `{"common": {"defender": {"enabled": false, "safelist": ["x"]}}}`,
			[]string{`common.defender.safelist[0]: "x" is not an IP address or CIDR`}},
		{"proxy protocol mode", `{"common": {"proxy_protocol": 3, "proxy_allowed": ["10.0.0.1"]}}`,
			[]string{"common.proxy_protocol: 3 is not one of 0 (off), 1 (header used when present), 2 (header required)"}},
		{"proxy lists", `{"common": {"proxy_protocol": 2, "proxy_allowed": ["10.0.0.0/8", "lb.example.com"], "proxy_skipped": ["::1", "10.0.0.0/33"]}}`,
			[]string{`common.proxy_allowed[1]: "lb.example.com" is not an IP address or CIDR`,
				`common.proxy_skipped[1]: "10.0.0.0/33" is not an IP address or CIDR`}},
		{"proxy lists checked while off", `{"common": {"proxy_skipped": ["x"]}}`,
			[]string{`common.proxy_skipped[0]: "x" is not an IP address or CIDR`}},
		{"proxy protocol without allowed address", `{"common": {"proxy_protocol": 1}}`,
			[]string{"common.proxy_allowed: must list the load balancers' addresses while common.proxy_protocol is 1"}},
		{"defender score at threshold", `{"common": {"defender": {"threshold": 3, "score_limit_exceeded": 3}}}`,
			[]string{"common.defender.score_limit_exceeded: 3 must be lower than common.defender.threshold (3)"}},
		{"defender negative score", `{"common": {"defender": {"score_no_auth": -1}}}`,
			[]string{"common.defender.score_no_auth: -1 must not be negative"}},
		{"defender times", `{"common": {"defender": {"ban_time": 0, "ban_time_increment": -1, "observation_time": 0}}}`,
			[]string{"common.defender.ban_time: 0 must be positive", "common.defender.ban_time_increment: -1 must be positive",
				"common.defender.observation_time: 0 must be positive"}},
		{"defender limits", `{"common": {"defender": {"entries_soft_limit": 100, "entries_hard_limit": 100}}}`,
			[]string{"common.defender.entries_hard_limit: 100 must be greater than common.defender.entries_soft_limit (100)"}},
		{"empty label", `{"tree": {"labels": {"personal": ""}}}`,
			[]string{"tree.labels.personal: must not be empty"}},
		{"blank label", `{"tree": {"labels": {"common": "  "}}}`,
			[]string{"tree.labels.common: must not be empty"}},
		{"label with slash", `{"tree": {"labels": {"sessions": "a/b"}}}`,
			[]string{`tree.labels.sessions: "a/b" must be a single folder name`}},
		{"dot label", `{"tree": {"labels": {"documents": ".."}}}`,
			[]string{`tree.labels.documents: ".." is not a valid folder name`}},
		{"shared folder with slash", `{"storage": {"shared_folder": "a/b"}}`,
			[]string{`storage.shared_folder: "a/b" must be a single folder name`}},
		{"empty shared folder", `{"storage": {"shared_folder": ""}}`,
			[]string{"storage.shared_folder: must not be empty"}},
		{"empty storage root", `{"storage": {"root": ""}}`,
			[]string{"storage.root: must not be empty"}},
		{"max length zero", `{"filenames": {"max_length": 0}}`,
			[]string{"filenames.max_length: 0 is not between 1 and 255"}},
		{"max length too long", `{"filenames": {"max_length": 256}}`,
			[]string{"filenames.max_length: 256 is not between 1 and 255"}},
		{"allowed chars with slash", `{"filenames": {"allowed_chars": "-/"}}`,
			[]string{`filenames.allowed_chars: "-/" must not contain '/'`}},
		{"retention", `{"audit": {"retention_days": 0}}`,
			[]string{"audit.retention_days: 0 must be at least 1"}},
		{"no host key", `{"sftpd": {"host_keys": []}}`,
			[]string{"sftpd.host_keys: at least one host key is needed"}},
		{"empty host key", `{"sftpd": {"host_keys": ["data/a", ""]}}`,
			[]string{"sftpd.host_keys[1]: must not be empty"}},
		{"legacy or unknown ssh algorithms", `{"sftpd": {"ciphers": ["aes128-ctr", "3des-cbc"], "macs": [], "kex_algorithms": ["diffie-hellman-group1-sha1"]}}`,
			[]string{`sftpd.ciphers[1]: "3des-cbc" is not supported`, "sftpd.macs: must list at least one algorithm", `sftpd.kex_algorithms[0]: "diffie-hellman-group1-sha1" is not supported`}},
		{"negative keepalive and grace", `{"sftpd": {"keepalive_interval": -1, "login_grace_time": -1}}`,
			[]string{"sftpd.keepalive_interval: -1 must not be negative", "sftpd.login_grace_time: -1 must not be negative"}},
		{"sftp and ftp on one port", `{"ftpd": {"bindings": [{"address": "127.0.0.1", "port": 2022}]}}`,
			[]string{"ftpd.bindings[0]: 127.0.0.1:2022 collides with sftpd.bindings[0] (:2022)"}},
		{"two sftp bindings on one socket", `{"sftpd": {"bindings": [{"address": "::1", "port": 22}, {"address": "::1", "port": 22}]}}`,
			[]string{"sftpd.bindings[1]: [::1]:22 collides with sftpd.bindings[0] ([::1]:22)"}},
		{"telemetry port", `{"telemetry": {"bind_port": 70000, "bind_address": "[::1]"}}`,
			[]string{"telemetry.bind_port: 70000 is not a valid port (1-65535, or 0 to disable)", `telemetry.bind_address: "[::1]" is not an IP address`}},
		{"telemetry on the sftp port", `{"telemetry": {"bind_address": "127.0.0.1", "bind_port": 2022}}`,
			[]string{"telemetry: 127.0.0.1:2022 collides with sftpd.bindings[0] (:2022)"}},
		{"log format and level", `{"log": {"format": "xml", "level": "trace"}}`,
			[]string{`log.format: "xml" is not one of text, json`, `log.level: "trace" is not one of debug, info, warn, error`}},
		{"every problem is reported", `{"common": {"upload_mode": 9}, "audit": {"retention_days": -1}}`,
			[]string{"common.upload_mode: 9", "audit.retention_days: -1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := inTempDir(t)
			file := writeConfig(t, dir, tt.content)
			_, err := Load(file)
			if err == nil {
				t.Fatal("Load succeeded, want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), "config "+file+": "+w) {
					t.Errorf("error does not contain %q:\n%v", "config "+file+": "+w, err)
				}
			}
		})
	}
}

// TestValidEdgeCases checks values close to the limits that must be
// accepted.
func TestValidEdgeCases(t *testing.T) {
	tests := []struct{ name, content string }{
		{"port 0 picks a free port", `{"sftpd": {"bindings": [{"port": 0}, {"port": 0}]}, "ftpd": {"bindings": [{"port": 0}]}}`},
		{"different addresses share a port", `{"sftpd": {"bindings": [{"address": "127.0.0.1", "port": 2200}]}, "ftpd": {"bindings": [{"address": "127.0.0.2", "port": 2200}]}}`},
		{"no listeners", `{"sftpd": {"bindings": [], "host_keys": []}, "ftpd": {"bindings": []}}`},
		{"any passive port", `{"ftpd": {"passive_port_range": {"start": 0, "end": 0}}}`},
		{"single passive port", `{"ftpd": {"passive_port_range": {"start": 50000, "end": 50000}}}`},
		{"defender off ignores its numbers", `{"common": {"defender": {"enabled": false, "ban_time": 0, "threshold": 0}}}`},
		{"unlimited auth tries", `{"sftpd": {"max_auth_tries": -1}}`},
		{"host name address and zone", `{"sftpd": {"bindings": [{"address": "localhost", "port": 2022}, {"address": "fe80::1%eth0", "port": 2023}]}}`},
		{"binding certificate pair", `{"ftpd": {"bindings": [{"tls_mode": 1, "certificate_file": "a.crt", "certificate_key_file": "a.key", "force_passive_ip": "203.0.113.1"}]}}`},
		{"role overrides and a group-readable umask", `{"common": {"umask": "027", "roles": {"staff": {"max_upload_file_size": 0, "max_sessions": 50}}}}`},
		{"limits", `{"filenames": {"max_length": 255}, "data_provider": {"poll_interval": 60}, "common": {"idle_timeout": 0, "upload_mode": 2}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := inTempDir(t)
			mustLoad(t, writeConfig(t, dir, tt.content))
		})
	}
}

// TestRoleLimit checks that a role override wins over the common value
// and that a key it leaves out keeps the common one.
func TestRoleLimit(t *testing.T) {
	dir := inTempDir(t)
	c := mustLoad(t, writeConfig(t, dir, `{"common": {"max_sessions": 7, "roles": {"staff": {"max_upload_file_size": 0}}}}`))
	for _, tt := range []struct {
		role, key string
		want      int
	}{
		{"staff", "max_upload_file_size", 0},
		{"staff", "max_sessions", 7},
		{"client", "max_upload_file_size", 2048 << 20},
		{"client", "max_sessions", 7},
	} {
		if got := c.Common.RoleLimit(tt.role, tt.key); got != tt.want {
			t.Errorf("RoleLimit(%s, %s) = %d, want %d", tt.role, tt.key, got, tt.want)
		}
	}
}

// TestStorageLayout checks the settings that would open the storage to
// the wrong people: a shared folder that is one of the layout's folders
// (every login reads the shared folder), and a storage root that holds the
// server's own files (staff have read-write access to the whole storage).
// Paths are relative to the config file's folder; links maps a symlink to
// its target, both created there before loading.
func TestStorageLayout(t *testing.T) {
	const why = "; staff could read and replace it — put the storage in its own folder"
	tests := []struct {
		name    string
		links   map[string]string
		content string
		want    []string // each must appear in the error; none: accepted
	}{
		{"defaults: data/storage beside the database and keys", nil, `{}`, nil},
		{"shared folder with another name", nil, `{"storage": {"shared_folder": "clients-commun"}}`, nil},
		{"shared folder clients", nil, `{"storage": {"shared_folder": "clients"}}`,
			[]string{`storage.shared_folder: "clients" is the storage's "clients" folder, letter case aside; every login can read the shared folder, so every login would read all of clients/`}},
		{"shared folder Sessions", nil, `{"storage": {"shared_folder": "Sessions"}}`,
			[]string{`storage.shared_folder: "Sessions" is the storage's "sessions" folder`}},
		{"shared folder STAGIAIRES", nil, `{"storage": {"shared_folder": "STAGIAIRES"}}`,
			[]string{`storage.shared_folder: "STAGIAIRES" is the storage's "stagiaires" folder`}},
		{"shared folder intervenants", nil, `{"storage": {"shared_folder": "intervenants"}}`,
			[]string{`storage.shared_folder: "intervenants" is the storage's "intervenants" folder`}},
		{"storage root is the data folder", nil, `{"storage": {"root": "data"}}`,
			[]string{"storage.root: contains data_provider.name (DIR/data/dossierd.db)" + why,
				"storage.root: contains sftpd.host_keys[0] (DIR/data/id_ed25519)" + why,
				"storage.root: contains sftpd.host_keys[2] (DIR/data/id_rsa)" + why,
				"storage.root: contains ftpd.certificate_file (DIR/data/ftpd.crt)" + why,
				"storage.root: contains ftpd.certificate_key_file (DIR/data/ftpd.key)" + why}},
		{"storage root is the config folder", nil, `{"storage": {"root": "."}}`,
			[]string{"storage.root: contains data_provider.name (DIR/data/dossierd.db)" + why}},
		{"database inside the storage", nil, `{"data_provider": {"name": "data/storage/dossierd.db"}}`,
			[]string{"storage.root: contains data_provider.name (DIR/data/storage/dossierd.db)" + why}},
		{"host key deep inside the storage", nil, `{"sftpd": {"host_keys": ["data/id_ed25519", "data/storage/clients/C0042/id_rsa"]}}`,
			[]string{"storage.root: contains sftpd.host_keys[1] (DIR/data/storage/clients/C0042/id_rsa)" + why}},
		{"binding key inside the storage", nil, `{"ftpd": {"bindings": [{"certificate_file": "tls/a.crt", "certificate_key_file": "data/storage/a.key"}]}}`,
			[]string{"storage.root: contains ftpd.bindings[0].certificate_key_file (DIR/data/storage/a.key)" + why}},
		{"absolute storage root above the database", nil, `{"storage": {"root": "DIR"}, "data_provider": {"name": "DIR/db/dossierd.db"}}`,
			[]string{"storage.root: contains data_provider.name (DIR/db/dossierd.db)" + why}},
		{"a name prefix is not a parent", nil, `{"storage": {"root": "data/storage"}, "data_provider": {"name": "data/storage2/dossierd.db"}}`, nil},
		{"storage root inside the data folder", nil, `{"storage": {"root": "data/storage/files"}, "data_provider": {"name": "data/storage/dossierd.db"}}`, nil},
		{"storage root through a symlink", map[string]string{"files": "data"}, `{"storage": {"root": "files"}}`,
			[]string{"storage.root: contains data_provider.name (DIR/data/dossierd.db)" + why}},
		{"database folder through a symlink", map[string]string{"db": "data/storage"}, `{"data_provider": {"name": "db/dossierd.db"}}`,
			[]string{"storage.root: contains data_provider.name (DIR/db/dossierd.db)" + why}},
		{"symlink to a sibling folder", map[string]string{"db": "data/other"}, `{"data_provider": {"name": "db/dossierd.db"}}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := inTempDir(t)
			for link, target := range tt.links {
				if err := os.MkdirAll(filepath.Join(dir, target), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.Symlink(filepath.Join(dir, target), filepath.Join(dir, link)); err != nil {
					t.Fatal(err)
				}
			}
			file := writeConfig(t, dir, strings.ReplaceAll(tt.content, "DIR", dir))
			_, err := Load(file)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("Load: %v, want it accepted", err)
				}
				return
			}
			if err == nil {
				t.Fatal("Load succeeded, want an error")
			}
			for _, w := range tt.want {
				w = "config " + file + ": " + strings.ReplaceAll(w, "DIR", dir)
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not contain %q:\n%v", w, err)
				}
			}
		})
	}
}

func TestMalformedJSON(t *testing.T) {
	tests := []struct {
		name, content, want string
	}{
		{"missing comma", "{\n  \"common\": {\n    \"idle_timeout\": 5\n    \"grace_time\": 3\n  }\n}\n", ":4:5: invalid JSON: invalid character '\"' after object key:value pair"},
		{"trailing comma", "{\n  \"audit\": {\"retention_days\": 3,}\n}", ":2:33: invalid JSON: invalid character '}'"},
		{"column counts characters", "{\"tree\": {\"labels\": {\"common\": \"Été\" x}}}", ":1:38: invalid JSON: invalid character 'x'"},
		{"truncated", "{\n  \"common\": {\n", ":2:14: invalid JSON: unexpected end of JSON input"},
		{"empty", "", ":1:1: invalid JSON: unexpected end of JSON input"},
		{"not an object", "[1, 2]", ": the top level must be a JSON object, not a list"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := inTempDir(t)
			file := writeConfig(t, dir, tt.content)
			_, err := Load(file)
			if err == nil || !strings.Contains(err.Error(), "config "+file+tt.want) {
				t.Fatalf("err = %v\nwant it to contain %q", err, "config "+file+tt.want)
			}
		})
	}
}

func TestUnknownKeysAndWrongTypes(t *testing.T) {
	tests := []struct {
		name, content string
		want          []string
	}{
		{"top level", `{"sftpdd": {}}`, []string{`unknown key "sftpdd"`}},
		{"section", `{"sftpd": {"bindngs": []}}`, []string{`unknown key "sftpd.bindngs"`}},
		{"nested", `{"common": {"defender": {"safe_list": []}}}`, []string{`unknown key "common.defender.safe_list"`}},
		{"in a binding", `{"ftpd": {"bindings": [{"prot": 21}]}}`, []string{`unknown key "ftpd.bindings[0].prot"`}},
		{"case duplicate", `{"audit": {"retention_days": 1, "Retention_Days": 2}}`, []string{`duplicate key "audit.retention_days"`}},
		{"string for a number", `{"common": {"idle_timeout": "5"}}`,
			[]string{`common.idle_timeout: expected an integer, got the string "5"`}},
		{"fraction for an integer", `{"sftpd": {"bindings": [{"port": 22.5}]}}`,
			[]string{"sftpd.bindings[0].port: expected an integer, got the number 22.5"}},
		{"number for a boolean", `{"ftpd": {"disable_active_mode": 1}}`,
			[]string{"ftpd.disable_active_mode: expected true or false, got the number 1"}},
		{"number for a string", `{"storage": {"root": 5}}`,
			[]string{"storage.root: expected a string, got the number 5"}},
		{"object for a list", `{"sftpd": {"bindings": {"port": 22}}}`,
			[]string{"sftpd.bindings: expected a list, got an object"}},
		{"string for an object", `{"tree": {"permissions": {"client": "rw"}}}`,
			[]string{`tree.permissions.client: expected an object, got the string "rw"`}},
		{"null", `{"common": {"defender": {"safelist": null}}}`,
			[]string{"common.defender.safelist: expected a list, got null"}},
		{"several at once", `{"sftpd": {"max_auth_tries": "6", "keepalive": 1}}`,
			[]string{`unknown key "sftpd.keepalive"`, "sftpd.max_auth_tries: expected an integer"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := inTempDir(t)
			file := writeConfig(t, dir, tt.content)
			_, err := Load(file)
			if err == nil {
				t.Fatal("Load succeeded, want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), "config "+file+": "+w) {
					t.Errorf("error does not contain %q:\n%v", w, err)
				}
			}
		})
	}
}

// TestLoadDoesNotShareState checks that one Load does not leak into the
// next (no global viper, defaults copied each time).
func TestLoadDoesNotShareState(t *testing.T) {
	dir := inTempDir(t)
	file := writeConfig(t, dir, `{"tree": {"permissions": {"client": {"documents": "rw"}}}}`)
	c := mustLoad(t, file)
	c.Tree.Permissions["staff"]["root"] = "r"
	c.SFTPD.Bindings[0].Port = 1
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	diff(t, mustLoad(t, ""), Default(dir))
}

// Validate gives a configuration changed in code Load's checks and
// messages (a reload's).
func TestValidate(t *testing.T) {
	c := Default(t.TempDir())
	if err := c.Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	c.Common.UploadMode = 7
	err := c.Validate()
	want := "config (built-in defaults): common.upload_mode: 7 is not one of 0 (direct), 1 (atomic), 2 (atomic with resume)"
	if err == nil || err.Error() != want {
		t.Errorf("Validate: %v, want %q", err, want)
	}
}

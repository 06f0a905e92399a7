package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzLoad feeds arbitrary files to Load: it must never panic, a refusal
// must name the file, and an accepted configuration must be complete
// (every path absolute, the upload mode one of SFTPGo's values).
func FuzzLoad(f *testing.F) {
	for _, s := range []string{
		`{}`,
		`{"sftpd": {"bindings": [{"port": 2222}]}}`,
		`{"common": {"upload_mode": 3}}`,
		`{"tree": {"permissions": {"trainee": {"documents": "rw"}}}}`,
		`{"sftpd": {"bindngs": []}}`,
		"\ufeff{\"storage\": {\"root\": \"../x\"}}",
		`{"common": {"idle_timeout": "5"}}`,
		`{"ftpd": {"passive_port_range": {"start": 60000, "end": 50000}}}`,
		`{"a": [1, 2, {"b": null}]`,
	} {
		f.Add([]byte(s))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		file := filepath.Join(dir, "sftpgo.json")
		if err := os.WriteFile(file, data, 0o600); err != nil {
			t.Fatal(err)
		}
		cfg, err := Load(file)
		if err != nil {
			if !strings.Contains(err.Error(), "sftpgo.json") {
				t.Fatalf("refusal does not name the file: %v", err)
			}
			return
		}
		if !filepath.IsAbs(cfg.Storage.Root) || !filepath.IsAbs(cfg.DataProvider.Name) {
			t.Fatalf("accepted config has relative paths: %+v", cfg)
		}
		if cfg.Common.UploadMode < 0 || cfg.Common.UploadMode > 2 {
			t.Fatalf("accepted upload_mode %d", cfg.Common.UploadMode)
		}
	})
}

package main

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dossierd/dossierd/auth"
	"github.com/dossierd/dossierd/config"
	"github.com/dossierd/dossierd/daemon"
)

// TestAPIKeyCommands: the key is the last line of add's output, alone;
// list never shows it; revoke makes it refused.
func TestAPIKeyCommands(t *testing.T) {
	run, storage := cliEnv(t)
	out, err := run("apikey", "add", "tms", "--scope", "directory:write,files:read", "--expires", "2099-12-31")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	key := lines[len(lines)-1]
	if len(lines) < 2 || !strings.HasPrefix(key, auth.APIKeyPrefix) || strings.ContainsAny(key, " \t") {
		t.Fatalf("apikey add printed %q: want the key alone on the last line", out)
	}
	if !strings.Contains(out, `clé d'API "tms" créée (portées : directory:write,files:read ; expire : 2099-12-31)`) {
		t.Errorf("apikey add printed %q", out)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"apikey", "add", "tms", "--scope", "audit:read"}, `une clé d'API active s'appelle déjà "tms"`},
		{[]string{"apikey", "add", "x", "--scope", "files:delete"}, `portée "files:delete" inconnue`},
		{[]string{"apikey", "add", "x"}, `donnez au moins une portée avec --scope`},
		{[]string{"apikey", "add", "x", "--scope", "audit:read", "--expires", "demain"}, `date d'expiration "demain"`},
		{[]string{"apikey", "revoke", "nobody"}, `aucune clé d'API active ne s'appelle "nobody"`},
	} {
		if _, err := run(tt.args...); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: %v, want %q", tt.args, err, tt.want)
		}
	}

	out, err = run("apikey", "list", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var list []apikeyJSON
	if err := json.Unmarshal([]byte(out), &list); err != nil || len(list) != 1 || list[0].Name != "tms" || list[0].State != "active" || strings.Contains(out, key[4:]) {
		t.Fatalf("apikey list --json = %s (%v)", out, err)
	}
	if out, _ := run("apikey", "list"); !strings.Contains(out, "directory:write,files:read") || !strings.Contains(out, "active") || strings.Contains(out, key[4:]) {
		t.Errorf("apikey list = %s", out)
	}

	if out, err := run("apikey", "revoke", "tms"); err != nil || !strings.Contains(out, `clé d'API "tms" révoquée`) {
		t.Fatalf("revoke: %q, %v", out, err)
	}
	if out, _ := run("apikey", "list", "--json"); !strings.Contains(out, `"state": "revoked"`) {
		t.Errorf("after revoke: %s", out)
	}
	// The store the daemon reads refuses the revoked key.
	cfg, err := config.Load(filepath.Join(filepath.Dir(filepath.Dir(storage)), "sftpgo.json"))
	if err != nil {
		t.Fatal(err)
	}
	d, err := daemon.OpenDirectory(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.Store.VerifyAPIKey(context.Background(), key); !errors.Is(err, auth.ErrRevoked) {
		t.Errorf("revoked key verifies: %v", err)
	}
}

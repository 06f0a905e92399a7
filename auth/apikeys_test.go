package auth

import (
	"context"
	"encoding/base64"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestAPIKeys(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, Options{})
	now := time.Date(2027, 3, 1, 12, 0, 0, 0, time.Local)
	s.now = func() time.Time { return now }

	key, err := s.AddAPIKey(ctx, "tms", []string{"files:read", "directory:write", "files:read"}, "2027-03-31")
	if err != nil {
		t.Fatal(err)
	}
	secret, ok := strings.CutPrefix(key, APIKeyPrefix)
	if raw, err := base64.RawURLEncoding.DecodeString(secret); !ok || err != nil || len(raw) != 32 {
		t.Fatalf("key %q: want %s + 256 bits in base64url", key, APIKeyPrefix)
	}
	// Only the hash is stored.
	var stored string
	if err := s.DB().QueryRow(`SELECT key_hash FROM api_keys`).Scan(&stored); err != nil || stored != HashToken(key) || strings.Contains(stored, secret) {
		t.Fatalf("stored %q, %v", stored, err)
	}

	k, err := s.VerifyAPIKey(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if k.Name != "tms" || !reflect.DeepEqual(k.Scopes, []string{"directory:write", "files:read"}) || !k.Has("files:read") || k.Has("audit:read") {
		t.Errorf("verified %+v", k)
	}
	if !k.LastUsed.Equal(now.Truncate(time.Second)) {
		t.Errorf("last used %v, want %v", k.LastUsed, now)
	}

	// Unknown, malformed: ErrInvalidCredentials.
	for _, bad := range []string{"", "dsk_", "dsk_" + strings.Repeat("A", 43), "Bearer " + key, key + "x", strings.TrimPrefix(key, APIKeyPrefix)} {
		if _, err := s.VerifyAPIKey(ctx, bad); !errors.Is(err, ErrInvalidCredentials) {
			t.Errorf("VerifyAPIKey(%q) = %v, want ErrInvalidCredentials", bad, err)
		}
	}

	// Expired after its last day.
	now = time.Date(2027, 3, 31, 23, 59, 0, 0, time.Local)
	if _, err := s.VerifyAPIKey(ctx, key); err != nil {
		t.Errorf("on its last day: %v", err)
	}
	now = time.Date(2027, 4, 1, 0, 0, 1, 0, time.Local)
	if k, err := s.VerifyAPIKey(ctx, key); !errors.Is(err, ErrExpired) || k.Name != "tms" || err.Error() != `API key "tms" expired on 2027-03-31` {
		t.Errorf("expired: %+v, %v", k, err)
	}

	// Names are unique among active keys; a revoked name can be reused,
	// and the revoked key stays refused as revoked.
	if _, err := s.AddAPIKey(ctx, "TMS", []string{"audit:read"}, ""); !errors.Is(err, ErrExists) {
		t.Errorf("duplicate name: %v", err)
	}
	if err := s.RevokeAPIKey(ctx, "Tms"); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeAPIKey(ctx, "tms"); !errors.Is(err, ErrNotFound) {
		t.Errorf("revoke twice: %v", err)
	}
	if k, err := s.VerifyAPIKey(ctx, key); !errors.Is(err, ErrRevoked) || k.Name != "tms" {
		t.Errorf("revoked: %+v, %v", k, err)
	}
	key2, err := s.AddAPIKey(ctx, "tms", []string{"audit:read"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if k, err := s.VerifyAPIKey(ctx, key2); err != nil || k.ExpiresAt != "" {
		t.Errorf("new key: %+v, %v", k, err)
	}
	keys, err := s.APIKeys(ctx)
	if err != nil || len(keys) != 2 || keys[0].RevokedAt.IsZero() || !keys[1].RevokedAt.IsZero() {
		t.Errorf("APIKeys = %+v, %v", keys, err)
	}
}

func TestAPIKeyRefusals(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, Options{})
	for _, tt := range []struct {
		name, expires string
		scopes        []string
		want          string
	}{
		{"", "", []string{"audit:read"}, `API key name "" refused`},
		{"a b", "", []string{"audit:read"}, `API key name "a b" refused`},
		{"x@y", "", []string{"audit:read"}, `API key name "x@y" refused`},
		{strings.Repeat("k", 65), "", []string{"audit:read"}, `refused`},
		{"k", "", nil, `give at least one scope`},
		{"k", "", []string{"files:delete"}, `unknown scope "files:delete"`},
		{"k", "31/12/2027", []string{"audit:read"}, `expiry date`},
	} {
		if _, err := s.AddAPIKey(ctx, tt.name, tt.scopes, tt.expires); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("AddAPIKey(%q, %v, %q) = %v, want %q", tt.name, tt.scopes, tt.expires, err, tt.want)
		}
	}
	if keys, _ := s.APIKeys(ctx); len(keys) != 0 {
		t.Errorf("refused keys were stored: %+v", keys)
	}
}

// TestAPIKeyLastUsedThrottled: the last use is written at most once a
// minute, not on every request.
func TestAPIKeyLastUsedThrottled(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, Options{})
	now := time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)
	s.now = func() time.Time { return now }
	key, err := s.AddAPIKey(ctx, "tms", []string{"audit:read"}, "")
	if err != nil {
		t.Fatal(err)
	}
	s.VerifyAPIKey(ctx, key)
	gen0 := func() string {
		var v string
		s.DB().QueryRow(`SELECT last_used_at FROM api_keys`).Scan(&v)
		return v
	}
	first := gen0()
	now = now.Add(30 * time.Second)
	s.VerifyAPIKey(ctx, key)
	if got := gen0(); got != first {
		t.Errorf("last used rewritten after 30 s: %s, then %s", first, got)
	}
	now = now.Add(31 * time.Second)
	s.VerifyAPIKey(ctx, key)
	if got := gen0(); got == first {
		t.Errorf("last used not rewritten after a minute: %s", got)
	}
}

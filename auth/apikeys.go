package auth

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/dossierd/dossierd/catalogue"
)

// API keys: what the TMS's scripts present to the REST API
// ("Authorization: Bearer dsk_..."). A key is 256 random bits, so it is
// stored as its SHA-256 only (a slow hash would protect nothing more and
// cost every request); the table keeps revoked keys, so that a revoked
// key is told from one never issued in the log.

// APIKeyPrefix starts every key, so that one pasted in the wrong place (a
// log, a repository) is recognised by secret scanners and by people.
const APIKeyPrefix = "dsk_"

// The scopes a key may carry.
const (
	ScopeDirectoryRead  = "directory:read"
	ScopeDirectoryWrite = "directory:write"
	ScopeFilesRead      = "files:read"
	ScopeFilesWrite     = "files:write"
	ScopeAuditRead      = "audit:read"
)

// Scopes lists the valid scopes, in the order they are shown.
var Scopes = []string{ScopeDirectoryRead, ScopeDirectoryWrite, ScopeFilesRead, ScopeFilesWrite, ScopeAuditRead}

// ErrRevoked is the verification of a key that was revoked.
var ErrRevoked = catalogue.Error(catalogue.APIKeyRevokedErr)

// APIKey is one key as stored, without its secret.
type APIKey struct {
	Name      string
	Scopes    []string
	ExpiresAt string // last usable day, YYYY-MM-DD local time; "" = never
	CreatedAt time.Time
	LastUsed  time.Time // zero: never used (updated at most once a minute)
	RevokedAt time.Time // zero: active
}

// Has reports whether the key carries scope.
func (k APIKey) Has(scope string) bool { return slices.Contains(k.Scopes, scope) }

// maxKeyName keeps "apikey@NAME", the login the audit trail shows, within
// the login rules.
const maxKeyName = 64

// ParseScopes reads a comma-separated list of scopes, sorted in Scopes'
// order without duplicates.
func ParseScopes(s string) ([]string, error) {
	seen := map[string]bool{}
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !slices.Contains(Scopes, f) {
			return nil, catalogue.Errorf(catalogue.APIScopeUnknown, f, strings.Join(Scopes, ", "))
		}
		seen[f] = true
	}
	var out []string
	for _, sc := range Scopes {
		if seen[sc] {
			out = append(out, sc)
		}
	}
	if len(out) == 0 {
		return nil, catalogue.Errorf(catalogue.APIScopeNone, strings.Join(Scopes, ", "))
	}
	return out, nil
}

func validateKeyName(name string) error {
	if err := ValidateLogin(name); err != nil || strings.Contains(name, "@") || len(name) > maxKeyName {
		return catalogue.Errorf(catalogue.APIKeyBadName, name, maxKeyName)
	}
	return nil
}

// AddAPIKey makes a key named name with scopes, usable until expires
// (YYYY-MM-DD, included; "" for never), and returns the key: it is shown
// once, only its hash is kept. A name may be reused once its key is revoked.
func (s *Store) AddAPIKey(ctx context.Context, name string, scopes []string, expires string) (string, error) {
	if err := validateKeyName(name); err != nil {
		return "", err
	}
	scopes, err := ParseScopes(strings.Join(scopes, ","))
	if err != nil {
		return "", err
	}
	if expires != "" {
		if err := validateDate("expiry date", expires); err != nil {
			return "", err
		}
	}
	key := APIKeyPrefix + NewToken()
	err = s.write(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM api_keys WHERE name = ? AND revoked_at = ''`, name).Scan(&n); err != nil {
			return dbError(err)
		}
		if n > 0 {
			return exists(catalogue.APIKeyExists, name)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO api_keys (name, key_hash, scopes, expires_at, created_at) VALUES (?, ?, ?, ?, ?)`,
			name, HashToken(key), strings.Join(scopes, ","), expires, timestamp(s.now()))
		if isConstraint(err) {
			return exists(catalogue.APIKeyExists, name)
		}
		return dbError(err)
	})
	if err != nil {
		return "", err
	}
	return key, nil
}

const apiKeyColumns = `name, scopes, expires_at, created_at, last_used_at, revoked_at`

// scanAPIKey reads apiKeyColumns, after the columns pre point to.
func scanAPIKey(r scanner, pre ...any) (APIKey, error) {
	var k APIKey
	var scopes, created, used, revoked string
	if err := r.Scan(append(pre, &k.Name, &scopes, &k.ExpiresAt, &created, &used, &revoked)...); err != nil {
		return k, err
	}
	if scopes != "" {
		k.Scopes = strings.Split(scopes, ",")
	}
	k.CreatedAt, k.LastUsed, k.RevokedAt = parseTimestamp(created), parseTimestamp(used), parseTimestamp(revoked)
	return k, nil
}

// APIKeys lists every key, revoked ones included, by name then creation.
func (s *Store) APIKeys(ctx context.Context) ([]APIKey, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+apiKeyColumns+` FROM api_keys ORDER BY name, id`)
	if err != nil {
		return nil, dbError(err)
	}
	defer rows.Close()
	var out []APIKey
	for rows.Next() {
		k, err := scanAPIKey(rows)
		if err != nil {
			return nil, dbError(err)
		}
		out = append(out, k)
	}
	return out, dbError(rows.Err())
}

// RevokeAPIKey revokes the active key named name; ErrNotFound if none.
func (s *Store) RevokeAPIKey(ctx context.Context, name string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE api_keys SET revoked_at = ? WHERE name = ? AND revoked_at = ''`, timestamp(s.now()), name)
		if err != nil {
			return dbError(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound(catalogue.APIKeyNotFound, name)
		}
		return nil
	})
}

// errUnknownKey is the verification of a key that was never issued (or is
// not a key at all).
var errUnknownKey = &sentinelError{catalogue.APIKeyUnknownErr, nil, ErrInvalidCredentials}

// lastUsedEvery bounds the writes the "last used" date costs: one a
// minute per key, not one per request.
const lastUsedEvery = time.Minute

// VerifyAPIKey finds the key and checks that it may be used now. Errors:
// one wrapping ErrInvalidCredentials (never issued), ErrRevoked or
// ErrExpired — with the key, so that the caller can log its name — or a
// database error. Callers answer the three alike.
func (s *Store) VerifyAPIKey(ctx context.Context, key string) (APIKey, error) {
	if !strings.HasPrefix(key, APIKeyPrefix) {
		return APIKey{}, errUnknownKey
	}
	// The lookup is by the hash: timing tells about the hash of what was
	// sent, never about a stored secret. The comparison that follows is
	// constant-time all the same, as a backstop of the index's equality.
	h := HashToken(key)
	var stored string
	row := s.db.QueryRowContext(ctx, `SELECT key_hash, `+apiKeyColumns+` FROM api_keys WHERE key_hash = ?`, h)
	k, err := scanAPIKey(row, &stored)
	if errors.Is(err, sql.ErrNoRows) {
		return APIKey{}, errUnknownKey
	}
	if err != nil {
		return APIKey{}, dbError(err)
	}
	if subtle.ConstantTimeCompare([]byte(stored), []byte(h)) != 1 {
		return APIKey{}, errUnknownKey
	}
	now := s.now()
	if !k.RevokedAt.IsZero() {
		return k, ErrRevoked
	}
	if k.ExpiresAt != "" && now.Local().Format(dateLayout) > k.ExpiresAt {
		return k, &sentinelError{catalogue.APIKeyExpiredErr, []any{k.Name, k.ExpiresAt}, ErrExpired}
	}
	if now.Sub(k.LastUsed) >= lastUsedEvery {
		// Best effort: a busy database must not refuse a valid key.
		if _, err := s.db.ExecContext(ctx, `UPDATE api_keys SET last_used_at = ? WHERE key_hash = ?`, timestamp(now), h); err == nil {
			k.LastUsed = now
		}
	}
	return k, nil
}

package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"runtime"
	"sync"
	"time"
)

// verifier bounds what password checks cost the server, as SFTPGo's
// password cache does:
//   - a successful verification is remembered for a while, as an HMAC of
//     the password under a per-process secret, keyed by the stored hash (a
//     changed password or hash simply misses), so a client that opens many
//     connections (FileZilla opens several, a TMS script one per file) pays
//     argon2id once, not at every login;
//   - at most GOMAXPROCS hashes are computed at once: each argon2id takes
//     7 MiB, and 50 clients logging in together must not take 350 MiB.
//
// Failures are never remembered: a guesser pays the full cost every time.
type verifier struct {
	secret [32]byte
	sem    chan struct{}

	mu sync.Mutex
	ok map[string]verified
}

type verified struct {
	mac [sha256.Size]byte
	at  time.Time
}

const (
	verifiedTTL = time.Hour
	verifiedMax = 10000 // entries; past it the cache starts over
)

func newVerifier() *verifier {
	v := &verifier{sem: make(chan struct{}, runtime.GOMAXPROCS(0)), ok: map[string]verified{}}
	_, _ = rand.Read(v.secret[:])
	return v
}

func (v *verifier) mac(hash, password string) [sha256.Size]byte {
	m := hmac.New(sha256.New, v.secret[:])
	m.Write([]byte(hash))
	m.Write([]byte{0})
	m.Write([]byte(password))
	var out [sha256.Size]byte
	m.Sum(out[:0])
	return out
}

func (v *verifier) cached(hash string, mac [sha256.Size]byte, now time.Time) bool {
	v.mu.Lock()
	c, hit := v.ok[hash]
	v.mu.Unlock()
	return hit && now.Sub(c.at) < verifiedTTL && hmac.Equal(c.mac[:], mac[:])
}

// verify is VerifyPassword with the cache and the concurrency bound.
func (v *verifier) verify(hash, password string) (bool, error) {
	mac := v.mac(hash, password)
	if v.cached(hash, mac, time.Now()) {
		return true, nil
	}
	v.sem <- struct{}{}
	defer func() { <-v.sem }()
	// Logins that queued behind the one that verified this password now
	// find it cached.
	if v.cached(hash, mac, time.Now()) {
		return true, nil
	}
	ok, err := VerifyPassword(hash, password)
	if ok && err == nil {
		v.mu.Lock()
		if len(v.ok) >= verifiedMax {
			clear(v.ok)
		}
		v.ok[hash] = verified{mac: mac, at: time.Now()}
		v.mu.Unlock()
	}
	return ok, err
}

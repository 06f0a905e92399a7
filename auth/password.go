package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"

	"github.com/dossierd/dossierd/catalogue"
)

// Parameters of new hashes: one of OWASP's equivalent argon2id
// configurations (7 MiB, 5 passes, 1 lane; the cheat sheet lists it beside
// 19 MiB / 2 passes) with the reference implementation's 16-byte salt and
// 32-byte tag. Both take the same CPU time here (about 40 ms), but 7 MiB
// per login in progress instead of 19 keeps a burst of logins from
// inflating the daemon's memory.
const (
	argonMemory  = 7 * 1024 // KiB
	argonTime    = 5
	argonThreads = 1
	argonSaltLen = 16
	argonKeyLen  = 32
)

// Bounds on imported hashes. A hash is verified at every login, so its
// parameters decide what a login costs: an absurd one (a typo, or a hash
// made to hurt) must be refused when it is stored, not discovered when it
// exhausts the daemon.
const (
	maxArgonMemory = 1 << 20 // KiB: 1 GiB
	maxArgonTime   = 100
	minArgonSalt   = 8
	maxArgonSalt   = 64
	minArgonKey    = 16 // shorter tags make collisions practical
	maxArgonKey    = 128
	maxBcryptCost  = 16 // about five seconds a login on current hardware
)

// dummyHash is verified when a login is unknown or has no password, so that
// such an attempt costs what a wrong password costs; its parameters are
// those of HashPassword. The salt and tag are random and match no password
// anyone knows.
const dummyHash = "$argon2id$v=19$m=7168,t=5,p=1$kWSOw6iaGDsbMOOalVrNYw$oQMiRxq3IkXJFPJSDoAJli9qJzv6dUyDRxYu5hzkB4g"

var bcryptRE = regexp.MustCompile(`^\$2[aby]\$([0-9]{2})\$[./A-Za-z0-9]{53}$`)

// HashPassword hashes password with argon2id and returns the PHC string
// "$argon2id$v=19$m=7168,t=5,p=1$<salt>$<tag>" (unpadded standard base64,
// as the reference implementation writes it).
func HashPassword(password string) (string, error) {
	if password == "" {
		return "", invalid("password", "", catalogue.MustNotBeEmpty)
	}
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("reading random salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version,
		argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// VerifyPassword reports whether password matches hash, an argon2id PHC
// string (any parameters within sane bounds) or a bcrypt $2a$/$2b$/$2y$
// hash. The comparison takes constant time. An error means the hash itself
// is unusable.
func VerifyPassword(hash, password string) (bool, error) {
	switch {
	case strings.HasPrefix(hash, "$argon2id$"):
		p, err := parseArgon2id(hash)
		if err != nil {
			return false, err
		}
		key := argon2.IDKey([]byte(password), p.salt, p.time, p.memory, p.threads, uint32(len(p.key)))
		return subtle.ConstantTimeCompare(key, p.key) == 1, nil
	case isBcrypt(hash):
		if err := validBcrypt(hash); err != nil {
			return false, err
		}
		err := bcrypt.CompareHashAndPassword([]byte(hash), []byte(password))
		if errors.Is(err, bcrypt.ErrMismatchedHashAndPassword) {
			return false, nil
		}
		if err != nil {
			return false, hashError(catalogue.HashBcrypt, err)
		}
		return true, nil
	}
	return false, unknownHash(hash)
}

// ValidHash checks that hash is a password hash VerifyPassword can use: an
// argon2id PHC string or a bcrypt $2a$/$2b$/$2y$ hash, with parameters
// within the bounds a login can afford.
func ValidHash(hash string) error {
	switch {
	case strings.HasPrefix(hash, "$argon2id$"):
		_, err := parseArgon2id(hash)
		return err
	case isBcrypt(hash):
		return validBcrypt(hash)
	}
	return unknownHash(hash)
}

type argon2Params struct {
	memory, time uint32
	threads      uint8
	salt, key    []byte
}

// parseArgon2id reads "$argon2id$v=19$m=M,t=T,p=P$SALT$TAG".
func parseArgon2id(hash string) (argon2Params, error) {
	var p argon2Params
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[0] != "" {
		return p, hashError(catalogue.HashNotArgon)
	}
	// golang.org/x/crypto/argon2 implements version 0x13 only; the older
	// 0x10 computes different tags, so accepting it would lock users out.
	if parts[2] != "v=19" {
		return p, hashError(catalogue.HashArgonVersion, parts[2])
	}
	seen := map[string]bool{}
	for _, kv := range strings.Split(parts[3], ",") {
		k, v, ok := strings.Cut(kv, "=")
		n, err := strconv.ParseUint(v, 10, 32)
		if !ok || err != nil || seen[k] {
			return p, hashError(catalogue.HashArgonParams, parts[3])
		}
		seen[k] = true
		switch k {
		case "m":
			p.memory = uint32(n)
		case "t":
			p.time = uint32(n)
		case "p":
			if n > 255 {
				return p, hashError(catalogue.HashParallelism, n)
			}
			p.threads = uint8(n)
		default:
			// keyid and data change the result; a hash that uses them
			// would never verify here.
			return p, hashError(catalogue.HashArgonParam, k)
		}
	}
	if !seen["m"] || !seen["t"] || !seen["p"] {
		return p, hashError(catalogue.HashArgonLacks)
	}
	switch {
	case p.threads < 1:
		return p, hashError(catalogue.HashParallelism0)
	case p.time < 1 || p.time > maxArgonTime:
		return p, hashError(catalogue.HashTime, p.time, maxArgonTime)
	case p.memory < 8*uint32(p.threads) || p.memory > maxArgonMemory:
		return p, hashError(catalogue.HashMemory, p.memory, 8*uint32(p.threads), maxArgonMemory)
	}
	var err error
	// PHC strings are unpadded, but some libraries pad: accept both.
	if p.salt, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(parts[4], "=")); err != nil {
		return p, hashError(catalogue.HashSalt64)
	}
	if p.key, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(parts[5], "=")); err != nil {
		return p, hashError(catalogue.HashHash64)
	}
	if len(p.salt) < minArgonSalt || len(p.salt) > maxArgonSalt {
		return p, hashError(catalogue.HashSaltLen, len(p.salt), minArgonSalt, maxArgonSalt)
	}
	if len(p.key) < minArgonKey || len(p.key) > maxArgonKey {
		return p, hashError(catalogue.HashKeyLen, len(p.key), minArgonKey, maxArgonKey)
	}
	return p, nil
}

func isBcrypt(hash string) bool {
	return strings.HasPrefix(hash, "$2a$") || strings.HasPrefix(hash, "$2b$") || strings.HasPrefix(hash, "$2y$")
}

// validBcrypt checks the format strictly: x/crypto/bcrypt's own parser
// accepts trailing garbage and any cost up to 31 (days per login).
func validBcrypt(hash string) error {
	m := bcryptRE.FindStringSubmatch(hash)
	if m == nil {
		return hashError(catalogue.HashNotBcrypt)
	}
	cost, _ := strconv.Atoi(m[1])
	if cost < bcrypt.MinCost || cost > maxBcryptCost {
		return hashError(catalogue.HashBcryptCost, cost, bcrypt.MinCost, maxBcryptCost)
	}
	return nil
}

// hashError never quotes the hash: it is as sensitive as a password file.
func hashError(t catalogue.T, args ...any) error {
	return invalid("password hash", "", t, args...)
}

func unknownHash(hash string) error {
	if hash == "" {
		return hashError(catalogue.HashEmpty)
	}
	// Name the scheme ("$6$", "$argon2i$") so the operator sees what was
	// imported, without the rest of the hash.
	scheme := "?"
	if strings.HasPrefix(hash, "$") {
		if i := strings.IndexByte(hash[1:], '$'); i >= 0 && i < 20 {
			scheme = hash[:i+2]
		}
	}
	return hashError(catalogue.HashFormat, scheme)
}

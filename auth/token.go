package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
)

// NewToken is a secret of 256 random bits in unpadded base64url (43
// characters): a web session's cookie, an invitation link, an API key.
func NewToken() string {
	var b [32]byte
	rand.Read(b[:]) // never fails (crypto/rand panics rather)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// HashToken is the stored form of a token: its hex SHA-256. A token is
// 256 random bits, so there is nothing to guess and a slow hash would only
// cost every request; whoever reads the database cannot use what it holds.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

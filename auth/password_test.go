package auth

import (
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
)

func bcryptHash(t *testing.T, password string) string {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	return string(h)
}

// argonHash builds a PHC string with the given parameters, as another
// implementation would have written it.
func argonHash(password string, m, tc uint32, p uint8, salt []byte, keyLen uint32) string {
	key := argon2.IDKey([]byte(password), salt, tc, m, p, keyLen)
	return fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=%d$%s$%s", m, tc, p,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

func TestHashPasswordFormat(t *testing.T) {
	h := testHash()
	re := regexp.MustCompile(`^\$argon2id\$v=19\$m=7168,t=5,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)
	if !re.MatchString(h) {
		t.Errorf("HashPassword = %q, want %v", h, re)
	}
	if h2, _ := HashPassword("secret"); h2 == h {
		t.Error("two hashes of one password are equal: the salt is not random")
	}
	if _, err := HashPassword(""); err == nil {
		t.Error("HashPassword(\"\") succeeded")
	}
	// The dummy hash must cost what a real one costs.
	d, err := parseArgon2id(dummyHash)
	if err != nil {
		t.Fatalf("dummyHash: %v", err)
	}
	if d.memory != argonMemory || d.time != argonTime || d.threads != argonThreads || len(d.salt) != argonSaltLen || len(d.key) != argonKeyLen {
		t.Errorf("dummyHash parameters %+v differ from HashPassword's", d)
	}
}

func TestVerifyPassword(t *testing.T) {
	bc := bcryptHash(t, "pw")
	salt := []byte("0123456789abcdef")
	small := argonHash("pw", 64, 1, 2, salt, 16)
	tests := []struct {
		name, hash, password string
		want                 bool
	}{
		{"argon2id ok", testHash(), "secret", true},
		{"argon2id wrong", testHash(), "Secret", false},
		{"argon2id empty", testHash(), "", false},
		{"argon2id other params", small, "pw", true},
		{"argon2id other params wrong", small, "pw2", false},
		{"bcrypt 2a ok", bc, "pw", true},
		{"bcrypt 2a wrong", bc, "pW", false},
		{"bcrypt 2b ok", "$2b$" + bc[4:], "pw", true},
		{"bcrypt 2y ok", "$2y$" + bc[4:], "pw", true},
		{"bcrypt 2y wrong", "$2y$" + bc[4:], "px", false},
	}
	for _, tt := range tests {
		got, err := VerifyPassword(tt.hash, tt.password)
		if err != nil || got != tt.want {
			t.Errorf("%s: VerifyPassword = %v, %v; want %v", tt.name, got, err, tt.want)
		}
	}
	// A padded form of the same hash verifies too.
	padded := regexp.MustCompile(`\$([A-Za-z0-9+/]+)$`).ReplaceAllStringFunc(small, func(s string) string {
		for len(s)%4 != 1 { // "$" plus base64 padded to a multiple of 4
			s += "="
		}
		return s
	})
	if padded == small {
		t.Fatal("test hash needs padding to test padding")
	}
	if ok, err := VerifyPassword(padded, "pw"); !ok || err != nil {
		t.Errorf("padded hash: %v, %v", ok, err)
	}
}

func TestValidHash(t *testing.T) {
	bc := bcryptHash(t, "pw")
	salt := base64.RawStdEncoding.EncodeToString([]byte("0123456789abcdef"))
	key := base64.RawStdEncoding.EncodeToString(make([]byte, 32))
	argon := func(version, params string) string {
		return "$argon2id$" + version + "$" + params + "$" + salt + "$" + key
	}
	tests := []struct {
		hash string
		want string // "" = valid; else part of the message
	}{
		{testHash(), ""},
		{bc, ""},
		{"$2y$" + bc[4:], ""},
		{argon("v=19", "m=65536,t=3,p=4"), ""},
		{argon("v=19", "t=3,p=4,m=65536"), ""}, // any order
		{"", "password hash is empty"},
		{"plaintext", `password hash has unsupported format "?"`},
		{"$6$rounds=5000$salt$hash", `unsupported format "$6$"`},
		{"$argon2i$v=19$m=65536,t=3,p=4$" + salt + "$" + key, `unsupported format "$argon2i$"`},
		{"$1$abc", `unsupported format "$1$"`},
		{argon("v=16", "m=65536,t=3,p=4"), `argon2 version "v=16"`},
		{argon("v=19", "m=65536,t=3"), "lacks one of the argon2 parameters"},
		{argon("v=19", "m=65536,t=3,p=4,keyid=x"), "malformed argon2 parameters"},
		{argon("v=19", "m=65536,t=3,p=4,x=1"), `unsupported argon2 parameter "x"`},
		{argon("v=19", "m=65536,t=3,t=4,p=1"), "malformed"},
		{argon("v=19", "m=4194304,t=3,p=4"), "argon2 memory 4194304 KiB"},
		{argon("v=19", "m=16,t=3,p=4"), "argon2 memory 16 KiB"},
		{argon("v=19", "m=65536,t=0,p=4"), "time cost 0"},
		{argon("v=19", "m=65536,t=1000,p=4"), "time cost 1000"},
		{argon("v=19", "m=65536,t=3,p=0"), "parallelism 0"},
		{argon("v=19", "m=65536,t=3,p=256"), "parallelism 256"},
		{"$argon2id$v=19$m=65536,t=3,p=4$" + salt, "not an argon2id PHC string"},
		{"$argon2id$v=19$m=65536,t=3,p=4$!!$" + key, "salt that is not base64"},
		{"$argon2id$v=19$m=65536,t=3,p=4$" + salt + "$AAAA", "3-byte hash"},
		{"$argon2id$v=19$m=65536,t=3,p=4$AAAA$" + key, "3-byte salt"},
		{bc[:len(bc)-1], "is not a bcrypt hash"},
		{bc + "x", "is not a bcrypt hash"},
		{"$2a$31$" + bc[7:], "bcrypt cost 31"},
		{"$2a$03$" + bc[7:], "bcrypt cost 3"},
	}
	for _, tt := range tests {
		err := ValidHash(tt.hash)
		if tt.want == "" {
			if err != nil {
				t.Errorf("ValidHash(%q) = %v", tt.hash, err)
			}
			continue
		}
		var ve *ValidationError
		if !errors.As(err, &ve) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ValidHash(%q) = %v, want %q", tt.hash, err, tt.want)
			continue
		}
		// VerifyPassword refuses what ValidHash refuses, with an error.
		if ok, err := VerifyPassword(tt.hash, "pw"); ok || err == nil {
			t.Errorf("VerifyPassword(%q) = %v, %v; want an error", tt.hash, ok, err)
		}
		// Never print the hash itself.
		if len(tt.hash) > 20 && strings.Contains(err.Error(), tt.hash[len(tt.hash)-10:]) {
			t.Errorf("ValidHash error quotes the hash: %v", err)
		}
	}
}

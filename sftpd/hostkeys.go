package sftpd

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/crypto/ssh"
)

// loadHostKey reads a host key, generating it on first start so that a
// fresh install works and clients see the same fingerprint on every start
// afterwards. The key type comes from the file name (as SFTPGo's defaults
// id_rsa, id_ecdsa, id_ed25519), ed25519 when it says nothing.
func loadHostKey(path string) (ssh.Signer, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if data, err = generateHostKey(path); err != nil {
			return nil, fmt.Errorf("host key %s: %w", path, err)
		}
	} else if err != nil {
		return nil, fmt.Errorf("host key %s: %w", path, err)
	}
	signer, err := ssh.ParsePrivateKey(data)
	if err != nil {
		return nil, fmt.Errorf("host key %s: %w", path, err)
	}
	return signer, nil
}

func generateHostKey(path string) ([]byte, error) {
	var key crypto.Signer
	var err error
	base := strings.ToLower(filepath.Base(path))
	switch {
	case strings.Contains(base, "rsa"):
		key, err = rsa.GenerateKey(rand.Reader, 3072)
	case strings.Contains(base, "ecdsa"):
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	default:
		_, key, err = ed25519.GenerateKey(rand.Reader)
	}
	if err != nil {
		return nil, err
	}
	block, err := ssh.MarshalPrivateKey(key, "dossierd host key")
	if err != nil {
		return nil, err
	}
	data := pem.EncodeToMemory(block)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	// O_EXCL: two daemons starting together must not overwrite each
	// other's fresh key.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return os.ReadFile(path)
		}
		return nil, err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	return data, nil
}

package ftpd

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// certValidity is long because nobody renews a self-signed certificate:
// users accept its fingerprint once in FileZilla, and a new certificate
// would make every one of them confirm again.
const certValidity = 10 * 365 * 24 * time.Hour

// loadOrCreateCert loads the certificate pair, generating a self-signed
// one when neither file exists, so that FTPS works out of the box and the
// fingerprint users accepted stays the same across restarts. One file
// without the other is an error: generating would silently replace a
// certificate the administrator put there.
func loadOrCreateCert(certFile, keyFile string) (tls.Certificate, error) {
	_, cerr := os.Stat(certFile)
	_, kerr := os.Stat(keyFile)
	switch {
	case errors.Is(cerr, fs.ErrNotExist) && errors.Is(kerr, fs.ErrNotExist):
		if err := generateCert(certFile, keyFile); err != nil {
			return tls.Certificate{}, fmt.Errorf("generating a self-signed certificate at %s: %w", certFile, err)
		}
	case errors.Is(cerr, fs.ErrNotExist):
		return tls.Certificate{}, fmt.Errorf("certificate %s is missing while its key %s exists: restore it, or remove the key to get a new self-signed pair", certFile, keyFile)
	case errors.Is(kerr, fs.ErrNotExist):
		return tls.Certificate{}, fmt.Errorf("certificate key %s is missing while the certificate %s exists: restore it, or remove the certificate to get a new self-signed pair", keyFile, certFile)
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("certificate %s / key %s: %w", certFile, keyFile, err)
	}
	return cert, nil
}

// generateCert writes an ECDSA P-256 self-signed certificate valid for
// 127.0.0.1, ::1, localhost and the machine's host name.
func generateCert(certFile, keyFile string) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return err
	}
	dns := []string{"localhost"}
	cn := "localhost"
	if h, err := os.Hostname(); err == nil && h != "" && !strings.EqualFold(h, "localhost") {
		dns = append(dns, h)
		cn = h
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: cn, Organization: []string{"dossierd (self-signed)"}},
		NotBefore:             now.Add(-time.Hour), // tolerate a client clock slightly behind
		NotAfter:              now.Add(certValidity),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		DNSNames:              dns,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	// The key first: a certificate that is present always has its key.
	if err := writeNew(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return err
	}
	return writeNew(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
}

// writeNew publishes a complete file under name, never over an existing
// one: it is written aside and hard-linked into place, so a daemon starting
// at the same moment either sees the whole file or none.
func writeNew(name string, data []byte, perm os.FileMode) error {
	dir := filepath.Dir(name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".tmp-"+filepath.Base(name)+"-")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Link(tmp.Name(), name)
}

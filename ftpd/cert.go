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
	"sync/atomic"
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

// certPair is the certificate and key files one binding uses.
type certPair struct {
	cert, key string
	own       bool // the binding's own pair, never generated
}

// pairOf is b's certificate pair: its own, else the server's.
func (c *Config) pairOf(b Binding) certPair {
	if b.CertificateFile != "" {
		return certPair{b.CertificateFile, b.CertificateKeyFile, true}
	}
	return certPair{c.CertificateFile, c.CertificateKeyFile, false}
}

// fileStamps tell whether the files of a pair changed since they were
// loaded: size, modification time and identity (a renewal that swaps a
// symlink, as certbot's live/ folder does, changes the file reached).
type fileStamps [2]os.FileInfo

func stampsOf(p certPair) fileStamps {
	var st fileStamps
	for i, name := range []string{p.cert, p.key} {
		if fi, err := os.Stat(name); err == nil {
			st[i] = fi
		}
	}
	return st
}

func (a fileStamps) same(b fileStamps) bool {
	for i := range a {
		x, y := a[i], b[i]
		switch {
		case x == nil || y == nil:
			if x != y {
				return false
			}
		case !os.SameFile(x, y) || x.Size() != y.Size() || !x.ModTime().Equal(y.ModTime()):
			return false
		}
	}
	return true
}

// loadedCert is a pair as loaded, with the stamps of its files just
// before.
type loadedCert struct {
	cert  *tls.Certificate
	stamp fileStamps
}

// loadCert loads p, generating a self-signed pair first when create is set
// and neither file exists (at start only: a reload never replaces a
// certificate with a generated one).
func loadCert(p certPair, create bool) (*loadedCert, error) {
	var cert tls.Certificate
	var err error
	stamp := stampsOf(p)
	if create {
		cert, err = loadOrCreateCert(p.cert, p.key)
		stamp = stampsOf(p)
	} else if cert, err = tls.LoadX509KeyPair(p.cert, p.key); err != nil {
		err = fmt.Errorf("certificate %s / key %s: %w", p.cert, p.key, err)
	}
	if err != nil {
		return nil, err
	}
	return &loadedCert{cert: &cert, stamp: stamp}, nil
}

// bindingCert is the certificate a binding's tls.Config hands out at each
// handshake, replaced by a reload.
type bindingCert struct {
	cur atomic.Pointer[tls.Certificate]
	// Guarded by Server.certMu:
	pair   certPair
	stamp  fileStamps  // of the files cur was loaded from
	failed *fileStamps // of files that failed to load, not retried until they change
}

func (c *bindingCert) get(*tls.ClientHelloInfo) (*tls.Certificate, error) { return c.cur.Load(), nil }

func (c *bindingCert) set(p certPair, lc *loadedCert) {
	c.pair, c.stamp, c.failed = p, lc.stamp, nil
	c.cur.Store(lc.cert)
}

// ReloadCertificates loads the certificate pairs cfg gives the bindings
// (ftpd's and each binding's own; the bindings themselves are the
// running ones, matched by position) and, only if every one loads,
// hands them out from the next TLS handshake on. Connections already
// open keep their TLS sessions, and their data connections resume them.
// A missing file is an error: a reload never generates a certificate.
func (s *Server) ReloadCertificates(cfg Config) error {
	s.certMu.Lock()
	defer s.certMu.Unlock()
	loaded := map[certPair]*loadedCert{}
	pairs := make([]certPair, len(s.bindings))
	var errs []error
	for i, b := range s.bindings {
		pairs[i] = b.cert.pair
		if i < len(cfg.Bindings) {
			pairs[i] = cfg.pairOf(cfg.Bindings[i])
		}
		if _, ok := loaded[pairs[i]]; ok {
			continue
		}
		lc, err := loadCert(pairs[i], false)
		if err != nil {
			errs = append(errs, fmt.Errorf("ftpd: %w", err))
		}
		loaded[pairs[i]] = lc
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	for i, b := range s.bindings {
		b.cert.set(pairs[i], loaded[pairs[i]])
	}
	return nil
}

// CheckCertificates reloads the pairs whose files changed on disk since
// they were loaded (a renewal) and returns their certificate files. A pair
// that fails to load (a renewal half written, a key that does not match)
// keeps the certificate in force; it is tried again, and reported again,
// only once its files change again.
func (s *Server) CheckCertificates() (reloaded []string, err error) {
	s.certMu.Lock()
	defer s.certMu.Unlock()
	done := map[certPair]bool{}
	var errs []error
	for _, b := range s.bindings {
		p := b.cert.pair
		if done[p] {
			continue
		}
		done[p] = true
		now := stampsOf(p)
		if now.same(b.cert.stamp) || b.cert.failed != nil && now.same(*b.cert.failed) {
			continue
		}
		lc, lerr := loadCert(p, false)
		for _, o := range s.bindings {
			if o.cert.pair != p {
				continue
			}
			if lerr != nil {
				o.cert.failed = &now
			} else {
				o.cert.set(p, lc)
			}
		}
		if lerr != nil {
			errs = append(errs, fmt.Errorf("ftpd: %w", lerr))
			continue
		}
		reloaded = append(reloaded, p.cert)
	}
	return reloaded, errors.Join(errs...)
}

// LoadOrCreateCertificate is loadOrCreateCert for the web front-end, which
// serves the same generated certificate as FTPS (one fingerprint for users
// to check).
func LoadOrCreateCertificate(certFile, keyFile string) (tls.Certificate, error) {
	return loadOrCreateCert(certFile, keyFile)
}

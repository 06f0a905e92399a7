package daemon

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"strings"
)

// CertificateFingerprint is the SHA-256 fingerprint of the first
// certificate in a PEM file, as FileZilla shows it in its certificate
// dialog ("Fingerprint (SHA-256)": lowercase hex bytes separated by
// colons, libfilezilla's bin2hex), so users can compare it with the log.
func CertificateFingerprint(certFile string) (string, error) {
	data, err := os.ReadFile(certFile)
	if err != nil {
		return "", err
	}
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			return "", fmt.Errorf("%s: no certificate", certFile)
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		if _, err := x509.ParseCertificate(block.Bytes); err != nil {
			return "", fmt.Errorf("%s: %w", certFile, err)
		}
		sum := sha256.Sum256(block.Bytes)
		hex := make([]string, len(sum))
		for i, b := range sum {
			hex[i] = fmt.Sprintf("%02x", b)
		}
		return strings.Join(hex, ":"), nil
	}
}

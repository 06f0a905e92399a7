package daemon_test

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"os"
	"os/exec"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/dossierd/dossierd/scenario"
)

// TestFingerprintsLogged: at start, the log gives each host key's SHA256
// fingerprint as FileZilla and ssh-keygen -lf show it, and the FTPS
// certificate's SHA-256 fingerprint as FileZilla's certificate dialog
// shows it (lowercase hex, colon separated).
func TestFingerprintsLogged(t *testing.T) {
	rec := &scenario.Records{}
	env := scenario.StartLogging(t, nil, rec)

	keys := rec.Find("host key")
	if len(keys) != len(env.Config.SFTPD.HostKeys) || len(keys) == 0 {
		t.Fatalf("host key records: %v, want one per key of %v", keys, env.Config.SFTPD.HostKeys)
	}
	for i, file := range env.Config.SFTPD.HostKeys {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		signer, err := ssh.ParsePrivateKey(data)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(signer.PublicKey().Marshal())
		want := "SHA256:" + base64.RawStdEncoding.EncodeToString(sum[:])
		if keys[i]["fingerprint"] != want || keys[i]["file"] != file {
			t.Errorf("host key record %v, want fingerprint %s for %s", keys[i], want, file)
		}
		if _, err := exec.LookPath("ssh-keygen"); err == nil {
			out, err := exec.Command("ssh-keygen", "-lf", file).CombinedOutput()
			if err != nil || !strings.Contains(string(out), " "+want+" ") {
				t.Errorf("ssh-keygen -lf %s: %s (%v), want %s", file, out, err, want)
			}
		}
	}

	certs := rec.Find("FTPS certificate")
	if len(certs) != 1 {
		t.Fatalf("FTPS certificate records: %v, want one", certs)
	}
	data, err := os.ReadFile(env.Config.FTPD.CertificateFile)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		t.Fatal("no PEM block in the certificate file")
	}
	if _, err := x509.ParseCertificate(block.Bytes); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(block.Bytes)
	h := hex.EncodeToString(sum[:])
	var pairs []string
	for i := 0; i < len(h); i += 2 {
		pairs = append(pairs, h[i:i+2])
	}
	if want := strings.Join(pairs, ":"); certs[0]["fingerprint_sha256"] != want {
		t.Errorf("FTPS certificate record %v, want fingerprint_sha256 %s", certs[0], want)
	}
}

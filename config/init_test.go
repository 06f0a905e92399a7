package config

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestSystemdExample checks that init/sftpgo.json, the configuration the
// unit runs with, loads, and puts everything dossierd writes under the
// unit's ReadWritePaths (ProtectSystem=strict makes the rest read-only).
func TestSystemdExample(t *testing.T) {
	unit, err := os.ReadFile("../init/dossierd.service")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^ReadWritePaths=(\S+)$`).FindSubmatch(unit)
	if m == nil {
		t.Fatal("no ReadWritePaths in init/dossierd.service")
	}
	writable := string(m[1]) + "/"
	c := mustLoad(t, "../init/sftpgo.json")
	paths := append([]string{c.DataProvider.Name, c.Storage.Root, c.FTPD.CertificateFile, c.FTPD.CertificateKeyFile}, c.SFTPD.HostKeys...)
	for _, p := range paths {
		if !strings.HasPrefix(p, writable) {
			t.Errorf("%s is outside %s", p, writable)
		}
	}
}

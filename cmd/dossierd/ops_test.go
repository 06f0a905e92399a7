package main

import (
	"bytes"
	"encoding/json"
	"runtime"
	"strings"
	"testing"

	"github.com/dossierd/dossierd/config"
)

func TestVersion(t *testing.T) {
	out, err := importCLI(t, "version")
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if err != nil || len(lines) != 3 || !strings.HasPrefix(lines[0], "dossierd ") ||
		!strings.HasPrefix(lines[1], "commit ") || lines[2] != "go "+runtime.Version() {
		t.Errorf("version: %q, %v", out, err)
	}
}

func TestLogger(t *testing.T) {
	var buf bytes.Buffer
	log := newLogger(&buf, config.Log{Format: "json", Level: "warn"})
	log.Info("hidden")
	log.Warn("shown", "conn", 7)
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil || line["msg"] != "shown" || line["conn"] != 7.0 {
		t.Errorf("json log at warn: %q, %v", buf.String(), err)
	}
	buf.Reset()
	log = newLogger(&buf, config.Log{Format: "text", Level: "debug"})
	log.Debug("detail", "login", "acme")
	if !strings.Contains(buf.String(), "level=DEBUG msg=detail login=acme") {
		t.Errorf("text log at debug: %q", buf.String())
	}
}

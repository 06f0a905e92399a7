package daemon

import (
	"reflect"
	"strings"
	"testing"

	"github.com/dossierd/dossierd/config"
)

// TestSettingsCoverEveryKey: every key of the configuration is in
// Settings, live or not, so that README's list is the whole story.
func TestSettingsCoverEveryKey(t *testing.T) {
	var keys []string
	var walk func(prefix string, ty reflect.Type)
	walk = func(prefix string, ty reflect.Type) {
		switch ty.Kind() {
		case reflect.Struct:
			for f := range ty.Fields() {
				name, _, _ := strings.Cut(f.Tag.Get("mapstructure"), ",")
				if name == "" || name == "-" {
					continue
				}
				if prefix != "" {
					name = prefix + "." + name
				}
				walk(name, f.Type)
			}
		case reflect.Slice:
			if ty.Elem().Kind() == reflect.Struct {
				walk(prefix+"[0]", ty.Elem())
				return
			}
			keys = append(keys, prefix)
		default:
			keys = append(keys, prefix)
		}
	}
	walk("", reflect.TypeFor[config.Config]())
	if len(keys) < 40 {
		t.Fatalf("only %d keys found: %v", len(keys), keys)
	}
	for _, k := range keys {
		if _, ok := lookup(k); !ok {
			t.Errorf("%s: not in Settings", k)
		}
	}
	for k, want := range map[string]bool{
		"ftpd.bindings[1].port": false, "ftpd.bindings[1].certificate_file": true, "ftpd.certificate_key_file": true,
		"sftpd.host_keys": false, "sftpd.max_channels": true, "tree.labels.personal": true, "storage.shared_folder": false,
		"common.defender.safelist": true, "common.language": false, "log.level": true, "log.format": false,
	} {
		if Live(k) != want {
			t.Errorf("Live(%s) = %v", k, !want)
		}
	}
}

func TestChanged(t *testing.T) {
	a := config.Default(t.TempDir())
	b := *a
	b.FTPD.Bindings = append([]config.FTPBinding{}, a.FTPD.Bindings...)
	b.FTPD.Bindings[0].Port = 21
	b.Tree.Labels.Personal = "X"
	b.Common.Roles = map[string]map[string]int{"client": {"max_sessions": 2}}
	b.SFTPD.Bindings = nil
	got := strings.Join(Changed(a, &b), " ")
	if want := "common.roles sftpd.bindings ftpd.bindings[0].port tree.labels.personal"; got != want {
		t.Errorf("Changed = %q, want %q", got, want)
	}
}

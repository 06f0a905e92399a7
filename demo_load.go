package dossierd

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path"

	"github.com/dossierd/dossierd/auth"
	"github.com/dossierd/dossierd/tmsimport"
)

// DemoLogin is one demo account with its clear password, to print.
type DemoLogin struct {
	Login    string `json:"login"`
	Password string `json:"password"`
	Role     string `json:"role"`
	Name     string `json:"name"`
}

// LoadDemo loads the demo directory into store through the TMS importer
// (the demo file is in the import's JSON shape), then copies the sample
// files into the storage root. It is idempotent: an unchanged demo
// directory writes nothing, files already there are left alone.
func LoadDemo(ctx context.Context, store *auth.Store, storageRoot string) ([]DemoLogin, error) {
	data, err := Demo.ReadFile("testdata/demo/directory.json")
	if err != nil {
		return nil, err
	}
	var d struct {
		Accounts []DemoLogin `json:"accounts"`
	}
	if err := json.Unmarshal(data, &d); err != nil {
		return nil, fmt.Errorf("demo directory: %w", err)
	}
	if _, err := tmsimport.ReadJSON("testdata/demo/directory.json", data).Apply(ctx, store, auth.ApplyOptions{}); err != nil {
		return nil, fmt.Errorf("demo directory: %w", err)
	}
	return d.Accounts, copyDemoFiles(storageRoot)
}

func copyDemoFiles(storageRoot string) error {
	root, err := os.OpenRoot(storageRoot)
	if err != nil {
		return err
	}
	defer root.Close()
	const base = "testdata/demo/storage"
	return fs.WalkDir(Demo, base, func(p string, e fs.DirEntry, err error) error {
		if err != nil || p == base {
			return err
		}
		rel := p[len(base)+1:]
		if e.IsDir() {
			return root.MkdirAll(rel, 0o755)
		}
		if _, err := root.Stat(rel); err == nil {
			return nil
		}
		data, err := Demo.ReadFile(p)
		if err != nil {
			return err
		}
		if err := root.MkdirAll(path.Dir(rel), 0o755); err != nil {
			return err
		}
		return root.WriteFile(rel, data, 0o644)
	})
}

package demo

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

// Login is one demo account with its clear password, to print.
type Login struct {
	Login    string `json:"login"`
	Password string `json:"password"`
	Role     string `json:"role"`
	Name     string `json:"name"`
}

// Load loads the demo directory into store through the TMS importer
// (the demo file is in the import's JSON shape), then copies the sample
// files into the storage root. It is idempotent: an unchanged demo
// directory writes nothing, files already there are left alone.
func Load(ctx context.Context, store *auth.Store, storageRoot string) ([]Login, error) {
	dir := Directory()
	var d struct {
		Accounts []Login `json:"accounts"`
	}
	if err := json.Unmarshal(dir, &d); err != nil {
		return nil, fmt.Errorf("demo directory: %w", err)
	}
	if _, err := tmsimport.ReadJSON(directoryFile, dir).Apply(ctx, store, auth.ApplyOptions{}); err != nil {
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
	return fs.WalkDir(data, storageDir, func(p string, e fs.DirEntry, err error) error {
		if err != nil || p == storageDir {
			return err
		}
		rel := p[len(storageDir)+1:]
		if e.IsDir() {
			return root.MkdirAll(rel, 0o755)
		}
		if _, err := root.Stat(rel); err == nil {
			return nil
		}
		b, err := data.ReadFile(p)
		if err != nil {
			return err
		}
		if err := root.MkdirAll(path.Dir(rel), 0o755); err != nil {
			return err
		}
		return root.WriteFile(rel, b, 0o644)
	})
}

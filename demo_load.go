package dossierd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"

	"github.com/dossierd/dossierd/auth"
)

// DemoLogin is one demo account with its clear password, to print.
type DemoLogin struct {
	Login, Password, Role, Name string
}

type demoDirectory struct {
	Accounts []struct {
		Login    string `json:"login"`
		Role     string `json:"role"`
		Ref      string `json:"ref"`
		Name     string `json:"name"`
		Password string `json:"password"`
	} `json:"accounts"`
	Sessions []struct {
		Code     string `json:"code"`
		Title    string `json:"title"`
		StartsOn string `json:"starts_on"`
		EndsOn   string `json:"ends_on"`
		Folder   string `json:"folder"`
	} `json:"sessions"`
	Enrollments []struct {
		Session string `json:"session"`
		Role    string `json:"role"`
		Ref     string `json:"ref"`
	} `json:"enrollments"`
}

// LoadDemo loads the demo directory into store and copies the sample files
// into the storage root, idempotently: accounts get their demo password
// back, files already there are left alone.
func LoadDemo(ctx context.Context, store *auth.Store, storageRoot string) ([]DemoLogin, error) {
	data, err := Demo.ReadFile("testdata/demo/directory.json")
	if err != nil {
		return nil, err
	}
	var d demoDirectory
	if err := json.Unmarshal(data, &d); err != nil {
		return nil, fmt.Errorf("demo directory: %w", err)
	}
	var logins []DemoLogin
	for _, a := range d.Accounts {
		acct := auth.Account{Login: a.Login, Role: a.Role, Ref: a.Ref, Name: a.Name}
		if _, err := store.AddAccount(ctx, acct, a.Password); errors.Is(err, auth.ErrExists) {
			if err := store.UpdateAccount(ctx, withHash(ctx, store, acct)); err != nil {
				return nil, fmt.Errorf("demo account %s: %w", a.Login, err)
			}
			err = store.SetPassword(ctx, a.Login, a.Password)
			if err != nil {
				return nil, fmt.Errorf("demo account %s: %w", a.Login, err)
			}
		} else if err != nil {
			return nil, fmt.Errorf("demo account %s: %w", a.Login, err)
		}
		logins = append(logins, DemoLogin{Login: a.Login, Password: a.Password, Role: a.Role, Name: a.Name})
	}
	for _, s := range d.Sessions {
		sess := auth.Session{Code: s.Code, Title: s.Title, StartsOn: s.StartsOn, EndsOn: s.EndsOn, Folder: s.Folder}
		if err := store.AddSession(ctx, sess); errors.Is(err, auth.ErrExists) {
			err = store.UpdateSession(ctx, sess)
			if err != nil {
				return nil, fmt.Errorf("demo session %s: %w", s.Code, err)
			}
		} else if err != nil {
			return nil, fmt.Errorf("demo session %s: %w", s.Code, err)
		}
	}
	for _, e := range d.Enrollments {
		if err := store.Enroll(ctx, auth.Enrollment{Session: e.Session, Role: e.Role, Ref: e.Ref}); err != nil {
			return nil, fmt.Errorf("demo enrollment: %w", err)
		}
	}
	return logins, copyDemoFiles(storageRoot)
}

// withHash keeps the stored credentials of an account being updated.
func withHash(ctx context.Context, store *auth.Store, a auth.Account) auth.Account {
	if old, err := store.Account(ctx, a.Login); err == nil {
		a.PasswordHash, a.PublicKeys, a.ExpiresAt = old.PasswordHash, old.PublicKeys, old.ExpiresAt
	}
	return a
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

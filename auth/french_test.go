package auth

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/dossierd/dossierd/catalogue"
	"github.com/dossierd/dossierd/domain"
)

// inFrench runs the rest of a test in French, the default language, and
// goes back to the English the other tests check.
func inFrench(t *testing.T) {
	catalogue.Set(catalogue.French)
	t.Cleanup(func() { catalogue.Set(catalogue.English) })
}

// TestRefusalsInFrench: the directory's refusals back-office staff meet
// most, as they read them by default; the sentinels still compare.
func TestRefusalsInFrench(t *testing.T) {
	inFrench(t)
	ctx := context.Background()
	s := newStore(t, Options{CheckName: func(n string) error {
		if n == "C l'été" {
			return errors.New(`nom "C l'été" refusé : le caractère "'" n'est pas autorisé`)
		}
		return nil
	}})
	mustAddAccount(t, s, "acme", domain.RoleClient, "C0042")
	for _, tt := range []struct {
		err      error
		sentinel error
		want     string
	}{
		{func() error {
			_, err := s.AddAccount(ctx, Account{Login: "ACME", Role: domain.RoleClient, Ref: "C1"}, "")
			return err
		}(),
			ErrExists, `le compte "ACME" existe déjà (sous la forme "acme")`},
		{s.DeleteAccount(ctx, "nobody"), ErrNotFound, `le compte "nobody" n'existe pas`},
		{s.DeleteSession(ctx, "S2099"), ErrNotFound, `la session "S2099" n'existe pas`},
		{s.Enroll(ctx, Enrollment{"S2099", domain.RoleClient, "C0042", ""}), ErrNotFound, `la session "S2099" n'existe pas`},
		{Account{Login: "dis", Disabled: true}.Usable(s.now()), ErrDisabled, `le compte "dis" est désactivé`},
		{ValidateLogin("jean dupont"), nil, `identifiant "jean dupont" : le caractère ' ' n'est pas autorisé (autorisés : lettres sans accent, chiffres, '.', '_', '-', '@')`},
		{func() error {
			_, err := s.AddAccount(ctx, Account{Login: "bob", Role: "teacher", Ref: "X"}, "")
			return err
		}(),
			nil, `rôle "teacher" : inconnu (rôles possibles : client, trainee, trainer, staff)`},
		{func() error {
			_, err := s.AddAccount(ctx, Account{Login: "eve", Role: domain.RoleClient, Ref: "C l'été"}, "")
			return err
		}(),
			nil, `référence "C l'été" : nom "C l'été" refusé : le caractère "'" n'est pas autorisé`},
		{func() error {
			_, err := s.AddAccount(ctx, Account{Login: "eve", Role: domain.RoleClient}, "")
			return err
		}(),
			nil, `référence : obligatoire pour un compte client`},
		{s.AddSession(ctx, Session{Code: "S1", StartsOn: "02/03/2026"}), nil, `date de début "02/03/2026" : n'est pas une date de la forme AAAA-MM-JJ`},
		{func() error { _, err := s.Authenticate(ctx, "nobody", "wrong"); return err }(), ErrInvalidCredentials, "identifiant ou mot de passe invalide"},
	} {
		if tt.err == nil || tt.err.Error() != tt.want {
			t.Errorf("%v, want %q", tt.err, tt.want)
		}
		if tt.sentinel != nil && !errors.Is(tt.err, tt.sentinel) {
			t.Errorf("%v is not %v", tt.err, tt.sentinel)
		}
	}
	file := filepath.Join(t.TempDir(), "copie.db")
	if err := s.Backup(ctx, file, false); err != nil {
		t.Fatal(err)
	}
	if err := s.Backup(ctx, file, false); !errors.Is(err, ErrBackupExists) || err.Error() != file+" existe déjà (utilisez --force pour le remplacer)" {
		t.Errorf("backup over a file: %v", err)
	}
}

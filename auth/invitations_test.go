package auth

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dossierd/dossierd/domain"
)

func TestInvitations(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, Options{})
	mustAddAccount(t, s, "jdupont", domain.RoleTrainee, "T1")
	mustAddAccount(t, s, "boss", domain.RoleStaff, "")

	tok, exp, err := s.CreateInvitation(ctx, "JDupont", 72*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if raw, err := base64.RawURLEncoding.DecodeString(tok); err != nil || len(raw) != 32 {
		t.Errorf("token %q: %d bytes, %v; want 256 bits of base64url", tok, len(raw), err)
	}
	if d := time.Until(exp); d < 71*time.Hour || d > 72*time.Hour {
		t.Errorf("expires in %v", d)
	}
	// Only the hash is stored.
	var n int
	if err := s.DB().QueryRow(`SELECT count(*) FROM invitations WHERE token_hash = ?`, HashToken(tok)).Scan(&n); err != nil || n != 1 {
		t.Fatalf("stored rows for the hash: %d, %v", n, err)
	}
	if err := s.DB().QueryRow(`SELECT count(*) FROM invitations WHERE token_hash = ?`, tok).Scan(&n); err != nil || n != 0 {
		t.Errorf("the token itself is stored")
	}
	a, err := s.CheckInvitation(ctx, tok)
	if err != nil || a.Login != "jdupont" {
		t.Fatalf("CheckInvitation = %q, %v", a.Login, err)
	}

	gen := generation(t, s)
	a, err = s.RedeemInvitation(ctx, tok, "a long new password")
	if err != nil || a.Login != "jdupont" {
		t.Fatalf("RedeemInvitation = %q, %v", a.Login, err)
	}
	if generation(t, s) == gen {
		t.Error("redeeming did not bump the generation (open connections would stay)")
	}
	if _, err := s.Authenticate(ctx, "jdupont", "a long new password"); err != nil {
		t.Errorf("the chosen password does not log in: %v", err)
	}
	for _, f := range []func() error{
		func() error { _, err := s.CheckInvitation(ctx, tok); return err },
		func() error { _, err := s.RedeemInvitation(ctx, tok, "another one"); return err },
	} {
		if err := f(); !errors.Is(err, ErrInvitationUsed) || !strings.Contains(err.Error(), "already been used") {
			t.Errorf("used link: %v", err)
		}
	}
	if _, err := s.Authenticate(ctx, "jdupont", "another one"); err == nil {
		t.Error("a used link set a password again")
	}

	// Unknown links, whatever their shape.
	for _, tok := range []string{"", "x", strings.Repeat("A", 43), tok + "x"} {
		if _, err := s.CheckInvitation(ctx, tok); !errors.Is(err, ErrInvitationUnknown) || !strings.Contains(err.Error(), "not valid") {
			t.Errorf("CheckInvitation(%q): %v", tok, err)
		}
		if _, err := s.RedeemInvitation(ctx, tok, "pw"); !errors.Is(err, ErrInvitationUnknown) {
			t.Errorf("RedeemInvitation(%q): %v", tok, err)
		}
	}

	// A newer link replaces the older ones, used ones aside.
	old1, _, _ := s.CreateInvitation(ctx, "jdupont", time.Hour)
	old2, _, _ := s.CreateInvitation(ctx, "jdupont", time.Hour)
	newest, _, err := s.CreateInvitation(ctx, "jdupont", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	for _, old := range []string{old1, old2} {
		if _, err := s.CheckInvitation(ctx, old); !errors.Is(err, ErrInvitationReplaced) || !strings.Contains(err.Error(), "newer link") {
			t.Errorf("older link: %v", err)
		}
	}
	if _, err := s.CheckInvitation(ctx, tok); !errors.Is(err, ErrInvitationUsed) {
		t.Errorf("used link after a new one: %v", err)
	}
	// Links of other accounts are not touched; staff may be invited.
	bossTok, _, err := s.CreateInvitation(ctx, "boss", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CheckInvitation(ctx, newest); err != nil {
		t.Errorf("another account's new link replaced this one: %v", err)
	}

	// Expiry, with the clock moved.
	now := time.Now()
	s.now = func() time.Time { return now.Add(time.Hour) }
	_, err = s.CheckInvitation(ctx, newest)
	if !errors.Is(err, ErrInvitationExpired) || !strings.Contains(err.Error(), "expired on "+now.Add(time.Hour).Local().Format("2006-01-02")) || !strings.Contains(err.Error(), "ask for a new link") {
		t.Errorf("expired link: %v", err)
	}
	if _, err := s.RedeemInvitation(ctx, bossTok, "pw pw pw"); !errors.Is(err, ErrInvitationExpired) {
		t.Errorf("redeeming an expired link: %v", err)
	}
	s.now = time.Now

	// Unknown, disabled and expired accounts get no link; a link made
	// before the account was disabled stops working.
	if _, _, err := s.CreateInvitation(ctx, "nobody", time.Hour); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown login: %v", err)
	}
	live, _, _ := s.CreateInvitation(ctx, "jdupont", time.Hour)
	if err := s.SetDisabled(ctx, "jdupont", true); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.CreateInvitation(ctx, "jdupont", time.Hour); !errors.Is(err, ErrDisabled) {
		t.Errorf("disabled account: %v", err)
	}
	if _, err := s.CheckInvitation(ctx, live); !errors.Is(err, ErrDisabled) {
		t.Errorf("link of a disabled account: %v", err)
	}
	if _, err := s.RedeemInvitation(ctx, live, "pw pw pw"); !errors.Is(err, ErrDisabled) {
		t.Errorf("redeeming the link of a disabled account: %v", err)
	}
	exp2 := mustAddAccount(t, s, "old", domain.RoleTrainee, "T2")
	exp2.ExpiresAt = "2020-01-01"
	if err := s.UpdateAccount(ctx, exp2); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.CreateInvitation(ctx, "old", time.Hour); !errors.Is(err, ErrExpired) {
		t.Errorf("expired account: %v", err)
	}
	if _, _, err := s.CreateInvitation(ctx, "boss", 0); err == nil {
		t.Error("a zero lifetime was accepted")
	}

	// A link does not survive its account, even when the login comes back.
	if err := s.SetDisabled(ctx, "jdupont", false); err != nil {
		t.Fatal(err)
	}
	live, _, _ = s.CreateInvitation(ctx, "jdupont", time.Hour)
	if err := s.DeleteAccount(ctx, "jdupont"); err != nil {
		t.Fatal(err)
	}
	mustAddAccount(t, s, "jdupont", domain.RoleTrainee, "T9")
	if _, err := s.CheckInvitation(ctx, live); !errors.Is(err, ErrInvitationUnknown) {
		t.Errorf("link of a deleted account, login reused: %v", err)
	}
}

// TestInvitationRedeemedOnce: many requests with the same link at once,
// as a double click or a replayed request makes: exactly one sets the
// password.
func TestInvitationRedeemedOnce(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, Options{})
	mustAddAccount(t, s, "jdupont", domain.RoleTrainee, "T1")
	tok, _, err := s.CreateInvitation(ctx, "jdupont", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			_, errs[i] = s.RedeemInvitation(ctx, tok, "password number "+string(rune('a'+i)))
		})
	}
	wg.Wait()
	won := -1
	for i, err := range errs {
		switch {
		case err == nil && won >= 0:
			t.Errorf("requests %d and %d both succeeded", won, i)
		case err == nil:
			won = i
		case !errors.Is(err, ErrInvitationUsed):
			t.Errorf("request %d: %v", i, err)
		}
	}
	if won < 0 {
		t.Fatal("no request succeeded")
	}
	if _, err := s.Authenticate(ctx, "jdupont", "password number "+string(rune('a'+won))); err != nil {
		t.Errorf("the winner's password does not log in: %v", err)
	}
}

func TestOldInvitationsPruned(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, Options{})
	mustAddAccount(t, s, "a", domain.RoleStaff, "")
	old, _, _ := s.CreateInvitation(ctx, "a", time.Hour)
	now := time.Now()
	s.now = func() time.Time { return now.Add(invitationKeep + 2*time.Hour) }
	if _, _, err := s.CreateInvitation(ctx, "a", time.Hour); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := s.DB().QueryRow(`SELECT count(*) FROM invitations WHERE token_hash = ?`, HashToken(old)).Scan(&n); err != nil || n != 0 {
		t.Errorf("a link expired long ago is still stored (%d, %v)", n, err)
	}
}

// TestInvitationSentencesInFrench: what the person who opens a dead link
// reads by default.
func TestInvitationSentencesInFrench(t *testing.T) {
	inFrench(t)
	ctx := context.Background()
	s := newStore(t, Options{})
	mustAddAccount(t, s, "jdupont", domain.RoleTrainee, "T1")
	old, _, _ := s.CreateInvitation(ctx, "jdupont", time.Hour)
	tok, exp, _ := s.CreateInvitation(ctx, "jdupont", time.Hour)
	check := func(tok, want string) {
		t.Helper()
		if _, err := s.CheckInvitation(ctx, tok); err == nil || err.Error() != want {
			t.Errorf("%v, want %q", err, want)
		}
	}
	check("nope", "Ce lien n'est pas valable. Vérifiez que vous avez ouvert l'adresse entière reçue par courriel ; sinon, demandez un nouveau lien à votre organisme de formation.")
	check(old, "Un lien plus récent vous a été envoyé : celui-ci ne sert plus. Ouvrez le dernier lien reçu.")
	now := time.Now()
	s.now = func() time.Time { return now.Add(2 * time.Hour) }
	check(tok, "Ce lien a expiré le "+exp.Local().Format("02/01/2006 à 15:04")+" ; demandez un nouveau lien (« Mot de passe oublié » sur la page de connexion, ou votre organisme de formation).")
	s.now = time.Now
	if _, err := s.RedeemInvitation(ctx, tok, "un mot de passe assez long"); err != nil {
		t.Fatal(err)
	}
	check(tok, "Ce lien a déjà servi : un mot de passe a été choisi avec lui. Connectez-vous avec ce mot de passe ; si vous l'avez oublié, demandez un nouveau lien.")
}

package httpd

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/dossierd/dossierd/auth"
	"github.com/dossierd/dossierd/catalogue"
	"github.com/dossierd/dossierd/config"
)

// resetLifetime is how long a "mot de passe oublié" link lasts: shorter
// than an invitation, since the person asked for it a moment ago.
const resetLifetime = 24 * time.Hour

// resetEvery bounds the reset mails of one login: a stranger typing
// someone's login in a loop must not fill their mailbox.
const resetEvery = 10 * time.Minute

// accountRoutes are the pages reached without a session: the invitation
// link and "mot de passe oublié".
func (s *Server) accountRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET "+config.InvitationPath+"{token}", s.invitationPage)
	mux.HandleFunc("POST "+config.InvitationPath+"{token}", s.invitationPost)
	mux.HandleFunc("GET /forgot", s.forgotPage)
	mux.HandleFunc("POST /forgot", s.forgotPost)
}

func (s *Server) invitationForm(token string, a auth.Account) passwordForm {
	who := a.Name
	if who == "" {
		who = a.Login
	}
	return passwordForm{Action: config.InvitationPath + token, Login: a.Login, For: who, Min: s.cfg.PasswordMinLength}
}

// invitationRefused says in words why a link cannot serve (used, expired,
// replaced, unknown, account disabled), with the link to log in.
func (s *Server) invitationRefused(w http.ResponseWriter, err error) {
	msg := catalogue.W("error")
	switch {
	case errors.Is(err, auth.ErrInvitationUnknown), errors.Is(err, auth.ErrInvitationUsed),
		errors.Is(err, auth.ErrInvitationExpired), errors.Is(err, auth.ErrInvitationReplaced),
		errors.Is(err, auth.ErrDisabled), errors.Is(err, auth.ErrExpired), errors.Is(err, auth.ErrNotFound):
		msg = err.Error()
	default:
		s.log.Error("invitation not read", "err", err)
	}
	s.message(w, http.StatusGone, view{Heading: catalogue.W("invite.heading"), Error: msg}, "/login")
}

func (s *Server) invitationPage(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	a, err := s.store.CheckInvitation(r.Context(), token)
	if err != nil {
		s.invitationRefused(w, err)
		return
	}
	s.render(w, http.StatusOK, "password", view{Heading: catalogue.W("invite.heading"), Data: s.invitationForm(token, a)})
}

// invitationPost sets the password chosen with the link, once: the store
// marks the link used in the same transaction.
func (s *Server) invitationPost(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	a, err := s.store.CheckInvitation(r.Context(), token)
	if err != nil {
		s.invitationRefused(w, err)
		return
	}
	pw := r.PostFormValue("new")
	if msg := s.checkNewPassword(a.Login, pw, r.PostFormValue("confirm")); msg != "" {
		s.render(w, http.StatusUnprocessableEntity, "password", view{Heading: catalogue.W("invite.heading"), Error: msg, Data: s.invitationForm(token, a)})
		return
	}
	if a, err = s.store.RedeemInvitation(r.Context(), token, pw); err != nil {
		s.invitationRefused(w, err)
		return
	}
	s.log.Info("password chosen with an invitation link", "login", a.Login, "remote", remote(r))
	s.endSessionsOf(a.Login, "")
	s.render(w, http.StatusOK, "login", view{Heading: catalogue.W("login.heading"), Flash: catalogue.W("invite.done"),
		Data: loginData{Login: a.Login, Forgot: s.mailer() != nil}})
}

func (s *Server) forgotPage(w http.ResponseWriter, r *http.Request) {
	if s.mailer() == nil {
		s.notFound(w, r, nil)
		return
	}
	s.render(w, http.StatusOK, "forgot", view{Heading: catalogue.W("forgot.heading")})
}

// resetLog remembers when each login was last sent a reset link.
type resetLog struct {
	sync.Mutex
	last map[string]time.Time
}

// forgotPost answers the same whatever the login: the page never tells
// whether an account exists, has an email, or was sent a link. The work
// happens after the answer, so its time tells nothing either.
func (s *Server) forgotPost(w http.ResponseWriter, r *http.Request) {
	m := s.mailer()
	if m == nil {
		s.notFound(w, r, nil)
		return
	}
	login := strings.TrimSpace(r.PostFormValue("login"))
	if login != "" && len(login) <= 128 {
		s.wg.Go(func() { s.sendReset(m, login) })
	}
	s.message(w, http.StatusOK, view{Heading: catalogue.W("forgot.heading"), Flash: catalogue.W("forgot.sent", int(resetLifetime.Hours()))}, "/login")
}

func (s *Server) sendReset(m Mailer, login string) {
	ctx, cancel := context.WithTimeout(s.background, time.Minute)
	defer cancel()
	a, err := s.store.Account(ctx, login)
	if err != nil || a.Email == "" || a.Usable(time.Now()) != nil {
		return
	}
	s.resets.Lock()
	if s.resets.last == nil {
		s.resets.last = map[string]time.Time{}
	}
	if time.Since(s.resets.last[a.Login]) < resetEvery {
		s.resets.Unlock()
		return
	}
	s.resets.last[a.Login] = time.Now()
	s.resets.Unlock()
	token, expires, err := s.store.CreateResetLink(ctx, a.Login, resetLifetime)
	if err == nil {
		err = m.SendInvitation(ctx, a.Email, a.Name, config.InvitationURL(s.cfg.LinkBase, token), expires, true)
	}
	if err != nil {
		s.log.Error("password reset link not sent", "login", a.Login, "err", err)
		return
	}
	s.log.Info("password reset link sent", "login", a.Login)
}

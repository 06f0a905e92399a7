package httpd

import (
	"net/http"
	"strings"
	"time"

	"github.com/dossierd/dossierd/auth"
	"github.com/dossierd/dossierd/catalogue"
	"github.com/dossierd/dossierd/domain"
	"github.com/dossierd/dossierd/service"
)

// mailer is the relay, when one is configured.
func (s *Server) mailer() Mailer {
	if s.cfg.Mailer == nil || !s.cfg.Mailer.Configured() {
		return nil
	}
	return s.cfg.Mailer
}

type sessionView struct {
	Code, Title, Dates, URL string
	ShowPeople              bool
	PeopleHeading           string
	People                  []auth.Participant
}

// day shows a "YYYY-MM-DD" of the directory as the pages write dates.
func day(s string) string {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return s
	}
	return t.Format(strings.Fields(catalogue.W("date.format"))[0])
}

func dates(from, to string) string {
	switch {
	case from != "" && to != "":
		return catalogue.W("sessions.dates", day(from), day(to))
	case from != "":
		return catalogue.W("sessions.from", day(from))
	case to != "":
		return catalogue.W("sessions.until", day(to))
	}
	return ""
}

// sessionsPage is "Mes sessions": the sessions the login takes part in,
// from the directory, each with a link to its folder; a client sees the
// participants it sent, a trainer every participant, a trainee none.
func (s *Server) sessionsPage(w http.ResponseWriter, r *http.Request, ws *webSession, c *service.Conn) {
	a := c.Account()
	v := s.base(ws, c, s.cfg.Labels.MySessions, "sessions")
	if a.Role == domain.RoleStaff {
		http.Redirect(w, r, "/files/", http.StatusSeeOther)
		return
	}
	list, err := s.store.SessionsOf(r.Context(), a.Role, a.Ref)
	if err != nil {
		s.log.Error("sessions not read", "login", a.Login, "err", err)
		s.message(w, http.StatusInternalServerError, view{Heading: catalogue.W("error")}, "/")
		return
	}
	// A trainer reads which company sent each trainee by its name.
	clients := map[string]string{}
	if a.Role == domain.RoleTrainer {
		if all, err := s.store.Accounts(r.Context()); err == nil {
			for _, acc := range all {
				if acc.Role == domain.RoleClient && acc.Name != "" {
					clients[acc.Ref] = acc.Name
				}
			}
		}
	}
	var out []sessionView
	for _, se := range list {
		sv := sessionView{Code: se.Code, Title: se.Title, Dates: dates(se.StartsOn, se.EndsOn),
			URL: fileURL("/"+s.cfg.TreeLabels.Sessions+"/"+se.Folder, true)}
		if a.Role == domain.RoleClient || a.Role == domain.RoleTrainer {
			people, err := s.store.Participants(r.Context(), se.Code)
			if err != nil {
				s.log.Error("participants not read", "session", se.Code, "err", err)
			}
			sv.ShowPeople, sv.PeopleHeading = true, catalogue.W("sessions.people")
			for _, p := range people {
				if a.Role == domain.RoleTrainer {
					if name, ok := clients[p.Client]; ok {
						p.Client = name
					}
					sv.People = append(sv.People, p)
				} else if p.Client == a.Ref {
					p.Client = "" // the client itself: no need to say
					sv.People = append(sv.People, p)
				}
			}
			if a.Role == domain.RoleClient {
				sv.PeopleHeading = catalogue.W("sessions.sent")
			}
		}
		out = append(out, sv)
	}
	v.Data = struct{ Sessions []sessionView }{out}
	s.render(w, http.StatusOK, "sessions", v)
}

type passwordForm struct {
	Action, Login, For string
	Current            bool
	Min                int
}

// checkNewPassword is the web's password rule: long enough, not the
// login, typed twice alike.
func (s *Server) checkNewPassword(login, pw, confirm string) string {
	switch {
	case len([]rune(pw)) < s.cfg.PasswordMinLength:
		return catalogue.W("password.short", s.cfg.PasswordMinLength)
	case strings.EqualFold(strings.TrimSpace(pw), login):
		return catalogue.W("password.login")
	case pw != confirm:
		return catalogue.W("password.mismatch")
	}
	return ""
}

func (s *Server) passwordPage(w http.ResponseWriter, r *http.Request, ws *webSession, c *service.Conn) {
	v := s.base(ws, c, catalogue.W("password.heading"), "password")
	v.Data = passwordForm{Action: "/account/password", Login: c.Account().Login, Current: true, Min: s.cfg.PasswordMinLength}
	s.render(w, http.StatusOK, "password", v)
}

// passwordPost changes the password: the current one is checked as a
// login is (a wrong one scores with the defender), and every web session
// of the login ends; the other protocols' connections are closed by the
// core, as for any change of credentials.
func (s *Server) passwordPost(w http.ResponseWriter, r *http.Request, ws *webSession, c *service.Conn) {
	login := c.Account().Login
	v := s.base(ws, c, catalogue.W("password.heading"), "password")
	v.Data = passwordForm{Action: "/account/password", Login: login, Current: true, Min: s.cfg.PasswordMinLength}
	pw := r.PostFormValue("new")
	if msg := s.checkNewPassword(login, pw, r.PostFormValue("confirm")); msg != "" {
		v.Error = msg
		s.render(w, http.StatusUnprocessableEntity, "password", v)
		return
	}
	if _, err := s.svc.CheckPassword(r.Context(), Protocol, remote(r), login, r.PostFormValue("current")); err != nil {
		v.Error = catalogue.W("password.wrong")
		s.render(w, http.StatusUnprocessableEntity, "password", v)
		return
	}
	if err := s.store.SetPassword(r.Context(), login, pw); err != nil {
		s.log.Error("password not changed", "login", login, "err", err)
		v.Error = catalogue.W("error")
		s.render(w, http.StatusInternalServerError, "password", v)
		return
	}
	c.Log().Info("password changed on the web")
	s.endSessionsOf(login, "")
	http.SetCookie(w, s.cookie(r, "", timeZero))
	http.Redirect(w, r, "/login?changed", http.StatusSeeOther)
}

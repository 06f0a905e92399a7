package api

import (
	"net/http"
	"time"

	"github.com/dossierd/dossierd/catalogue"
	"github.com/dossierd/dossierd/config"
)

// POST /accounts/{login}/invitation: the link of `dossierd account invite`,
// for the TMS to pass on (or, with "send": true, emailed by the server).

type invitationBody struct {
	Hours *int `json:"hours"` // default 72, 1 to 720 as for the command
	Send  bool `json:"send"`
}

type invitationJSON struct {
	URL       string    `json:"url"`
	ExpiresAt time.Time `json:"expires_at"`
	Sent      bool      `json:"sent"`
	Email     string    `json:"email,omitempty"` // where it was sent
}

const (
	defaultInviteHours = 72
	maxInviteHours     = 720
)

func (h *Handler) invitation(c *call) error {
	body := invitationBody{}
	if err := c.decodeOptional(&body); err != nil {
		return err
	}
	hours := defaultInviteHours
	if body.Hours != nil {
		hours = *body.Hours
	}
	if hours < 1 || hours > maxInviteHours {
		return &problem{Type: "invalid", Status: http.StatusUnprocessableEntity, Title: catalogue.ProblemInvalid.F(),
			Detail: catalogue.ProblemInviteHours.F(hours, maxInviteHours), Pointer: "/hours"}
	}
	if h.o.LinkBase == "" {
		return &problem{Type: "no-link-base", Status: http.StatusServiceUnavailable, Title: catalogue.ProblemServer.F(), Detail: catalogue.InviteNoBase.F()}
	}
	a, err := h.o.Store.Account(c.r.Context(), c.r.PathValue("login"))
	if err != nil {
		return err
	}
	if body.Send {
		if h.o.Mailer == nil || !h.o.Mailer.Configured() {
			return &problem{Type: "no-mail-relay", Status: http.StatusServiceUnavailable, Title: catalogue.ProblemServer.F(),
				Detail: catalogue.ProblemNoMailer.F(), Pointer: "/send"}
		}
		if a.Email == "" {
			return &problem{Type: "no-email", Status: http.StatusUnprocessableEntity, Title: catalogue.ProblemInvalid.F(),
				Detail: catalogue.ProblemNoEmail.F(a.Login), Pointer: "/send"}
		}
	}
	token, expires, err := h.o.Store.CreateInvitation(c.r.Context(), a.Login, time.Duration(hours)*time.Hour)
	if err != nil {
		return err
	}
	out := invitationJSON{URL: config.InvitationURL(h.o.LinkBase, token), ExpiresAt: expires.UTC()}
	if body.Send {
		if err := h.o.Mailer.SendInvitation(c.r.Context(), a.Email, a.Name, out.URL, expires, false); err != nil {
			h.log.Error("invitation not sent", "login", a.Login, "err", err)
			return &problem{Type: "mail-failed", Status: http.StatusBadGateway, Title: catalogue.ProblemServer.F(), Detail: catalogue.ProblemMailFailed.F(err)}
		}
		out.Sent, out.Email = true, a.Email
	}
	return c.writeJSON(http.StatusCreated, out)
}

package main

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/spf13/cobra"

	"github.com/dossierd/dossierd/catalogue"
	"github.com/dossierd/dossierd/config"
	"github.com/dossierd/dossierd/daemon"
	"github.com/dossierd/dossierd/mailer"
)

// Bounds of --hours: a link is a password in transit, it should not live
// for months.
const (
	inviteMinHours = 1
	inviteMaxHours = 720
)

func (c *cli) accountInvite() *cobra.Command {
	var hours int
	var send bool
	cmd := &cobra.Command{
		Use:   "invite LOGIN [--hours 72] [--send]",
		Short: catalogue.HelpAccountInvite.F(),
		Long:  catalogue.HelpAccountInviteLong.F(),
		Args:  exactArgs("LOGIN"),
		RunE: c.withDirectory(func(cmd *cobra.Command, args []string, d *daemon.Directory) error {
			if hours < inviteMinHours || hours > inviteMaxHours {
				return catalogue.Errorf(catalogue.InviteHours, hours)
			}
			cfg, err := c.config()
			if err != nil {
				return err
			}
			base := cfg.HTTPD.LinkBase()
			if base == "" {
				return catalogue.Error(catalogue.InviteNoBase)
			}
			ctx := cmd.Context()
			// What --send needs is checked before the link is made: a
			// refused command must not leave a new link behind that
			// replaced the one the person already has.
			a, err := d.Store.Account(ctx, args[0])
			if err != nil {
				return err
			}
			var m *mailer.Mailer
			if send {
				if a.Email == "" {
					return catalogue.Errorf(catalogue.InviteNoEmail, a.Login, a.Login)
				}
				m = mailer.New(cfg.SMTP, slog.New(slog.DiscardHandler))
				if !m.Configured() {
					return catalogue.Error(catalogue.InviteNoSMTP)
				}
			}
			token, expires, err := d.Store.CreateInvitation(ctx, a.Login, time.Duration(hours)*time.Hour)
			if err != nil {
				return err
			}
			link := config.InvitationURL(base, token)
			said := catalogue.InviteLink.F(a.Login, catalogue.DateTime(expires))
			var sendErr error
			if send {
				if sendErr = m.SendInvitation(ctx, a.Email, a.Name, link, expires, false); sendErr == nil {
					said = catalogue.InviteSent.F(a.Login, a.Email, catalogue.DateTime(expires))
				}
			}
			// The link is printed even when the mail failed: it exists and
			// stays valid, and the administrator can hand it over.
			out := cmd.OutOrStdout()
			fmt.Fprintln(out, said)
			fmt.Fprintln(out, link)
			if sendErr != nil {
				return catalogue.Errorf(catalogue.InviteSendError, a.Email, sendErr)
			}
			return nil
		}),
	}
	cmd.Flags().IntVar(&hours, "hours", 72, catalogue.HelpFlagHours.F())
	cmd.Flags().BoolVar(&send, "send", false, catalogue.HelpFlagSend.F())
	return cmd
}

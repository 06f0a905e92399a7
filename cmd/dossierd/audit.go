package main

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/dossierd/dossierd/catalogue"
	"github.com/dossierd/dossierd/daemon"

	"github.com/dossierd/dossierd/audit"
)

// auditTime is how the table prints an event's time: local, with its UTC
// offset, so a line read after a change of daylight saving time, or on a
// machine in another zone, still names one instant.
const auditTime = "2006-01-02 15:04:05 -07:00"

func (c *cli) auditCmd() *cobra.Command {
	var f audit.Filter
	var since, until string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "audit [--login L] [--path SUBSTR] [--action A] [--since YYYY-MM-DD] [--until YYYY-MM-DD] [--json]",
		Short: catalogue.HelpAudit.F(),
		Args:  noArgs,
		RunE: c.withDirectory(func(cmd *cobra.Command, _ []string, d *daemon.Directory) error {
			var err error
			if since != "" {
				if f.Since, err = time.ParseInLocation(time.DateOnly, since, time.Local); err != nil {
					return catalogue.Errorf(catalogue.DateExpected, "--since", since)
				}
			}
			if until != "" {
				if f.Until, err = time.ParseInLocation(time.DateOnly, until, time.Local); err != nil {
					return catalogue.Errorf(catalogue.DateExpected, "--until", until)
				}
				f.Until = f.Until.AddDate(0, 0, 1) // the whole day
			}
			events, err := audit.Query(cmd.Context(), d.Store.DB(), f)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if asJSON {
				if events == nil {
					events = []audit.Event{}
				}
				return writeJSON(out, events)
			}
			t := newTable(out, catalogue.HeadTime, catalogue.HeadLogin, catalogue.HeadProtocol, catalogue.HeadRemote, catalogue.HeadAction, catalogue.HeadPath, catalogue.HeadBytes, catalogue.HeadResult)
			for _, e := range events {
				p := e.Path
				if e.Target != "" {
					p += " -> " + e.Target
				}
				t.row(e.Time.Local().Format(auditTime), e.Login, e.Protocol, e.Remote, e.Action, p, e.Bytes, e.Result)
			}
			return t.flush()
		}),
	}
	fl := cmd.Flags()
	fl.StringVar(&f.Login, "login", "", catalogue.HelpFlagAuditLogin.F())
	fl.StringVar(&f.Path, "path", "", catalogue.HelpFlagAuditPath.F())
	fl.StringVar(&f.Action, "action", "", catalogue.HelpFlagAction.F())
	fl.StringVar(&since, "since", "", catalogue.HelpFlagSince.F())
	fl.StringVar(&until, "until", "", catalogue.HelpFlagUntil.F())
	fl.BoolVar(&asJSON, "json", false, catalogue.HelpFlagJSON.F())
	return cmd
}

package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/dossierd/dossierd/catalogue"
	"github.com/dossierd/dossierd/daemon"
	"github.com/dossierd/dossierd/events"
)

func (c *cli) eventsCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "events", Short: catalogue.HelpEvents.F()}
	var asJSON, failedOnly bool
	list := &cobra.Command{
		Use:   "list [--failed] [--json]",
		Short: catalogue.HelpEventsList.F(),
		Args:  noArgs,
		RunE: c.withDirectory(func(cmd *cobra.Command, _ []string, d *daemon.Directory) error {
			entries, err := events.List(cmd.Context(), d.Store.DB(), failedOnly)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if asJSON {
				return writeJSON(out, entries)
			}
			t := newTable(out, catalogue.HeadEventID, catalogue.HeadEventType, catalogue.HeadLogin, catalogue.HeadWebhook,
				catalogue.HeadStatus, catalogue.HeadAttempts, catalogue.HeadEventCreated, catalogue.HeadNextAttempt, catalogue.HeadLastError)
			for _, e := range entries {
				state, next := catalogue.EventStatePending.F(), e.NextAttempt.Local().Format(auditTime)
				if e.State == events.StateFailed {
					state, next = catalogue.EventStateFailed.F(), "-"
				}
				t.row(e.ID, e.Type, e.Login, e.Webhook, state, e.Attempts, e.CreatedAt.Local().Format(auditTime), next, orDash(e.LastError))
			}
			return t.flush()
		}),
	}
	list.Flags().BoolVar(&failedOnly, "failed", false, catalogue.HelpFlagFailed.F())
	list.Flags().BoolVar(&asJSON, "json", false, catalogue.HelpFlagJSON.F())
	var all bool
	retry := &cobra.Command{
		Use:   "retry ID|--all",
		Short: catalogue.HelpEventsRetry.F(),
		Args:  maxArgs(1, "ID"),
		RunE: c.withDirectory(func(cmd *cobra.Command, args []string, d *daemon.Directory) error {
			if all == (len(args) == 1) {
				return catalogue.Error(catalogue.EventsRetryArgs)
			}
			if all {
				n, err := events.RetryAll(cmd.Context(), d.Store.DB())
				if err == nil {
					fmt.Fprintln(cmd.OutOrStdout(), catalogue.EventsRetriedAll.F(n))
				}
				return err
			}
			n, err := events.Retry(cmd.Context(), d.Store.DB(), args[0])
			switch {
			case err != nil:
				return err
			case n == 0:
				return catalogue.Errorf(catalogue.EventUnknown, args[0])
			}
			fmt.Fprintln(cmd.OutOrStdout(), catalogue.EventsRetried.F(n, args[0]))
			return nil
		}),
	}
	retry.Flags().BoolVar(&all, "all", false, catalogue.HelpFlagAll.F())
	cmd.AddCommand(list, retry)
	return cmd
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

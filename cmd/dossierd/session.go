package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/dossierd/dossierd/catalogue"
	"github.com/dossierd/dossierd/daemon"
	"github.com/dossierd/dossierd/tmsimport"

	"github.com/dossierd/dossierd/auth"
)

func (c *cli) sessionCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "session", Short: "manage training sessions"}
	cmd.AddCommand(c.sessionAdd(), c.sessionDelete(), c.sessionList())
	return cmd
}

func (c *cli) sessionAdd() *cobra.Command {
	var s auth.Session
	cmd := &cobra.Command{
		Use:   "add CODE [--title T] [--starts YYYY-MM-DD] [--ends YYYY-MM-DD] [--folder NAME]",
		Short: "create a session (and its folders)",
		Args:  cobra.ExactArgs(1),
		RunE: c.withDirectory(func(cmd *cobra.Command, args []string, d *daemon.Directory) error {
			s.Code = args[0]
			if err := d.Store.AddSession(cmd.Context(), s); err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), catalogue.SessionAdded.F(s.Code))
			return nil
		}),
	}
	f := cmd.Flags()
	f.StringVar(&s.Title, "title", "", "title")
	f.StringVar(&s.StartsOn, "starts", "", "first day (YYYY-MM-DD)")
	f.StringVar(&s.EndsOn, "ends", "", "last day (YYYY-MM-DD)")
	f.StringVar(&s.Folder, "folder", "", "folder name users see (default: the code)")
	return cmd
}

func (c *cli) sessionDelete() *cobra.Command {
	return &cobra.Command{
		Use:   "delete CODE",
		Short: "delete a session and its enrollments (its files stay on disk)",
		Args:  cobra.ExactArgs(1),
		RunE: c.withDirectory(func(cmd *cobra.Command, args []string, d *daemon.Directory) error {
			if err := d.Store.DeleteSession(cmd.Context(), args[0]); err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), catalogue.SessionDeleted.F(args[0]))
			return nil
		}),
	}
}

func (c *cli) sessionList() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list [--json]",
		Short: "list sessions",
		Args:  cobra.NoArgs,
		RunE: c.withDirectory(func(cmd *cobra.Command, _ []string, d *daemon.Directory) error {
			sessions, err := d.Store.Sessions(cmd.Context())
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if asJSON {
				list := make([]tmsimport.ListedSession, 0, len(sessions))
				for _, s := range sessions {
					list = append(list, tmsimport.ListedSession(s))
				}
				return writeJSON(out, list)
			}
			t := newTable(out, catalogue.HeadCode, catalogue.HeadFolder, catalogue.HeadTitle, catalogue.HeadStarts, catalogue.HeadEnds)
			for _, s := range sessions {
				t.row(s.Code, s.Folder, s.Title, s.StartsOn, s.EndsOn)
			}
			return t.flush()
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func (c *cli) enrollCmd(enroll bool) *cobra.Command {
	use, short := "enroll SESSION ROLE REF [--client REF]", "enroll a client, trainee or trainer in a session (creates its folder); --client: the client that sent the trainee"
	if !enroll {
		use, short = "unenroll SESSION ROLE REF", "remove an enrollment (files stay on disk)"
	}
	var client string
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.ExactArgs(3),
		RunE: c.withDirectory(func(cmd *cobra.Command, args []string, d *daemon.Directory) error {
			e := auth.Enrollment{Session: args[0], Role: args[1], Ref: args[2], Client: client}
			if !enroll {
				if err := d.Store.Unenroll(cmd.Context(), e); err != nil {
					return err
				}
				fmt.Fprintln(cmd.OutOrStdout(), catalogue.Unenrolled.F(e.Role, e.Ref, e.Session))
				return nil
			}
			if err := d.Store.Enroll(cmd.Context(), e); err != nil {
				return err
			}
			if e.Client != "" {
				fmt.Fprintln(cmd.OutOrStdout(), catalogue.EnrolledFor.F(e.Role, e.Ref, e.Session, e.Client))
				return nil
			}
			fmt.Fprintln(cmd.OutOrStdout(), catalogue.Enrolled.F(e.Role, e.Ref, e.Session))
			return nil
		}),
	}
	if enroll {
		cmd.Flags().StringVar(&client, "client", "", "for a trainee: ref of the client that sent them (the client sees them among its participants); enrolling again without it clears it")
	}
	return cmd
}

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
	cmd := &cobra.Command{Use: "session", Short: catalogue.HelpSession.F()}
	cmd.AddCommand(c.sessionAdd(), c.sessionDelete(), c.sessionList())
	return cmd
}

func (c *cli) sessionAdd() *cobra.Command {
	var s auth.Session
	cmd := &cobra.Command{
		Use:   "add CODE [--title T] [--starts YYYY-MM-DD] [--ends YYYY-MM-DD] [--folder NAME]",
		Short: catalogue.HelpSessionAdd.F(),
		Args:  exactArgs("CODE"),
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
	f.StringVar(&s.Title, "title", "", catalogue.HelpFlagTitle.F())
	f.StringVar(&s.StartsOn, "starts", "", catalogue.HelpFlagStarts.F())
	f.StringVar(&s.EndsOn, "ends", "", catalogue.HelpFlagEnds.F())
	f.StringVar(&s.Folder, "folder", "", catalogue.HelpFlagFolder.F())
	return cmd
}

func (c *cli) sessionDelete() *cobra.Command {
	return &cobra.Command{
		Use:   "delete CODE",
		Short: catalogue.HelpSessionDelete.F(),
		Args:  exactArgs("CODE"),
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
		Short: catalogue.HelpSessionList.F(),
		Args:  noArgs,
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
	cmd.Flags().BoolVar(&asJSON, "json", false, catalogue.HelpFlagJSON.F())
	return cmd
}

func (c *cli) enrollCmd(enroll bool) *cobra.Command {
	use, short := "enroll SESSION ROLE REF [--client REF]", catalogue.HelpEnroll.F()
	if !enroll {
		use, short = "unenroll SESSION ROLE REF", catalogue.HelpUnenroll.F()
	}
	var client string
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  exactArgs("SESSION", "ROLE", "REF"),
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
		cmd.Flags().StringVar(&client, "client", "", catalogue.HelpFlagClient.F())
	}
	return cmd
}

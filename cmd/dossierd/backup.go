package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/dossierd/dossierd/catalogue"
	"github.com/dossierd/dossierd/daemon"
)

func (c *cli) backupCmd() *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "backup FILE",
		Short: "write a consistent copy of the database to FILE, while the daemon runs",
		Long: "Writes a consistent copy of the database (accounts, sessions, enrollments, audit trail,\n" +
			"defender state) to FILE, mode 0600, atomically. The storage root is backed up separately.",
		Args: cobra.ExactArgs(1),
		RunE: c.withDirectory(func(cmd *cobra.Command, args []string, d *daemon.Directory) error {
			if err := d.Store.Backup(cmd.Context(), args[0], force); err != nil {
				return catalogue.Errorf(catalogue.BackupFailed, err)
			}
			fmt.Fprintln(cmd.OutOrStdout(), catalogue.BackedUp.F(args[0]))
			return nil
		}),
	}
	cmd.Flags().BoolVar(&force, "force", false, "replace FILE if it exists")
	return cmd
}

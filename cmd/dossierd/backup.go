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
		Short: catalogue.HelpBackup.F(),
		Long:  catalogue.HelpBackupLong.F(),
		Args:  exactArgs("FILE"),
		RunE: c.withDirectory(func(cmd *cobra.Command, args []string, d *daemon.Directory) error {
			if err := d.Store.Backup(cmd.Context(), args[0], force); err != nil {
				return catalogue.Errorf(catalogue.BackupFailed, err)
			}
			fmt.Fprintln(cmd.OutOrStdout(), catalogue.BackedUp.F(args[0]))
			return nil
		}),
	}
	cmd.Flags().BoolVar(&force, "force", false, catalogue.HelpFlagForce.F())
	return cmd
}

package main

import (
	"github.com/spf13/cobra"

	"github.com/dossierd/dossierd/catalogue"
	"github.com/dossierd/dossierd/daemon"

	"github.com/dossierd/dossierd/service"
)

func (c *cli) treeCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "tree LOGIN",
		Short: catalogue.HelpTree.F(),
		Args:  exactArgs("LOGIN"),
		RunE: c.withDirectory(func(cmd *cobra.Command, args []string, d *daemon.Directory) error {
			a, err := d.Store.Account(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			t, err := service.BuildTree(cmd.Context(), d.Store, d.Layout, a)
			if err != nil {
				return err
			}
			// One row per virtual path: a mount replaces the virtual
			// folder at the same path.
			rows := map[string][]any{}
			for _, f := range t.Folders() {
				rows[f] = []any{"r", f, catalogue.TreeVirtual}
			}
			for _, m := range t.Mounts() {
				perm := "r"
				if m.Writable {
					perm = "rw"
				}
				rows[m.Path] = []any{perm, m.Path, d.Storage.Path() + "/" + m.Dir}
			}
			out := newTable(cmd.OutOrStdout())
			for _, p := range sortedKeys(rows) {
				out.row(rows[p]...)
			}
			if err := a.Usable(timeNow()); err != nil {
				out.row(catalogue.TreeCannotLog.F(err))
			}
			return out.flush()
		}),
	}
}

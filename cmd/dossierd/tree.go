package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/dossierd/dossierd/daemon"

	"github.com/dossierd/dossierd/service"
)

func (c *cli) treeCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "tree LOGIN",
		Short: "show what LOGIN sees: one line per folder, r or rw, and where it is on disk",
		Args:  cobra.ExactArgs(1),
		RunE: c.withDirectory(func(cmd *cobra.Command, args []string, d *daemon.Directory) error {
			a, err := d.Store.Account(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			t, err := service.BuildTree(cmd.Context(), d.Store, d.Layout, a)
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 2, 4, 2, ' ', 0)
			mounts := map[string]string{}
			for _, m := range t.Mounts() {
				perm := "r"
				if m.Writable {
					perm = "rw"
				}
				mounts[m.Path] = perm + "\t" + m.Path + "\t" + d.Storage.Path() + "/" + m.Dir
			}
			lines := map[string]string{}
			for _, f := range t.Folders() {
				lines[f] = "r\t" + f + "\t(virtual)"
			}
			for p, l := range mounts {
				lines[p] = l
			}
			for _, p := range sortedKeys(lines) {
				fmt.Fprintln(w, lines[p])
			}
			if err := a.Usable(timeNow()); err != nil {
				fmt.Fprintf(w, "# %s: this account cannot log in now\n", err)
			}
			return w.Flush()
		}),
	}
}

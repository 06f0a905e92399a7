package main

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/spf13/cobra"

	"github.com/dossierd/dossierd/catalogue"
	"github.com/dossierd/dossierd/daemon"

	"github.com/dossierd/dossierd/defender"
)

func (c *cli) defenderCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "defender", Short: catalogue.HelpDefender.F()}
	var asJSON bool
	list := &cobra.Command{
		Use:   "list [--json]",
		Short: catalogue.HelpDefenderList.F(),
		Args:  noArgs,
		RunE: c.withDirectory(func(cmd *cobra.Command, _ []string, d *daemon.Directory) error {
			p, err := defender.OpenPersist(cmd.Context(), d.Store.DB())
			if err != nil {
				return err
			}
			hosts, err := p.List(cmd.Context())
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if asJSON {
				if hosts == nil {
					hosts = []defender.Listed{}
				}
				return writeJSON(out, hosts)
			}
			t := newTable(out, catalogue.HeadIP, catalogue.HeadScore, catalogue.HeadBanned, catalogue.HeadBans)
			for _, h := range hosts {
				until := "-"
				if !h.BannedUntil.IsZero() {
					until = h.BannedUntil.Local().Format(time.DateTime)
				}
				t.row(h.IP, h.Score, until, h.Bans)
			}
			return t.flush()
		}),
	}
	list.Flags().BoolVar(&asJSON, "json", false, catalogue.HelpFlagJSON.F())
	unban := &cobra.Command{
		Use:   "unban IP",
		Short: catalogue.HelpDefenderUnban.F(),
		Args:  exactArgs("IP"),
		RunE: c.withDirectory(func(cmd *cobra.Command, args []string, d *daemon.Directory) error {
			ip, err := netip.ParseAddr(args[0])
			if err != nil {
				return catalogue.Errorf(catalogue.NotIPAddress, args[0])
			}
			p, err := defender.OpenPersist(cmd.Context(), d.Store.DB())
			if err != nil {
				return err
			}
			known, err := p.Unban(cmd.Context(), ip)
			if err != nil {
				return err
			}
			if known {
				fmt.Fprintln(cmd.OutOrStdout(), catalogue.Unbanned.F(ip))
			} else {
				fmt.Fprintln(cmd.OutOrStdout(), catalogue.NotListed.F(ip))
			}
			return nil
		}),
	}
	cmd.AddCommand(list, unban)
	return cmd
}

package main

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/dossierd/dossierd/catalogue"
	"github.com/dossierd/dossierd/names"
)

var timeNow = time.Now

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

func (c *cli) checkNameCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "check-name NAME...",
		Short: catalogue.HelpCheckName.F(),
		Args:  minArgs(1, "NAME..."),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := c.config()
			if err != nil {
				return err
			}
			policy, err := names.New(cfg.Filenames.AllowedChars, cfg.Filenames.MaxLength)
			if err != nil {
				return err
			}
			refused := 0
			out := cmd.OutOrStdout()
			for _, n := range args {
				if err := policy.Check(n); err != nil {
					refused++
					fmt.Fprintln(out, catalogue.NameRefusedCLI.F(err))
					continue
				}
				fmt.Fprintln(out, catalogue.NameOK.F(n))
			}
			if refused > 0 {
				msg := catalogue.NamesRefusedN
				if refused == 1 {
					msg = catalogue.NamesRefused1
				}
				return &exitError{code: 1, msg: msg.F(refused, len(args))}
			}
			return nil
		},
	}
}

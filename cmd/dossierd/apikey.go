package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/dossierd/dossierd/auth"
	"github.com/dossierd/dossierd/catalogue"
	"github.com/dossierd/dossierd/daemon"
)

func (c *cli) apikeyCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "apikey", Short: catalogue.HelpAPIKey.F()}
	cmd.AddCommand(c.apikeyAdd(), c.apikeyList(), c.apikeyRevoke())
	return cmd
}

func (c *cli) apikeyAdd() *cobra.Command {
	var scopes, expires string
	cmd := &cobra.Command{
		Use:   "add NAME --scope SCOPES [--expires YYYY-MM-DD]",
		Short: catalogue.HelpAPIKeyAdd.F(),
		Long:  catalogue.HelpAPIKeyLong.F(),
		Args:  exactArgs("NAME"),
		RunE: c.withDirectory(func(cmd *cobra.Command, args []string, d *daemon.Directory) error {
			list, err := auth.ParseScopes(scopes)
			if err != nil {
				return err
			}
			key, err := d.Store.AddAPIKey(cmd.Context(), args[0], list, expires)
			if err != nil {
				return err
			}
			until := expires
			if until == "" {
				until = catalogue.APIKeyNever.F()
			}
			out := cmd.OutOrStdout()
			fmt.Fprintln(out, catalogue.APIKeyAdded.F(args[0], strings.Join(list, ","), until))
			_, err = fmt.Fprintln(out, key)
			return err
		}),
	}
	cmd.Flags().StringVar(&scopes, "scope", "", catalogue.HelpFlagScope.F(strings.Join(auth.Scopes, ",")))
	cmd.Flags().StringVar(&expires, "expires", "", catalogue.HelpFlagKeyExpiry.F())
	return cmd
}

// apikeyJSON is the listed shape of a key (never its secret).
type apikeyJSON struct {
	Name      string   `json:"name"`
	Scopes    []string `json:"scopes"`
	ExpiresAt string   `json:"expires_at"`
	CreatedAt string   `json:"created_at"`
	LastUsed  string   `json:"last_used_at"`
	RevokedAt string   `json:"revoked_at"`
	State     string   `json:"state"` // active, expired, revoked
}

// apikeyState is what a key is now: the words of the table, the codes of
// the JSON.
func apikeyState(k auth.APIKey, now time.Time) (code string, word catalogue.T) {
	switch {
	case !k.RevokedAt.IsZero():
		return "revoked", catalogue.APIKeyIsRevoked
	case k.ExpiresAt != "" && now.Local().Format(time.DateOnly) > k.ExpiresAt:
		return "expired", catalogue.APIKeyExpired
	}
	return "active", catalogue.APIKeyActive
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func (c *cli) apikeyList() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list [--json]",
		Short: catalogue.HelpAPIKeyList.F(),
		Args:  noArgs,
		RunE: c.withDirectory(func(cmd *cobra.Command, _ []string, d *daemon.Directory) error {
			keys, err := d.Store.APIKeys(cmd.Context())
			if err != nil {
				return err
			}
			now := timeNow()
			out := cmd.OutOrStdout()
			if asJSON {
				list := make([]apikeyJSON, 0, len(keys))
				for _, k := range keys {
					state, _ := apikeyState(k, now)
					list = append(list, apikeyJSON{k.Name, k.Scopes, k.ExpiresAt, stamp(k.CreatedAt), stamp(k.LastUsed), stamp(k.RevokedAt), state})
				}
				return writeJSON(out, list)
			}
			t := newTable(out, catalogue.HeadName, catalogue.HeadScopes, catalogue.HeadStatus, catalogue.HeadExpires, catalogue.HeadCreated, catalogue.HeadLastUsed)
			for _, k := range keys {
				_, state := apikeyState(k, now)
				used := ""
				if !k.LastUsed.IsZero() {
					used = k.LastUsed.Local().Format(auditTime)
				}
				t.row(k.Name, strings.Join(k.Scopes, ","), state, k.ExpiresAt, k.CreatedAt.Local().Format(auditTime), used)
			}
			return t.flush()
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, catalogue.HelpFlagJSON.F())
	return cmd
}

func (c *cli) apikeyRevoke() *cobra.Command {
	return &cobra.Command{
		Use:   "revoke NAME",
		Short: catalogue.HelpAPIKeyRevoke.F(),
		Args:  exactArgs("NAME"),
		RunE: c.withDirectory(func(cmd *cobra.Command, args []string, d *daemon.Directory) error {
			if err := d.Store.RevokeAPIKey(cmd.Context(), args[0]); err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), catalogue.APIKeyRevoked.F(args[0]))
			return nil
		}),
	}
}

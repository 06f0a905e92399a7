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
	cmd := &cobra.Command{Use: "apikey", Short: "manage the keys of the REST API (/api/v1)"}
	cmd.AddCommand(c.apikeyAdd(), c.apikeyList(), c.apikeyRevoke())
	return cmd
}

func (c *cli) apikeyAdd() *cobra.Command {
	var scopes, expires string
	cmd := &cobra.Command{
		Use:   "add NAME --scope SCOPES [--expires YYYY-MM-DD]",
		Short: "make an API key; it is printed once, on the last line",
		Long: `Make an API key for the REST API. SCOPES is a comma-separated list of
directory:read, directory:write, files:read, files:write, audit:read.
The key is printed once, alone on the last line of the output (scripts can
take it with "tail -n 1"); only its SHA-256 is stored. Calls made with it are
audited with the login "apikey@NAME".`,
		Args: cobra.ExactArgs(1),
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
	cmd.Flags().StringVar(&scopes, "scope", "", "comma-separated scopes: "+strings.Join(auth.Scopes, ","))
	cmd.Flags().StringVar(&expires, "expires", "", "last day the key may be used (YYYY-MM-DD)")
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
		Short: "list the API keys, revoked ones included (never their secret)",
		Args:  cobra.NoArgs,
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
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func (c *cli) apikeyRevoke() *cobra.Command {
	return &cobra.Command{
		Use:   "revoke NAME",
		Short: "revoke an API key: the next call made with it is refused",
		Args:  cobra.ExactArgs(1),
		RunE: c.withDirectory(func(cmd *cobra.Command, args []string, d *daemon.Directory) error {
			if err := d.Store.RevokeAPIKey(cmd.Context(), args[0]); err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), catalogue.APIKeyRevoked.F(args[0]))
			return nil
		}),
	}
}

package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/dossierd/dossierd/catalogue"
	"github.com/dossierd/dossierd/daemon"
	"github.com/dossierd/dossierd/tmsimport"

	"github.com/dossierd/dossierd/auth"
)

// readPassword takes --password or, with --password-stdin, the first line
// of standard input (so that scripts keep passwords out of `ps`).
func readPassword(cmd *cobra.Command, flag string, fromStdin bool) (string, error) {
	if fromStdin {
		if flag != "" {
			return "", catalogue.Error(catalogue.PasswordFlagsBoth)
		}
		line, err := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", catalogue.Errorf(catalogue.PasswordStdinErr, err)
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			return "", catalogue.Error(catalogue.PasswordStdinNone)
		}
		return line, nil
	}
	return flag, nil
}

func (c *cli) accountCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "account", Short: catalogue.HelpAccount.F()}
	cmd.AddCommand(c.accountAdd(), c.accountPasswd(), c.accountSet(), c.accountInvite(), c.accountEnable("disable", true), c.accountEnable("enable", false), c.accountDelete(), c.accountList())
	return cmd
}

func (c *cli) accountAdd() *cobra.Command {
	var a auth.Account
	var password, key string
	var stdin bool
	cmd := &cobra.Command{
		Use:   "add LOGIN --role client|trainee|trainer|staff [--ref REF] [--name NAME] [--email ADDR] [--password PW | --password-stdin] [--public-key KEY] [--expires YYYY-MM-DD]",
		Short: catalogue.HelpAccountAdd.F(),
		Args:  exactArgs("LOGIN"),
		RunE: c.withDirectory(func(cmd *cobra.Command, args []string, d *daemon.Directory) error {
			if a.Role == "" {
				return catalogue.Error(catalogue.RoleFlagRequired)
			}
			pw, err := readPassword(cmd, password, stdin)
			if err != nil {
				return err
			}
			a.Login = args[0]
			if key != "" {
				a.PublicKeys = []string{key}
			}
			created, err := d.Store.AddAccount(cmd.Context(), a, pw)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), catalogue.AccountAdded.F(created.Login, created.Role, created.Ref))
			return nil
		}),
	}
	f := cmd.Flags()
	f.StringVar(&a.Role, "role", "", catalogue.HelpFlagRole.F())
	f.StringVar(&a.Ref, "ref", "", catalogue.HelpFlagAccountRef.F())
	f.StringVar(&a.Name, "name", "", catalogue.HelpFlagDisplayName.F())
	f.StringVar(&a.Email, "email", "", catalogue.HelpFlagEmail.F())
	f.StringVar(&password, "password", "", catalogue.HelpFlagPassword.F())
	f.BoolVar(&stdin, "password-stdin", false, catalogue.HelpFlagPasswordStdin.F())
	f.StringVar(&key, "public-key", "", catalogue.HelpFlagPublicKey.F())
	f.StringVar(&a.ExpiresAt, "expires", "", catalogue.HelpFlagAccountExpiry.F())
	return cmd
}

func (c *cli) accountPasswd() *cobra.Command {
	var password string
	var stdin bool
	cmd := &cobra.Command{
		Use:   "passwd LOGIN [--password PW | --password-stdin]",
		Short: catalogue.HelpAccountPasswd.F(),
		Args:  exactArgs("LOGIN"),
		RunE: c.withDirectory(func(cmd *cobra.Command, args []string, d *daemon.Directory) error {
			pw, err := readPassword(cmd, password, stdin)
			if err != nil {
				return err
			}
			if pw == "" {
				return catalogue.Error(catalogue.NewPasswordRequired)
			}
			if err := d.Store.SetPassword(cmd.Context(), args[0], pw); err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), catalogue.PasswordChanged.F(args[0]))
			return nil
		}),
	}
	cmd.Flags().StringVar(&password, "password", "", catalogue.HelpFlagNewPassword.F())
	cmd.Flags().BoolVar(&stdin, "password-stdin", false, catalogue.HelpFlagNewPwStdin.F())
	return cmd
}

func (c *cli) accountEnable(verb string, disabled bool) *cobra.Command {
	short := catalogue.HelpAccountEnable
	if disabled {
		short = catalogue.HelpAccountDisable
	}
	return &cobra.Command{
		Use:   verb + " LOGIN",
		Short: short.F(),
		Args:  exactArgs("LOGIN"),
		RunE: c.withDirectory(func(cmd *cobra.Command, args []string, d *daemon.Directory) error {
			if err := d.Store.SetDisabled(cmd.Context(), args[0], disabled); err != nil {
				return err
			}
			done := catalogue.AccountEnabledDone
			if disabled {
				done = catalogue.AccountDisabledDone
			}
			fmt.Fprintln(cmd.OutOrStdout(), done.F(args[0]))
			return nil
		}),
	}
}

func (c *cli) accountDelete() *cobra.Command {
	return &cobra.Command{
		Use:   "delete LOGIN",
		Short: catalogue.HelpAccountDelete.F(),
		Args:  exactArgs("LOGIN"),
		RunE: c.withDirectory(func(cmd *cobra.Command, args []string, d *daemon.Directory) error {
			if err := d.Store.DeleteAccount(cmd.Context(), args[0]); err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), catalogue.AccountDeleted.F(args[0]))
			return nil
		}),
	}
}

func (c *cli) accountList() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list [--json]",
		Short: catalogue.HelpAccountList.F(),
		Args:  noArgs,
		RunE: c.withDirectory(func(cmd *cobra.Command, _ []string, d *daemon.Directory) error {
			accts, err := d.Store.Accounts(cmd.Context())
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if asJSON {
				list := make([]tmsimport.ListedAccount, 0, len(accts))
				for _, a := range accts {
					list = append(list, tmsimport.List(a))
				}
				return writeJSON(out, list)
			}
			t := newTable(out, catalogue.HeadLogin, catalogue.HeadRole, catalogue.HeadRef, catalogue.HeadName, catalogue.HeadStatus, catalogue.HeadExpires, catalogue.HeadEmail)
			for _, a := range accts {
				status := catalogue.StatusEnabled
				if a.Disabled {
					status = catalogue.StatusDisabled
				}
				t.row(a.Login, a.Role, a.Ref, a.Name, status, a.ExpiresAt, a.Email)
			}
			return t.flush()
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, catalogue.HelpFlagJSON.F())
	return cmd
}

func (c *cli) accountSet() *cobra.Command {
	var email, name, expires string
	cmd := &cobra.Command{
		Use:   "set LOGIN [--email ADDR] [--name NAME] [--expires YYYY-MM-DD]",
		Short: catalogue.HelpAccountSet.F(),
		Args:  exactArgs("LOGIN"),
		RunE: c.withDirectory(func(cmd *cobra.Command, args []string, d *daemon.Directory) error {
			var ch auth.AccountChanges
			f := cmd.Flags()
			for _, v := range []struct {
				flag  string
				value *string
				to    **string
			}{{"email", &email, &ch.Email}, {"name", &name, &ch.Name}, {"expires", &expires, &ch.ExpiresAt}} {
				if f.Changed(v.flag) {
					*v.to = v.value
				}
			}
			if ch == (auth.AccountChanges{}) {
				return catalogue.Error(catalogue.AccountSetNone)
			}
			if err := d.Store.ChangeAccount(cmd.Context(), args[0], ch); err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), catalogue.AccountSetDone.F(args[0]))
			return nil
		}),
	}
	f := cmd.Flags()
	f.StringVar(&email, "email", "", catalogue.HelpFlagEmail.F())
	f.StringVar(&name, "name", "", catalogue.HelpFlagDisplayName.F())
	f.StringVar(&expires, "expires", "", catalogue.HelpFlagAccountExpiry.F())
	return cmd
}

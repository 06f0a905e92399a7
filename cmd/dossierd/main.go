// Command dossierd is the SFTP and FTP/FTPS server of training centres,
// and the administration commands that work on its directory (SPEC
// section 7). Refusals exit non-zero with a one-line reason.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/dossierd/dossierd/catalogue"
	"github.com/dossierd/dossierd/config"
	"github.com/dossierd/dossierd/daemon"
)

func main() {
	if err := execute(newRoot(os.Args[1:])); err != nil {
		fmt.Fprintln(os.Stderr, "dossierd:", err)
		os.Exit(exitCode(err))
	}
}

// exitError carries an exit code other than 1 (check-name's verdicts).
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

func exitCode(err error) int {
	if e, ok := err.(*exitError); ok {
		return e.code
	}
	return 1
}

// cli is the state shared by the commands: the configuration, loaded once.
type cli struct {
	configFile string
	cfg        *config.Config
}

func (c *cli) config() (*config.Config, error) {
	if c.cfg == nil {
		cfg, err := config.Load(c.configFile)
		if err != nil {
			return nil, err
		}
		// What the commands print follows common.language from here on,
		// also for those that open no directory (check-name, the reading
		// of import files). config validated it.
		if lang, err := catalogue.Parse(cfg.Common.Language); err == nil {
			catalogue.Set(lang)
		}
		c.cfg = cfg
	}
	return c.cfg, nil
}

// directory opens the database and storage for an admin command.
func (c *cli) directory() (*daemon.Directory, error) {
	cfg, err := c.config()
	if err != nil {
		return nil, err
	}
	return daemon.OpenDirectory(cfg)
}

// withDirectory gives an admin command the opened directory and closes it
// afterwards.
func (c *cli) withDirectory(run func(cmd *cobra.Command, args []string, d *daemon.Directory) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		d, err := c.directory()
		if err != nil {
			return err
		}
		defer d.Close()
		return run(cmd, args, d)
	}
}

// writeJSON prints v indented, as the --json listings do.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// newRoot is the command tree for the command line args, its help in the
// language of the configuration they name (see languageOf).
func newRoot(args []string) *cobra.Command {
	catalogue.Set(languageOf(args))
	c := &cli{}
	root := &cobra.Command{
		Use:           "dossierd",
		Short:         catalogue.HelpRoot.F(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().StringVar(&c.configFile, "config", "", catalogue.HelpFlagConfig.F())
	root.AddCommand(c.serveCmd(), c.accountCmd(), c.sessionCmd(), c.enrollCmd(true), c.enrollCmd(false), c.treeCmd(), c.checkNameCmd(), c.defenderCmd(), c.auditCmd(), c.importCmd(), c.exportCmd(), c.versionCmd(), c.backupCmd(), c.apikeyCmd(), c.eventsCmd())
	localize(root)
	root.SetArgs(args)
	return root
}

package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/dossierd/dossierd/auth"
	"github.com/dossierd/dossierd/catalogue"
	"github.com/dossierd/dossierd/tmsimport"
)

func (c *cli) importCmd() *cobra.Command {
	var files tmsimport.CSVFiles
	var dryRun, prune bool
	cmd := &cobra.Command{
		Use:   "import FILE.json | import --accounts A.csv --sessions S.csv --enrollments E.csv",
		Short: "make the directory follow the training-management system's export",
		Long: `Make the directory follow the training-management system's export: one JSON
file (SPEC section 7; "-" reads standard input) or CSV files whose first line
names the same fields, separated by ";" or ",", in UTF-8 or Windows-1252.

Accounts are matched by login, sessions by code, enrollments by session, role
and ref; only what differs is written, all in one transaction, so running
the same import again changes nothing. Every problem of the files is listed
at once, with file, line and field, and then nothing is changed.

An account's password is kept unless the file gives "password" (hashed here)
or "password_hash"; its SSH keys are kept unless the file has "public_keys".

--prune makes the files the whole truth: accounts absent from them are
disabled (staff included), sessions absent are hidden, enrollments absent are
removed. Nothing is deleted, and files on disk never are.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			csvGiven := files != (tmsimport.CSVFiles{})
			switch {
			case len(args) == 1 && csvGiven:
				return catalogue.Error(catalogue.ImportBoth)
			case len(args) == 0 && !csvGiven:
				return catalogue.Error(catalogue.ImportNone)
			}
			var im *tmsimport.Import
			var err error
			if len(args) == 1 {
				im, err = tmsimport.ReadJSONFile(args[0], cmd.InOrStdin())
			} else {
				im, err = tmsimport.ReadCSVFiles(files)
			}
			if err != nil {
				return err
			}
			d, err := c.directory()
			if err != nil {
				return err
			}
			defer d.Close()
			bar := newProgressBar(cmd.ErrOrStderr())
			opts := auth.ApplyOptions{DryRun: dryRun, Prune: prune}
			if bar != nil {
				opts.Progress = bar.update
			}
			diff, err := im.Apply(cmd.Context(), d.Store, opts)
			if bar != nil {
				bar.clear()
			}
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if dryRun {
				if err := tmsimport.WriteChanges(out, diff); err != nil {
					return err
				}
			}
			_, err = fmt.Fprintln(out, tmsimport.Summary(diff, dryRun))
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&files.Accounts, "accounts", "", "CSV file of accounts")
	f.StringVar(&files.Sessions, "sessions", "", "CSV file of sessions")
	f.StringVar(&files.Enrollments, "enrollments", "", "CSV file of enrollments")
	f.BoolVar(&dryRun, "dry-run", false, "list what would change, and change nothing")
	f.BoolVar(&prune, "prune", false, "disable accounts, hide sessions and remove enrollments that the files do not list")
	return cmd
}

func (c *cli) exportCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "export [FILE]",
		Short: "write the directory as an import JSON file (without passwords)",
		Long: `Write the directory (accounts, sessions, enrollments) in the JSON shape that
"dossierd import" reads, to FILE or standard output. Passwords and hashes are
left out, public keys are included; importing the file back changes nothing.
FILE is replaced atomically and readable by its owner only (it names people).`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := c.directory()
			if err != nil {
				return err
			}
			defer d.Close()
			if len(args) == 0 || args[0] == "-" {
				return tmsimport.Export(cmd.Context(), d.Store, cmd.OutOrStdout())
			}
			path := args[0]
			// Written beside the target and renamed over it, so that a
			// scheduled export never leaves half a file for the reader.
			tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
			if err != nil {
				return catalogue.Errorf(catalogue.WritingFile, path, err)
			}
			defer os.Remove(tmp.Name())
			if err := tmsimport.Export(cmd.Context(), d.Store, tmp); err != nil {
				tmp.Close()
				return err
			}
			if err := tmp.Sync(); err != nil {
				tmp.Close()
				return catalogue.Errorf(catalogue.WritingFile, path, err)
			}
			if err := tmp.Close(); err != nil {
				return catalogue.Errorf(catalogue.WritingFile, path, err)
			}
			if err := os.Rename(tmp.Name(), path); err != nil {
				return catalogue.Errorf(catalogue.WritingFile, path, err)
			}
			fmt.Fprintln(cmd.OutOrStdout(), catalogue.Exported.F(path))
			return nil
		},
	}
}

// progressBar draws the import's progress on a terminal. Scheduled imports
// write to a log file or nowhere: there it would only be noise, so it is
// only made when stderr is a terminal (a character device; golang.org/x/term
// would say the same with one more dependency), and only drawn for stages
// long enough to need it.
type progressBar struct {
	w     io.Writer
	last  time.Time
	shown bool
}

// Stages shorter than this are not drawn: argon2id takes tens of
// milliseconds a password, writing a row a few microseconds.
var progressMin = map[string]int{auth.StageHash: 20, auth.StageFolders: 5000, auth.StageWrite: 5000}

func newProgressBar(w io.Writer) *progressBar {
	f, ok := w.(*os.File)
	if !ok {
		return nil
	}
	fi, err := f.Stat()
	if err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return nil
	}
	return &progressBar{w: w}
}

func (b *progressBar) update(stage string, done, total int) {
	if total < progressMin[stage] {
		return
	}
	now := time.Now()
	// Ten frames a second are enough, and cheap.
	if done != total && now.Sub(b.last) < 100*time.Millisecond {
		return
	}
	b.last = now
	const width = 30
	filled := width * done / total
	line := fmt.Sprintf("%-18s [%s%s] %3d%% %d/%d", catalogue.Stage(stage), strings.Repeat("#", filled), strings.Repeat(".", width-filled), 100*done/total, done, total)
	// Padded, so that a shorter line covers a longer one entirely.
	fmt.Fprintf(b.w, "\r%-79s", line)
	b.shown = true
}

// clear removes the bar, so that the summary or an error starts on a clean
// line.
func (b *progressBar) clear() {
	if b.shown {
		fmt.Fprintf(b.w, "\r%79s\r", "")
	}
}

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
		Short: catalogue.HelpImport.F(),
		Long:  catalogue.HelpImportLong.F(),
		Args:  maxArgs(1, "FILE.json"),
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
	f.StringVar(&files.Accounts, "accounts", "", catalogue.HelpFlagAccountsCSV.F())
	f.StringVar(&files.Sessions, "sessions", "", catalogue.HelpFlagSessionsCSV.F())
	f.StringVar(&files.Enrollments, "enrollments", "", catalogue.HelpFlagEnrollmentsCSV.F())
	f.BoolVar(&dryRun, "dry-run", false, catalogue.HelpFlagDryRun.F())
	f.BoolVar(&prune, "prune", false, catalogue.HelpFlagPrune.F())
	return cmd
}

func (c *cli) exportCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "export [FILE]",
		Short: catalogue.HelpExport.F(),
		Long:  catalogue.HelpExportLong.F(),
		Args:  maxArgs(1, "FILE"),
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

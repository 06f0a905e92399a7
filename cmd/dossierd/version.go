package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/dossierd/dossierd/catalogue"
)

// buildInfo describes the binary from what the Go toolchain embedded in
// it: the main module's version (set by `go install ...@vX.Y.Z`, "(devel)"
// for a build in a checkout) and, for a build in a git checkout, the
// commit and whether the work tree had uncommitted changes.
func buildInfo() (version, commit, goVersion string) {
	version, commit, goVersion = "unknown", "unknown", runtime.Version()
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return
	}
	if bi.Main.Version != "" {
		version = bi.Main.Version
	}
	var modified bool
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			commit = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if modified && commit != "unknown" {
		commit += " (modified)"
	}
	return
}

func (c *cli) versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: catalogue.HelpVersion.F(),
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			version, commit, goVersion := buildInfo()
			out := cmd.OutOrStdout()
			fmt.Fprintln(out, "dossierd", version)
			fmt.Fprintln(out, "commit", commit)
			fmt.Fprintln(out, "go", goVersion)
			return nil
		},
	}
}

package main

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/dossierd/dossierd/catalogue"
	"github.com/dossierd/dossierd/config"
)

// The command's help and its refusals of a command line are in
// common.language, like everything else it prints. Cobra renders the help
// from strings held by the command tree, and renders it without running
// any pre-run (--help stops before them); so the language is chosen
// before the tree is built: languageOf reads the --config the command
// line names (or ./sftpgo.json, and the environment, as the command
// will), and newRoot builds every text in that language.

// languageOf is the common.language of the configuration args name. A
// configuration that does not load gives the default language: the
// command itself reports the problem when it loads it again.
func languageOf(args []string) catalogue.Language {
	file := ""
	for i := 0; i < len(args); i++ {
		if args[i] == "--" {
			break
		}
		if v, ok := strings.CutPrefix(args[i], "--config="); ok {
			file = v
		} else if args[i] == "--config" && i+1 < len(args) {
			file = args[i+1]
			i++
		}
	}
	if cfg, err := config.Load(file); err == nil {
		if lang, err := catalogue.Parse(cfg.Common.Language); err == nil {
			return lang
		}
	}
	return catalogue.Languages[0]
}

func init() {
	// The French usage template prints these two through the catalogue.
	cobra.AddTemplateFunc("useLine", func(c *cobra.Command) string {
		if line, ok := strings.CutSuffix(c.UseLine(), " [flags]"); ok {
			return line + " " + catalogue.UseLineFlags.F()
		}
		return c.UseLine()
	})
	cobra.AddTemplateFunc("flagUsages", func(f *pflag.FlagSet) string {
		return strings.ReplaceAll(f.FlagUsages(), "(default ", catalogue.FlagDefault.F())
	})
}

// localize gives the tree built by newRoot what cobra would otherwise add
// in English when it runs: the usage template, the help command, the
// completion command, the -h flag of every command, the refusal of a
// flag. Called once the tree is complete.
func localize(root *cobra.Command) {
	root.SetUsageTemplate(catalogue.UsageTemplate.F())
	root.SetFlagErrorFunc(flagError)
	root.SetHelpCommand(helpCmd())
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	localizeCompletion(root)
	var walk func(*cobra.Command)
	walk = func(cmd *cobra.Command) {
		if cmd.Flags().Lookup("help") == nil {
			cmd.Flags().BoolP("help", "h", false, catalogue.HelpFlagHelp.F(cmd.DisplayName()))
			_ = cmd.Flags().SetAnnotation("help", cobra.FlagSetByCobraAnnotation, []string{"true"})
		}
		for _, sub := range cmd.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// helpCmd is cobra's help command with the catalogue's words.
func helpCmd() *cobra.Command {
	return &cobra.Command{
		Use:   catalogue.HelpHelpUse.F(),
		Short: catalogue.HelpHelp.F(),
		Long:  catalogue.HelpHelpLong.F("dossierd"),
		ValidArgsFunction: func(c *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
			cmd, _, err := c.Root().Find(args)
			if err != nil {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			var names []cobra.Completion
			for _, sub := range cmd.Commands() {
				if sub.IsAvailableCommand() && strings.HasPrefix(sub.Name(), toComplete) {
					names = append(names, cobra.CompletionWithDesc(sub.Name(), sub.Short))
				}
			}
			return names, cobra.ShellCompDirectiveNoFileComp
		},
		Run: func(c *cobra.Command, args []string) {
			cmd, _, err := c.Root().Find(args)
			if cmd == nil || err != nil {
				c.Print(catalogue.HelpTopicUnknown.F(args))
				cobra.CheckErr(c.Root().Usage())
				return
			}
			cmd.InitDefaultHelpFlag()
			cobra.CheckErr(cmd.Help())
		},
	}
}

// localizeCompletion puts the catalogue's words on cobra's completion
// command and its four shells: it is kept (administrators install it),
// and its texts are a few sentences each.
func localizeCompletion(root *cobra.Command) {
	for _, cmd := range root.Commands() {
		if cmd.Name() != "completion" {
			continue
		}
		cmd.Short = catalogue.HelpCompletion.F()
		cmd.Long = catalogue.HelpCompletionLong.F(root.Name())
		cmd.Args = noArgs
		long := map[string]catalogue.T{
			"bash":       catalogue.HelpCompletionBash,
			"zsh":        catalogue.HelpCompletionZsh,
			"fish":       catalogue.HelpCompletionFish,
			"powershell": catalogue.HelpCompletionPowerShell,
		}
		for _, shell := range cmd.Commands() {
			shell.Short = catalogue.HelpCompletionFor.F(shell.Name())
			shell.Long = long[shell.Name()].F(root.Name())
			shell.Args = noArgs
			if f := shell.Flags().Lookup("no-descriptions"); f != nil {
				f.Usage = catalogue.HelpFlagNoDesc.F()
			}
		}
	}
}

// The validators of positional arguments, in place of cobra's: their
// refusal names the command and the arguments it expects, as its use
// line does.

// exactArgs accepts exactly the arguments named.
func exactArgs(names ...string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) == len(names) {
			return nil
		}
		sentence := catalogue.ArgsExactN
		if len(names) == 1 {
			sentence = catalogue.ArgsExactOne
		}
		return catalogue.Errorf(sentence, cmd.CommandPath(), len(names), strings.Join(names, " "), len(args))
	}
}

// minArgs accepts n arguments or more, named names.
func minArgs(n int, names string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) >= n {
			return nil
		}
		return catalogue.Errorf(catalogue.ArgsAtLeast, cmd.CommandPath(), n, names, len(args))
	}
}

// maxArgs accepts n arguments or fewer, named names.
func maxArgs(n int, names string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) <= n {
			return nil
		}
		return catalogue.Errorf(catalogue.ArgsAtMost, cmd.CommandPath(), n, names, len(args))
	}
}

// noArgs accepts no argument.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return catalogue.Errorf(catalogue.ArgsNone, args[0], cmd.CommandPath())
	}
	return nil
}

// flagError words pflag's refusal of a flag, keeping what it names.
func flagError(_ *cobra.Command, err error) error {
	var notExist *pflag.NotExistError
	var needsValue *pflag.ValueRequiredError
	var invalid *pflag.InvalidValueError
	var syntax *pflag.InvalidSyntaxError
	switch {
	case errors.As(err, &notExist) && notExist.GetSpecifiedShortnames() != "":
		return catalogue.Errorf(catalogue.FlagUnknownShort, rune(notExist.GetSpecifiedName()[0]), notExist.GetSpecifiedShortnames())
	case errors.As(err, &notExist):
		return catalogue.Errorf(catalogue.FlagUnknown, notExist.GetSpecifiedName())
	case errors.As(err, &needsValue) && needsValue.GetSpecifiedShortnames() != "":
		return catalogue.Errorf(catalogue.FlagNeedsValueShort, rune(needsValue.GetSpecifiedName()[0]), needsValue.GetSpecifiedShortnames())
	case errors.As(err, &needsValue):
		return catalogue.Errorf(catalogue.FlagNeedsValue, needsValue.GetSpecifiedName())
	case errors.As(err, &invalid):
		f := invalid.GetFlag()
		name := "--" + f.Name
		if f.Shorthand != "" && f.ShorthandDeprecated == "" {
			name = "-" + f.Shorthand + ", " + name
		}
		return catalogue.Errorf(catalogue.FlagInvalidValue, invalid.GetValue(), name, invalid.Unwrap())
	case errors.As(err, &syntax):
		return catalogue.Errorf(catalogue.FlagBadSyntax, syntax.GetSpecifiedFlag())
	}
	return err
}

// cobraUnknownCommand is cobra's refusal of an unknown command after
// dossierd: cobra words it while finding the command, before any
// validator of ours runs.
var cobraUnknownCommand = regexp.MustCompile(`^unknown command ("(?:[^"\\]|\\.)*") for ("(?:[^"\\]|\\.)*")`)

// execute runs the command line given to newRoot, with cobra's refusal
// of an unknown command in the catalogue's words, its suggestions kept.
func execute(root *cobra.Command) error {
	err := root.Execute()
	if err == nil {
		return nil
	}
	m := cobraUnknownCommand.FindStringSubmatch(err.Error())
	if m == nil {
		return err
	}
	arg, err1 := strconv.Unquote(m[1])
	path, err2 := strconv.Unquote(m[2])
	if err1 != nil || err2 != nil || path != root.CommandPath() {
		return err
	}
	var b strings.Builder
	b.WriteString(catalogue.UnknownCommand.F(arg, path))
	if suggestions := root.SuggestionsFor(arg); len(suggestions) > 0 {
		b.WriteString(catalogue.DidYouMean.F())
		for _, s := range suggestions {
			fmt.Fprintf(&b, "\t%s\n", s)
		}
	}
	return errors.New(b.String())
}

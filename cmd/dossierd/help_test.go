package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/dossierd/dossierd/catalogue"
)

// englishConfig is a configuration file that asks for English. The
// language is the process's: the test leaves it French, for those after.
func englishConfig(t *testing.T) string {
	t.Helper()
	t.Cleanup(func() { catalogue.Set(catalogue.French) })
	cfg := filepath.Join(t.TempDir(), "sftpgo.json")
	if err := os.WriteFile(cfg, []byte(`{"common": {"language": "en"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// runArgs runs dossierd with args in-process, as main does, and returns
// what it printed and its refusal.
func runArgs(args ...string) (string, error) {
	root := newRoot(args)
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	err := execute(root)
	return out.String(), err
}

// rootHelpEN is `dossierd --help` in English, as it was before the help
// moved to the catalogue: scripts and people's notes may quote it.
const rootHelpEN = `SFTP, FTP/FTPS and web server for training centres

Usage:
  dossierd [command]

Available Commands:
  account     manage accounts
  apikey      manage the keys of the REST API (/api/v1)
  audit       who downloaded, uploaded, renamed or deleted what, when, from where
  backup      write a consistent copy of the database to FILE, while the daemon runs
  check-name  say whether names pass the filename policy, with a safe suggestion; exit 1 if any is refused
  completion  Generate the autocompletion script for the specified shell
  defender    addresses scored or banned for failed logins
  enroll      enroll a client, trainee or trainer in a session (creates its folder); --client: the client that sent the trainee
  events      the webhooks' outbox: events not delivered yet, or kept as failed
  export      write the directory as an import JSON file (without passwords)
  help        Help about any command
  import      make the directory follow the training-management system's export
  serve       run the SFTP, FTP and web servers (and the REST API)
  session     manage training sessions
  tree        show what LOGIN sees: one line per folder, r or rw, and where it is on disk
  unenroll    remove an enrollment (files stay on disk)
  version     print the version, the commit and the Go version of this binary

Flags:
      --config string   configuration file (default: ./sftpgo.json when present, else embedded defaults)
  -h, --help            help for dossierd

Use "dossierd [command] --help" for more information about a command.
`

func TestHelpLanguage(t *testing.T) {
	os.Unsetenv("DOSSIERD_COMMON__LANGUAGE")
	out, err := runArgs("--help")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Utilisation :", "Commandes disponibles :", "account     " + catalogue.HelpAccount.FR, "Options :", "aide de dossierd", "Pour l'aide d'une commande : « dossierd [commande] --help »."} {
		if !strings.Contains(out, want) {
			t.Errorf("dossierd --help lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "Available Commands") || strings.Contains(out, catalogue.HelpAccount.EN) {
		t.Errorf("dossierd --help has English:\n%s", out)
	}
	if out, err = runArgs("--config", englishConfig(t), "--help"); err != nil || out != rootHelpEN {
		t.Errorf("dossierd --help in English (%v):\n%s\nwant:\n%s", err, out, rootHelpEN)
	}
	// The environment's override counts too, as for every command; and
	// so does --config=FILE.
	t.Setenv("DOSSIERD_COMMON__LANGUAGE", "en")
	if out, _ := runArgs("account", "--help"); !strings.HasPrefix(out, catalogue.HelpAccount.EN+"\n\nUsage:") {
		t.Errorf("with DOSSIERD_COMMON__LANGUAGE=en: %s", out)
	}
	os.Unsetenv("DOSSIERD_COMMON__LANGUAGE")
	if out, _ := runArgs("--config="+englishConfig(t), "session", "add", "-h"); !strings.Contains(out, "Flags:\n") || !strings.Contains(out, catalogue.HelpFlagTitle.EN) {
		t.Errorf("with --config=FILE: %s", out)
	}
	// A configuration that does not load: the help is in the default
	// language, the command says what is wrong.
	if out, _ := runArgs("--config", "/nonexistent/sftpgo.json", "--help"); !strings.Contains(out, "Commandes disponibles") {
		t.Errorf("with a missing configuration: %s", out)
	}
}

// walkCommands calls f for every command of the tree, root included.
func walkCommands(cmd *cobra.Command, f func(*cobra.Command)) {
	f(cmd)
	for _, sub := range cmd.Commands() {
		walkCommands(sub, f)
	}
}

// TestHelpTreeInBothLanguages walks the whole command tree, help and
// completion included, in French and in English: every text is there in
// both, and the two differ (an entry left untranslated has the same
// text twice). Then every command's help in French has none of cobra's
// English words left.
func TestHelpTreeInBothLanguages(t *testing.T) {
	os.Unsetenv("DOSSIERD_COMMON__LANGUAGE")
	texts := func(args ...string) map[string]*cobra.Command {
		cmds := map[string]*cobra.Command{}
		walkCommands(newRoot(args), func(c *cobra.Command) { cmds[c.CommandPath()] = c })
		return cmds
	}
	fr, en := texts(), texts("--config", englishConfig(t))
	if len(fr) < 35 || len(fr) != len(en) {
		t.Fatalf("%d commands in French, %d in English", len(fr), len(en))
	}
	for path, f := range fr {
		e := en[path]
		if e == nil {
			t.Errorf("%s: missing in English", path)
			continue
		}
		if f.Short == "" || e.Short == "" || f.Short == e.Short {
			t.Errorf("%s: Short %q / %q", path, f.Short, e.Short)
		}
		if (f.Long != "" || e.Long != "") && (f.Long == "" || e.Long == "" || f.Long == e.Long) {
			t.Errorf("%s: Long %q / %q", path, f.Long, e.Long)
		}
		// Every flag differs; none needed an exception for a text made
		// of technical words only.
		f.Flags().VisitAll(func(ff *pflag.Flag) {
			ef := e.Flags().Lookup(ff.Name)
			if ef == nil || ff.Usage == "" || ef.Usage == "" || ff.Usage == ef.Usage {
				t.Errorf("%s --%s: usage %q / %v", path, ff.Name, ff.Usage, ef)
			}
		})
		if path == "dossierd" || strings.HasPrefix(path, "dossierd __") {
			continue
		}
		out, err := runArgs(append(strings.Fields(path)[1:], "--help")...)
		if err != nil {
			t.Errorf("%s --help: %v", path, err)
		}
		for _, english := range []string{"Usage:", "Flags:", "Available Commands", "help for", "[flags]", "(default ", "[command]", "for more information"} {
			if strings.Contains(out, english) {
				t.Errorf("%s --help has %q:\n%s", path, english, out)
			}
		}
	}
}

// TestRefusalsOfCommandLine: cobra's and pflag's refusals, in French
// (naming the command, what it expects, the flag, the unknown word) and,
// with common.language en, word for word what they were.
func TestRefusalsOfCommandLine(t *testing.T) {
	os.Unsetenv("DOSSIERD_COMMON__LANGUAGE")
	run, _ := cliEnv(t)
	runEN, _ := cliEnvConfig(t, `{"common": {"language": "en"}, "sftpd": {"bindings": []}, "ftpd": {"bindings": []}}`)
	t.Cleanup(func() { catalogue.Set(catalogue.French) })
	for _, tt := range []struct {
		args   []string
		fr, en string
	}{
		{[]string{"account", "add"}, "dossierd account add attend 1 argument (LOGIN), 0 donné(s)", "accepts 1 arg(s), received 0"},
		{[]string{"enroll", "S2026-014"}, "dossierd enroll attend 3 arguments (SESSION ROLE REF), 1 donné(s)", "accepts 3 arg(s), received 1"},
		{[]string{"check-name"}, "dossierd check-name attend au moins 1 argument (NAME...), 0 donné(s)", "requires at least 1 arg(s), only received 0"},
		{[]string{"export", "a", "b"}, "dossierd export attend au plus 1 argument (FILE), 2 donné(s)", "accepts at most 1 arg(s), received 2"},
		{[]string{"version", "now"}, `argument "now" en trop : "dossierd version" n'attend aucun argument`, `unknown command "now" for "dossierd version"`},
		{[]string{"account", "add", "x", "--bogus"}, "option inconnue : --bogus", "unknown flag: --bogus"},
		{[]string{"account", "add", "x", "-x"}, "option courte inconnue : 'x' dans -x", "unknown shorthand flag: 'x' in -x"},
		{[]string{"account", "add", "x", "--role"}, "l'option --role attend une valeur", "flag needs an argument: --role"},
		{[]string{"account", "invite", "x", "--hours", "many"}, `valeur "many" invalide pour l'option "--hours" : strconv.ParseInt`, `invalid argument "many" for "--hours" flag: strconv.ParseInt`},
		{[]string{"bogus"}, `commande inconnue "bogus" pour "dossierd"`, `unknown command "bogus" for "dossierd"`},
		{[]string{"acount"}, "commande inconnue \"acount\" pour \"dossierd\"\n\nVouliez-vous dire :\n\taccount\n", "unknown command \"acount\" for \"dossierd\"\n\nDid you mean this?\n\taccount\n"},
	} {
		for _, l := range []struct {
			run  func(...string) (string, error)
			want string
		}{{run, tt.fr}, {runEN, tt.en}} {
			if _, err := l.run(tt.args...); err == nil || !strings.HasPrefix(err.Error(), l.want) {
				t.Errorf("%q: %v, want %q", tt.args, err, l.want)
			}
		}
	}
	// help of an unknown topic.
	if out, err := run("help", "bogus"); err != nil || !strings.HasPrefix(out, "Sujet d'aide inconnu : [`bogus`]\nUtilisation :") {
		t.Errorf("help bogus: %v %q", err, out)
	}
}

// TestRefusalExit: the binary prints a refusal of its command line on one
// "dossierd:" line of standard error and exits 1.
func TestRefusalExit(t *testing.T) {
	bin := buildBinary(t)
	cmd := exec.Command(bin, "account", "add")
	cmd.Dir = t.TempDir()
	for _, v := range os.Environ() {
		if !strings.HasPrefix(v, "DOSSIERD_") {
			cmd.Env = append(cmd.Env, v)
		}
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("exit: %v", err)
	}
	if want := "dossierd: dossierd account add attend 1 argument (LOGIN), 0 donné(s)\n"; stderr.String() != want || stdout.Len() > 0 {
		t.Errorf("stderr %q, stdout %q; want %q on stderr", stderr.String(), stdout.String(), want)
	}
}

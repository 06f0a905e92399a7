package interop

import (
	"net"
	"net/textproto"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// curlReplies runs curl -v and returns the server's replies it shows
// ("< " lines), and whether curl succeeded.
func (c *ftpCLI) curlReplies(login string, args ...string) ([]string, string, error) {
	c.t.Helper()
	out, err := c.curl(login, append([]string{"-v"}, args...)...)
	var replies []string
	for _, l := range strings.Split(out, "\n") {
		if r, ok := strings.CutPrefix(strings.TrimRight(l, "\r"), "< "); ok {
			replies = append(replies, r)
		}
	}
	return replies, out, err
}

// TestFTPRepliesInFrench: with the default language the replies of the
// ftpserverlib fork that FileZilla shows in its message log (login, TYPE,
// PASV and EPSV, the start and end of a listing or a download, CWD into a
// file, an unknown command; a command before login and QUIT over a bare
// connection) reach curl and lftp in French, and none of the fork's English texts.
func TestFTPRepliesInFrench(t *testing.T) {
	t.Parallel()
	c := startFTPCLI(t, "curl", "lftp")
	file := mine + "/" + facture
	dst := filepath.Join(c.dir, "got.pdf")
	english := []string{"Type set to", "Using transfer connection", "Closing transfer connection",
		"Entering ", "Can't change directory", "Unknown command", "Password required", "Goodbye",
		"AUTH command ok", "Please login"}
	for _, tc := range []struct {
		what string
		args []string
		ok   bool
		want []string // replies, each the start of one
	}{
		{"download", []string{"-o", dst, c.url(file)}, true, []string{
			"234 AUTH accepté, en attente de la négociation TLS",
			"331 Mot de passe requis",
			"230 Bienvenue",
			"229 Entrée en mode passif étendu (|||",
			"200 Type réglé sur binaire",
			"150 Connexion de données ouverte, transfert en cours",
			"226 Transfert terminé, fermeture de la connexion de données",
		}},
		{"listing over PASV", []string{"--disable-epsv", c.url(mine + "/")}, true, []string{
			"227 Entrée en mode passif (",
			"200 Type réglé sur ASCII",
			"150 Connexion de données ouverte, transfert en cours",
			"226 Transfert terminé, fermeture de la connexion de données",
		}},
		{"CWD into a file", []string{"-Q", "CWD " + file, c.url(mine + "/")}, false, []string{
			"550 Impossible d'ouvrir " + file + " : ce n'est pas un dossier",
		}},
		{"an unknown command", []string{"-Q", "FOO", c.url(mine + "/")}, false, []string{
			`500 Commande inconnue : "FOO"`,
		}},
	} {
		replies, out, err := c.curlReplies("acme", tc.args...)
		if (err == nil) != tc.ok {
			t.Errorf("curl, %s: %v\n%s", tc.what, err, out)
		}
		for _, w := range tc.want {
			if !slices.ContainsFunc(replies, func(r string) bool { return strings.HasPrefix(r, w) }) {
				t.Errorf("curl, %s: no reply %q in:\n%s", tc.what, w, strings.Join(replies, "\n"))
			}
		}
		for _, e := range english {
			if s := strings.Join(replies, "\n"); strings.Contains(s, e) {
				t.Errorf("curl, %s: English %q in:\n%s", tc.what, e, s)
			}
		}
	}

	// lftp lists with MLSD; its debug output shows the replies as
	// "<--- " lines.
	out := c.mustLftp("acme", "debug 10", "cls "+lftpQ(mine+"/"))
	for _, w := range []string{
		"<--- 150 Connexion de données ouverte, transfert en cours",
		"<--- 226 Transfert terminé, fermeture de la connexion de données",
	} {
		if !strings.Contains(out, w) {
			t.Errorf("lftp cls: no %q in:\n%s", w, out)
		}
	}
	if !regexp.MustCompile(`(?m)^---> MLSD`).MatchString(out) {
		t.Errorf("lftp did not list with MLSD:\n%s", out)
	}
	for _, e := range english {
		if strings.Contains(out, e) {
			t.Errorf("lftp cls: English %q in:\n%s", e, out)
		}
	}

	// A command before login (no client sends one; FileZilla shows the
	// reply when a login is lost).
	nc, err := net.DialTimeout("tcp", c.env.FTPAddr(), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(time.Minute))
	tp := textproto.NewConn(nc)
	if _, _, err := tp.ReadResponse(220); err != nil {
		t.Fatal(err)
	}
	if err := tp.PrintfLine("PWD"); err != nil {
		t.Fatal(err)
	}
	if _, msg, err := tp.ReadResponse(530); err != nil || msg != "Connectez-vous d'abord (USER puis PASS)" {
		t.Errorf("PWD before login: %q, %v; want 530 Connectez-vous d'abord (USER puis PASS)", msg, err)
	}
	if err := tp.PrintfLine("QUIT"); err != nil {
		t.Fatal(err)
	}
	if _, msg, err := tp.ReadResponse(221); err != nil || msg != "Au revoir" {
		t.Errorf("QUIT: %q, %v; want 221 Au revoir", msg, err)
	}
}

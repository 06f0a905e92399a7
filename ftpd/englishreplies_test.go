package ftpd_test

import (
	"io"
	"strings"
	"testing"

	"github.com/dossierd/dossierd/scenario"
)

// TestEnglishReplies: with common.language "en" the replies of the
// ftpserverlib fork a FileZilla user reads in the message log keep the
// fork's English texts (interop TestFTPRepliesInFrench checks the
// default, French).
func TestEnglishReplies(t *testing.T) {
	env := scenario.Start(t, nil)
	r := dialRaw(t, env, plain)
	for _, tc := range []struct {
		cmd  string
		code int
		want string
	}{
		{"PWD", 530, "Please login with USER and PASS"},
		{"USER acme", 331, "Password required"},
		{"PASS " + env.Passwords["acme"], 230, "Welcome"},
		{"TYPE I", 200, "Type set to binary"},
		{"TYPE A", 200, "Type set to ASCII"},
		{"MODE S", 200, "Using stream mode"},
		{"PWD", 257, `"/" is the current directory`},
		{"CWD " + mine + "/Facture F2026-0042.pdf", 550, "Can't change directory to " + mine + "/Facture F2026-0042.pdf: Not a Directory"},
		{"FOO", 500, `Unknown command "FOO"`},
		{"MKD " + mine + "/Nouveau", 257, `Created dir "` + mine + `/Nouveau"`},
		{"RMD " + mine + "/Nouveau", 250, "Deleted dir " + mine + "/Nouveau"},
		{"RNTO " + mine + "/b.pdf", 503, "RNFR is expected before RNTO"},
		{"PASV", 227, "Entering Passive Mode ("},
		{"EPSV", 229, "Entering Extended Passive Mode (|||"},
		{"ABOR", 226, "ABOR successful; closing transfer connection"},
	} {
		msg := r.cmd(tc.code, "%s", tc.cmd)
		if !strings.Contains(msg, tc.want) {
			t.Errorf("%s: %q, want it to contain %q", tc.cmd, msg, tc.want)
		}
	}
	for _, list := range []string{"MLSD " + mine, "LIST " + mine} {
		stream, _ := r.data(env)
		if msg := r.cmd(150, "%s", list); msg != "Using transfer connection" {
			t.Errorf("%s: %q, want %q", list, msg, "Using transfer connection")
		}
		if _, err := io.ReadAll(stream); err != nil {
			t.Fatalf("%s: reading the listing: %v", list, err)
		}
		stream.Close()
		if msg := r.expect(226); msg != "Closing transfer connection" {
			t.Errorf("%s: end %q, want %q", list, msg, "Closing transfer connection")
		}
	}
	if msg := r.cmd(221, "QUIT"); !strings.Contains(msg, "Goodbye") {
		t.Errorf("QUIT: %q, want Goodbye", msg)
	}
}

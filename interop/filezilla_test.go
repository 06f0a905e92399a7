package interop

import (
	"bufio"
	"context"
	"io"
	"maps"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dossierd/dossierd/scenario"
)

// FileZilla's SFTP engine is fzsftp (Debian: filezilla, /usr/bin/fzsftp),
// PuTTY's psftp changed to speak a line protocol with FileZilla's engine
// (FileZilla's src/putty/fzprintf.h, src/engine/sftp/): the engine writes
// one command a line on its stdin (`open "user@host" port`, the password,
// `cd "dir"`, `put "local" "remote"`, `mkdir "name"`, `mv "from" "to"`,
// `ls`; quotes doubled inside a quoted name) and reads events from its
// stdout, each a line starting with one character, '0' + the event's
// number in fzprintf.h's sftpEventTypes. The driver below answers the
// host-key and password prompts the way the engine does
// (sftpcontrolsocket.cpp) and collects, per command, the error lines —
// which FileZilla prints as they are, after "Error:" — and the Done code.

// fzsftp events (fzprintf.h, FZSFTP_PROTOCOL_VERSION 11).
const (
	fzReply       = '0'
	fzDone        = '1'
	fzError       = '2'
	fzListentry   = '0' + 8
	fzAskHostkey  = '0' + 9  // followed by a second line (port)
	fzAskChanged  = '0' + 10 // idem
	fzAskBetter   = '0' + 11 // idem
	fzAskPassword = '0' + 12
	fzQuotaRecv   = '0' + 16 // fzsftp asks how much it may receive
	fzQuotaSend   = '0' + 17 // and send
	fzHostkey     = '0' + 25 // "algorithm bits SHA256:fingerprint"
)

// fzEvent is one event of fzsftp: its type and its text (lines joined).
type fzEvent struct {
	kind byte
	text string
}

// fzResult is what one command produced: its error lines and the Done
// code the engine turns into a reply (sftpcontrolsocket.cpp OnSftpEvent:
// "1" FZ_REPLY_OK, "2" FZ_REPLY_CRITICALERROR, else FZ_REPLY_ERROR); a
// Reply event counts as "1".
type fzResult struct {
	errors []string
	done   string
	events []fzEvent
}

func (r fzResult) ok() bool { return r.done == "1" }

// fzsftp is one fzsftp process logged in to the daemon.
type fzsftp struct {
	t        *testing.T
	in       io.WriteCloser
	events   chan fzEvent
	password string
	hostkey  string // what fzsftp reported of the host key (its Hostkey event)
}

// startFzsftp runs fzsftp as FileZilla does (`fzsftp -v`) and logs in as
// login, trusting the host key for this session only (the engine's
// "Once": "n"), with HOME in a scratch folder so nothing is stored.
func startFzsftp(t *testing.T, env *scenario.Env, login string) *fzsftp {
	t.Helper()
	needTools(t, "fzsftp")
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, "fzsftp", "-v")
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	cmd.WaitDelay = 5 * time.Second
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	f := &fzsftp{t: t, in: in, events: make(chan fzEvent, 64), password: env.Passwords[login]}
	go f.read(out)
	t.Cleanup(func() {
		in.Close()
		_ = cmd.Wait()
	})
	if ev := f.next(); ev.kind != fzReply || !strings.HasPrefix(ev.text, "fzSftp started") {
		t.Fatalf("fzsftp did not start: %q", ev.text)
	}
	host, port, err := net.SplitHostPort(env.SFTPAddr())
	if err != nil {
		t.Fatal(err)
	}
	if r := f.run(`open "` + login + "@" + host + `" ` + port); !r.ok() {
		t.Fatalf("fzsftp login as %s: %q (done %s)", login, r.errors, r.done)
	}
	return f
}

// read turns fzsftp's stdout into events. A quota request is its type
// character alone, with no newline (fzprintf.c fznotify); a prompt carries
// a second line, a list entry three (input_parser.cpp
// SftpInputParser::lines).
func (f *fzsftp) read(out io.Reader) {
	defer close(f.events)
	br := bufio.NewReader(out)
	for {
		kind, err := br.ReadByte()
		if err != nil {
			return
		}
		ev := fzEvent{kind: kind}
		lines := 1
		switch kind {
		case '\n':
			continue
		case fzQuotaRecv, fzQuotaSend:
			lines = 0
		case fzAskHostkey, fzAskChanged, fzAskBetter:
			lines = 2
		case fzListentry:
			lines = 3
		}
		for i := range lines {
			line, err := br.ReadString('\n')
			if err != nil {
				return
			}
			if i > 0 {
				ev.text += "\n"
			}
			ev.text += strings.TrimSuffix(line, "\n")
		}
		f.events <- ev
	}
}

func (f *fzsftp) next() fzEvent {
	f.t.Helper()
	select {
	case ev, ok := <-f.events:
		if !ok {
			f.t.Fatal("fzsftp exited")
		}
		return ev
	case <-time.After(testTimeout):
		f.t.Fatal("fzsftp: no event within the test timeout")
	}
	return fzEvent{}
}

func (f *fzsftp) send(line string) {
	f.t.Helper()
	if _, err := io.WriteString(f.in, line+"\n"); err != nil {
		f.t.Fatalf("fzsftp: %v", err)
	}
}

// run sends one command and collects its events until Done, answering
// prompts on the way.
func (f *fzsftp) run(command string) fzResult {
	f.t.Helper()
	f.send(command)
	var r fzResult
	for {
		ev := f.next()
		r.events = append(r.events, ev)
		switch ev.kind {
		case fzDone:
			r.done = ev.text
			return r
		case fzReply:
			// A command that replies (cd, pwd, mkdir) sends no Done
			// (psftp.c do_sftp: pending_reply).
			r.done = "1"
			return r
		case fzError:
			r.errors = append(r.errors, ev.text)
		case fzHostkey:
			f.hostkey = ev.text
		case fzAskHostkey, fzAskBetter:
			f.send("n")
		case fzAskChanged:
			f.t.Fatalf("fzsftp: host key changed: %q", ev.text)
		case fzAskPassword:
			f.send(f.password)
		case fzQuotaRecv, fzQuotaSend:
			// Unlimited, as the engine answers without a speed limit
			// (OnQuotaRequest: "-<direction>-", inbound 0, outbound 1).
			f.send("-" + string('0'+ev.kind-fzQuotaRecv) + "-")
		}
	}
}

// fzQuote is the engine's QuoteFilename: double quotes, inner ones doubled.
func fzQuote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// TestFileZillaShowsRefusals: the error line FileZilla prints for a
// refused upload into a read-only folder, an upload under a refused name
// and a refused rename holds our sentence (the status is FAILURE:
// sftpd handlers.fail), and nothing is written. The Done code is 0, the
// FZ_REPLY_ERROR that FileZilla's queue retries: fzsftp gives it for any
// server refusal, so no status can stop the retries (ARCHITECTURE.md).
func TestFileZillaShowsRefusals(t *testing.T) {
	t.Parallel()
	needTools(t, "fzsftp")
	env := scenario.Start(t, nil)
	local := filepath.Join(t.TempDir(), "Rapport.pdf")
	if err := os.WriteFile(local, []byte("%PDF-1.4 fzsftp\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f := startFzsftp(t, env, "acme")
	for _, tc := range []struct {
		what, cmd, disk string
		want            []string
	}{
		{"upload into a read-only folder",
			"put " + fzQuote(local) + " " + fzQuote(sst+"/Documents/x.pdf"), "sessions/S2026-014/clients/C0042/x.pdf",
			[]string{"received failure with description", `impossible d'envoyer "` + sst + `/Documents/x.pdf" : dossier en lecture seule`, `vous pouvez envoyer des fichiers dans "/Mes documents"`}},
		{"upload under a refused name",
			"put " + fzQuote(local) + " " + fzQuote(mine+"/Hélène l'été.pdf"), acmeDir + "/Hélène l'été.pdf",
			[]string{"received failure with description", `nom "Hélène l'été.pdf" refusé`, `le caractère "é" n'est pas autorisé`, `essayez "Helene l ete.pdf"`}},
		{"rename to a refused name",
			"mv " + fzQuote(mine+"/Facture F2026-0042.pdf") + " " + fzQuote(mine+"/R&D.pdf"), acmeDir + "/R&D.pdf",
			[]string{"received failure with description", `nom "R&D.pdf" refusé`, `le caractère "&" n'est pas autorisé`}},
		{"rename in a read-only folder",
			"mv " + fzQuote(sst+"/Documents/Convention ACME S2026-014.pdf") + " " + fzQuote(sst+"/Documents/y.pdf"), "sessions/S2026-014/clients/C0042/y.pdf",
			[]string{"received failure with description", "dossier en lecture seule"}},
	} {
		r := f.run(tc.cmd)
		if r.ok() || len(r.errors) != 1 {
			t.Errorf("%s: done %s, error lines %q; want a failure with one error line", tc.what, r.done, r.errors)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(r.errors[0], w) {
				t.Errorf("%s: FileZilla shows %q, want it to contain %q", tc.what, r.errors[0], w)
			}
		}
		if r.done != "0" {
			t.Errorf("%s: Done %q; FileZilla retries 0 (FZ_REPLY_ERROR) and not 2 (FZ_REPLY_CRITICALERROR): if fzsftp now tells them apart, revisit sftpd handlers.fail", tc.what, r.done)
		}
		mustNotExist(t, env, tc.disk)
	}
	// Not-found keeps its own status, which FileZilla words itself.
	if r := f.run("mv " + fzQuote(mine+"/absent.pdf") + " " + fzQuote(mine+"/b.pdf")); r.ok() || len(r.errors) != 1 || !strings.HasSuffix(r.errors[0], ": no such file or directory") {
		t.Errorf("rename of a missing file: done %s, %q; want \"no such file or directory\"", r.done, r.errors)
	}
}

// TestFileZillaListingStable: the times FileZilla lists for the virtual
// folders are the same across two logins a second apart, and the host key
// it is shown is the one the server logged.
func TestFileZillaListingStable(t *testing.T) {
	t.Parallel()
	needTools(t, "fzsftp")
	rec := &scenario.Records{}
	env := scenario.StartLogging(t, nil, rec)
	listing := func(f *fzsftp, dir string) map[string]string {
		if r := f.run("cd " + fzQuote(dir)); !r.ok() {
			t.Fatalf("cd %s: %q", dir, r.errors)
		}
		r := f.run("ls")
		if !r.ok() {
			t.Fatalf("ls %s: %q", dir, r.errors)
		}
		out := map[string]string{}
		for _, ev := range r.events {
			// A list entry: the long name, the mtime in seconds, the name.
			if e := strings.Split(ev.text, "\n"); ev.kind == fzListentry && len(e) == 3 {
				out[dir+" "+e[2]] = e[1]
			}
		}
		return out
	}
	first := startFzsftp(t, env, "acme")
	before := listing(first, "/")
	maps.Copy(before, listing(first, "/Sessions"))
	if _, ok := before["/ Sessions"]; !ok || len(before) < 3 {
		t.Fatalf("listings of / and /Sessions: %v", before)
	}
	time.Sleep(1100 * time.Millisecond) // past a second: a time taken per login would differ
	second := startFzsftp(t, env, "acme")
	after := listing(second, "/")
	maps.Copy(after, listing(second, "/Sessions"))
	for k, v := range before {
		if after[k] != v {
			t.Errorf("%s: mtime %s at the first login, %s at the second", k, v, after[k])
		}
	}

	// fzsftp reports "ssh-ed25519 255 SHA256:…"; the log has the key's
	// fingerprint alone.
	shown := first.hostkey[strings.LastIndex(first.hostkey, " ")+1:]
	var logged []string
	for _, r := range rec.Find("host key") {
		logged = append(logged, r["fingerprint"])
	}
	if !strings.HasPrefix(shown, "SHA256:") || !slices.Contains(logged, shown) {
		t.Errorf("fzsftp was shown host key %q; the server logged %q", first.hostkey, logged)
	}
}

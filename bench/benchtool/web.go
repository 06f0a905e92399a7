//go:build linux

package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/dossierd/dossierd/bench/internal/benchkit"
)

// The web rows of run.sh: the espace privé's protocol driven by a Go
// client that behaves as a browser does (benchkit.WebClient), since no
// command-line client speaks the chunked upload of the page.
//
//	benchtool web-put -url U -user L -password P -file F -folder D -name N
//	benchtool web-get -url U -user L -password P -path V -out F
//	benchtool web-sessions -url U -user L -password P -folder D -lists PREFIX -n 50 -out DIR

type webFlags struct {
	fs                   *flag.FlagSet
	base, user, password *string
}

func newWebFlags(name string) webFlags {
	fs := flag.NewFlagSet(name, flag.ExitOnError)
	return webFlags{fs: fs,
		base:     fs.String("url", "", "https://127.0.0.1:port of the web front-end"),
		user:     fs.String("user", "", "login"),
		password: fs.String("password", "", "password"),
	}
}

// session logs a new browser in.
func (f webFlags) session() (*benchkit.WebClient, error) {
	if *f.base == "" || *f.user == "" {
		return nil, errors.New("-url and -user are required")
	}
	c := benchkit.NewWebClient(*f.base)
	if err := c.Login(*f.user, *f.password); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// webPut uploads one file as the page does (16 MiB chunks).
func webPut(args []string) error {
	f := newWebFlags("web-put")
	file := f.fs.String("file", "", "local file")
	folder := f.fs.String("folder", "", "virtual folder")
	name := f.fs.String("name", "", "name in the folder")
	f.fs.Parse(args)
	c, err := f.session()
	if err != nil {
		return err
	}
	defer c.Close()
	return c.Upload(*file, *folder, *name)
}

// webGet downloads one file.
func webGet(args []string) error {
	f := newWebFlags("web-get")
	p := f.fs.String("path", "", "virtual path")
	out := f.fs.String("out", "", "local file")
	f.fs.Parse(args)
	c, err := f.session()
	if err != nil {
		return err
	}
	defer c.Close()
	return c.DownloadFile(*p, *out)
}

// webSessions runs n browsers at once; browser i logs in, lists the
// folder (its page), downloads each file named in PREFIXi (one name a
// line) into DIR/ci/, and logs out.
func webSessions(args []string) error {
	f := newWebFlags("web-sessions")
	n := f.fs.Int("n", 50, "browsers")
	folder := f.fs.String("folder", "", "virtual folder listed and downloaded from")
	lists := f.fs.String("lists", "", "prefix of the files naming what each browser downloads (PREFIX1 … PREFIXn)")
	out := f.fs.String("out", "", "local folder: browser i saves into out/ci")
	f.fs.Parse(args)
	var wg sync.WaitGroup
	errs := make([]error, *n)
	for i := 1; i <= *n; i++ {
		wg.Go(func() {
			errs[i-1] = webSession(f, *folder, fmt.Sprintf("%s%d", *lists, i), filepath.Join(*out, fmt.Sprintf("c%d", i)))
		})
	}
	wg.Wait()
	failed := 0
	for i, err := range errs {
		if err != nil {
			failed++
			fmt.Fprintf(os.Stderr, "browser %d: %v\n", i+1, err)
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d browsers failed", failed, *n)
	}
	return nil
}

func webSession(f webFlags, folder, list, dir string) error {
	names, err := os.ReadFile(list)
	if err != nil {
		return err
	}
	c, err := f.session()
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := c.List(folder); err != nil {
		return err
	}
	for _, name := range strings.Fields(string(names)) {
		if err := c.DownloadFile(folder+"/"+name, filepath.Join(dir, name)); err != nil {
			return err
		}
	}
	return c.Logout()
}

// Package browser holds the tests of the web front-end (httpd) in a real
// browser: Debian's chromium, headless, driven from go test by chromedp.
// They do what a user does — log in, click, choose files in the file
// picker, answer the confirmation dialogs, reload a page in the middle of
// an upload — and check what the user sees in the page and what arrives on
// disk. The pages are read in French, the language they are served in by
// default. With DOSSIERD_SCREENSHOTS=docs/web the same tests save the
// screenshots shown in the README.
//
// Without chromium the tests skip, except under CI (the CI variable is
// set), where a missing browser is a failure: CI must run them.
package browser

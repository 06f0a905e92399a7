package httpd_test

import (
	"os"
	"testing"

	"github.com/dossierd/dossierd/catalogue"
)

// The tests of this package check sentences in English, the catalogue's
// second language; the browser suite (httpd/browser) reads the French.
func TestMain(m *testing.M) {
	catalogue.Set(catalogue.English)
	os.Exit(m.Run())
}

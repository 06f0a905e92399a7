package api

import (
	"os"
	"testing"

	"github.com/dossierd/dossierd/catalogue"
)

// The tests of this package check sentences in English, the catalogue's
// second language.
func TestMain(m *testing.M) {
	catalogue.Set(catalogue.English)
	os.Exit(m.Run())
}

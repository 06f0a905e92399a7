package scenario_test

import (
	"os"
	"testing"

	"github.com/dossierd/dossierd/catalogue"
)

// The table checks sentences in English, the catalogue's second language.
func TestMain(m *testing.M) {
	catalogue.Set(catalogue.English)
	os.Exit(m.Run())
}

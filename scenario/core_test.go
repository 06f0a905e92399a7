package scenario_test

import (
	"testing"

	"github.com/dossierd/dossierd/scenario"
)

// TestScenarioTableCore runs the table in-process against the core's
// operations: what both protocols then only translate.
func TestScenarioTableCore(t *testing.T) {
	t.Parallel()
	env := scenario.Start(t, nil)
	scenario.Run(t, env, scenario.DialCore)
}

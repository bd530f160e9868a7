package main

import (
	"testing"

	"github.com/nettutor/nettutor/engine/testkit"
)

// parallelRuns is how many subtests of an all-lesson test run at once,
// each running the binary on a lab of its own: a lesson run mostly waits
// (probes meant to get no answer, captures falling quiet), so two at once
// (as many as the machine's cores, like go test's -parallel) fill each
// other's waits; more made timing-bound checks fail on a loaded machine.
const parallelRuns = testkit.Parallel

// namedCase is one subtest: its name and its body.
type namedCase struct {
	name string
	run  func(t *testing.T)
}

// runParallel runs every case as a subtest of t, parallelRuns at a time,
// and returns when every case is done (engine/testkit.RunEach).
func runParallel(t *testing.T, cases []namedCase) {
	t.Helper()
	testkit.RunEach(t, parallelRuns, cases, func(c namedCase) string { return c.name },
		func(_ int, t *testing.T, c namedCase) { c.run(t) })
}

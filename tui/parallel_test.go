package tui

import (
	"testing"

	"github.com/nettutor/nettutor/engine/testkit"
)

// parallelLabs is how many subtests of an all-lesson test run at once, each
// on a lab of its own: a lesson's steps mostly wait (probes meant to get no
// answer, captures falling quiet), so two at once (as many as the
// machine's cores, like go test's -parallel) fill each other's waits; more
// made timing-bound checks fail on a loaded machine.
const parallelLabs = testkit.Parallel

// namedCase is one subtest: its name and its body.
type namedCase struct {
	name string
	run  func(t *testing.T)
}

// runParallel runs every case as a subtest of t, parallelLabs at a time,
// and returns when every case is done (engine/testkit.RunEach).
func runParallel(t *testing.T, cases []namedCase) {
	t.Helper()
	testkit.RunEach(t, parallelLabs, cases, func(c namedCase) string { return c.name },
		func(_ int, t *testing.T, c namedCase) { c.run(t) })
}

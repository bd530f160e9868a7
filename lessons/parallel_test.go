package lessons

import (
	"testing"

	"github.com/nettutor/nettutor/engine"
	"github.com/nettutor/nettutor/engine/testkit"
)

// parallelLabs is how many subtests of a long all-lesson test (every
// answer, every fault) run at once, each on a lab of its own. Those
// subtests mostly wait: a probe meant to get no answer waits its whole
// timeout, a wrong answer's checks wait for replies that do not come. Two
// at once (as many as the machine's cores, like go test's -parallel) fill
// each other's waits; more made timing-bound checks (a ping's one-second
// wait, a capture falling quiet) fail on a loaded machine.
const parallelLabs = testkit.Parallel

// Single-lab tests that mostly wait (a probe meant to get no answer waits
// its whole timeout; a lesson's steps wait for captures to fall quiet)
// call t.Parallel: go test runs them two at a time (-test.parallel, the
// cores) once the package's other tests are done, so that their waits
// overlap. Each makes its own lab and changes nothing the others read (a
// built-in lesson is only read).
//
// Tests that run cases on workers (runOnLabs, runParallel) call
// t.Parallel too, so that the long ones (TestSolutions, TestGradeAnswers,
// TestFaultsWithPlainTools: about four minutes one after another, mostly
// spent waiting) overlap. Their cases then take a slot of workerSlots
// each, so that however many such tests run side by side, at most
// workerSlots of their cases run at once: beside a single-lab test (the
// other -test.parallel slot), the package has at most four labs at work.
// When they ran one test at a time, two cases at once, the package used
// about 0.6 of the machine's two cores (2026-12-07: 258 s of CPU in a
// 433 s run).

// workerSlots bounds the cases of runOnLabs and runParallel that run at
// once, across every test of the package (see above).
var workerSlots = make(chan struct{}, parallelLabs+1)

// inSlot runs f in one of workerSlots.
func inSlot(f func()) {
	workerSlots <- struct{}{}
	defer func() { <-workerSlots }()
	f()
}

// labCase is one subtest that runs on a lab handed to it.
type labCase struct {
	name string
	run  func(t *testing.T, lab *engine.Lab)
}

// runOnLabs runs every case as a subtest of t, parallelLabs at a time.
// Each worker owns one lab for all its cases, made here before any case
// runs; a case resets the lab it is given (as it did on the one lab the
// test used before), so cases stay as independent as they were. runOnLabs
// returns when every case is done.
func runOnLabs(t *testing.T, cases []labCase) {
	t.Helper()
	n := min(parallelLabs, len(cases))
	labs := make([]*engine.Lab, n)
	for i := range labs {
		labs[i] = newLab(t)
	}
	testkit.RunEach(t, n, cases, func(c labCase) string { return c.name },
		func(w int, t *testing.T, c labCase) { inSlot(func() { c.run(t, labs[w]) }) })
}

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
		func(_ int, t *testing.T, c namedCase) { inSlot(func() { c.run(t) }) })
}

package tui

import (
	"sync"
	"testing"
)

// parallelLabs is how many subtests of an all-lesson test run at once, each
// on a lab of its own: a lesson's steps mostly wait (probes meant to get no
// answer, captures falling quiet), so two at once (as many as the
// machine's cores, like go test's -parallel) fill each other's waits; more
// made timing-bound checks fail on a loaded machine.
const parallelLabs = 2

// namedCase is one subtest: its name and its body.
type namedCase struct {
	name string
	run  func(t *testing.T)
}

// runParallel runs every case as a subtest of t, parallelLabs at a time,
// and returns when every case is done (so that t can then sum up what the
// cases counted).
func runParallel(t *testing.T, cases []namedCase) {
	t.Helper()
	work := make(chan namedCase)
	var wg sync.WaitGroup
	for range min(parallelLabs, len(cases)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range work {
				t.Run(c.name, c.run)
			}
		}()
	}
	for _, c := range cases {
		work <- c
	}
	close(work)
	wg.Wait()
}

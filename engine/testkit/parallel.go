// Package testkit holds what the packages' tests share and Go's testing
// package does not give: running the cases of an all-lesson test a few at
// a time. Only tests import it.
package testkit

import (
	"sync"
	"testing"
)

// Parallel is how many cases of an all-lesson test run at once. Such cases
// mostly wait (a probe meant to get no answer waits its whole timeout, a
// capture waits to fall quiet), so two at once, as many as the CI
// machine's cores, fill each other's waits; more made timing-bound checks
// fail on a loaded machine.
const Parallel = 2

// RunEach runs every case as a subtest of t (named by name), n at a time
// on n workers, and returns when every case is done, so that t can then
// sum up what the cases found. run gets the worker's index, so a caller
// can hand each worker a resource of its own (a lab) for all its cases.
// t.Run may be called from several goroutines at once; each call returns
// before RunEach does.
func RunEach[C any](t *testing.T, n int, cases []C, name func(C) string, run func(worker int, t *testing.T, c C)) {
	t.Helper()
	work := make(chan C)
	var wg sync.WaitGroup
	for w := range min(n, len(cases)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range work {
				t.Run(name(c), func(t *testing.T) { run(w, t, c) })
			}
		}()
	}
	for _, c := range cases {
		work <- c
	}
	close(work)
	wg.Wait()
}

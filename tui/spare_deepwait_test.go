package tui

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestDeepSpareWaitsForTheReader: with two spares, the deep one starts
// only once the learner has read on for DeepWait after the first is
// ready. A learner who goes on sooner (here after 300 ms) starts no deep build at all (it is
// stale when the wait ends, never cancelled midway: a cancelled build
// says context.Canceled), and one who reads on gets it.
func TestDeepSpareWaitsForTheReader(t *testing.T) {
	const id = "nat"
	ctx := context.Background()
	b, s := openReal(t, id, 2)
	// Long beside the learner's 300 ms below, so that a loaded machine
	// does not reach it first.
	b.DeepWait = 3 * time.Second
	ch := make(chan deepResult, 16)
	s.deepBuilt = func(n int, err error) { ch <- deepResult{n, err} }
	next := func(n int) deepResult {
		t.Helper()
		select {
		case r := <-ch:
			if r.n != n {
				t.Fatalf("deep build to %d steps, want %d", r.n, n)
			}
			return r
		case <-time.After(5 * time.Minute):
			t.Fatalf("no deep build to %d steps ended", n)
		}
		return deepResult{}
	}

	runSteps(t, s, 3)
	if err := s.PrepareBack(ctx, 2); err != nil {
		t.Fatalf("PrepareBack(2): %v", err)
	}
	time.Sleep(300 * time.Millisecond) // the learner reads a little
	s.smu.Lock()
	started := s.deep != nil
	s.smu.Unlock()
	if started {
		t.Fatal("the deep spare started before the reader's wait")
	}
	runSteps1(t, s, 3) // and goes on
	if r := next(1); !errors.Is(r.err, errSpareStale) {
		t.Errorf("the deep build for the step left: %v, want it never started (%v)", r.err, errSpareStale)
	}
	if _, deep := spareLabs(s); deep != nil {
		t.Error("a deep spare was built for a step the learner had left")
	}

	if err := s.PrepareBack(ctx, 3); err != nil {
		t.Fatalf("PrepareBack(3): %v", err)
	}
	if r := next(2); r.err != nil { // the learner reads on
		t.Fatalf("the deep spare to 2 steps: %v", r.err)
	}
	s.smu.Lock()
	ok := s.deep != nil && s.deep.ready && s.deep.target == 2
	s.smu.Unlock()
	if !ok {
		t.Error("no deep spare ready at 2 steps after the wait")
	}
}

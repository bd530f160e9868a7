package tui

import (
	"context"
	"testing"
	"time"

	"github.com/nettutor/nettutor/lessons"
)

// TestSpareFollowsTheLesson: with the spare asked for after every step,
// as the lesson view does, the spare is carried on by one step each time
// (the same runner on the same lab, not a rebuild from a reset), and `p`
// at the end swaps in a lab that shows what a rebuild shows, as in
// TestBackSwapShowsWhatARebuildShows. calico is a cluster lesson (nodes,
// pods, routes per pod), nat one with conntrack and captures.
func TestSpareFollowsTheLesson(t *testing.T) {
	// A lesson per subtest, two at once (runParallel): each on labs of
	// its own (the rebuilt view, the live lab, its spares).
	var cases []namedCase
	for _, id := range []string{"nat", "calico"} {
		cases = append(cases, namedCase{id, func(t *testing.T) {
			n, want, _ := rebuiltView(t, id)
			ctx := context.Background()

			b, s := openReal(t, id, 1)
			var prev *lessons.Runner
			for i := 0; i < n; i++ {
				runSteps1(t, s, i)
				if err := s.PrepareBack(ctx, i); err != nil {
					t.Fatalf("PrepareBack(%d): %v", i, err)
				}
				s.smu.Lock()
				r := s.sp.runner
				s.smu.Unlock()
				if i > 0 && r != prev {
					t.Errorf("the spare for step %d was rebuilt from a reset, not carried on", i)
				}
				prev = r
			}
			before := b.current()
			if err := s.Goto(ctx, n-1); err != nil {
				t.Fatal(err)
			}
			if b.current() == before {
				t.Fatal("Goto with the spare ready did not swap the labs")
			}
			if got := shown(s.Replayed(), drainPackets(s)); got != want {
				t.Errorf("after the swap of a carried-on spare the learner sees what a rebuild does not (-rebuild +swap):\n%s", lineDiff(want, got))
			}
			lastStepHolds(t, s, n)
		}})
	}
	runParallel(t, cases)
}

// runSteps1 runs step i as the TUI does; it must be OK.
func runSteps1(t testing.TB, s *labSession, i int) {
	t.Helper()
	ev := make(chan ActionEvent, 64)
	go func() {
		for range ev {
		}
	}()
	r := s.RunStep(context.Background(), i, ev)
	close(ev)
	if r.Err != nil {
		t.Fatalf("step %d: %v", i+1, r.Err)
	}
}

// TestBackWaitsForTheSpare: `p` while the spare is still being built to
// the step it goes to waits for that build and swaps it in, rather than
// cancelling it and replaying the live lab from a reset.
func TestBackWaitsForTheSpare(t *testing.T) {
	les, err := lessons.Find("bridge")
	if err != nil {
		t.Fatal(err)
	}
	n := len(les.Steps)
	ctx := context.Background()
	b, s := openReal(t, les.ID, 1)
	runSteps(t, s, n)
	built := make(chan error, 1)
	go func() { built <- s.PrepareBack(ctx, n-1) }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		s.smu.Lock()
		started := s.sp != nil && s.sp.building && s.sp.runner != nil
		s.smu.Unlock()
		if started {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the spare build did not start")
		}
		time.Sleep(time.Millisecond)
	}
	before := b.current()
	if err := s.Goto(ctx, n-1); err != nil {
		t.Fatal(err)
	}
	if err := <-built; err != nil {
		t.Errorf("the spare being built when p came was cancelled: %v", err)
	}
	if b.current() == before {
		t.Error("p while the spare was built rebuilt the live lab instead of swapping the spare in")
	}
	if got := len(s.Replayed()); got != n-1 {
		t.Errorf("after the swap %d steps replayed, want %d", got, n-1)
	}
}

// TestJumpAheadCarriesTheSpareOn: a jump past the step after the spare's
// (`:N` ahead) carries the idle spare on by the steps between and swaps it
// in, rather than replaying every step on the live lab from a reset; the
// lesson's next step then holds on it.
func TestJumpAheadCarriesTheSpareOn(t *testing.T) {
	les, err := lessons.Find("veth")
	if err != nil {
		t.Fatal(err)
	}
	n := len(les.Steps)
	ctx := context.Background()
	b, s := openReal(t, les.ID, 1)
	runSteps(t, s, 3)
	if err := s.PrepareBack(ctx, 2); err != nil {
		t.Fatalf("PrepareBack(2): %v", err)
	}
	s.smu.Lock()
	r := s.sp.runner
	s.smu.Unlock()
	before := b.current()
	if err := s.Goto(ctx, n-2); err != nil {
		t.Fatal(err)
	}
	if b.current() == before {
		t.Fatal("the jump ahead rebuilt the live lab instead of carrying the spare on")
	}
	s.b.mu.Lock()
	live := s.runner
	s.b.mu.Unlock()
	if live != r || len(s.Replayed()) != n-2 {
		t.Errorf("after the jump: the spare's runner live %v, %d steps replayed (want %d)", live == r, len(s.Replayed()), n-2)
	}
	ev := make(chan ActionEvent, 64)
	go func() {
		for range ev {
		}
	}()
	res := s.RunStep(ctx, n-2, ev)
	close(ev)
	if res.Err != nil {
		t.Fatalf("step %d after the jump: %v", n-1, res.Err)
	}
	for _, e := range res.Expects {
		if !e.OK {
			t.Errorf("step %d after the jump: %s: %s", n-1, e.Text, e.Detail)
		}
	}
}

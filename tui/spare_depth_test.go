package tui

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/nettutor/nettutor/engine"
	"github.com/nettutor/nettutor/lessons"
	"github.com/nettutor/nettutor/serve/link"
)

// deepWaiter makes s report each deep spare's build on the channel it
// returns (set before the first PrepareBack), and start each one without
// the reader's wait (deepSpareWait: TestDeepSpareWaitsForTheReader).
func deepWaiter(s *labSession) <-chan deepResult {
	s.b.DeepWait = -1
	ch := make(chan deepResult, 16)
	s.deepBuilt = func(n int, err error) { ch <- deepResult{n, err} }
	return ch
}

type deepResult struct {
	n   int
	err error
}

// awaitDeep waits for the deep spare's build to n steps to end, and fails
// t unless it built.
func awaitDeep(t testing.TB, ch <-chan deepResult, n int) {
	t.Helper()
	timeout := time.After(5 * time.Minute)
	for {
		select {
		case r := <-ch:
			if r.n != n {
				continue // an earlier one, stale
			}
			if r.err != nil {
				t.Fatalf("the deep spare to %d steps: %v", n, r.err)
			}
			return
		case <-timeout:
			t.Fatalf("the deep spare to %d steps was not built", n)
		}
	}
}

// spareLabs returns the labs of the first and the deep spare (nil: none).
func spareLabs(s *labSession) (first, deep *engine.Lab) {
	s.smu.Lock()
	defer s.smu.Unlock()
	if s.sp != nil {
		first = s.sp.lab
	}
	if s.deep != nil {
		deep = s.deep.lab
	}
	return first, deep
}

// TestBackTwiceSwapsShowWhatRebuildsShow: with two spares, `p` twice in a
// row after the learner has read the last step is two swaps, the second
// of the deep spare that was a step further back, and each shows exactly
// what a rebuild of the live lab to that step shows (outputs, packets,
// namespaces, as TestBackSwapShowsWhatARebuildShows); the lab swapped out
// first is rebuilt as the next deep spare, and the lesson goes on from
// the second swap.
func TestBackTwiceSwapsShowWhatRebuildsShow(t *testing.T) {
	// A lesson per subtest, two at once (runParallel): each on labs of
	// its own (the rebuilt view, the live lab, its spares).
	var cases []namedCase
	for _, id := range []string{"nat", "bridge"} {
		cases = append(cases, namedCase{id, func(t *testing.T) {
			n, want1, ref := rebuiltView(t, id)
			ctx := context.Background()
			refSnap1, _ := ref.Snapshot(ctx)
			if err := ref.Goto(ctx, n-2); err != nil {
				t.Fatal(err)
			}
			want2 := shown(ref.Replayed(), drainPackets(ref))
			refSnap2, _ := ref.Snapshot(ctx)

			b, s := openReal(t, id, 2)
			built := deepWaiter(s)
			runSteps(t, s, n)
			if err := s.PrepareBack(ctx, n-1); err != nil {
				t.Fatalf("PrepareBack(%d): %v", n-1, err)
			}
			awaitDeep(t, built, n-2) // the learner reads
			first, deep := spareLabs(s)
			live := b.current()
			if first == nil || deep == nil || first == deep || first == live || deep == live {
				t.Fatalf("two spares on labs of their own: first %p deep %p live %p", first, deep, live)
			}

			// The first p.
			if err := s.Goto(ctx, n-1); err != nil {
				t.Fatal(err)
			}
			if b.current() != first {
				t.Fatal("the first p did not swap the first spare in")
			}
			if got := shown(s.Replayed(), drainPackets(s)); got != want1 {
				t.Errorf("after the first swap the learner sees what a rebuild does not (-rebuild +swap):\n%s", lineDiff(want1, got))
			}
			snap, _ := s.Snapshot(ctx)
			if g, w := nsNames(snap), nsNames(refSnap1); g != w {
				t.Errorf("after the first swap namespaces %s, a rebuild %s", g, w)
			}

			// The second p, at once: the view asks for the spare, which
			// is the deep one, ready.
			start := time.Now()
			if err := s.PrepareBack(ctx, n-2); err != nil {
				t.Fatalf("PrepareBack(%d) after the swap: %v", n-2, err)
			}
			if d := time.Since(start); d > 2*time.Second {
				// Not a timing assertion on speed: a rebuild here would
				// be a replay of n-2 steps, which this bounds loosely.
				t.Logf("PrepareBack after the swap took %v", d)
			}
			if err := s.Goto(ctx, n-2); err != nil {
				t.Fatal(err)
			}
			if b.current() != deep {
				t.Fatal("the second p did not swap the deep spare in")
			}
			pkts := drainPackets(s)
			if got := shown(s.Replayed(), pkts); got != want2 {
				t.Errorf("after the second swap the learner sees what a rebuild does not (-rebuild +swap):\n%s", lineDiff(want2, got))
			}
			for i, p := range pkts {
				if p.Seq != i+1 {
					t.Fatalf("packet %d after the second swap has Seq %d", i+1, p.Seq)
				}
			}
			snap, _ = s.Snapshot(ctx)
			if g, w := nsNames(snap), nsNames(refSnap2); g != w {
				t.Errorf("after the second swap namespaces %s, a rebuild %s", g, w)
			}

			// The labs swapped out are the spares now; no third spare lab.
			if n >= 3 {
				if err := s.PrepareBack(ctx, n-3); err != nil {
					t.Fatalf("PrepareBack(%d) after two swaps: %v", n-3, err)
				}
				if n >= 4 {
					awaitDeep(t, built, n-4)
				}
				f, dl := spareLabs(s)
				if f != first && f != live || f == b.current() || (n >= 4 && (dl == f || dl == b.current() || dl == nil)) {
					t.Errorf("after two swaps the spares are on labs first %p deep %p (live %p, labs %p %p %p)", f, dl, b.current(), first, deep, live)
				}
			}
			b.labMu.Lock()
			made := len(b.made)
			b.labMu.Unlock()
			if made != 2 {
				t.Errorf("the backend made %d spare labs, want 2", made)
			}
			// The lesson goes on from the second swap.
			lastStepHolds(t, s, n-1)
		}})
	}
	runParallel(t, cases)
}

// TestServedSessionKeepsOneSpare: under nettutor serve (the member's TUI
// runs with link.EnvSpareWhenIdle set) a backend keeps one spare however
// many it is asked for, and builds no deep one; a local session keeps two
// at most.
func TestServedSessionKeepsOneSpare(t *testing.T) {
	for _, tc := range []struct {
		spares int
		served bool
		want   int
	}{{0, false, 0}, {1, false, 1}, {2, false, 2}, {5, false, 2}, {2, true, 1}, {5, true, 1}, {0, true, 0}} {
		if tc.served {
			t.Setenv(link.EnvSpareWhenIdle, "1")
		} else {
			t.Setenv(link.EnvSpareWhenIdle, "")
		}
		b := &LabBackend{Spares: tc.spares}
		if got := b.spares(); got != tc.want {
			t.Errorf("Spares %d served %v: keeps %d, want %d", tc.spares, tc.served, got, tc.want)
		}
	}

	// A served session over a real lab, asked for two.
	t.Setenv(link.EnvSpareWhenIdle, "1")
	old := cpuStall
	cpuStall = func() (time.Duration, bool) { return 0, false } // build at once
	t.Cleanup(func() { cpuStall = old })
	les, err := lessons.Find("veth")
	if err != nil {
		t.Fatal(err)
	}
	n := len(les.Steps)
	ctx := context.Background()
	b, s := openReal(t, les.ID, 2)
	built := deepWaiter(s)
	runSteps(t, s, n)
	if err := s.PrepareBack(ctx, n-1); err != nil {
		t.Fatalf("PrepareBack(%d): %v", n-1, err)
	}
	before := b.current()
	if err := s.Goto(ctx, n-1); err != nil {
		t.Fatal(err)
	}
	if b.current() == before {
		t.Fatal("the served session's spare was not swapped in")
	}
	if err := s.PrepareBack(ctx, n-2); err != nil {
		t.Fatalf("PrepareBack(%d): %v", n-2, err)
	}
	select {
	case r := <-built:
		t.Errorf("a served session built a deep spare to %d steps", r.n)
	default:
	}
	first, deep := spareLabs(s)
	b.labMu.Lock()
	made := len(b.made)
	b.labMu.Unlock()
	if first == nil || deep != nil || made != 1 {
		t.Errorf("a served session holds first %p deep %p, %d spare labs made; want one", first, deep, made)
	}
}

// TestBackTwiceInTheTUI drives the lesson view with two spares: after the
// last step, once both are built, `p` and `p` again are both swaps (the
// plain "back" line, no "rebuilding to step"), the second bringing in the
// lab of the deep spare.
func TestBackTwiceInTheTUI(t *testing.T) {
	d, b, n := vethToTheEnd(t, 2)
	sess := d.root().lesson.sess.(*labSession)
	d.waitFor("both spares", func(m *Model) bool {
		sess.smu.Lock()
		defer sess.smu.Unlock()
		return m.lesson.spare.ready && m.lesson.spare.n == n-1 && sess.deep != nil && sess.deep.ready && sess.deep.target == n-2
	})
	_, deep := spareLabs(sess)
	for k := n - 1; k >= n-2; k-- {
		d.waitFor(fmt.Sprintf("the spare for %d", k), func(m *Model) bool { return m.lesson.spare.ready && m.lesson.spare.n == k })
		if busy, want := press(d, "p"), "rebuilding the lab at step "+fmt.Sprint(k)+"…"; busy != want {
			t.Errorf("p to step %d says %q, want %q (a swap)", k, busy, want)
		}
		d.waitFor(fmt.Sprintf("step %d", k), func(m *Model) bool { return m.lesson.pos == k && m.lesson.busy == "" })
	}
	if b.current() != deep {
		t.Error("the second p did not swap in the deep spare's lab")
	}
	d.keys("n")
	if d.root().lesson.pr.open {
		d.keys("enter")
	}
	d.waitFor("the step again", func(m *Model) bool { return m.lesson.pos == n-1 && m.lesson.busy == "" })
	if r := d.root().lesson.runs[n-2]; !r.ok() {
		t.Errorf("step %d after two swaps: %+v", n-1, r)
	}
}

// TestTwoSparesFollowTheLesson: with two spares asked for after every
// step, as the lesson view does, both are carried on by one step each time
// (the same runners on the same labs: lessons.Runner.Extend, not a
// rebuild from a reset), the deep one a step behind the first; `p` twice
// at the end then swaps both in, the second showing what a rebuild to
// that step shows.
func TestTwoSparesFollowTheLesson(t *testing.T) {
	const id = "nat"
	n, want, _ := rebuiltBack(t, id, 2)
	ctx := context.Background()

	b, s := openReal(t, id, 2)
	built := deepWaiter(s)
	var prevFirst, prevDeep *lessons.Runner
	for i := 0; i < n; i++ {
		runSteps1(t, s, i)
		if err := s.PrepareBack(ctx, i); err != nil {
			t.Fatalf("PrepareBack(%d): %v", i, err)
		}
		if i >= 1 {
			awaitDeep(t, built, i-1)
		}
		s.smu.Lock()
		first := s.sp.runner
		var deep *lessons.Runner
		if s.deep != nil {
			deep = s.deep.runner
			if s.deep.target != i-1 || !s.deep.ready {
				t.Errorf("after step %d the deep spare holds %d steps (ready %v), want %d", i+1, s.deep.target, s.deep.ready, i-1)
			}
		}
		s.smu.Unlock()
		if i > 0 && first != prevFirst {
			t.Errorf("the first spare after step %d was rebuilt from a reset, not carried on", i+1)
		}
		if i > 1 && deep != prevDeep {
			t.Errorf("the deep spare after step %d was rebuilt from a reset, not carried on", i+1)
		}
		if i >= 1 && deep == nil {
			t.Fatalf("no deep spare after step %d", i+1)
		}
		prevFirst, prevDeep = first, deep
	}
	for _, k := range []int{n - 1, n - 2} {
		before := b.current()
		if err := s.Goto(ctx, k); err != nil {
			t.Fatal(err)
		}
		if b.current() == before {
			t.Fatalf("p to step %d rebuilt the live lab instead of swapping a spare in", k)
		}
		if k == n-1 {
			drainPackets(s)
			if err := s.PrepareBack(ctx, n-2); err != nil {
				t.Fatalf("PrepareBack(%d) after the swap: %v", n-2, err)
			}
		}
	}
	s.b.mu.Lock()
	live := s.runner
	s.b.mu.Unlock()
	if live != prevDeep {
		t.Error("the second p did not swap the carried-on deep spare in")
	}
	if got := shown(s.Replayed(), drainPackets(s)); got != want {
		t.Errorf("after p twice on carried-on spares the learner sees what a rebuild does not (-rebuild +swap):\n%s", lineDiff(want, got))
	}
	lastStepHolds(t, s, n-1)
}

// TestBackWhileTheDeepSpareBuilds: `p` right after the first spare is
// ready, while the deep one is still being built, swaps the first in
// without cancelling the deep build (a swap runs nothing on any lab); the
// deep spare goes on as the first, the view's next PrepareBack answers
// once it is built, and the second `p` swaps it in showing what a rebuild
// shows.
func TestBackWhileTheDeepSpareBuilds(t *testing.T) {
	const id = "bridge"
	n, want, _ := rebuiltBack(t, id, 2)
	ctx := context.Background()

	b, s := openReal(t, id, 2)
	built := deepWaiter(s)
	runSteps(t, s, n)
	if err := s.PrepareBack(ctx, n-1); err != nil {
		t.Fatalf("PrepareBack(%d): %v", n-1, err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		s.smu.Lock()
		building := s.deep != nil && s.deep.building && s.deep.runner != nil
		s.smu.Unlock()
		if building {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the deep spare's build did not start")
		}
		time.Sleep(time.Millisecond)
	}
	_, deep := spareLabs(s)
	before := b.current()
	if err := s.Goto(ctx, n-1); err != nil {
		t.Fatal(err)
	}
	if b.current() == before {
		t.Fatal("p with the first spare ready did not swap it in")
	}
	drainPackets(s)
	if err := s.PrepareBack(ctx, n-2); err != nil {
		t.Fatalf("PrepareBack(%d) while the deep spare builds: %v", n-2, err)
	}
	awaitDeep(t, built, n-2) // the deep build itself was not cancelled
	if err := s.Goto(ctx, n-2); err != nil {
		t.Fatal(err)
	}
	if b.current() != deep {
		t.Fatal("the second p did not swap in the spare that was the deep one")
	}
	if got := shown(s.Replayed(), drainPackets(s)); got != want {
		t.Errorf("after p twice the learner sees what a rebuild does not (-rebuild +swap):\n%s", lineDiff(want, got))
	}
	lastStepHolds(t, s, n-1)
}

package lessons

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nettutor/nettutor/engine"
)

// TestRecheckAfterShell breaks what veth's "up" step built, as a learner
// in a lab shell might (ip link set veth0 down), and holds Recheck to it:
// every expectation holds before, the one about veth0 fails after and names
// it, and a rebuild to the same step makes them hold again.
func TestRecheckAfterShell(t *testing.T) {
	lab := newLab(t)
	l, err := Find("veth")
	if err != nil {
		t.Fatal(err)
	}
	up := -1
	for i, st := range l.Steps {
		if st.ID == "up" {
			up = i
		}
	}
	if up < 0 {
		t.Fatal("veth has no step \"up\"")
	}
	r := NewRunner(lab, l, Options{})
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if res, err := r.Recheck(ctx); err != nil || len(res) != 0 {
		t.Fatalf("before any step: %v, %v", res, err)
	}
	if err := r.Goto(ctx, up); err != nil {
		t.Fatal(err)
	}
	if res, err := r.RunStep(ctx, up); err != nil || !res.OK() {
		t.Fatalf("step %d: %v %+v", up, err, res)
	}
	check := func(wantFail int) []CheckResult {
		t.Helper()
		res, err := r.Recheck(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(res) != 2 {
			t.Fatalf("rechecked %d expectations, want 2: %+v", len(res), res)
		}
		fails := 0
		for _, c := range res {
			if !c.OK {
				fails++
			}
		}
		if fails != wantFail {
			t.Fatalf("%d failed, want %d: %+v", fails, wantFail, res)
		}
		return res
	}
	check(0)
	if out, err := lab.Job("host", "ip", "-n", "RED", "link", "set", "veth0", "down").CombinedOutput(); err != nil {
		t.Fatalf("ip link set down: %v %s", err, out)
	}
	for _, c := range check(1) {
		if !c.OK && !strings.Contains(c.Desc+" "+c.Detail, "veth0") {
			t.Errorf("the failure does not name veth0: %+v", c)
		}
	}
	if err := r.Goto(ctx, up+1); err != nil {
		t.Fatal(err)
	}
	check(0)
}

// TestRecheckProbesAreMuted: rechecking mini's "up" step pings again (its
// reachable expectation) while the step's capture point still runs; those
// packets are the tutor's, counted as such and never among the learner's.
func TestRecheckProbesAreMuted(t *testing.T) {
	lab := newLab(t)
	r := NewRunner(lab, loadMini(t), Options{})
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for i := 0; i < 2; i++ {
		if res, err := r.RunStep(ctx, i); err != nil || !res.OK() {
			t.Fatalf("step %d: %v %+v", i, err, res)
		}
	}
	learner, tutor := len(r.Packets()), r.TutorPackets()
	res, err := r.Recheck(ctx)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	for _, c := range res {
		kinds[c.Kind] = true
		if !c.OK {
			t.Errorf("%s does not hold: %s", c.Desc, c.Detail)
		}
	}
	if !kinds["reachable"] || !kinds["addr"] || !kinds["neighbor"] || kinds["packet"] || len(res) != 3 {
		t.Fatalf("rechecked %+v: want addr, neighbor and reachable, no packet", res)
	}
	if got := len(r.Packets()); got != learner {
		t.Errorf("the recheck's ping reached the learner's packets: %d, was %d", got, learner)
	}
	if r.TutorPackets() <= tutor {
		t.Errorf("the capture saw no packet of the recheck (tutor packets %d, was %d)", r.TutorPackets(), tutor)
	}
}

// TestRecheckHoldsAfterEveryStep runs every built-in lesson and rechecks
// each step right after it ran: nothing has touched the lab, so every
// rechecked expectation must hold. A false "the lab no longer matches"
// would send a learner to rebuild a lab that was fine.
func TestRecheckHoldsAfterEveryStep(t *testing.T) {
	t.Parallel() // labs of its own that mostly wait on probes: see parallel_test.go
	ls, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	var total atomic.Int64
	// A lesson per subtest, on a lab of its worker, reset first (runOnLabs).
	var cases []labCase
	for _, l := range ls {
		cases = append(cases, labCase{l.ID, func(t *testing.T, lab *engine.Lab) {
			if err := lab.Reset(); err != nil {
				t.Fatal(err)
			}
			r := NewRunner(lab, l, Options{})
			defer r.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			for i := range l.Steps {
				res, err := r.RunStep(ctx, i)
				if err != nil {
					t.Fatalf("%s step %d: %v", l.ID, i+1, err)
				}
				if !res.OK() {
					continue // a step that did not hold is no test of the recheck
				}
				rs, err := r.Recheck(ctx)
				if err != nil {
					t.Fatalf("%s step %d: recheck: %v", l.ID, i+1, err)
				}
				for _, c := range rs {
					total.Add(1)
					if !c.OK {
						t.Errorf("%s step %d (%s): %s no longer holds right after the step: %s", l.ID, i+1, l.Steps[i].ID, c.Desc, c.Detail)
					}
				}
			}
		}})
	}
	runOnLabs(t, cases)
	if n := total.Load(); n < 30 {
		t.Errorf("only %d expectations rechecked over every lesson", n)
	}
}

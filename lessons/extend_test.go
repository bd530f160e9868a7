package lessons

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nettutor/nettutor/engine/testkit"
)

// TestExtendIsAGoto: a rebuild carried on one step at a time (Extend after
// every step, as the spare lab follows a learner) makes the lab that one
// Goto to the last step makes (links, addresses, routes, fdb, rules,
// forwarding, as the replay test compares them), with the same replayed
// steps and actions, and the last step then holds on it. A cancelled
// Extend stops between two steps and goes on from there; a step run live
// ends what Extend may carry on, and Extend back is a Goto from a reset.
func TestExtendIsAGoto(t *testing.T) {
	for _, id := range []string{"veth", "nat"} {
		t.Run(id, func(t *testing.T) {
			t.Parallel()
			l, err := Find(id)
			if err != nil {
				t.Fatal(err)
			}
			n := len(l.Steps)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()

			ref := NewRunner(newLab(t), l, Options{})
			defer ref.Close()
			if err := ref.Goto(ctx, n-1); err != nil {
				t.Fatalf("Goto(%d): %v", n-1, err)
			}

			var pkts int
			r := NewRunner(newLab(t), l, Options{OnPacket: func(Packet) { pkts++ }})
			defer r.Close()
			if r.Extendable(0) {
				t.Error("a new runner is Extendable: nothing was rebuilt yet")
			}
			if err := r.Extend(ctx, 0); err != nil {
				t.Fatal(err)
			}
			for k := 1; k < n; k++ {
				if !r.Extendable(k) {
					t.Fatalf("after a rebuild to %d steps, Extend(%d) would start again", k-1, k)
				}
				if k == n/2 { // cancelled: stops before the step, whole
					cctx, ccancel := context.WithCancel(ctx)
					ccancel()
					if err := r.Extend(cctx, k); !errors.Is(err, context.Canceled) {
						t.Fatalf("cancelled Extend(%d): %v", k, err)
					}
					if r.Next() != k-1 || !r.Extendable(k) {
						t.Fatalf("a cancelled Extend left Next %d, Extendable %v", r.Next(), r.Extendable(k))
					}
				}
				if err := r.Extend(ctx, k); err != nil {
					t.Fatalf("Extend(%d): %v", k, err)
				}
				if r.Next() != k || len(r.Replayed()) != k {
					t.Fatalf("Extend(%d): Next %d, %d steps replayed", k, r.Next(), len(r.Replayed()))
				}
			}
			got, want := replayOf(r.Snapshot()), replayOf(ref.Snapshot())
			if got == "" || got != want {
				t.Errorf("carried on to step %d, the lab differs from one Goto's:\n%s", n-1, testkit.LineDiff(want, got, "Goto", "carried on"))
			}
			for i, res := range r.Replayed() {
				w := ref.Replayed()[i]
				if res.Index != w.Index || len(res.Actions) != len(w.Actions) {
					t.Fatalf("replayed step %d: %d actions, a Goto's %d", i+1, len(res.Actions), len(w.Actions))
				}
				for j, a := range res.Actions {
					if a.Command != w.Actions[j].Command || a.OK != w.Actions[j].OK {
						t.Errorf("replayed step %d action %d: %q ok=%v, a Goto's %q ok=%v", i+1, j+1, a.Command, a.OK, w.Actions[j].Command, w.Actions[j].OK)
					}
				}
			}
			if len(r.Packets()) != pkts || (len(ref.Packets()) > 0) != (pkts > 0) {
				t.Errorf("carried on: %d packets (%d handed on), a Goto %d", len(r.Packets()), pkts, len(ref.Packets()))
			}

			res, err := r.RunStep(ctx, n-1)
			if err != nil {
				t.Fatal(err)
			}
			if !res.OK() {
				t.Errorf("step %d on the carried-on lab failed:\n%s", n, failures(res))
			}
			if r.Extendable(n) {
				t.Error("Extendable after a live step: its probes are no replay's")
			}
			if err := r.Extend(ctx, 1); err != nil {
				t.Fatal(err)
			}
			if len(r.Replayed()) != 1 || r.Next() != 1 {
				t.Errorf("Extend back to 1: %d replayed, Next %d (want a Goto from a reset)", len(r.Replayed()), r.Next())
			}
		})
	}
}

// TestExtendCancelGrace: a replayed step under way when Extend is
// cancelled ends whole if it ends within stepCancelGrace (the lab holds
// it: Next is past it and Extend may go on); one that takes longer is cut
// off, and the next Extend starts from a reset (not Extendable).
func TestExtendCancelGrace(t *testing.T) {
	src := `id: t
title: {en: T}
summary: {en: T}
steps:
  - id: quick
    title: {en: Q}
    actions:
      - netns_add: {name: RED}
      - run: {sh: "sleep 0.2"}
  - id: slow
    title: {en: S}
    actions:
      - run: {sh: "sleep 3"}
      - netns_add: {name: BLUE}
  - id: last
    title: {en: L}
    actions:
      - netns_add: {name: GREEN}
`
	l, err := Load("t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	r := NewRunner(newLab(t), l, Options{})
	defer r.Close()
	if err := r.Goto(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	// Cancelled 50 ms into the quick step: it ends whole, the slow one
	// does not start.
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	if err := r.Extend(ctx, 3); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled Extend: %v", err)
	}
	if r.Next() != 1 || !r.Extendable(3) {
		t.Fatalf("the quick step within the grace: Next %d, Extendable %v (want 1, true)", r.Next(), r.Extendable(3))
	}
	// Cancelled 50 ms into the slow step: cut off after the grace.
	ctx, cancel = context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	if err := r.Extend(ctx, 3); err == nil {
		t.Fatal("Extend cut off inside a step returned nil")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("the slow step ran on %s after the cancel (grace %s)", d, stepCancelGrace)
	}
	if r.Extendable(3) {
		t.Error("Extendable after a step was cut off: the lab holds part of it")
	}
	if err := r.Extend(context.Background(), 3); err != nil {
		t.Fatal(err)
	}
	if r.Next() != 3 || len(r.Replayed()) != 3 {
		t.Errorf("Extend from a reset: Next %d, %d replayed", r.Next(), len(r.Replayed()))
	}
}

package tui

import (
	"context"
	"testing"

	"github.com/nettutor/nettutor/engine/sandbox"
)

// TestSpareRunsInTheBackground: the spare lab is background work (the
// least CPU weight) while it is the spare, the live lab is not, and `p`
// that swaps them swaps their weights too, so the learner's lab is never
// left in the background. Without a cgroup that controls CPU (rootless
// here) neither lab is in the background, and the swap still works.
func TestSpareRunsInTheBackground(t *testing.T) {
	ctx := context.Background()
	b, s := openReal(t, "veth", 1)
	runSteps(t, s, 3)
	if err := s.PrepareBack(ctx, 2); err != nil {
		t.Fatalf("PrepareBack(2): %v", err)
	}
	live := b.current()
	b.labMu.Lock()
	spare := b.spare
	b.labMu.Unlock()
	if spare == nil || spare == live {
		t.Fatal("no spare lab after PrepareBack")
	}
	weighted := !sandbox.Rootless()
	t.Logf("the spare's keeper weighted: %v (rootless %v)", spare.Keeper().Background(), sandbox.Rootless())
	if got := spare.Keeper().Background(); got != weighted {
		t.Fatalf("the spare lab in the background: %v, want %v", got, weighted)
	}
	if live.Keeper().Background() {
		t.Fatal("the live lab is in the background")
	}
	if err := s.Goto(ctx, 2); err != nil {
		t.Fatal(err)
	}
	if b.current() != spare {
		t.Fatal("Goto with the spare ready did not swap the labs")
	}
	if spare.Keeper().Background() {
		t.Fatal("the lab swapped in stays in the background")
	}
	if got := live.Keeper().Background(); got != weighted {
		t.Fatalf("the lab swapped out in the background: %v, want %v", got, weighted)
	}
	// The learner's step runs on the swapped-in lab.
	lastStepHolds(t, s, 3)
}

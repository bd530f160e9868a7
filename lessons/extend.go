package lessons

import (
	"context"
	"fmt"
	"time"
)

// Carrying a rebuild on (issue 25: back a step at a cost that does not
// grow with the lesson). A spare lab one step behind the learner used to
// be rebuilt from a reset after every step the learner ran: the replay of
// k-1 steps, again and again, which in the 13-step service lesson is tens
// of seconds of CPU on a loaded machine. But the spare for step k holds
// steps 0..k-2 replayed, and the spare for step k+1 is the same replay
// with one step more: Extend replays just that step on the lab as it is.
//
// The replay is the same as Goto's: the same actions in the same order on
// the same lab, with the steps' capture points running, packets and
// outputs recorded the same way; only the time between two replayed steps
// differs (the learner's reading time instead of none), as it does between
// the steps the learner ran. What is read between them (the lab's
// snapshot at each stop) changes nothing in it.

// Extendable reports whether Extend(i) carries the last rebuild on rather
// than starting a new one: the lab holds exactly the first Next() steps as
// a replay made them (Goto, or an Extend, that ended whole or stopped
// between two steps), nothing else ran on it since (no RunStep), and i is
// not before Next().
func (r *Runner) Extendable(i int) bool {
	return r.rebuilt && i >= r.next && i <= len(r.lesson.Steps)
}

// Extend brings the lab to the state after the first i steps, as Goto(i)
// does, but when Extendable(i) it replays only steps Next()..i-1 on top
// of the rebuild already there, exactly as that Goto's own loop would
// have gone on: Replayed and Packets then hold every replayed step since
// the reset, as after one Goto(i). Otherwise it is Goto(i).
//
// A cancelled Extend stops between two steps as Goto does, the step under
// way given stepCancelGrace to end; the lab then holds the steps replayed
// so far, whole, and a later Extend goes on from there. Cut off inside a
// step (an action killed), the lab is not one a replay makes, and the next
// Extend starts again from a reset.
func (r *Runner) Extend(ctx context.Context, i int) error {
	if !r.Extendable(i) {
		return r.Goto(ctx, i)
	}
	r.rebuilt = false // until the lab is whole again
	for j := r.next; j < i; j++ {
		if err := ctx.Err(); err != nil {
			r.rebuilt = true // whole after j steps
			return fmt.Errorf("rebuild to step %d: %w", i, err)
		}
		// The step's actions get stepCancelGrace more once ctx ends, so
		// that a step nearly done ends whole rather than being thrown
		// away with every step before it.
		actx, kill := context.WithCancel(context.WithoutCancel(ctx))
		stop := context.AfterFunc(ctx, func() { time.AfterFunc(stepCancelGrace, kill) })
		res, err := r.play(actx, j, true)
		stop()
		killed := actx.Err() != nil
		kill()
		r.replayed = append(r.replayed, res)
		if err != nil {
			return err
		}
		if killed {
			// Cut off while the step ran: some of it may not have.
			return fmt.Errorf("rebuild to step %d: %w", i, ctx.Err())
		}
		r.next = j + 1
		r.mu.Lock()
		r.stepIdx = j + 1
		r.mu.Unlock()
	}
	return r.rebuiltTo(i)
}

// stepCancelGrace is how long a replayed step that Extend is running may
// go on once its context ends (a learner's move cancels the spare being
// built): long enough for most steps' last actions on a loaded machine,
// short enough that the move barely waits. A step cut off after it is
// lost, and the next Extend starts again from a reset.
const stepCancelGrace = 500 * time.Millisecond

// Back twice in a row (issue 25), measured, and why a served member's
// spare stays one lab (a local TUI keeps a second, deeper spare:
// tui/lessons_spare.go, so two `p` in a row are both swaps). After a
// swap (back from step k to k-1) the next spare, holding k-2 steps (k-3
// with two), can only start from a reset: steps do not run backwards, and the
// lab swapped out holds step k as the learner ran it (probes and shells
// included), not a replay. So that one build still grows with the lesson.
// BenchmarkRebuildCost splits such a rebuild to the last step (2026-12-07
// 20:57, load 28-42): service 11.1 s, of which the lesson's own programs
// (`run`, `show`, traffic: 22 `ip netns exec NODE iptables` a node in its
// second step alone) 89%, the engine's netlink actions 1.5%, the rest (the
// reset, captures started, links settled, the last snapshot) 9%;
// loadbalancer 5.5 s, programs 96%. The weighing:
//
//   - (a) A cheaper rebuild: there is no wait to cut. No sleep or timeout
//     runs in a replay (a banner server is polled every 2 ms, a connect
//     waits for nothing but the connection), and the programs cost what
//     they cost typed in a lab shell (plus the runner's few ms an action,
//     see confine's runner). Cutting "the rest" to nothing would save a
//     tenth, not the growth.
//   - (b) A cheaper starting point than a reset: the only one that is a
//     replay is another lab already rebuilt further back, that is a second
//     spare, which a served member may not hold (each is a keeper, its
//     namespaces and a build's CPU against the session's budget). Saving
//     the kernel's state and loading it back (iptables-save, nft, links,
//     fdb, neighbours, conntrack, the banner servers) would not be what a
//     replay makes, and the swap tests hold the lab to exactly that.
//   - (c) Kept for the spare after the last one a session holds: the
//     build after a swap starts as soon as the swapped-out
//     runner's captures stop, shows "rebuilding to step n of N" to a `p`
//     that comes before it ends, and a move cancels it between two steps
//     (stepCancelGrace), keeping what it replayed whole.

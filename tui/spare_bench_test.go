package tui

import (
	"context"
	"testing"
	"time"

	"github.com/nettutor/nettutor/lessons"
)

// BenchmarkBackOneStepSpare is the TUI's `p` with the spare ready, at every
// step of every built-in lesson, against `p` as a rebuild (the spare off)
// in the same run. Both are what the lesson view's move back waits for:
// Goto, the replayed outputs and the lab's snapshot. For each lesson,
// every step is run, then the benchmark walks back to step 1, the spare
// rebuilt (untimed, as in the learner's reading time) before each `p`.
//
// Metrics: swap-worst-ms is the slowest `p` over every step of the
// lesson (the target is <= 100 ms at the worst step), and of it the move
// (Goto and the outputs) and the snapshot at their worst; rebuild-ms is `p`
// from the last step as a rebuild (the replay of every step but one: the
// longest); ns/op is the mean swap. Run with
//
//	go test ./tui -run '^$' -bench BackOneStepSpare -benchtime 1x
func BenchmarkBackOneStepSpare(b *testing.B) {
	if !labOK {
		b.Skip("no lab sandbox here")
	}
	ls, err := lessons.Builtin()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for _, l := range ls {
		b.Run(l.ID, func(b *testing.B) {
			n := len(l.Steps)
			_, ref := openReal(b, l.ID, 0)
			_, s := openReal(b, l.ID, 1)
			var worst, rebuild, worstGoto, worstSnap time.Duration
			worstAt, swaps := 0, 0
			b.ResetTimer()
			b.StopTimer()
			for i := 0; i < b.N; i++ {
				// Before: the rebuild from the last step.
				runSteps(b, ref, n)
				start := time.Now()
				back(b, ref, n-1)
				rebuild = max(rebuild, time.Since(start))

				// After: a swap at every step, the last to the first.
				runSteps(b, s, n)
				for k := n; k >= 1; k-- {
					if err := s.PrepareBack(ctx, k-1); err != nil {
						b.Fatalf("PrepareBack(%d): %v", k-1, err)
					}
					b.StartTimer()
					start := time.Now()
					g, sn := back(b, s, k-1)
					d := time.Since(start)
					b.StopTimer()
					worstGoto, worstSnap = max(worstGoto, g), max(worstSnap, sn)
					swaps++
					if d > worst {
						worst, worstAt = d, k
					}
				}
			}
			b.ReportMetric(float64(worst.Microseconds())/1000, "swap-worst-ms")
			b.ReportMetric(float64(rebuild.Microseconds())/1000, "rebuild-ms")
			b.ReportMetric(float64(worstGoto.Microseconds())/1000, "swap-goto-worst-ms")
			b.ReportMetric(float64(worstSnap.Microseconds())/1000, "swap-snapshot-worst-ms")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(max(swaps, 1)), "ns/op")
			b.Logf("%s: %d steps; the slowest swap was p at step %d", l.ID, n, worstAt)
		})
	}
}

// back is what the lesson view's gotoCmd waits for: the move, the
// replayed outputs, the lab's snapshot. It returns how long the move with
// the outputs took, and the snapshot.
func back(b *testing.B, s *labSession, n int) (move, snap time.Duration) {
	start := time.Now()
	if err := s.Goto(context.Background(), n); err != nil {
		b.Fatalf("Goto(%d): %v", n, err)
	}
	_ = s.Replayed()
	move = time.Since(start)
	start = time.Now()
	if _, err := s.Snapshot(context.Background()); err != nil {
		b.Fatal(err)
	}
	snap = time.Since(start)
	drainPackets(s)
	return move, snap
}

// BenchmarkSpareFollow is how soon, after each step the learner runs, `p`
// can swap: the spare carried on by the step between (PrepareBack after
// every step, as the lesson view asks), against the spare rebuilt from a
// reset after the last step (what every step cost before Extend), in the
// same run. follow-worst-ms is the slowest PrepareBack over the lesson's
// steps; rebuild-ms the one from a reset; ns/op the mean follow. Run with
//
//	go test ./tui -run '^$' -bench SpareFollow -benchtime 1x
func BenchmarkSpareFollow(b *testing.B) {
	if !labOK {
		b.Skip("no lab sandbox here")
	}
	ls, err := lessons.Builtin()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for _, l := range ls {
		b.Run(l.ID, func(b *testing.B) {
			n := len(l.Steps)
			var worst, rebuild time.Duration
			worstAt, follows := 0, 0
			b.ResetTimer()
			b.StopTimer()
			for i := 0; i < b.N; i++ {
				_, s := openReal(b, l.ID, 1)
				for k := 0; k < n; k++ {
					runSteps1(b, s, k)
					drainPackets(s)
					b.StartTimer()
					start := time.Now()
					if err := s.PrepareBack(ctx, k); err != nil {
						b.Fatalf("PrepareBack(%d): %v", k, err)
					}
					d := time.Since(start)
					b.StopTimer()
					follows++
					if d > worst {
						worst, worstAt = d, k+1
					}
				}
				// Before: the spare for the last step from a reset.
				_, ref := openReal(b, l.ID, 1)
				runSteps(b, ref, n)
				start := time.Now()
				if err := ref.PrepareBack(ctx, n-1); err != nil {
					b.Fatal(err)
				}
				rebuild = max(rebuild, time.Since(start))
			}
			b.ReportMetric(float64(worst.Microseconds())/1000, "follow-worst-ms")
			b.ReportMetric(float64(rebuild.Microseconds())/1000, "rebuild-ms")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(max(follows, 1)), "ns/op")
			b.Logf("%s: %d steps; the slowest spare to follow was after step %d", l.ID, n, worstAt)
		})
	}
}

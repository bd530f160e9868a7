package tui

import (
	"context"
	"testing"
	"time"

	"github.com/nettutor/nettutor/lessons"
)

// BenchmarkBackTwice is `p` twice in a row from a lesson's last step (the
// worst step: the second `p` goes to n-2, the longest replay but one),
// with two spares (a local session) against one (a served member, and
// every session before) in the same run. The learner reads the last step
// first (both sessions' spares built, untimed), then presses `p`, and `p`
// again as soon as the first has shown, the view having asked for the
// next spare as it does after every move. Each `p` is timed as the view
// waits for it: Goto, the replayed outputs, the lab's snapshot.
//
// Metrics: one-second-p-ms and two-second-p-ms are the second `p`'s wait
// with one and with two spares (the worst over b.N); one-first-p-ms and
// two-first-p-ms the first's. Run with
//
//	go test ./tui -run '^$' -bench 'BackTwice/service' -benchtime 1x
func BenchmarkBackTwice(b *testing.B) {
	if !labOK {
		b.Skip("no lab sandbox here")
	}
	for _, id := range []string{"service", "loadbalancer"} {
		b.Run(id, func(b *testing.B) {
			les, err := lessons.Find(id)
			if err != nil {
				b.Fatal(err)
			}
			n := len(les.Steps)
			var first, second [3]time.Duration // by spares: 1, 2
			b.ResetTimer()
			b.StopTimer()
			for i := 0; i < b.N; i++ {
				for _, spares := range []int{1, 2} {
					f, s := backTwice(b, id, n, spares)
					first[spares], second[spares] = max(first[spares], f), max(second[spares], s)
				}
			}
			ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
			b.ReportMetric(ms(first[1]), "one-first-p-ms")
			b.ReportMetric(ms(second[1]), "one-second-p-ms")
			b.ReportMetric(ms(first[2]), "two-first-p-ms")
			b.ReportMetric(ms(second[2]), "two-second-p-ms")
			b.ReportMetric(float64(second[2].Nanoseconds()), "ns/op")
		})
	}
}

// backTwice runs lesson id to its last step on a session with spares,
// lets its spares be built, and times `p` twice in a row.
func backTwice(b *testing.B, id string, n, spares int) (first, second time.Duration) {
	ctx := context.Background()
	_, s := openReal(b, id, spares)
	built := deepWaiter(s)
	runSteps(b, s, n)
	if err := s.PrepareBack(ctx, n-1); err != nil {
		b.Fatalf("PrepareBack(%d): %v", n-1, err)
	}
	if spares > 1 {
		awaitDeep(b, built, n-2)
	}
	b.StartTimer()
	start := time.Now()
	back(b, s, n-1)
	first = time.Since(start)
	b.StopTimer()
	// The view asks for the next spare after the move, and the second p
	// comes at once: it waits for that spare, or swaps the deep one in.
	asked := make(chan error, 1)
	go func() { asked <- s.PrepareBack(ctx, n-2) }()
	for registered := false; !registered; {
		select {
		case <-asked:
			registered = true
		default:
			s.smu.Lock()
			registered = s.sp != nil && s.sp.target == n-2
			s.smu.Unlock()
			time.Sleep(100 * time.Microsecond)
		}
	}
	b.StartTimer()
	start = time.Now()
	back(b, s, n-2)
	second = time.Since(start)
	b.StopTimer()
	if got := len(s.Replayed()); got != n-2 {
		b.Fatalf("after p twice %d steps replayed, want %d", got, n-2)
	}
	return first, second
}

package engine

import (
	"context"
	"os/exec"
	"testing"
	"time"
)

// BenchmarkFirstRunAfterReset is the first shown command after a Reset
// (what `p`, a jump or the start of a lesson runs first), side by side
// with a later one on the same lab and a plain fork/exec of the same
// command on the host, in one run: a lab that keeps spares (the TUI's and
// the spare lab: the runner started at the reset) and one that does not
// (the runner started by the first command, as every lab did before).
// Each iteration resets both labs and makes one namespace in each (a
// lesson's first action, netlink), untimed, then waits gap (untimed: the
// learner reading the first step after a lesson opens, or the rest of a
// replay's netlink actions; "at-once" is none), then times the first
// command in each, a second one, and the host's. Metrics are medians:
// first-warm-ms, first-cold-ms, later-ms, host-ms; first-over-later-ms is
// the warm lab's first command minus its second (the cost left on the
// learner's path). Run with
//
//	go test ./engine -run '^$' -bench FirstRunAfterReset -benchtime 10x
func BenchmarkFirstRunAfterReset(b *testing.B) {
	const line = "iptables -t filter -S"
	if _, err := exec.LookPath("iptables"); err != nil {
		b.Skipf("no iptables here: %v", err)
	}
	for _, g := range []struct {
		name string
		gap  time.Duration
	}{{"at-once", 0}, {"after-300ms", 300 * time.Millisecond}} {
		b.Run(g.name, func(b *testing.B) {
			warm, cold := newLab(b), newLab(b)
			warm.KeepSpares(2)
			ctx := context.Background()
			run := func(l *Lab) float64 {
				start := time.Now()
				if res, err := l.runShown(ctx, line, 0, time.Now()); err != nil {
					b.Fatalf("%s: %v\n%s", line, err, res.Output)
				}
				return float64(time.Since(start).Microseconds()) / 1000
			}
			var fw, fc, later, host, over []float64
			b.ResetTimer()
			for b.Loop() {
				b.StopTimer()
				for _, l := range []*Lab{warm, cold} {
					if err := l.Reset(); err != nil {
						b.Fatal(err)
					}
					apply(b, l, NetnsAdd{Name: "RED"})
				}
				time.Sleep(g.gap)
				b.StartTimer()
				w := run(warm)
				fc = append(fc, run(cold))
				lw := run(warm)
				fw, later, over = append(fw, w), append(later, lw), append(over, w-lw)
				start := time.Now()
				if out, err := exec.Command("iptables", "-t", "filter", "-S").CombinedOutput(); err != nil {
					b.Fatalf("host %s: %v\n%s", line, err, out)
				}
				host = append(host, float64(time.Since(start).Microseconds())/1000)
			}
			b.ReportMetric(median(fw), "first-warm-ms")
			b.ReportMetric(median(fc), "first-cold-ms")
			b.ReportMetric(median(later), "later-ms")
			b.ReportMetric(median(host), "host-ms")
			b.ReportMetric(median(over), "first-over-later-ms")
		})
	}
}

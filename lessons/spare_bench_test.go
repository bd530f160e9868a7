package lessons

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

// BenchmarkRebuildCost says where a rebuild from a reset spends its time
// (issue 25: the spare built after a swap, the second `p` in a row, is such
// a rebuild): each lesson (NETTUTOR_BENCH_LESSONS, comma-separated IDs;
// default service and loadbalancer, the slowest) rebuilt to its last step,
// as a lab that keeps spares (the TUI's) does it. Metrics are medians, in
// ms: total-ms; reset-ms (the reset alone, Goto(0)); program-ms (actions
// that start a lab program: run, show, the traffic actions); netlink-ms
// (every other action: the engine's own netlink calls); other-ms (the rest:
// the rebuild's own reset, captures started, links settled before a show,
// banner servers waited for, the snapshot at the end); and program-share,
// program-ms over
// total-ms. Run with
//
//	go test ./lessons -run '^$' -bench RebuildCost -benchtime 3x
func BenchmarkRebuildCost(b *testing.B) {
	ids := []string{"service", "loadbalancer"}
	if v := os.Getenv("NETTUTOR_BENCH_LESSONS"); v != "" {
		ids = strings.Split(v, ",")
	}
	ls, err := Builtin()
	if err != nil {
		b.Fatal(err)
	}
	lab := newLab(b)
	lab.KeepSpares(5)
	for _, l := range ls {
		if !slices.Contains(ids, l.ID) {
			continue
		}
		b.Run(l.ID, func(b *testing.B) {
			r := NewRunner(lab, l, Options{})
			defer r.Close()
			ctx := context.Background()
			last := len(l.Steps) - 1
			var total, reset, prog, nl, other []float64
			for b.Loop() {
				b.StopTimer()
				start := time.Now()
				if err := r.Goto(ctx, 0); err != nil {
					b.Fatal(err)
				}
				reset = append(reset, ms(time.Since(start)))
				b.StartTimer()
				start = time.Now()
				if err := r.Goto(ctx, last); err != nil {
					b.Fatal(err)
				}
				t := time.Since(start)
				var p, n time.Duration
				for _, s := range r.Replayed() {
					for _, a := range s.Actions {
						if programAction(a.Kind) {
							p += a.Duration
						} else {
							n += a.Duration
						}
					}
				}
				total, prog, nl = append(total, ms(t)), append(prog, ms(p)), append(nl, ms(n))
				other = append(other, ms(t-p-n))
			}
			b.ReportMetric(median(total), "total-ms")
			b.ReportMetric(median(reset), "reset-ms")
			b.ReportMetric(median(prog), "program-ms")
			b.ReportMetric(median(nl), "netlink-ms")
			b.ReportMetric(median(other), "other-ms")
			b.ReportMetric(median(prog)/median(total), "program-share")
		})
	}
}

// programAction says whether an action of this kind starts a lab program
// (a shell line, a show's command, traffic) rather than only netlink calls
// of the engine.
func programAction(kind string) bool {
	switch kind {
	case "run", "show", "ping", "tcp_connect", "tcp_serve", "iptables", "iptables_del", "userns":
		return true
	}
	return false
}

// median is the middle of v (0 when empty).
func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

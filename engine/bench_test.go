package engine

import (
	"context"
	"testing"
)

// BenchmarkLabBuildBaseline builds the topology of ip-baseline.sh through
// netlink and nftables; the reset between builds is not timed.
func BenchmarkLabBuildBaseline(b *testing.B) {
	l := newLab(b)
	as := BaselineActions()
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		if err := l.Reset(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if err := l.ApplyAll(ctx, as); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLabReset is the reset as the learner sees it: the full baseline
// lab torn down and a fresh empty one ready. The rebuild is not timed.
func BenchmarkLabReset(b *testing.B) {
	l := newLab(b)
	as := BaselineActions()
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		if err := l.ApplyAll(ctx, as); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if err := l.Reset(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSnapshot reads the 4 namespaces of the baseline lab (host, RED,
// BLUE, OUTSIDE): links, addresses, routes, neighbours, fdb, rules, sysctl.
func BenchmarkSnapshot(b *testing.B) {
	l := newLab(b)
	if err := l.ApplyAll(context.Background(), BaselineActions()); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s, err := l.Snapshot()
		if err != nil {
			b.Fatal(err)
		}
		if len(s.Namespaces) != 4 {
			b.Fatalf("%d namespaces", len(s.Namespaces))
		}
	}
}

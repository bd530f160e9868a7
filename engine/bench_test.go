package engine

import (
	"context"
	"testing"
	"time"
)

// settle is how long the untimed part of a benchmark waits for the kernel's
// background cleanup of namespaces deleted by a reset, and the lab its
// idle-time refill of ready namespaces (see nspool.go): a learner reads a
// step for longer than that before the next.
const settle = 250 * time.Millisecond

// BenchmarkLabResetRebuild is what "back one step" costs in the worst case:
// the full baseline lab reset and built again at once, while the kernel is
// still freeing the old one.
func BenchmarkLabResetRebuild(b *testing.B) {
	l := newLab(b)
	as := BaselineActions()
	ctx := context.Background()
	if err := l.ApplyAll(ctx, as); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		if err := l.Reset(); err != nil {
			b.Fatal(err)
		}
		if err := l.ApplyAll(ctx, as); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLabBuildBaseline builds the topology of ip-baseline.sh through
// netlink and nftables. The reset between builds is not timed, and the
// kernel is given time to finish freeing the previous lab (it does that in
// the background, holding the rtnl lock) so that this measures the build
// alone; BenchmarkLabResetRebuild measures the two back to back.
func BenchmarkLabBuildBaseline(b *testing.B) {
	benchCycle(b, 0, false)
}

// BenchmarkLabBuildBaselineSpares is the same build on a lab that keeps
// spare namespaces ready (Lab.KeepSpares), as the TUI's lab does.
func BenchmarkLabBuildBaselineSpares(b *testing.B) {
	benchCycle(b, 5, false)
}

// BenchmarkLabReset is the reset as the learner sees it: the full baseline
// lab torn down and a fresh empty one ready. The rebuild is not timed.
func BenchmarkLabReset(b *testing.B) {
	benchCycle(b, 0, true)
}

// BenchmarkLabResetSpares is the reset of a lab that keeps spares.
func BenchmarkLabResetSpares(b *testing.B) {
	benchCycle(b, 5, true)
}

// benchCycle alternates building the baseline lab and resetting it, timing
// only the reset (timeReset) or only the build. Before each timed part the
// kernel gets `settle` to finish freeing namespaces and the lab to refill
// its spares, as happens while a learner reads a step.
func benchCycle(b *testing.B, spares int, timeReset bool) {
	l := newLab(b)
	l.KeepSpares(spares)
	as := BaselineActions()
	ctx := context.Background()
	build := func() {
		if err := l.ApplyAll(ctx, as); err != nil {
			b.Fatal(err)
		}
	}
	reset := func() {
		if err := l.Reset(); err != nil {
			b.Fatal(err)
		}
	}
	untimed, timed := reset, build
	if timeReset {
		untimed, timed = build, reset
	}
	// The lab's start (BenchmarkLabNew) is not the build's: with a few
	// iterations it would be most of the figure.
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		untimed()
		time.Sleep(settle)
		b.StartTimer()
		timed()
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

// BenchmarkLabNew is what a lab costs before its first action: the lab's
// keeper started in its own user, mount, PID, UTS, IPC and network
// namespaces (the lab root is built once per process and is not in the
// loop), its cgroup where there is one, the host namespace made and
// pinned; then the lab closed again.
func BenchmarkLabNew(b *testing.B) {
	for b.Loop() {
		l, err := New()
		if err != nil {
			b.Fatal(err)
		}
		l.Close()
	}
}

// BenchmarkLabCmd is one confined program, `true`, run to its end in the
// lab host namespace: the spawn client, the keeper, the helper with its
// fresh /proc and /sys, nsexec and prlimit.
func BenchmarkLabCmd(b *testing.B) {
	l := newLab(b)
	for b.Loop() {
		if err := l.Job(HostNS, "true").Run(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLabRun is the same program run by the keeper directly, as a
// lesson's own commands and answers are: no client process. Between runs
// (not timed) the lab is idle for a moment, as between a learner's steps,
// so the keeper's next helper is ready.
func BenchmarkLabRun(b *testing.B) {
	l := newLab(b)
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		time.Sleep(30 * time.Millisecond)
		b.StartTimer()
		if _, err := l.runShown(ctx, "true", 0, time.Now()); err != nil {
			b.Fatal(err)
		}
	}
}

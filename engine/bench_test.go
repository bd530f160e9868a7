package engine

import (
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
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

// BenchmarkLabRun puts a lesson's shown command (a `run` step: runShown,
// through the lab's runner) side by side with the same command typed in a
// lab shell (a bash of the lab, fed on its standard input, as a learner
// types it) and with a plain fork/exec of it on the host, in one run: each
// iteration runs the three back to back, so the load is the same for all
// three. It reports the medians (host-ms, shell-ms, lab-ms) and the median
// of each iteration's lab minus shell (over-shell-ms: DESIGN's target is
// 10 ms at most), and the mean CPU time the lab's processes used for the
// shell's and the lab's (shell-cpu-ms, lab-cpu-ms), which a loaded machine
// does not stretch. ns/op is the three together. Run with
// go test ./engine -run '^$' -bench LabRun -benchtime 20x -count 3
func BenchmarkLabRun(b *testing.B) {
	for _, c := range []struct{ name, line string }{
		{"iptables", "iptables -t filter -S"},
		{"netns_RED_iptables", "ip netns exec RED iptables -t nat -S"},
		{"true", "true"},
	} {
		argv := strings.Fields(c.line)
		if _, err := exec.LookPath(argv[0]); err != nil {
			b.Logf("no %s here: %v", argv[0], err)
			continue
		}
		b.Run(c.name, func(b *testing.B) {
			l := newLab(b)
			ctx := context.Background()
			apply(b, l, NetnsAdd{Name: "RED"})
			sh := startLabShell(b, l)
			host := func() {
				if out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput(); err != nil && argv[0] != "ip" {
					b.Fatalf("%s: %v\n%s", c.line, err, out)
				}
			}
			lab := func() {
				if res, err := l.runShown(ctx, c.line, 0, time.Now()); err != nil {
					b.Fatalf("%s: %v\n%s", c.line, err, res.Output)
				}
			}
			// One untimed round: the lab's runner and the shell's first
			// command start what later ones reuse.
			host()
			sh.run(b, c.line)
			lab()
			var hs, ss, ls, over []float64
			var shellCPU, labCPU float64
			ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
			b.ResetTimer()
			for b.Loop() {
				t0 := time.Now()
				host()
				t1 := time.Now()
				c0 := labCPUms()
				sh.run(b, c.line)
				t2 := time.Now()
				c1 := labCPUms()
				lab()
				t3 := time.Now()
				c2 := labCPUms()
				shellCPU, labCPU = shellCPU+c1-c0, labCPU+c2-c1
				hs, ss, ls = append(hs, ms(t1.Sub(t0))), append(ss, ms(t2.Sub(t1))), append(ls, ms(t3.Sub(t2)))
				over = append(over, ms(t3.Sub(t2))-ms(t2.Sub(t1)))
			}
			b.ReportMetric(median(hs), "host-ms")
			b.ReportMetric(median(ss), "shell-ms")
			b.ReportMetric(median(ls), "lab-ms")
			b.ReportMetric(median(over), "over-shell-ms")
			// CPU time, which the machine's load does not stretch: what
			// the lab's processes used for each (clock ticks, summed over
			// the iterations, so a mean finer than one tick).
			b.ReportMetric(shellCPU/float64(b.N), "shell-cpu-ms")
			b.ReportMetric(labCPU/float64(b.N), "lab-cpu-ms")
		})
	}
}

// labShell is a bash of the lab fed commands on its standard input, as a
// learner types them in a lab shell.
type labShell struct {
	in  io.WriteCloser
	out *bufio.Reader
}

func startLabShell(b *testing.B, l *Lab) *labShell {
	cmd := l.Cmd(HostNS, "bash", "--norc", "--noprofile")
	in, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { in.Close(); cmd.Wait() })
	return &labShell{in: in, out: bufio.NewReader(out)}
}

// run types line and reads its output up to the end mark the shell
// prints after it.
func (s *labShell) run(b *testing.B, line string) {
	if _, err := io.WriteString(s.in, line+" 2>&1; echo \"__end $?\"\n"); err != nil {
		b.Fatal(err)
	}
	for {
		ln, err := s.out.ReadString('\n')
		if err != nil {
			b.Fatalf("lab shell: %v", err)
		}
		if strings.HasPrefix(ln, "__end ") {
			if strings.TrimSpace(ln) != "__end 0" {
				b.Fatalf("%s in a lab shell: %s", line, ln)
			}
			return
		}
	}
}

// labCPUms is the CPU time, in ms, of every process of this sandbox but
// the engine (the lab's keeper and what it started, alive, and what those
// reaped): utime, stime, cutime and cstime from /proc/PID/stat.
func labCPUms() float64 {
	ents, _ := os.ReadDir("/proc")
	var ticks int64
	self := strconv.Itoa(os.Getpid())
	for _, e := range ents {
		if e.Name() == self || e.Name()[0] < '0' || e.Name()[0] > '9' {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// Fields after the command's closing parenthesis: state is 3,
		// utime 14 ... cstime 17.
		i := strings.LastIndexByte(string(b), ')')
		f := strings.Fields(string(b[i+1:]))
		if len(f) < 15 {
			continue
		}
		for _, x := range f[11:15] {
			n, _ := strconv.ParseInt(x, 10, 64)
			ticks += n
		}
	}
	return float64(ticks) * 10 // USER_HZ is 100 on Linux
}

// median of xs (which it sorts).
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	sort.Float64s(xs)
	return xs[len(xs)/2]
}

package engine

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// clusterScript is the cluster lab typed as commands (issue 21's baseline).
const clusterScript = "../test/bench/cluster-baseline.sh"

// TestClusterBaselineScript holds the baseline script to the engine's
// cluster lab: its lab lines are, one for one, the commands of
// ClusterActions, so the benchmark compares the same topology.
func TestClusterBaselineScript(t *testing.T) {
	f, err := os.Open(clusterScript)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		switch line := sc.Text(); {
		case strings.HasPrefix(line, "# --- the lab"):
			in = true
		case strings.HasPrefix(line, "# --- end of the lab"):
			in = false
		case in:
			lines = append(lines, line)
		}
	}
	as := ClusterActions()
	if len(lines) != len(as) {
		t.Fatalf("the script has %d lab lines, ClusterActions %d actions", len(lines), len(as))
	}
	for i, a := range as {
		if lines[i] != a.Command() {
			t.Errorf("line %d of the lab: script %q, engine %q", i+1, lines[i], a.Command())
		}
	}
}

// BenchmarkClusterBuild builds the 2-node, 3-pod flannel lab of issue 21
// (ClusterActions) and, in the same run and between the timed builds, runs
// test/bench/cluster-baseline.sh (the same lab typed as ip/bridge/sysctl
// commands) as a whole process, as a learner's shell would. It reports the
// engine's build (ns/op, and engine-ms), the script's (script-ms) and
// their ratio (engine/script; the target is <= 0.1, and <= 30 ms). The
// reset before each build, and the kernel's background freeing of the
// previous lab and of the script's namespaces, are not timed (see settle).
func BenchmarkClusterBuild(b *testing.B) { benchCluster(b, 0) }

// BenchmarkClusterBuildSpares is the same build on a lab that keeps spare
// namespaces ready (Lab.KeepSpares), as the TUI's lab does: five, one for
// each node and pod.
func BenchmarkClusterBuildSpares(b *testing.B) { benchCluster(b, 5) }

func benchCluster(b *testing.B, spares int) {
	for _, tool := range []string{"unshare", "bash", "ip", "bridge", "sysctl"} {
		if _, err := exec.LookPath(tool); err != nil {
			b.Skipf("%s is not installed: the baseline script needs it", tool)
		}
	}
	l := newLab(b)
	l.KeepSpares(spares)
	as := ClusterActions()
	ctx := context.Background()
	argv := []string{"--net", "--mount", "--fork", "bash", clusterScript}
	if os.Geteuid() != 0 {
		argv = append([]string{"--map-root-user"}, argv...)
	}
	var engine, script time.Duration
	b.ResetTimer() // the lab's start is BenchmarkLabNew's, not the build's
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		if err := l.Reset(); err != nil {
			b.Fatal(err)
		}
		time.Sleep(settle)
		t0 := time.Now()
		if out, err := exec.Command("unshare", argv...).CombinedOutput(); err != nil {
			b.Fatalf("cluster-baseline.sh: %v\n%s", err, out)
		}
		script += time.Since(t0)
		time.Sleep(settle)
		b.StartTimer()
		t1 := time.Now()
		if err := l.ApplyAll(ctx, as); err != nil {
			b.Fatal(err)
		}
		engine += time.Since(t1)
	}
	n := float64(b.N)
	b.ReportMetric(float64(engine.Microseconds())/1000/n, "engine-ms")
	b.ReportMetric(float64(script.Microseconds())/1000/n, "script-ms")
	b.ReportMetric(float64(engine)/float64(script), "engine/script")
}

// BenchmarkClusterBuildByKind is BenchmarkClusterBuild without the script,
// reporting where the build's time goes: the milliseconds per build spent
// in each action type (NetnsAdd, VethAdd, Sysctl, VxlanAdd, ...).
func BenchmarkClusterBuildByKind(b *testing.B) {
	l := newLab(b)
	as := ClusterActions()
	ctx := context.Background()
	byKind := map[string]time.Duration{}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		if err := l.Reset(); err != nil {
			b.Fatal(err)
		}
		time.Sleep(settle)
		b.StartTimer()
		for _, a := range as {
			t0 := time.Now()
			if _, err := a.Apply(ctx, l); err != nil {
				b.Fatalf("%s: %v", a.Command(), err)
			}
			byKind[strings.TrimPrefix(reflectName(a), "engine.")] += time.Since(t0)
		}
	}
	for k, d := range byKind {
		b.ReportMetric(float64(d.Microseconds())/1000/float64(b.N), k+"-ms")
	}
}

func reflectName(a Action) string { return fmt.Sprintf("%T", a) }

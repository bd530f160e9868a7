package confine

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/nettutor/nettutor/engine/sandbox"
)

// TestLabBackground: a lab set to the background has the least CPU
// weight in its cgroup, which holds the keeper (and so every process it
// starts), and the default again when set back; a lab with no cgroup
// that controls CPU (rootless here) says so and changes nothing.
func TestLabBackground(t *testing.T) {
	k := startKeeper(t)
	pinHost(t, k)
	var cpuDir, file string
	if k.cg != nil {
		for _, d := range k.cg.dirs {
			for _, f := range []string{"cpu.shares", "cpu.weight"} {
				if _, err := os.Stat(filepath.Join(d, f)); err == nil {
					cpuDir, file = d, f
				}
			}
		}
	}
	read := func() string {
		b, err := os.ReadFile(filepath.Join(cpuDir, file))
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(string(b))
	}
	t.Logf("the lab's CPU cgroup: %q %s", cpuDir, file)
	if cpuDir == "" {
		if !sandbox.Rootless() {
			if _, ok := v1Base("cpu"); ok {
				t.Fatalf("as root with a cgroup v1 cpu hierarchy, the lab has no CPU cgroup: %v", k.cg)
			}
		}
		if k.SetBackground(true) {
			t.Fatal("SetBackground says it set a weight on a lab with no CPU cgroup")
		}
		if k.Background() {
			t.Fatal("a lab with no CPU cgroup says it is in the background")
		}
		// The lab still runs its programs.
		if out, err := run(t, k, "echo ok"); err != nil || strings.TrimSpace(out) != "ok" {
			t.Fatalf("a program after SetBackground: %q, %v", out, err)
		}
		return
	}
	fg, bg := v1SharesForeground, v1SharesBackground
	if k.cg.v2 {
		fg, bg = v2WeightForeground, v2WeightBackground
	}
	if got := read(); got != fg || k.Background() {
		t.Fatalf("a new lab's %s is %s (background %v), want %s", file, got, k.Background(), fg)
	}
	procs, err := os.ReadFile(filepath.Join(cpuDir, "cgroup.procs"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains("\n"+string(procs), "\n"+strconv.Itoa(k.Pid())+"\n") {
		t.Fatalf("the keeper %d is not in its CPU cgroup %s: %q", k.Pid(), cpuDir, procs)
	}
	if !k.SetBackground(true) {
		t.Fatal("SetBackground(true) set nothing on a lab with a CPU cgroup")
	}
	if got := read(); got != bg || !k.Background() {
		t.Fatalf("background lab's %s is %s, want %s", file, got, bg)
	}
	if out, err := run(t, k, "echo ok"); err != nil || strings.TrimSpace(out) != "ok" {
		t.Fatalf("a program in a background lab: %q, %v", out, err)
	}
	if !k.SetBackground(false) {
		t.Fatal("SetBackground(false) set nothing")
	}
	if got := read(); got != fg || k.Background() {
		t.Fatalf("foreground again, %s is %s, want %s", file, got, fg)
	}
}

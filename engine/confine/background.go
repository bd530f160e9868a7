package confine

import (
	"os"
	"path/filepath"
	"strings"
)

// CPU weights of a lab's cgroup: a background lab's (a spare being
// rebuilt while the learner reads) is the least the kernel takes, so any
// learner's foreground work, this member's or another's, runs first and
// the spare has the CPU only when nobody else needs it. The foreground
// values are the kernel's defaults, which every lab has at its start.
const (
	v1SharesBackground = "2"    // cpu.shares: the least cgroup v1 takes
	v1SharesForeground = "1024" // its default
	v2WeightBackground = "1"    // cpu.weight: the least cgroup v2 takes
	v2WeightForeground = "100"  // its default
)

// SetBackground makes the lab's CPU weight the least (on) or the default
// (off), for every process of the lab: its keeper, runner, helpers and
// the programs they run, which all live in the lab's cgroup. Under
// nettutor serve, thirty members' spare labs replay each step a second
// time right after it ran (issue 25); at the default weight each spare's
// cgroup weighs as much as a whole member's TUI, and the replays slow
// every member's next step.
//
// It reports whether the weight was set: a lab without a cgroup that
// controls CPU (rootless, on most machines) has none to set. Its
// processes then share the CPU inside the member's own session, whose
// weight the kernel's autogroups keep equal to any other member's, so a
// spare there slows no one's step more than the member's own work does.
// A nice value is no substitute: an unprivileged process cannot lower it
// again when the spare becomes the live lab.
func (k *Keeper) SetBackground(on bool) bool {
	if k == nil || k.cg == nil {
		return false
	}
	set := false
	for _, d := range k.cg.dirs {
		file, v := "cpu.shares", v1SharesForeground
		if on {
			v = v1SharesBackground
		}
		if k.cg.v2 {
			file, v = "cpu.weight", v2WeightForeground
			if on {
				v = v2WeightBackground
			}
		}
		p := filepath.Join(d, file)
		if _, err := os.Stat(p); err != nil {
			continue // not the CPU hierarchy, or no CPU controller delegated
		}
		if os.WriteFile(p, []byte(v), 0) == nil {
			set = true
		}
	}
	return set
}

// Background reports whether the lab's cgroup has the background CPU
// weight (tests, the spare's state).
func (k *Keeper) Background() bool {
	if k == nil || k.cg == nil {
		return false
	}
	for _, d := range k.cg.dirs {
		file, want := "cpu.shares", v1SharesBackground
		if k.cg.v2 {
			file, want = "cpu.weight", v2WeightBackground
		}
		if b, err := os.ReadFile(filepath.Join(d, file)); err == nil {
			return strings.TrimSpace(string(b)) == want
		}
	}
	return false
}

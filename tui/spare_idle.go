package tui

import (
	"context"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/nettutor/nettutor/serve/link"
)

// A spare is rebuilt in the time a learner spends reading: work nobody
// waits for. On a machine whose CPU is taken (nettutor serve with thirty
// members stepping on two cores, issue 25) it took a sixth of a member's
// CPU while stepping, right when every other member's step wanted it. So
// a spare build first waits until the CPU is free enough: the kernel's
// pressure stall information (/proc/pressure/cpu) says what share of the
// time some runnable task waited for a CPU, and the build starts once
// that share, over the last spareIdleWindow, is under spareIdleStall.
// This holds under nettutor serve (link.EnvSpareWhenIdle).
// A learner who waits for the spare (`p` during its build) ends the wait
// within a tick (spareIdleWindow/5); a move cancels it, as it cancels a build.
//
// Lowering the spare's CPU weight instead was measured worse: a step
// waits for a cancelled build's step under way, and a spare starved while
// it holds kernel-wide locks (RTNL, taken by link and namespace changes)
// stalls every member's lab (N=30: step p50 2.1 s against 0.5 s).
const (
	spareIdleStall  = 0.5
	spareIdleWindow = 250 * time.Millisecond
)

// cpuPressureFile is the kernel's CPU pressure file (a variable for tests).
var cpuPressureFile = "/proc/pressure/cpu"

// cpuStall reads the CPU's stall time (readCPUStall; a variable for tests).
var cpuStall = readCPUStall

// readCPUStall is the kernel's total time in which some runnable task waited
// for a CPU; false where the kernel has no pressure information.
func readCPUStall() (time.Duration, bool) {
	b, err := os.ReadFile(cpuPressureFile)
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(line, "some ") {
			continue
		}
		for _, f := range strings.Fields(line) {
			if v, ok := strings.CutPrefix(f, "total="); ok {
				us, err := strconv.ParseInt(v, 10, 64)
				return time.Duration(us) * time.Microsecond, err == nil
			}
		}
	}
	return 0, false
}

// waitIdleCPU returns once the CPU is free enough for a spare build, the
// learner waits for the spare (s.spareHurry), or ctx ends (its error).
// It returns at once where the kernel has no pressure information, and
// outside nettutor serve (link.EnvSpareWhenIdle unset): a learner's own
// machine is theirs, and a spare that waits for it to be idle would wait
// out every compile.
func (s *labSession) waitIdleCPU(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if os.Getenv(link.EnvSpareWhenIdle) != "1" {
		return nil
	}
	prev, ok := cpuStall()
	if !ok {
		return nil
	}
	t0 := time.Now()
	tick := time.NewTicker(spareIdleWindow / 5)
	defer tick.Stop()
	for {
		if s.spareHurry.Swap(false) {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
		now := time.Now()
		if now.Sub(t0) < spareIdleWindow {
			continue
		}
		cur, ok := cpuStall()
		if !ok {
			return nil
		}
		if float64(cur-prev) < spareIdleStall*float64(now.Sub(t0)) {
			return nil
		}
		prev, t0 = cur, now
	}
}

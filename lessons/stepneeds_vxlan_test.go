package lessons

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nettutor/nettutor/engine"
)

// TestVXLANStepsNeedVXLAN: every built-in step that makes a VXLAN device
// (a `vxlan` action, or `type vxlan` in a run) says `needs: [vxlan]`, so a
// kernel without the driver gets "not run here" with `modprobe vxlan`
// rather than a failed cluster step. (The loader then holds every later
// step that rests on the device to the same need.)
func TestVXLANStepsNeedVXLAN(t *testing.T) {
	for _, id := range BuiltinOrder {
		l, err := Find(id)
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range l.Steps {
			makes := false
			for _, a := range st.Actions {
				makes = makes || a.Kind == "vxlan" || a.Kind == "run" && strings.Contains(a.Command(), "type vxlan")
			}
			if makes && !contains(st.Needs, NeedVXLAN) {
				t.Errorf("%s step %s makes a VXLAN device; its needs %v lack %s", id, st.ID, st.Needs, NeedVXLAN)
			}
		}
	}
}

// forceNoKernel makes every lab look like one whose kernel lacks the
// driver for need until the test ends. Not for parallel tests.
func forceNoKernel(t *testing.T, need string) {
	old := labLacks
	labLacks = func(lab *engine.Lab, n string) bool {
		if n == need {
			return true
		}
		return old(lab, n)
	}
	t.Cleanup(func() { labLacks = old })
}

// TestServiceLessonsWithoutVXLAN: on a kernel without the vxlan driver,
// the service and loadbalancer lessons, whose cluster rests on flannel.1,
// run no step (each not run with the vxlan line) and fail none.
func TestServiceLessonsWithoutVXLAN(t *testing.T) {
	forceNoKernel(t, NeedVXLAN)
	for _, id := range []string{"service", "loadbalancer"} {
		t.Run(id, func(t *testing.T) {
			l, err := Find(id)
			if err != nil {
				t.Fatal(err)
			}
			lab := newLab(t)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			r := NewRunner(lab, l, Options{})
			t.Cleanup(func() { r.Close() })
			for !r.Done() {
				res, err := r.RunNext(ctx)
				if err != nil {
					t.Fatal(err)
				}
				st := res.Step
				if res.NotRun == nil || res.NotRun.Need != NeedVXLAN || len(res.Actions) > 0 || res.Failed {
					t.Errorf("step %s: not run %+v, %d actions, failed %v", st.ID, res.NotRun, len(res.Actions), res.Failed)
					continue
				}
				if line := res.NotRun.Text("en"); !strings.Contains(line, "modprobe vxlan") {
					t.Errorf("step %s: %q", st.ID, line)
				}
			}
		})
	}
}

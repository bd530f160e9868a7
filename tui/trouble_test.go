package tui

import (
	"context"
	"strings"
	"testing"

	"github.com/nettutor/nettutor/engine"
	"github.com/nettutor/nettutor/lessons"
)

// TestTroubleshootPerLearner: on a real lab, the TUI breaks a
// troubleshooting exercise the way the learner's name picks; two learners
// whose names pick different faults get different labs, nothing the TUI
// shows before a check names the fault, and the check's first failure
// carries a cause-specific hint with a fix behind it.
func TestTroubleshootPerLearner(t *testing.T) {
	if !labOK {
		t.Skip("no lab sandbox here")
	}
	_, ex, err := lessons.FindExercise("troubleshoot/bridge")
	if err != nil {
		t.Fatal(err)
	}
	// Two names that pick port-down and another fault.
	names := map[string]string{}
	for _, n := range []string{"kim", "lee", "park", "choi", "jung", "kang", "cho", "yoon"} {
		f := ex.PickFault(lessons.Seed(n)).ID
		if _, ok := names[f]; !ok {
			names[f] = n
		}
	}
	down, ok := names["port-down"]
	if !ok || len(names) < 2 {
		t.Fatalf("names pick only %v", names)
	}
	var other string
	for f, n := range names {
		if f != "port-down" {
			other = n
		}
	}
	vethBlueUp := func(learner string) (bool, []CheckResult) {
		t.Setenv("NETTUTOR_LEARNER", learner)
		lab, err := engine.New()
		if err != nil {
			t.Fatal(err)
		}
		defer lab.Close()
		ctx := context.Background()
		sess, err := NewLabBackend(lab).Open(ctx, "troubleshoot", "en")
		if err != nil {
			t.Fatal(err)
		}
		defer sess.Close()
		for _, e := range sess.Exercises() {
			// a shows the solution of this learner's own fault: its
			// diagnosis and one fix, not a repair of every fault.
			if mine := ex.PickFault(lessons.Seed(learner)); e.ID == "bridge" && (e.Solution != mine.Solution || mine.Solution == "") {
				t.Errorf("%s (fault %s): solution shown\n%s\nwant the fault's own\n%s", learner, mine.ID, e.Solution, mine.Solution)
			}
			for _, h := range append(append([]string{e.Goal, e.Solution}, e.Hints...), e.Title) {
				for _, f := range ex.Faults {
					if strings.Contains(h, f.ID) {
						t.Errorf("exercise text shows fault id %q: %q", f.ID, h)
					}
				}
			}
		}
		if _, err := sess.StartExercise(ctx, "bridge"); err != nil {
			t.Fatal(err)
		}
		snap, err := sess.Snapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		l := snap.NS("host").Link("veth-blue")
		res, err := sess.Check(ctx, "bridge")
		if err != nil {
			t.Fatal(err)
		}
		return l != nil && l.State == "up", res
	}
	up, res := vethBlueUp(down)
	if up {
		t.Errorf("learner %s (port-down): veth-blue is up", down)
	}
	var fixed bool
	for _, r := range res {
		if !r.OK && strings.Contains(r.Hint, "veth-blue") && strings.Contains(r.Fix, "ip link set veth-blue up") {
			fixed = true
		}
	}
	if !fixed {
		t.Errorf("port-down: no failed check blames veth-blue with its fix: %+v", res)
	}
	if up, _ := vethBlueUp(other); !up {
		t.Errorf("learner %s (another fault): veth-blue is down", other)
	}
}

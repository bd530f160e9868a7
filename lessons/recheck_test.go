package lessons

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestRecheckAfterShell breaks what veth's "up" step built, as a learner
// in a lab shell might (ip link set veth0 down), and holds Recheck to it:
// every expectation holds before, the one about veth0 fails after and names
// it, and a rebuild to the same step makes them hold again.
func TestRecheckAfterShell(t *testing.T) {
	lab := newLab(t)
	l, err := Find("veth")
	if err != nil {
		t.Fatal(err)
	}
	up := -1
	for i, st := range l.Steps {
		if st.ID == "up" {
			up = i
		}
	}
	if up < 0 {
		t.Fatal("veth has no step \"up\"")
	}
	r := NewRunner(lab, l, Options{})
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if res, err := r.Recheck(ctx); err != nil || len(res) != 0 {
		t.Fatalf("before any step: %v, %v", res, err)
	}
	if err := r.Goto(ctx, up); err != nil {
		t.Fatal(err)
	}
	if res, err := r.RunStep(ctx, up); err != nil || !res.OK() {
		t.Fatalf("step %d: %v %+v", up, err, res)
	}
	check := func(wantFail int) []CheckResult {
		t.Helper()
		res, err := r.Recheck(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(res) != 2 {
			t.Fatalf("rechecked %d expectations, want 2: %+v", len(res), res)
		}
		fails := 0
		for _, c := range res {
			if !c.OK {
				fails++
			}
		}
		if fails != wantFail {
			t.Fatalf("%d failed, want %d: %+v", fails, wantFail, res)
		}
		return res
	}
	check(0)
	if out, err := lab.Job("host", "ip", "-n", "RED", "link", "set", "veth0", "down").CombinedOutput(); err != nil {
		t.Fatalf("ip link set down: %v %s", err, out)
	}
	for _, c := range check(1) {
		if !c.OK && !strings.Contains(c.Desc+" "+c.Detail, "veth0") {
			t.Errorf("the failure does not name veth0: %+v", c)
		}
	}
	if err := r.Goto(ctx, up+1); err != nil {
		t.Fatal(err)
	}
	check(0)
}

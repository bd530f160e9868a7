package lessons

import (
	"context"
	"strings"
	"testing"

	"github.com/nettutor/nettutor/engine"
	"github.com/nettutor/nettutor/engine/journey"
)

// TestForwardingPerInterface: on nat/outside's lab with routes and
// MASQUERADE, forwarding turned on per interface (br0 and uplink, with
// net.ipv4.ip_forward left 0) is judged as the kernel judges it: the real
// ping gets through, and the trace (`trace`, the TUI's `y`), the lab's
// replay (`run --plain`) and the `forwards` check all say so. Off on
// uplink alone, each stops the reply at uplink and names its key.
func TestForwardingPerInterface(t *testing.T) {
	lab := newLab(t)
	ctx := context.Background()
	_, ex, err := FindExercise("nat/outside")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ex.SetUp(ctx, lab); err != nil {
		t.Fatal(err)
	}
	for _, a := range []engine.Action{
		engine.RouteAdd{NS: "RED", Dst: "default", Via: "11.11.11.1"},
		engine.Sysctl{Key: "net.ipv4.conf.br0.forwarding", Value: "1"},
		engine.Sysctl{Key: "net.ipv4.conf.uplink.forwarding", Value: "1"},
	} {
		if _, err := a.Apply(ctx, lab); err != nil {
			t.Fatal(err)
		}
	}
	if ar := ApplyAction(ctx, lab, mustAssertionAction(t, `iptables: {rule: "-t nat -A POSTROUTING -s 11.11.11.0/24 ! -o br0 -j MASQUERADE"}`)); !ar.OK {
		t.Fatal(ar.Err)
	}
	if v, _ := lab.ReadSysctl("", "net.ipv4.ip_forward"); v != "0" {
		t.Fatalf("ip_forward is %q: the test wants it left 0", v)
	}
	p := journey.Probe{From: "RED", Dst: "203.0.113.2", Proto: "icmp"}
	fwd := mustAssertion(t, `forwards: {ns: host, from: RED, to: 203.0.113.2}`)
	check := func(state, reason, where, key string) {
		t.Helper()
		if _, err := lab.Ping(ctx, "RED", "203.0.113.2", 1, probeTimeout); (err == nil) != (reason == "") {
			t.Fatalf("%s: the kernel's own ping: %v", state, err)
		}
		tr, err := journey.TraceLab(ctx, lab, p, journey.Options{})
		if err != nil {
			t.Fatalf("%s: trace: %v", state, err)
		}
		pr, err := journey.PredictLab(lab, nil, p, "en")
		if err != nil {
			t.Fatalf("%s: predict: %v", state, err)
		}
		for name, j := range map[string]*journey.Journey{"trace": tr, "predict": pr} {
			switch {
			case reason == "" && j.Drop != nil:
				t.Errorf("%s: %s stops: %+v", state, name, j.Drop)
			case reason != "" && (j.Drop == nil || j.Drop.Reason != reason || j.Drop.Where != where || !strings.Contains(j.Drop.Detail, key+"=0")):
				t.Errorf("%s: %s drop %+v, want %s at %s naming %s", state, name, j.Drop, reason, where, key)
			}
		}
		r := EvaluateOne(ctx, lab, fwd, &Env{})
		if r.OK != (reason == "") || (reason != "" && !strings.Contains(r.Detail, "they arrive on "+where+", and "+key+" is 0")) {
			t.Errorf("%s: forwards check ok=%v detail %q", state, r.OK, r.Detail)
		}
	}
	check("br0 and uplink forward", "", "", "")
	if _, err := (engine.Sysctl{Key: "net.ipv4.conf.uplink.forwarding", Value: "0"}).Apply(ctx, lab); err != nil {
		t.Fatal(err)
	}
	check("uplink does not forward", journey.ReasonForwardOff, "uplink", "net.ipv4.conf.uplink.forwarding")
}

// mustAssertionAction loads one action of an exercise setup.
func mustAssertionAction(t *testing.T, item string) *Action {
	t.Helper()
	src := "id: t\ntitle: {en: T}\nsummary: {en: T}\nsteps:\n  - id: s\n    title: {en: S}\n" +
		"exercises:\n  - id: e\n    title: {en: E}\n    goal: {en: G}\n    setup:\n      - " + item + "\n    checks:\n      - id: c\n        reachable: {from: RED, to: 11.11.11.1}\n"
	l, err := Load("t.yaml", []byte(src))
	if err != nil {
		t.Fatalf("load %q: %v", item, err)
	}
	return l.Exercises[0].Setup[0]
}

package lessons

import (
	"context"

	"github.com/nettutor/nettutor/engine"
	"strings"
	"testing"
	"time"
)

func loadMini(t testing.TB) *Lesson {
	t.Helper()
	l, err := LoadFile("testdata/mini.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestRunnerMini(t *testing.T) {
	t.Parallel() // a lab of its own that mostly waits on probes: see parallel_test.go
	lab := newLab(t)
	l := loadMini(t)
	var streamed int
	r := NewRunner(lab, l, Options{OnPacket: func(Packet) { streamed++ }})
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for !r.Done() {
		res, err := r.RunNext(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range res.Actions {
			t.Logf("step %d: %s ok=%v err=%v out=%q", res.Index, a.Command, a.OK, a.Err, a.Output)
		}
		for _, c := range res.Expect {
			t.Logf("  expect %s ok=%v %s", c.Desc, c.OK, c.Detail)
		}
		for _, p := range res.Packets {
			t.Logf("  packet %s %s", p.Point, p.Summary)
		}
		for _, e := range res.CaptureErrs {
			t.Errorf("capture: %v", e)
		}
		if !res.OK() {
			t.Errorf("step %d (%s) not OK", res.Index, res.Step.ID)
		}
		if res.Snapshot == nil {
			t.Errorf("step %d: no snapshot", res.Index)
		}
		switch res.Step.ID {
		case "pair":
			if !hasNS(res.Changed.Namespaces, "RED") || !hasLink(res.Changed.Links, "RED", "veth0") {
				t.Errorf("pair: changes %+v do not name RED/veth0", res.Changed)
			}
		case "up":
			if len(res.Packets) < 2 {
				t.Errorf("up: %d packets captured, want >= 2", len(res.Packets))
			}
			if hasLink(res.Changed.Links, "host", "lo") {
				t.Errorf("up: host/lo reported as changed")
			}
		}
	}
	if streamed == 0 {
		t.Errorf("OnPacket was never called")
	}
}

func hasNS(list []string, ns string) bool { return contains(list, ns) }

func hasLink(list []LinkRef, ns, name string) bool {
	for _, l := range list {
		if l.NS == ns && l.Name == name {
			return true
		}
	}
	return false
}

func TestRunnerGoto(t *testing.T) {
	t.Parallel() // a lab of its own that mostly waits on probes: see parallel_test.go
	lab := newLab(t)
	l := loadMini(t)
	r := NewRunner(lab, l, Options{})
	defer r.Close()
	ctx := context.Background()
	if _, err := r.RunStep(ctx, 0); err != nil {
		t.Fatal(err)
	}
	// Jump ahead: step 2 replays 0 and 1 first.
	res, err := r.RunStep(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK() {
		t.Fatalf("step 2 after replay not OK: %+v", res.Expect)
	}
	// Back to step 1: the lab is reset and step 0 replayed.
	if err := r.Goto(ctx, 1); err != nil {
		t.Fatal(err)
	}
	s := r.Snapshot()
	red := s.NS("RED")
	if red == nil || red.Link("veth0") == nil {
		t.Fatalf("after Goto(1): RED/veth0 missing")
	}
	if red.Link("veth0").State != "down" {
		t.Errorf("after Goto(1): veth0 is %s, want down (step 1 not yet run)", red.Link("veth0").State)
	}
	res, err = r.RunNext(ctx)
	if err != nil || !res.OK() {
		t.Fatalf("step 1 after Goto: err=%v %+v", err, res.Expect)
	}
	if r.Next() != 2 {
		t.Errorf("Next() = %d, want 2", r.Next())
	}
}

func TestRunnerFailureStops(t *testing.T) {
	lab := newLab(t)
	l, err := Load("bad.yaml", []byte(`
id: bad
title: {en: Bad}
summary: {en: Bad}
steps:
  - id: s
    title: {en: S}
    actions:
      - netns_add: {name: RED}
      - ping: {ns: RED, dst: 11.11.11.3}
      - netns_add: {name: BLUE}
    expect:
      - link: {ns: RED, name: lo, state: up}
`))
	if err != nil {
		t.Fatal(err)
	}
	r := NewRunner(lab, l, Options{})
	res, err := r.RunNext(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !res.Failed || len(res.Actions) != 2 || res.OK() {
		t.Fatalf("want failure at action 2, got failed=%v actions=%d", res.Failed, len(res.Actions))
	}
}

func TestExpectationDetails(t *testing.T) {
	t.Parallel() // a lab of its own that mostly waits on probes: see parallel_test.go
	lab := newLab(t)
	l := loadMini(t)
	r := NewRunner(lab, l, Options{})
	ctx := context.Background()
	if _, err := r.RunStep(ctx, 0); err != nil {
		t.Fatal(err)
	}
	// RED/veth0 is down and has no address yet.
	cases := []struct {
		yaml   string
		detail string
	}{
		{`link: {ns: RED, name: veth0, state: up}`, "RED: veth0 is DOWN"},
		{`link: {ns: RED, name: veth9}`, "RED: no link veth9 (links: lo, veth0)"},
		{`link: {ns: RED, name: veth1}`, "RED: no link veth1 (it is in BLUE, not RED)"},
		{`addr: {ns: RED, addr: 11.11.11.2/24}`, "RED: no address 11.11.11.2/24 (RED has no IPv4 address besides lo)"},
		{`veth_pair: {a: BLUE, b: host}`, "no veth in BLUE has its peer in host (veth1's peer is in RED)"},
		{`reachable: {from: RED, to: 11.11.11.3}`, "RED: no reply from 11.11.11.3: RED has no route to 11.11.11.3 (no address in its subnet, no default route)"},
		{`link: {ns: GREEN, name: x}`, "no namespace GREEN (the lab has: host, BLUE, RED)"},
	}
	for _, c := range cases {
		a := mustAssertion(t, c.yaml)
		got := EvaluateOne(ctx, lab, a, &Env{})
		if got.OK || got.Detail != c.detail {
			t.Errorf("%s:\n got  ok=%v %q\n want %q", c.yaml, got.OK, got.Detail, c.detail)
		}
	}
	// After a wrong prefix length.
	for _, a := range []string{`addr_add: {ns: RED, dev: veth0, addr: 11.11.11.2/16}`} {
		act := mustAction(t, a)
		if ar := ApplyAction(ctx, lab, act); !ar.OK {
			t.Fatal(ar.Err)
		}
	}
	got := EvaluateOne(ctx, lab, mustAssertion(t, `addr: {ns: RED, addr: 11.11.11.2/24}`), &Env{})
	if want := "RED: no address 11.11.11.2/24 (veth0 has 11.11.11.2/16: wrong prefix length)"; got.Detail != want {
		t.Errorf("prefix: got %q want %q", got.Detail, want)
	}
	if !strings.Contains(got.Desc, "RED has 11.11.11.2/24") {
		t.Errorf("desc %q", got.Desc)
	}
	ko := EvaluateOne(ctx, lab, mustAssertion(t, `addr: {ns: RED, addr: 11.11.11.2/24}`), &Env{Lang: "ko"})
	// The same templates in Korean, with the particles the values take.
	if ko.Desc != "RED에 주소 11.11.11.2/24가 있는지" || ko.Detail != "RED: 주소 11.11.11.2/24가 없습니다 (veth0에 11.11.11.2/16이 있습니다: 프리픽스 길이가 틀렸습니다)" {
		t.Errorf("ko: desc %q detail %q", ko.Desc, ko.Detail)
	}
}

func TestExerciseSolution(t *testing.T) {
	lab := newLab(t)
	l := loadMini(t)
	ex := l.Exercise("connect")
	ctx := context.Background()
	if _, err := ex.SetUp(ctx, lab); err != nil {
		t.Fatal(err)
	}
	rs := ex.Check(ctx, lab, nil)
	if Passed(rs) {
		t.Fatal("checks pass before the solution")
	}
	if rs[0].Detail != "BLUE: no veth" && !strings.Contains(rs[0].Detail, "RED has no veth") {
		t.Errorf("pair detail: %q", rs[0].Detail)
	}
	cmd := lab.Cmd("host", "bash", "-ec", ex.Solution)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("solution needs ip(8): %v: %s", err, out)
	}
	rs = ex.Check(ctx, lab, nil)
	for _, r := range rs {
		if !r.OK {
			t.Errorf("%s: %s", r.ID, r.Detail)
		}
	}
}

// applyYAML loads actions (YAML flow items, in order, from an empty lab)
// and applies them to lab.
func applyYAML(t *testing.T, lab *engine.Lab, items ...string) {
	t.Helper()
	src := "id: t\ntitle: {en: T}\nsummary: {en: T}\nsteps:\n  - id: s\n    title: {en: S}\n    actions:\n"
	for _, it := range items {
		src += "      - " + it + "\n"
	}
	l, err := Load("t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range l.Steps[0].Actions {
		if ar := ApplyAction(context.Background(), lab, a); !ar.OK {
			t.Fatalf("%s: %v", ar.Command, ar.Err)
		}
	}
}

func TestReachabilityDiagnosis(t *testing.T) {
	lab := newLab(t)
	ctx := context.Background()
	applyYAML(t, lab,
		`netns_add: {name: RED}`, `netns_add: {name: BLUE}`,
		`bridge: {name: br0}`, `link_up: {name: br0}`,
		`veth: {name: veth-red, peer: eth0, peer_ns: RED}`, `veth: {name: veth-blue, peer: eth0, peer_ns: BLUE}`,
		`link_master: {name: veth-red, master: br0}`,
		`link_up: {name: veth-red}`, `link_up: {name: veth-blue}`,
		`link_up: {ns: RED, name: eth0}`, `link_up: {ns: BLUE, name: eth0}`,
		`addr_add: {ns: RED, dev: eth0, addr: 11.11.11.2/24}`, `addr_add: {ns: BLUE, dev: eth0, addr: 11.11.11.3/24}`)
	ping := mustAssertion(t, `reachable: {from: RED, to: 11.11.11.3}`)
	got := EvaluateOne(ctx, lab, ping, &Env{})
	want := "RED: no reply from 11.11.11.3: RED asked who-has 11.11.11.3 on eth0 and no one answered: host/veth-blue (the other end of BLUE/eth0) is not a port of br0 (master: none)"
	if got.OK || got.Detail != want {
		t.Errorf("not enslaved:\n got  %q\n want %q", got.Detail, want)
	}
	if got.Journey == nil || got.Journey.Drop == nil || got.Journey.Drop.Reason != "arp-unanswered" {
		t.Errorf("not enslaved: journey %+v", got.Journey)
	}
	applyYAML2(t, lab, `link_master: {name: veth-blue, master: br0}`, `link_down: {name: veth-blue}`)
	got = EvaluateOne(ctx, lab, ping, &Env{})
	want = "RED: no reply from 11.11.11.3: host/veth-blue, the other end of BLUE/eth0, is down: BLUE, which has 11.11.11.3, cannot answer its ARP"
	if got.OK || got.Detail != want {
		t.Errorf("port down:\n got  %q\n want %q", got.Detail, want)
	}
	applyYAML2(t, lab, `link_up: {name: veth-blue}`)
	if got = EvaluateOne(ctx, lab, ping, &Env{}); !got.OK {
		t.Errorf("fixed: %s", got.Detail)
	}
}

// applyYAML2 applies actions on top of the bridge topology above.
func applyYAML2(t *testing.T, lab *engine.Lab, items ...string) {
	t.Helper()
	base := []string{`netns_add: {name: RED}`, `netns_add: {name: BLUE}`, `bridge: {name: br0}`,
		`veth: {name: veth-red, peer: eth0, peer_ns: RED}`, `veth: {name: veth-blue, peer: eth0, peer_ns: BLUE}`}
	src := "id: t\ntitle: {en: T}\nsummary: {en: T}\nsteps:\n  - id: s\n    title: {en: S}\n    actions:\n"
	for _, it := range append(base, items...) {
		src += "      - " + it + "\n"
	}
	l, err := Load("t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range l.Steps[0].Actions[len(base):] {
		if ar := ApplyAction(context.Background(), lab, a); !ar.OK {
			t.Fatalf("%s: %v", ar.Command, ar.Err)
		}
	}
}

package lessons

// Tests for the corrections of issue 11 that a test can hold: the bridge
// lesson's Docker-host failure and its fix, the published port that leaves
// a container's own outbound connections alone, and the userns/remap
// shortcut that must not pass. They run as root and rootless (CI).

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nettutor/nettutor/engine"
	"github.com/nettutor/nettutor/engine/iptables"
)

// runLessonTo runs the built-in lesson id step by step up to and including
// the step named last, failing the test at the first step that does not
// hold, and returns every step's result by step id.
func runLessonTo(t *testing.T, lab *engine.Lab, id, last string) map[string]*StepResult {
	t.Helper()
	l, err := Find(id)
	if err != nil {
		t.Fatal(err)
	}
	r := NewRunner(lab, l, Options{})
	t.Cleanup(func() { r.Close() })
	out := map[string]*StepResult{}
	for !r.Done() {
		res, err := r.RunNext(context.Background())
		if err != nil || !res.OK() {
			t.Fatalf("%s step %d (%s): %v\n%s", id, r.Next(), res.Step.ID, err, failures(res))
		}
		out[res.Step.ID] = res
		if res.Step.ID == last {
			return out
		}
	}
	t.Fatalf("%s has no step %q", id, last)
	return nil
}

// connect connects from ns to addr, retrying for a few seconds while it is
// refused or reset: the lessons' banner servers are nc in a loop, and after
// each connection nc takes a moment to listen again.
func connect(lab *engine.Lab, ns, addr string) (string, error) {
	var got string
	var err error
	for deadline := time.Now().Add(4 * time.Second); ; {
		got, err = lab.Connect(context.Background(), ns, addr, time.Second)
		if (err == nil && got != "") || time.Now().After(deadline) {
			return got, err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func neighborState(s *engine.Snapshot, ns, ip string) string {
	if n := s.NS(ns); n != nil {
		for _, e := range n.Neighbors {
			if e.IP == ip {
				return strings.ToLower(e.State)
			}
		}
	}
	return ""
}

// TestBridgeNetfilterDockerHost: with the FORWARD policy at DROP, as Docker
// sets it, and bridge-nf-call-iptables=1 (the lab's default, as on a host
// with br_netfilter), RED's ping to BLUE across br0 fails while RED's
// neighbour entry for BLUE is REACHABLE (ARP crossed); after
// `iptables -I FORWARD -i br0 -o br0 -j ACCEPT` it gets its reply.
func TestBridgeNetfilterDockerHost(t *testing.T) {
	t.Parallel() // a lab of its own that mostly waits on probes: see parallel_test.go
	lab := newLab(t)
	res := runLessonTo(t, lab, "bridge", "docker-host")
	drop := res["docker-host"]
	var sysctl, ping string
	for _, a := range drop.Actions {
		switch {
		case strings.Contains(a.Command, "bridge-nf-call-iptables"):
			sysctl = a.Output
		case a.Kind == "ping":
			ping = a.Output
			if a.Err == nil {
				t.Errorf("the ping across br0 got a reply with FORWARD DROP:\n%s", a.Output)
			}
		}
	}
	if !strings.Contains(sysctl, "net.bridge.bridge-nf-call-iptables = 1") {
		t.Errorf("sysctl printed %q, want bridge-nf-call-iptables = 1", sysctl)
	}
	if !strings.Contains(ping, "0 received") {
		t.Errorf("ping printed %q, want no reply", ping)
	}
	if st := neighborState(drop.Snapshot, "RED", "11.11.11.3"); st != "reachable" {
		t.Errorf("RED's neighbour 11.11.11.3 is %q after the dropped ping, want reachable (ARP is not filtered)", st)
	}
	var icmp, arp int
	for _, p := range drop.Packets {
		switch {
		case strings.HasPrefix(p.Summary, "ARP"):
			arp++
		case strings.Contains(p.Summary, "ICMP"):
			icmp++
		}
	}
	if arp < 2 || icmp != 0 {
		t.Errorf("veth-blue saw %d ARP and %d ICMP packets, want the ARP exchange and no ICMP (dropped in FORWARD)", arp, icmp)
	}
	// The lab's own ping, not only the lesson's: still no reply.
	if _, err := lab.Ping(context.Background(), "RED", "11.11.11.3", 1, 500*time.Millisecond); err == nil {
		t.Error("a ping from RED got a reply with FORWARD DROP")
	}

	// The fix, as the next step types it.
	l, _ := Find("bridge")
	r := NewRunner(lab, l, Options{})
	defer r.Close()
	fix := -1
	for i, s := range l.Steps {
		if s.ID == "docker-host-fix" {
			fix = i
		}
	}
	if fix < 0 {
		t.Fatal("no step docker-host-fix")
	}
	got, err := r.RunStep(context.Background(), fix)
	if err != nil || !got.OK() {
		t.Fatalf("docker-host-fix: %v\n%s", err, failures(got))
	}
	if _, err := lab.Ping(context.Background(), "RED", "11.11.11.3", 1, time.Second); err != nil {
		t.Errorf("after -I FORWARD -i br0 -o br0 -j ACCEPT, RED's ping: %v", err)
	}
	if n := got.Snapshot.NS("host"); n == nil || !contains(n.Rules, "-t filter -A FORWARD -i br0 -o br0 -j ACCEPT") {
		t.Errorf("host rules after the fix: %v", n.Rules)
	}
}

// TestDNATLeavesOutboundAlone: docker-networks' published port is Docker's
// rule (-m addrtype --dst-type LOCAL, ! -i docker0), so APP's connection to
// OUTSIDE's own port 8080 reaches OUTSIDE; the bare rule the lesson used to
// teach (-p tcp --dport 8080 -j DNAT) sends the same connection to WEB.
func TestDNATLeavesOutboundAlone(t *testing.T) {
	lab := newLab(t)
	ctx := context.Background()
	runLessonTo(t, lab, "docker-networks", "outbound")
	got, err := connect(lab, "APP", "203.0.113.2:8080")
	if err != nil || !strings.Contains(got, "hello from OUTSIDE") {
		t.Fatalf("with Docker's rule, APP to 203.0.113.2:8080: %q, %v; want OUTSIDE's banner", got, err)
	}
	got, err = connect(lab, "OUTSIDE", "203.0.113.1:8080")
	if err != nil || !strings.Contains(got, "hello from WEB") {
		t.Fatalf("with Docker's rule, OUTSIDE to 203.0.113.1:8080: %q, %v; want WEB's banner", got, err)
	}

	// Swap Docker's rule for the bare one.
	flush := lab.Job(engine.HostNS, "iptables", "-t", "nat", "-F", "PREROUTING")
	if out, err := flush.CombinedOutput(); err != nil {
		t.Fatalf("iptables -t nat -F PREROUTING: %v\n%s", err, out)
	}
	rule, err := iptables.Parse(strings.Fields("-t nat -A PREROUTING -p tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (engine.Iptables{Rule: rule}).Apply(ctx, lab); err != nil {
		t.Fatal(err)
	}
	got, err = connect(lab, "APP", "203.0.113.2:8080")
	t.Logf("with the bare rule, APP to 203.0.113.2:8080: %q, %v", got, err)
	if strings.Contains(got, "hello from OUTSIDE") {
		t.Errorf("the bare DNAT rule left APP's outbound connection alone (%q): the test no longer shows why Docker limits it", got)
	}
	if !strings.Contains(got, "hello from WEB") {
		t.Errorf("with the bare rule APP read %q (%v), want WEB's banner: the rule hijacks it", got, err)
	}
}

// TestUserNSRemapShortcutFails: the shortcut of issue 11, a file the lab's
// root made and chowned into the remap range, and a map typed into a file
// (issue 20), are not a remapped root: the grade comes from the live
// process the learner's launcher starts, and a lone file fails, blaming the
// missing launcher. The real thing, in whatever range this lab's
// /etc/subuid gives root, passes (rootless too, where the account has
// subordinate ids).
func TestUserNSRemapShortcutFails(t *testing.T) {
	t.Parallel() // a lab of its own that mostly waits on probes: see parallel_test.go
	_, ex, err := FindExercise("userns/remap")
	if err != nil {
		t.Fatal(err)
	}
	for _, cheat := range []string{
		"touch \"$EXERCISE_DIR/proof\"; chown 165536 \"$EXERCISE_DIR/proof\"\n",
		"cat /proc/self/uid_map > \"$EXERCISE_DIR/proof\"\nIFS=: read -r _ s _ < <(grep '^root:' /etc/subuid)\nchown \"$s\" \"$EXERCISE_DIR/proof\"\n",
	} {
		g := gradeFile(t, ex, writeAnswer(t, cheat), 10*time.Second)
		if c := g.Checks[0]; g.Passed || c.Cause != CauseNoLauncher || !strings.Contains(c.Hint.Get("en"), "anyone can type one") {
			t.Errorf("%q: passed %v, cause %q, hint %q\n%s", cheat, g.Passed, c.Cause, c.Hint.Get("en"), describeGrade(g))
		}
	}
	real := writeAnswer(t, ex.Solution)
	if g := gradeFile(t, ex, real, 10*time.Second); !g.Passed || g.Note != "" {
		t.Errorf("the solution: passed %v, note %q\n%s", g.Passed, g.Note, describeGrade(g))
	}
}

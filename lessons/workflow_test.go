package lessons

// Tests for the seed's multi-terminal workflow in the veth and bridge
// lessons: what the steps say about ifindex pairing (`eth0@ifN` names the
// peer by its index in the peer's namespace) and about `ip netns delete`
// (the namespace's veth ends go with it) is held against the real ip tool
// run in the same lab, not against the engine's own rendering. They run as
// root and rootless (CI).

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/nettutor/nettutor/engine"
)

// ipLink runs `ip -o link show dev` in namespace ns of lab and returns the
// link's own ifindex and the peer index after "@if" (0 when there is none).
func ipLink(t *testing.T, lab *engine.Lab, ns, dev string) (index, peer int) {
	t.Helper()
	out, err := lab.Job(ns, "ip", "-o", "link", "show", dev).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: ip -o link show %s: %v\n%s", ns, dev, err, out)
	}
	m := regexp.MustCompile(`^(\d+): ` + regexp.QuoteMeta(dev) + `(?:@if(\d+))?:`).FindStringSubmatch(string(out))
	if m == nil {
		t.Fatalf("%s: ip -o link show %s: no index in %q", ns, dev, out)
	}
	index, _ = strconv.Atoi(m[1])
	if m[2] != "" {
		peer, _ = strconv.Atoi(m[2])
	}
	return index, peer
}

// atIf finds "NAME@ifN" in a step's action output and returns N.
func atIf(t *testing.T, out, name string) int {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + `@if(\d+)\s`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no %s@ifN in the output:\n%s", name, out)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// TestVethPairingAcrossNamespaces: in veth's "nsenter" step, RED's
// `veth0@ifN` (printed by the real ip through nsenter) is veth1's ifindex in
// BLUE, and BLUE's veth1 points back at veth0's index in RED; the snapshot
// agrees; and lsns run through nsenter lists RED's namespace by its file.
func TestVethPairingAcrossNamespaces(t *testing.T) {
	lab := newLab(t)
	res := runLessonTo(t, lab, "veth", "nsenter")["nsenter"]
	n := atIf(t, res.Actions[0].Output, "veth0")
	blueIdx, bluePeer := ipLink(t, lab, "BLUE", "veth1")
	redIdx, redPeer := ipLink(t, lab, "RED", "veth0")
	if n != blueIdx || redPeer != blueIdx {
		t.Errorf("RED's veth0@if%d (ip -o in RED: @if%d), but veth1 is ifindex %d in BLUE", n, redPeer, blueIdx)
	}
	if bluePeer != redIdx {
		t.Errorf("BLUE's veth1@if%d, but veth0 is ifindex %d in RED", bluePeer, redIdx)
	}
	if l := res.Snapshot.NS("BLUE").Link("veth1"); l == nil || l.Index != blueIdx {
		t.Errorf("snapshot's BLUE/veth1 %+v, want index %d", l, blueIdx)
	}
	lsns := res.Actions[len(res.Actions)-1].Output
	if !regexp.MustCompile(`(?m)^net\s+\d+\s+\S+\s+/run/netns/RED\s+sh -c lsns`).MatchString(lsns) {
		t.Errorf("lsns through nsenter does not list RED's namespace by /run/netns/RED:\n%s", lsns)
	}
}

// TestBridgePairingMatchesHostIfindex: in bridge's "pairing" step, RED's
// `eth0@ifN` is the lab host's ifindex of veth-red, and veth-red's own @ifM
// is eth0's index in RED, both read with the real ip in each namespace.
func TestBridgePairingMatchesHostIfindex(t *testing.T) {
	t.Parallel() // a lab of its own that mostly waits on probes: see parallel_test.go
	lab := newLab(t)
	res := runLessonTo(t, lab, "bridge", "pairing")["pairing"]
	n := atIf(t, res.Actions[0].Output, "eth0")
	hostIdx, hostPeer := ipLink(t, lab, engine.HostNS, "veth-red")
	redIdx, _ := ipLink(t, lab, "RED", "eth0")
	if n != hostIdx {
		t.Errorf("RED's eth0@if%d, but veth-red is ifindex %d in the lab host", n, hostIdx)
	}
	if hostPeer != redIdx {
		t.Errorf("the host's veth-red@if%d, but RED's eth0 is ifindex %d", hostPeer, redIdx)
	}
	// The host's `ip link` the step shows names veth-red under that index.
	if !strings.Contains(res.Actions[1].Output, strconv.Itoa(hostIdx)+": veth-red@if"+strconv.Itoa(redIdx)+":") {
		t.Errorf("the step's ip link lacks %d: veth-red@if%d:\n%s", hostIdx, redIdx, res.Actions[1].Output)
	}
}

// TestNetnsDeleteTakesTheHostEnd: bridge's cleanup deletes RED and BLUE;
// the host ends veth-red and veth-blue, which existed the step before, are
// gone (the real ip says so), and br0 stays with no port.
func TestNetnsDeleteTakesTheHostEnd(t *testing.T) {
	t.Parallel() // labs of its own that mostly wait on probes: see parallel_test.go
	lab := newLab(t)
	res := runLessonTo(t, lab, "bridge", "cleanup")
	before := res["pairing"].Snapshot.NS(engine.HostNS)
	if before.Link("veth-red") == nil || before.Link("veth-blue") == nil {
		t.Fatalf("before the cleanup the host lacks a veth end: %+v", before.Links)
	}
	for _, dev := range []string{"veth-red", "veth-blue"} {
		out, err := lab.Job(engine.HostNS, "ip", "link", "show", dev).CombinedOutput()
		if err == nil {
			t.Errorf("after ip netns del, the host still has %s:\n%s", dev, out)
		}
	}
	out, err := lab.Job(engine.HostNS, "ip", "netns", "list").CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "" {
		t.Errorf("ip netns list after the cleanup: %v %q, want nothing", err, out)
	}
	after := res["cleanup"].Snapshot.NS(engine.HostNS)
	if after.Link("br0") == nil {
		t.Errorf("br0 went with the namespaces: %+v", after.Links)
	}
	for _, l := range after.Links {
		if l.Master == "br0" {
			t.Errorf("br0 still has port %s", l.Name)
		}
	}
}

package lessons

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nettutor/nettutor/engine"
)

// TestOverlayForwardRules: on a node whose FORWARD policy is DROP and whose
// rules accept the pod network by address (-s/-d 10.244.0.0/16, as
// flanneld's FLANNEL-FWD does), a fault further on is named, not the
// node's FORWARD chain; without the rules the node's policy is blamed.
// The labs are typed with plain ip, bridge and iptables.
func TestOverlayForwardRules(t *testing.T) {
	t.Parallel() // a lab of its own that mostly waits on probes: see parallel_test.go
	var base string
	for _, n := range []string{"underlay", "flannel"} {
		b, err := os.ReadFile(filepath.Join("..", "test", "testdata", "labs", n+".sh"))
		if err != nil {
			t.Fatal(err)
		}
		base += string(b)
	}
	const rules = "ip netns exec NODE1 iptables -P FORWARD DROP\n" +
		"ip netns exec NODE1 iptables -A FORWARD -s 10.244.0.0/16 -j ACCEPT\n" +
		"ip netns exec NODE1 iptables -A FORWARD -d 10.244.0.0/16 -j ACCEPT\n"
	const noFDB = "bridge -n NODE1 fdb del 0e:00:00:00:00:02 dev flannel.1 dst 192.168.10.102 self\n"
	for _, c := range []struct {
		name, script, cause, hint string
	}{
		{"rules-accept", base + rules + noFDB, CauseNoFDB, "no-fdb NODE1 flannel.1 0e:00:00:00:00:02"},
		// Rules for another network accept nothing of the pods'.
		{"rules-other-net", base + "ip netns exec NODE1 iptables -P FORWARD DROP\nip netns exec NODE1 iptables -A FORWARD -s 10.96.0.0/12 -j ACCEPT\n",
			CauseForwardDrop, "forward-drop NODE1"},
		{"policy-only", base + "ip netns exec NODE1 iptables -P FORWARD DROP\n", CauseForwardDrop, "forward-drop NODE1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			l := newLab(t)
			if out, err := l.Job(engine.HostNS, "bash", "-c", c.script).CombinedOutput(); err != nil {
				t.Fatalf("build the lab: %v\n%s", err, out)
			}
			a := mustAssertion(t, "reachable: {from: POD-A, to: 10.244.1.2}\n        "+tunnelHints)
			got := EvaluateOne(context.Background(), l, a, &Env{})
			if got.OK {
				t.Fatalf("POD-A reaches POD-B with the fault")
			}
			if got.Cause != c.cause || got.Hint.Get("en") != c.hint {
				t.Errorf("cause %q, hint %q; want %q, %q (detail %q)", got.Cause, got.Hint.Get("en"), c.cause, c.hint, got.Detail)
			}
		})
	}
}

// TestEncapLostInNode: the pods' packets cross the underlay inside VXLAN
// with the right VNI and port, and NODE2 has the device for them, but
// NODE2 has no route back to POD-A: the encapsulated check fails without
// blaming a VNI that both ends share.
func TestEncapLostInNode(t *testing.T) {
	var script string
	for _, n := range []string{"underlay", "flannel"} {
		b, err := os.ReadFile(filepath.Join("..", "test", "testdata", "labs", n+".sh"))
		if err != nil {
			t.Fatal(err)
		}
		script += string(b)
	}
	script += "ip -n NODE2 route del 10.244.0.0/24\n"
	l := newLab(t)
	if out, err := l.Job(engine.HostNS, "bash", "-c", script).CombinedOutput(); err != nil {
		t.Fatalf("build the lab: %v\n%s", err, out)
	}
	a := mustAssertion(t, "encapsulated: {from: POD-A, to: 10.244.1.2, port: 8472, vni: 1}")
	got := EvaluateOne(context.Background(), l, a, &Env{})
	if got.OK {
		t.Fatal("the check passes with no route back on NODE2")
	}
	if got.Cause == encapCauseVNI || strings.Contains(got.Detail, "has VNI") {
		t.Errorf("blames the VNI that both ends share: cause %q, detail %q", got.Cause, got.Detail)
	}
}

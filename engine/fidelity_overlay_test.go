package engine

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestFidelityShowOverlay holds the forms the Kubernetes lessons show
// against ip and bridge in the same namespace: a VXLAN device in ip -d link,
// its fdb entries with dst, permanent neighbours, onlink, proto bird,
// blackhole and scope link routes, and every form narrowed to one dev.
func TestFidelityShowOverlay(t *testing.T) {
	needTools(t, "ip", "bridge")
	l := newLab(t)
	apply(t, l, ClusterActions()...)
	if _, err := l.Ping(context.Background(), "POD-A", "10.244.1.2", 1, 2*time.Second); err != nil {
		t.Fatalf("POD-A -> POD-B: %v", err)
	}
	apply(t, l,
		// Calico's forms, beside flannel's, on NODE1 (the blackhole is
		// narrower than cni0's /24, which holds 10.244.0.0/24 here).
		RouteAdd{NS: "NODE1", Dst: "10.244.0.0/26", Type: "blackhole", Proto: "bird"},
		RouteAdd{NS: "NODE1", Dst: "10.244.0.9", Dev: "cni0", Scope: "link"},
		RouteAdd{NS: "NODE1", Dst: "10.244.2.0/24", Via: "192.168.10.102", Dev: "eth0", Proto: "bird"},
		// A point-to-point VTEP with a remote and learning, and an all-zeros
		// entry as flannel's older "directrouting" peers and Calico's
		// vxlan.calico never make but a learner may type.
		VxlanAdd{NS: "NODE2", Name: "vx0", ID: 4096, DstPort: 4789, Remote: "192.168.10.101", Dev: "eth0", Learning: true},
		FDBAppend{NS: "NODE2", MAC: "00:00:00:00:00:00", Dev: "vx0", Dst: "192.168.10.101"},
	)
	vtep2 := ClusterNodes[1].VTEP
	// VXLAN devices, veths and loopback are rendered from netlink, not
	// printed by running ip: the comparisons below hold the rendering.
	for _, c := range []struct{ ns, dev string }{{"NODE1", "flannel.1"}, {"NODE2", "vx0"}, {"POD-A", ""}, {"NODE1", "eth0"}} {
		if _, tool, err := l.renderShow(c.ns, "detail-link", c.dev); err != nil || tool != nil {
			t.Errorf("%s -d link %s: runs %v (%v), want it rendered", c.ns, c.dev, tool, err)
		}
	}
	// A bridge is printed by ip itself.
	if _, tool, err := l.renderShow("NODE1", "detail-link", "cni0"); err != nil || tool == nil {
		t.Errorf("NODE1 -d link cni0: rendered (%v), want ip run", err)
	}
	checkShow(t, l, "POD-A", "detail-link", "veth addrgenmode eui64", "link/loopback")
	checkShow(t, l, "NODE1", "detail-link", "vxlan id 1 local 192.168.10.101 dev eth0 srcport 0 0 dstport 8472 nolearning", "mtu 1450")
	checkShowDev(t, l, "NODE1", "detail-link", "flannel.1", "vxlan id 1 local 192.168.10.101 dev eth0", "dstport 8472 nolearning")
	checkShowDev(t, l, "NODE2", "detail-link", "vx0", "vxlan id 4096 remote 192.168.10.101 dev eth0", "dstport 4789 ")
	checkShow(t, l, "NODE1", "fdb", vtep2+" dev flannel.1 dst 192.168.10.102 self permanent")
	checkShowDev(t, l, "NODE1", "fdb", "flannel.1", vtep2+" dst 192.168.10.102 self permanent\n")
	checkShowDev(t, l, "NODE2", "fdb", "vx0", "00:00:00:00:00:00 dst 192.168.10.101 self permanent")
	checkShow(t, l, "NODE1", "neigh", "10.244.1.0 dev flannel.1 lladdr "+vtep2+" PERMANENT")
	checkShowDev(t, l, "NODE1", "neigh", "flannel.1", "10.244.1.0 lladdr "+vtep2+" PERMANENT \n")
	checkShow(t, l, "NODE1", "route",
		"10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink \n",
		"blackhole 10.244.0.0/26 proto bird \n",
		"10.244.0.9 dev cni0 scope link \n",
		"10.244.2.0/24 via 192.168.10.102 dev eth0 proto bird \n")
	checkShowDev(t, l, "NODE1", "route", "flannel.1", "10.244.1.0/24 via 10.244.1.0 onlink \n")
	for _, ns := range []string{"NODE1", "NODE2", "POD-A"} {
		for _, what := range DevShowKinds {
			checkShowDev(t, l, ns, what, "eth0")
		}
		checkShow(t, l, ns, "link")
		checkShow(t, l, ns, "addr")
		checkShow(t, l, ns, "brief-link")
	}
	checkShowDev(t, l, "NODE1", "link", "flannel.1", "flannel.1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450")
	checkShowDev(t, l, "NODE1", "addr", "flannel.1", "inet 10.244.0.0/32 scope global flannel.1")
	checkShowDev(t, l, "NODE1", "brief-addr", "cni0", "10.244.0.1/24")
	checkShowDev(t, l, "NODE1", "fdb", "cni0")
	checkShowDev(t, l, "NODE1", "neigh", "cni0")
}

// checkShowDev is checkShow for a form narrowed to one dev.
func checkShowDev(t *testing.T, l *Lab, ns, what, dev string, want ...string) {
	t.Helper()
	a := Show{NS: ns, What: what, Dev: dev}
	var got, real, stderr string
	for try := 0; try < 4; try++ {
		before, err := l.ShowTextDev(ns, what, dev)
		if err != nil {
			t.Fatalf("show %s dev %s in %s: %v", what, dev, ns, err)
		}
		real, stderr = typed(t, l, a.Command())
		got = before
		if normalise(before) == normalise(real) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if stderr != "" {
		t.Errorf("$ %s wrote to stderr: %s", a.Command(), stderr)
	}
	if normalise(got) != normalise(real) {
		t.Errorf("$ %s\n--- tutor:\n%s--- real:\n%s--- first difference: %s", a.Command(), got, real, firstDiff(normalise(got), normalise(real)))
	}
	for _, w := range want {
		if !strings.Contains(real, w) {
			t.Errorf("$ %s: the lab should show %q:\n%s", a.Command(), w, real)
		}
	}
}

package engine

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestOverlayCommands(t *testing.T) {
	cases := []struct {
		a    Action
		want string
	}{
		{VxlanAdd{NS: "NODE1", Name: "flannel.1", ID: 1, Local: "192.168.10.101", Dev: "eth0", DstPort: 8472},
			"ip -n NODE1 link add flannel.1 type vxlan id 1 local 192.168.10.101 dev eth0 dstport 8472 nolearning"},
		{VxlanAdd{NS: "NODE1", Name: "vx0", Address: "0a:58:c0:a8:0a:65", ID: 42, Remote: "192.168.10.102", Local: "192.168.10.101", Dev: "eth0", DstPort: 4789, Learning: true},
			"ip -n NODE1 link add vx0 address 0a:58:c0:a8:0a:65 type vxlan id 42 remote 192.168.10.102 local 192.168.10.101 dev eth0 dstport 4789"},
		{VxlanAdd{Name: "vxlan.calico", ID: 4096, DstPort: 4789}, "ip link add vxlan.calico type vxlan id 4096 dstport 4789 nolearning"},
		{NeighAdd{NS: "NODE1", IP: "10.244.1.0", LLAddr: "0a:58:c0:a8:0a:66", Dev: "flannel.1"},
			"ip -n NODE1 neigh add 10.244.1.0 lladdr 0a:58:c0:a8:0a:66 dev flannel.1 nud permanent"},
		{FDBAppend{NS: "NODE1", MAC: "0a:58:c0:a8:0a:66", Dev: "flannel.1", Dst: "192.168.10.102"},
			"bridge -n NODE1 fdb append 0a:58:c0:a8:0a:66 dev flannel.1 dst 192.168.10.102 self permanent"},
		{FDBAppend{MAC: "00:00:00:00:00:00", Dev: "vx0", Dst: "192.168.10.102"},
			"bridge fdb append 00:00:00:00:00:00 dev vx0 dst 192.168.10.102 self permanent"},
		{LinkSetAddress{NS: "NODE1", Name: "flannel.1", Address: "0a:58:c0:a8:0a:65"},
			"ip -n NODE1 link set flannel.1 address 0a:58:c0:a8:0a:65"},
		{RouteAdd{NS: "NODE1", Dst: "10.244.1.0/24", Via: "10.244.1.0", Dev: "flannel.1", OnLink: true},
			"ip -n NODE1 route add 10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink"},
		{RouteAdd{NS: "NODE1", Dst: "10.244.0.0/24", Type: "blackhole", Proto: "bird"},
			"ip -n NODE1 route add blackhole 10.244.0.0/24 proto bird"},
		{RouteAdd{NS: "NODE1", Dst: "10.244.0.2", Dev: "cali1", Scope: "link"},
			"ip -n NODE1 route add 10.244.0.2 dev cali1 scope link"},
		{RouteAdd{NS: "NODE1", Dst: "10.244.1.0/24", Via: "192.168.10.102", Dev: "eth0", Proto: "bird"},
			"ip -n NODE1 route add 10.244.1.0/24 via 192.168.10.102 dev eth0 proto bird"},
		{RouteDel{NS: "NODE1", Dst: "10.244.0.0/24", Type: "blackhole"}, "ip -n NODE1 route del blackhole 10.244.0.0/24"},
		{Show{NS: "NODE1", What: "detail-link", Dev: "flannel.1"}, "ip -n NODE1 -d link show flannel.1"},
		{Show{NS: "NODE1", What: "detail-link"}, "ip -n NODE1 -d link"},
		{Show{NS: "NODE1", What: "fdb", Dev: "flannel.1"}, "bridge -n NODE1 fdb show dev flannel.1"},
		{Show{NS: "NODE1", What: "neigh", Dev: "flannel.1"}, "ip -n NODE1 neigh show dev flannel.1"},
		{Show{NS: "NODE1", What: "route", Dev: "flannel.1"}, "ip -n NODE1 route show dev flannel.1"},
		{Show{NS: "NODE1", What: "link", Dev: "flannel.1"}, "ip -n NODE1 link show flannel.1"},
		{Show{NS: "NODE1", What: "addr", Dev: "eth0"}, "ip -n NODE1 addr show dev eth0"},
		{Show{NS: "NODE1", What: "brief-link", Dev: "eth0"}, "ip -n NODE1 -br link show eth0"},
		{Show{NS: "NODE1", What: "brief-addr", Dev: "eth0"}, "ip -n NODE1 -br addr show dev eth0"},
	}
	for _, c := range cases {
		if got := c.a.Command(); got != c.want {
			t.Errorf("Command() = %q, want %q", got, c.want)
		}
	}
}

// TestClusterOverlay builds the flannel lab of issue 21 through the engine
// and holds it to the kernel: POD-A reaches POD-B only through flannel.1
// (the fdb entry is what sends it to NODE2), and the snapshot says what
// the tools say.
func TestClusterOverlay(t *testing.T) {
	l := newLab(t)
	as := ClusterActions()
	apply(t, l, as...)
	// Every action repeats as a no-op.
	apply(t, l, as...)
	ctx := context.Background()
	for _, c := range []struct{ from, to string }{{"POD-A", "10.244.1.2"}, {"POD-B", "10.244.0.3"}, {"POD-C", "10.244.0.2"}} {
		if _, err := l.Ping(ctx, c.from, c.to, 1, 2*time.Second); err != nil {
			t.Fatalf("%s -> %s: %v", c.from, c.to, err)
		}
	}
	s := snap(t, l)
	n1 := s.NS("NODE1")
	if n1 == nil {
		t.Fatal("no NODE1 in the snapshot")
	}
	fl := n1.Link("flannel.1")
	if fl == nil || fl.Kind != "vxlan" || fl.VXLAN == nil {
		t.Fatalf("NODE1 flannel.1: %+v", fl)
	}
	want := VXLANInfo{ID: 1, Port: 8472, Local: "192.168.10.101", Remote: "", Dev: "eth0", Learning: false}
	if *fl.VXLAN != want {
		t.Errorf("flannel.1 vxlan = %+v, want %+v", *fl.VXLAN, want)
	}
	if fl.MTU != 1450 {
		t.Errorf("flannel.1 mtu %d, want 1450 (eth0's 1500 less 50)", fl.MTU)
	}
	if fl.MAC != ClusterNodes[0].VTEP {
		t.Errorf("flannel.1 MAC %s, want %s", fl.MAC, ClusterNodes[0].VTEP)
	}
	b, _ := json.Marshal(fl.VXLAN)
	if string(b) != `{"id":1,"port":8472,"local":"192.168.10.101","remote":"","dev":"eth0","learning":false}` {
		t.Errorf("vxlan JSON %s", b)
	}
	foundN := false
	for _, n := range n1.Neighbors {
		if n.IP == "10.244.1.0" && n.Dev == "flannel.1" {
			foundN = n.State == "permanent" && n.MAC == ClusterNodes[1].VTEP
		}
	}
	if !foundN {
		t.Errorf("NODE1 has no permanent neighbour 10.244.1.0 on flannel.1: %+v", n1.Neighbors)
	}
	foundF := false
	for _, e := range n1.FDB {
		if e.Dev == "flannel.1" && e.MAC == ClusterNodes[1].VTEP {
			foundF = e.Dst == "192.168.10.102" && e.Self && e.State == "permanent"
		}
	}
	if !foundF {
		t.Errorf("NODE1 has no fdb entry for NODE2's VTEP: %+v", n1.FDB)
	}
	foundR := false
	for _, r := range n1.Routes {
		if r.Dst == "10.244.1.0/24" {
			foundR = r.Gw == "10.244.1.0" && r.Dev == "flannel.1" && r.OnLink && r.Proto == "boot" && r.Type == ""
		}
	}
	if !foundR {
		t.Errorf("NODE1 has no onlink route to 10.244.1.0/24: %+v", n1.Routes)
	}
	// Without the fdb entry the frame has nowhere to go: POD-B is out of
	// reach although the route and the neighbour are still there.
	if _, err := typed(t, l, "ip netns exec NODE1 bridge fdb del "+ClusterNodes[1].VTEP+" dev flannel.1 dst 192.168.10.102 self"); err != "" {
		t.Fatalf("fdb del: %s", err)
	}
	if _, err := l.Ping(ctx, "POD-A", "10.244.1.2", 1, 500*time.Millisecond); !errors.Is(err, ErrNoReply) {
		t.Errorf("POD-A -> POD-B without NODE1's fdb entry: %v, want no reply", err)
	}
}

// TestRouteForms adds the Calico route forms and reads them back from the
// snapshot and from ip -j route, and deletes them again.
func TestRouteForms(t *testing.T) {
	l := newLab(t)
	apply(t, l,
		NetnsAdd{Name: "NODE1"},
		// An onlink gateway must be a unicast address, which the kernel
		// judges by the local table: a namespace without a single address
		// has none, and the route is refused (Nexthop has invalid gateway).
		LinkUp{NS: "NODE1", Name: "lo"},
		VethAdd{NS: "NODE1", Name: "cali1", Peer: "eth0"},
		LinkUp{NS: "NODE1", Name: "cali1"},
		RouteAdd{NS: "NODE1", Dst: "10.244.0.0/24", Type: "blackhole", Proto: "bird"},
		RouteAdd{NS: "NODE1", Dst: "10.244.0.2", Dev: "cali1", Scope: "link"},
		RouteAdd{NS: "NODE1", Dst: "10.244.1.0/24", Via: "192.168.10.102", Dev: "cali1", OnLink: true, Proto: "bird"},
	)
	got := map[string]Route{}
	for _, r := range snap(t, l).NS("NODE1").Routes {
		got[r.Dst] = r
	}
	want := map[string]Route{
		"10.244.0.0/24": {Dst: "10.244.0.0/24", Proto: "bird", Type: "blackhole"},
		"10.244.0.2/32": {Dst: "10.244.0.2/32", Dev: "cali1", Scope: "link", Proto: "boot"},
		"10.244.1.0/24": {Dst: "10.244.1.0/24", Gw: "192.168.10.102", Dev: "cali1", Proto: "bird", OnLink: true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("routes\n got %+v\nwant %+v", got, want)
	}
	var ip []struct {
		Dst      string   `json:"dst"`
		Type     string   `json:"type"`
		Protocol string   `json:"protocol"`
		Scope    string   `json:"scope"`
		Flags    []string `json:"flags"`
	}
	ipJSON(t, l, "NODE1", &ip, "ip", "-j", "route")
	for _, r := range ip {
		dst := r.Dst
		if !strings.Contains(dst, "/") {
			dst += "/32"
		}
		g, ok := got[dst]
		if !ok {
			t.Errorf("ip -j route has %s, the snapshot not", r.Dst)
			continue
		}
		typ := r.Type
		if typ == "unicast" {
			typ = ""
		}
		proto := r.Protocol
		if proto == "" {
			proto = "boot" // ip leaves boot, its own default, out
		}
		scope := r.Scope
		if scope == "global" {
			scope = ""
		}
		onlink := false
		for _, f := range r.Flags {
			onlink = onlink || f == "onlink"
		}
		if g.Type != typ || g.Proto != proto || g.Scope != scope || g.OnLink != onlink {
			t.Errorf("%s: snapshot %+v, ip -j route %+v", r.Dst, g, r)
		}
	}
	// A route to a destination another route holds is refused, as ip
	// refuses it, not taken for the action repeated.
	apply(t, l, AddrAdd{NS: "NODE1", Dev: "cali1", Addr: "10.9.0.1/24"})
	clash := RouteAdd{NS: "NODE1", Dst: "10.9.0.0/24", Type: "blackhole"}
	if _, err := clash.Apply(context.Background(), l); err == nil || !strings.Contains(err.Error(), "File exists") {
		t.Errorf("%s over the connected route: %v, want File exists", clash.Command(), err)
	}
	if _, e := typed(t, l, clash.Command()); !strings.Contains(e, "File exists") {
		t.Errorf("typed %s: %q, want File exists", clash.Command(), e)
	}
	apply(t, l, AddrDel{NS: "NODE1", Dev: "cali1", Addr: "10.9.0.1/24"})
	apply(t, l,
		RouteDel{NS: "NODE1", Dst: "10.244.0.0/24", Type: "blackhole"},
		RouteDel{NS: "NODE1", Dst: "10.244.0.2", Dev: "cali1"},
		RouteDel{NS: "NODE1", Dst: "10.244.1.0/24", Proto: "bird"},
	)
	if rs := snap(t, l).NS("NODE1").Routes; len(rs) != 0 {
		t.Errorf("routes left after route_del: %+v", rs)
	}
}

// TestOverlayClashes: an overlay action that would clash with what is
// there fails, as its command fails when typed, rather than passing for a
// repeat.
func TestOverlayClashes(t *testing.T) {
	l := newLab(t)
	apply(t, l, ClusterActions()...)
	ctx := context.Background()
	for _, a := range []Action{
		// Another MAC for the same gateway: ip neigh add says File exists.
		NeighAdd{NS: "NODE1", IP: "10.244.1.0", LLAddr: "0a:58:00:00:00:01", Dev: "flannel.1"},
		// flannel.1 is there with VNI 1: ip link add says File exists.
		VxlanAdd{NS: "NODE1", Name: "flannel.1", ID: 2, DstPort: 8472, Dev: "eth0"},
	} {
		if _, err := a.Apply(ctx, l); err == nil {
			t.Errorf("%s: no error", a.Command())
		}
		if _, e := typed(t, l, a.Command()); !strings.Contains(e, "File exists") {
			t.Errorf("typed %s: %q, want File exists", a.Command(), e)
		}
	}
	// The MAC a VTEP is given is the one the kernel reports.
	apply(t, l, LinkSetAddress{NS: "NODE2", Name: "flannel.1", Address: "0a:58:c0:a8:0a:99"})
	if got := snap(t, l).NS("NODE2").Link("flannel.1").MAC; got != "0a:58:c0:a8:0a:99" {
		t.Errorf("NODE2 flannel.1 MAC %s after link_address", got)
	}
	// NODE1's entries still name the old MAC: POD-A no longer reaches POD-B.
	if _, err := l.Ping(ctx, "POD-A", "10.244.1.2", 1, 500*time.Millisecond); !errors.Is(err, ErrNoReply) {
		t.Errorf("POD-A -> POD-B with NODE1's entries naming NODE2's old VTEP MAC: %v, want no reply", err)
	}
}

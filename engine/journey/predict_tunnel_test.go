package journey

import (
	"strings"
	"testing"

	"github.com/nettutor/nettutor/engine"
)

// flannelSnapshot is the flannel lab (test/testdata/labs/flannel.sh) as a
// snapshot: POD-A on NODE1, POD-B on NODE2, flannel.1 on each with its
// permanent neighbour, fdb entry and onlink route for the other node.
// port2 is NODE2's dstport.
func flannelSnapshot(port2 int) *engine.Snapshot {
	fwd := map[string]string{"net.ipv4.ip_forward": "1"}
	node := func(name, ip, own, other, otherIP, mac, otherMAC string, port int) engine.Namespace {
		return engine.Namespace{Name: name, Sysctl: fwd, Links: []engine.Link{
			{Name: "eth0", Kind: "veth", State: "up", MTU: 1500, Addrs: []string{ip + "/24"}, Peer: &engine.PeerRef{NS: "host", Name: "v" + name}},
			{Name: "cni0", Kind: "bridge", State: "up", MTU: 1500, Addrs: []string{"10.244." + own + ".1/24"}},
			{Name: "vpod", Kind: "veth", State: "up", MTU: 1500, Master: "cni0", Peer: &engine.PeerRef{NS: map[string]string{"NODE1": "POD-A", "NODE2": "POD-B"}[name], Name: "eth0"}},
			{Name: "flannel.1", Kind: "vxlan", State: "up", MTU: 1450, MAC: mac, Addrs: []string{"10.244." + own + ".0/32"},
				VXLAN: &engine.VXLANInfo{ID: 1, Port: port, Local: ip, Dev: "eth0"}},
		}, Routes: []engine.Route{
			{Dst: "default", Gw: "192.168.10.1", Dev: "eth0"},
			{Dst: "192.168.10.0/24", Dev: "eth0"},
			{Dst: "10.244." + own + ".0/24", Dev: "cni0"},
			{Dst: "10.244." + other + ".0/24", Gw: "10.244." + other + ".0", Dev: "flannel.1", OnLink: true},
		}, Neighbors: []engine.Neighbor{{IP: "10.244." + other + ".0", MAC: otherMAC, Dev: "flannel.1", State: "permanent"}},
			FDB: []engine.FDBEntry{{MAC: otherMAC, Dev: "flannel.1", Dst: otherIP, Self: true, State: "permanent"}}}
	}
	pod := func(name, ip, gw, node string) engine.Namespace {
		return engine.Namespace{Name: name, Links: []engine.Link{
			{Name: "eth0", Kind: "veth", State: "up", MTU: 1500, Addrs: []string{ip + "/24"}, Peer: &engine.PeerRef{NS: node, Name: "vpod"}},
		}, Routes: []engine.Route{{Dst: "default", Gw: gw, Dev: "eth0"}, {Dst: ip[:strings.LastIndex(ip, ".")] + ".0/24", Dev: "eth0"}}}
	}
	return &engine.Snapshot{Namespaces: []engine.Namespace{
		{Name: "host", Links: []engine.Link{
			{Name: "underlay", Kind: "bridge", State: "up", Addrs: []string{"192.168.10.1/24"}},
			{Name: "vNODE1", Kind: "veth", State: "up", Master: "underlay", Peer: &engine.PeerRef{NS: "NODE1", Name: "eth0"}},
			{Name: "vNODE2", Kind: "veth", State: "up", Master: "underlay", Peer: &engine.PeerRef{NS: "NODE2", Name: "eth0"}},
		}, Routes: []engine.Route{{Dst: "192.168.10.0/24", Dev: "underlay"}}},
		node("NODE1", "192.168.10.101", "0", "1", "192.168.10.102", "0e:00:00:00:00:01", "0e:00:00:00:00:02", 8472),
		node("NODE2", "192.168.10.102", "1", "0", "192.168.10.101", "0e:00:00:00:00:02", "0e:00:00:00:00:01", port2),
		pod("POD-A", "10.244.0.2", "10.244.0.1", "NODE1"),
		pod("POD-B", "10.244.1.2", "10.244.1.1", "NODE2"),
	}}
}

// TestPredictTunnel: the replay from a snapshot alone follows the probe
// into flannel.1, across the underlay to the remote VTEP and out of its
// flannel.1, with the encap on the tunnel's hops; and it names the
// tunnel's faults: no fdb entry, a port or VNI mismatch, a packet too big
// for the tunnel.
func TestPredictTunnel(t *testing.T) {
	j := Predict(flannelSnapshot(8472), "POD-A", "10.244.1.2")
	if j.Result != Replied {
		t.Fatalf("result %s, drop %+v, hops %+v", j.Result, j.Drop, j.Hops)
	}
	var path []string
	for _, h := range j.Hops {
		s := h.NS + "/" + h.Dev + "/" + h.Dir
		if h.Encap != nil {
			s += "+"
			if h.Encap.Src != "192.168.10.101" || h.Encap.Dst != "192.168.10.102" || h.Encap.VNI != 1 || h.Encap.Dport != 8472 {
				t.Errorf("%s: encap %+v", s, h.Encap)
			}
		}
		path = append(path, s)
	}
	want := "POD-A/eth0/out NODE1/vpod/in NODE1/cni0/in NODE1/flannel.1/out+ NODE1/eth0/out+ host/vNODE1/in+ host/vNODE2/out+ NODE2/eth0/in+ NODE2/flannel.1/in+ NODE2/cni0/out NODE2/vpod/out POD-B/eth0/in"
	if got := strings.Join(path, " "); got != want {
		t.Errorf("path\n got %s\nwant %s", got, want)
	}

	s := flannelSnapshot(8472)
	s.NS("NODE1").FDB = nil
	if j := Predict(s, "POD-A", "10.244.1.2"); j.Drop == nil || j.Drop.Reason != ReasonNoFDB || j.Drop.NS != "NODE1" || j.Drop.Where != "flannel.1" {
		t.Errorf("no fdb: %+v", j.Drop)
	}
	if j := Predict(flannelSnapshot(4789), "POD-A", "10.244.1.2"); j.Drop == nil || j.Drop.Reason != ReasonVXLANPort || j.Drop.NS != "NODE2" || j.Drop.Leg != "request" {
		t.Errorf("NODE2 on 4789: %+v", j.Drop)
	}
	// A VNI that differs: NODE2's device takes the port, not the VNI.
	s = flannelSnapshot(8472)
	s.NS("NODE2").Link("flannel.1").VXLAN.ID = 2
	if j := Predict(s, "POD-A", "10.244.1.2"); j.Drop == nil || j.Drop.Reason != ReasonVXLANPort || !strings.Contains(j.Drop.Detail, "flannel.1 (VNI 2, UDP 8472)") {
		t.Errorf("VNI 2 on NODE2: %+v", j.Drop)
	}
	big := PredictProbe(flannelSnapshot(8472), Probe{From: "POD-A", Dst: "10.244.1.2", Proto: "icmp", Size: 1472}, "en")
	if big.Drop == nil || big.Drop.Reason != ReasonTunnelMTU || big.Drop.NS != "NODE1" || big.Drop.Names["mtu"] != "1450" || big.Drop.Names["packet"] != "1500" {
		t.Errorf("1500-byte packet: %+v", big.Drop)
	}
	if j := PredictProbe(flannelSnapshot(8472), Probe{From: "POD-A", Dst: "10.244.1.2", Proto: "icmp", Size: 1422}, "en"); j.Result != Replied {
		t.Errorf("1450-byte packet: %s %+v", j.Result, j.Drop)
	}
}

// calicoSnapshot is Calico's routed pods (test/testdata/labs/calico.sh)
// as a snapshot, with proxy ARP on NODE1's cali0a as given.
func calicoSnapshot(proxy string) *engine.Snapshot {
	node := func(name, ip, other, otherIP, pod, podIP, cali string) engine.Namespace {
		return engine.Namespace{Name: name, Sysctl: map[string]string{"net.ipv4.ip_forward": "1", "net.ipv4.conf." + cali + ".proxy_arp": map[bool]string{true: proxy, false: "1"}[name == "NODE1"]},
			Links: []engine.Link{
				{Name: "eth0", Kind: "veth", State: "up", Addrs: []string{ip + "/24"}, Peer: &engine.PeerRef{NS: "host", Name: "v" + name}},
				{Name: cali, Kind: "veth", State: "up", MAC: "ee:ee:ee:ee:ee:ee", Peer: &engine.PeerRef{NS: pod, Name: "eth0"}},
			}, Routes: []engine.Route{
				{Dst: "default", Gw: "192.168.10.1", Dev: "eth0"},
				{Dst: "192.168.10.0/24", Dev: "eth0"},
				{Dst: podIP, Dev: cali, Scope: "link"},
				{Dst: other, Gw: otherIP, Dev: "eth0", Proto: "bird"},
			}}
	}
	pod := func(name, ip, node, cali string) engine.Namespace {
		return engine.Namespace{Name: name, Links: []engine.Link{
			{Name: "eth0", Kind: "veth", State: "up", Addrs: []string{ip + "/32"}, Peer: &engine.PeerRef{NS: node, Name: cali}},
		}, Routes: []engine.Route{{Dst: "default", Gw: "169.254.1.1", Dev: "eth0"}, {Dst: "169.254.1.1", Dev: "eth0", Scope: "link"}}}
	}
	return &engine.Snapshot{Namespaces: []engine.Namespace{
		{Name: "host", Links: []engine.Link{
			{Name: "underlay", Kind: "bridge", State: "up", Addrs: []string{"192.168.10.1/24"}},
			{Name: "vNODE1", Kind: "veth", State: "up", Master: "underlay", Peer: &engine.PeerRef{NS: "NODE1", Name: "eth0"}},
			{Name: "vNODE2", Kind: "veth", State: "up", Master: "underlay", Peer: &engine.PeerRef{NS: "NODE2", Name: "eth0"}},
		}, Routes: []engine.Route{{Dst: "192.168.10.0/24", Dev: "underlay"}}},
		node("NODE1", "192.168.10.101", "10.244.1.0/24", "192.168.10.102", "POD-A", "10.244.0.2", "cali0a"),
		node("NODE2", "192.168.10.102", "10.244.0.0/24", "192.168.10.101", "POD-B", "10.244.1.2", "cali1b"),
		pod("POD-A", "10.244.0.2", "NODE1", "cali0a"),
		pod("POD-B", "10.244.1.2", "NODE2", "cali1b"),
	}}
}

// TestPredictRouted: a routed pod's gateway 169.254.1.1, which no
// namespace holds, is answered by proxy ARP on the node's end of its
// veth; the packet goes on by the node's route via the other node's
// address. With proxy_arp=0 there, the stop is no-proxy-arp in the pod.
func TestPredictRouted(t *testing.T) {
	j := Predict(calicoSnapshot("1"), "POD-A", "10.244.1.2")
	if j.Result != Replied || len(j.Hops) < 2 || j.Hops[1].NS != "NODE1" || j.Hops[1].Dev != "cali0a" || !strings.Contains(j.Hops[1].Why, "proxy ARP") {
		t.Fatalf("result %s drop %+v hops %+v", j.Result, j.Drop, j.Hops)
	}
	if l := j.Hops[len(j.Hops)-1]; l.NS != "POD-B" || l.Dir != "in" {
		t.Errorf("last hop %+v", l)
	}
	j = Predict(calicoSnapshot("0"), "POD-A", "10.244.1.2")
	if j.Drop == nil || j.Drop.Reason != ReasonNoProxyARP || j.Drop.NS != "POD-A" || j.Drop.Names["peer"] != "cali0a" || j.Drop.Names["node"] != "NODE1" {
		t.Errorf("proxy_arp=0: %+v", j.Drop)
	}
}

// TestPredictBlackhole: Calico's blackhole for the node's own block
// matches an address of it that no pod holds, and drops it: no route.
func TestPredictBlackhole(t *testing.T) {
	s := calicoSnapshot("1")
	n := s.NS("NODE2")
	n.Routes = append(n.Routes, engine.Route{Dst: "10.244.1.0/24", Type: "blackhole", Proto: "bird"})
	j := Predict(s, "POD-A", "10.244.1.9")
	if j.Drop == nil || j.Drop.Reason != ReasonNoRoute || j.Drop.NS != "NODE2" || !strings.Contains(j.Drop.Detail, "blackhole 10.244.1.0/24") {
		t.Errorf("drop %+v", j.Drop)
	}
}

package journey

import (
	"strings"
	"testing"

	"github.com/nettutor/nettutor/engine"
)

// vipSnapshot is a node on the lab host's bridge with a DNAT for a VIP
// that no namespace holds, and the host's neighbour entry for the VIP in
// state (none when state is ""), at the node's MAC.
func vipSnapshot(state, nodeLink string) *engine.Snapshot {
	s := &engine.Snapshot{Namespaces: []engine.Namespace{
		{Name: "host", Links: []engine.Link{
			{Name: "underlay", Kind: "bridge", State: "up", Addrs: []string{"192.168.10.1/24"}, MAC: "aa:00:00:00:00:01"},
			{Name: "veth-node1", Kind: "veth", State: "up", Master: "underlay", Peer: &engine.PeerRef{NS: "NODE1", Name: "eth0"}},
		}, Routes: []engine.Route{{Dst: "192.168.10.0/24", Dev: "underlay"}}},
		{Name: "NODE1", Links: []engine.Link{
			{Name: "eth0", Kind: "veth", State: nodeLink, MAC: "02:00:c0:a8:0a:65", Addrs: []string{"192.168.10.101/24"},
				Peer: &engine.PeerRef{NS: "host", Name: "veth-node1"}},
		}, Routes: []engine.Route{{Dst: "192.168.10.0/24", Dev: "eth0"}},
			Rules:  []string{"-t nat -A PREROUTING -d 192.168.10.240/32 -j DNAT --to-destination 192.168.10.101"},
			Sysctl: map[string]string{"net.ipv4.ip_forward": "1"}},
	}}
	if state != "" {
		s.Namespaces[0].Neighbors = []engine.Neighbor{{IP: "192.168.10.240", MAC: "02:00:c0:a8:0a:65", Dev: "underlay", State: state}}
	}
	return s
}

// TestNeighOwner: an address no namespace holds, which a user-space
// responder answered ARP for (MetalLB's speaker), is followed to the link
// whose MAC the sender's neighbour entry holds, and the node's DNAT takes
// it from there; without a usable entry, or with that link down, the ARP
// stop stands.
func TestNeighOwner(t *testing.T) {
	for _, state := range []string{"reachable", "stale", "delay"} {
		j := Predict(vipSnapshot(state, "up"), "host", "192.168.10.240")
		var hops []string
		for _, h := range j.Hops {
			hops = append(hops, h.NS+"/"+h.Dev+"/"+h.Dir)
		}
		if want := "host/underlay/out NODE1/eth0/in"; strings.Join(hops, " ") != want {
			t.Errorf("%s: hops %v, want %s (drop %+v)", state, hops, want, j.Drop)
		}
		if j.Result != Replied || len(j.NAT) != 1 || j.NAT[0].NS != "NODE1" || j.NAT[0].To != "192.168.10.101" {
			t.Errorf("%s: result %s nat %+v drop %+v", state, j.Result, j.NAT, j.Drop)
		}
	}
	for _, c := range []struct{ name, state, link string }{
		{"no entry", "", "up"}, {"failed", "failed", "up"}, {"incomplete", "incomplete", "up"}, {"owner down", "reachable", "down"},
	} {
		j := Predict(vipSnapshot(c.state, c.link), "host", "192.168.10.240")
		if j.Drop == nil || j.Drop.Reason != ReasonARP || j.Drop.NS != "host" {
			t.Errorf("%s: want the ARP stop in host, got result %s drop %+v", c.name, j.Result, j.Drop)
		}
	}
}

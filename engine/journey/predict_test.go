package journey

import (
	"strings"
	"testing"

	"github.com/nettutor/nettutor/engine"
)

// natSnapshot is the nat lab as a snapshot: RED on br0, the host routing
// to OUTSIDE by uplink.
func natSnapshot(forward string, rules ...string) *engine.Snapshot {
	return &engine.Snapshot{Namespaces: []engine.Namespace{
		{Name: "host", Links: []engine.Link{
			{Name: "br0", Kind: "bridge", State: "up", Addrs: []string{"11.11.11.1/24"}},
			{Name: "vRED", Kind: "veth", State: "up", Master: "br0", Peer: &engine.PeerRef{NS: "RED", Name: "eth0"}},
			{Name: "uplink", Kind: "veth", State: "up", Addrs: []string{"203.0.113.1/24"}, Peer: &engine.PeerRef{NS: "OUTSIDE", Name: "eth0"}},
		}, Routes: []engine.Route{{Dst: "11.11.11.0/24", Dev: "br0"}, {Dst: "203.0.113.0/24", Dev: "uplink"}},
			Rules: rules, Sysctl: map[string]string{"net.ipv4.ip_forward": forward}},
		{Name: "RED", Links: []engine.Link{
			{Name: "eth0", Kind: "veth", State: "up", Addrs: []string{"11.11.11.2/24"}, Peer: &engine.PeerRef{NS: "host", Name: "vRED"}},
		}, Routes: []engine.Route{{Dst: "11.11.11.0/24", Dev: "eth0"}, {Dst: "default", Gw: "11.11.11.1", Dev: "eth0"}}},
		{Name: "OUTSIDE", Links: []engine.Link{
			{Name: "eth0", Kind: "veth", State: "up", Addrs: []string{"203.0.113.2/24"}, Peer: &engine.PeerRef{NS: "host", Name: "uplink"}},
		}, Routes: []engine.Route{{Dst: "203.0.113.0/24", Dev: "eth0"}}},
	}}
}

const masq = "-t nat -A POSTROUTING -s 11.11.11.0/24 ! -o br0 -j MASQUERADE"

func TestPredict(t *testing.T) {
	j := Predict(natSnapshot("1", masq), "RED", "203.0.113.2")
	var got []string
	for _, h := range j.Hops {
		got = append(got, h.NS+"/"+h.Dev+"/"+h.Dir)
		if h.Observed {
			t.Errorf("a predicted hop says observed: %+v", h)
		}
	}
	if want := "RED/eth0/out host/vRED/in host/br0/in host/uplink/out OUTSIDE/eth0/in"; strings.Join(got, " ") != want {
		t.Errorf("hops %v, want %s", got, want)
	}
	if j.Result != Replied || len(j.NAT) != 1 || j.NAT[0].To != "203.0.113.1" {
		t.Errorf("result %s nat %+v drop %+v", j.Result, j.NAT, j.Drop)
	}
	down := natSnapshot("1", masq)
	down.NS("OUTSIDE").Links[0].State = "down"
	for _, c := range []struct {
		name   string
		snap   *engine.Snapshot
		reason string
		ns     string
	}{
		{"no-masquerade", natSnapshot("1"), ReasonNoRouteBack, "OUTSIDE"},
		{"masquerade-on-br0", natSnapshot("1", "-t nat -A POSTROUTING -s 11.11.11.0/24 -o br0 -j MASQUERADE"), ReasonNoRouteBack, "OUTSIDE"},
		{"forward-off", natSnapshot("0", masq), ReasonForwardOff, "host"},
		{"drop-rule", natSnapshot("1", masq, "-t filter -A FORWARD -s 11.11.11.2 -j DROP"), ReasonRule, "host"},
		{"link-down", down, ReasonLinkDown, "OUTSIDE"},
	} {
		j := Predict(c.snap, "RED", "203.0.113.2")
		if j.Drop == nil || j.Drop.Reason != c.reason || j.Drop.NS != c.ns {
			t.Errorf("%s: drop %+v, want %s in %s", c.name, j.Drop, c.reason, c.ns)
		}
	}
	if j := Predict(natSnapshot("1", masq), "RED", "11.11.11.9"); j.Drop == nil || j.Drop.Reason != ReasonARP || j.Drop.NS != "RED" {
		t.Errorf("absent neighbour: %+v", j.Drop)
	}
	if j := Predict(natSnapshot("1", masq), "OUTSIDE", "11.11.11.2"); j.Drop == nil || j.Drop.Reason != ReasonNoRoute || j.Drop.NS != "OUTSIDE" {
		t.Errorf("no route: %+v", j.Drop)
	}
}

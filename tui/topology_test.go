package tui

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/nettutor/nettutor/engine"
)

// randomSnapshot makes a lab of random shape: namespaces, veths between
// any two (or dangling), bridges anywhere, rules, routes, neighbours.
func randomSnapshot(r *rand.Rand) *engine.Snapshot {
	names := []string{"host", "RED", "BLUE", "OUTSIDE", "GREEN", "한글NS", "a-very-long-namespace-name"}
	n := 1 + r.IntN(len(names))
	s := &engine.Snapshot{}
	for i := 0; i < n; i++ {
		s.Namespaces = append(s.Namespaces, engine.Namespace{Name: names[i], Links: []engine.Link{lo()}})
	}
	for k := 0; k < r.IntN(8); k++ {
		a, b := r.IntN(n), r.IntN(n)
		an, bn := fmt.Sprintf("v%da", k), fmt.Sprintf("v%db", k)
		la := veth(an, []string{"up", "down"}[r.IntN(2)], "aa:00:00:00:00:01", s.Namespaces[b].Name, bn, fmt.Sprintf("10.0.%d.1/24", k))
		lb := veth(bn, "up", "aa:00:00:00:00:02", s.Namespaces[a].Name, an)
		if r.IntN(5) == 0 {
			lb.Peer = &engine.PeerRef{NS: "GONE", Name: "x"}
		}
		s.Namespaces[a].Links = append(s.Namespaces[a].Links, la)
		s.Namespaces[b].Links = append(s.Namespaces[b].Links, lb)
	}
	for k := 0; k < r.IntN(3); k++ {
		ns := &s.Namespaces[r.IntN(n)]
		br := fmt.Sprintf("br%d", k)
		ns.Links = append(ns.Links, engine.Link{Name: br, Kind: "bridge", State: "up", Addrs: []string{"172.17.0.1/16"}})
		for j := range ns.Links {
			if ns.Links[j].Kind == "veth" && r.IntN(2) == 0 {
				ns.Links[j].Master = br
			}
		}
		ns.FDB = append(ns.FDB, engine.FDBEntry{MAC: "aa:00:00:00:00:09", Dev: "x", Master: br})
	}
	for i := range s.Namespaces {
		ns := &s.Namespaces[i]
		if r.IntN(2) == 0 {
			ns.Routes = append(ns.Routes, engine.Route{Dst: "default", Gw: "10.0.0.254", Dev: "v0a"})
		}
		if r.IntN(3) == 0 {
			ns.Rules = append(ns.Rules, "-t nat -A POSTROUTING -s 10.0.0.0/24 ! -o br0 -j MASQUERADE")
		}
		if r.IntN(3) == 0 {
			ns.Neighbors = append(ns.Neighbors, engine.Neighbor{IP: "10.0.0.2", MAC: "aa:00:00:00:00:02", State: "reachable"})
		}
		if r.IntN(3) == 0 {
			ns.Sysctl = map[string]string{"net.ipv4.ip_forward": "1"}
		}
	}
	return s
}

func TestTopologyAnyShapeFits(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 400; i++ {
		s := randomSnapshot(r)
		prev := randomSnapshot(r)
		w := 18 + r.IntN(150)
		out := RenderTopology(s, TopoOptions{Width: w, Changed: Diff(prev, s), Selected: s.Namespaces[0].Name, Styles: DefaultStyles()})
		for _, l := range strings.Split(out, "\n") {
			if width(l) > w {
				t.Fatalf("case %d width %d: line of %d cells:\n%s", i, w, width(l), out)
			}
		}
		for _, n := range s.Namespaces {
			if n.Name != "host" && !strings.Contains(out, truncate(n.Name, 8)[:1]) {
				t.Fatalf("case %d: %s missing:\n%s", i, n.Name, out)
			}
		}
	}
}

func TestTopologyDeterministic(t *testing.T) {
	a := RenderTopology(natSnapshot(), TopoOptions{Width: 90, Changed: Diff(natBefore(), natSnapshot())})
	for i := 0; i < 20; i++ {
		if b := RenderTopology(natSnapshot(), TopoOptions{Width: 90, Changed: Diff(natBefore(), natSnapshot())}); b != a {
			t.Fatal("RenderTopology is not deterministic")
		}
	}
}

func TestDiff(t *testing.T) {
	cs := Diff(natBefore(), natSnapshot())
	for _, k := range []string{ruleKey("host", "-t nat -A POSTROUTING -s 11.11.11.0/24 ! -o br0 -j MASQUERADE"), sysctlKey("host", "net.ipv4.ip_forward")} {
		if !cs[k] {
			t.Errorf("Diff lacks %s: %v", k, cs)
		}
	}
	if len(cs) != 2 {
		t.Errorf("Diff has more than the rule and the sysctl: %v", cs)
	}
	if len(Diff(nil, natSnapshot())) != 0 || len(Diff(natSnapshot(), natSnapshot())) != 0 {
		t.Error("Diff of nothing or of equal snapshots is not empty")
	}
	cs = Diff(vethBeforePing(), vethSnapshot())
	if !cs[neighKey("RED", "11.11.11.3")] || !cs[neighKey("BLUE", "11.11.11.2")] || len(cs) != 2 {
		t.Errorf("ping diff: %v", cs)
	}
}

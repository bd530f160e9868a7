package tui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/nettutor/nettutor/engine"
	"github.com/nettutor/nettutor/engine/journey"
	"github.com/nettutor/nettutor/lessons/note"
)

// kubeMasq is kube-proxy's masquerade rule as the snapshot lists it.
const kubeMasq = `-t nat -A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully`

// hairpinSnapshot is a node (NODE2, cni0 10.244.1.1) and its pod POD-B
// (10.244.1.2); rules are NODE2's nat rules.
func hairpinSnapshot(rules ...string) *engine.Snapshot {
	return &engine.Snapshot{Namespaces: []engine.Namespace{
		{Name: "host", Links: []engine.Link{lo()}},
		{Name: "NODE2", Links: []engine.Link{lo(), {Name: "cni0", Kind: "bridge", State: "up", Oper: "up", MTU: 1450, MAC: "aa:00:00:00:01:01", Addrs: []string{"10.244.1.1/24"}},
			veth("veth-b", "up", "aa:00:00:00:01:02", "POD-B", "eth0")}, Rules: rules},
		{Name: "POD-B", Links: []engine.Link{lo(), veth("eth0", "up", "aa:00:00:00:01:03", "NODE2", "veth-b", "10.244.1.2/24")}},
	}}
}

// hop is an observed hop at POD-B's eth0.
func podHop(dir, src string, sport int, dst string, dport int) journey.ObservedHop {
	return journey.ObservedHop{Hop: journey.Hop{NS: "POD-B", Dev: "eth0", Dir: dir, Src: src, Sport: sport, Dst: dst, Dport: dport, Observed: true}}
}

// hairpinLadder is POD-B reaching itself through the Service
// 10.96.0.100:80 (endpoint 10.244.1.2:8080), captured on POD-B's eth0
// only, as journey.Observe groups it: the SYN out and back in (DNATed and
// masqueraded to cni0's address in NODE2 between the two sightings; the
// observed rewrite names the source's change alone), the SYN-ACK out and
// back in (both undone), and the ACK (conntrack's mapping again).
func hairpinLadder() note.HopLadder {
	syn := []journey.ObservedHop{podHop("out", "10.244.1.2", 40000, "10.96.0.100", 80), podHop("in", "10.244.1.1", 61000, "10.244.1.2", 8080)}
	syn[1].Rewrite = &journey.Rewrite{NS: "NODE2", Kind: "snat", From: "10.244.1.2:40000", To: "10.244.1.1:61000", Confirmed: true}
	synack := []journey.ObservedHop{podHop("out", "10.244.1.2", 8080, "10.244.1.1", 61000), podHop("in", "10.96.0.100", 80, "10.244.1.2", 40000)}
	synack[1].Rewrite = &journey.Rewrite{NS: "POD-B", Kind: "snat", From: "10.244.1.2:8080", To: "10.96.0.100:80", Confirmed: true}
	synack[1].Undo = true
	ack := []journey.ObservedHop{podHop("out", "10.244.1.2", 40000, "10.96.0.100", 80), podHop("in", "10.244.1.1", 61000, "10.244.1.2", 8080)}
	ack[1].Rewrite = &journey.Rewrite{NS: "NODE2", Kind: "snat", From: "10.244.1.2:40000", To: "10.244.1.1:61000", Confirmed: true}
	ack[1].Again = true
	arrow := func(label string, hs []journey.ObservedHop, first int) note.HopArrow {
		r := hs[1].Rewrite
		lane := 0
		if r.NS == "NODE2" {
			lane = 1
		}
		return note.HopArrow{From: 0, To: 0, Seen: []int{0}, Rewrite: r, RewriteLane: lane, Undo: hs[1].Undo, Again: hs[1].Again,
			Label: label, Points: []string{"POD-B/eth0", "POD-B/eth0"}, Packets: []int{first, first + 1},
			Observed: journey.Observed{Proto: "TCP", Hops: hs}}
	}
	return note.HopLadder{Lanes: []string{"POD-B", "NODE2"}, Arrows: []note.HopArrow{
		arrow("TCP 40000 > 80 [S]", syn, 0), arrow("TCP 80 > 40000 [S.]", synack, 2), arrow("TCP 40000 > 80 [.]", ack, 4)}}
}

// TestLadderServiceMasquerade: the rewrites the ladder draws under a
// Service journey's arrows, and where. With kube-proxy's KUBE-POSTROUTING
// MASQUERADE in NODE2, the SYN gets the DNAT and then the masquerade,
// both NODE2's (the pod's capture saw only their sum); the SYN-ACK gets
// the masquerade undone and the DNAT undone; the ACK, conntrack's
// masquerade again. Without kube-proxy's rule, nothing is taken for a
// Service's masquerade: the arrow keeps its one source NAT.
func TestLadderServiceMasquerade(t *testing.T) {
	type rw struct {
		ns, kind, from, to  string
		undo, again, unmasq bool
	}
	want := [][]rw{
		{{"NODE2", "dnat", "10.96.0.100:80", "10.244.1.2:8080", false, false, false}, {"NODE2", "masq", "10.244.1.2:40000", "10.244.1.1:61000", false, false, false}},
		{{"NODE2", "dnat", "10.244.1.1:61000", "10.244.1.2:40000", true, false, true}, {"NODE2", "snat", "10.244.1.2:8080", "10.96.0.100:80", true, false, false}},
		{{"NODE2", "dnat", "10.96.0.100:80", "10.244.1.2:8080", false, true, false}, {"NODE2", "masq", "10.244.1.2:40000", "10.244.1.1:61000", false, true, false}},
	}
	p := newPacketPane(NewCommon("en"))
	snap := hairpinSnapshot(kubeMasq)
	p.setLab([]string{"POD-B", "NODE2"}, snap)
	p.hosts = hostNames(snap)
	got := p.serviceRewrites(hairpinLadder())
	for ai, ws := range want {
		var gs []rw
		for _, r := range got[ai] {
			gs = append(gs, rw{r.ns, r.kind, r.from, r.to, r.undo, r.again, r.unmasq})
		}
		if len(gs) != len(ws) {
			t.Errorf("arrow %d: rewrites %+v, want %+v", ai, gs, ws)
			continue
		}
		for k := range ws {
			if gs[k] != ws[k] {
				t.Errorf("arrow %d rewrite %d: %+v, want %+v", ai, k, gs[k], ws[k])
			}
		}
	}

	plain := newPacketPane(NewCommon("en"))
	other := hairpinSnapshot("-t nat -A POSTROUTING -s 10.244.0.0/16 ! -d 10.244.0.0/16 -j MASQUERADE")
	plain.setLab([]string{"POD-B", "NODE2"}, other)
	plain.hosts = hostNames(other)
	if got := plain.serviceRewrites(hairpinLadder()); len(got) != 0 {
		t.Errorf("without kube-proxy's rule: %+v, want no Service rewrites", got)
	}
}

// TestLadderServiceMasqueradeDrawn: the ladder at 120 columns in both
// languages draws, under the SYN, the DNAT and then the masquerade with
// its own label, each ending at NODE2's lane; under the SYN-ACK, the
// masquerade undone; under the ACK, the masquerade as the first packet's.
func TestLadderServiceMasqueradeDrawn(t *testing.T) {
	for _, c := range []struct {
		lang             string
		masq, again, und string
	}{
		{"en", "MASQUERADE (KUBE-POSTROUTING) 10.244.1.2:40000 → 10.244.1.1:61000",
			"as the first packet (MASQUERADE, KUBE-POSTROUTING) 10.244.1.2:40000 → 10.244.1.1:61000",
			"reverse NAT (un-MASQUERADE) 10.244.1.1:61000 → 10.244.1.2:40000"},
		{"ko", "KUBE-POSTROUTING의 MASQUERADE 10.244.1.2:40000 → 10.244.1.1:61000",
			"첫 패킷과 같은 MASQUERADE(KUBE-POSTROUTING) 10.244.1.2:40000 → 10.244.1.1:61000",
			"역방향 NAT un-MASQUERADE 10.244.1.1:61000 → 10.244.1.2:40000"},
	} {
		t.Run(c.lang, func(t *testing.T) {
			p := newPacketPane(NewCommon(c.lang))
			snap := hairpinSnapshot(kubeMasq)
			p.setLab([]string{"POD-B", "NODE2"}, snap)
			p.hosts = hostNames(snap)
			pkts := make([]Packet, 6)
			for i := range pkts {
				pkts[i] = Packet{Time: t0, Point: "POD-B/eth0", Proto: "TCP", Summary: "IP x > y: Flags"}
			}
			p.add(pkts, 0)
			l := hairpinLadder()
			p.hop = hopCache{lo: 0, hi: 6, n: 6, first: p.pkts.At(0).Seq, lanes: len(p.lanes), l: l,
				arrowOf: map[int]int{0: 0, 1: 0, 2: 1, 3: 1, 4: 2, 5: 2}, svc: p.serviceRewrites(l)}
			p.ladder, p.sel, p.off, p.follow = true, 0, 0, false
			const w = 120
			lines := p.hopLadderView(20, w)
			// NODE2's lane: the ladder's second column (hopLadderView's
			// left margin 2, one span per lane, centred).
			span := max((w-2-2)/2, 8)
			node2 := 2 + span + span/2
			var plain []string
			for _, l := range lines {
				plain = append(plain, ansi.Strip(l))
			}
			text := strings.Join(plain, "\n")
			at := func(s string) int {
				for i, l := range plain {
					if strings.Contains(l, s) {
						return i
					}
				}
				t.Fatalf("%q is not drawn:\n%s", s, text)
				return -1
			}
			dnat := at("DNAT 10.96.0.100:80 → 10.244.1.2:8080")
			masq := at(c.masq)
			if masq != dnat+1 || !strings.Contains(plain[dnat-1], "[S]") {
				t.Errorf("the masquerade (line %d) is not right under the SYN's DNAT (line %d):\n%s", masq, dnat, text)
			}
			for _, s := range []string{c.masq, c.und, c.again} {
				l := plain[at(s)]
				if end := strings.Index(l, "╯"); end < 0 || ansi.StringWidth(l[:end]) != node2 {
					t.Errorf("%q does not end at NODE2's lane (column %d): %q", s, node2, l)
				}
			}
			if und := at(c.und); !strings.Contains(plain[und-1], "[S.]") {
				t.Errorf("the masquerade undone is not under the SYN-ACK:\n%s", text)
			}
			if strings.Contains(text, "SNAT 10.244.1.2:40000") {
				t.Errorf("the masquerade is also drawn as a plain SNAT:\n%s", text)
			}
			for _, l := range lines {
				if ansi.StringWidth(l) > w {
					t.Errorf("line wider than %d: %q", w, ansi.Strip(l))
				}
			}
		})
	}
}

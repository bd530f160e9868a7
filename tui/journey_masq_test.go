package tui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/nettutor/nettutor/engine/journey"
)

// TestJourneyPaneMasquerade: the y pane names a Service's masquerade as
// the journey does, kube-proxy's MASQUERADE with its chain and the rule
// under it, in both languages: for a failed check's probe (its rewrites)
// and for a captured packet (the hop's rewrite); a SNAT stays a SNAT.
func TestJourneyPaneMasquerade(t *testing.T) {
	rule := strings.TrimPrefix(kubeMasq, "-t nat ")
	for _, c := range []struct{ lang, probe, hop string }{
		{"en", "MASQUERADE (KUBE-POSTROUTING) in NODE2: 10.244.1.2:40000 → 10.244.1.1:61000", "MASQUERADE (KUBE-POSTROUTING) in NODE2: 10.244.1.2:40000 → 10.244.1.1:61000"},
		{"ko", "MASQUERADE(KUBE-POSTROUTING)(NODE2): 10.244.1.2:40000 → 10.244.1.1:61000", "MASQUERADE(KUBE-POSTROUTING)(NODE2): 10.244.1.2:40000 → 10.244.1.1:61000"},
	} {
		t.Run(c.lang, func(t *testing.T) {
			p := newPacketPane(NewCommon(c.lang))
			j := &journey.Journey{From: "POD-B", To: "10.96.0.100", Proto: "tcp", Port: 80, Result: journey.NoReply,
				Hops: []journey.Hop{{NS: "POD-B", Dev: "eth0", Dir: "out", Src: "10.244.1.2", Dst: "10.96.0.100"}},
				NAT: []journey.Rewrite{
					{NS: "NODE2", Kind: "dnat", From: "10.96.0.100:80", To: "10.244.1.2:8080"},
					{NS: "NODE2", Kind: journey.KindMasquerade, From: "10.244.1.2:40000", To: "10.244.1.1:61000", Rule: rule},
					{NS: "NODE1", Kind: "snat", From: "10.244.0.3:1000", To: "192.168.10.101:1000"}}}
			text := ansi.Strip(strings.Join(p.probeView(j, 200, 60), "\n"))
			for _, want := range []string{c.probe, rule, "✎ SNAT"} {
				if !strings.Contains(text, want) {
					t.Errorf("probe view lacks %q:\n%s", want, text)
				}
			}
			if strings.Contains(text, "✎ SNAT in NODE2") || strings.Contains(text, "✎ SNAT(NODE2)") {
				t.Errorf("probe view calls the masquerade SNAT:\n%s", text)
			}

			// A captured packet whose hop's rewrite is the masquerade.
			snap := hairpinSnapshot(kubeMasq)
			p.setLab([]string{"POD-B", "NODE2"}, snap)
			l := hairpinLadder()
			r := l.Arrows[0].Observed.Hops[1].Rewrite
			r.NS, r.Kind, r.Rule = "NODE2", journey.KindMasquerade, rule
			pkts := make([]Packet, 6)
			for i := range pkts {
				pkts[i] = Packet{Time: t0, Point: "POD-B/eth0", Proto: "TCP", Summary: "IP x > y: Flags"}
			}
			p.add(pkts, 0)
			p.hop = hopCache{lo: 0, hi: 6, n: 6, first: p.pkts.At(0).Seq, lanes: len(p.lanes), l: l,
				arrowOf: map[int]int{0: 0, 1: 0, 2: 1, 3: 1, 4: 2, 5: 2}}
			p.sel = 0
			text = ansi.Strip(strings.Join(p.journeyView(200, 60), "\n"))
			if !strings.Contains(text, c.hop) || !strings.Contains(text, rule) || strings.Contains(text, "✎ SNAT") {
				t.Errorf("journey view: want %q and the rule, no SNAT:\n%s", c.hop, text)
			}
		})
	}
}

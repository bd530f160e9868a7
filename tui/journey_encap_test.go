package tui

import (
	"strings"
	"testing"

	"github.com/nettutor/nettutor/engine/journey"
)

// TestProbeJourneyEncap: a failed check's probe that crossed a VXLAN
// tunnel shows, under each of the tunnel's hops, its outer packet (VNI,
// the two VTEPs, the UDP port), in English and in Korean, as engine/journey
// words it.
func TestProbeJourneyEncap(t *testing.T) {
	enc := &journey.Encap{Kind: "vxlan", VNI: 1, Src: "192.168.10.101", Dst: "192.168.10.102", Dport: 8472}
	j := &journey.Journey{From: "POD-A", To: "10.244.1.2", Proto: "icmp", Result: journey.NoReply,
		Hops: []journey.Hop{
			{NS: "NODE1", Dev: "flannel.1", Dir: "out", Src: "10.244.0.2", Dst: "10.244.1.2", Encap: enc, Observed: true},
			{NS: "NODE2", Dev: "eth0", Dir: "in", Src: "10.244.0.2", Dst: "10.244.1.2", Encap: enc, Observed: true},
		},
		Drop:  &journey.Drop{NS: "NODE2", Where: "eth0", Reason: journey.ReasonVXLANPort, Detail: "no VTEP", Leg: "request"},
		Reply: &journey.Leg{Result: "lost"}}
	for lang, want := range map[string]string{
		"en": "[VXLAN 1: 192.168.10.101 -> 192.168.10.102, UDP 8472]",
		"ko": "[VXLAN 1 캡슐: 192.168.10.101 -> 192.168.10.102, UDP 8472]",
	} {
		p := newPacketPane(NewCommon(lang))
		v := strings.Join(p.probeView(j, 100, 40), "\n")
		if strings.Count(v, want) != 2 {
			t.Errorf("%s: want %q under both tunnel hops:\n%s", lang, want, v)
		}
	}
}

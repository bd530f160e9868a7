package note

import (
	"encoding/binary"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/nettutor/nettutor/engine/capture"
)

// unreachableFrame is an ICMP port unreachable from src to dst that quotes
// a datagram with IP ID quoted.
func unreachableFrame(id, quoted uint16, src, dst string) []byte {
	b := make([]byte, 14+20+8+28)
	binary.BigEndian.PutUint16(b[12:14], 0x0800)
	ip := b[14:]
	ip[0] = 0x45
	binary.BigEndian.PutUint16(ip[2:4], 56)
	binary.BigEndian.PutUint16(ip[4:6], id)
	ip[8], ip[9] = 64, 1
	copy(ip[12:16], net.ParseIP(src).To4())
	copy(ip[16:20], net.ParseIP(dst).To4())
	ip[20], ip[21] = 3, 3
	q := ip[28:]
	q[0] = 0x45
	binary.BigEndian.PutUint16(q[4:6], quoted)
	return b
}

// TestHopLadderConntrackLabels: of a flow's packets through a SNAT, the
// first request carries the rule's own label, a later request the first
// packet's mapping ("as the first packet (SNAT)"), every reply the
// reverse ("reverse NAT (un-SNAT)", never a DNAT of its own); an ICMP
// error whose datagram the captures missed is a reverse NAT too.
func TestHopLadderConntrackLabels(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	at := func(us int) time.Time { return t0.Add(time.Duration(us) * time.Microsecond) }
	var cp []capture.Packet
	for k, id := range []uint16{10, 11} {
		us := k * 1000
		cp = append(cp,
			capture.Packet{Point: "host/br0", Time: at(us), Data: echoFrame(false, id, "11.11.11.2", "203.0.113.2")},
			capture.Packet{Point: "OUTSIDE/eth0", Time: at(us + 20), Data: echoFrame(false, id, "203.0.113.1", "203.0.113.2")},
			capture.Packet{Point: "OUTSIDE/eth0", Time: at(us + 40), Outgoing: true, Data: echoFrame(true, id+100, "203.0.113.2", "203.0.113.1")},
			capture.Packet{Point: "host/br0", Time: at(us + 60), Outgoing: true, Data: echoFrame(true, id+100, "203.0.113.2", "11.11.11.2")})
	}
	cp = append(cp,
		capture.Packet{Point: "OUTSIDE/eth0", Time: at(5000), Outgoing: true, Data: unreachableFrame(300, 42, "203.0.113.2", "203.0.113.1")},
		capture.Packet{Point: "host/br0", Time: at(5020), Outgoing: true, Data: unreachableFrame(300, 42, "203.0.113.2", "11.11.11.2")})
	for i := range cp {
		cp[i].Summary = "IP x > y: ICMP, length 8"
	}
	l := StepLadder([]string{"RED", "BLUE", "OUTSIDE"}, natLab(), cp)
	if len(l.Arrows) != 5 {
		t.Fatalf("%d arrows, want 5 (two echoes, two replies, one error)", len(l.Arrows))
	}
	want := []string{
		"SNAT 11.11.11.2 → 203.0.113.1",
		"reverse NAT (un-SNAT) 203.0.113.1 → 11.11.11.2",
		"as the first packet (SNAT) 11.11.11.2 → 203.0.113.1",
		"reverse NAT (un-SNAT) 203.0.113.1 → 11.11.11.2",
		"reverse NAT (un-SNAT) 203.0.113.1 → 11.11.11.2",
	}
	for i, a := range l.Arrows {
		if a.Rewrite == nil {
			t.Errorf("arrow %d has no rewrite", i)
			continue
		}
		if got := RewriteKind(a.Rewrite, a.Undo, a.Again) + " " + RewriteText(a.Rewrite); got != want[i] {
			t.Errorf("arrow %d: %q, want %q", i, got, want[i])
		}
	}
	txt := RenderHopLadder(l, 120)
	if strings.Contains(txt, "conntrack ↩") || strings.Count(txt, "reverse NAT (un-SNAT)") != 3 {
		t.Errorf("text ladder:\n%s", txt)
	}
}

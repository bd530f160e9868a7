package note

import (
	"encoding/binary"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/nettutor/nettutor/engine"
	"github.com/nettutor/nettutor/engine/capture"
)

// echoFrame is an ICMP echo (request, or reply) with IP ID id.
func echoFrame(reply bool, id uint16, src, dst string) []byte {
	b := make([]byte, 14+20+8)
	binary.BigEndian.PutUint16(b[12:14], 0x0800)
	ip := b[14:]
	ip[0] = 0x45
	binary.BigEndian.PutUint16(ip[2:4], 28)
	binary.BigEndian.PutUint16(ip[4:6], id)
	ip[8], ip[9] = 64, 1
	copy(ip[12:16], net.ParseIP(src).To4())
	copy(ip[16:20], net.ParseIP(dst).To4())
	if !reply {
		ip[20] = 8
	}
	binary.BigEndian.PutUint16(ip[24:26], 7)
	binary.BigEndian.PutUint16(ip[26:28], 1)
	return b
}

func natLab() *engine.Snapshot {
	return &engine.Snapshot{Namespaces: []engine.Namespace{
		{Name: "BLUE", Links: []engine.Link{{Name: "eth0", Addrs: []string{"11.11.11.3/24"}}}},
		{Name: "OUTSIDE", Links: []engine.Link{{Name: "eth0", Addrs: []string{"203.0.113.2/24"}}}},
		{Name: "RED", Links: []engine.Link{{Name: "eth0", Addrs: []string{"11.11.11.2/24"}}}},
		{Name: "host", Links: []engine.Link{{Name: "br0", Kind: "bridge", Addrs: []string{"11.11.11.1/24"}},
			{Name: "uplink", Addrs: []string{"203.0.113.1/24"}}}},
	}}
}

// TestHopLadderNAT: the echo seen on br0 and on OUTSIDE is one arrow from
// RED to OUTSIDE, seen at host and OUTSIDE, with the SNAT at host's lane;
// the reply is one arrow back with the rewrite undone at host.
func TestHopLadderNAT(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	cp := []capture.Packet{
		{Point: "host/br0", Time: t0, Data: echoFrame(false, 10, "11.11.11.2", "203.0.113.2")},
		{Point: "OUTSIDE/eth0", Time: t0.Add(20 * time.Microsecond), Data: echoFrame(false, 10, "203.0.113.1", "203.0.113.2")},
		{Point: "OUTSIDE/eth0", Time: t0.Add(40 * time.Microsecond), Outgoing: true, Data: echoFrame(true, 99, "203.0.113.2", "203.0.113.1")},
		{Point: "host/br0", Time: t0.Add(60 * time.Microsecond), Outgoing: true, Data: echoFrame(true, 99, "203.0.113.2", "11.11.11.2")},
	}
	for i := range cp {
		cp[i].Summary = "IP x > y: ICMP echo, id 7, seq 1, length 8"
	}
	l := StepLadder([]string{"RED", "BLUE", "OUTSIDE"}, natLab(), cp)
	if got := strings.Join(l.Lanes, " "); got != "RED BLUE host OUTSIDE" {
		t.Errorf("lanes %q", got)
	}
	if len(l.Arrows) != 2 {
		t.Fatalf("%d arrows for one echo and its reply, want 2", len(l.Arrows))
	}
	req, rep := l.Arrows[0], l.Arrows[1]
	if req.From != 0 || req.To != 3 || req.RewriteLane != 2 || RewriteText(req.Rewrite) != "11.11.11.2 → 203.0.113.1" || req.Rewrite.Kind != "snat" {
		t.Errorf("request: from %d to %d, rewrite %q at lane %d", req.From, req.To, RewriteText(req.Rewrite), req.RewriteLane)
	}
	if rep.From != 3 || rep.To != 0 || rep.RewriteLane != 2 || RewriteText(rep.Rewrite) != "203.0.113.1 → 11.11.11.2" || !rep.Undo || req.Undo {
		t.Errorf("reply: from %d to %d, rewrite %q at lane %d", rep.From, rep.To, RewriteText(rep.Rewrite), rep.RewriteLane)
	}
	txt := RenderHopLadder(l, 100)
	if strings.Count(txt, "@host/br0, OUTSIDE/eth0") != 1 || !strings.Contains(txt, "╰ SNAT 11.11.11.2 → 203.0.113.1") ||
		!strings.Contains(txt, "╰ reverse NAT (un-SNAT) 203.0.113.1 → 11.11.11.2") {
		t.Errorf("text ladder:\n%s", txt)
	}
	t.Logf("\n%s", txt)
	seq := sequence(l)
	if strings.Count(seq, "->>") != 2 || !strings.Contains(seq, "SNAT src 11.11.11.2 → 203.0.113.1 (host/br0 → OUTSIDE/eth0)") ||
		!strings.Contains(seq, "reverse NAT (un-SNAT) dst 203.0.113.1 → 11.11.11.2") {
		t.Errorf("sequence:\n%s", seq)
	}
}

// TestLanes: only the lab's own namespaces, the host only with links, in
// the lesson's order.
func TestLanes(t *testing.T) {
	bridge := &engine.Snapshot{Namespaces: []engine.Namespace{
		{Name: "BLUE"}, {Name: "RED"}, {Name: "host", Links: []engine.Link{{Name: "lo"}, {Name: "br0"}}}}}
	veth := &engine.Snapshot{Namespaces: []engine.Namespace{{Name: "BLUE"}, {Name: "RED"}, {Name: "host", Links: []engine.Link{{Name: "lo"}}}}}
	for _, c := range []struct {
		order []string
		snap  *engine.Snapshot
		want  string
	}{
		{[]string{"RED", "BLUE"}, bridge, "RED host BLUE"},
		{[]string{"RED", "BLUE"}, veth, "RED BLUE"},
		{[]string{"RED", "BLUE", "OUTSIDE"}, natLab(), "RED BLUE host OUTSIDE"},
		{nil, veth, "BLUE RED"},
		// The nat lesson before OUTSIDE is made: the host already where
		// it will stay, right of the inside namespaces.
		{[]string{"RED", "BLUE", "OUTSIDE"}, bridge, "RED BLUE host"},
	} {
		l := StepLadder(c.order, c.snap, nil)
		if got := strings.Join(l.Lanes, " "); got != c.want {
			t.Errorf("lanes %q, want %q", got, c.want)
		}
	}
}

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

// vxlanWrap puts inner in a VXLAN packet (VNI 1, UDP 8472) from node
// address src to dst, as flannel.1 sends it on the underlay.
func vxlanWrap(inner []byte, src, dst string) []byte {
	b := make([]byte, 14+20+8+8, 14+20+8+8+len(inner))
	binary.BigEndian.PutUint16(b[12:14], 0x0800)
	ip := b[14:]
	ip[0] = 0x45
	binary.BigEndian.PutUint16(ip[2:4], uint16(20+8+8+len(inner)))
	binary.BigEndian.PutUint16(ip[4:6], 4321)
	ip[8], ip[9] = 64, 17
	copy(ip[12:16], net.ParseIP(src).To4())
	copy(ip[16:20], net.ParseIP(dst).To4())
	udp := ip[20:]
	binary.BigEndian.PutUint16(udp[0:2], 41234)
	binary.BigEndian.PutUint16(udp[2:4], capture.PortVXLANLinux)
	binary.BigEndian.PutUint16(udp[4:6], uint16(8+8+len(inner)))
	vx := udp[8:]
	vx[0] = 0x08
	vx[6] = 1 // VNI 1
	return append(b, inner...)
}

func flannelLab() *engine.Snapshot {
	return &engine.Snapshot{Namespaces: []engine.Namespace{
		{Name: "NODE1", Links: []engine.Link{{Name: "eth0", Addrs: []string{"192.168.10.101/24"}},
			{Name: "flannel.1", Kind: "vxlan", Addrs: []string{"10.244.0.0/32"}}, {Name: "cni0", Kind: "bridge", Addrs: []string{"10.244.0.1/24"}}}},
		{Name: "NODE2", Links: []engine.Link{{Name: "eth0", Addrs: []string{"192.168.10.102/24"}},
			{Name: "flannel.1", Kind: "vxlan", Addrs: []string{"10.244.1.0/32"}}, {Name: "cni0", Kind: "bridge", Addrs: []string{"10.244.1.1/24"}}}},
		{Name: "POD-A", Links: []engine.Link{{Name: "eth0", Addrs: []string{"10.244.0.2/24"}}}},
		{Name: "POD-B", Links: []engine.Link{{Name: "eth0", Addrs: []string{"10.244.1.2/24"}}}},
	}}
}

// TestHopLadderVXLAN: POD-A's echo to POD-B, captured in both pods and on
// both nodes' underlay links, is drawn as the pods' packet from POD-A to
// POD-B and, between the nodes, the VXLAN packet that carried it, whose
// label names the tunnel and the packet inside.
func TestHopLadderVXLAN(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	inner := echoFrame(false, 10, "10.244.0.2", "10.244.1.2")
	cp := []capture.Packet{
		{Point: "POD-A/eth0", Time: t0, Outgoing: true, Data: inner},
		{Point: "NODE1/eth0", Time: t0.Add(20 * time.Microsecond), Outgoing: true, Data: vxlanWrap(inner, "192.168.10.101", "192.168.10.102")},
		{Point: "NODE2/eth0", Time: t0.Add(40 * time.Microsecond), Data: vxlanWrap(inner, "192.168.10.101", "192.168.10.102")},
		{Point: "POD-B/eth0", Time: t0.Add(60 * time.Microsecond), Data: inner},
	}
	for i := range cp {
		cp[i].Summary = capture.Summary(cp[i].Data)
	}
	l := StepLadder([]string{"NODE1", "NODE2", "POD-A", "POD-B"}, flannelLab(), cp)
	txt := RenderHopLadder(l, 100)
	// The journey joins the underlay copies with the pods' packet: one
	// arrow from POD-A to POD-B, whose points inside the tunnel say so.
	if len(l.Arrows) != 1 {
		t.Fatalf("%d arrows, want the pods' one packet:\n%s", len(l.Arrows), txt)
	}
	a := l.Arrows[0]
	if l.Lanes[a.From] != "POD-A" || l.Lanes[a.To] != "POD-B" || a.Label != "ICMP echo request id 7 seq 1" {
		t.Errorf("arrow %s → %s %q:\n%s", l.Lanes[a.From], l.Lanes[a.To], a.Label, txt)
	}
	tun := " ⊂ vxlan 1 192.168.10.101→192.168.10.102:8472" // the outer packet, as the packets pane tags it
	want := []string{"POD-A/eth0", "NODE1/eth0" + tun, "NODE2/eth0" + tun, "POD-B/eth0"}
	if strings.Join(a.Points, ", ") != strings.Join(want, ", ") {
		t.Errorf("points %q, want %q:\n%s", a.Points, want, txt)
	}
	if !strings.Contains(txt, "NODE1/eth0"+tun) {
		t.Errorf("text ladder does not show the tunnel:\n%s", txt)
	}
	t.Logf("\n%s", txt)
}

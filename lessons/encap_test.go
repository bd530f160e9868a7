package lessons

import (
	"encoding/binary"
	"net/netip"
	"testing"
)

// ipFrame is an Ethernet frame holding an IPv4 packet from src to dst with
// protocol proto and payload p.
func ipFrame(src, dst string, proto byte, p []byte) []byte {
	b := make([]byte, 14+20, 14+20+len(p))
	binary.BigEndian.PutUint16(b[12:], 0x0800)
	ip := b[14:]
	ip[0] = 0x45
	binary.BigEndian.PutUint16(ip[2:], uint16(20+len(p)))
	ip[8], ip[9] = 64, proto
	s, d := netip.MustParseAddr(src).As4(), netip.MustParseAddr(dst).As4()
	copy(ip[12:], s[:])
	copy(ip[16:], d[:])
	return append(b, p...)
}

// vxlanFrame wraps inner in UDP to dport and a VXLAN header with vni.
func vxlanFrame(src, dst string, dport, vni int, inner []byte) []byte {
	udp := make([]byte, 8+8)
	binary.BigEndian.PutUint16(udp[0:], 40000)
	binary.BigEndian.PutUint16(udp[2:], uint16(dport))
	binary.BigEndian.PutUint16(udp[4:], uint16(16+len(inner)))
	udp[8] = 0x08
	udp[12], udp[13], udp[14] = byte(vni>>16), byte(vni>>8), byte(vni)
	return ipFrame(src, dst, 17, append(udp, inner...))
}

// TestParseFrame: the underlay watcher tells a bare pod packet from one
// inside VXLAN, reads the outer addresses, port and VNI, and ignores
// traffic that carries no pod packet (the nodes' own, ARP, other UDP).
func TestParseFrame(t *testing.T) {
	pods := map[netip.Addr]bool{netip.MustParseAddr("10.244.0.2"): true, netip.MustParseAddr("10.244.1.2"): true}
	echo := ipFrame("10.244.0.2", "10.244.1.2", 1, []byte{8, 0, 0, 0, 0, 1, 0, 1})

	f, ok := parseFrame(echo, pods)
	if !ok || f.encap || f.src.String() != "10.244.0.2" || f.dst.String() != "10.244.1.2" {
		t.Errorf("bare echo: %+v %v", f, ok)
	}
	f, ok = parseFrame(vxlanFrame("192.168.10.101", "192.168.10.102", 8472, 1, echo), pods)
	if !ok || !f.encap || f.dport != 8472 || f.vni != 1 || f.outerDst.String() != "192.168.10.102" || f.dst.String() != "10.244.1.2" {
		t.Errorf("vxlan echo: %+v %v", f, ok)
	}
	f, ok = parseFrame(vxlanFrame("192.168.10.102", "192.168.10.101", 4789, 4096, echo), pods)
	if !ok || f.dport != 4789 || f.vni != 4096 {
		t.Errorf("vxlan on 4789: %+v %v", f, ok)
	}
	arp := make([]byte, 14+28)
	binary.BigEndian.PutUint16(arp[12:], 0x0806)
	f, ok = parseFrame(vxlanFrame("192.168.10.101", "192.168.10.102", 8472, 2, arp), pods)
	if !ok || !f.encap || f.pod || f.vni != 2 {
		t.Errorf("ARP in vxlan: %+v %v", f, ok)
	}
	for name, b := range map[string][]byte{
		"node to node":       ipFrame("192.168.10.101", "192.168.10.102", 1, []byte{8, 0, 0, 0}),
		"vxlan, other inner": vxlanFrame("192.168.10.101", "192.168.10.102", 8472, 1, ipFrame("10.9.0.1", "10.9.0.2", 1, nil)),
		"udp, no vxlan flag": ipFrame("192.168.10.101", "192.168.10.102", 17, make([]byte, 60)),
		"short":              echo[:20],
	} {
		if f, ok := parseFrame(b, pods); ok {
			t.Errorf("%s: taken as a pod packet: %+v", name, f)
		}
	}
}

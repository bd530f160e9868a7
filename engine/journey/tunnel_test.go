package journey

import (
	"encoding/binary"
	"testing"
	"time"
)

// vxlanFrame wraps frame in Ethernet + IPv4 + UDP to port + a VXLAN
// header with vni, from src to dst.
func vxlanFrame(frame []byte, src, dst string, port, vni int) []byte {
	vx := make([]byte, 8)
	vx[0] = 0x08
	vx[4], vx[5], vx[6] = byte(vni>>16), byte(vni>>8), byte(vni)
	udp := make([]byte, 8)
	binary.BigEndian.PutUint16(udp[0:2], 40000)
	binary.BigEndian.PutUint16(udp[2:4], uint16(port))
	binary.BigEndian.PutUint16(udp[4:6], uint16(8+8+len(frame)))
	l4 := append(append(udp, vx...), frame...)
	return ipFrame("02:00:00:00:01:01", 17, 7, src, dst, l4)
}

// TestParseVXLAN: a datagram to a VXLAN port is opened: the packet is the
// inner one, its outer addresses, VNI and port in encap, its MACs the
// outer frame's; another port is left a plain UDP datagram.
func TestParseVXLAN(t *testing.T) {
	inner := ipFrame("0e:00:00:00:00:01", 1, 42, "10.244.0.2", "10.244.1.2", echo(8, 0x1234, 1))
	b := vxlanFrame(inner, "192.168.10.101", "192.168.10.102", 8472, 1)
	p := parseFrameVX(b, vxlanPorts)
	if p == nil || p.encap == nil || p.src != "10.244.0.2" || p.dst != "10.244.1.2" || p.proto != 1 || p.sport != 0x1234 {
		t.Fatalf("decoded %+v", p)
	}
	if e := *p.encap; e != (Encap{Kind: "vxlan", VNI: 1, Src: "192.168.10.101", Dst: "192.168.10.102", Dport: 8472}) {
		t.Errorf("encap %+v", e)
	}
	if p.srcMAC != "02:00:00:00:01:01" {
		t.Errorf("MAC %s, want the outer frame's", p.srcMAC)
	}
	if q := parseFrameVX(vxlanFrame(inner, "192.168.10.101", "192.168.10.102", 9999, 1), vxlanPorts); q == nil || q.encap != nil || q.proto != 17 || q.dport != 9999 {
		t.Errorf("port 9999 decoded as %+v", q)
	}
}

// TestObserveTunnel: the captures of one echo inside and outside a tunnel
// (on flannel.1, as VXLAN on eth0 and on the far node's eth0) are one
// packet whose outer hops carry the encap, in path order.
func TestObserveTunnel(t *testing.T) {
	inner := ipFrame("0e:00:00:00:00:01", 1, 42, "10.244.0.2", "10.244.1.2", echo(8, 0x1234, 1))
	outer := vxlanFrame(inner, "192.168.10.101", "192.168.10.102", 8472, 1)
	now := time.Now()
	obs := Observe([]Sighting{
		{NS: "NODE1", Dev: "flannel.1", Dir: "out", Time: now, Data: inner},
		{NS: "NODE1", Dev: "eth0", Dir: "out", Time: now.Add(time.Microsecond), Data: outer},
		{NS: "NODE2", Dev: "eth0", Dir: "in", Time: now.Add(2 * time.Microsecond), Data: outer},
	}, nil)
	if len(obs) != 1 || len(obs[0].Hops) != 3 {
		t.Fatalf("want one packet with three hops: %+v", obs)
	}
	hs := obs[0].Hops
	if hs[0].Dev != "flannel.1" || hs[0].Encap != nil || hs[1].Encap == nil || hs[2].Encap == nil || hs[2].Encap.Dst != "192.168.10.102" {
		t.Errorf("hops %+v", hs)
	}
	if got := hs[1].EncapText("en"); got != "[VXLAN 1: 192.168.10.101 -> 192.168.10.102, UDP 8472]" {
		t.Errorf("encap text %q", got)
	}
}

// TestVTEPs: the fdb entry for the MAC, else the default (all-zeros)
// entries, else `remote`; none when the device has neither.
func TestVTEPs(t *testing.T) {
	d := &vxDev{fdb: []vxFDB{{"0e:00:00:00:00:02", "192.168.10.102"}, {zeroMAC, "192.168.10.103"}}}
	if got, how := d.vteps("0e:00:00:00:00:02"); len(got) != 1 || got[0] != "192.168.10.102" || how != "fdb" {
		t.Errorf("known MAC: %v %s", got, how)
	}
	if got, how := d.vteps("0e:00:00:00:00:09"); len(got) != 1 || got[0] != "192.168.10.103" || how != "default" {
		t.Errorf("unknown MAC: %v %s", got, how)
	}
	if got, _ := (&vxDev{remote: "192.168.10.104"}).vteps("0e:00:00:00:00:09"); len(got) != 1 || got[0] != "192.168.10.104" {
		t.Errorf("remote: %v", got)
	}
	if got, _ := (&vxDev{fdb: []vxFDB{{"0e:00:00:00:00:02", "192.168.10.102"}}}).vteps("0e:00:00:00:00:09"); len(got) != 0 {
		t.Errorf("flannel's device, another MAC: %v", got)
	}
}

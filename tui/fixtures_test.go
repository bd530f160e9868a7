package tui

import (
	"time"

	"github.com/nettutor/nettutor/engine"
)

func lo() engine.Link {
	return engine.Link{Index: 1, Name: "lo", Kind: "loopback", State: "up", Oper: "unknown", MTU: 65536, Addrs: []string{"127.0.0.1/8"}}
}

func veth(name, state, mac, peerNS, peer string, addrs ...string) engine.Link {
	oper := "up"
	if state != "up" {
		oper = "down"
	}
	return engine.Link{Name: name, Kind: "veth", State: state, Oper: oper, MTU: 1500, MAC: mac,
		Peer: &engine.PeerRef{NS: peerNS, Name: peer}, Addrs: addrs}
}

// vethSnapshot is RED and BLUE joined by veth0/veth1, after a ping.
func vethSnapshot() *engine.Snapshot {
	return &engine.Snapshot{Namespaces: []engine.Namespace{
		{Name: "host", Links: []engine.Link{lo()}},
		{Name: "BLUE", Links: []engine.Link{lo(), veth("veth1", "up", "6e:0b:11:22:33:03", "RED", "veth0", "11.11.11.3/24")},
			Routes:    []engine.Route{{Dst: "11.11.11.0/24", Dev: "veth1"}},
			Neighbors: []engine.Neighbor{{IP: "11.11.11.2", MAC: "6e:0b:11:22:33:02", Dev: "veth1", State: "reachable"}}},
		{Name: "RED", Links: []engine.Link{lo(), veth("veth0", "up", "6e:0b:11:22:33:02", "BLUE", "veth1", "11.11.11.2/24")},
			Routes:    []engine.Route{{Dst: "11.11.11.0/24", Dev: "veth0"}},
			Neighbors: []engine.Neighbor{{IP: "11.11.11.3", MAC: "6e:0b:11:22:33:03", Dev: "veth0", State: "reachable"}}},
	}}
}

// vethBeforePing is the same lab before the ping (no neighbours).
func vethBeforePing() *engine.Snapshot {
	s := vethSnapshot()
	for i := range s.Namespaces {
		s.Namespaces[i].Neighbors = nil
	}
	return s
}

func bridgeSnapshot() *engine.Snapshot {
	br := engine.Link{Name: "br0", Kind: "bridge", State: "up", Oper: "up", MTU: 1500, MAC: "2a:00:00:00:00:01", Addrs: []string{"11.11.11.1/24"}}
	vr := veth("veth-red", "up", "2a:00:00:00:00:02", "RED", "eth0")
	vr.Master = "br0"
	vb := veth("veth-blue", "up", "2a:00:00:00:00:03", "BLUE", "eth0")
	vb.Master = "br0"
	return &engine.Snapshot{Namespaces: []engine.Namespace{
		{Name: "host", Links: []engine.Link{lo(), br, vr, vb},
			FDB: []engine.FDBEntry{{MAC: "6e:0b:11:22:33:02", Dev: "veth-red", Master: "br0"}, {MAC: "6e:0b:11:22:33:03", Dev: "veth-blue", Master: "br0"}}},
		{Name: "BLUE", Links: []engine.Link{lo(), veth("eth0", "up", "6e:0b:11:22:33:03", "host", "veth-blue", "11.11.11.3/24")}},
		{Name: "RED", Links: []engine.Link{lo(), veth("eth0", "up", "6e:0b:11:22:33:02", "host", "veth-red", "11.11.11.2/24")}},
	}}
}

func natSnapshot() *engine.Snapshot {
	s := bridgeSnapshot()
	h := &s.Namespaces[0]
	h.Links = append(h.Links, veth("veth-out", "up", "2a:00:00:00:00:09", "OUTSIDE", "eth0", "203.0.113.1/24"))
	h.Rules = []string{"-t nat -A POSTROUTING -s 11.11.11.0/24 ! -o br0 -j MASQUERADE"}
	h.Sysctl = map[string]string{"net.ipv4.ip_forward": "1"}
	for i := range s.Namespaces[1:] {
		n := &s.Namespaces[1+i]
		n.Routes = append(n.Routes, engine.Route{Dst: "default", Gw: "11.11.11.1", Dev: "eth0"})
	}
	s.Namespaces = append(s.Namespaces, engine.Namespace{Name: "OUTSIDE",
		Links: []engine.Link{lo(), veth("eth0", "up", "6e:0b:00:00:00:99", "host", "veth-out", "203.0.113.2/24")}})
	return s
}

// natBefore is the NAT lab before MASQUERADE and forwarding.
func natBefore() *engine.Snapshot {
	s := natSnapshot()
	s.Namespaces[0].Rules = nil
	s.Namespaces[0].Sysctl = map[string]string{"net.ipv4.ip_forward": "0"}
	return s
}

var t0 = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

func fakePackets() []Packet {
	arpReq := []byte{
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x6e, 0x0b, 0x11, 0x22, 0x33, 0x02, 0x08, 0x06,
		0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x6e, 0x0b, 0x11, 0x22, 0x33, 0x02,
		11, 11, 11, 2, 0, 0, 0, 0, 0, 0, 11, 11, 11, 3,
	}
	arpRep := []byte{
		0x6e, 0x0b, 0x11, 0x22, 0x33, 0x02, 0x6e, 0x0b, 0x11, 0x22, 0x33, 0x03, 0x08, 0x06,
		0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x02, 0x6e, 0x0b, 0x11, 0x22, 0x33, 0x03,
		11, 11, 11, 3, 0x6e, 0x0b, 0x11, 0x22, 0x33, 0x02, 11, 11, 11, 2,
	}
	echo := func(src, dst byte, typ byte, smac, dmac byte) []byte {
		b := []byte{0x6e, 0x0b, 0x11, 0x22, 0x33, dmac, 0x6e, 0x0b, 0x11, 0x22, 0x33, smac, 0x08, 0x00,
			0x45, 0x00, 0x00, 0x54, 0x12, 0x34, 0x40, 0x00, 0x40, 0x01, 0x00, 0x00,
			11, 11, 11, src, 11, 11, 11, dst,
			typ, 0x00, 0x00, 0x00, 0x00, 0x2a, 0x00, 0x01}
		for i := 0; i < 56; i++ {
			b = append(b, byte(i))
		}
		return b
	}
	return []Packet{
		{Seq: 1, Time: t0, Point: "BLUE/veth1", Src: "11.11.11.2", Dst: "11.11.11.3", Proto: "ARP", Summary: "ARP, Request who-has 11.11.11.3 tell 11.11.11.2, length 28", Len: 42, Data: arpReq},
		{Seq: 2, Time: t0.Add(40 * time.Microsecond), Point: "BLUE/veth1", Src: "11.11.11.3", Dst: "11.11.11.2", Proto: "ARP", Summary: "ARP, Reply 11.11.11.3 is-at 6e:0b:11:22:33:03, length 28", Len: 42, Data: arpRep},
		{Seq: 3, Time: t0.Add(65 * time.Microsecond), Point: "BLUE/veth1", Src: "11.11.11.2", Dst: "11.11.11.3", Proto: "ICMP", Summary: "IP 11.11.11.2 > 11.11.11.3: ICMP echo request, id 42, seq 1, length 64", Len: 98, Data: echo(2, 3, 8, 2, 3)},
		{Seq: 4, Time: t0.Add(80 * time.Microsecond), Point: "BLUE/veth1", Src: "11.11.11.3", Dst: "11.11.11.2", Proto: "ICMP", Summary: "IP 11.11.11.3 > 11.11.11.2: ICMP echo reply, id 42, seq 1, length 64", Len: 98, Data: echo(3, 2, 0, 3, 2)},
	}
}

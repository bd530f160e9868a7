package journey

import (
	"encoding/binary"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/nettutor/nettutor/engine"
)

// ipFrame is Ethernet + IPv4 with IP ID id and the L4 bytes given, from
// MAC srcMAC.
func ipFrame(srcMAC string, proto byte, id uint16, src, dst string, l4 []byte) []byte {
	b := make([]byte, 14+20)
	copy(b[0:6], []byte{2, 0, 0, 0, 0, 0xee})
	m, _ := net.ParseMAC(srcMAC)
	copy(b[6:12], m)
	binary.BigEndian.PutUint16(b[12:14], 0x0800)
	ip := b[14:]
	ip[0] = 0x45
	binary.BigEndian.PutUint16(ip[2:4], uint16(20+len(l4)))
	binary.BigEndian.PutUint16(ip[4:6], id)
	ip[8] = 64
	ip[9] = proto
	copy(ip[12:16], net.ParseIP(src).To4())
	copy(ip[16:20], net.ParseIP(dst).To4())
	return append(b, l4...)
}

func echo(typ byte, id, seq uint16) []byte {
	b := []byte{typ, 0, 0, 0, 0, 0, 0, 0, 'n', 'e', 't'}
	binary.BigEndian.PutUint16(b[4:6], id)
	binary.BigEndian.PutUint16(b[6:8], seq)
	return b
}

func tcpSeg(sp, dp int, seq uint32, flags byte) []byte {
	b := make([]byte, 20)
	binary.BigEndian.PutUint16(b[0:2], uint16(sp))
	binary.BigEndian.PutUint16(b[2:4], uint16(dp))
	binary.BigEndian.PutUint32(b[4:8], seq)
	b[12] = 5 << 4
	b[13] = flags
	return b
}

func arpReq(srcMAC, spa, tpa string) []byte {
	b := make([]byte, 14+28)
	copy(b[0:6], []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	m, _ := net.ParseMAC(srcMAC)
	copy(b[6:12], m)
	binary.BigEndian.PutUint16(b[12:14], 0x0806)
	a := b[14:]
	binary.BigEndian.PutUint16(a[0:2], 1)
	binary.BigEndian.PutUint16(a[2:4], 0x0800)
	a[4], a[5] = 6, 4
	binary.BigEndian.PutUint16(a[6:8], 1)
	copy(a[8:14], m)
	copy(a[14:18], net.ParseIP(spa).To4())
	copy(a[24:28], net.ParseIP(tpa).To4())
	return b
}

const (
	redMAC  = "02:00:00:00:00:02"
	hostMAC = "02:00:00:00:00:01"
	outMAC  = "02:00:00:00:00:09"
)

// natSnap is the nat lesson's topology as the snapshot holds it.
func natSnap() *engine.Snapshot {
	return &engine.Snapshot{Namespaces: []engine.Namespace{
		{Name: "host", Links: []engine.Link{
			{Name: "br0", Kind: "bridge", MAC: hostMAC, Addrs: []string{"11.11.11.1/24"}},
			{Name: "veth-red", Kind: "veth", Master: "br0", MAC: "02:00:00:00:00:a2", Peer: &engine.PeerRef{NS: "RED", Name: "eth0"}},
			{Name: "uplink", Kind: "veth", MAC: "02:00:00:00:00:08", Addrs: []string{"203.0.113.1/24"}, Peer: &engine.PeerRef{NS: "OUTSIDE", Name: "eth0"}},
		}, Routes: []engine.Route{{Dst: "11.11.11.0/24", Dev: "br0"}, {Dst: "203.0.113.0/24", Dev: "uplink"}}},
		{Name: "RED", Links: []engine.Link{{Name: "eth0", Kind: "veth", MAC: redMAC, Addrs: []string{"11.11.11.2/24"}, Peer: &engine.PeerRef{NS: "host", Name: "veth-red"}}},
			Routes: []engine.Route{{Dst: "default", Gw: "11.11.11.1", Dev: "eth0"}, {Dst: "11.11.11.0/24", Dev: "eth0"}}},
		{Name: "OUTSIDE", Links: []engine.Link{{Name: "eth0", Kind: "veth", MAC: outMAC, Addrs: []string{"203.0.113.2/24"}, Peer: &engine.PeerRef{NS: "host", Name: "uplink"}}}},
	}}
}

// describe is a packet as one line: its hops and rewrites.
func describe(o Observed) string {
	var parts []string
	for _, h := range o.Hops {
		s := fmt.Sprintf("%s/%s/%s %s>%s", h.NS, h.Dev, h.Dir, h.Src, h.Dst)
		if h.Rewrite != nil {
			undo := ""
			if h.Undo {
				undo = " undo"
			}
			s += fmt.Sprintf(" [%s %s%s %s→%s]", h.Rewrite.NS, h.Rewrite.Kind, undo, h.Rewrite.From, h.Rewrite.To)
		}
		parts = append(parts, s)
	}
	return o.Proto + ": " + strings.Join(parts, " | ")
}

func TestObserve(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	at := func(us int) time.Time { return t0.Add(time.Duration(us) * time.Microsecond) }
	req := func(id, seq uint16, src, dst string) []byte {
		return ipFrame(redMAC, 1, id, src, dst, echo(8, 77, seq))
	}
	rep := func(id, seq uint16, src, dst string) []byte {
		return ipFrame(outMAC, 1, id, src, dst, echo(0, 77, seq))
	}
	cases := []struct {
		name string
		snap *engine.Snapshot
		in   []Sighting
		want []string
	}{{
		name: "masquerade: one request on br0 and on OUTSIDE, the SNAT on the OUTSIDE hop",
		in: []Sighting{
			{NS: "host", Dev: "br0", Dir: "in", Time: at(0), Data: req(100, 1, "11.11.11.2", "203.0.113.2")},
			{NS: "OUTSIDE", Dev: "eth0", Dir: "in", Time: at(30), Data: req(100, 1, "203.0.113.1", "203.0.113.2")},
		},
		want: []string{"ICMP: host/br0/in 11.11.11.2>203.0.113.2 | OUTSIDE/eth0/in 203.0.113.1>203.0.113.2 [host snat 11.11.11.2→203.0.113.1]"},
	}, {
		name: "the reply undone by conntrack: the change is in host, where it arrived",
		in: []Sighting{
			{NS: "OUTSIDE", Dev: "eth0", Dir: "out", Time: at(0), Data: rep(900, 1, "203.0.113.2", "203.0.113.1")},
			{NS: "host", Dev: "br0", Dir: "out", Time: at(20), Data: rep(900, 1, "203.0.113.2", "11.11.11.2")},
		},
		want: []string{"ICMP: OUTSIDE/eth0/out 203.0.113.2>203.0.113.1 | host/br0/out 203.0.113.2>11.11.11.2 [host dnat 203.0.113.1→11.11.11.2]"},
	}, {
		name: "one time stamp on three points: the snapshot's links give the path order",
		snap: natSnap(),
		in: []Sighting{
			{NS: "host", Dev: "br0", Dir: "in", Time: at(5), Data: req(1, 1, "11.11.11.2", "203.0.113.2")},
			{NS: "host", Dev: "veth-red", Dir: "in", Time: at(5), Data: req(1, 1, "11.11.11.2", "203.0.113.2")},
			{NS: "RED", Dev: "eth0", Dir: "out", Time: at(6), Data: req(1, 1, "11.11.11.2", "203.0.113.2")},
		},
		want: []string{"ICMP: RED/eth0/out 11.11.11.2>203.0.113.2 | host/veth-red/in 11.11.11.2>203.0.113.2 | host/br0/in 11.11.11.2>203.0.113.2"},
	}, {
		name: "two pings of one id are two packets",
		in: []Sighting{
			{NS: "host", Dev: "br0", Dir: "in", Time: at(0), Data: req(1, 1, "11.11.11.2", "203.0.113.2")},
			{NS: "host", Dev: "br0", Dir: "in", Time: at(1000), Data: req(2, 2, "11.11.11.2", "203.0.113.2")},
			{NS: "OUTSIDE", Dev: "eth0", Dir: "in", Time: at(1010), Data: req(2, 2, "203.0.113.1", "203.0.113.2")},
		},
		want: []string{
			"ICMP: host/br0/in 11.11.11.2>203.0.113.2",
			"ICMP: host/br0/in 11.11.11.2>203.0.113.2 | OUTSIDE/eth0/in 203.0.113.1>203.0.113.2 [host snat 11.11.11.2→203.0.113.1]",
		},
	}, {
		name: "another IP ID is another packet, even with the same addresses",
		in: []Sighting{
			{NS: "host", Dev: "br0", Dir: "in", Time: at(0), Data: req(1, 1, "11.11.11.2", "203.0.113.2")},
			{NS: "OUTSIDE", Dev: "eth0", Dir: "in", Time: at(10), Data: req(7, 1, "11.11.11.2", "203.0.113.2")},
		},
		want: []string{"ICMP: host/br0/in 11.11.11.2>203.0.113.2", "ICMP: OUTSIDE/eth0/in 11.11.11.2>203.0.113.2"},
	}, {
		name: "both addresses changed: not confirmed as one packet",
		in: []Sighting{
			{NS: "host", Dev: "br0", Dir: "in", Time: at(0), Data: req(1, 1, "11.11.11.2", "203.0.113.2")},
			{NS: "OUTSIDE", Dev: "eth0", Dir: "in", Time: at(10), Data: req(1, 1, "203.0.113.1", "203.0.113.9")},
		},
		want: []string{"ICMP: host/br0/in 11.11.11.2>203.0.113.2", "ICMP: OUTSIDE/eth0/in 203.0.113.1>203.0.113.9"},
	}, {
		name: "the same frame twice at one point is a retransmission, two packets",
		in: []Sighting{
			{NS: "host", Dev: "br0", Dir: "in", Time: at(0), Data: req(1, 1, "11.11.11.2", "203.0.113.2")},
			{NS: "host", Dev: "br0", Dir: "in", Time: at(50), Data: req(1, 1, "11.11.11.2", "203.0.113.2")},
		},
		want: []string{"ICMP: host/br0/in 11.11.11.2>203.0.113.2", "ICMP: host/br0/in 11.11.11.2>203.0.113.2"},
	}, {
		name: "more than a second apart: two packets",
		in: []Sighting{
			{NS: "host", Dev: "br0", Dir: "in", Time: at(0), Data: req(1, 1, "11.11.11.2", "203.0.113.2")},
			{NS: "OUTSIDE", Dev: "eth0", Dir: "in", Time: at(2_000_000), Data: req(1, 1, "203.0.113.1", "203.0.113.2")},
		},
		want: []string{"ICMP: host/br0/in 11.11.11.2>203.0.113.2", "ICMP: OUTSIDE/eth0/in 203.0.113.1>203.0.113.2"},
	}, {
		name: "a flooded ARP request is one packet on every port",
		snap: natSnap(),
		in: []Sighting{
			{NS: "RED", Dev: "eth0", Dir: "out", Time: at(0), Data: arpReq(redMAC, "11.11.11.2", "11.11.11.3")},
			{NS: "host", Dev: "veth-red", Dir: "in", Time: at(1), Data: arpReq(redMAC, "11.11.11.2", "11.11.11.3")},
			{NS: "host", Dev: "br0", Dir: "in", Time: at(1), Data: arpReq(redMAC, "11.11.11.2", "11.11.11.3")},
		},
		want: []string{"ARP: RED/eth0/out 11.11.11.2>11.11.11.3 | host/veth-red/in 11.11.11.2>11.11.11.3 | host/br0/in 11.11.11.2>11.11.11.3"},
	}, {
		name: "TCP with a port remapped by SNAT",
		in: []Sighting{
			{NS: "host", Dev: "br0", Dir: "in", Time: at(0), Data: ipFrame(redMAC, 6, 5, "11.11.11.2", "203.0.113.2", tcpSeg(40000, 80, 1234, 0x02))},
			{NS: "OUTSIDE", Dev: "eth0", Dir: "in", Time: at(9), Data: ipFrame(hostMAC, 6, 5, "203.0.113.1", "203.0.113.2", tcpSeg(61000, 80, 1234, 0x02))},
		},
		want: []string{"TCP: host/br0/in 11.11.11.2>203.0.113.2 | OUTSIDE/eth0/in 203.0.113.1>203.0.113.2 [host snat 11.11.11.2:40000→203.0.113.1:61000]"},
	}, {
		name: "DNAT of a published port, seen coming in: the change is in host",
		in: []Sighting{
			{NS: "host", Dev: "uplink", Dir: "in", Time: at(0), Data: ipFrame(outMAC, 6, 9, "203.0.113.2", "203.0.113.1", tcpSeg(50000, 8080, 1, 0x02))},
			{NS: "WEB", Dev: "eth0", Dir: "in", Time: at(9), Data: ipFrame(hostMAC, 6, 9, "203.0.113.2", "172.17.0.2", tcpSeg(50000, 80, 1, 0x02))},
		},
		want: []string{"TCP: host/uplink/in 203.0.113.2>203.0.113.1 | WEB/eth0/in 203.0.113.2>172.17.0.2 [host dnat 203.0.113.1:8080→172.17.0.2:80]"},
	}, {
		name: "no direction from the capture: the snapshot's MACs tell it",
		snap: natSnap(),
		in: []Sighting{
			{NS: "RED", Dev: "eth0", Time: at(0), Data: req(3, 1, "11.11.11.2", "203.0.113.2")},
			{NS: "host", Dev: "veth-red", Time: at(2), Data: req(3, 1, "11.11.11.2", "203.0.113.2")},
		},
		want: []string{"ICMP: RED/eth0/out 11.11.11.2>203.0.113.2 | host/veth-red/in 11.11.11.2>203.0.113.2"},
	}}
	web := natSnap()
	web.Namespaces = append(web.Namespaces, engine.Namespace{Name: "WEB", Links: []engine.Link{{Name: "eth0", Addrs: []string{"172.17.0.2/16"}}}})
	cases = append(cases, struct {
		name string
		snap *engine.Snapshot
		in   []Sighting
		want []string
	}{
		name: "DNAT seen only outside and inside: made by the namespace that owns the published address",
		snap: web,
		in: []Sighting{
			{NS: "OUTSIDE", Dev: "eth0", Dir: "out", Time: at(0), Data: ipFrame(outMAC, 6, 9, "203.0.113.2", "203.0.113.1", tcpSeg(50000, 8080, 1, 0x02))},
			{NS: "WEB", Dev: "eth0", Dir: "in", Time: at(9), Data: ipFrame(hostMAC, 6, 9, "203.0.113.2", "172.17.0.2", tcpSeg(50000, 80, 1, 0x02))},
		},
		want: []string{"TCP: OUTSIDE/eth0/out 203.0.113.2>203.0.113.1 | WEB/eth0/in 203.0.113.2>172.17.0.2 [host dnat 203.0.113.1:8080→172.17.0.2:80]"},
	})
	cases = append(cases, struct {
		name string
		snap *engine.Snapshot
		in   []Sighting
		want []string
	}{
		name: "the reply's rewrite is the request's SNAT undone by conntrack",
		in: []Sighting{
			{NS: "host", Dev: "br0", Dir: "in", Time: at(0), Data: req(100, 1, "11.11.11.2", "203.0.113.2")},
			{NS: "OUTSIDE", Dev: "eth0", Dir: "in", Time: at(30), Data: req(100, 1, "203.0.113.1", "203.0.113.2")},
			{NS: "OUTSIDE", Dev: "eth0", Dir: "out", Time: at(50), Data: rep(900, 1, "203.0.113.2", "203.0.113.1")},
			{NS: "host", Dev: "br0", Dir: "out", Time: at(70), Data: rep(900, 1, "203.0.113.2", "11.11.11.2")},
		},
		want: []string{
			"ICMP: host/br0/in 11.11.11.2>203.0.113.2 | OUTSIDE/eth0/in 203.0.113.1>203.0.113.2 [host snat 11.11.11.2→203.0.113.1]",
			"ICMP: OUTSIDE/eth0/out 203.0.113.2>203.0.113.1 | host/br0/out 203.0.113.2>11.11.11.2 [host dnat undo 203.0.113.1→11.11.11.2]",
		},
	})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Observe(c.in, c.snap)
			var lines []string
			seen := map[int]bool{}
			for _, o := range got {
				lines = append(lines, describe(o))
				for _, i := range o.Sightings() {
					if seen[i] {
						t.Errorf("sighting %d in two packets", i)
					}
					seen[i] = true
				}
			}
			if len(seen) != len(c.in) {
				t.Errorf("%d of %d sightings placed", len(seen), len(c.in))
			}
			if strings.Join(lines, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
}

// TestObservedJourney: the journey of an observed packet carries its
// rewrite as a confirmed NAT, and the why comes from the snapshot.
func TestObservedJourney(t *testing.T) {
	t0 := time.Now()
	ss := []Sighting{
		{NS: "RED", Dev: "eth0", Dir: "out", Time: t0, Data: ipFrame(redMAC, 1, 4, "11.11.11.2", "203.0.113.2", echo(8, 1, 1))},
		{NS: "OUTSIDE", Dev: "eth0", Dir: "in", Time: t0.Add(time.Millisecond), Data: ipFrame(hostMAC, 1, 4, "203.0.113.1", "203.0.113.2", echo(8, 1, 1))},
	}
	obs := Observe(ss, natSnap())
	if len(obs) != 1 {
		t.Fatalf("%d packets, want 1", len(obs))
	}
	j := obs[0].Journey()
	if j.From != "RED" || j.To != "203.0.113.2" || len(j.Hops) != 2 {
		t.Fatalf("journey %+v", j)
	}
	if len(j.NAT) != 1 || j.NAT[0].Kind != "snat" || j.NAT[0].To != "203.0.113.1" || !j.NAT[0].Confirmed {
		t.Errorf("nat %+v", j.NAT)
	}
	if got := j.Hops[0].Why; got != "route default via 11.11.11.1 dev eth0" {
		t.Errorf("why of RED's hop: %q", got)
	}
	// A packet that arrives for another namespace is forwarded or not.
	hs := []Hop{{NS: "host", Dev: "br0", Dir: "in", Src: "11.11.11.2", Dst: "203.0.113.2"}}
	lab := natSnap()
	if got := observedWhy("en", envFromSnapshot(lab), hs, 0); got != "not for host and ip_forward=0: not forwarded" {
		t.Errorf("why with forwarding off: %q", got)
	}
	lab.Namespaces[0].Sysctl = map[string]string{"net.ipv4.ip_forward": "1"}
	if got := observedWhy("en", envFromSnapshot(lab), hs, 0); got != "ip_forward=1: forwarded, route 203.0.113.0/24 dev uplink" {
		t.Errorf("why with forwarding on: %q", got)
	}
	if got := j.Hops[1].Why; !strings.Contains(got, "203.0.113.2 is OUTSIDE's own address") {
		t.Errorf("why of OUTSIDE's hop: %q", got)
	}
	if ns := obs[0].Namespaces(); strings.Join(ns, " ") != "RED OUTSIDE" {
		t.Errorf("namespaces %v", ns)
	}
}

func TestTcpdump(t *testing.T) {
	for _, c := range []struct{ ns, dev, want string }{
		{"RED", "eth0", "ip netns exec RED tcpdump -ni eth0"},
		{"host", "br0", "tcpdump -ni br0"},
		{"", "uplink", "tcpdump -ni uplink"},
	} {
		if got := Tcpdump(c.ns, c.dev); got != c.want {
			t.Errorf("Tcpdump(%q, %q) = %q, want %q", c.ns, c.dev, got, c.want)
		}
	}
}

// BenchmarkObserve groups 10k sightings: 2500 MASQUERADEd pings, each
// seen as request and reply on br0 and on OUTSIDE's eth0.
func BenchmarkObserve(b *testing.B) {
	t0 := time.Now()
	var ss []Sighting
	for i := 0; i < 2500; i++ {
		at := t0.Add(time.Duration(i) * time.Millisecond)
		id := uint16(i)
		ss = append(ss,
			Sighting{NS: "host", Dev: "br0", Dir: "in", Time: at, Data: ipFrame(redMAC, 1, id, "11.11.11.2", "203.0.113.2", echo(8, 7, uint16(i)))},
			Sighting{NS: "OUTSIDE", Dev: "eth0", Dir: "in", Time: at.Add(10 * time.Microsecond), Data: ipFrame(hostMAC, 1, id, "203.0.113.1", "203.0.113.2", echo(8, 7, uint16(i)))},
			Sighting{NS: "OUTSIDE", Dev: "eth0", Dir: "out", Time: at.Add(20 * time.Microsecond), Data: ipFrame(outMAC, 1, id+30000, "203.0.113.2", "203.0.113.1", echo(0, 7, uint16(i)))},
			Sighting{NS: "host", Dev: "br0", Dir: "out", Time: at.Add(30 * time.Microsecond), Data: ipFrame(hostMAC, 1, id+30000, "203.0.113.2", "11.11.11.2", echo(0, 7, uint16(i)))})
	}
	snap := natSnap()
	b.ReportAllocs()
	for b.Loop() {
		if n := len(Observe(ss, snap)); n != 5000 {
			b.Fatalf("%d packets, want 5000", n)
		}
	}
}

package capture

import (
	"errors"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"golang.org/x/net/bpf"
)

// The cluster lessons' addresses (DESIGN.md): nodes on the underlay, pods
// in 10.244.0.0/16, flannel's VNI 1 on UDP 8472, Calico's VNI 4096 on 4789.
var (
	ipNode1  = net.IP{192, 168, 10, 101}
	ipNode2  = net.IP{192, 168, 10, 102}
	ipPodA   = net.IP{10, 244, 0, 2}
	ipPodB   = net.IP{10, 244, 1, 2}
	macNode1 = net.HardwareAddr{0x02, 0x00, 0xc0, 0xa8, 0x0a, 0x65}
	macNode2 = net.HardwareAddr{0x02, 0x00, 0xc0, 0xa8, 0x0a, 0x66}
	macVtep1 = net.HardwareAddr{0x5a, 0x00, 0x00, 0x00, 0x00, 0x01} // flannel.1 on NODE1
	macVtep2 = net.HardwareAddr{0x5a, 0x00, 0x00, 0x00, 0x00, 0x02}
)

// vxlanFrame wraps inner in Ethernet, IPv4, UDP (to dport) and a VXLAN
// header; from NODE1 to NODE2 unless back.
func vxlanFrame(back bool, sport, dport uint16, vni uint32, iflag bool, inner []byte) []byte {
	sm, dm, si, di := macNode1, macNode2, ipNode1, ipNode2
	if back {
		sm, dm, si, di = dm, sm, di, si
	}
	return serialize(eth(sm, dm, layers.EthernetTypeIPv4), ip4(si, di, layers.IPProtocolUDP),
		&layers.UDP{SrcPort: layers.UDPPort(sport), DstPort: layers.UDPPort(dport)},
		&layers.VXLAN{ValidIDFlag: iflag, VNI: vni}, gopacket.Payload(inner))
}

// vxlanFrames is a mix of what an overlay carries, on both VXLAN ports.
func vxlanFrames() []namedFrame {
	podEcho := func(back bool, typ uint8) []byte {
		sm, dm, si, di := macVtep1, macVtep2, ipPodA, ipPodB
		if back {
			sm, dm, si, di = dm, sm, di, si
		}
		return serialize(eth(sm, dm, layers.EthernetTypeIPv4), ip4(si, di, layers.IPProtocolICMPv4),
			&layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(typ, 0), Id: 1, Seq: 1}, payload(56))
	}
	syn := serialize(eth(macVtep1, macVtep2, layers.EthernetTypeIPv4), ip4(ipPodA, ipPodB, layers.IPProtocolTCP),
		&layers.TCP{SrcPort: 45000, DstPort: 80, Seq: 1000, SYN: true, Window: 64860, Options: []layers.TCPOption{
			{OptionType: layers.TCPOptionKindMSS, OptionLength: 4, OptionData: []byte{0x05, 0x82}}}})
	udp := serialize(eth(macVtep1, macVtep2, layers.EthernetTypeIPv4), ip4(ipPodA, ipPodB, layers.IPProtocolUDP),
		&layers.UDP{SrcPort: 40000, DstPort: 5000}, payload(10))
	dns := serialize(eth(macVtep1, macVtep2, layers.EthernetTypeIPv4), ip4(ipPodA, ipPodB, layers.IPProtocolUDP),
		&layers.UDP{SrcPort: 40001, DstPort: 53}, dnsQuery())
	arp := arpFrame(1, macVtep1, net.IP{10, 244, 0, 0}, net.HardwareAddr{0, 0, 0, 0, 0, 0}, net.IP{10, 244, 1, 0}, macBcast)
	echo6 := serialize(eth(macVtep1, macVtep2, layers.EthernetTypeIPv6), ip6(net.ParseIP("fd00:10:244::2"), net.ParseIP("fd00:10:244:1::2"), layers.IPProtocolICMPv6),
		&layers.ICMPv6{TypeCode: layers.CreateICMPv6TypeCode(128, 0)}, &layers.ICMPv6Echo{Identifier: 3, SeqNumber: 1}, payload(8))
	// Calico's VXLAN (VNI 4096, IANA's port) carried inside flannel's.
	nested := vxlanFrame(false, 50001, PortVXLAN, 4096, true, podEcho(false, 8))
	return []namedFrame{
		{"vx8472-echo-request", vxlanFrame(false, 41234, PortVXLANLinux, 1, true, podEcho(false, 8))},
		{"vx8472-echo-reply", vxlanFrame(true, 52011, PortVXLANLinux, 1, true, podEcho(true, 0))},
		{"vx8472-arp", vxlanFrame(false, 41235, PortVXLANLinux, 1, true, arp)},
		{"vx8472-tcp-syn", vxlanFrame(false, 41236, PortVXLANLinux, 1, true, syn)},
		{"vx8472-udp", vxlanFrame(false, 41237, PortVXLANLinux, 1, true, udp)},
		{"vx8472-dns", vxlanFrame(false, 41238, PortVXLANLinux, 1, true, dns)},
		{"vx8472-icmp6", vxlanFrame(false, 41239, PortVXLANLinux, 1, true, echo6)},
		{"vx4789-echo", vxlanFrame(false, 33000, PortVXLAN, 4096, true, podEcho(false, 8))},
		{"vx-nested", vxlanFrame(false, 41240, PortVXLANLinux, 1, true, nested)},
	}
}

// TestVXLANDecode: a frame to 8472 or 4789 with the I flag decodes into
// the outer layers and, in Inner, the inner frame's; without the I flag
// (or to another port) the UDP payload stays bytes.
func TestVXLANDecode(t *testing.T) {
	fr := vxlanFrames()
	d, err := Decode(fr[0].data)
	if err != nil {
		t.Fatal(err)
	}
	want := []gopacket.LayerType{layers.LayerTypeEthernet, layers.LayerTypeIPv4, layers.LayerTypeUDP, layers.LayerTypeVXLAN}
	if !sameLayers(d.Layers, want) || d.VXLAN.VNI != 1 || d.Inner == nil {
		t.Fatalf("outer layers %v, vni %d, inner %v", d.Layers, d.VXLAN.VNI, d.Inner != nil)
	}
	in := []gopacket.LayerType{layers.LayerTypeEthernet, layers.LayerTypeIPv4, layers.LayerTypeICMPv4, gopacket.LayerTypePayload}
	if !sameLayers(d.Inner.Layers, in) || !d.Inner.IP4.SrcIP.Equal(ipPodA) || d.Inner.ICMP4.Seq != 1 {
		t.Errorf("inner layers %v, src %v", d.Inner.Layers, d.Inner.IP4.SrcIP)
	}
	// The outer packet keeps its own fields: the inner decode has its own
	// layer structs.
	if !d.IP4.SrcIP.Equal(ipNode1) || d.UDP.DstPort != PortVXLANLinux {
		t.Errorf("outer overwritten: %v port %d", d.IP4.SrcIP, d.UDP.DstPort)
	}
	src, dst, proto := endpoints(d, newAddrCache())
	if src != "192.168.10.101" || dst != "192.168.10.102" || proto != "VXLAN" {
		t.Errorf("endpoints %s %s %s: a packet's addresses are the outer ones", src, dst, proto)
	}
	inner := fr[0].data[14+20+8+8:]
	for _, c := range []struct {
		name  string
		data  []byte
		vxlan bool
	}{
		{"8472 without the I flag", vxlanFrame(false, 41234, PortVXLANLinux, 1, false, inner), false},
		{"4789 without the I flag", vxlanFrame(false, 41234, PortVXLAN, 1, false, inner), false},
		{"another port", vxlanFrame(false, 41234, 8473, 1, true, inner), false},
		{"8472 as the source port", vxlanFrame(false, PortVXLANLinux, 41234, 1, true, inner), false},
		{"header cut short", vxlanFrame(false, 41234, PortVXLANLinux, 1, true, nil)[:14+20+8+6], false},
		{"4789", vxlanFrame(false, 41234, PortVXLAN, 7, true, inner), true},
	} {
		d, _ := Decode(c.data)
		if got := d.Has(layers.LayerTypeVXLAN); got != c.vxlan {
			t.Errorf("%s: decoded as VXLAN %v, want %v (layers %v)", c.name, got, c.vxlan, d.Layers)
		}
		if !c.vxlan && strings.Contains(Summary(c.data), "VXLAN") {
			t.Errorf("%s: summary %q", c.name, Summary(c.data))
		}
	}
	// A reused Decoder: a plain frame after a VXLAN one says nothing of
	// the tunnel (Has is false whatever Inner still holds).
	dec := NewDecoder()
	_, _ = dec.Decode(fr[0].data)
	d, _ = dec.Decode(frameByName("udp"))
	if d.Has(layers.LayerTypeVXLAN) {
		t.Error("a plain UDP frame decoded after a VXLAN one says VXLAN")
	}
}

func sameLayers(a, b []gopacket.LayerType) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func vxlanPackets(frames []namedFrame) []Packet {
	return framesAsPackets(frames)
}

// TestVXLANSummaryMatchesTcpdump is the truth oracle for the summaries.
// The frames, written to a pcap as they are (raw bytes, outer headers and
// all), read back in `tcpdump -n -T vxlan -r` with the same outer line;
// the inner frames (the VXLAN payloads, written to a pcap of their own)
// read back in `tcpdump -n -r` with the same inner summaries. Where the
// inner packet has no UDP, tcpdump -T vxlan's whole output (its two lines
// joined by ": ") is ours. With an inner UDP datagram it is not, and that
// is where we differ on purpose: -T vxlan decodes every UDP datagram as
// VXLAN, the inner one too ("VXLAN, flags [invalid] (0x10), vni 1316118:
// [|ether]" for a datagram to port 5000), while ours is decoded as UDP.
func TestVXLANSummaryMatchesTcpdump(t *testing.T) {
	frames := vxlanFrames()
	pkts := vxlanPackets(frames)
	file := writeTemp(t, "vxlan.pcap", func(f *os.File) error { return WritePcap(f, pkts) })
	lines := tcpdumpLines(t, file, "-T", "vxlan")
	if len(lines) != len(pkts) {
		t.Fatalf("tcpdump read %d packets, we wrote %d:\n%q", len(lines), len(pkts), lines)
	}
	var inner []Packet
	for i, p := range pkts {
		d, _ := Decode(p.Data)
		if d.Inner == nil || !d.Has(layers.LayerTypeVXLAN) {
			t.Fatalf("%s: not decoded as VXLAN", frames[i].name)
		}
		in := append([]byte(nil), d.VXLAN.Payload...)
		inner = append(inner, Packet{Time: p.Time, Data: in, Len: len(in)})
	}
	innerFile := writeTemp(t, "inner.pcap", func(f *os.File) error { return WritePcap(f, inner) })
	innerLines := tcpdumpLines(t, innerFile)
	if len(innerLines) != len(pkts) {
		t.Fatalf("tcpdump read %d inner packets, we wrote %d", len(innerLines), len(pkts))
	}
	for i, p := range pkts {
		tn, ok := SplitVXLAN(p.Summary)
		if !ok {
			t.Errorf("%s: summary %q does not split", frames[i].name, p.Summary)
			continue
		}
		if !strings.HasPrefix(lines[i], tn.Outer+": ") {
			t.Errorf("%s outer:\n ours:    %s\n tcpdump: %s", frames[i].name, tn.Outer, lines[i])
		}
		if tn.Inner != innerLines[i] {
			t.Errorf("%s inner:\n ours:    %s\n tcpdump: %s", frames[i].name, tn.Inner, innerLines[i])
		}
		d, _ := Decode(p.Data)
		if !d.Inner.Has(layers.LayerTypeUDP) && p.Summary != lines[i] {
			t.Errorf("%s:\n ours:    %s\n tcpdump: %s", frames[i].name, p.Summary, lines[i])
		}
	}
	want := "IP 192.168.10.101.41234 > 192.168.10.102.8472: VXLAN, flags [I] (0x08), vni 1: " +
		"IP 10.244.0.2 > 10.244.1.2: ICMP echo request, id 1, seq 1, length 64"
	if pkts[0].Summary != want {
		t.Errorf("summary\n got  %s\n want %s", pkts[0].Summary, want)
	}
}

// TestVXLANFilterMatchesTcpdump: a capture filter sees the outer packet,
// as tcpdump's does. For each expression the frames our filter (Go and
// BPF) selects are the ones `tcpdump -r FILE EXPR` prints.
func TestVXLANFilterMatchesTcpdump(t *testing.T) {
	frames := append(vxlanFrames(), namedFrame{"plain-udp", frameByName("udp")})
	pkts := vxlanPackets(frames)
	file := writeTemp(t, "vxlan.pcap", func(f *os.File) error { return WritePcap(f, pkts) })
	for _, expr := range []string{"udp", "icmp", "arp", "tcp", "udp port 8472", "port 4789", "host 192.168.10.102",
		"host 10.244.1.2", "dst host 192.168.10.101", "ether host 5a:00:00:00:00:01", "icmp or udp dst port 8472"} {
		f, err := CompileFilter(expr)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := f.BPF()
		if err != nil {
			t.Fatal(err)
		}
		prog, _ := bpf.Disassemble(raw)
		vm, err := bpf.NewVM(prog)
		if err != nil {
			t.Fatal(err)
		}
		// A packet is named by its addresses and ports (each frame has
		// its own source port), the part before the first ": ".
		key := func(s string) string { k, _, _ := strings.Cut(s, ": "); return k }
		var ours, theirs []string
		for i, fr := range frames {
			n, _ := vm.Run(fr.data)
			if (n > 0) != f.Match(fr.data) {
				t.Errorf("%q on %s: BPF and Go differ", expr, fr.name)
			}
			if f.Match(fr.data) {
				ours = append(ours, key(pkts[i].Summary))
			}
		}
		for _, l := range tcpdumpLines(t, file, expr) {
			theirs = append(theirs, key(l))
		}
		if len(ours) == 0 && !strings.HasPrefix(expr, "tcp") && !strings.HasPrefix(expr, "arp") && !strings.HasPrefix(expr, "icmp") &&
			!strings.HasPrefix(expr, "ether") && expr != "host 10.244.1.2" {
			t.Errorf("%q matched nothing", expr)
		}
		if strings.Join(ours, "\n") != strings.Join(theirs, "\n") {
			t.Errorf("%q:\n ours:    %q\n tcpdump: %q", expr, ours, theirs)
		}
	}
}

func TestSplitVXLAN(t *testing.T) {
	pkts := vxlanPackets(vxlanFrames())
	tn, ok := SplitVXLAN(pkts[0].Summary)
	if !ok {
		t.Fatalf("%q not split", pkts[0].Summary)
	}
	want := Tunnel{Outer: "IP 192.168.10.101.41234 > 192.168.10.102.8472: VXLAN, flags [I] (0x08), vni 1",
		Inner: "IP 10.244.0.2 > 10.244.1.2: ICMP echo request, id 1, seq 1, length 64",
		VNI:   1, Src: "192.168.10.101", Dst: "192.168.10.102", Dport: 8472}
	if tn != want {
		t.Errorf("got  %+v\nwant %+v", tn, want)
	}
	if got := tn.Tag(); got != "⊂ vxlan vni 1 192.168.10.101→192.168.10.102:8472" {
		t.Errorf("tag %q", got)
	}
	inner, ts := Innermost(pkts[len(pkts)-1].Summary) // vx-nested
	if len(ts) != 2 || ts[0].VNI != 1 || ts[1].VNI != 4096 || ts[1].Dport != 4789 ||
		inner != "IP 10.244.0.2 > 10.244.1.2: ICMP echo request, id 1, seq 1, length 64" {
		t.Errorf("nested: %q %+v", inner, ts)
	}
	for _, s := range []string{
		"IP 11.11.11.2.40000 > 11.11.11.3.5000: UDP, length 10",
		"ARP, Request who-has 11.11.11.3 tell 11.11.11.2, length 46",
		"",
		"IP 1.2.3.4.5 > 6.7.8.9.8472: VXLAN, flags [I] (0x08), vni x: IP",
	} {
		if _, ok := SplitVXLAN(s); ok {
			t.Errorf("%q split as VXLAN", s)
		}
	}
}

// TestVXLANDetail: the detail lists the outer layers, the VXLAN header
// with its VNI, then the inner frame's layers at depth 1, each located at
// its bytes in the frame.
func TestVXLANDetail(t *testing.T) {
	data := vxlanFrames()[0].data
	ls := Detail(data)
	var got []string
	for _, l := range ls {
		got = append(got, l.Short+"@"+itoa(l.Depth))
	}
	want := "Ethernet@0 IPv4@0 UDP@0 VXLAN@0 Ethernet@1 IPv4@1 ICMP@1 Data@1"
	if strings.Join(got, " ") != want {
		t.Fatalf("layers %s, want %s", strings.Join(got, " "), want)
	}
	if ls[3].Summary != "VNI: 1" || ls[3].Offset != 42 || ls[3].Length != 8 {
		t.Errorf("VXLAN layer %+v", ls[3])
	}
	if ls[4].Offset != 50 || ls[5].Summary != "Src: 10.244.0.2, Dst: 10.244.1.2" {
		t.Errorf("inner layers at %d: %+v", ls[4].Offset, ls[5])
	}
}

// TestVXLANLadder: the ladder draws a VXLAN packet between the nodes (the
// VTEPs), labelled with the tunnel and the packet it carries.
func TestVXLANLadder(t *testing.T) {
	pkts := vxlanPackets(vxlanFrames()[:2])
	hosts := map[string]string{"192.168.10.101": "NODE1", "192.168.10.102": "NODE2", "10.244.0.2": "POD-A", "10.244.1.2": "POD-B"}
	l := BuildLadder(pkts, hosts)
	if strings.Join(l.Columns, " ") != "NODE1 NODE2" {
		t.Errorf("columns %v", l.Columns)
	}
	if len(l.Arrows) != 2 || l.Arrows[0].Label != "vxlan vni 1: ICMP echo request id 1 seq 1" ||
		l.Arrows[1].Label != "vxlan vni 1: ICMP echo reply id 1 seq 1" || l.Arrows[1].From != 1 {
		t.Errorf("arrows %+v", l.Arrows)
	}
	out := RenderLadder(l, 100)
	if !strings.Contains(out, "vxlan vni 1: ICMP echo request id 1 seq 1") {
		t.Errorf("rendered:\n%s", out)
	}
}

// TestVXLANDecodeAllocs: decoding and summarising VXLAN frames allocates
// nothing once the decoder has met its first one.
func TestVXLANDecodeAllocs(t *testing.T) {
	frames := vxlanFrames()
	dec := NewDecoder()
	sum := NewSummarizer()
	buf := make([]byte, 0, 1024)
	pass := func() {
		for _, f := range frames {
			d, _ := dec.Decode(f.data)
			buf = sum.Append(buf[:0], d, len(f.data))
		}
	}
	pass()
	if a := testing.AllocsPerRun(100, pass); a != 0 {
		t.Errorf("%.1f allocations per pass over %d VXLAN frames, want 0", a, len(frames))
	}
}

// BenchmarkDecodeVXLANRatio decodes and summarises the existing mix
// (testFrames, as BenchmarkDecode) and a VXLAN mix in the same run, and
// reports both rates and their ratio (vxlan/base: a VXLAN frame is two
// frames' work, so about 0.5 is expected).
func BenchmarkDecodeVXLANRatio(b *testing.B) {
	base, vx := testFrames(), vxlanFrames()
	dec := NewDecoder()
	sum := NewSummarizer()
	buf := make([]byte, 0, 1024)
	run := func(frames []namedFrame, n int) time.Duration {
		t0 := time.Now()
		for i := 0; i < n; i++ {
			f := frames[i%len(frames)].data
			d, _ := dec.Decode(f)
			buf = sum.Append(buf[:0], d, len(f))
		}
		return time.Since(t0)
	}
	run(vx, len(vx)) // the inner decoder is made on the first VXLAN frame
	b.ReportAllocs()
	b.ResetTimer()
	var tb, tv time.Duration
	for done := 0; done < b.N; done += 1000 {
		n := min(1000, b.N-done)
		tb += run(base, n)
		tv += run(vx, n)
	}
	rb := float64(b.N) / tb.Seconds()
	rv := float64(b.N) / tv.Seconds()
	b.ReportMetric(rb, "base-pkts/s")
	b.ReportMetric(rv, "vxlan-pkts/s")
	b.ReportMetric(rv/rb, "vxlan/base")
}

// TestVXLANInnerFilter: "vxlan [VNI]" matches a VXLAN packet (with that
// VNI) and tests what follows on the frame inside; such a filter has no
// BPF form and runs in Go.
func TestVXLANInnerFilter(t *testing.T) {
	frames := append(vxlanFrames(), namedFrame{"plain-udp", frameByName("udp")}, namedFrame{"plain-echo", frameByName("icmp-echo-request")},
		namedFrame{"8472-no-iflag", vxlanFrame(false, 41234, PortVXLANLinux, 1, false, vxlanFrames()[0].data[50:])},
		namedFrame{"ip6-underlay", serialize(eth(macNode1, macNode2, layers.EthernetTypeIPv6), ip6(net.ParseIP("fd00::101"), net.ParseIP("fd00::102"), layers.IPProtocolUDP),
			&layers.UDP{SrcPort: 41299, DstPort: PortVXLANLinux}, &layers.VXLAN{ValidIDFlag: true, VNI: 1}, gopacket.Payload(vxlanFrames()[0].data[50:]))})
	pkts := vxlanPackets(frames)
	file := writeTemp(t, "inner-filter.pcap", func(f *os.File) error { return WritePcap(f, pkts) })
	key := func(s string) string { k, _, _ := strings.Cut(s, ": "); return k }
	cases := []struct {
		expr string
		want string // names of the frames matched, in table order
	}{
		{"vxlan", "vx8472-echo-request vx8472-echo-reply vx8472-arp vx8472-tcp-syn vx8472-udp vx8472-dns vx8472-icmp6 vx4789-echo vx-nested"},
		{"vxlan 4096", "vx4789-echo"},
		{"vxlan 1 and icmp", "vx8472-echo-request vx8472-echo-reply"},
		{"vxlan and icmp", "vx8472-echo-request vx8472-echo-reply vx4789-echo"},
		{"vxlan and dst host 10.244.1.2", "vx8472-echo-request vx8472-tcp-syn vx8472-udp vx8472-dns vx4789-echo"},
		{"vxlan and arp", "vx8472-arp"},
		{"vxlan and tcp port 80", "vx8472-tcp-syn"},
		{"vxlan and vxlan 4096 and icmp", "vx-nested"},
		{"icmp or vxlan and icmp6", "vx8472-icmp6 plain-echo"},
		{"udp port 8472 and not vxlan", "8472-no-iflag ip6-underlay"},
		{"vxlan and not icmp", "vx8472-arp vx8472-tcp-syn vx8472-udp vx8472-dns vx8472-icmp6 vx-nested"},
		{"vxlan and (udp or tcp) and dst port 53", "vx8472-dns"},
		{"vxlan and src port 45000", "vx8472-tcp-syn"},
		{"vxlan and udp dst port 4789", "vx-nested"},
		{"vxlan and ip6 and host fd00:10:244:1::2", "vx8472-icmp6"},
		{"vxlan and ether src host 5a:00:00:00:00:01 and not ip", "vx8472-arp vx8472-icmp6"},
		{"vxlan and src host 10.244.0.0", "vx8472-arp"},
		{"ip6 or vxlan 1 and icmp6", "vx8472-icmp6 ip6-underlay"},
	}
	for _, c := range cases {
		f, err := CompileFilter(c.expr)
		if err != nil {
			t.Fatalf("%q: %v", c.expr, err)
		}
		if _, err := f.BPF(); err == nil || !strings.Contains(err.Error(), "inside VXLAN") {
			t.Errorf("%q: BPF gave %v, want no BPF form", c.expr, err)
		}
		var got []string
		for _, fr := range frames {
			if f.Match(fr.data) {
				got = append(got, fr.name)
			}
		}
		if strings.Join(got, " ") != c.want {
			t.Errorf("%q matched\n %s\nwant\n %s", c.expr, strings.Join(got, " "), c.want)
		}
		// The oracle: the same filter in tcpdump 4.99's words selects
		// the same packets from the pcap.
		expr, ok := f.Tcpdump()
		if strings.Count(c.expr, "vxlan") > 1 {
			if ok {
				t.Errorf("%q: two tunnels deep, yet Tcpdump gave %q", c.expr, expr)
			}
			continue
		}
		if !ok {
			t.Errorf("%q: no tcpdump form", c.expr)
			continue
		}
		var ours, theirs []string
		for i, fr := range frames {
			if f.Match(fr.data) {
				ours = append(ours, key(pkts[i].Summary))
			}
		}
		for _, l := range tcpdumpLines(t, file, expr) {
			theirs = append(theirs, key(l))
		}
		if strings.Join(ours, "\n") != strings.Join(theirs, "\n") {
			t.Errorf("%q as %q:\n ours:    %q\n tcpdump: %q", c.expr, expr, ours, theirs)
		}
	}
	if e, _ := mustFilter(t, "udp port 8472").Tcpdump(); e != "udp port 8472" {
		t.Errorf("a filter without vxlan is given to tcpdump as it is, not as %q", e)
	}
	for _, bad := range []struct {
		expr string
		pos  int
	}{{"vxlan 16777216", 6}, {"vxlan 1 2", 8}} {
		_, err := CompileFilter(bad.expr)
		var fe *FilterError
		if !errors.As(err, &fe) || fe.Pos != bad.pos {
			t.Errorf("%q: %v, want an error at column %d", bad.expr, err, bad.pos+1)
		}
	}
}

func mustFilter(t *testing.T, expr string) *Filter {
	t.Helper()
	f, err := CompileFilter(expr)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

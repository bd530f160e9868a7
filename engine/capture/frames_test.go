package capture

import (
	"net"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// Synthetic frames for decoder, summary, filter and oracle tests. They use
// lab and documentation addresses only; nothing is sent anywhere.

var (
	macRed   = net.HardwareAddr{0x02, 0x00, 0x00, 0x00, 0x00, 0x02}
	macBlue  = net.HardwareAddr{0x02, 0x00, 0x00, 0x00, 0x00, 0x03}
	macBcast = net.HardwareAddr{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	ipRed    = net.IP{11, 11, 11, 2}
	ipBlue   = net.IP{11, 11, 11, 3}
	ipOut    = net.IP{203, 0, 113, 2}
	ip6Red   = net.ParseIP("fe80::2")
	ip6Blue  = net.ParseIP("fe80::3")
)

type namedFrame struct {
	name string
	data []byte
}

func serialize(ls ...gopacket.SerializableLayer) []byte {
	buf := gopacket.NewSerializeBuffer()
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	for _, l := range ls {
		switch t := l.(type) {
		case *layers.TCP:
			for _, n := range ls {
				if nl, ok := n.(gopacket.NetworkLayer); ok {
					_ = t.SetNetworkLayerForChecksum(nl)
				}
			}
		case *layers.UDP:
			for _, n := range ls {
				if nl, ok := n.(gopacket.NetworkLayer); ok {
					_ = t.SetNetworkLayerForChecksum(nl)
				}
			}
		case *layers.ICMPv6:
			for _, n := range ls {
				if nl, ok := n.(gopacket.NetworkLayer); ok {
					_ = t.SetNetworkLayerForChecksum(nl)
				}
			}
		}
	}
	if err := gopacket.SerializeLayers(buf, opts, ls...); err != nil {
		panic(err)
	}
	return append([]byte(nil), buf.Bytes()...)
}

func eth(src, dst net.HardwareAddr, t layers.EthernetType) *layers.Ethernet {
	return &layers.Ethernet{SrcMAC: src, DstMAC: dst, EthernetType: t}
}

func ip4(src, dst net.IP, p layers.IPProtocol) *layers.IPv4 {
	return &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Flags: layers.IPv4DontFragment, Protocol: p, SrcIP: src, DstIP: dst, Id: 4242}
}

func ip6(src, dst net.IP, p layers.IPProtocol) *layers.IPv6 {
	return &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: p, SrcIP: src, DstIP: dst}
}

func payload(n int) gopacket.Payload {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(0x10 + i)
	}
	return gopacket.Payload(b)
}

func arpFrame(op uint16, sha net.HardwareAddr, spa net.IP, tha net.HardwareAddr, tpa net.IP, dst net.HardwareAddr) []byte {
	return serialize(eth(sha, dst, layers.EthernetTypeARP), &layers.ARP{
		AddrType: layers.LinkTypeEthernet, Protocol: layers.EthernetTypeIPv4,
		HwAddressSize: 6, ProtAddressSize: 4, Operation: op,
		SourceHwAddress: sha, SourceProtAddress: spa, DstHwAddress: tha, DstProtAddress: tpa,
	})
}

func dnsQuery() *layers.DNS {
	return &layers.DNS{ID: 0x1234, RD: true, QDCount: 1, Questions: []layers.DNSQuestion{{Name: []byte("red.lab"), Type: layers.DNSTypeA, Class: layers.DNSClassIN}}}
}

func dnsAnswer() *layers.DNS {
	return &layers.DNS{ID: 0x1234, QR: true, RD: true, RA: true,
		Questions: []layers.DNSQuestion{{Name: []byte("red.lab"), Type: layers.DNSTypeA, Class: layers.DNSClassIN}},
		Answers: []layers.DNSResourceRecord{
			{Name: []byte("red.lab"), Type: layers.DNSTypeA, Class: layers.DNSClassIN, TTL: 60, IP: ipRed},
			{Name: []byte("red.lab"), Type: layers.DNSTypeA, Class: layers.DNSClassIN, TTL: 60, IP: ipBlue},
		}}
}

func testFrames() []namedFrame {
	zeroMAC := net.HardwareAddr{0, 0, 0, 0, 0, 0}
	synOpts := []layers.TCPOption{
		{OptionType: layers.TCPOptionKindMSS, OptionLength: 4, OptionData: []byte{0x05, 0xb4}},
		{OptionType: layers.TCPOptionKindSACKPermitted, OptionLength: 2},
		{OptionType: layers.TCPOptionKindTimestamps, OptionLength: 10, OptionData: []byte{0, 0, 0, 1, 0, 0, 0, 0}},
		{OptionType: layers.TCPOptionKindNop, OptionLength: 1},
		{OptionType: layers.TCPOptionKindWindowScale, OptionLength: 3, OptionData: []byte{7}},
	}
	tsOpts := []layers.TCPOption{
		{OptionType: layers.TCPOptionKindNop, OptionLength: 1},
		{OptionType: layers.TCPOptionKindNop, OptionLength: 1},
		{OptionType: layers.TCPOptionKindTimestamps, OptionLength: 10, OptionData: []byte{0, 0, 0, 2, 0, 0, 0, 1}},
	}
	icmpEcho := func(src, dst net.IP, t uint8, seq uint16) []byte {
		return serialize(eth(macRed, macBlue, layers.EthernetTypeIPv4), ip4(src, dst, layers.IPProtocolICMPv4),
			&layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(t, 0), Id: 7, Seq: seq}, payload(56))
	}
	vxInner := serialize(eth(macRed, macBlue, layers.EthernetTypeIPv4), ip4(net.IP{10, 0, 0, 1}, net.IP{10, 0, 0, 2}, layers.IPProtocolICMPv4),
		&layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(8, 0), Id: 9, Seq: 3}, payload(16))
	unreachInner := serialize(ip4(ipBlue, ipRed, layers.IPProtocolUDP), &layers.UDP{SrcPort: 40000, DstPort: 5000}, payload(4))
	var frames = []namedFrame{
		{"arp-request", arpFrame(1, macRed, ipRed, zeroMAC, ipBlue, macBcast)},
		{"arp-reply", arpFrame(2, macBlue, ipBlue, macRed, ipRed, macRed)},
		{"arp-gratuitous", arpFrame(1, macRed, ipRed, zeroMAC, ipRed, macBcast)},
		{"icmp-echo-request", icmpEcho(ipRed, ipBlue, 8, 1)},
		{"icmp-echo-reply", icmpEcho(ipBlue, ipRed, 0, 1)},
		{"icmp-port-unreachable", serialize(eth(macBlue, macRed, layers.EthernetTypeIPv4), ip4(ipRed, ipBlue, layers.IPProtocolICMPv4),
			&layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(3, 3)}, gopacket.Payload(unreachInner))},
		{"icmp-time-exceeded", serialize(eth(macBlue, macRed, layers.EthernetTypeIPv4), ip4(ipRed, ipBlue, layers.IPProtocolICMPv4),
			&layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(11, 0)}, gopacket.Payload(unreachInner))},
		{"tcp-syn", serialize(eth(macRed, macBlue, layers.EthernetTypeIPv4), ip4(ipRed, ipBlue, layers.IPProtocolTCP),
			&layers.TCP{SrcPort: 45678, DstPort: 80, Seq: 1000, SYN: true, Window: 64240, Options: synOpts})},
		{"tcp-synack", serialize(eth(macBlue, macRed, layers.EthernetTypeIPv4), ip4(ipBlue, ipRed, layers.IPProtocolTCP),
			&layers.TCP{SrcPort: 80, DstPort: 45678, Seq: 5000, Ack: 1001, SYN: true, ACK: true, Window: 65160, Options: synOpts})},
		{"tcp-ack", serialize(eth(macRed, macBlue, layers.EthernetTypeIPv4), ip4(ipRed, ipBlue, layers.IPProtocolTCP),
			&layers.TCP{SrcPort: 45678, DstPort: 80, Seq: 1001, Ack: 5001, ACK: true, Window: 502, Options: tsOpts})},
		{"tcp-data", serialize(eth(macRed, macBlue, layers.EthernetTypeIPv4), ip4(ipRed, ipBlue, layers.IPProtocolTCP),
			&layers.TCP{SrcPort: 45678, DstPort: 8080, Seq: 1001, Ack: 5001, ACK: true, PSH: true, Window: 502}, payload(100))},
		{"tcp-fin", serialize(eth(macRed, macBlue, layers.EthernetTypeIPv4), ip4(ipRed, ipBlue, layers.IPProtocolTCP),
			&layers.TCP{SrcPort: 45678, DstPort: 80, Seq: 1101, Ack: 5001, ACK: true, FIN: true, Window: 502})},
		{"tcp-rst", serialize(eth(macBlue, macRed, layers.EthernetTypeIPv4), ip4(ipBlue, ipRed, layers.IPProtocolTCP),
			&layers.TCP{SrcPort: 81, DstPort: 45679, Seq: 0, Ack: 1, ACK: true, RST: true})},
		{"udp", serialize(eth(macRed, macBlue, layers.EthernetTypeIPv4), ip4(ipRed, ipBlue, layers.IPProtocolUDP),
			&layers.UDP{SrcPort: 40000, DstPort: 5000}, payload(10))},
		{"dns-query", serialize(eth(macRed, macBlue, layers.EthernetTypeIPv4), ip4(ipRed, ipBlue, layers.IPProtocolUDP),
			&layers.UDP{SrcPort: 40001, DstPort: 53}, dnsQuery())},
		{"dns-answer", serialize(eth(macBlue, macRed, layers.EthernetTypeIPv4), ip4(ipBlue, ipRed, layers.IPProtocolUDP),
			&layers.UDP{SrcPort: 53, DstPort: 40001}, dnsAnswer())},
		{"nat-udp", serialize(eth(macRed, macBlue, layers.EthernetTypeIPv4), ip4(net.IP{203, 0, 113, 1}, ipOut, layers.IPProtocolUDP),
			&layers.UDP{SrcPort: 40000, DstPort: 5000}, payload(10))},
		{"icmp6-ns", serialize(eth(macRed, net.HardwareAddr{0x33, 0x33, 0xff, 0, 0, 3}, layers.EthernetTypeIPv6),
			ip6(ip6Red, net.ParseIP("ff02::1:ff00:3"), layers.IPProtocolICMPv6),
			&layers.ICMPv6{TypeCode: layers.CreateICMPv6TypeCode(135, 0)},
			&layers.ICMPv6NeighborSolicitation{TargetAddress: ip6Blue, Options: layers.ICMPv6Options{{Type: layers.ICMPv6OptSourceAddress, Data: macRed}}})},
		{"icmp6-na", serialize(eth(macBlue, macRed, layers.EthernetTypeIPv6), ip6(ip6Blue, ip6Red, layers.IPProtocolICMPv6),
			&layers.ICMPv6{TypeCode: layers.CreateICMPv6TypeCode(136, 0)},
			&layers.ICMPv6NeighborAdvertisement{Flags: 0x60, TargetAddress: ip6Blue, Options: layers.ICMPv6Options{{Type: layers.ICMPv6OptTargetAddress, Data: macBlue}}})},
		{"icmp6-echo", serialize(eth(macRed, macBlue, layers.EthernetTypeIPv6), ip6(ip6Red, ip6Blue, layers.IPProtocolICMPv6),
			&layers.ICMPv6{TypeCode: layers.CreateICMPv6TypeCode(128, 0)}, &layers.ICMPv6Echo{Identifier: 5, SeqNumber: 2}, payload(56))},
		{"icmp6-echo-reply", serialize(eth(macBlue, macRed, layers.EthernetTypeIPv6), ip6(ip6Blue, ip6Red, layers.IPProtocolICMPv6),
			&layers.ICMPv6{TypeCode: layers.CreateICMPv6TypeCode(129, 0)}, &layers.ICMPv6Echo{Identifier: 5, SeqNumber: 2}, payload(56))},
		{"icmp6-rs", serialize(eth(macRed, net.HardwareAddr{0x33, 0x33, 0, 0, 0, 2}, layers.EthernetTypeIPv6), ip6(ip6Red, net.ParseIP("ff02::2"), layers.IPProtocolICMPv6),
			&layers.ICMPv6{TypeCode: layers.CreateICMPv6TypeCode(133, 0)}, &layers.ICMPv6RouterSolicitation{})},
		{"udp6", serialize(eth(macRed, macBlue, layers.EthernetTypeIPv6), ip6(net.ParseIP("2001:db8::2"), net.ParseIP("2001:db8::3"), layers.IPProtocolUDP),
			&layers.UDP{SrcPort: 40000, DstPort: 5000}, payload(10))},
		{"tcp6-syn", serialize(eth(macRed, macBlue, layers.EthernetTypeIPv6), ip6(net.ParseIP("2001:db8::2"), net.ParseIP("2001:db8::3"), layers.IPProtocolTCP),
			&layers.TCP{SrcPort: 45000, DstPort: 443, Seq: 77, SYN: true, Window: 64800})},
		{"vxlan", serialize(eth(macRed, macBlue, layers.EthernetTypeIPv4), ip4(ipRed, ipBlue, layers.IPProtocolUDP),
			&layers.UDP{SrcPort: 50000, DstPort: 4789}, &layers.VXLAN{ValidIDFlag: true, VNI: 42}, gopacket.Payload(vxInner))},
		{"ip-gre", serialize(eth(macRed, macBlue, layers.EthernetTypeIPv4), ip4(ipRed, ipBlue, layers.IPProtocol(99)), payload(20))},
		{"ethertype-unknown", serialize(eth(macRed, macBlue, layers.EthernetType(0x88b5)), payload(46))},
	}
	frames = append(frames, moreFrames()...)
	return frames
}

// moreFrames are less common cases, still held to tcpdump's output.
func moreFrames() []namedFrame {
	frag := ip4(ipRed, ipBlue, layers.IPProtocolUDP)
	frag.Flags = layers.IPv4MoreFragments
	frag2 := ip4(ipRed, ipBlue, layers.IPProtocolUDP)
	frag2.FragOffset = 185
	withOpts := ip4(ipRed, ipBlue, layers.IPProtocolICMPv4)
	withOpts.Options = []layers.IPv4Option{{OptionType: 148, OptionLength: 4, OptionData: []byte{0, 0}}} // router alert
	hostUnreachInner := serialize(ip4(ipRed, net.IP{11, 11, 11, 9}, layers.IPProtocolICMPv4), &layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(8, 0), Id: 1, Seq: 1})
	tcpInner := serialize(ip4(ipRed, ipBlue, layers.IPProtocolTCP), &layers.TCP{SrcPort: 45000, DstPort: 81, Seq: 1, SYN: true})
	nx := &layers.DNS{ID: 77, QR: true, RD: true, RA: true, ResponseCode: layers.DNSResponseCodeNXDomain,
		Questions: []layers.DNSQuestion{{Name: []byte("nosuch.lab"), Type: layers.DNSTypeAAAA, Class: layers.DNSClassIN}}}
	cname := &layers.DNS{ID: 78, QR: true, AA: true, RD: true, RA: false,
		Questions: []layers.DNSQuestion{{Name: []byte("www.lab"), Type: layers.DNSTypeAAAA, Class: layers.DNSClassIN}},
		Answers: []layers.DNSResourceRecord{
			{Name: []byte("www.lab"), Type: layers.DNSTypeCNAME, Class: layers.DNSClassIN, TTL: 60, CNAME: []byte("blue.lab")},
			{Name: []byte("blue.lab"), Type: layers.DNSTypeAAAA, Class: layers.DNSClassIN, TTL: 60, IP: net.ParseIP("2001:db8::3")},
		}}
	multiQ := &layers.DNS{ID: 79, Questions: []layers.DNSQuestion{
		{Name: []byte("a.lab"), Type: layers.DNSTypeA, Class: layers.DNSClassIN},
		{Name: []byte("b.lab"), Type: layers.DNSTypeMX, Class: layers.DNSClassIN}}}
	sackOpts := []layers.TCPOption{
		{OptionType: layers.TCPOptionKindNop, OptionLength: 1},
		{OptionType: layers.TCPOptionKindNop, OptionLength: 1},
		{OptionType: layers.TCPOptionKindSACK, OptionLength: 10, OptionData: []byte{0, 0, 0x10, 0, 0, 0, 0x20, 0}},
	}
	frag6 := ip6(net.ParseIP("2001:db8::2"), net.ParseIP("2001:db8::3"), layers.IPProtocol(99))
	mld := ip6(ip6Red, net.ParseIP("ff02::16"), layers.IPProtocolIPv6HopByHop)
	mld.HopByHop = &layers.IPv6HopByHop{}
	mld.HopByHop.NextHeader = layers.IPProtocolICMPv6
	mld.HopByHop.Options = []*layers.IPv6HopByHopOption{{OptionType: 5, OptionLength: 2, OptionData: []byte{0, 0}}, {OptionType: 1, OptionLength: 0, OptionData: []byte{}}}
	mldBody := []byte{0, 0, 0, 1, 4, 0, 0, 0, 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0, 0, 3}
	return []namedFrame{
		{"ip-frag-first", serialize(eth(macRed, macBlue, layers.EthernetTypeIPv4), frag, payload(40))},
		{"ip-frag-later", serialize(eth(macRed, macBlue, layers.EthernetTypeIPv4), frag2, payload(40))},
		{"ip-options", serialize(eth(macRed, macBlue, layers.EthernetTypeIPv4), withOpts,
			&layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(8, 0), Id: 2, Seq: 3}, payload(8))},
		{"icmp-host-unreachable", serialize(eth(macBlue, macRed, layers.EthernetTypeIPv4), ip4(ipBlue, ipRed, layers.IPProtocolICMPv4),
			&layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(3, 1)}, gopacket.Payload(hostUnreachInner))},
		{"icmp-tcp-port-unreachable", serialize(eth(macBlue, macRed, layers.EthernetTypeIPv4), ip4(ipBlue, ipRed, layers.IPProtocolICMPv4),
			&layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(3, 3)}, gopacket.Payload(tcpInner))},
		{"icmp-timestamp", serialize(eth(macBlue, macRed, layers.EthernetTypeIPv4), ip4(ipBlue, ipRed, layers.IPProtocolICMPv4),
			&layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(13, 0)}, payload(12))},
		{"dns-nxdomain", serialize(eth(macBlue, macRed, layers.EthernetTypeIPv4), ip4(ipBlue, ipRed, layers.IPProtocolUDP),
			&layers.UDP{SrcPort: 53, DstPort: 40002}, nx)},
		{"dns-cname", serialize(eth(macBlue, macRed, layers.EthernetTypeIPv4), ip4(ipBlue, ipRed, layers.IPProtocolUDP),
			&layers.UDP{SrcPort: 53, DstPort: 40003}, cname)},
		{"dns-two-questions", serialize(eth(macRed, macBlue, layers.EthernetTypeIPv4), ip4(ipRed, ipBlue, layers.IPProtocolUDP),
			&layers.UDP{SrcPort: 40004, DstPort: 53}, multiQ)},
		{"tcp-sack-urg-ece", serialize(eth(macRed, macBlue, layers.EthernetTypeIPv4), ip4(ipRed, ipBlue, layers.IPProtocolTCP),
			&layers.TCP{SrcPort: 40100, DstPort: 22, Seq: 9, Ack: 10, ACK: true, URG: true, ECE: true, CWR: true, Urgent: 5, Window: 100, Options: sackOpts}, payload(10))},
		{"tcp-noflags", serialize(eth(macRed, macBlue, layers.EthernetTypeIPv4), ip4(ipRed, ipBlue, layers.IPProtocolTCP),
			&layers.TCP{SrcPort: 40101, DstPort: 23, Seq: 9, Window: 100})},
		{"ip6-unknown", serialize(eth(macRed, macBlue, layers.EthernetTypeIPv6), frag6, payload(20))},
		{"icmp6-mldv2", serialize(eth(macRed, net.HardwareAddr{0x33, 0x33, 0, 0, 0, 0x16}, layers.EthernetTypeIPv6), mld,
			&layers.ICMPv6{TypeCode: layers.CreateICMPv6TypeCode(143, 0)}, gopacket.Payload(mldBody))},
		{"arp-reply-gratuitous", arpFrame(2, macBlue, ipBlue, macBcast, ipBlue, macBcast)},
	}
}

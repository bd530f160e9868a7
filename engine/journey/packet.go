package journey

import (
	"encoding/binary"
	"net"
	"time"
)

// pkt is a captured frame reduced to what a journey needs.
type pkt struct {
	ns, dev string
	out     bool
	t       time.Time
	srcMAC  string
	dstMAC  string
	arp     bool
	arpOp   int // 1 request, 2 reply
	arpSPA  string
	arpTPA  string
	proto   uint8 // 1 icmp, 6 tcp, 17 udp
	src     string
	dst     string
	sport   int // tcp/udp port; for ICMP echo the id
	dport   int
	icmpTyp int // ICMP type (0 reply, 8 request, 3/11 errors)
	inner   *pkt
	tcpFlag uint8
	ipLen   int    // the IPv4 total length, as the sender made it
	udpData []byte // a UDP datagram's payload (within the snap length)
	// encap is the outer packet when this one arrived inside a VXLAN
	// datagram: the fields above are then the inner packet's, the MACs
	// the outer frame's (the devices that saw it are the underlay's).
	encap *Encap
}

// parseFrame decodes an Ethernet frame: ARP, or IPv4 with ICMP, TCP or
// UDP. Anything else gives nil. An ICMP error keeps the header of the
// packet it is about in inner, so an error can be tied to the probe.
func parseFrame(b []byte) *pkt { return parseFrameVX(b, nil) }

// vxlanPorts are the UDP ports decoded as VXLAN when no device names
// others: the IANA port and the one Linux and flannel use.
var vxlanPorts = map[int]bool{4789: true, 8472: true}

// parseFrameVX is parseFrame that also opens a UDP datagram to one of
// ports (VXLAN's, as the lab's devices use them) and returns the packet
// inside it, with the outer addresses in encap.
func parseFrameVX(b []byte, ports map[int]bool) *pkt {
	p := parseEth(b)
	if p == nil || p.proto != 17 || !ports[p.dport] || len(p.udpData) < 8+14 || p.udpData[0]&0x08 == 0 {
		if p != nil {
			p.udpData = nil
		}
		return p
	}
	d := p.udpData
	in := parseEth(d[8:])
	if in == nil || in.arp {
		// ARP inside the tunnel: its outer packet is what a journey
		// sees (a neighbour resolved across the overlay).
		p.udpData = nil
		return p
	}
	in.encap = &Encap{Kind: "vxlan", VNI: int(d[4])<<16 | int(d[5])<<8 | int(d[6]), Src: p.src, Dst: p.dst, Dport: p.dport}
	in.srcMAC, in.dstMAC = p.srcMAC, p.dstMAC
	in.udpData = nil
	return in
}

// vxlanInner is the frame inside b when b is a VXLAN datagram to one of
// the usual ports, with its outer packet; nil otherwise.
func vxlanInner(b []byte) ([]byte, *Encap) {
	p := parseEth(b)
	if p == nil || p.proto != 17 || !vxlanPorts[p.dport] || len(p.udpData) < 8+14 || p.udpData[0]&0x08 == 0 {
		return nil, nil
	}
	d := p.udpData
	return d[8:], &Encap{Kind: "vxlan", VNI: int(d[4])<<16 | int(d[5])<<8 | int(d[6]), Src: p.src, Dst: p.dst, Dport: p.dport}
}

func parseEth(b []byte) *pkt {
	if len(b) < 14 {
		return nil
	}
	p := &pkt{dstMAC: net.HardwareAddr(b[0:6]).String(), srcMAC: net.HardwareAddr(b[6:12]).String()}
	et := binary.BigEndian.Uint16(b[12:14])
	b = b[14:]
	if et == 0x8100 && len(b) >= 4 {
		et, b = binary.BigEndian.Uint16(b[2:4]), b[4:]
	}
	switch et {
	case 0x0806:
		if len(b) < 28 {
			return nil
		}
		p.arp = true
		p.arpOp = int(binary.BigEndian.Uint16(b[6:8]))
		p.arpSPA = net.IP(b[14:18]).String()
		p.arpTPA = net.IP(b[24:28]).String()
		return p
	case 0x0800:
		if !parseIP(p, b, true) {
			return nil
		}
		return p
	}
	return nil
}

func parseIP(p *pkt, b []byte, outer bool) bool {
	if len(b) < 20 || b[0]>>4 != 4 {
		return false
	}
	ihl := int(b[0]&0x0f) * 4
	if ihl < 20 || len(b) < ihl {
		return false
	}
	p.proto = b[9]
	p.ipLen = int(binary.BigEndian.Uint16(b[2:4]))
	p.src = net.IP(b[12:16]).String()
	p.dst = net.IP(b[16:20]).String()
	l4 := b[ihl:]
	switch p.proto {
	case 1:
		if len(l4) < 8 {
			return !outer
		}
		p.icmpTyp = int(l4[0])
		switch p.icmpTyp {
		case 0, 8:
			p.sport = int(binary.BigEndian.Uint16(l4[4:6]))
		case 3, 11:
			if outer {
				in := &pkt{}
				if parseIP(in, l4[8:], false) {
					p.inner = in
				}
			}
		}
	case 6, 17:
		if len(l4) < 4 {
			return !outer
		}
		p.sport = int(binary.BigEndian.Uint16(l4[0:2]))
		p.dport = int(binary.BigEndian.Uint16(l4[2:4]))
		if p.proto == 17 && outer && len(l4) > 8 {
			p.udpData = l4[8:]
		}
		if p.proto == 6 && len(l4) >= 14 {
			p.tcpFlag = l4[13]
		}
	}
	return true
}

// tuple is a flow's five-tuple as conntrack keeps it; ICMP has no ports.
type tuple struct {
	proto    uint8
	src, dst string
	sp, dp   int
}

func (t tuple) reverse() tuple { return tuple{t.proto, t.dst, t.src, t.dp, t.sp} }

func (p *pkt) tuple() tuple {
	if p.proto == 1 {
		// An echo and its reply carry the same id, checked apart: conntrack
		// as read here keeps no id, so ICMP tuples are addresses only.
		return tuple{1, p.src, p.dst, 0, 0}
	}
	return tuple{p.proto, p.src, p.dst, p.sport, p.dport}
}

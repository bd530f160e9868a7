package capture

import (
	"encoding/binary"
	"fmt"
	"net"
	"strings"
)

// Tcpdump returns an expression that tcpdump 4.99 (libpcap 1.10) takes and
// that selects the same packets as the filter: the expression itself when
// it has no "vxlan" keyword, which that libpcap lacks; otherwise the same
// tests written as byte comparisons relative to the outer UDP header
// (udp[8] is the VXLAN flags, udp[28:2] the inner ethertype, ...), the way
// people filter inside VXLAN with tcpdump. A lesson shows it in the command
// that watches its capture point, so the command works as typed. ok is
// false for a filter that looks more than one tunnel deep.
func (f *Filter) Tcpdump() (expr string, ok bool) {
	if !looksInside(f.root) {
		return f.expr, true
	}
	defer func() {
		if recover() != nil {
			expr, ok = "", false
		}
	}()
	return tcpdumpExpr(f.root), true
}

// Offsets inside a VXLAN packet, from the outer UDP header.
const (
	udpVXLAN    = 8                // the VXLAN header
	udpInnerEth = udpVXLAN + 8     // the inner Ethernet header
	udpInnerET  = udpInnerEth + 12 // the inner ethertype
	udpInnerL3  = udpInnerEth + 14 // the inner IP or ARP header
)

func tcpdumpExpr(n fnode) string {
	switch n := n.(type) {
	case andNode:
		return "(" + tcpdumpExpr(n.a) + " and " + tcpdumpExpr(n.b) + ")"
	case orNode:
		return "(" + tcpdumpExpr(n.a) + " or " + tcpdumpExpr(n.b) + ")"
	case notNode:
		return "not " + tcpdumpExpr(n.a)
	case vxlanNode:
		if n.depth != 0 {
			panic("vxlan in vxlan")
		}
		s := fmt.Sprintf("(ip and udp and (udp[2:2] = %d or udp[2:2] = %d) and udp[%d] & 0x08 != 0", PortVXLAN, PortVXLANLinux, udpVXLAN)
		if !n.anyVNI {
			s += fmt.Sprintf(" and udp[%d:4] & 0xffffff00 = 0x%x", udpVXLAN+4, n.vni<<8)
		}
		return s + ")"
	case innerNode:
		if n.depth != 1 {
			panic("vxlan in vxlan")
		}
		return innerExpr(n.n)
	}
	return outerExpr(n)
}

func dirWord(d direction) string {
	switch d {
	case dirSrc:
		return "src "
	case dirDst:
		return "dst "
	}
	return ""
}

// outerExpr writes a primitive back in pcap-filter's words.
func outerExpr(n fnode) string {
	switch n := n.(type) {
	case protoNode:
		return n.name
	case hostNode:
		return dirWord(n.dir) + "host " + n.ip.String()
	case etherNode:
		return "ether " + dirWord(n.dir) + "host " + n.mac.String()
	case portNode:
		p := ""
		if n.proto != "" {
			p = n.proto + " "
		}
		return fmt.Sprintf("%s%sport %d", p, dirWord(n.dir), n.port)
	}
	panic(fmt.Sprintf("capture: unknown filter node %T", n))
}

// cmpBytes compares the bytes at udp[off:] with b, 4, 2 or 1 at a time.
func cmpBytes(off int, b []byte) string {
	var parts []string
	for i := 0; i < len(b); {
		switch {
		case len(b)-i >= 4:
			parts = append(parts, fmt.Sprintf("udp[%d:4] = 0x%08x", off+i, binary.BigEndian.Uint32(b[i:])))
			i += 4
		case len(b)-i >= 2:
			parts = append(parts, fmt.Sprintf("udp[%d:2] = 0x%04x", off+i, binary.BigEndian.Uint16(b[i:])))
			i += 2
		default:
			parts = append(parts, fmt.Sprintf("udp[%d] = %d", off+i, b[i]))
			i++
		}
	}
	return "(" + strings.Join(parts, " and ") + ")"
}

func sidesExpr(d direction, src, dst string) string {
	switch d {
	case dirSrc:
		return src
	case dirDst:
		return dst
	}
	return "(" + src + " or " + dst + ")"
}

// innerExpr is a primitive tested on the frame inside a VXLAN packet,
// with the same meaning as eval gives it.
func innerExpr(n fnode) string {
	et := func(v uint16) string { return fmt.Sprintf("udp[%d:2] = 0x%04x", udpInnerET, v) }
	ip4 := func(rest string) string { return "(" + et(0x0800) + " and " + rest + ")" }
	ip6 := func(rest string) string { return "(" + et(0x86dd) + " and " + rest + ")" }
	ip4Proto := func(p int) string { return fmt.Sprintf("udp[%d] = %d", udpInnerL3+9, p) }
	ip6Proto := func(p int) string { // with at most one hop-by-hop header, as eval
		return fmt.Sprintf("(udp[%d] = %d or (udp[%d] = 0 and udp[%d] = %d))", udpInnerL3+6, p, udpInnerL3+6, udpInnerL3+40, p)
	}
	switch n := n.(type) {
	case andNode: // "tcp port 80" is one primitive made of two tests
		return "(" + innerExpr(n.a) + " and " + innerExpr(n.b) + ")"
	case protoNode:
		switch n.name {
		case "arp":
			return et(0x0806)
		case "ip":
			return et(0x0800)
		case "ip6":
			return et(0x86dd)
		case "icmp":
			return ip4(ip4Proto(1))
		case "icmp6":
			return ip6(ip6Proto(58))
		case "tcp", "udp":
			p := 6
			if n.name == "udp" {
				p = 17
			}
			return "(" + ip4(ip4Proto(p)) + " or " + ip6(ip6Proto(p)) + ")"
		}
	case hostNode:
		if v4 := n.ip.To4(); len(n.ip) == 4 && v4 != nil {
			return "(" + ip4(sidesExpr(n.dir, cmpBytes(udpInnerL3+12, v4), cmpBytes(udpInnerL3+16, v4))) + " or " +
				"(" + et(0x0806) + " and " + sidesExpr(n.dir, cmpBytes(udpInnerL3+14, v4), cmpBytes(udpInnerL3+24, v4)) + "))"
		}
		return ip6(sidesExpr(n.dir, cmpBytes(udpInnerL3+8, n.ip.To16()), cmpBytes(udpInnerL3+24, n.ip.To16())))
	case etherNode:
		return sidesExpr(n.dir, cmpBytes(udpInnerEth+6, net.HardwareAddr(n.mac)), cmpBytes(udpInnerEth, n.mac))
	case portNode:
		protos := func(at int) string {
			switch n.proto {
			case "tcp":
				return fmt.Sprintf("udp[%d] = 6", at)
			case "udp":
				return fmt.Sprintf("udp[%d] = 17", at)
			}
			return fmt.Sprintf("(udp[%d] = 6 or udp[%d] = 17)", at, at)
		}
		// The inner IPv4 header's length is in its first byte.
		l4 := fmt.Sprintf("%d + (udp[%d] & 0x0f) * 4", udpInnerL3, udpInnerL3)
		v4 := ip4(fmt.Sprintf("%s and udp[%d:2] & 0x1fff = 0 and %s", protos(udpInnerL3+9), udpInnerL3+6,
			sidesExpr(n.dir, fmt.Sprintf("udp[%s:2] = %d", l4, n.port), fmt.Sprintf("udp[%s + 2:2] = %d", l4, n.port))))
		v6 := ip6(fmt.Sprintf("%s and %s", protos(udpInnerL3+6),
			sidesExpr(n.dir, fmt.Sprintf("udp[%d:2] = %d", udpInnerL3+40, n.port), fmt.Sprintf("udp[%d:2] = %d", udpInnerL3+42, n.port))))
		return "(" + v4 + " or " + v6 + ")"
	}
	panic(fmt.Sprintf("capture: unknown filter node %T", n))
}

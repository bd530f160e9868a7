package engine

// The text `ip -d link` (iproute2 6.1) adds to a link's lines, rendered
// from the same netlink answer as the rest of `ip link`: promiscuity,
// allmulti and MTU bounds, the kind's own attributes (a VXLAN device's VNI,
// addresses, ports, learning, ttl, ageing, checksums), the IPv6 address
// generation mode, queue counts and GSO/TSO/GRO limits. Only the kinds the
// lessons show in detail are rendered (no kind, veth, vxlan); for anything
// else linkDetail names the tool to run instead (showSource.tool), so the
// text is never a guess. engine/fidelity_overlay_test.go holds each form
// against ip itself.

import (
	"encoding/binary"
	"fmt"
	"net"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// vxlanDetailKnown are the IFLA_VXLAN_* attributes vxlanDetail prints in
// ip's words (or knows ip leaves out); a device with any other attribute
// set is printed by ip itself.
var vxlanDetailKnown = map[uint16]bool{
	unix.IFLA_VXLAN_ID: true, unix.IFLA_VXLAN_GROUP: true, unix.IFLA_VXLAN_LINK: true, unix.IFLA_VXLAN_LOCAL: true,
	unix.IFLA_VXLAN_TTL: true, unix.IFLA_VXLAN_TOS: true, unix.IFLA_VXLAN_LEARNING: true, unix.IFLA_VXLAN_AGEING: true,
	unix.IFLA_VXLAN_LIMIT: true, unix.IFLA_VXLAN_PORT_RANGE: true, unix.IFLA_VXLAN_PROXY: true, unix.IFLA_VXLAN_RSC: true,
	unix.IFLA_VXLAN_L2MISS: true, unix.IFLA_VXLAN_L3MISS: true, unix.IFLA_VXLAN_PORT: true, unix.IFLA_VXLAN_UDP_CSUM: true,
	unix.IFLA_VXLAN_UDP_ZERO_CSUM6_TX: true, unix.IFLA_VXLAN_UDP_ZERO_CSUM6_RX: true, unix.IFLA_VXLAN_REMCSUM_TX: true,
	unix.IFLA_VXLAN_REMCSUM_RX: true, unix.IFLA_VXLAN_COLLECT_METADATA: true, unix.IFLA_VXLAN_LABEL: true,
	unix.IFLA_VXLAN_TTL_INHERIT: true, unix.IFLA_VXLAN_DF: true, unix.IFLA_VXLAN_VNIFILTER: true,
	// Newer than iproute2 6.1, which does not print them (33 is
	// IFLA_VXLAN_RESERVED_BITS, Linux 6.13, not yet named in x/sys).
	unix.IFLA_VXLAN_LOCALBYPASS: true, unix.IFLA_VXLAN_LABEL_POLICY: true, iflaVxlanReservedBits: true,
}

const iflaVxlanReservedBits = 33

// linkDetail is the `ip -d` text of one link, from " promiscuity" to the
// last limit; it sets s.tool (and returns "") for a link it cannot render.
func (s *showSource) linkDetail(l rawLink, byIndex map[int]rawLink) string {
	var info attrs
	kind := ""
	if li, ok := l.a[unix.IFLA_LINKINFO]; ok {
		info = parseAttrs(li)
		kind = info.str(unix.IFLA_INFO_KIND)
	}
	switch {
	case kind != "" && kind != "veth" && kind != "vxlan",
		info.has(unix.IFLA_INFO_SLAVE_KIND), // a bridge port: bridge_slave and its forty attributes
		l.a.has(unix.IFLA_PROP_LIST), l.a.has(unix.IFLA_IFALIAS), l.a.has(unix.IFLA_VFINFO_LIST),
		l.a.has(unix.IFLA_PROTO_DOWN) && l.a.u8(unix.IFLA_PROTO_DOWN) != 0,
		l.a.has(unix.IFLA_PHYS_PORT_NAME), l.a.has(unix.IFLA_PHYS_PORT_ID), l.a.has(unix.IFLA_PHYS_SWITCH_ID),
		l.a.has(unix.IFLA_PARENT_DEV_NAME):
		s.useTool()
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, " promiscuity %d ", l.a.u32(unix.IFLA_PROMISCUITY))
	if l.a.has(unix.IFLA_ALLMULTI) {
		fmt.Fprintf(&b, " allmulti %d ", l.a.u32(unix.IFLA_ALLMULTI))
	}
	if l.a.has(unix.IFLA_MIN_MTU) {
		fmt.Fprintf(&b, "minmtu %d ", l.a.u32(unix.IFLA_MIN_MTU))
	}
	if l.a.has(unix.IFLA_MAX_MTU) {
		fmt.Fprintf(&b, "maxmtu %d ", l.a.u32(unix.IFLA_MAX_MTU))
	}
	if kind != "" {
		b.WriteString("\n    " + kind + " ")
		if kind == "vxlan" {
			text, ok := vxlanDetail(parseAttrs(info[unix.IFLA_INFO_DATA]), byIndex)
			if !ok {
				s.useTool()
				return ""
			}
			b.WriteString(text)
		}
	}
	if as, ok := l.a[unix.IFLA_AF_SPEC]; ok {
		if in6, ok := parseAttrs(as)[unix.AF_INET6]; ok {
			if v := parseAttrs(in6); v.has(unix.IFLA_INET6_ADDR_GEN_MODE) {
				modes := []string{"eui64", "none", "stable_secret", "random"}
				if m := int(v.u8(unix.IFLA_INET6_ADDR_GEN_MODE)); m < len(modes) {
					b.WriteString("addrgenmode " + modes[m] + " ")
				} else {
					fmt.Fprintf(&b, "addrgenmode %#.2x ", m)
				}
			}
		}
	}
	for _, f := range []struct {
		t    uint16
		name string
	}{
		{unix.IFLA_NUM_TX_QUEUES, "numtxqueues"}, {unix.IFLA_NUM_RX_QUEUES, "numrxqueues"},
		{unix.IFLA_GSO_MAX_SIZE, "gso_max_size"}, {unix.IFLA_GSO_MAX_SEGS, "gso_max_segs"},
		{unix.IFLA_TSO_MAX_SIZE, "tso_max_size"}, {unix.IFLA_TSO_MAX_SEGS, "tso_max_segs"},
		{unix.IFLA_GRO_MAX_SIZE, "gro_max_size"},
	} {
		if l.a.has(f.t) {
			fmt.Fprintf(&b, "%s %d ", f.name, l.a.u32(f.t))
		}
	}
	return b.String()
}

// useTool has `ip -d link [show DEV]` run instead of the rendering.
func (s *showSource) useTool() {
	s.tool = []string{"ip", "-d", "link"}
	if s.dev != "" {
		s.tool = append(s.tool, "show", s.dev)
	}
}

// vxlanDetail is vxlan_print_opt of iproute2 6.1 for an IPv4 VXLAN device;
// ok is false for what it does not print here (IPv6 addresses, GBP, GPE,
// external/metadata devices, unknown attributes).
func vxlanDetail(d attrs, byIndex map[int]rawLink) (string, bool) {
	for t := range d {
		if !vxlanDetailKnown[t] {
			return "", false
		}
	}
	if d.u8(unix.IFLA_VXLAN_COLLECT_METADATA) != 0 || d.u8(unix.IFLA_VXLAN_VNIFILTER) != 0 {
		return "", false
	}
	var b strings.Builder
	if d.has(unix.IFLA_VXLAN_ID) {
		fmt.Fprintf(&b, "id %d ", d.u32(unix.IFLA_VXLAN_ID))
	}
	if v := d[unix.IFLA_VXLAN_GROUP]; len(v) == 4 && !net.IP(v).IsUnspecified() {
		if net.IP(v).IsMulticast() {
			b.WriteString("group " + net.IP(v).String() + " ")
		} else {
			b.WriteString("remote " + net.IP(v).String() + " ")
		}
	}
	if v := d[unix.IFLA_VXLAN_LOCAL]; len(v) == 4 && !net.IP(v).IsUnspecified() {
		b.WriteString("local " + net.IP(v).String() + " ")
	}
	if idx := int(d.u32(unix.IFLA_VXLAN_LINK)); idx != 0 {
		name := "if" + strconv.Itoa(idx)
		if p, ok := byIndex[idx]; ok {
			name = p.a.str(unix.IFLA_IFNAME)
		}
		b.WriteString("dev " + name + " ")
	}
	if v := d[unix.IFLA_VXLAN_PORT_RANGE]; len(v) >= 4 {
		fmt.Fprintf(&b, "srcport %d %d ", binary.BigEndian.Uint16(v[0:]), binary.BigEndian.Uint16(v[2:]))
	}
	if v := d[unix.IFLA_VXLAN_PORT]; len(v) >= 2 {
		fmt.Fprintf(&b, "dstport %d ", binary.BigEndian.Uint16(v))
	}
	if d.has(unix.IFLA_VXLAN_LEARNING) && d.u8(unix.IFLA_VXLAN_LEARNING) == 0 {
		b.WriteString("nolearning ")
	}
	for _, f := range []struct {
		t    uint16
		name string
	}{{unix.IFLA_VXLAN_PROXY, "proxy"}, {unix.IFLA_VXLAN_RSC, "rsc"}, {unix.IFLA_VXLAN_L2MISS, "l2miss"}, {unix.IFLA_VXLAN_L3MISS, "l3miss"}} {
		if d.u8(f.t) != 0 {
			b.WriteString(f.name + " ")
		}
	}
	if tos := d.u8(unix.IFLA_VXLAN_TOS); tos == 1 {
		b.WriteString("tos inherit ")
	} else if tos != 0 {
		fmt.Fprintf(&b, "tos %#x ", tos)
	}
	if d.u8(unix.IFLA_VXLAN_TTL_INHERIT) != 0 {
		b.WriteString("ttl inherit ")
	} else if d.has(unix.IFLA_VXLAN_TTL) {
		if ttl := d.u8(unix.IFLA_VXLAN_TTL); ttl != 0 {
			fmt.Fprintf(&b, "ttl %d ", ttl)
		} else {
			b.WriteString("ttl auto ")
		}
	}
	switch d.u8(unix.IFLA_VXLAN_DF) {
	case 1:
		b.WriteString("df set ")
	case 2:
		b.WriteString("df inherit ")
	}
	if v := d[unix.IFLA_VXLAN_LABEL]; len(v) >= 4 {
		if label := binary.BigEndian.Uint32(v); label != 0 {
			fmt.Fprintf(&b, "flowlabel %#x ", label)
		}
	}
	if d.has(unix.IFLA_VXLAN_AGEING) {
		if age := d.u32(unix.IFLA_VXLAN_AGEING); age == 0 {
			b.WriteString("ageing none ")
		} else {
			fmt.Fprintf(&b, "ageing %d ", age)
		}
	}
	if m := d.u32(unix.IFLA_VXLAN_LIMIT); m != 0 {
		fmt.Fprintf(&b, "maxaddr %d ", m)
	}
	for _, f := range []struct {
		t    uint16
		name string
	}{{unix.IFLA_VXLAN_UDP_CSUM, "udpcsum"}, {unix.IFLA_VXLAN_UDP_ZERO_CSUM6_TX, "udp6zerocsumtx"}, {unix.IFLA_VXLAN_UDP_ZERO_CSUM6_RX, "udp6zerocsumrx"}} {
		if d.has(f.t) {
			if d.u8(f.t) == 0 {
				b.WriteString("no")
			}
			b.WriteString(f.name + " ")
		}
	}
	if d.u8(unix.IFLA_VXLAN_REMCSUM_TX) != 0 {
		b.WriteString("remcsumtx ")
	}
	if d.u8(unix.IFLA_VXLAN_REMCSUM_RX) != 0 {
		b.WriteString("remcsumrx ")
	}
	return b.String(), true
}

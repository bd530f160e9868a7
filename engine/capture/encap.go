package capture

import (
	"strconv"
	"strings"
)

// A VXLAN packet's summary is tcpdump's two lines for it joined by ": ".
// `tcpdump -n -T vxlan` prints the outer packet on one line,
//
//	IP 192.168.10.101.41234 > 192.168.10.102.8472: VXLAN, flags [I] (0x08), vni 1
//
// and the inner frame's usual summary on the next, without a timestamp:
//
//	IP 10.244.0.2 > 10.244.1.2: ICMP echo request, id 1, seq 1, length 64
//
// A Packet keeps one line, so that every packet has one Summary that a
// test can hold to tcpdump's output and a list can sort and search; the
// views that have room (the packets pane, `run --plain`, the detail view)
// split it again with SplitVXLAN. Where this package differs from tcpdump
// -T vxlan: tcpdump decodes every UDP datagram as VXLAN when told -T vxlan
// (and port 4789 whatever its flags), while a datagram here is VXLAN only
// on destination port 4789 or 8472 with the I flag set (RFC 7348: the VNI
// is valid only then); anything else stays "UDP, length N", so a DNS or
// other UDP packet on the same wire keeps its own summary.

// Tunnel is what a VXLAN packet's summary says about its outer packet.
type Tunnel struct {
	Outer    string // tcpdump's first line: "IP a.sport > b.8472: VXLAN, flags [I] (0x08), vni 1"
	Inner    string // the inner frame's summary (itself a Tunnel's when nested)
	VNI      uint32
	Src, Dst string // the outer packet's IP addresses
	Dport    uint16 // the outer UDP destination port (4789 or 8472)
}

// vxlanMark is what the Summarizer writes between the outer packet's
// addresses and the VXLAN header's fields.
const vxlanMark = ": VXLAN, flags ["

// SplitVXLAN splits a summary that this package wrote for a VXLAN packet
// into its outer and inner parts. ok is false for any other summary.
func SplitVXLAN(summary string) (t Tunnel, ok bool) {
	i := strings.Index(summary, vxlanMark)
	if i < 0 {
		return t, false
	}
	addrs := summary[:i]
	if !strings.HasPrefix(addrs, "IP ") && !strings.HasPrefix(addrs, "IP6 ") {
		return t, false
	}
	rest := summary[i+len(vxlanMark):]
	j := strings.Index(rest, "), vni ")
	if j < 0 {
		return t, false
	}
	vni := rest[j+len("), vni "):]
	k := 0
	for k < len(vni) && vni[k] >= '0' && vni[k] <= '9' {
		k++
	}
	n, err := strconv.ParseUint(vni[:k], 10, 32)
	if err != nil || !strings.HasPrefix(vni[k:], ": ") {
		return t, false
	}
	t.VNI = uint32(n)
	t.Outer = summary[:len(summary)-len(vni)+k]
	t.Inner = strings.TrimLeft(vni[k+2:], " ")
	src, dst, found := strings.Cut(addrs, " > ")
	if !found {
		return t, false
	}
	// "IP [truncated-ip - N bytes missing! ]a.b.c.d.PORT": the last field.
	if f := strings.Fields(src); len(f) > 0 {
		src = f[len(f)-1]
	}
	var sp, dp string
	t.Src, sp = cutPort(src)
	t.Dst, dp = cutPort(dst)
	p, err := strconv.ParseUint(dp, 10, 16)
	if err != nil || sp == "" {
		return t, false
	}
	t.Dport = uint16(p)
	return t, true
}

// cutPort splits tcpdump's "address.port".
func cutPort(s string) (addr, port string) {
	i := strings.LastIndexByte(s, '.')
	if i < 0 {
		return s, ""
	}
	return s[:i], s[i+1:]
}

// Tag is the short line that says a packet travelled inside this tunnel,
// e.g. "⊂ vxlan vni 1 192.168.10.101→192.168.10.102:8472": the VNI, the
// tunnel endpoints (the VTEPs) and the UDP port, without the source port,
// which the sender picks per flow from a hash of the inner headers.
func (t Tunnel) Tag() string {
	return "⊂ vxlan vni " + strconv.FormatUint(uint64(t.VNI), 10) + " " + t.Src + "→" + t.Dst + ":" + strconv.FormatUint(uint64(t.Dport), 10)
}

// Innermost follows nested tunnels to the innermost summary and returns
// it with the tunnels crossed, outermost first (none for a plain packet).
func Innermost(summary string) (string, []Tunnel) {
	var ts []Tunnel
	for len(ts) < maxVXLANDepth+1 {
		t, ok := SplitVXLAN(summary)
		if !ok {
			break
		}
		ts = append(ts, t)
		summary = t.Inner
	}
	return summary, ts
}

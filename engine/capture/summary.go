package capture

import (
	"encoding/binary"
	"net/netip"
	"strconv"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// Summarizer writes one-line packet summaries in the style and field order
// of `tcpdump -n` (without -e or -v). Like tcpdump it keeps per-conversation
// TCP state so that, after the handshake, sequence and acknowledgement
// numbers are printed relative to the first ones seen. Not safe for
// concurrent use.
//
// Protocols covered: Ethernet (unknown ethertypes), ARP, IPv4, IPv6 (with a
// hop-by-hop header), ICMP, ICMPv6 (echo, neighbour and router discovery,
// MLD), TCP (flags, options), UDP, DNS (port 53), VXLAN (ports 4789 and
// 8472, see SplitVXLAN) and HTTP request/status lines on ports 80 and 8080.
// Other application protocols that tcpdump decodes by port (DHCP, NTP, ...)
// are shown as plain UDP/TCP. Frames cut short by the snapshot length end
// in "[|proto]" as in tcpdump; a TCP header whose options are cut is shown
// as " [|tcp]" alone, where tcpdump prints the fields it has first.
type Summarizer struct {
	tcp map[tcpConv]tcpSeqs
}

type tcpConv struct {
	src, dst [16]byte
	ports    uint32
}

type tcpSeqs struct{ seq, ack uint32 }

// maxTCPConvs bounds the relative-sequence table; it is reset when full.
const maxTCPConvs = 4096

// NewSummarizer returns a Summarizer with empty TCP state.
func NewSummarizer() *Summarizer {
	return &Summarizer{tcp: make(map[tcpConv]tcpSeqs)}
}

// Summary is a convenience: decode data and summarise it with fresh state.
func Summary(data []byte) string {
	d, _ := Decode(data)
	return string(NewSummarizer().Append(nil, d, len(data)))
}

// Append appends the summary of d to dst. wireLen is the frame's length on
// the wire (it may exceed len(d.Data) when the capture was cut at snaplen).
// It does not allocate once dst has room.
func (s *Summarizer) Append(dst []byte, d *Decoded, wireLen int) []byte {
	if len(d.Layers) == 0 || d.Layers[0] != layers.LayerTypeEthernet {
		return append(dst, " [|ether]"...)
	}
	if len(d.Layers) == 1 {
		switch d.Eth.EthernetType { // header cut short
		case layers.EthernetTypeARP:
			return append(dst, " [|arp]"...)
		case layers.EthernetTypeIPv4:
			return append(dst, "IP  [|ip]"...)
		case layers.EthernetTypeIPv6:
			return append(dst, " [|ip6]"...)
		}
		return s.appendEtherOnly(dst, d, wireLen)
	}
	switch d.Layers[1] {
	case layers.LayerTypeARP:
		return appendARP(dst, d, wireLen)
	case layers.LayerTypeIPv4, layers.LayerTypeIPv6:
		return s.appendIP(dst, d, wireLen)
	}
	return s.appendEtherOnly(dst, d, wireLen)
}

func (s *Summarizer) appendEtherOnly(dst []byte, d *Decoded, wireLen int) []byte {
	e := &d.Eth
	if e.EthernetType < 0x0600 && e.Length != 0 {
		dst = append(dst, "802.3, length "...)
		return strconv.AppendInt(dst, int64(wireLen), 10)
	}
	dst = appendMAC(dst, e.SrcMAC)
	dst = append(dst, " > "...)
	dst = appendMAC(dst, e.DstMAC)
	dst = append(dst, ", ethertype "...)
	switch e.EthernetType {
	case layers.EthernetTypeIPv4:
		dst = append(dst, "IPv4 (0x0800)"...)
	case layers.EthernetTypeIPv6:
		dst = append(dst, "IPv6 (0x86dd)"...)
	case layers.EthernetTypeARP:
		dst = append(dst, "ARP (0x0806)"...)
	default:
		dst = append(dst, "Unknown (0x"...)
		dst = appendHex16(dst, uint16(e.EthernetType))
		dst = append(dst, ')')
	}
	dst = append(dst, ", length "...)
	return strconv.AppendInt(dst, int64(wireLen), 10)
}

func appendARP(dst []byte, d *Decoded, wireLen int) []byte {
	a := &d.ARP
	dst = append(dst, "ARP, "...)
	ip4 := a.Protocol == layers.EthernetTypeIPv4 && a.ProtAddressSize == 4
	switch a.Operation {
	case 1:
		dst = append(dst, "Request who-has "...)
		dst = appendProtAddr(dst, a.DstProtAddress, ip4)
		if !allZero(a.DstHwAddress) {
			dst = append(dst, " ("...)
			dst = appendMAC(dst, a.DstHwAddress)
			dst = append(dst, ')')
		}
		dst = append(dst, " tell "...)
		dst = appendProtAddr(dst, a.SourceProtAddress, ip4)
	case 2:
		dst = append(dst, "Reply "...)
		dst = appendProtAddr(dst, a.SourceProtAddress, ip4)
		dst = append(dst, " is-at "...)
		dst = appendMAC(dst, a.SourceHwAddress)
	case 3:
		dst = append(dst, "Reverse Request who-is "...)
		dst = appendMAC(dst, a.DstHwAddress)
		dst = append(dst, " tell "...)
		dst = appendMAC(dst, a.SourceHwAddress)
	case 4:
		dst = append(dst, "Reverse Reply "...)
		dst = appendMAC(dst, a.DstHwAddress)
		dst = append(dst, " at "...)
		dst = appendProtAddr(dst, a.DstProtAddress, ip4)
	default:
		dst = append(dst, "Unknown ("...)
		dst = strconv.AppendUint(dst, uint64(a.Operation), 10)
		dst = append(dst, ')')
	}
	dst = append(dst, ", length "...)
	return strconv.AppendInt(dst, int64(wireLen-14), 10)
}

func appendProtAddr(dst []byte, a []byte, ip4 bool) []byte {
	if !ip4 || len(a) != 4 {
		return append(dst, "<wrong proto addr len>"...)
	}
	return appendIP(dst, a)
}

// appendIP appends a 4- or 16-byte address as tcpdump -n prints it.
func appendIP(dst []byte, ip []byte) []byte {
	switch len(ip) {
	case 4:
		for i, b := range ip {
			if i > 0 {
				dst = append(dst, '.')
			}
			dst = strconv.AppendUint(dst, uint64(b), 10)
		}
		return dst
	case 16:
		return netip.AddrFrom16([16]byte(ip)).AppendTo(dst)
	}
	return append(dst, '?')
}

const hexDigits = "0123456789abcdef"

func appendMAC(dst []byte, mac []byte) []byte {
	for i, b := range mac {
		if i > 0 {
			dst = append(dst, ':')
		}
		dst = append(dst, hexDigits[b>>4], hexDigits[b&15])
	}
	return dst
}

func appendHex16(dst []byte, v uint16) []byte {
	return append(dst, hexDigits[v>>12], hexDigits[v>>8&15], hexDigits[v>>4&15], hexDigits[v&15])
}

func allZero(b []byte) bool {
	for _, x := range b {
		if x != 0 {
			return false
		}
	}
	return true
}

// appendIP summarises an IPv4 or IPv6 packet: "IP src > dst: ...".
func (s *Summarizer) appendIP(dst []byte, d *Decoded, wireLen int) []byte {
	var src, dstIP []byte
	var proto layers.IPProtocol
	v6 := d.Layers[1] == layers.LayerTypeIPv6
	plen, _ := d.ipPayloadLen()
	if v6 {
		dst = append(dst, "IP6 "...)
		src, dstIP = d.IP6.SrcIP, d.IP6.DstIP
		proto = d.IP6.NextHeader
		if d.IP6.HopByHop != nil {
			proto = d.IP6.HopByHop.NextHeader
		}
	} else {
		dst = append(dst, "IP "...)
		if missing := int(d.IP4.Length) - (wireLen - 14); missing > 0 {
			dst = append(dst, "truncated-ip - "...)
			dst = strconv.AppendInt(dst, int64(missing), 10)
			dst = append(dst, " bytes missing! "...)
		}
		src, dstIP = d.IP4.SrcIP, d.IP4.DstIP
		proto = d.IP4.Protocol
	}
	var next gopacket.LayerType
	if len(d.Layers) > 2 {
		next = d.Layers[2]
	}
	laterFrag := !v6 && d.IP4.FragOffset != 0
	withPorts := next == layers.LayerTypeTCP || next == layers.LayerTypeUDP
	var sport, dport uint16
	if laterFrag {
		withPorts = false
	} else if withPorts {
		sport, dport = d.srcPort(next), d.dstPort(next)
	} else if proto == layers.IPProtocolTCP || proto == layers.IPProtocolUDP {
		// Header cut short: tcpdump still prints the ports it has.
		pl := d.IP4.Payload
		if v6 {
			pl = d.IP6.Payload
		}
		if len(pl) >= 4 {
			withPorts = true
			sport, dport = binary.BigEndian.Uint16(pl), binary.BigEndian.Uint16(pl[2:])
		}
	}
	dst = appendIP(dst, src)
	if withPorts {
		dst = append(dst, '.')
		dst = strconv.AppendUint(dst, uint64(sport), 10)
	}
	dst = append(dst, " > "...)
	dst = appendIP(dst, dstIP)
	if withPorts {
		dst = append(dst, '.')
		dst = strconv.AppendUint(dst, uint64(dport), 10)
	}
	dst = append(dst, ": "...)
	if v6 && d.IP6.HopByHop != nil {
		dst = append(dst, "HBH "...)
	}
	if laterFrag { // tcpdump -v would add "(frag id:len@offset)"
		dst = append(dst, "ip-proto-"...)
		return strconv.AppendUint(dst, uint64(proto), 10)
	}
	switch next {
	case layers.LayerTypeICMPv4:
		return appendICMP4(dst, d, plen)
	case layers.LayerTypeICMPv6:
		return appendICMP6(dst, d, plen)
	case layers.LayerTypeTCP:
		return s.appendTCP(dst, d, src, dstIP, plen)
	case layers.LayerTypeUDP:
		return s.appendUDP(dst, d, plen)
	}
	switch proto { // header cut short
	case layers.IPProtocolTCP:
		if !withPorts {
			return append(dst, "[|tcp]"...)
		}
		return append(dst, " [|tcp]"...)
	case layers.IPProtocolUDP:
		return append(dst, " [|udp]"...)
	case layers.IPProtocolICMPv4:
		return append(dst, " [|icmp]"...)
	case layers.IPProtocolICMPv6:
		return append(dst, " [|icmp6]"...)
	}
	dst = append(dst, " ip-proto-"...)
	dst = strconv.AppendUint(dst, uint64(proto), 10)
	dst = append(dst, ' ')
	return strconv.AppendInt(dst, int64(plen), 10)
}

func (d *Decoded) srcPort(t gopacket.LayerType) uint16 {
	if t == layers.LayerTypeTCP {
		return uint16(d.TCP.SrcPort)
	}
	return uint16(d.UDP.SrcPort)
}

func (d *Decoded) dstPort(t gopacket.LayerType) uint16 {
	if t == layers.LayerTypeTCP {
		return uint16(d.TCP.DstPort)
	}
	return uint16(d.UDP.DstPort)
}

var icmp4Types = [...]string{
	0: "echo reply", 3: "unreachable", 4: "source quench", 5: "redirect", 8: "echo request",
	11: "time exceeded", 12: "parameter problem", 13: "time stamp request", 14: "time stamp reply",
	15: "information request", 16: "information reply", 17: "address mask request", 18: "address mask reply",
}

func appendICMP4(dst []byte, d *Decoded, plen int) []byte {
	c := &d.ICMP4
	t, code := c.TypeCode.Type(), c.TypeCode.Code()
	dst = append(dst, "ICMP "...)
	switch t {
	case 0, 8:
		dst = append(dst, icmp4Types[t]...)
		dst = append(dst, ", id "...)
		dst = strconv.AppendUint(dst, uint64(c.Id), 10)
		dst = append(dst, ", seq "...)
		dst = strconv.AppendUint(dst, uint64(c.Seq), 10)
	case 3:
		if len(c.Payload) < 20 {
			return append(dst[:len(dst)-len("ICMP ")], " [|icmp]"...)
		}
		dst = appendUnreach(dst, code, c.Payload)
	case 13:
		dst = append(dst, "time stamp query id "...)
		dst = strconv.AppendUint(dst, uint64(c.Id), 10)
		dst = append(dst, " seq "...)
		dst = strconv.AppendUint(dst, uint64(c.Seq), 10)
	case 11:
		if len(c.Payload) < 20 {
			return append(dst[:len(dst)-len("ICMP ")], " [|icmp]"...)
		}
		if code == 1 {
			dst = append(dst, "ip reassembly time exceeded"...)
		} else {
			dst = append(dst, "time exceeded in-transit"...)
		}
	default:
		if int(t) < len(icmp4Types) && icmp4Types[t] != "" {
			dst = append(dst, icmp4Types[t]...)
		} else {
			dst = append(dst, "type-#"...)
			dst = strconv.AppendUint(dst, uint64(t), 10)
		}
	}
	dst = append(dst, ", length "...)
	return strconv.AppendInt(dst, int64(plen), 10)
}

// appendUnreach writes the ICMP destination-unreachable text, which quotes
// the offending packet's header (in inner).
func appendUnreach(dst []byte, code uint8, inner []byte) []byte {
	if len(inner) < 20 || inner[0]>>4 != 4 {
		dst = append(dst, "unreachable code "...)
		return strconv.AppendUint(dst, uint64(code), 10)
	}
	ihl := int(inner[0]&15) * 4
	proto := inner[9]
	idst := inner[16:20]
	switch code {
	case 0:
		dst = append(dst, "net "...)
		dst = appendIP(dst, idst)
		return append(dst, " unreachable"...)
	case 1:
		dst = append(dst, "host "...)
		dst = appendIP(dst, idst)
		return append(dst, " unreachable"...)
	case 2:
		dst = appendIP(dst, idst)
		dst = append(dst, " protocol "...)
		dst = strconv.AppendUint(dst, uint64(proto), 10)
		return append(dst, " unreachable"...)
	case 3:
		dst = appendIP(dst, idst)
		var port uint16
		if len(inner) >= ihl+4 {
			port = binary.BigEndian.Uint16(inner[ihl+2:])
		}
		switch proto {
		case 6:
			dst = append(dst, " tcp port "...)
		case 17:
			dst = append(dst, " udp port "...)
		default:
			dst = append(dst, " protocol "...)
			dst = strconv.AppendUint(dst, uint64(proto), 10)
			dst = append(dst, " port "...)
		}
		dst = strconv.AppendUint(dst, uint64(port), 10)
		return append(dst, " unreachable"...)
	case 4:
		dst = appendIP(dst, idst)
		dst = append(dst, " unreachable - need to frag"...)
		return dst
	case 13:
		dst = appendIP(dst, idst)
		return append(dst, " unreachable - admin prohibited filter"...)
	}
	dst = appendIP(dst, idst)
	dst = append(dst, " unreachable - code "...)
	return strconv.AppendUint(dst, uint64(code), 10)
}

func icmp6TypeName(t uint8) string {
	switch t {
	case 1:
		return "destination unreachable"
	case 2:
		return "packet too big"
	case 3:
		return "time exceeded in-transit"
	case 4:
		return "parameter problem"
	case 128:
		return "echo request"
	case 129:
		return "echo reply"
	case 130:
		return "multicast listener query"
	case 131:
		return "multicast listener report"
	case 132:
		return "multicast listener done"
	case 133:
		return "router solicitation"
	case 134:
		return "router advertisement"
	case 135:
		return "neighbor solicitation"
	case 136:
		return "neighbor advertisement"
	case 137:
		return "redirect"
	case 143:
		return "multicast listener report v2"
	}
	return ""
}

func appendICMP6(dst []byte, d *Decoded, plen int) []byte {
	t := d.ICMP6.TypeCode.Type()
	dst = append(dst, "ICMP6, "...)
	if name := icmp6TypeName(t); name != "" {
		dst = append(dst, name...)
	} else {
		dst = append(dst, "unknown icmp6 type ("...)
		dst = strconv.AppendUint(dst, uint64(t), 10)
		dst = append(dst, ')')
	}
	var sub gopacket.LayerType
	switch t {
	case 128, 129:
		sub = layers.LayerTypeICMPv6Echo
	case 134:
		sub = layers.LayerTypeICMPv6RouterAdvertisement
	case 135:
		sub = layers.LayerTypeICMPv6NeighborSolicitation
	case 136:
		sub = layers.LayerTypeICMPv6NeighborAdvertisement
	}
	if sub != 0 && !d.Has(sub) {
		return append(dst, " [|icmp6]"...)
	}
	switch {
	case (t == 128 || t == 129) && d.Has(layers.LayerTypeICMPv6Echo):
		dst = append(dst, ", id "...)
		dst = strconv.AppendUint(dst, uint64(d.ICMP6Echo.Identifier), 10)
		dst = append(dst, ", seq "...)
		dst = strconv.AppendUint(dst, uint64(d.ICMP6Echo.SeqNumber), 10)
	case t == 135 && d.Has(layers.LayerTypeICMPv6NeighborSolicitation):
		dst = append(dst, ", who has "...)
		dst = appendIP(dst, d.NS.TargetAddress)
	case t == 136 && d.Has(layers.LayerTypeICMPv6NeighborAdvertisement):
		dst = append(dst, ", tgt is "...)
		dst = appendIP(dst, d.NA.TargetAddress)
	case t == 143 && len(d.ICMP6.Payload) >= 4:
		dst = append(dst, ", "...)
		dst = strconv.AppendUint(dst, uint64(binary.BigEndian.Uint16(d.ICMP6.Payload[2:])), 10)
		dst = append(dst, " group record(s)"...)
	}
	dst = append(dst, ", length "...)
	return strconv.AppendInt(dst, int64(plen), 10)
}

// tcpFlagChars is tcpdump's order: F S R P . U E W.
var tcpFlagChars = [...]struct {
	c   byte
	set func(*layers.TCP) bool
}{
	{'F', func(t *layers.TCP) bool { return t.FIN }},
	{'S', func(t *layers.TCP) bool { return t.SYN }},
	{'R', func(t *layers.TCP) bool { return t.RST }},
	{'P', func(t *layers.TCP) bool { return t.PSH }},
	{'.', func(t *layers.TCP) bool { return t.ACK }},
	{'U', func(t *layers.TCP) bool { return t.URG }},
	{'E', func(t *layers.TCP) bool { return t.ECE }},
	{'W', func(t *layers.TCP) bool { return t.CWR }},
}

func (s *Summarizer) appendTCP(dst []byte, d *Decoded, src, dstIP []byte, plen int) []byte {
	t := &d.TCP.TCP
	dst = append(dst, "Flags ["...)
	n := len(dst)
	for _, f := range tcpFlagChars {
		if f.set(t) {
			dst = append(dst, f.c)
		}
	}
	if len(dst) == n {
		dst = append(dst, "none"...)
	}
	dst = append(dst, ']')
	seq, ack := t.Seq, t.Ack
	var ackBase uint32 // SACK blocks are printed relative to it
	if t.ACK && s != nil {
		seq, ack, ackBase = s.relative(src, dstIP, uint16(t.SrcPort), uint16(t.DstPort), seq, ack, t.SYN)
	}
	length := plen - int(t.DataOffset)*4
	if length < 0 {
		length = 0
	}
	if length > 0 || t.SYN || t.FIN || t.RST {
		dst = append(dst, ", seq "...)
		dst = strconv.AppendUint(dst, uint64(seq), 10)
		if length > 0 {
			dst = append(dst, ':')
			dst = strconv.AppendUint(dst, uint64(seq+uint32(length)), 10)
		}
	}
	if t.ACK {
		dst = append(dst, ", ack "...)
		dst = strconv.AppendUint(dst, uint64(ack), 10)
	}
	dst = append(dst, ", win "...)
	dst = strconv.AppendUint(dst, uint64(t.Window), 10)
	if t.URG {
		dst = append(dst, ", urg "...)
		dst = strconv.AppendUint(dst, uint64(t.Urgent), 10)
	}
	if len(t.Options) > 0 {
		dst = append(dst, ", options ["...)
		for i := range t.Options {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendTCPOption(dst, &t.Options[i], ackBase)
		}
		dst = append(dst, ']')
	}
	dst = append(dst, ", length "...)
	dst = strconv.AppendInt(dst, int64(length), 10)
	if length > 0 && (t.SrcPort == 80 || t.DstPort == 80 || t.SrcPort == 8080 || t.DstPort == 8080) {
		dst = append(dst, ": HTTP"...)
		if line := httpFirstLine(t.Payload); line != nil {
			dst = append(dst, ": "...)
			dst = append(dst, line...)
		}
	}
	return dst
}

// relative implements tcpdump's relative sequence numbers: the first packet
// with ACK set (or any SYN) of a conversation records the base numbers;
// later ones are printed relative to them.
func (s *Summarizer) relative(src, dst []byte, sport, dport uint16, seq, ack uint32, syn bool) (rseq, rack, ackBase uint32) {
	if s.tcp == nil {
		s.tcp = make(map[tcpConv]tcpSeqs)
	}
	var k tcpConv
	rev := false
	c := compareBytes(src, dst)
	if c > 0 || (c == 0 && sport > dport) {
		rev = true
		copy(k.src[:], dst)
		copy(k.dst[:], src)
		k.ports = uint32(dport)<<16 | uint32(sport)
	} else {
		copy(k.src[:], src)
		copy(k.dst[:], dst)
		k.ports = uint32(sport)<<16 | uint32(dport)
	}
	th, ok := s.tcp[k]
	if !ok || syn {
		if !ok && len(s.tcp) >= maxTCPConvs {
			clear(s.tcp)
		}
		if rev {
			th = tcpSeqs{seq: ack - 1, ack: seq}
		} else {
			th = tcpSeqs{seq: seq, ack: ack - 1}
		}
		s.tcp[k] = th
		if rev {
			return seq, ack, th.seq
		}
		return seq, ack, th.ack
	}
	if rev {
		return seq - th.ack, ack - th.seq, th.seq
	}
	return seq - th.seq, ack - th.ack, th.ack
}

func compareBytes(a, b []byte) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			if a[i] < b[i] {
				return -1
			}
			return 1
		}
	}
	return len(a) - len(b)
}

func appendTCPOption(dst []byte, o *layers.TCPOption, ackBase uint32) []byte {
	switch o.OptionType {
	case layers.TCPOptionKindEndList:
		return append(dst, "eol"...)
	case layers.TCPOptionKindNop:
		return append(dst, "nop"...)
	case layers.TCPOptionKindMSS:
		dst = append(dst, "mss "...)
		if len(o.OptionData) == 2 {
			dst = strconv.AppendUint(dst, uint64(binary.BigEndian.Uint16(o.OptionData)), 10)
		}
		return dst
	case layers.TCPOptionKindWindowScale:
		dst = append(dst, "wscale "...)
		if len(o.OptionData) == 1 {
			dst = strconv.AppendUint(dst, uint64(o.OptionData[0]), 10)
		}
		return dst
	case layers.TCPOptionKindSACKPermitted:
		return append(dst, "sackOK"...)
	case layers.TCPOptionKindSACK:
		dst = append(dst, "sack "...)
		n := len(o.OptionData) / 8
		dst = strconv.AppendInt(dst, int64(n), 10)
		for i := 0; i < n; i++ {
			b := o.OptionData[i*8:]
			dst = append(dst, " {"...)
			dst = strconv.AppendUint(dst, uint64(binary.BigEndian.Uint32(b)-ackBase), 10)
			dst = append(dst, ':')
			dst = strconv.AppendUint(dst, uint64(binary.BigEndian.Uint32(b[4:])-ackBase), 10)
			dst = append(dst, '}')
		}
		return dst
	case layers.TCPOptionKindTimestamps:
		dst = append(dst, "TS val "...)
		if len(o.OptionData) == 8 {
			dst = strconv.AppendUint(dst, uint64(binary.BigEndian.Uint32(o.OptionData)), 10)
			dst = append(dst, " ecr "...)
			dst = strconv.AppendUint(dst, uint64(binary.BigEndian.Uint32(o.OptionData[4:])), 10)
		}
		return dst
	}
	dst = append(dst, "unknown-"...)
	dst = strconv.AppendUint(dst, uint64(o.OptionType), 10)
	if len(o.OptionData) > 0 {
		dst = append(dst, " 0x"...)
		for _, b := range o.OptionData {
			dst = append(dst, hexDigits[b>>4], hexDigits[b&15])
		}
	}
	return dst
}

var httpMethods = [...]string{"GET ", "HEAD ", "POST ", "PUT ", "DELETE ", "OPTIONS ", "PATCH ", "CONNECT ", "TRACE ", "HTTP/"}

// httpFirstLine returns the request or status line if p starts with one.
func httpFirstLine(p []byte) []byte {
	ok := false
	for _, m := range httpMethods {
		if len(p) >= len(m) && string(p[:len(m)]) == m {
			ok = true
			break
		}
	}
	if !ok {
		return nil
	}
	for i, c := range p {
		if c == '\r' || c == '\n' {
			return p[:i]
		}
		if c < 0x20 || c > 0x7e {
			return nil
		}
	}
	return nil
}

func (s *Summarizer) appendUDP(dst []byte, d *Decoded, plen int) []byte {
	u := &d.UDP.UDP
	if u.Length < 8 {
		dst = append(dst, "truncated-udplength "...)
		return strconv.AppendUint(dst, uint64(u.Length), 10)
	}
	// As tcpdump: the UDP header's length is printed; payload decoders get
	// the smaller of it and what the IP header leaves.
	ulen := int(u.Length) - 8
	length := plen - 8
	if ulen < length {
		length = ulen
	}
	if len(d.Layers) > 3 {
		switch d.Layers[3] {
		case layers.LayerTypeDNS:
			return appendDNS(dst, &d.DNS, length)
		case layers.LayerTypeVXLAN:
			return s.appendVXLAN(dst, d)
		}
	}
	if (u.SrcPort == PortDNS || u.DstPort == PortDNS) && length > 0 {
		return appendDNSCut(dst, u.Payload)
	}
	dst = append(dst, "UDP, length "...)
	return strconv.AppendInt(dst, int64(ulen), 10)
}

// appendDNSCut prints what tcpdump prints of a DNS message cut short: the
// header when it is all there, then "[|domain]".
func appendDNSCut(dst []byte, p []byte) []byte {
	if len(p) < 12 {
		return append(dst, " [|domain]"...)
	}
	id := binary.BigEndian.Uint16(p)
	dst = strconv.AppendUint(dst, uint64(id), 10)
	dst = append(dst, dnsOps[p[2]>>3&15]...)
	if p[2]&0x80 != 0 {
		dst = append(dst, dnsRcodes[p[3]&15]...)
		if p[2]&0x04 != 0 {
			dst = append(dst, '*')
		}
		if p[3]&0x80 == 0 {
			dst = append(dst, '-')
		}
		if p[2]&0x02 != 0 {
			dst = append(dst, '|')
		}
		if qd := binary.BigEndian.Uint16(p[4:]); qd != 1 {
			dst = append(dst, " ["...)
			dst = strconv.AppendUint(dst, uint64(qd), 10)
			dst = append(dst, "q]"...)
		}
	} else {
		if p[2]&0x01 != 0 {
			dst = append(dst, '+')
		}
		if p[3]&0x10 != 0 {
			dst = append(dst, '%')
		}
		if b2 := binary.BigEndian.Uint16(p[2:]); b2&0x6cf != 0 {
			dst = append(dst, " [b2&3=0x"...)
			dst = strconv.AppendUint(dst, uint64(b2), 16)
			dst = append(dst, ']')
		}
		for i, tag := range [...]string{"q]", "a]", "n]", "au]"} {
			n := binary.BigEndian.Uint16(p[4+2*i:])
			if (i == 0 && n != 1) || (i > 0 && n != 0) {
				dst = append(dst, " ["...)
				dst = strconv.AppendUint(dst, uint64(n), 10)
				dst = append(dst, tag...)
			}
		}
	}
	return append(dst, " [|domain]"...)
}

func (s *Summarizer) appendVXLAN(dst []byte, d *Decoded) []byte {
	c := d.VXLAN.Contents
	flags := c[0]
	dst = append(dst, "VXLAN, flags ["...)
	if flags&0x08 != 0 {
		dst = append(dst, 'I')
	} else {
		dst = append(dst, '.')
	}
	dst = append(dst, "] (0x"...)
	dst = append(dst, hexDigits[flags>>4], hexDigits[flags&15])
	dst = append(dst, "), vni "...)
	dst = strconv.AppendUint(dst, uint64(d.VXLAN.VNI), 10)
	dst = append(dst, ": "...)
	if d.Inner != nil && len(d.VXLAN.Payload) > 0 {
		dst = s.Append(dst, d.Inner, len(d.VXLAN.Payload))
	} else {
		dst = append(dst, " [|ether]"...)
	}
	return dst
}

var dnsOps = [...]string{"", " inv_q", " stat", " op3", " notify", " update", " op6", " op7", " op8", " updateA", " updateD", " updateDA", " updateM", " updateMA", " zoneInit", " zoneRef"}
var dnsRcodes = [...]string{"", " FormErr", " ServFail", " NXDomain", " NotImp", " Refused", " YXDomain", " YXRRSet", " NXRRSet", " NotAuth", " NotZone", " Resp11", " Resp12", " Resp13", " Resp14", " NoChange"}

func dnsTypeName(t layers.DNSType) string {
	switch t {
	case 1:
		return "A"
	case 2:
		return "NS"
	case 5:
		return "CNAME"
	case 6:
		return "SOA"
	case 12:
		return "PTR"
	case 15:
		return "MX"
	case 16:
		return "TXT"
	case 28:
		return "AAAA"
	case 33:
		return "SRV"
	case 41:
		return "OPT"
	case 64:
		return "SVCB"
	case 65:
		return "HTTPS"
	case 255:
		return "ANY"
	}
	return ""
}

func appendDNSType(dst []byte, t layers.DNSType) []byte {
	if n := dnsTypeName(t); n != "" {
		return append(dst, n...)
	}
	dst = append(dst, "Type"...)
	return strconv.AppendUint(dst, uint64(t), 10)
}

func appendName(dst []byte, name []byte) []byte {
	dst = append(dst, name...)
	return append(dst, '.')
}

func appendDNS(dst []byte, m *layers.DNS, length int) []byte {
	raw := m.Contents
	dst = strconv.AppendUint(dst, uint64(m.ID), 10)
	dst = append(dst, dnsOps[m.OpCode&15]...)
	if m.QR {
		dst = append(dst, dnsRcodes[m.ResponseCode&15]...)
		if m.AA {
			dst = append(dst, '*')
		}
		if !m.RA {
			dst = append(dst, '-')
		}
		if m.TC {
			dst = append(dst, '|')
		}
		if m.QDCount != 1 {
			dst = append(dst, " ["...)
			dst = strconv.AppendUint(dst, uint64(m.QDCount), 10)
			dst = append(dst, "q]"...)
		}
		dst = append(dst, ' ')
		dst = strconv.AppendUint(dst, uint64(m.ANCount), 10)
		dst = append(dst, '/')
		dst = strconv.AppendUint(dst, uint64(m.NSCount), 10)
		dst = append(dst, '/')
		dst = strconv.AppendUint(dst, uint64(m.ARCount), 10)
		for i := range m.Answers {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendRR(dst, &m.Answers[i])
		}
	} else {
		if m.RD {
			dst = append(dst, '+')
		}
		if len(raw) > 3 && raw[3]&0x10 != 0 {
			dst = append(dst, '%')
		}
		if len(raw) > 3 {
			if b2 := binary.BigEndian.Uint16(raw[2:]); b2&0x6cf != 0 {
				dst = append(dst, " [b2&3=0x"...)
				dst = strconv.AppendUint(dst, uint64(b2), 16)
				dst = append(dst, ']')
			}
		}
		if m.QDCount != 1 {
			dst = append(dst, " ["...)
			dst = strconv.AppendUint(dst, uint64(m.QDCount), 10)
			dst = append(dst, "q]"...)
		}
		for _, c := range [...]struct {
			n   uint16
			tag string
		}{{m.ANCount, "a]"}, {m.NSCount, "n]"}, {m.ARCount, "au]"}} {
			if c.n != 0 {
				dst = append(dst, " ["...)
				dst = strconv.AppendUint(dst, uint64(c.n), 10)
				dst = append(dst, c.tag...)
			}
		}
		for i := range m.Questions {
			q := &m.Questions[i]
			dst = append(dst, ' ')
			dst = appendDNSType(dst, q.Type)
			dst = append(dst, "? "...)
			dst = appendName(dst, q.Name)
		}
	}
	dst = append(dst, " ("...)
	dst = strconv.AppendInt(dst, int64(length), 10)
	return append(dst, ')')
}

func appendRR(dst []byte, rr *layers.DNSResourceRecord) []byte {
	dst = append(dst, ' ')
	dst = appendDNSType(dst, rr.Type)
	switch rr.Type {
	case layers.DNSTypeA, layers.DNSTypeAAAA:
		dst = append(dst, ' ')
		dst = appendIP(dst, rr.IP)
	case layers.DNSTypeCNAME:
		dst = append(dst, ' ')
		dst = appendName(dst, rr.CNAME)
	case layers.DNSTypeNS:
		dst = append(dst, ' ')
		dst = appendName(dst, rr.NS)
	case layers.DNSTypePTR:
		dst = append(dst, ' ')
		dst = appendName(dst, rr.PTR)
	case layers.DNSTypeMX:
		dst = append(dst, ' ')
		dst = appendName(dst, rr.MX.Name)
		dst = append(dst, ' ')
		dst = strconv.AppendUint(dst, uint64(rr.MX.Preference), 10)
	}
	return dst
}

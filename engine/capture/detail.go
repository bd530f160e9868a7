package capture

import (
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// Field is one line of a layer's detail. Offset and Length locate its bytes
// in the frame (Length 0 when the field has no bytes of its own).
type Field struct {
	Name   string
	Value  string
	Offset int
	Length int
}

// Layer is one protocol layer of a frame, like a top-level node of
// Wireshark's packet tree. Offset and Length locate it in the frame; pass
// them to HexDump to mark its bytes.
type Layer struct {
	Name    string // e.g. "Internet Protocol Version 4"
	Short   string // e.g. "IPv4"
	Summary string // e.g. "Src: 11.11.11.2, Dst: 11.11.11.3"
	Fields  []Field
	Offset  int
	Length  int
	// Depth is 0 for the frame's own layers, 1 for those of the frame
	// inside a VXLAN packet (2 inside one inside that).
	Depth int
}

// Detail decodes data and returns its layers, outermost first. Bytes that
// no decoder understood come as a "Data" layer, bytes past the end of the
// last header's stated length as "Padding".
func Detail(data []byte) []Layer {
	d, _ := Decode(data)
	var out []Layer
	detailInto(&out, d, data)
	end := 0
	if len(out) > 0 {
		last := out[len(out)-1]
		end = last.Offset + last.Length
	}
	if len(out) == 0 {
		return []Layer{dataLayer(data, 0)}
	}
	if end < len(data) {
		// Bytes past the last header's stated length: Ethernet padding
		// (frames shorter than 60 bytes) or a trailer.
		p := dataLayer(data[end:], end)
		p.Name, p.Short = "Padding", "Padding"
		out = append(out, p)
	}
	return out
}

// offsetIn is where sub starts inside base (both share an array).
func offsetIn(base, sub []byte) int {
	if cap(sub) == 0 {
		return len(base)
	}
	return cap(base) - cap(sub)
}

func dataLayer(b []byte, off int) Layer {
	show := b
	more := ""
	if len(show) > 32 {
		show, more = show[:32], "..."
	}
	return Layer{Name: "Data", Short: "Data", Summary: fmt.Sprintf("%d bytes", len(b)), Offset: off, Length: len(b),
		Fields: []Field{{"Length", fmt.Sprint(len(b)), off, 0}, {"Data", hex.EncodeToString(show) + more, off, len(b)}}}
}

type fieldList struct {
	base int
	fs   []Field
}

func (l *fieldList) add(name string, value any, off, n int) {
	l.fs = append(l.fs, Field{Name: name, Value: fmt.Sprint(value), Offset: l.base + off, Length: n})
}

func detailInto(out *[]Layer, d *Decoded, base []byte) {
	start := len(*out)
	defer func() {
		// Layers of an inner frame were given their (greater) depth by
		// the call that listed them.
		for i := start; i < len(*out); i++ {
			(*out)[i].Depth = max((*out)[i].Depth, d.depth)
		}
	}()
	for _, t := range d.Layers {
		var L Layer
		var c []byte
		switch t {
		case layers.LayerTypeEthernet:
			c = d.Eth.Contents
			L = ethDetail(&d.Eth, offsetIn(base, c))
		case layers.LayerTypeARP:
			c = d.ARP.Contents
			L = arpDetail(&d.ARP, offsetIn(base, c))
		case layers.LayerTypeIPv4:
			c = d.IP4.Contents
			L = ip4Detail(&d.IP4.IPv4, offsetIn(base, c))
		case layers.LayerTypeIPv6:
			c = d.IP6.Contents
			L = ip6Detail(&d.IP6, offsetIn(base, c))
			*out = append(*out, L)
			if h := d.IP6.HopByHop; h != nil {
				off := L.Offset + 40
				fl := fieldList{base: off}
				fl.add("Next header", ipProtoName(h.NextHeader), 0, 1)
				fl.add("Length", fmt.Sprintf("%d (%d bytes)", h.ActualLength/8-1, h.ActualLength), 1, 1)
				for _, o := range h.Options {
					fl.add("Option", fmt.Sprintf("type %d, %d bytes", o.OptionType, o.OptionLength), 0, 0)
				}
				*out = append(*out, Layer{Name: "IPv6 Hop-by-Hop Option", Short: "HBH", Fields: fl.fs, Offset: off, Length: h.ActualLength})
			}
			continue
		case layers.LayerTypeICMPv4:
			c = d.ICMP4.Contents
			L = icmp4Detail(&d.ICMP4, offsetIn(base, c))
		case layers.LayerTypeICMPv6:
			c = d.ICMP6.Contents
			L = icmp6Detail(d, offsetIn(base, c))
		case layers.LayerTypeICMPv6Echo, layers.LayerTypeICMPv6NeighborSolicitation, layers.LayerTypeICMPv6NeighborAdvertisement,
			layers.LayerTypeICMPv6RouterSolicitation, layers.LayerTypeICMPv6RouterAdvertisement:
			// Shown inside the ICMPv6 layer.
			continue
		case layers.LayerTypeTCP:
			c = d.TCP.Contents
			L = tcpDetail(&d.TCP.TCP, offsetIn(base, c))
		case layers.LayerTypeUDP:
			c = d.UDP.Contents
			L = udpDetail(&d.UDP.UDP, offsetIn(base, c))
		case layers.LayerTypeDNS:
			c = d.DNS.Contents
			L = dnsDetail(&d.DNS, offsetIn(base, c))
		case layers.LayerTypeVXLAN:
			c = d.VXLAN.Contents
			off := offsetIn(base, c)
			fl := fieldList{base: off}
			fl.add("Flags", fmt.Sprintf("0x%02x (VNI valid: %v)", c[0], d.VXLAN.ValidIDFlag), 0, 1)
			fl.add("VXLAN Network Identifier (VNI)", d.VXLAN.VNI, 4, 3)
			*out = append(*out, Layer{Name: "Virtual eXtensible Local Area Network", Short: "VXLAN",
				Summary: fmt.Sprintf("VNI: %d", d.VXLAN.VNI), Fields: fl.fs, Offset: off, Length: len(c)})
			if d.Inner != nil {
				detailInto(out, d.Inner, base)
			}
			continue
		case gopacket.LayerTypePayload:
			if len(d.Payload) == 0 {
				continue
			}
			*out = append(*out, dataLayer(d.Payload, offsetIn(base, d.Payload)))
			continue
		default:
			continue
		}
		if L.Length == 0 {
			L.Length = len(c)
		}
		*out = append(*out, L)
	}
	// A payload that no decoder took (unknown ethertype or IP protocol).
	if n := len(d.Layers); n > 0 {
		if l := d.layer(d.Layers[n-1]); l != nil && d.Layers[n-1] != layers.LayerTypeVXLAN {
			if p := l.LayerPayload(); len(p) > 0 {
				*out = append(*out, dataLayer(p, offsetIn(base, p)))
			}
		}
	}
}

// layer returns the decoded layer struct for t, or nil.
func (d *Decoded) layer(t gopacket.LayerType) gopacket.Layer {
	switch t {
	case layers.LayerTypeEthernet:
		return &d.Eth
	case layers.LayerTypeIPv4:
		return &d.IP4.IPv4
	case layers.LayerTypeIPv6:
		return &d.IP6
	case layers.LayerTypeTCP:
		return &d.TCP
	case layers.LayerTypeUDP:
		return &d.UDP
	case layers.LayerTypeICMPv4:
		return &d.ICMP4
	}
	return nil
}

func ethTypeName(t layers.EthernetType) string {
	switch t {
	case layers.EthernetTypeIPv4:
		return "IPv4 (0x0800)"
	case layers.EthernetTypeIPv6:
		return "IPv6 (0x86dd)"
	case layers.EthernetTypeARP:
		return "ARP (0x0806)"
	}
	return fmt.Sprintf("0x%04x", uint16(t))
}

func ethDetail(e *layers.Ethernet, off int) Layer {
	fl := fieldList{base: off}
	fl.add("Destination", e.DstMAC, 0, 6)
	fl.add("Source", e.SrcMAC, 6, 6)
	fl.add("Type", ethTypeName(e.EthernetType), 12, 2)
	return Layer{Name: "Ethernet II", Short: "Ethernet", Summary: fmt.Sprintf("Src: %s, Dst: %s", e.SrcMAC, e.DstMAC),
		Fields: fl.fs, Offset: off, Length: len(e.Contents)}
}

func arpDetail(a *layers.ARP, off int) Layer {
	op := map[uint16]string{1: "request (1)", 2: "reply (2)"}[a.Operation]
	if op == "" {
		op = fmt.Sprint(a.Operation)
	}
	hw, pr := int(a.HwAddressSize), int(a.ProtAddressSize)
	addr := func(b []byte) string {
		if len(b) == 4 || len(b) == 16 {
			return string(appendIP(nil, b))
		}
		return string(appendMAC(nil, b))
	}
	fl := fieldList{base: off}
	fl.add("Hardware type", fmt.Sprintf("%s (%d)", a.AddrType, uint16(a.AddrType)), 0, 2)
	fl.add("Protocol type", ethTypeName(a.Protocol), 2, 2)
	fl.add("Hardware size", hw, 4, 1)
	fl.add("Protocol size", pr, 5, 1)
	fl.add("Opcode", op, 6, 2)
	fl.add("Sender MAC address", addr(a.SourceHwAddress), 8, hw)
	fl.add("Sender IP address", addr(a.SourceProtAddress), 8+hw, pr)
	fl.add("Target MAC address", addr(a.DstHwAddress), 8+hw+pr, hw)
	fl.add("Target IP address", addr(a.DstProtAddress), 8+2*hw+pr, pr)
	what := "request"
	if a.Operation == 2 {
		what = "reply"
	}
	return Layer{Name: "Address Resolution Protocol", Short: "ARP", Summary: what, Fields: fl.fs, Offset: off, Length: len(a.Contents)}
}

func ipProtoName(p layers.IPProtocol) string {
	names := map[layers.IPProtocol]string{0: "Hop-by-Hop", 1: "ICMP", 6: "TCP", 17: "UDP", 58: "ICMPv6", 47: "GRE", 50: "ESP"}
	if n, ok := names[p]; ok {
		return fmt.Sprintf("%s (%d)", n, p)
	}
	return fmt.Sprint(uint8(p))
}

func ip4Detail(ip *layers.IPv4, off int) Layer {
	fl := fieldList{base: off}
	fl.add("Version", ip.Version, 0, 1)
	fl.add("Header length", fmt.Sprintf("%d bytes (%d)", int(ip.IHL)*4, ip.IHL), 0, 1)
	fl.add("Type of service", fmt.Sprintf("0x%02x", ip.TOS), 1, 1)
	fl.add("Total length", ip.Length, 2, 2)
	fl.add("Identification", fmt.Sprintf("0x%04x (%d)", ip.Id, ip.Id), 4, 2)
	var flags []string
	if ip.Flags&layers.IPv4DontFragment != 0 {
		flags = append(flags, "DF")
	}
	if ip.Flags&layers.IPv4MoreFragments != 0 {
		flags = append(flags, "MF")
	}
	fl.add("Flags", "["+strings.Join(flags, ",")+"]", 6, 1)
	fl.add("Fragment offset", int(ip.FragOffset)*8, 6, 2)
	fl.add("Time to live", ip.TTL, 8, 1)
	fl.add("Protocol", ipProtoName(ip.Protocol), 9, 1)
	fl.add("Header checksum", fmt.Sprintf("0x%04x", ip.Checksum), 10, 2)
	fl.add("Source address", ip.SrcIP, 12, 4)
	fl.add("Destination address", ip.DstIP, 16, 4)
	return Layer{Name: "Internet Protocol Version 4", Short: "IPv4", Summary: fmt.Sprintf("Src: %s, Dst: %s", ip.SrcIP, ip.DstIP),
		Fields: fl.fs, Offset: off, Length: len(ip.Contents)}
}

func ip6Detail(ip *layers.IPv6, off int) Layer {
	fl := fieldList{base: off}
	fl.add("Version", ip.Version, 0, 1)
	fl.add("Traffic class", fmt.Sprintf("0x%02x", ip.TrafficClass), 0, 2)
	fl.add("Flow label", fmt.Sprintf("0x%05x", ip.FlowLabel), 1, 3)
	fl.add("Payload length", ip.Length, 4, 2)
	fl.add("Next header", ipProtoName(ip.NextHeader), 6, 1)
	fl.add("Hop limit", ip.HopLimit, 7, 1)
	fl.add("Source address", ip.SrcIP, 8, 16)
	fl.add("Destination address", ip.DstIP, 24, 16)
	return Layer{Name: "Internet Protocol Version 6", Short: "IPv6", Summary: fmt.Sprintf("Src: %s, Dst: %s", ip.SrcIP, ip.DstIP),
		Fields: fl.fs, Offset: off, Length: 40}
}

func icmp4Detail(c *layers.ICMPv4, off int) Layer {
	t := c.TypeCode.Type()
	name := "unknown"
	if int(t) < len(icmp4Types) && icmp4Types[t] != "" {
		name = icmp4Types[t]
	}
	fl := fieldList{base: off}
	fl.add("Type", fmt.Sprintf("%d (%s)", t, name), 0, 1)
	fl.add("Code", c.TypeCode.Code(), 1, 1)
	fl.add("Checksum", fmt.Sprintf("0x%04x", c.Checksum), 2, 2)
	if t == 0 || t == 8 {
		fl.add("Identifier", c.Id, 4, 2)
		fl.add("Sequence number", c.Seq, 6, 2)
	}
	return Layer{Name: "Internet Control Message Protocol", Short: "ICMP", Summary: name, Fields: fl.fs, Offset: off, Length: len(c.Contents)}
}

func icmp6Detail(d *Decoded, off int) Layer {
	c := &d.ICMP6
	t := c.TypeCode.Type()
	name := icmp6TypeName(t)
	if name == "" {
		name = "unknown"
	}
	fl := fieldList{base: off}
	fl.add("Type", fmt.Sprintf("%d (%s)", t, name), 0, 1)
	fl.add("Code", c.TypeCode.Code(), 1, 1)
	fl.add("Checksum", fmt.Sprintf("0x%04x", c.Checksum), 2, 2)
	length := 4
	var opts layers.ICMPv6Options
	switch {
	case d.Has(layers.LayerTypeICMPv6Echo):
		fl.add("Identifier", d.ICMP6Echo.Identifier, 4, 2)
		fl.add("Sequence number", d.ICMP6Echo.SeqNumber, 6, 2)
		length = 8
	case d.Has(layers.LayerTypeICMPv6NeighborSolicitation):
		fl.add("Target address", d.NS.TargetAddress, 8, 16)
		opts, length = d.NS.Options, 4+len(d.NS.Contents)
	case d.Has(layers.LayerTypeICMPv6NeighborAdvertisement):
		fl.add("Flags", fmt.Sprintf("0x%02x (router %v, solicited %v, override %v)", d.NA.Flags, d.NA.Router(), d.NA.Solicited(), d.NA.Override()), 4, 1)
		fl.add("Target address", d.NA.TargetAddress, 8, 16)
		opts, length = d.NA.Options, 4+len(d.NA.Contents)
	case d.Has(layers.LayerTypeICMPv6RouterSolicitation):
		opts, length = d.RS.Options, 4+len(d.RS.Contents)
	case d.Has(layers.LayerTypeICMPv6RouterAdvertisement):
		fl.add("Cur hop limit", d.RA.HopLimit, 4, 1)
		fl.add("Router lifetime", d.RA.RouterLifetime, 6, 2)
		opts, length = d.RA.Options, 4+len(d.RA.Contents)
	}
	for _, o := range opts {
		v := hex.EncodeToString(o.Data)
		if o.Type == layers.ICMPv6OptSourceAddress || o.Type == layers.ICMPv6OptTargetAddress {
			v = string(appendMAC(nil, o.Data))
		}
		fl.add("Option "+o.Type.String(), v, 0, 0)
	}
	if length < len(c.Contents) {
		length = len(c.Contents)
	}
	return Layer{Name: "Internet Control Message Protocol v6", Short: "ICMPv6", Summary: name, Fields: fl.fs, Offset: off, Length: length}
}

func tcpDetail(t *layers.TCP, off int) Layer {
	fl := fieldList{base: off}
	fl.add("Source port", uint16(t.SrcPort), 0, 2)
	fl.add("Destination port", uint16(t.DstPort), 2, 2)
	fl.add("Sequence number", t.Seq, 4, 4)
	fl.add("Acknowledgment number", t.Ack, 8, 4)
	fl.add("Header length", fmt.Sprintf("%d bytes (%d)", int(t.DataOffset)*4, t.DataOffset), 12, 1)
	var flags []string
	for _, f := range []struct {
		on   bool
		name string
	}{{t.CWR, "CWR"}, {t.ECE, "ECE"}, {t.URG, "URG"}, {t.ACK, "ACK"}, {t.PSH, "PSH"}, {t.RST, "RST"}, {t.SYN, "SYN"}, {t.FIN, "FIN"}} {
		if f.on {
			flags = append(flags, f.name)
		}
	}
	fl.add("Flags", strings.Join(flags, ", "), 13, 1)
	fl.add("Window", t.Window, 14, 2)
	fl.add("Checksum", fmt.Sprintf("0x%04x", t.Checksum), 16, 2)
	fl.add("Urgent pointer", t.Urgent, 18, 2)
	if len(t.Options) > 0 {
		var opts []string
		for i := range t.Options {
			opts = append(opts, string(appendTCPOption(nil, &t.Options[i], 0)))
		}
		fl.add("Options", strings.Join(opts, ", "), 20, int(t.DataOffset)*4-20)
	}
	return Layer{Name: "Transmission Control Protocol", Short: "TCP",
		Summary: fmt.Sprintf("Src Port: %d, Dst Port: %d, Flags: [%s]", t.SrcPort, t.DstPort, strings.Join(flags, ", ")),
		Fields:  fl.fs, Offset: off, Length: len(t.Contents)}
}

func udpDetail(u *layers.UDP, off int) Layer {
	fl := fieldList{base: off}
	fl.add("Source port", uint16(u.SrcPort), 0, 2)
	fl.add("Destination port", uint16(u.DstPort), 2, 2)
	fl.add("Length", u.Length, 4, 2)
	fl.add("Checksum", fmt.Sprintf("0x%04x", u.Checksum), 6, 2)
	return Layer{Name: "User Datagram Protocol", Short: "UDP", Summary: fmt.Sprintf("Src Port: %d, Dst Port: %d", u.SrcPort, u.DstPort),
		Fields: fl.fs, Offset: off, Length: len(u.Contents)}
}

func dnsDetail(m *layers.DNS, off int) Layer {
	fl := fieldList{base: off}
	fl.add("Transaction ID", fmt.Sprintf("0x%04x", m.ID), 0, 2)
	kind := "query"
	if m.QR {
		kind = "response"
	}
	fl.add("Flags", fmt.Sprintf("%s, opcode %d, rcode %s, RD %v, RA %v, AA %v, TC %v", kind, m.OpCode, m.ResponseCode, m.RD, m.RA, m.AA, m.TC), 2, 2)
	fl.add("Questions", m.QDCount, 4, 2)
	fl.add("Answer RRs", m.ANCount, 6, 2)
	fl.add("Authority RRs", m.NSCount, 8, 2)
	fl.add("Additional RRs", m.ARCount, 10, 2)
	for _, q := range m.Questions {
		fl.add("Query", fmt.Sprintf("%s: type %s, class %s", q.Name, q.Type, q.Class), 0, 0)
	}
	for _, sec := range []struct {
		name string
		rrs  []layers.DNSResourceRecord
	}{{"Answer", m.Answers}, {"Authority", m.Authorities}, {"Additional", m.Additionals}} {
		for i := range sec.rrs {
			rr := &sec.rrs[i]
			v := fmt.Sprintf("%s: type %s, class %s, ttl %d", rr.Name, rr.Type, rr.Class, rr.TTL)
			if s := strings.TrimSpace(string(appendRR(nil, rr))); strings.Contains(s, " ") {
				v += ", " + s[strings.Index(s, " ")+1:]
			}
			fl.add(sec.name, v, 0, 0)
		}
	}
	sum := kind
	if len(m.Questions) > 0 {
		sum += fmt.Sprintf(" 0x%04x %s %s", m.ID, m.Questions[0].Type, m.Questions[0].Name)
	}
	return Layer{Name: "Domain Name System", Short: "DNS", Summary: sum, Fields: fl.fs, Offset: off, Length: len(m.Contents)}
}

// HexLine is one line of a hex dump: 16 bytes from Offset. Bytes in
// [MarkStart, MarkEnd) (indexes within the line) are marked; MarkStart ==
// MarkEnd when none are.
type HexLine struct {
	Offset    int
	Bytes     []byte
	Hex       string // "45 00 00 54 ...", two spaces after the 8th byte
	ASCII     string // printable bytes, '.' for others
	MarkStart int
	MarkEnd   int
}

// HexCol returns the column in Hex where byte i (0..15) of the line starts.
func HexCol(i int) int {
	c := i * 3
	if i >= 8 {
		c++
	}
	return c
}

// String renders the line as "0000  45 00 ...  E..T". Marked bytes are
// put in [brackets] that take the place of the spaces around them, so
// columns line up whether or not a line is marked.
func (h HexLine) String() string {
	const hexW = 16*3 + 1 // room for a closing bracket after byte 15
	line := []byte(fmt.Sprintf("%04x  %-*s  %s", h.Offset, hexW, h.Hex, h.ASCII))
	if h.MarkEnd > h.MarkStart {
		const base = 6
		line[base+HexCol(h.MarkStart)-1] = '['
		line[base+HexCol(h.MarkEnd-1)+2] = ']'
	}
	return string(line)
}

// HexDump splits data into lines of 16 bytes and marks [markStart,
// markEnd) (frame offsets; pass a layer's Offset and Offset+Length).
func HexDump(data []byte, markStart, markEnd int) []HexLine {
	var out []HexLine
	for off := 0; off < len(data); off += 16 {
		end := off + 16
		if end > len(data) {
			end = len(data)
		}
		row := data[off:end]
		var hx, asc strings.Builder
		for i, c := range row {
			if i == 8 {
				hx.WriteByte(' ')
			}
			if i > 0 {
				hx.WriteByte(' ')
			}
			hx.WriteByte(hexDigits[c>>4])
			hx.WriteByte(hexDigits[c&15])
			if c >= 0x20 && c < 0x7f {
				asc.WriteByte(c)
			} else {
				asc.WriteByte('.')
			}
		}
		l := HexLine{Offset: off, Bytes: row, Hex: hx.String(), ASCII: asc.String()}
		s, e := markStart-off, markEnd-off
		if s < 0 {
			s = 0
		}
		if e > len(row) {
			e = len(row)
		}
		if s < e {
			l.MarkStart, l.MarkEnd = s, e
		}
		out = append(out, l)
	}
	return out
}

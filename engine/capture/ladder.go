package capture

import (
	"strings"
	"time"

	"github.com/gopacket/gopacket/layers"
)

// Ladder is a sequence diagram of packets: one column per host, one arrow
// per packet, top to bottom in time order.
type Ladder struct {
	Columns []string // host names, left to right
	Points  []string // capture points met, in order of first appearance
	Arrows  []Arrow
}

// Arrow is one packet between two columns.
type Arrow struct {
	From, To int    // column indexes (equal when a host talks to itself)
	Label    string // short text, e.g. "ICMP echo request id 1 seq 1"
	Summary  string // the full tcpdump-style line
	Proto    string
	Point    string // where it was captured, e.g. "RED/veth0"
	Time     time.Time
	Seq      uint64
}

// BuildLadder makes a ladder from packets (in the order given; sort them
// with SortByTime first when merging points). A VXLAN packet is drawn as
// the outer packet, between the VTEPs that sent and received it (the
// nodes, on the underlay), with the inner packet in its label: that is
// where the frame was, and the pods' own conversation is drawn from the
// captures on their side of the tunnel. hosts maps addresses (IP or
// MAC, as text) to host names such as "RED"; an address that is not in it
// becomes a column of its own. order lists names to place first, left to
// right; other columns follow in order of first appearance. The same flow
// captured at two points (before and after NAT) gives one arrow per point,
// each with its Point.
func BuildLadder(pkts []Packet, hosts map[string]string, order ...string) Ladder {
	var l Ladder
	col := map[string]int{}
	addCol := func(name string) int {
		if i, ok := col[name]; ok {
			return i
		}
		col[name] = len(l.Columns)
		l.Columns = append(l.Columns, name)
		return col[name]
	}
	for _, n := range order {
		addCol(n)
	}
	seenPoint := map[string]bool{}
	dec := NewDecoder()
	for i := range pkts {
		p := &pkts[i]
		d, _ := dec.Decode(p.Data)
		srcMAC, dstMAC := "", ""
		if len(d.Layers) > 0 {
			srcMAC, dstMAC = d.Eth.SrcMAC.String(), d.Eth.DstMAC.String()
		}
		name := func(addr, mac string) string {
			if n, ok := hosts[addr]; ok && addr != "" {
				return n
			}
			if n, ok := hosts[mac]; ok && mac != "" {
				return n
			}
			if addr != "" {
				return addr
			}
			return mac
		}
		from := addCol(name(p.Src, srcMAC))
		to := addCol(name(p.Dst, dstMAC))
		if !seenPoint[p.Point] {
			seenPoint[p.Point] = true
			l.Points = append(l.Points, p.Point)
		}
		l.Arrows = append(l.Arrows, Arrow{From: from, To: to, Label: arrowLabel(d, p.Summary), Summary: p.Summary,
			Proto: p.Proto, Point: p.Point, Time: p.Time, Seq: p.Seq})
	}
	return l
}

// arrowLabel shortens a summary: the protocol part without addresses and
// length, with ports for TCP and UDP. A VXLAN packet's arrow joins the two
// VTEPs (the nodes) and its label names the tunnel and what it carries,
// "vxlan vni 1: ICMP echo request id 1 seq 1".
func arrowLabel(d *Decoded, summary string) string {
	if d.Inner != nil && d.Has(layers.LayerTypeVXLAN) {
		if t, ok := SplitVXLAN(summary); ok {
			return "vxlan vni " + itoa(int(t.VNI)) + ": " + arrowLabel(d.Inner, t.Inner)
		}
	}
	s := summary
	if len(d.Layers) > 1 && d.Layers[1] == layers.LayerTypeARP {
		s = strings.TrimPrefix(s, "ARP, ")
		if i := strings.LastIndex(s, ", length "); i >= 0 {
			s = s[:i]
		}
		if r, ok := strings.CutPrefix(s, "Request "); ok {
			s, _, _ = strings.Cut(r, " tell ") // "who-has 11.11.11.3"
		} else {
			s = strings.TrimPrefix(s, "Reply ") // "11.11.11.3 is-at aa:..."
		}
		return "ARP " + s
	}
	if len(d.Layers) > 1 && (d.Layers[1] == layers.LayerTypeIPv4 || d.Layers[1] == layers.LayerTypeIPv6) {
		if i := strings.Index(s, ": "); i >= 0 {
			s = s[i+2:]
		}
		if i := strings.LastIndex(s, ", length "); i >= 0 && !strings.Contains(s[i+9:], ",") && !strings.Contains(s[i+9:], ":") {
			s = s[:i]
		}
		if len(d.Layers) > 2 {
			switch d.Layers[2] {
			case layers.LayerTypeTCP:
				t := &d.TCP
				s = "TCP " + itoa(int(t.SrcPort)) + ">" + itoa(int(t.DstPort)) + " " + strings.TrimPrefix(s, "Flags ")
				if i := strings.Index(s, ", win "); i >= 0 {
					s = s[:i]
				}
			case layers.LayerTypeUDP:
				u := &d.UDP
				if d.Has(layers.LayerTypeDNS) {
					s = "DNS " + s
				} else {
					s = "UDP " + itoa(int(u.SrcPort)) + ">" + itoa(int(u.DstPort))
				}
			}
		}
		s = strings.ReplaceAll(s, ", id ", " id ")
		s = strings.ReplaceAll(s, ", seq ", " seq ")
		return s
	}
	return s
}

func itoa(n int) string { return string(appendInt(nil, n)) }

func appendInt(b []byte, n int) []byte {
	if n >= 10 {
		b = appendInt(b, n/10)
	}
	return append(b, byte('0'+n%10))
}

// RenderLadder draws the ladder as plain text at most width columns wide:
// host names on top, a vertical line per host, one arrow line per packet
// with its label inside the arrow, and the capture point on the right when
// there is more than one.
func RenderLadder(l Ladder, width int) string {
	n := len(l.Columns)
	if n == 0 {
		return "(no packets)\n"
	}
	pointW := 0
	if len(l.Points) > 1 {
		for _, p := range l.Points {
			if len(p)+3 > pointW {
				pointW = len(p) + 3
			}
		}
	}
	if width-pointW < n*6 {
		pointW = 0
	}
	avail := width - pointW
	if avail < n*6 {
		avail = n * 6
	}
	colW := avail / n
	center := func(i int) int { return i*colW + colW/2 }
	var b strings.Builder
	line := make([]rune, avail)
	blank := func() {
		for i := range line {
			line[i] = ' '
		}
		for i := 0; i < n; i++ {
			line[center(i)] = '|'
		}
	}
	put := func(s string, at int) {
		for i, r := range []rune(s) {
			if at+i >= 0 && at+i < len(line) {
				line[at+i] = r
			}
		}
	}
	lastCenter := center(n - 1)
	flush := func(suffix string) {
		s := strings.TrimRight(string(line), " ")
		if suffix != "" {
			s += strings.Repeat(" ", max(0, lastCenter+2-len([]rune(s)))) + suffix
		}
		b.WriteString(s)
		b.WriteByte('\n')
	}
	// header
	for i := range line {
		line[i] = ' '
	}
	for i, name := range l.Columns {
		name = clip(name, colW-1)
		put(name, center(i)-len([]rune(name))/2)
	}
	flush("")
	blank()
	flush("")
	for _, a := range l.Arrows {
		blank()
		suffix := ""
		if pointW > 0 {
			suffix = " @" + a.Point
		}
		if a.From == a.To {
			c := center(a.From)
			put("<-- "+clip(a.Label, avail-c-5), c+1)
			flush(suffix)
			continue
		}
		lo, hi := center(a.From), center(a.To)
		if lo > hi {
			lo, hi = hi, lo
		}
		for i := lo + 1; i < hi; i++ {
			line[i] = '-'
		}
		if a.From < a.To {
			line[hi-1] = '>'
		} else {
			line[lo+1] = '<'
		}
		span := hi - lo - 5
		if span > 0 {
			lab := " " + clip(a.Label, span-2) + " "
			put(lab, lo+1+(hi-lo-1-len([]rune(lab)))/2)
		}
		flush(suffix)
	}
	return b.String()
}

func clip(s string, n int) string {
	r := []rune(s)
	if n <= 0 {
		return ""
	}
	if len(r) <= n {
		return s
	}
	if n <= 1 {
		return string(r[:n])
	}
	return string(r[:n-1]) + "~"
}

package diagram

import (
	"fmt"
	"strings"
	"time"

	"github.com/gopacket/gopacket/layers"
	"github.com/nettutor/nettutor/engine/capture"
)

// MaxArrows bounds a sequence diagram: past it the rest of the packets are
// counted in a closing note, since a diagram of a flood says nothing more
// than its first screen and renders slowly.
const MaxArrows = 60

// Rewrite is one address translation seen in a capture: the same packet
// met at two capture points with a different source or destination.
type Rewrite struct {
	Arrow      int    // index in the ladder of the packet after the rewrite
	Before     string // capture point where it was seen first
	After      string // capture point where it was seen rewritten
	Field      string // "src" or "dst"
	Old, New   string // address, with the port or ICMP id when it changed too
	FromColumn int    // the arrow's columns, for placing the note
	ToColumn   int
	// Kind names who made the rewrite, as the text ladder labels it
	// ("SNAT", "as the first packet (SNAT)", "reverse NAT (un-SNAT)");
	// empty, the note says "NAT".
	Kind string
}

// Text is the rewrite in words, e.g.
// "NAT src 11.11.11.2 → 203.0.113.1 (RED/veth0 → OUTSIDE/veth1)".
func (r Rewrite) Text() string {
	kind := r.Kind
	if kind == "" {
		kind = "NAT"
	}
	return fmt.Sprintf("%s %s %s → %s (%s → %s)", kind, r.Field, r.Old, r.New, r.Before, r.After)
}

// flowKey identifies one packet across capture points: what NAT leaves
// alone (IP id, protocol, length, ICMP sequence, TCP sequence numbers).
type flowKey struct {
	id       uint16
	proto    layers.IPProtocol
	length   uint16
	seq, ack uint32
}

type seen struct {
	point              string
	src, dst           string
	srcPort, dstPort   uint16
	when               time.Time
	hasPorts, isICMPid bool
}

// Rewrites finds the address translations among pkts (sorted by time): a
// packet seen again within a second at another point with its source or
// destination changed. The ladder l must have been built from the same
// packets in the same order.
func Rewrites(l capture.Ladder, pkts []capture.Packet) []Rewrite {
	var out []Rewrite
	last := map[flowKey]seen{}
	dec := capture.NewDecoder()
	for i := range pkts {
		d, _ := dec.Decode(pkts[i].Data)
		if d == nil || !d.Has(layers.LayerTypeIPv4) {
			continue
		}
		ip := d.IP4
		k := flowKey{id: ip.Id, proto: ip.Protocol, length: ip.Length}
		s := seen{point: pkts[i].Point, src: ip.SrcIP.String(), dst: ip.DstIP.String(), when: pkts[i].Time}
		switch {
		case d.Has(layers.LayerTypeICMPv4):
			k.seq = uint32(d.ICMP4.Seq)
			s.srcPort, s.dstPort, s.isICMPid = d.ICMP4.Id, d.ICMP4.Id, true
		case d.Has(layers.LayerTypeTCP):
			k.seq, k.ack = d.TCP.Seq, d.TCP.Ack
			s.srcPort, s.dstPort, s.hasPorts = uint16(d.TCP.SrcPort), uint16(d.TCP.DstPort), true
		case d.Has(layers.LayerTypeUDP):
			s.srcPort, s.dstPort, s.hasPorts = uint16(d.UDP.SrcPort), uint16(d.UDP.DstPort), true
		}
		prev, ok := last[k]
		last[k] = s
		if !ok || prev.point == s.point || s.when.Sub(prev.when) > time.Second || i >= len(l.Arrows) {
			continue
		}
		a := l.Arrows[i]
		add := func(field, o, n string) {
			out = append(out, Rewrite{Arrow: i, Before: prev.point, After: s.point, Field: field, Old: o, New: n,
				FromColumn: a.From, ToColumn: a.To})
		}
		if prev.src != s.src || (prev.srcPort != s.srcPort && !s.isICMPid) {
			add("src", endpoint(prev.src, prev.srcPort, prev.hasPorts), endpoint(s.src, s.srcPort, s.hasPorts))
		}
		if prev.dst != s.dst || (prev.dstPort != s.dstPort && !s.isICMPid) {
			add("dst", endpoint(prev.dst, prev.dstPort, prev.hasPorts), endpoint(s.dst, s.dstPort, s.hasPorts))
		}
		if s.isICMPid && prev.srcPort != s.srcPort && (prev.src != s.src || prev.dst != s.dst) {
			// NAT remaps an ICMP echo id like a port; say so with the address.
			r := &out[len(out)-1]
			r.Old += fmt.Sprintf(" id %d", prev.srcPort)
			r.New += fmt.Sprintf(" id %d", s.srcPort)
		}
	}
	return out
}

func endpoint(addr string, port uint16, hasPort bool) string {
	if hasPort {
		return fmt.Sprintf("%s:%d", addr, port)
	}
	return addr
}

// Sequence draws a ladder as a Mermaid sequenceDiagram (the text inside a
// ```mermaid block): one participant per column, one message per packet
// labelled with its capture point, and each rewrite as a note over the
// arrow it changed.
func Sequence(l capture.Ladder, rw []Rewrite) string {
	var b strings.Builder
	b.WriteString("sequenceDiagram\n")
	used := map[int]bool{}
	for i, a := range l.Arrows {
		if i < MaxArrows {
			used[a.From], used[a.To] = true, true
		}
	}
	for i, c := range l.Columns {
		if !used[i] && len(l.Arrows) > 0 {
			continue // a lane with no packet suggests a host that took part
		}
		// A participant's alias runs to the end of its line and cannot be
		// quoted (the quotes would be drawn): it is escaped instead.
		fmt.Fprintf(&b, "  participant p%d as %s\n", i, mmText(c))
	}
	notes := map[int][]Rewrite{}
	for _, r := range rw {
		notes[r.Arrow] = append(notes[r.Arrow], r)
	}
	said := map[string]bool{}
	for i, a := range l.Arrows {
		if i >= MaxArrows {
			fmt.Fprintf(&b, "  Note over p%d: %s\n", l.Arrows[0].From, mmText(fmt.Sprintf("… %d more packets", len(l.Arrows)-MaxArrows)))
			break
		}
		label := a.Label
		if a.Point != "" {
			label += " · " + a.Point
		}
		fmt.Fprintf(&b, "  p%d->>p%d: %s\n", a.From, a.To, mmText(label))
		for _, r := range notes[i] {
			t := r.Text()
			if said[t] {
				continue // the same translation for every ping of a run: once
			}
			said[t] = true
			lo, hi := r.FromColumn, r.ToColumn
			if lo > hi {
				lo, hi = hi, lo
			}
			over := fmt.Sprintf("p%d", lo)
			if hi != lo {
				over += fmt.Sprintf(",p%d", hi)
			}
			fmt.Fprintf(&b, "  Note over %s: %s\n", over, mmText(t))
		}
	}
	return b.String()
}

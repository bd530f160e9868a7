package tui

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/nettutor/nettutor/engine"
	"github.com/nettutor/nettutor/engine/capture"
	"github.com/nettutor/nettutor/engine/journey"
)

// maxPackets bounds what the pane holds without a capture budget (a
// session under one takes its MaxStoredPackets); the oldest go first.
const maxPackets = capture.DefaultMaxStoredPackets

// packetBatchWindow is how long packets are gathered into one message, so
// a flood redraws the screen at most this often.
const packetBatchWindow = 50 * time.Millisecond

// maxBatch and maxBatchBytes bound one message under a flood (a batch
// waits, held, while a shell has the terminal).
const (
	maxBatch      = 4096
	maxBatchBytes = 4 << 20
)

// waitPackets is the re-arming command that streams packets: it blocks for
// one packet, gathers what else arrives within packetBatchWindow and
// returns them stamped with gen, so packets of an older lab are dropped.
func waitPackets(gen int, ch <-chan Packet, drops func() uint64) tea.Cmd {
	return waitPacketsBudget(gen, ch, drops, nil)
}

// waitPacketsBudget is waitPackets on a stream under a capture budget (b
// may be nil): b is told of the packets taken off ch, and the message
// carries b to the pane.
//
// After the first packet it sleeps out the window and then takes what
// waits on the (buffered) stream at once, rather than waking for every
// packet: under a flood of 20 000 packets a second, a wake-up per packet
// was a fifth of the process's CPU (the scheduler and a two-way select
// each time). The window and the bounds are those of a wake per packet:
// the batch is handed on packetBatchWindow after its first packet, or
// sooner when it reaches maxBatch or maxBatchBytes.
func waitPacketsBudget(gen int, ch <-chan Packet, drops func() uint64, b budgeted) tea.Cmd {
	if ch == nil {
		return nil
	}
	took := func(int) {}
	var budget *capture.Budget
	if b != nil {
		took = func(n int) { b.Took(ch, n) }
		budget = b.CaptureBudget()
	}
	return func() tea.Msg {
		p, ok := <-ch
		if !ok {
			return packetsMsg{gen: gen, ch: ch, done: true}
		}
		took(len(p.Data))
		// Sleep out the window in a few steps, to hand a full batch on
		// soon after it is full rather than at the window's end.
		deadline := time.Now().Add(packetBatchWindow)
		for len(ch) < maxBatch-1 {
			wait := time.Until(deadline)
			if wait <= 0 {
				break
			}
			time.Sleep(min(wait, packetBatchWindow/5))
		}
		// Room for what waits and what comes while it is taken, so the
		// batch is not copied as it grows.
		n := len(ch)
		batch := make([]Packet, 1, min(maxBatch, 1+n+n/16+16))
		batch[0] = p
		size, taken := len(p.Data), 0
	drain:
		for len(batch) < maxBatch && size < maxBatchBytes {
			select {
			case q, ok := <-ch:
				if !ok {
					break drain // closed: the next wait says done
				}
				batch = append(batch, q)
				size += len(q.Data)
				taken += len(q.Data)
			default:
				break drain
			}
		}
		took(taken)
		var d uint64
		if drops != nil {
			d = drops()
		}
		return packetsMsg{gen: gen, pkts: batch, drops: d, ch: ch, budget: budget}
	}
}

// packetPane is the packets pane: a list, a layer detail and a ladder.
type packetPane struct {
	c      *Common
	pkts   pktStore
	first  time.Time
	sel    int
	off    int
	follow bool // the selection follows the newest packet
	detail bool
	ladder bool
	detOff int
	layer  int // the layer selected in the detail view
	// layerMoved scrolls the detail to the selected layer.
	layerMoved bool
	drops      uint64
	layers     func(Packet) []Layer
	hosts      map[string]string // address or MAC -> namespace, for the ladder
	order      []string          // namespaces in diagram order
	// snap is the lab as last read: it orders a packet's hops and gives
	// their why.
	snap *engine.Snapshot
	// lanes are the ladder's columns, fixed for the lesson (setLab).
	lanes []string
	hop   hopCache
	// rows are drawn list rows by packet (packet_rows.go).
	rows rowCache
	// journey shows the selected packet's journey (y); jOff scrolls it,
	// jSel is the hop marked in it.
	journey    bool
	jOff, jSel int
	// probe, when set, is what the journey view shows instead of a
	// packet's: a failed check's probe (y in exercise mode).
	probe *journey.Journey
	// budget is the session's capture budget (nil: the default limits);
	// bytes is the frame bytes held, evicted the packets let go without a
	// budget, and the base counts the budget's when the pane started
	// afresh (capture_budget.go).
	budget                  *capture.Budget
	bytes                   int64
	evicted                 uint64
	baseEvicted, baseShells uint64
}

func newPacketPane(c *Common) packetPane {
	return packetPane{c: c, follow: true, layers: func(p Packet) []Layer { return DecodeLayers(p.Data) }}
}

func (p *packetPane) reset() {
	p.sel, p.off, p.follow, p.detail, p.detOff, p.drops, p.layer = 0, 0, true, false, 0, 0, 0
	p.pkts.Reset()
	p.first = time.Time{}
	p.journey, p.jOff, p.jSel, p.hop, p.probe = false, 0, 0, hopCache{}, nil
	p.rows = rowCache{} // sequence numbers start again
	p.bytes = 0
	p.budgetBase()
}

func (p *packetPane) add(pkts []Packet, drops uint64) {
	// Points deliver on their own goroutines: put a batch in time order.
	// It mostly is already (one point under a flood), and checking costs
	// far less than a stable sort moving 152-byte packets.
	byTime := func(a, b Packet) int { return a.Time.Compare(b.Time) }
	if !slices.IsSortedFunc(pkts, byTime) {
		slices.SortStableFunc(pkts, byTime)
	}
	// Number them in the order shown, as tcpdump does, not in the order
	// the points happened to deliver them.
	next := 1
	if n := p.pkts.Len(); n > 0 {
		next = p.pkts.At(n-1).Seq + 1
	}
	for i := range pkts {
		pkts[i].Seq = next + i
	}
	if p.pkts.Len() == 0 && len(pkts) > 0 {
		p.first = pkts[0].Time
	}
	p.pkts.Append(pkts)
	for i := range pkts {
		p.bytes += int64(len(pkts[i].Data))
	}
	p.trim()
	p.drops = max(p.drops, drops)
	if p.follow {
		p.sel = max(0, p.pkts.Len()-1)
	}
}

func (p *packetPane) move(d int) {
	if p.journey {
		p.jSel = max(0, p.jSel+d)
		return
	}
	if p.detail {
		p.layer = max(0, p.layer+d)
		p.layerMoved = true
		return
	}
	if p.pkts.Len() == 0 {
		return
	}
	if p.ladder {
		p.ladderMove(d)
	} else {
		p.sel = clamp(p.sel+d, 0, p.pkts.Len()-1)
	}
	p.follow = p.sel == p.pkts.Len()-1
}

// scroll moves the view (the detail) or the selection (the list).
func (p *packetPane) scroll(d int) {
	if p.journey {
		p.jOff = max(0, p.jOff+d)
		return
	}
	if p.detail {
		p.detOff = max(0, p.detOff+d)
		return
	}
	p.move(d)
}

func (p *packetPane) selected() (Packet, bool) {
	if p.sel < 0 || p.sel >= p.pkts.Len() {
		return Packet{}, false
	}
	return *p.pkts.At(p.sel), true
}

// view draws the pane body in w x h cells.
func (p *packetPane) view(w, h int) []string {
	if p.journey {
		return p.journeyView(w, h)
	}
	if p.detail {
		if pk, ok := p.selected(); ok {
			return p.detailView(pk, w, h)
		}
	}
	st := p.c.Styles
	head := p.c.Tf("tui.packets.count", p.pkts.Len())
	if p.drops > 0 {
		head += "  " + st.Warn.Render("⚠ "+p.c.Tf("tui.packets.drops", p.drops))
	}
	if p.ladder {
		head += "  " + st.Subtle.Render(p.c.T("tui.packets.ladder"))
	}
	lines := []string{truncate(head, w)}
	for _, l := range p.budgetLines() {
		lines = append(lines, truncate(st.Warn.Render("⚠ "+l), w))
	}
	rows := h - len(lines)
	if p.pkts.Len() == 0 {
		lines = append(lines, st.Subtle.Render(p.c.T("tui.packets.none")))
		return fitLines(lines, 0, w, h)
	}
	if p.ladder {
		rows -= 2
	}
	if rows < 1 {
		return fitLines(lines, 0, w, h)
	}
	if !p.ladder {
		return fitLines(append(lines, p.wrappedRows(rows, w)...), 0, w, h)
	}
	lines = append(lines, p.hopLadderView(rows+2, w)...)
	return fitLines(lines, 0, w, h)
}

// protoStyle colours a summary by protocol; the summary names the
// protocol itself, so the colour only helps the eye.
func (p *packetPane) protoStyle(proto string) lipgloss.Style {
	st := p.c.Styles
	switch proto {
	case "ARP":
		return st.Warn
	case "ICMP", "ICMP6":
		return st.Code
	case "TCP":
		return st.OK
	case "UDP", "DNS":
		return st.Accent
	}
	return st.App
}

func centre(s string, w int) string {
	s = truncate(s, w-1)
	n := (w - width(s)) / 2
	return strings.Repeat(" ", max(n, 0)) + s
}

// ladderLabel shortens a summary to what fits on an arrow. A VXLAN
// packet's arrow (between the nodes) names the tunnel and what it carries:
// "vxlan vni 1: ICMP echo request".
func ladderLabel(p Packet) string {
	if t, ok := capture.SplitVXLAN(p.Summary); ok {
		in := p
		in.Summary, in.Proto = t.Inner, ""
		if strings.HasPrefix(t.Inner, "ARP") {
			in.Proto = "ARP"
		}
		return "vxlan vni " + strconv.FormatUint(uint64(t.VNI), 10) + ": " + ladderLabel(in)
	}
	s := p.Summary
	if strings.HasPrefix(s, "IP") {
		if i := strings.Index(s, ": "); i >= 0 {
			s = s[i+2:]
		}
	}
	s = strings.TrimPrefix(s, "ARP, ")
	s = strings.TrimPrefix(s, "Request ")
	s = strings.TrimPrefix(s, "Reply ")
	if i := strings.Index(s, ","); i > 0 {
		s = s[:i]
	}
	if p.Proto == "ARP" && !strings.HasPrefix(s, "ARP") {
		s = "ARP " + s
	}
	return s
}

// detailView shows a packet's layers and hex dump.
func (p *packetPane) detailView(pk Packet, w, h int) []string {
	st := p.c.Styles
	var lines []string
	// The summary and the fields wrap: they are what the packet says.
	// A VXLAN packet's summary as tcpdump -T vxlan prints it: the outer
	// line, then the inner frame's on a line of its own (indented here),
	// then what the tunnel is in words.
	inner, tunnels := capture.Innermost(pk.Summary)
	if len(tunnels) == 0 {
		lines = append(lines, wrapIndent(st.Bold.Render(fmt.Sprintf("#%d ", pk.Seq)), pk.Summary, w)...)
	}
	for k, t := range tunnels {
		first := strings.Repeat("  ", k)
		if k == 0 {
			first = st.Bold.Render(fmt.Sprintf("#%d ", pk.Seq))
		}
		lines = append(lines, wrapIndent(first, t.Outer, w)...)
	}
	if len(tunnels) > 0 {
		lines = append(lines, wrapIndent(strings.Repeat("  ", len(tunnels)), inner, w)...)
		for _, t := range tunnels {
			lines = append(lines, wrapIndent("  ", st.Subtle.Render(p.c.Tf("tunnel.detail", t.VNI, t.Src, t.Dst, t.Dport)), w)...)
		}
	}
	if pk.Point != "" {
		lines = append(lines, truncate(st.Subtle.Render(p.c.T("tui.packets.point")+" "+pk.Point+fmt.Sprintf("  %d B", max(pk.Len, len(pk.Data)))), w))
		// The command that watches this point, as a person would type it.
		ns, dev, _ := strings.Cut(pk.Point, "/")
		cmd := journey.Tcpdump(ns, dev)
		if len(tunnels) > 0 && tunnels[0].Dport == capture.PortVXLANLinux {
			// tcpdump takes port 8472 for OTV unless told otherwise.
			cmd += " -T vxlan"
		}
		lines = append(lines, truncate(st.Subtle.Render("  $ "+cmd), w))
	}
	ls := p.layers(pk)
	p.layer = clamp(p.layer, 0, max(0, len(ls)-1))
	nw := 0
	for _, l := range ls {
		for _, f := range l.Fields {
			nw = max(nw, width(f.Name))
		}
	}
	nw = min(nw, max(8, (w-6)/2))
	selLine := 0
	for i, l := range ls {
		mark := "  "
		name := truncate("▸ "+l.Name, w-2)
		if i == p.layer {
			mark = "▶ "
			selLine = len(lines)
			name = st.Selected.Render(name)
		} else {
			name = st.Accent.Render(name)
		}
		lines = append(lines, mark+name)
		for _, f := range l.Fields {
			lines = append(lines, wrapIndent("      "+pad(f.Name, nw)+" ", f.Value, w)...)
		}
	}
	ms, me := 0, 0
	if p.layer < len(ls) && ls[p.layer].Length > 0 {
		ms, me = ls[p.layer].Offset, ls[p.layer].Offset+ls[p.layer].Length
	}
	lines = append(lines, st.Accent.Render("  "+p.c.T("tui.packets.hex")))
	for _, hl := range capture.HexDump(pk.Data, ms, me) {
		lines = append(lines, truncate("  "+hl.String(), w))
	}
	if p.layerMoved {
		p.layerMoved = false
		if selLine < p.detOff || selLine >= p.detOff+h {
			p.detOff = selLine
		}
	}
	p.detOff = clamp(p.detOff, 0, max(0, len(lines)-h))
	return fitLines(lines, p.detOff, w, h)
}

package tui

import (
	"strconv"
	"strings"
	"time"

	"github.com/nettutor/nettutor/engine/capture"
)

// wrappedRows returns at most n lines of the packet list: a packet whose
// summary is wider than the pane goes on over more lines rather than
// losing its end, where tcpdump says what the packet is ("echo request"
// and "echo reply" differ only there). The selection stays in view.
func (p *packetPane) wrappedRows(n, w int) []string {
	if p.sel < p.off {
		p.off = p.sel
	}
	rows := make(map[int][]string)
	get := func(i int) []string {
		if r, ok := rows[i]; ok {
			return r
		}
		r := p.rowLines(i, w)
		rows[i] = r
		return r
	}
	// The earliest start that still shows the selection whole: counted
	// back from it, so a jump to the last of many packets costs the lines
	// of one pane, not of the whole list.
	first, used := p.sel, len(get(p.sel))
	for first > 0 && used+len(get(first-1)) <= n {
		first--
		used += len(get(first))
	}
	if p.off < first {
		p.off = first
	}
	// Fill the pane: start earlier while the packets from there to the
	// end fit (again counted only up to a pane's worth).
	fits := func(from int) bool {
		t := 0
		for i := from; i < p.pkts.Len(); i++ {
			if t += len(get(i)); t > n {
				return false
			}
		}
		return true
	}
	for p.off > 0 && fits(p.off-1) {
		p.off--
	}
	p.off = clamp(p.off, 0, max(0, p.pkts.Len()-1))
	var out []string
	for i := p.off; i < p.pkts.Len() && len(out) < n; i++ {
		out = append(out, get(i)...)
	}
	if len(out) > n {
		out = out[:n]
	}
	return out
}

// rowLines is one packet's lines: number, time and capture point, then
// the summary wrapped at spaces under itself.
func (p *packetPane) rowLines(i, w int) []string {
	if i == p.sel {
		return p.drawRow(i, w)
	}
	return p.rows.get(p, i, w)
}

// rowCache holds the drawn lines of packets not selected, by sequence
// number: such a row depends only on the packet, the pane's width, the
// capture's start and the styles, so under a flood each packet is drawn
// once instead of on every frame.
type rowCache struct {
	lines map[int][]string
	w     int
	first time.Time
	st    *Styles
	// fg is, by protocol, what its colour puts before and after a plain
	// text (styled); fgSt the styles it was made with.
	fg   map[string][2]string
	fgSt *Styles
}

// maxCachedRows bounds the cache; it starts afresh when full (a pane
// shows a few dozen rows).
const maxCachedRows = 1024

func (c *rowCache) get(p *packetPane, i, w int) []string {
	if c.lines == nil || c.w != w || !c.first.Equal(p.first) || c.st != p.c.Styles || len(c.lines) >= maxCachedRows {
		c.lines, c.w, c.first, c.st = make(map[int][]string), w, p.first, p.c.Styles
	}
	seq := p.pkts.At(i).Seq
	if r, ok := c.lines[seq]; ok {
		return r
	}
	r := p.drawRow(i, w)
	c.lines[seq] = r
	return r
}

// drawRow draws packet i's lines (rowLines).
func (p *packetPane) drawRow(i, w int) []string {
	st := p.c.Styles
	pk := p.pkts.At(i)
	mark := " "
	if i == p.sel {
		mark = "▶"
	}
	var b strings.Builder
	b.WriteString(mark)
	num := strconv.Itoa(pk.Seq)
	for k := len(num); k < 4; k++ {
		b.WriteByte(' ')
	}
	b.WriteString(num)
	b.WriteByte(' ')
	b.WriteString(strconv.FormatFloat(pk.Time.Sub(p.first).Seconds(), 'f', 6, 64))
	b.WriteByte(' ')
	if w >= 70 && pk.Point != "" {
		b.WriteString(pk.Point)
		b.WriteByte(' ')
	}
	head := b.String()
	ind := strings.Repeat(" ", min(width(head), 15, max(w-20, 2)))
	avail := max(w-width(head), 10)
	// A packet captured inside a tunnel (VXLAN on the underlay) shows the
	// packet it carries, which is what the learner sent, and under it a
	// tag that names the tunnel: "⊂ vxlan vni 1 192.168.10.101→
	// 192.168.10.102:8472". The outer line as tcpdump prints it is in the
	// detail view.
	summary, tunnels := capture.Innermost(pk.Summary)
	tag := tunnelTag(tunnels)
	parts := wrap(summary, avail)
	if len(parts) > 1 {
		// The rest under the summary's start, rewrapped to that width.
		rest := strings.TrimLeft(strings.TrimPrefix(summary, parts[0]), " ")
		parts = append(parts[:1], wrap(rest, max(w-width(ind), 10))...)
	}
	// The others keep two lines, enough for what tcpdump says first (ARP
	// request or reply, echo request or reply, the TCP flags); the
	// selected packet shows all of it. A tunnelled packet's second line
	// is its tag.
	if i != p.sel && tag != "" && len(parts) > 1 {
		parts = parts[:1]
	}
	if i != p.sel && len(parts) > 2 {
		parts = append(parts[:1], parts[1]+" "+strings.Join(parts[2:], " "))
	}
	out := make([]string, 0, len(parts)+1)
	for k, part := range parts {
		pre := ind
		if k == 0 {
			pre = head
		}
		if i == p.sel {
			out = append(out, st.Selected.Render(pad(pre+part, w)))
		} else {
			out = append(out, pre+truncate(p.rows.styled(p, pk.Proto, part), max(w-width(pre), 0)))
		}
	}
	if tag != "" {
		if i == p.sel {
			out = append(out, st.Selected.Render(pad(truncate(ind+tag, w), w)))
		} else {
			out = append(out, ind+truncate(st.Subtle.Render(tag), max(w-width(ind), 0)))
		}
	}
	return out
}

// tunnelTag is the tag line of a packet that crossed tunnels (outermost
// first in ts): the innermost tunnel's tag first, as the packet sits in
// it, then the one around that.
func tunnelTag(ts []capture.Tunnel) string {
	tags := make([]string, 0, len(ts))
	for k := len(ts) - 1; k >= 0; k-- {
		tags = append(tags, ts[k].Tag())
	}
	return strings.Join(tags, " ")
}

// styled is p.protoStyle(proto).Render(text) for a text of one line:
// those styles only colour it, so the rendered text is the same escape
// before and after, taken once from a rendering of "X" and kept. A new
// row of a flood no longer goes through Lip Gloss's Render (its margins,
// borders and padding, none of them set). TestStyledIsRender holds them
// equal.
func (c *rowCache) styled(p *packetPane, proto, text string) string {
	if text == "" || strings.ContainsAny(text, "\n\r\t\x1b") {
		return p.protoStyle(proto).Render(text)
	}
	if c.fg == nil || c.fgSt != p.c.Styles {
		c.fg, c.fgSt = map[string][2]string{}, p.c.Styles
	}
	w, ok := c.fg[proto]
	if !ok {
		r := p.protoStyle(proto).Render("X")
		i := strings.IndexByte(r, 'X')
		w = [2]string{r[:i], r[i+1:]}
		c.fg[proto] = w
	}
	return w[0] + text + w[1]
}

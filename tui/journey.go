package tui

import (
	"fmt"
	"strings"

	"github.com/nettutor/nettutor/engine"
	"github.com/nettutor/nettutor/engine/journey"
	"github.com/nettutor/nettutor/lessons/note"
)

// This file is the packets pane's hop-by-hop side: the ladder's lanes,
// fixed for the lesson, the grouping of captured frames into packets (the
// same as the transcript's, note.BuildHopLadder), and the journey view that
// y opens on the selected packet.

// ladderSpan is how many frames either side of the view the ladder groups:
// a packet's sightings lie within microseconds, so a window around what is
// on screen groups them all, and a flood of 100k frames costs a pane's
// worth of work per frame, not the whole list's.
const ladderSpan = 256

// hopCache is the hop ladder of frames [lo, hi) of the pane, kept while
// neither the frames nor the lanes change.
type hopCache struct {
	lo, hi, n int
	first     int // Seq of the pane's first frame: the list was trimmed or reset
	lanes     int
	l         note.HopLadder
	arrowOf   map[int]int // frame index (in the pane) -> arrow index
	// svc are the rewrites of the arrows in a Service's masquerade, by
	// arrow index (ladder_masq.go): drawn a line each.
	svc map[int][]svcRewrite
}

// setLab takes the lab's snapshot: it names addresses, orders hops and
// says what a hop's why is. The lanes only grow: a namespace gets a lane
// the first time the lab has it (the host once it has links: the veth
// lesson's host takes part in no path) and keeps it, at the place the
// lesson's whole list of namespaces gives it, so the ladder's columns do
// not move while the lesson goes on or the list scrolls.
func (p *packetPane) setLab(nsOrder []string, s *engine.Snapshot) {
	p.snap = s
	keep := map[string]bool{}
	names := append([]string{}, nsOrder...)
	for _, n := range p.lanes {
		keep[n] = true
		names = append(names, n)
	}
	for _, n := range note.Lanes(s) {
		keep[n] = true
	}
	names = append(append(names, TopoOrder(s, nsOrder)...), engine.HostNS)
	var lanes []string
	for _, n := range note.LaneOrder(names) {
		if keep[n] {
			lanes = append(lanes, n)
		}
	}
	p.lanes = lanes
}

// frames are the pane's packets [lo, hi) as the ladder takes them.
func (p *packetPane) frames(lo, hi int) []note.Frame {
	out := make([]note.Frame, 0, hi-lo)
	for i := lo; i < hi; i++ {
		pk := p.pkts.At(i)
		ns, dev, _ := strings.Cut(pk.Point, "/")
		// A frame not marked outgoing may come from a replay or a
		// capture that did not say: its direction is left to the
		// snapshot's MACs (journey.Observe), which tell a real incoming
		// frame as in.
		dir := ""
		if pk.Out {
			dir = "out"
		}
		out = append(out, note.Frame{Point: pk.Point, Label: ladderLabel(*pk),
			Sighting: journey.Sighting{NS: ns, Dev: dev, Dir: dir, Time: pk.Time, Data: pk.Data}})
	}
	return out
}

// hops is the hop ladder of the frames around [from, to) of the pane,
// grouped again only when the frames or the lanes changed or the view
// went near the edge of what was grouped.
func (p *packetPane) hops(from, to int) *hopCache {
	first := 0
	if p.pkts.Len() > 0 {
		first = p.pkts.At(0).Seq
	}
	c := &p.hop
	if c.arrowOf != nil && c.n == p.pkts.Len() && c.first == first && c.lanes == len(p.lanes) &&
		c.lo <= max(0, from-ladderSpan/2) && c.hi >= min(p.pkts.Len(), to+ladderSpan/2) {
		return c
	}
	lo, hi := max(0, from-ladderSpan), min(p.pkts.Len(), to+ladderSpan)
	l := note.BuildHopLadderIn(p.c.Lang, p.frames(lo, hi), p.lanes, p.hosts, p.snap)
	*c = hopCache{lo: lo, hi: hi, n: p.pkts.Len(), first: first, lanes: len(p.lanes), l: l, arrowOf: map[int]int{}}
	for ai, a := range l.Arrows {
		for _, k := range a.Packets {
			c.arrowOf[lo+k] = ai
		}
	}
	c.svc = p.serviceRewrites(l)
	return c
}

// selArrow is the arrow of the selected frame.
func (p *packetPane) selArrow() (*hopCache, int, bool) {
	if p.pkts.Len() == 0 {
		return nil, 0, false
	}
	c := p.hops(p.sel, p.sel+1)
	a, ok := c.arrowOf[p.sel]
	return c, a, ok
}

// ladderMove moves the selection by d arrows: the first frame of the
// arrow d away from the selected one.
func (p *packetPane) ladderMove(d int) {
	c, a, ok := p.selArrow()
	if !ok {
		p.sel = clamp(p.sel+d, 0, p.pkts.Len()-1)
		return
	}
	t := a + d
	if t < 0 || t >= len(c.l.Arrows) {
		// Past the grouped window: step a frame and group again there.
		p.sel = clamp(p.sel+d, 0, p.pkts.Len()-1)
		return
	}
	p.sel = c.lo + minInt(c.l.Arrows[t].Packets)
}

func minInt(s []int) int {
	m := s[0]
	for _, v := range s[1:] {
		m = min(m, v)
	}
	return m
}

// openJourney opens the journey view of the selected packet; it reports
// false when there is none.
func (p *packetPane) openJourney() bool {
	if _, _, ok := p.selArrow(); !ok {
		return false
	}
	p.journey, p.jOff, p.jSel, p.probe = true, 0, 0, nil
	return true
}

// openProbe opens the journey of the first failed check in rs that has
// one (its probe, traced or predicted); it reports false when none has.
func (p *packetPane) openProbe(rs []CheckResult) bool {
	for _, r := range rs {
		if !r.OK && r.Journey != nil {
			p.probe, p.journey, p.jOff, p.jSel, p.detail = r.Journey, true, 0, 0, false
			return true
		}
	}
	return false
}

// probeView draws a failed check's probe: where it was sent, each hop
// with its why and the tcpdump command that watches it, the rewrites,
// where it stopped and why, and the reply's hops.
func (p *packetPane) probeView(j *journey.Journey, w, h int) []string {
	st := p.c.Styles
	var lines []string
	to := j.To
	if j.Port != 0 {
		to = fmt.Sprintf("%s:%d", j.To, j.Port)
	}
	lines = append(lines, wrapIndent(st.Bold.Render(p.c.T("tui.journey.probe")+" "), fmt.Sprintf("%s → %s (%s): %s", j.From, to, j.Proto, j.Result), w)...)
	hops := func(hs []journey.Hop) {
		nsW, devW := 4, 3
		for _, hp := range hs {
			nsW, devW = max(nsW, width(hp.NS)), max(devW, width(hp.Dev))
		}
		ind := strings.Repeat(" ", min(6, max(w-20, 2)))
		for i, hp := range hs {
			head := fmt.Sprintf("%2d %s %s %-3s ", i+1, pad(hp.NS, nsW), pad(hp.Dev, devW), hp.Dir)
			addrs := ""
			if hp.Src != "" || hp.Dst != "" {
				addrs = endpoint(hp.Src, hp.Sport) + " → " + endpoint(hp.Dst, hp.Dport)
			}
			lines = append(lines, truncate(st.Bold.Render(head)+addrs, w))
			if e := hp.EncapText(p.c.Lang); e != "" {
				lines = append(lines, wrapIndent(ind, e, w)...)
			}
			if hp.Why != "" {
				lines = append(lines, wrapIndent(ind+st.Subtle.Render(p.c.T("tui.journey.why")+" "), hp.Why, w)...)
			}
			lines = append(lines, wrapIndent(ind+st.Subtle.Render("$ "), journey.Tcpdump(hp.NS, hp.Dev), w)...)
		}
	}
	hops(j.Hops)
	for _, r := range j.NAT {
		lines = append(lines, wrapIndent("   "+st.Warn.Render("✎ "), p.c.Tf("tui.journey.rewrite", r.Label(p.c.Lang, false, false), r.NS, r.From+" → "+r.To), w)...)
		if r.Rule != "" && r.Kind == journey.KindMasquerade {
			lines = append(lines, wrapIndent("     ", r.Rule, w)...)
		}
	}
	if d := j.Drop; d != nil {
		where := d.NS
		if d.Where != "" {
			where += " " + d.Where
		}
		lines = append(lines, wrapIndent(st.Fail.Render("✗ ")+st.Bold.Render(p.c.Tf("tui.journey.stop", where)+" "), d.Text(p.c.Lang), w)...)
		if d.Rule != "" {
			lines = append(lines, wrapIndent("   ", d.Rule, w)...)
		}
	}
	if j.Reply != nil && len(j.Reply.Hops) > 0 {
		lines = append(lines, st.Bold.Render(truncate(p.c.Tf("tui.journey.reply", j.Reply.Result), w)))
		hops(j.Reply.Hops)
	}
	lines = append(lines, "", st.Subtle.Render(truncate(p.c.T("tui.journey.back"), w)))
	p.jOff = clamp(p.jOff, 0, max(0, len(lines)-h))
	return fitLines(lines, p.jOff, w, h)
}

// journeyView draws the journey of the selected packet: one block per hop
// with namespace, device, direction and addresses, the rewrite on the hop
// where the new addresses show, the why the snapshot gives, and the
// tcpdump command that watches that point.
func (p *packetPane) journeyView(w, h int) []string {
	if p.probe != nil {
		return p.probeView(p.probe, w, h)
	}
	st := p.c.Styles
	c, ai, ok := p.selArrow()
	if !ok {
		p.journey = false
		return fitLines([]string{st.Subtle.Render(p.c.T("tui.packets.none"))}, 0, w, h)
	}
	a := c.l.Arrows[ai]
	first := *p.pkts.At(c.lo + minInt(a.Packets))
	var lines []string
	lines = append(lines, wrapIndent(st.Bold.Render(p.c.Tf("tui.journey.title", first.Seq)+" "), a.Label, w)...)
	route := strings.Join(a.Observed.Namespaces(), " → ")
	lines = append(lines, truncate(st.Subtle.Render(p.c.Tf("tui.journey.summary", len(a.Observed.Hops), route)), w))
	nsW, devW := 4, 3
	for _, hp := range a.Observed.Hops {
		nsW, devW = max(nsW, width(hp.NS)), max(devW, width(hp.Dev))
	}
	for i, hp := range a.Observed.Hops {
		addrs := endpoint(hp.Src, hp.Sport) + " → " + endpoint(hp.Dst, hp.Dport)
		head := fmt.Sprintf("%2d %s %s %-3s ", i+1, pad(hp.NS, nsW), pad(hp.Dev, devW), hp.Dir)
		row := head + addrs
		if p.jSel == i {
			lines = append(lines, st.Selected.Render(pad(truncate(row, w), w)))
		} else {
			lines = append(lines, truncate(st.Bold.Render(head)+addrs, w))
		}
		ind := strings.Repeat(" ", min(6, max(w-20, 2)))
		if e := hp.EncapText(p.c.Lang); e != "" {
			lines = append(lines, wrapIndent(ind, e, w)...)
		}
		if r := hp.Rewrite; r != nil {
			// The journey names the rewrite (a Service's masquerade as
			// kube-proxy's, conntrack's undoing, a later packet's) and
			// the rule that made it.
			text := p.c.Tf("tui.journey.rewrite", r.Label(p.c.Lang, hp.Undo, hp.Again), r.NS, note.RewriteText(r))
			lines = append(lines, wrapIndent(ind+st.Warn.Render("✎ "), text, w)...)
			if r.Rule != "" {
				lines = append(lines, wrapIndent(ind+"  ", r.Rule, w)...)
			}
		}
		if hp.Why != "" {
			lines = append(lines, wrapIndent(ind+st.Subtle.Render(p.c.T("tui.journey.why")+" "), hp.Why, w)...)
		}
		lines = append(lines, wrapIndent(ind+st.Subtle.Render("$ "), journey.Tcpdump(hp.NS, hp.Dev), w)...)
	}
	// Which parts the capture saw and which the lab's state explains.
	lines = append(lines, "")
	for _, l := range wrap(p.c.T("tui.journey.evidence"), w) {
		lines = append(lines, st.Subtle.Render(l))
	}
	lines = append(lines, st.Subtle.Render(truncate(p.c.T("tui.journey.back"), w)))
	p.jOff = clamp(p.jOff, 0, max(0, len(lines)-h))
	return fitLines(lines, p.jOff, w, h)
}

func endpoint(ip string, port int) string {
	if port != 0 {
		return fmt.Sprintf("%s:%d", ip, port)
	}
	return ip
}

// hopLadderView draws the pane's packets as hop-ladder lines in w cells
// and at most rows lines: the lanes, then one arrow per packet from the
// one of frame p.off on, a rewrite line under an arrow with NAT, and the
// selected packet's arrow highlighted and kept on screen.
func (p *packetPane) hopLadderView(rows, w int) []string {
	st := p.c.Styles
	p.sel = clamp(p.sel, 0, p.pkts.Len()-1)
	p.off = clamp(p.off, 0, p.pkts.Len()-1)
	if p.off > p.sel {
		p.off = p.sel
	}
	if p.sel-p.off > 2*rows {
		p.off = max(0, p.sel-rows)
	}
	c := p.hops(p.off, p.sel+rows)
	l := c.l
	if len(l.Lanes) == 0 || len(l.Arrows) == 0 {
		return nil
	}
	const left = 2
	span := max((w-left-2)/len(l.Lanes), 8)
	col := func(i int) int { return left + i*span + span/2 }
	var head strings.Builder
	head.WriteString(strings.Repeat(" ", left))
	for _, e := range l.Lanes {
		head.WriteString(pad(centre(e, span), span))
	}
	rail := func() []rune {
		r := []rune(strings.Repeat(" ", max(col(len(l.Lanes)-1)+1, w)))
		for i := range l.Lanes {
			r[col(i)] = '│'
		}
		return r
	}
	out := []string{truncate(st.Bold.Render(head.String()), w), truncate(strings.TrimRight(string(rail()), " "), w)}
	rows -= 2
	selA := c.arrowOf[p.sel]
	start := c.arrowOf[p.off]
	if start > selA {
		start = selA
	}
	height := func(a int) int {
		if rs, ok := c.svc[a]; ok {
			return 1 + len(rs)
		}
		if l.Arrows[a].Rewrite != nil && l.Arrows[a].RewriteLane >= 0 {
			return 2
		}
		return 1
	}
	// The first arrow shown moves down until the selected one fits.
	for {
		used := 0
		for a := start; a <= selA; a++ {
			used += height(a)
		}
		if used <= rows || start >= selA {
			break
		}
		start++
	}
	p.off = c.lo + minInt(l.Arrows[start].Packets)
	var body []string
	for ai := start; ai < len(l.Arrows) && len(body) < rows; ai++ {
		a := l.Arrows[ai]
		line := rail()
		note.ArrowLine(line, a, col)
		if ai == selA {
			line[0] = '▶'
		}
		s := truncate(strings.TrimRight(string(line), " "), w)
		if ai == selA {
			s = st.Selected.Render(pad(s, w))
		}
		body = append(body, s)
		if rs, ok := c.svc[ai]; ok {
			// A Service's journey: each rewrite under the lane of the
			// namespace that made it, the masquerade with its own label.
			for _, r := range rs {
				line := strings.TrimRight(rewriteLine(rail(), col(r.lane), r.text(p.c)), " ")
				body = append(body, truncate(st.Warn.Render(line), w))
			}
			continue
		}
		rw := rail()
		if note.RewriteLine(rw, a, col) {
			body = append(body, truncate(st.Warn.Render(strings.TrimRight(string(rw), " ")), w))
		}
	}
	if len(body) > rows {
		body = body[:rows]
	}
	return append(out, body...)
}

package tui

import (
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"github.com/nettutor/nettutor/assets"
	"github.com/nettutor/nettutor/engine"
	"github.com/nettutor/nettutor/engine/diagram"
)

// TopoOptions tune RenderTopology.
type TopoOptions struct {
	Changed  ChangeSet // highlighted with ◆
	Selected string    // namespace marked ▶ (the shell target)
	Width    int       // cells available
	Styles   *Styles   // nil draws plain text
	Empty    string    // shown for a lab with nothing in it
	// Order names namespaces in the order to draw them left to right
	// (e.g. as a lesson creates them); others follow by address, then name.
	Order []string
	// Height is the rows the diagram has (0: any). A diagram taller than
	// that is drawn again in a compact form (addresses on their link's
	// line, neighbours side by side, the NAT point on the wire's label),
	// so that it fits beside the packets instead of scrolling away.
	Height int
	// Lang is the language of the diagram's own words ("fdb: 2 learned",
	// "up, no carrier"); "" is English.
	Lang string
	// Nodes are the lesson's cluster roles (its `nodes:`): with them the
	// lab is drawn as a cluster (topology_cluster.go); without, as always.
	Nodes []diagram.Node
}

// Diagram geometry.
const (
	topoGap     = 6  // cells between boxes of a row (room for a veth line)
	topoMinBox  = 16 // narrowest box
	topoRichMAC = 44 // box content width from which MACs are shown
)

// RenderTopology draws a lab snapshot: namespaces as boxes holding their
// interfaces, veth pairs as lines between boxes (or as a named peer when no
// line can be drawn), bridges as boxes with their ports inside the host,
// the OUTSIDE namespace below the host with the NAT point on its link.
// The layout is computed from the snapshot alone, so any lesson, including
// a learner's own, gets a diagram. It is a pure function of its inputs.
func RenderTopology(s *engine.Snapshot, o TopoOptions) string {
	st := o.Styles
	if st == nil {
		st = &Styles{} // zero styles draw plain text
	}
	W := max(o.Width, topoMinBox+2)
	if s == nil || len(s.Namespaces) == 0 {
		return o.Empty
	}
	if c := diagram.ReadCluster(s, o.Nodes); c != nil {
		t := topo{s: s, o: o, st: st, W: W}
		out := t.renderCluster(c, false)
		if o.Height > 0 && strings.Count(out, "\n")+1 > o.Height {
			out = t.renderCluster(c, true)
		}
		return out
	}
	t := topo{s: s, o: o, st: st, W: W}
	out := t.render()
	if o.Height > 0 && strings.Count(out, "\n")+1 > o.Height {
		t = topo{s: s, o: o, st: st, W: W, compact: true}
		out = t.render()
	}
	return out
}

// TopoOrder lists a snapshot's namespaces in the order the diagram shows
// them: the row above the host left to right, the host, then OUTSIDE.
func TopoOrder(s *engine.Snapshot, order []string) []string {
	if s == nil {
		return nil
	}
	t := topo{s: s, o: TopoOptions{Order: order}}
	t.classify()
	var out []string
	for _, n := range t.top {
		out = append(out, n.Name)
	}
	if t.host != nil {
		out = append(out, t.host.Name)
	}
	for _, n := range t.bottom {
		out = append(out, n.Name)
	}
	return out
}

type topo struct {
	s  *engine.Snapshot
	o  TopoOptions
	st *Styles
	W  int

	host          *engine.Namespace
	top, bottom   []*engine.Namespace
	drawnPeer     map[string]bool // linkKey of veth ends whose pair is drawn as a line
	hostConnected map[string]bool // ns -> has a veth into host
	hostLine      map[string]bool // ns -> its veth into host is drawn as a line
	gap           int
	compact       bool // the form that fits a given height (TopoOptions.Height)
}

// box is one namespace (or bridge) box before placement.
type box struct {
	ns       string
	title    string
	lines    []string
	w        int
	changed  bool
	selected bool
	rowOf    map[string]int // link name -> content line
	x        int
}

func (t *topo) render() string {
	t.classify()
	t.drawnPeer = map[string]bool{}
	t.hostConnected = map[string]bool{}

	// Which veth pairs become lines: top<->host, host<->bottom always;
	// top<->top when the two boxes end up next to each other.
	for _, n := range t.top {
		for _, l := range n.Links {
			if l.Peer != nil && t.host != nil && l.Peer.NS == t.host.Name {
				t.hostConnected[n.Name] = true
			}
		}
	}
	for _, n := range t.bottom {
		for _, l := range n.Links {
			if l.Peer != nil && t.host != nil && l.Peer.NS == t.host.Name {
				t.hostConnected[n.Name] = true
			}
		}
	}
	// First pass assumes neighbours in order are adjacent and every box
	// of the top row is linked into the host by a line; after the layout,
	// boxes whose line cannot be drawn get their peer named instead.
	t.hostLine = map[string]bool{}
	for ns := range t.hostConnected {
		t.hostLine[ns] = true
	}
	t.gap = topoGap
	t.markAdjacent(nil)
	rows := t.layoutTop()
	if len(rows) > 1 {
		t.gap = 3
		rows = t.layoutTop()
	}
	changed := t.markAdjacent(rows)
	if len(rows) > 1 {
		last := map[string]bool{}
		for _, b := range rows[len(rows)-1] {
			last[b.ns] = true
		}
		for _, n := range t.top {
			if t.hostLine[n.Name] && !last[n.Name] {
				delete(t.hostLine, n.Name)
				changed = true
			}
		}
	}
	if changed {
		rows = t.layoutTop()
	}
	var out []string

	// Top rows.
	topWidth := 0
	var lastRow []*box
	for ri, row := range rows {
		last := ri == len(rows)-1
		var bottomTees map[*box]int
		if last {
			bottomTees = map[*box]int{}
			for _, b := range row {
				if t.hostLine[b.ns] && t.showHost() {
					bottomTees[b] = b.w / 2
				}
			}
		}
		out = append(out, t.joinRow(row, bottomTees)...)
		if w := rowWidth(row); w > topWidth {
			topWidth = w
		}
		if last {
			lastRow = row
		}
	}

	if !t.showHost() {
		for _, b := range t.bottomBoxes() {
			out = append(out, t.renderBox(b, nil, nil)...)
		}
		return strings.Join(out, "\n")
	}

	// Connectors from the last top row into the host.
	var topCols []int
	var conn []seg
	for _, b := range lastRow {
		if !t.hostLine[b.ns] {
			continue
		}
		col := b.x + b.w/2
		topCols = append(topCols, col)
		conn = append(conn, seg{col, t.st.Subtle.Render("│") + " " + t.hostEndLabel(b.ns)})
	}
	if len(conn) > 0 {
		out = append(out, composeSegs(conn, t.W))
	} else if len(rows) > 0 {
		out = append(out, "")
	}

	// Host box, at least as wide as the rows above.
	hb := t.hostBox(max(topWidth, 0))
	bottoms := t.bottomBoxes()
	x := 0
	var botCols []int
	for _, b := range bottoms {
		b.x = x
		x += b.w + topoGap
		if t.hostLine[b.ns] {
			botCols = append(botCols, b.topTee())
		}
	}
	out = append(out, t.renderBox(hb, topCols, botCols)...)

	// Host to OUTSIDE, with the NAT point.
	if len(bottoms) > 0 {
		var l1, l2 []seg
		nat := t.natLabel()
		for _, b := range bottoms {
			if !t.hostLine[b.ns] {
				continue
			}
			col := b.topTee()
			if lbl := t.hostEndLabel(b.ns) + " " + nat; t.compact && nat != "" && col+2+width(lbl) <= t.W {
				// One line: the host end, then the NAT point on the same wire.
				l1 = append(l1, seg{col, t.st.Subtle.Render("│") + " " + lbl})
				continue
			}
			l1 = append(l1, seg{col, t.st.Subtle.Render("│") + " " + t.hostEndLabel(b.ns)})
			if nat != "" {
				l2 = append(l2, seg{col, t.st.Subtle.Render("│") + " " + nat})
			}
		}
		if len(l1) > 0 {
			out = append(out, composeSegs(l1, t.W))
		} else {
			out = append(out, "")
		}
		if len(l2) > 0 {
			out = append(out, composeSegs(l2, t.W))
		}
		out = append(out, t.joinRowTopTees(bottoms)...)
	}
	return strings.Join(out, "\n")
}

// topTee is the column where a line enters the box from above, clear of
// its title.
func (b *box) topTee() int {
	return b.x + min(max(b.w/2, width(b.title)+5), b.w-2)
}

func rowWidth(row []*box) int {
	if len(row) == 0 {
		return 0
	}
	b := row[len(row)-1]
	return b.x + b.w
}

// classify splits namespaces into the row above the host, the host and
// the row below it (OUTSIDE).
func (t *topo) classify() {
	for i := range t.s.Namespaces {
		n := &t.s.Namespaces[i]
		switch {
		case n.Name == engine.HostNS:
			t.host = n
		case strings.EqualFold(n.Name, "OUTSIDE") || strings.HasPrefix(strings.ToUpper(n.Name), "OUTSIDE"):
			t.bottom = append(t.bottom, n)
		default:
			t.top = append(t.top, n)
		}
	}
	// Left to right by the order asked for, then by lowest address (RED
	// 11.11.11.2 before BLUE .3), then by name; without addresses last.
	rank := func(name string) int {
		for i, n := range t.o.Order {
			if n == name {
				return i
			}
		}
		return len(t.o.Order)
	}
	sort.SliceStable(t.top, func(i, j int) bool {
		if ri, rj := rank(t.top[i].Name), rank(t.top[j].Name); ri != rj {
			return ri < rj
		}
		ai, aj := lowestAddr(t.top[i]), lowestAddr(t.top[j])
		if ai.IsValid() != aj.IsValid() {
			return ai.IsValid()
		}
		if ai != aj {
			return ai.Less(aj)
		}
		return t.top[i].Name < t.top[j].Name
	})
}

func lowestAddr(n *engine.Namespace) netip.Addr {
	var best netip.Addr
	for _, l := range n.Links {
		if l.Kind == "loopback" || l.Name == "lo" {
			continue
		}
		for _, a := range l.Addrs {
			p, err := netip.ParsePrefix(a)
			if err != nil || !p.Addr().Is4() {
				continue
			}
			if !best.IsValid() || p.Addr().Less(best) {
				best = p.Addr()
			}
		}
	}
	return best
}

// markAdjacent records which top<->top veth pairs are drawn as lines: with
// rows nil, every pair between neighbours in order; otherwise only pairs
// whose boxes are next to each other in a row. It reports a change.
func (t *topo) markAdjacent(rows [][]*box) bool {
	old := len(t.drawnPeer)
	next := map[string]string{} // ns -> right neighbour
	if rows == nil {
		for i := 0; i+1 < len(t.top); i++ {
			next[t.top[i].Name] = t.top[i+1].Name
		}
	} else {
		for _, row := range rows {
			for i := 0; i+1 < len(row); i++ {
				next[row[i].ns] = row[i+1].ns
			}
		}
	}
	drawn := map[string]bool{}
	for _, n := range t.top {
		r, ok := next[n.Name]
		if !ok {
			continue
		}
		for _, l := range n.Links {
			if l.Peer != nil && l.Peer.NS == r {
				drawn[linkKey(n.Name, l.Name)] = true
				drawn[linkKey(l.Peer.NS, l.Peer.Name)] = true
				break // one line between two boxes
			}
		}
	}
	t.drawnPeer = drawn
	return rows != nil && len(drawn) != old
}

func (t *topo) showHost() bool {
	if t.host == nil {
		return false
	}
	if len(t.top)+len(t.bottom) == 0 || t.o.Selected == t.host.Name {
		return true // the shell target is always drawn
	}
	if len(t.hostConnected) > 0 || len(t.host.Rules) > 0 {
		return true
	}
	for _, l := range t.host.Links {
		if l.Name != "lo" {
			return true
		}
	}
	for _, r := range t.host.Routes {
		if r.Gw != "" {
			return true
		}
	}
	return t.host.Sysctl["net.ipv4.ip_forward"] == "1"
}

// layoutTop builds the top boxes and packs them into rows.
func (t *topo) layoutTop() [][]*box {
	boxes := make([]*box, 0, len(t.top))
	for _, n := range t.top {
		boxes = append(boxes, t.nsBox(n))
	}
	if len(boxes) == 0 {
		return nil
	}
	total := 0
	for _, b := range boxes {
		total += b.w
	}
	total += t.gap * (len(boxes) - 1)
	if total > t.W && len(boxes) > 1 {
		// Narrow the gaps before cutting into the boxes.
		if g := (t.W - (total - t.gap*(len(boxes)-1))) / (len(boxes) - 1); g >= 3 {
			t.gap = min(g, t.gap)
			total = t.W
		}
	}
	if total > t.W {
		// Shrink the boxes a little when that makes one row; otherwise
		// wrap them into rows at their natural widths.
		limit := max(topoMinBox, (t.W-t.gap*(len(boxes)-1))/len(boxes))
		cut := 0
		for _, b := range boxes {
			cut += max(0, b.w-max(limit, t.minBoxW(b)))
		}
		shrink := cut <= 2*len(boxes)
		for _, b := range boxes {
			if shrink {
				b.w = min(b.w, max(limit, t.minBoxW(b)))
			}
			b.w = min(b.w, t.W)
		}
	}
	wired := rowWidthOf(boxes, t.gap) > t.W && len(t.hostLine) > 0
	if wired {
		// More than one row: the boxes wired into the host go last, in
		// rows of their own just above it, so that their wires are drawn;
		// the others (a --network none namespace) fill the rows above.
		sort.SliceStable(boxes, func(i, j int) bool { return !t.hostLine[boxes[i].ns] && t.hostLine[boxes[j].ns] })
	}
	var rows [][]*box
	var row []*box
	x := 0
	for _, b := range boxes {
		wiredStarts := wired && len(row) > 0 && t.hostLine[b.ns] && !t.hostLine[row[len(row)-1].ns]
		if len(row) > 0 && (x+t.gap+b.w > t.W || wiredStarts) {
			rows = append(rows, row)
			row, x = nil, 0
		}
		if len(row) > 0 {
			x += t.gap
		}
		b.x = x
		x += b.w
		row = append(row, b)
	}
	return append(rows, row)
}

func (t *topo) minBoxW(b *box) int { return min(width(b.title)+6, 24) }

// rowWidthOf is how wide boxes are side by side with gap between them.
func rowWidthOf(boxes []*box, gap int) int {
	w := 0
	for i, b := range boxes {
		if i > 0 {
			w += gap
		}
		w += b.w
	}
	return w
}

// nsBox builds a namespace's box.
func (t *topo) nsBox(n *engine.Namespace) *box {
	b := &box{ns: n.Name, rowOf: map[string]int{}}
	b.changed = t.o.Changed[nsKey(n.Name)]
	b.selected = t.o.Selected == n.Name
	b.title = t.nsTitle(n.Name, b.changed, b.selected)
	t.linkLines(b, n, func(l *engine.Link) bool { return true })
	t.extraLines(b, n)
	b.w = boxWidth(b)
	return b
}

func (t *topo) nsTitle(name string, changed, selected bool) string {
	title := name
	if name == engine.HostNS {
		title = "host"
	}
	if changed {
		title = t.st.Changed.Render("◆ " + title)
	} else {
		title = t.st.Bold.Render(title)
	}
	if selected {
		title = t.st.Accent.Render("▶ ") + title
	}
	return title
}

func boxWidth(b *box) int {
	w := width(b.title) + 8
	for _, l := range b.lines {
		w = max(w, width(l)+3)
	}
	return w
}

// gutter is the one-cell change column in front of every item.
// peerDrawnViaHost reports whether l's pair is a line between a box and
// the host box.
func (t *topo) peerDrawnViaHost(ns string, l *engine.Link) bool {
	if t.host == nil || l.Peer == nil {
		return false
	}
	if ns == t.host.Name {
		return t.hostLine[l.Peer.NS]
	}
	return l.Peer.NS == t.host.Name && t.hostLine[ns]
}

func (t *topo) gutter(changed bool) string {
	if changed {
		return t.st.Changed.Render("◆")
	}
	return " "
}

func (t *topo) stateMark(l *engine.Link) string {
	switch operClass(l) {
	case "up":
		return t.st.Up.Render("●")
	case "nocarrier":
		return t.st.Warn.Render("◐")
	}
	return t.st.Down.Render("○")
}

// stateWord says a link's state in the diagram's language.
func (t *topo) stateWord(l *engine.Link) string {
	switch operClass(l) {
	case "up":
		return t.word("diagram.up")
	case "nocarrier":
		return t.word("diagram.no_carrier")
	}
	return t.word("diagram.down")
}

// word is one of the diagram's words (assets/strings/diagram.*.json).
func (t *topo) word(key string, vals ...string) string { return assets.M(t.o.Lang, key, vals...) }

// linkLines appends a line per link kept by keep (and its addresses).
func (t *topo) linkLines(b *box, n *engine.Namespace, keep func(*engine.Link) bool) {
	// lo first and always: every namespace has its own, down until
	// someone brings it up, and the lessons teach exactly that.
	if lo := n.Link("lo"); lo != nil {
		t.appendLink(b, n.Name, lo)
	}
	for i := range n.Links {
		l := &n.Links[i]
		if l.Name == "lo" || l.Kind == "loopback" || !keep(l) {
			continue
		}
		t.appendLink(b, n.Name, l)
	}
}

// defaultLoAddr is an address every lo has once up, which its line leaves
// out (127.0.0.1/8, ::1/128).
func defaultLoAddr(a string) bool { return a == "127.0.0.1/8" || a == "::1/128" }

func (t *topo) appendLink(b *box, ns string, l *engine.Link) {
	ch := t.o.Changed[linkKey(ns, l.Name)]
	name := l.Name
	if ch {
		name = t.st.Changed.Render(name)
	} else {
		name = t.st.Bold.Render(name)
	}
	isLo := l.Name == "lo" || l.Kind == "loopback"
	var addrs []string
	for _, a := range l.Addrs {
		if !linkLocal(a) && !(isLo && defaultLoAddr(a)) {
			addrs = append(addrs, a)
		}
	}
	line := t.stateMark(l) + " " + name
	if !t.compact {
		line += " " + t.stateWord(l) // the mark's shape says it in compact form
	}
	if t.compact && len(addrs) > 0 {
		// The first address on the link's line.
		ach := t.o.Changed[addrKey(ns, l.Name, addrs[0])]
		txt := addrs[0]
		if ach {
			txt = t.st.Changed.Render(txt)
		}
		ch = ch || ach
		line += " " + txt
		addrs = addrs[1:]
	}
	line = t.gutter(ch) + line
	if l.Kind != "" && l.Kind != "veth" && l.Kind != "loopback" {
		line += t.st.Subtle.Render(" " + l.Kind)
	}
	if l.MTU != 0 && l.MTU != 1500 && l.MTU != 65536 {
		line += t.st.Subtle.Render(" mtu " + strconv.Itoa(l.MTU))
	}
	b.rowOf[l.Name] = len(b.lines)
	b.lines = append(b.lines, line)
	for _, a := range addrs {
		ach := t.o.Changed[addrKey(ns, l.Name, a)]
		txt := a
		if ach {
			txt = t.st.Changed.Render(a)
		}
		b.lines = append(b.lines, t.gutter(ach)+"  "+txt)
	}
	if l.Peer != nil && !t.drawnPeer[linkKey(ns, l.Name)] && !t.peerDrawnViaHost(ns, l) {
		b.lines = append(b.lines, " "+t.st.Subtle.Render("  ↔ "+l.Peer.NS+"/"+l.Peer.Name))
	}
	if t.W >= 120 && l.MAC != "" && l.Name != "lo" {
		b.lines = append(b.lines, " "+t.st.Subtle.Render("  "+l.MAC))
	}
}

// extraLines adds routes through a gateway, neighbours, rules and
// forwarding, the state a lesson teaches beyond links.
func (t *topo) extraLines(b *box, n *engine.Namespace) {
	for _, r := range n.Routes {
		if r.Gw == "" && r.Dst != "default" {
			continue
		}
		ch := t.o.Changed[routeKey(n.Name, r)]
		txt := "↪ " + r.Dst
		if r.Dst == "default" && r.Gw != "" && (t.W < 60 || t.compact) {
			txt = "↪ via " + r.Gw // narrow: "default" is implied by the arrow
		} else if r.Gw != "" {
			txt += " via " + r.Gw
		} else if r.Dev != "" {
			txt += " dev " + r.Dev
		}
		if ch {
			txt = t.st.Changed.Render(txt)
		}
		b.lines = append(b.lines, t.gutter(ch)+txt)
	}
	// Compact: neighbours side by side, as many as the box is wide
	// already (the host: as the pane is wide).
	limit := 0
	if t.compact {
		limit = max(topoMinBox, boxWidth(b)-3)
		if n.Name == engine.HostNS {
			limit = t.W - 5
		} else if k := len(t.top); k > 0 {
			// A box of the row above the host may widen for its
			// neighbours up to its share of the row: one line fewer
			// is what lets the nat lesson's diagram fit at 120x40.
			limit = max(limit, (t.W-4*k)/k-3)
		}
	}
	var arpLine string
	arpCh := false
	flushArp := func() {
		if arpLine != "" {
			b.lines = append(b.lines, t.gutter(arpCh)+arpLine)
			arpLine, arpCh = "", false
		}
	}
	for _, nb := range n.Neighbors {
		if nb.State == "failed" || nb.State == "incomplete" || nb.State == "noarp" || nb.State == "permanent" && nb.MAC == "" {
			continue
		}
		ch := t.o.Changed[neighKey(n.Name, nb.IP)]
		if t.compact {
			ip := nb.IP
			if ch {
				ip = t.st.Changed.Render(ip)
			}
			if arpLine != "" && width(arpLine)+1+width(ip) > limit {
				flushArp()
			}
			if arpLine == "" {
				arpLine = " arp " + ip
			} else {
				arpLine += " " + ip
			}
			arpCh = arpCh || ch
			continue
		}
		txt := " arp " + nb.IP
		if t.W >= 100 && nb.MAC != "" {
			txt += " " + nb.MAC
		}
		if ch {
			txt = t.st.Changed.Render(txt)
		}
		b.lines = append(b.lines, t.gutter(ch)+txt)
	}
	flushArp()
	for _, r := range n.Rules {
		ch := t.o.Changed[ruleKey(n.Name, r)]
		// Wrapped, not cut: a rule is what the lesson is about.
		rule := shortRule(r)
		if t.compact {
			rule = dropImpliedMatch(rule)
		}
		for i, part := range wrap(rule, max(t.W-7, 16)) {
			txt := " " + part
			if i > 0 {
				txt = "   " + part
			}
			if ch {
				txt = t.st.Changed.Render(txt)
			}
			b.lines = append(b.lines, t.gutter(ch && i == 0)+txt)
		}
	}
	if v, ok := n.Sysctl["net.ipv4.ip_forward"]; ok && (v == "1" || t.o.Changed[sysctlKey(n.Name, "net.ipv4.ip_forward")]) {
		ch := t.o.Changed[sysctlKey(n.Name, "net.ipv4.ip_forward")]
		if t.compact { // in the title
			txt := "ip_forward=" + v
			if ch {
				txt = t.st.Changed.Render(txt)
			}
			b.title += t.titleSep(ch) + txt
			return
		}
		txt := " ip_forward=" + v
		if ch {
			txt = t.st.Changed.Render(txt)
		}
		b.lines = append(b.lines, t.gutter(ch)+txt)
	}
}

// dropImpliedMatch drops "-m tcp" after "-p tcp" (and udp's), which
// iptables -S prints and which says nothing more.
func dropImpliedMatch(rule string) string {
	for _, p := range []string{"tcp", "udp"} {
		if strings.Contains(rule, "-p "+p+" ") {
			rule = strings.Replace(rule, " -m "+p+" ", " ", 1)
		}
	}
	return rule
}

// titleSep goes between a box title and what compact form adds to it:
// the change mark when that changed.
func (t *topo) titleSep(changed bool) string {
	if changed {
		return " " + t.st.Changed.Render("◆") + " "
	}
	return " · "
}

// linkLocal reports an IPv6 link-local address, which every link gets and
// the diagram leaves out.
func linkLocal(cidr string) bool {
	p, err := netip.ParsePrefix(cidr)
	return err == nil && p.Addr().Is6() && p.Addr().IsLinkLocalUnicast()
}

// shortRule drops the parts of an iptables rule a diagram does not need.
func shortRule(r string) string {
	// A rule the snapshot cannot spell in iptables form: its table and
	// chain, and how to print it.
	f := strings.Fields(engine.RuleLine(r))
	table := "filter"
	var rest []string
	for i := 0; i < len(f); i++ {
		switch {
		case f[i] == "-t" && i+1 < len(f):
			table = f[i+1]
			i++
		case f[i] == "-A":
		default:
			rest = append(rest, f[i])
		}
	}
	return table + ": " + strings.Join(rest, " ")
}

// hostBox builds the host box: bridges as inner boxes with their ports,
// then the host's other links and state.
func (t *topo) hostBox(minW int) *box {
	n := t.host
	b := &box{ns: n.Name, rowOf: map[string]int{}}
	b.changed = t.o.Changed[nsKey(n.Name)]
	b.selected = t.o.Selected == n.Name
	b.title = t.nsTitle(n.Name, b.changed, b.selected)
	inner := t.W - 3

	// Bridges side by side, wrapped to the width.
	var brs []*box
	for i := range n.Links {
		l := &n.Links[i]
		if l.Kind != "bridge" {
			continue
		}
		brs = append(brs, t.bridgeBox(n, l))
	}
	var rowBoxes []*box
	x := 0
	flush := func() {
		if len(rowBoxes) == 0 {
			return
		}
		for _, l := range t.joinRow(rowBoxes, nil) {
			b.lines = append(b.lines, " "+l)
		}
		rowBoxes, x = nil, 0
	}
	for _, br := range brs {
		br.w = min(br.w, inner-1)
		if len(rowBoxes) > 0 && x+2+br.w > inner-1 {
			flush()
		}
		if len(rowBoxes) > 0 {
			x += 2
		}
		br.x = x
		x += br.w
		rowBoxes = append(rowBoxes, br)
	}
	flush()

	isPort := func(l *engine.Link) bool {
		if l.Master == "" {
			return false
		}
		m := n.Link(l.Master)
		return m != nil && m.Kind == "bridge"
	}
	t.linkLines(b, n, func(l *engine.Link) bool { return l.Kind != "bridge" && !isPort(l) })
	t.extraLines(b, n)
	if len(b.lines) == 0 {
		if lo := n.Link("lo"); lo != nil {
			t.appendLink(b, n.Name, lo) // an empty lab host still shows its lo
		}
	}
	b.w = min(max(boxWidth(b), minW), t.W)
	return b
}

// bridgeBox is a bridge with its ports.
func (t *topo) bridgeBox(n *engine.Namespace, br *engine.Link) *box {
	ch := t.o.Changed[linkKey(n.Name, br.Name)]
	title := br.Name + " bridge"
	if ch {
		title = t.st.Changed.Render("◆ " + title)
	} else {
		title = t.st.Bold.Render(title)
	}
	title += " " + t.stateMark(br) + " " + t.stateWord(br)
	b := &box{ns: br.Name, title: title, changed: ch, rowOf: map[string]int{}}
	for _, a := range br.Addrs {
		if linkLocal(a) {
			continue
		}
		ach := t.o.Changed[addrKey(n.Name, br.Name, a)]
		txt := a
		if ach {
			txt = t.st.Changed.Render(a)
		}
		if t.compact {
			b.title += t.titleSep(ach) + txt // the bridge's address in its title
			continue
		}
		b.lines = append(b.lines, t.gutter(ach)+"  "+txt)
	}
	for i := range n.Links {
		l := &n.Links[i]
		if l.Master != br.Name {
			continue
		}
		pch := t.o.Changed[linkKey(n.Name, l.Name)]
		name := l.Name
		if pch {
			name = t.st.Changed.Render(name)
		}
		line := t.gutter(pch) + t.stateMark(l) + " " + t.st.Subtle.Render(t.word("diagram.port_prefix")) + name
		if l.Peer != nil {
			line += t.st.Subtle.Render(" ↔ " + l.Peer.NS)
		}
		b.lines = append(b.lines, line)
	}
	learned := 0
	for _, f := range n.FDB {
		if f.Master == br.Name && f.State == "" && !f.Self {
			learned++
		}
	}
	if learned > 0 || t.o.Changed[fdbKey(n.Name, br.Name)] {
		fch := t.o.Changed[fdbKey(n.Name, br.Name)]
		txt := " " + t.word("diagram.fdb_learned", "n", strconv.Itoa(learned))
		if fch {
			txt = t.st.Changed.Render(txt)
		}
		b.lines = append(b.lines, t.gutter(fch)+txt)
	}
	b.w = boxWidth(b)
	return b
}

func (t *topo) bottomBoxes() []*box {
	var out []*box
	for _, n := range t.bottom {
		b := t.nsBox(n)
		b.w = min(b.w, t.W)
		out = append(out, b)
	}
	return out
}

// hostEndLabel names the host end(s) of ns's veth pairs into the host.
func (t *topo) hostEndLabel(ns string) string {
	n := t.s.NS(ns)
	var parts []string
	for i := range n.Links {
		l := &n.Links[i]
		if l.Peer == nil || t.host == nil || l.Peer.NS != t.host.Name {
			continue
		}
		lbl := l.Peer.Name
		if t.o.Changed[linkKey(t.host.Name, l.Peer.Name)] || t.o.Changed[linkKey(ns, l.Name)] {
			lbl = t.st.Changed.Render("◆" + lbl)
		} else {
			lbl = t.st.Subtle.Render(lbl)
		}
		parts = append(parts, lbl)
	}
	return strings.Join(parts, ",")
}

// natLabel marks the NAT point when the host masquerades or SNATs.
func (t *topo) natLabel() string {
	for _, r := range t.host.Rules {
		if !strings.Contains(r, "POSTROUTING") {
			continue
		}
		kind := ""
		switch {
		case strings.Contains(r, "MASQUERADE"):
			kind = "MASQUERADE"
		case strings.Contains(r, "SNAT"):
			kind = "SNAT"
		default:
			continue
		}
		src := ""
		if f := strings.Fields(r); len(f) > 0 {
			for i := 0; i+1 < len(f); i++ {
				if f[i] == "-s" {
					src = " " + f[i+1]
				}
			}
		}
		lbl := "⇄ NAT " + kind + src
		if t.o.Changed[ruleKey(t.host.Name, r)] {
			return t.st.Changed.Render("◆ " + lbl)
		}
		return t.st.Warn.Render(lbl)
	}
	return ""
}

// renderBox draws a box with tee marks on its top and bottom borders at
// the given columns (absolute, compared with b.x).
func (t *topo) renderBox(b *box, topTees, bottomTees []int) []string {
	bs := t.st.Subtle
	if b.changed {
		bs = t.st.Changed
	}
	if b.selected {
		bs = t.st.Accent
	}
	w := max(b.w, 6)
	inner := w - 3
	lines := make([]string, 0, len(b.lines)+2)

	title := " " + truncate(b.title, max(w-7, 1)) + " "
	tw := width(title)
	top := []rune("┌" + strings.Repeat("─", w-2) + "┐")
	// The title goes after the last tee that would fall under it.
	at := 2
	for _, c := range topTees {
		c -= b.x
		if c >= at-1 && c <= at+tw && c+2+tw <= w-1 {
			at = c + 2
		}
	}
	for _, c := range topTees {
		c -= b.x
		if c > 0 && c < w-1 && (c < at-1 || c > at+tw) {
			top[c] = '┴'
		}
	}
	lines = append(lines, bs.Render(string(top[:at]))+title+bs.Render(string(top[at+tw:])))
	side := bs.Render("│")
	for _, l := range b.lines {
		lines = append(lines, side+pad(l, inner)+" "+side)
	}
	bot := []rune("└" + strings.Repeat("─", w-2) + "┘")
	for _, c := range bottomTees {
		c -= b.x
		if c > 0 && c < w-1 {
			bot[c] = '┬'
		}
	}
	lines = append(lines, bs.Render(string(bot)))
	return lines
}

// joinRow draws boxes side by side with veth lines in the gaps; bottomTees
// gives, per box, the column (relative to the box) of a tee below it.
func (t *topo) joinRow(row []*box, bottomTees map[*box]int) []string {
	blocks := make([][]string, len(row))
	h := 0
	tall := 0
	for _, b := range row {
		tall = max(tall, len(b.lines))
	}
	for _, b := range row {
		for len(b.lines) < tall {
			b.lines = append(b.lines, "")
		}
	}
	for i, b := range row {
		var bt []int
		if c, ok := bottomTees[b]; ok {
			bt = []int{b.x + c}
		}
		blocks[i] = t.renderBox(b, nil, bt)
		h = max(h, len(blocks[i]))
	}
	return joinBlocks(row, blocks, h, t.gapCell)
}

// joinRowTopTees draws the bottom row with tees on top where the host's
// links come in.
func (t *topo) joinRowTopTees(row []*box) []string {
	blocks := make([][]string, len(row))
	h := 0
	for i, b := range row {
		var tt []int
		if t.hostLine[b.ns] {
			tt = []int{b.topTee()}
		}
		blocks[i] = t.renderBox(b, tt, nil)
		h = max(h, len(blocks[i]))
	}
	return joinBlocks(row, blocks, h, nil)
}

// gapCell is row r of the gap between boxes a and b: a veth line when
// they are a pair and r is the row of a's end.
func (t *topo) gapCell(a, b *box, r, gap int) string {
	if gap <= 0 {
		return ""
	}
	n := t.s.NS(a.ns)
	if n != nil {
		for _, l := range n.Links {
			if l.Peer == nil || l.Peer.NS != b.ns || !t.drawnPeer[linkKey(a.ns, l.Name)] {
				continue
			}
			row, ok := a.rowOf[l.Name]
			if !ok || r != row+1 {
				break
			}
			line := strings.Repeat("─", gap)
			if t.o.Changed[linkKey(a.ns, l.Name)] || t.o.Changed[linkKey(b.ns, l.Peer.Name)] {
				if gap >= 3 {
					line = strings.Repeat("─", (gap-1)/2) + "◆" + strings.Repeat("─", gap-1-(gap-1)/2)
				}
				return t.st.Changed.Render(line)
			}
			return t.st.Subtle.Render(line)
		}
	}
	return strings.Repeat(" ", gap)
}

// seg is a piece of text at a column.
type seg struct {
	x int
	s string
}

// composeSegs places segments on one line, each cut where the next begins.
func composeSegs(segs []seg, w int) string {
	sort.Slice(segs, func(i, j int) bool { return segs[i].x < segs[j].x })
	var sb strings.Builder
	col := 0
	for i, s := range segs {
		if s.x < col {
			continue
		}
		sb.WriteString(strings.Repeat(" ", s.x-col))
		col = s.x
		limit := w - col
		if i+1 < len(segs) {
			limit = min(limit, segs[i+1].x-col-1)
		}
		txt := truncate(s.s, max(limit, 1))
		sb.WriteString(txt)
		col += width(txt)
	}
	return strings.TrimRight(sb.String(), " ")
}

// joinBlocks lays the drawn boxes of a row side by side, h lines high:
// each box at its column, a shorter box padded with blanks, trailing
// blanks cut. gap draws line r of the n cells between boxes a and b
// (a veth line); nil leaves them blank.
func joinBlocks(row []*box, blocks [][]string, h int, gap func(a, b *box, r, n int) string) []string {
	out := make([]string, h)
	for r := 0; r < h; r++ {
		var sb strings.Builder
		for i, b := range row {
			if i > 0 {
				n := b.x - (row[i-1].x + row[i-1].w)
				if gap != nil {
					sb.WriteString(gap(row[i-1], b, r, n))
				} else {
					sb.WriteString(strings.Repeat(" ", n))
				}
			}
			if r < len(blocks[i]) {
				sb.WriteString(blocks[i][r])
			} else {
				sb.WriteString(strings.Repeat(" ", b.w))
			}
		}
		out[r] = strings.TrimRight(sb.String(), " ")
	}
	return out
}

package tui

import (
	"sort"
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"
	"github.com/nettutor/nettutor/engine"
	"github.com/nettutor/nettutor/engine/diagram"
)

// The cluster drawing (TopoOptions.Nodes): the first half of the nodes
// above the lab host, the others below it, each node a box that holds its
// pods as boxes of their own; the lab host's underlay bridge between them
// as the switch the nodes' uplinks are wired to; and each VXLAN tunnel as
// a double line (║) from one node to the other beside the switch,
// labelled with its VNI and UDP port. A lesson without nodes never comes
// here, so week one's drawing is untouched.

const (
	clusterGap  = 2 // cells between node boxes of a row
	clusterWire = 4 // column of a node's uplink wire, from its box's left
)

// renderCluster draws c (read from t.s) at t.W cells; tight puts the
// switch's ports side by side, for a pane one or two rows short.
func (t *topo) renderCluster(c *diagram.Cluster, tight bool) string {
	t.compact = true
	half := (len(c.Nodes) + 1) / 2
	topNodes, botNodes := c.Nodes[:half], c.Nodes[half:]
	top := t.nodeRow(topNodes)
	bot := t.nodeRow(botNodes)

	var out []string
	// The one tunnel drawn as a pipe: between a node above and one below.
	pipe := -1
	for i, tn := range c.Tunnels {
		if tn.B.Dev != "" && inRow(top, tn.A.Node) != nil && inRow(bot, tn.B.Node) != nil {
			pipe = i
			break
		}
	}
	// Wires: from each node above into the switch, from the switch into
	// each node below; a node's wire is at its uplink's column.
	var upCols, downCols []int
	for _, b := range top {
		if t.uplinked(c, b.ns) {
			upCols = append(upCols, b.x+clusterWire)
		}
	}
	for _, b := range bot {
		if t.uplinked(c, b.ns) {
			downCols = append(downCols, b.x+clusterWire)
		}
	}
	switchBox := func(short bool) *box {
		hb := t.underlayBox(c, short, tight)
		hb.w = max(hb.w, maxInt(upCols)+3, maxInt(downCols)+3)
		if len(upCols) > 0 {
			// Room for the title after the wire's tee, or the tee is lost.
			hb.w = min(max(hb.w, maxInt(upCols)+width(hb.title)+5), t.W)
		}
		return hb
	}
	hb := switchBox(false)
	pipeX := -1
	var labels []string
	if pipe >= 0 {
		a, b := inRow(top, c.Tunnels[pipe].A.Node), inRow(bot, c.Tunnels[pipe].B.Node)
		lo := max(a.x, b.x) + 2
		hi := min(a.x+a.w, b.x+b.w) - 2
		// The switch gives up width for the pipe's label, down to its
		// narrowest; the label takes the form that fits what is left.
		labels = t.tunnelLabels(c.Tunnels[pipe], 1<<30)
		// The label runs from beside the pipe to the pane's edge.
		room := t.W - (max(hb.w+2, lo) + 2)
		if room < maxWidth(labels) {
			hb = switchBox(true)
			room = t.W - (max(hb.w+2, lo) + 2)
			labels = t.tunnelLabels(c.Tunnels[pipe], room)
		}
		if x := max(hb.w+2, lo); x <= hi && room >= maxWidth(labels) {
			pipeX = x
		}
	}

	// Nodes above, with a tee for each wire and for the pipe.
	tees := map[*box][]int{}
	for _, b := range top {
		if t.uplinked(c, b.ns) {
			tees[b] = append(tees[b], b.x+clusterWire)
		}
	}
	out = append(out, t.clusterRow(top, nil, tees, pipeX, '╥', -1)...)
	if hb == nil || c.Underlay == nil && len(upCols)+len(downCols) == 0 && len(bot) == 0 {
		return strings.Join(append(out, t.tunnelText(c, pipe)...), "\n")
	}
	// Beside the switch: the wires' names and the pipe with its label.
	side := []string{}
	var segs []seg
	for _, b := range top {
		if t.uplinked(c, b.ns) {
			segs = append(segs, seg{b.x + clusterWire, t.st.Subtle.Render("│") + " " + t.st.Subtle.Render(t.portFor(c, b.ns))})
		}
	}
	hbLines := t.renderBox(hb, upCols, downCols)
	rows := 1 + len(hbLines) + 1
	pipeRow := func(r int) []seg {
		if pipeX < 0 {
			return nil
		}
		s := []seg{{pipeX, t.st.Accent.Render("║")}}
		// The label sits in the middle rows of the pipe.
		if k := r - (rows-len(labels))/2; k >= 0 && k < len(labels) {
			s[0].s += " " + t.st.Accent.Render(labels[k])
		}
		return s
	}
	side = append(side, composeSegs(append(segs, pipeRow(0)...), t.W))
	for i, l := range hbLines {
		if p := pipeRow(1 + i); p != nil {
			l = composeSegs(append([]seg{{0, l}}, p...), t.W)
		}
		side = append(side, l)
	}
	segs = nil
	for _, b := range bot {
		if t.uplinked(c, b.ns) {
			segs = append(segs, seg{b.x + clusterWire, t.st.Subtle.Render("│") + " " + t.st.Subtle.Render(t.portFor(c, b.ns))})
		}
	}
	if len(bot) > 0 || pipeX >= 0 {
		side = append(side, composeSegs(append(segs, pipeRow(rows-1)...), t.W))
	}
	out = append(out, side...)
	topTees := map[*box][]int{}
	for _, b := range bot {
		if t.uplinked(c, b.ns) {
			topTees[b] = append(topTees[b], b.x+clusterWire)
		}
	}
	out = append(out, t.clusterRow(bot, topTees, nil, -1, '╨', pipeX)...)
	out = append(out, t.tunnelText(c, pipe)...)
	return strings.Join(out, "\n")
}

func inRow(row []*box, ns string) *box {
	for _, b := range row {
		if b.ns == ns {
			return b
		}
	}
	return nil
}

func maxWidth(lines []string) int {
	w := 0
	for _, l := range lines {
		w = max(w, width(l))
	}
	return w
}

func maxInt(v []int) int {
	m := 0
	for _, x := range v {
		m = max(m, x)
	}
	return m
}

// uplinked reports whether node ns has a wire into the underlay.
func (t *topo) uplinked(c *diagram.Cluster, ns string) bool {
	n := c.Node(ns)
	return n != nil && len(n.Uplinks) > 0 && c.Underlay != nil
}

// portFor names the switch port that node ns's uplink is wired to.
func (t *topo) portFor(c *diagram.Cluster, ns string) string {
	for _, p := range c.Underlay.Ports {
		if p.PeerNS == ns {
			return p.Port
		}
	}
	return ""
}

// nodeRow builds the boxes of one row of nodes, sharing the width.
func (t *topo) nodeRow(nodes []diagram.ClusterNode) []*box {
	if len(nodes) == 0 {
		return nil
	}
	w := (t.W - clusterGap*(len(nodes)-1)) / len(nodes)
	var row []*box
	x := 0
	for i := range nodes {
		b := t.nodeBox(&nodes[i], w)
		b.x = x
		x += b.w + clusterGap
		row = append(row, b)
	}
	return row
}

// clusterRow draws a row of node boxes with tees: topTees/bottomTees per
// box (absolute columns), the pipe's tee ch at pipeBottom (on the bottom
// border) or pipeTop (on the top border) when it falls in a box.
func (t *topo) clusterRow(row []*box, topTees, bottomTees map[*box][]int, pipeBottom int, ch rune, pipeTop int) []string {
	if len(row) == 0 {
		return nil
	}
	blocks := make([][]string, len(row))
	h := 0
	for i, b := range row {
		bl := t.renderBox(b, topTees[b], bottomTees[b])
		if c := pipeBottom - b.x; pipeBottom >= 0 && c > 0 && c < b.w-1 {
			bl[len(bl)-1] = t.teeAt(bl[len(bl)-1], c, ch)
		}
		if c := pipeTop - b.x; pipeTop >= 0 && c > 0 && c < b.w-1 {
			bl[0] = t.teeAt(bl[0], c, ch)
		}
		blocks[i] = bl
		h = max(h, len(bl))
	}
	return joinBlocks(row, blocks, h, nil)
}

// teeAt puts the pipe's tee at column c of a border line, when that cell
// is a plain border (never over a title or another tee).
func (t *topo) teeAt(line string, c int, ch rune) string {
	plain := []rune(ansi.Strip(line))
	if c >= len(plain) || plain[c] != '─' {
		return line
	}
	left := string(plain[:c])
	right := string(plain[c+1:])
	return t.st.Subtle.Render(left) + t.st.Accent.Render(string(ch)) + t.st.Subtle.Render(right)
}

// nodeBox builds a node's box of width w: its pods, its bridges (a bus
// the pods' wires come down to, when they sit in one row), its VTEPs, its
// uplink and other links, and its routes that are not plain connected
// ones.
func (t *topo) nodeBox(n *diagram.ClusterNode, w int) *box {
	b := &box{ns: n.Name, rowOf: map[string]int{}, w: w}
	b.changed = t.o.Changed[nsKey(n.Name)]
	b.selected = t.o.Selected == n.Name
	b.title = t.nsTitle(t.word("cluster.node", "name", n.Name), b.changed, b.selected)
	if n.Forward {
		b.title += t.titleSep(false) + "ip_forward=1"
	}
	inTitle := false
	for _, r := range n.Routes {
		if r.Dst == "default" && r.Gw != "" {
			// In the title when it fits whole, after a wire's tee: one
			// line fewer, and every node has one.
			ch := t.o.Changed[routeKey(n.Name, r)]
			txt := "↪ via " + r.Gw
			if ch {
				txt = t.st.Changed.Render(txt)
			}
			if title := b.title + t.titleSep(ch) + txt; width(title)+clusterWire+6 <= w {
				b.title, inTitle = title, true
			}
		}
	}
	inner := w - 3
	if !n.Present {
		b.lines = append(b.lines, " "+t.st.Subtle.Render(t.word("cluster.not_made")))
		return b
	}
	// Pods: one row when they fit, their wires down to the bridge bus.
	var pods []*box
	for i := range n.Pods {
		pods = append(pods, t.podBox(n, &n.Pods[i], inner-1))
	}
	oneRow := rowWidthOf(pods, 1) <= inner-1
	bus := ""
	if oneRow {
		for _, p := range n.Pods {
			if p.Bridge != "" && (bus == "" || bus == p.Bridge) {
				bus = p.Bridge
			} else if p.Bridge != "" {
				bus = "" // pods on different bridges: no one bus
				break
			}
		}
	}
	for i, p := range n.Pods {
		if p.Bridge != "" && p.Bridge != bus {
			// No wire down to a bus: say where the pod's pair leads.
			pods[i].lines = append(pods[i].lines, " "+t.st.Subtle.Render("↔ "+p.NodeEnd+" ▸ "+p.Bridge))
			pods[i].w = min(boxWidth(pods[i]), inner-1)
		}
	}
	var rows [][]*box
	x := 0
	for _, p := range pods {
		if len(rows) == 0 || x+1+p.w > inner-1 {
			rows = append(rows, nil)
			x = 0
		} else {
			x++
		}
		p.x = x
		x += p.w
		rows[len(rows)-1] = append(rows[len(rows)-1], p)
	}
	for ri, row := range rows {
		tees := map[*box]int{}
		if bus != "" && ri == len(rows)-1 {
			for i, p := range row {
				if n.Pods[podIndex(n, p.ns)].Bridge == bus {
					tees[row[i]] = p.w / 2
				}
			}
		}
		for _, l := range t.joinRow(row, tees) {
			b.lines = append(b.lines, " "+l)
		}
	}
	shown := map[string]bool{}
	if bus != "" && len(rows) == 1 {
		b.lines = append(b.lines, t.busLine(n, rows[0], bus, inner)...)
		shown[bus] = true
	}
	for _, br := range n.Bridges {
		if !shown[br.Name] {
			t.ifaceLine(b, n.Name, br, inner)
		}
	}
	for _, v := range n.VTEPs {
		t.vtepLines(b, n.Name, v, inner)
	}
	for _, u := range n.Uplinks {
		t.ifaceLine(b, n.Name, u, inner)
	}
	for _, o := range n.Others {
		t.ifaceLine(b, n.Name, o, inner)
	}
	for _, r := range n.Routes {
		if r.Dst == "default" && r.Gw != "" && inTitle {
			continue
		}
		ch := t.o.Changed[routeKey(n.Name, r)]
		txt := "↪ " + diagram.RouteText(r)
		if r.Dst == "default" && r.Gw != "" {
			txt = "↪ via " + r.Gw
		}
		for i, part := range wrap(txt, max(inner-3, 8)) {
			if i > 0 {
				part = "  " + part
			}
			if ch {
				part = t.st.Changed.Render(part)
			}
			b.lines = append(b.lines, t.gutter(ch && i == 0)+part)
		}
	}
	return b
}

func podIndex(n *diagram.ClusterNode, name string) int {
	for i, p := range n.Pods {
		if p.Name == name {
			return i
		}
	}
	return 0
}

// podBox is a pod: its interface with its address, its default route,
// and, when no bus is drawn to it, what joins it to its node.
func (t *topo) podBox(n *diagram.ClusterNode, p *diagram.Pod, maxW int) *box {
	b := &box{ns: p.Name, rowOf: map[string]int{}}
	b.changed = t.o.Changed[nsKey(p.Name)]
	b.selected = t.o.Selected == p.Name
	b.title = t.nsTitle(p.Name, b.changed, b.selected)
	if !p.Present {
		b.lines = append(b.lines, t.st.Subtle.Render(t.word("cluster.not_made")))
	} else {
		if ns := t.s.NS(p.Name); ns != nil {
			if lo := ns.Link("lo"); lo != nil && (operClass(lo) != "up" || p.Dev == "") {
				// A pod's containers share its lo: down, localhost fails
				// (and a pod with nothing else shows it anyway).
				b.lines = append(b.lines, t.gutter(t.o.Changed[linkKey(p.Name, "lo")])+t.stateMark(lo)+" lo")
			}
		}
		if p.Dev != "" {
			ch := t.o.Changed[linkKey(p.Name, p.Dev)]
			line := t.podMark(p) + " " + p.Dev
			for _, a := range p.Addrs {
				ach := t.o.Changed[addrKey(p.Name, p.Dev, a)]
				ch = ch || ach
				if ach {
					a = t.st.Changed.Render(a)
				}
				line += " " + a
			}
			b.lines = append(b.lines, t.gutter(ch)+line)
		}
		if p.Gateway != "" {
			b.title += t.titleSep(false) + "↪ " + p.Gateway
		}
		if p.NodeEnd != "" && p.Bridge == "" {
			// Routed (Calico): the node's end of the pair, no bridge.
			b.lines = append(b.lines, " "+t.st.Subtle.Render("↔ "+p.NodeEnd))
		}
		for _, e := range p.Elsewhere {
			b.lines = append(b.lines, " "+t.st.Subtle.Render("↔ "+e))
		}
	}
	b.w = min(boxWidth(b), maxW)
	return b
}

// podMark is the pod interface's state mark.
func (t *topo) podMark(p *diagram.Pod) string {
	if p.Up {
		return t.st.Up.Render("●")
	}
	return t.st.Down.Render("○")
}

// busLine is the bridge the pods' wires come down to: a line with a ┴
// under each bridged pod, then the bridge's name, state and address (on
// a line of its own when the bus leaves no room).
func (t *topo) busLine(n *diagram.ClusterNode, row []*box, bus string, inner int) []string {
	var br diagram.Iface
	for _, x := range n.Bridges {
		if x.Name == bus {
			br = x
		}
	}
	last := 0
	cols := map[int]bool{}
	for _, p := range row {
		if n.Pods[podIndex(n, p.ns)].Bridge == bus {
			c := 1 + p.x + p.w/2
			cols[c] = true
			last = max(last, c)
		}
	}
	var rs strings.Builder
	for c := 1; c <= last+1; c++ {
		if cols[c] {
			rs.WriteRune('┴')
		} else {
			rs.WriteRune('─')
		}
	}
	ch := t.o.Changed[linkKey(n.Name, bus)]
	name := bus
	if ch {
		name = t.st.Changed.Render(name)
	} else {
		name = t.st.Bold.Render(name)
	}
	label := name + " " + t.stateMark(&engine.Link{State: upWord(br.Up), Oper: br.Oper}) + " " + strings.Join(br.Addrs, " ")
	line := t.gutter(ch) + t.st.Subtle.Render(rs.String())
	if width(line)+1+width(label) <= inner {
		return []string{line + " " + label}
	}
	return []string{line, t.gutter(false) + label}
}

func upWord(up bool) string {
	if up {
		return "up"
	}
	return "down"
}

// ifaceLine is one link of a node: state, name, kind, addresses.
func (t *topo) ifaceLine(b *box, ns string, f diagram.Iface, inner int) {
	ch := t.o.Changed[linkKey(ns, f.Name)]
	name := f.Name
	if ch {
		name = t.st.Changed.Render(name)
	} else {
		name = t.st.Bold.Render(name)
	}
	line := t.stateMark(&engine.Link{State: upWord(f.Up), Oper: f.Oper}) + " " + name
	if f.Kind != "" && f.Kind != "veth" {
		line += t.st.Subtle.Render(" " + f.Kind)
	}
	for _, a := range f.Addrs {
		ach := t.o.Changed[addrKey(ns, f.Name, a)]
		ch = ch || ach
		if ach {
			a = t.st.Changed.Render(a)
		}
		line += " " + a
	}
	if f.MTU != 0 && f.MTU != 1500 && f.MTU != 65536 {
		line += t.st.Subtle.Render(" mtu " + strconv.Itoa(f.MTU))
	}
	t.addWrapped(b, ch, line, inner)
}

// vtepLines is a VXLAN device: ⇋, its name, VNI and UDP port, its
// address, MTU and the remote VTEPs it sends to.
func (t *topo) vtepLines(b *box, ns string, v diagram.VTEP, inner int) {
	ch := t.o.Changed[linkKey(ns, v.Name)]
	name := v.Name
	if ch {
		name = t.st.Changed.Render(name)
	} else {
		name = t.st.Bold.Render(name)
	}
	head := t.stateMark(&engine.Link{State: upWord(v.Up), Oper: v.Oper}) + " " + name + " " +
		t.st.Accent.Render("⇋ VNI "+itoaQ(v.VNI)+" · UDP "+itoaQ(v.Port))
	rest := strings.Join(v.Addrs, " ")
	if v.MTU != 0 && v.MTU != 1500 {
		rest += t.st.Subtle.Render(" mtu " + strconv.Itoa(v.MTU))
	}
	remotes := ""
	if len(v.Remotes) > 0 {
		remotes = " → " + strings.Join(v.Remotes, ", ")
	}
	if one := head + " " + rest + remotes; width(one) <= inner-3 {
		t.addWrapped(b, ch, one, inner)
		return
	}
	// Two lines: what the tunnel is and where it sends, then the
	// device's own address and MTU.
	t.addWrapped(b, ch, head+remotes, inner)
	if rest = strings.TrimSpace(rest); rest != "" {
		t.addWrapped(b, false, "  "+rest, inner)
	}
}

func itoaQ(n int) string {
	if n == 0 {
		return "?"
	}
	return strconv.Itoa(n)
}

// addWrapped adds line to b, wrapped at spaces to the box (indented).
func (t *topo) addWrapped(b *box, ch bool, line string, inner int) {
	for i, part := range wrap(line, max(inner-3, 8)) {
		if i > 0 {
			part = "  " + part
		}
		b.lines = append(b.lines, t.gutter(ch && i == 0)+part)
	}
}

// underlayBox is the lab host drawn as the switch: the underlay bridge
// with its address and a port line per node, then the host's other links.
func (t *topo) underlayBox(c *diagram.Cluster, short, tight bool) *box {
	h := t.s.NS(engine.HostNS)
	b := &box{ns: engine.HostNS, rowOf: map[string]int{}}
	b.changed = t.o.Changed[nsKey(engine.HostNS)]
	b.selected = t.o.Selected == engine.HostNS
	b.title = t.nsTitle(engine.HostNS, b.changed, b.selected)
	if h == nil {
		return b
	}
	if v := h.Sysctl["net.ipv4.ip_forward"]; v == "1" {
		b.title += t.titleSep(false) + "ip_forward=1"
	}
	if u := c.Underlay; u != nil {
		ch := t.o.Changed[linkKey(engine.HostNS, u.Bridge)]
		name := u.Bridge
		if ch {
			name = t.st.Changed.Render(name)
		} else {
			name = t.st.Bold.Render(name)
		}
		b.title += " " + t.st.Accent.Render("⇆ "+t.word("cluster.underlay"))
		line := t.stateMark(&engine.Link{State: upWord(u.Up), Oper: operOf(h, u.Bridge)}) + " " + name
		if !short {
			line += t.st.Subtle.Render(" bridge")
		}
		for _, a := range u.Addrs {
			ach := t.o.Changed[addrKey(engine.HostNS, u.Bridge, a)]
			ch = ch || ach
			if ach {
				a = t.st.Changed.Render(a)
			}
			line += " " + a
		}
		b.lines = append(b.lines, t.gutter(ch)+line)
		var ports []string
		for _, p := range u.Ports {
			pch := t.o.Changed[linkKey(engine.HostNS, p.Port)]
			line := t.gutter(pch) + t.stateMark(&engine.Link{State: upWord(p.Up), Oper: operOf(h, p.Port)}) + " " + p.Port
			if p.PeerNS != "" {
				line += t.st.Subtle.Render(" ↔ " + p.PeerNS)
			}
			ports = append(ports, line)
		}
		if tight && len(ports) > 1 && width(strings.Join(ports, " "))+3 <= t.W {
			ports = []string{strings.Join(ports, " ")}
		}
		b.lines = append(b.lines, ports...)
	}
	for i := range h.Links {
		l := &h.Links[i]
		if l.Name == "lo" || l.Kind == "loopback" || (c.Underlay != nil && (l.Name == c.Underlay.Bridge || l.Master == c.Underlay.Bridge)) {
			continue
		}
		f := diagram.Iface{Name: l.Name, Kind: l.Kind, Up: l.State == "up", Oper: l.Oper, MTU: l.MTU}
		for _, a := range l.Addrs {
			if !linkLocal(a) {
				f.Addrs = append(f.Addrs, a)
			}
		}
		t.ifaceLine(b, engine.HostNS, f, t.W-3)
	}
	for _, r := range h.Rules {
		b.lines = append(b.lines, " "+truncate(shortRule(r), t.W-5))
	}
	if len(b.lines) == 0 {
		if lo := h.Link("lo"); lo != nil {
			b.lines = append(b.lines, " "+t.stateMark(lo)+" lo")
		}
	}
	b.w = min(boxWidth(b), t.W)
	return b
}

func operOf(n *engine.Namespace, name string) string {
	if l := n.Link(name); l != nil {
		return l.Oper
	}
	return ""
}

// tunnelLabels is the pipe's label in the widest form that fits w cells:
// "tunnel flannel.1 ⇄ flannel.1" and "VXLAN VNI 1 · UDP 8472", else the
// same in short lines.
func (t *topo) tunnelLabels(tn diagram.Tunnel, w int) []string {
	wide := []string{t.word("cluster.tunnel") + " " + tn.A.Dev + " ⇄ " + tn.B.Dev, tn.Label()}
	if tn.A.Knows != tn.B.Knows {
		a, b := tn.A.Node, tn.B.Node
		if tn.B.Knows {
			a, b = b, a
		}
		wide = append(wide, t.word("cluster.only", "from", a, "to", b))
	}
	if maxWidth(wide) <= w {
		return wide
	}
	parts := strings.SplitN(tn.Label(), " · ", 2)
	if len(parts) == 2 {
		mid := []string{t.word("cluster.tunnel") + " " + tn.A.Dev, parts[0], parts[1]}
		if tn.B.Dev != tn.A.Dev {
			mid = append(mid, "⇄ "+tn.B.Dev)
		}
		mid = append(mid, wide[2:]...)
		if maxWidth(mid) <= w {
			return mid
		}
	}
	narrow := []string{t.word("cluster.tunnel"), "VXLAN"}
	narrow = append(narrow, strings.TrimPrefix(parts[0], "VXLAN "))
	if len(parts) > 1 {
		narrow = append(narrow, parts[1])
	}
	if len(wide) > 2 {
		narrow = append(narrow, wide[2])
	}
	return narrow
}

// tunnelText lists, under the drawing, each tunnel not drawn as the pipe.
func (t *topo) tunnelText(c *diagram.Cluster, pipe int) []string {
	var out []string
	for i, tn := range c.Tunnels {
		if i == pipe {
			continue
		}
		b := tn.B.Node + "/" + tn.B.Dev
		switch {
		case tn.B.Node == "":
			b = tn.B.Addr + " " + t.word("cluster.not_a_node")
		case tn.B.Dev == "":
			b = t.word("cluster.no_vtep", "node", tn.B.Node)
		}
		line := t.st.Accent.Render("⇋ "+t.word("cluster.tunnel")) + " " + tn.A.Node + "/" + tn.A.Dev + " ⇄ " + b + " · " + tn.Label()
		out = append(out, wrapIndent(" ", line, t.W)...)
	}
	if len(c.Others) > 0 {
		out = append(out, wrapIndent(" ", t.st.Subtle.Render(t.word("cluster.others", "names", strings.Join(c.Others, ", "))), t.W)...)
	}
	return out
}

// vtepChanged reports a VXLAN device whose settings (VNI, port, local,
// remote, dev) or remote VTEPs (its fdb entries' dst) differ from before:
// for Diff, so that the step that adds a tunnel's fdb entry marks it.
func vtepChanged(pn, n *engine.Namespace, pl, l *engine.Link) bool {
	if l.VXLAN == nil {
		return false
	}
	if pl.VXLAN == nil || *pl.VXLAN != *l.VXLAN {
		return true
	}
	dsts := func(ns *engine.Namespace) []string {
		var out []string
		for _, e := range ns.FDB {
			if e.Dev == l.Name && e.Dst != "" {
				out = append(out, e.MAC+" "+e.Dst)
			}
		}
		sort.Strings(out)
		return out
	}
	return strings.Join(dsts(pn), ",") != strings.Join(dsts(n), ",")
}

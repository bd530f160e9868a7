// Package diagram draws a lab snapshot as a Mermaid flowchart or a Graphviz
// DOT graph, and a step's packets as a Mermaid sequence diagram. Study notes
// (`nettutor run L --markdown`) and `nettutor inspect --format` use it.
//
// Node ids are always ASCII and made from positions (n0_1, p2), never from
// names: a namespace or link name may hold Hangul, '@', quotes or anything
// else the kernel accepts, and such a name only ever appears inside a quoted
// label, escaped for the target language.
package diagram

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/nettutor/nettutor/assets"
	"github.com/nettutor/nettutor/engine"
)

// Marks names what a step changed, so that a diagram can highlight it.
type Marks struct {
	// Namespaces added or changed in any way.
	Namespaces map[string]bool
	// Links added or changed, keyed "NS/NAME".
	Links map[string]bool
}

func (m Marks) ns(name string) bool    { return m.Namespaces[name] }
func (m Marks) link(ns, l string) bool { return m.Links[ns+"/"+l] }

// Options shape a topology diagram.
type Options struct {
	Marks Marks
	// NoLoopback leaves loopback links out (inspect of a busy machine);
	// lessons keep them, since a down lo is part of what they teach.
	NoLoopback bool
	// ChangedLabel is the line added to what Marks names ("★ changed"
	// in Lang when empty); a Korean note says it in Korean.
	ChangedLabel string
	// Lang is the language of the diagram's own words (edge labels, "N
	// rules", "(no links)"); "" is English. Kernel names stay as they are.
	Lang string
	// Nodes are the cluster roles of a lesson's namespaces (its `nodes:`):
	// with them each node is drawn holding its pods, the lab host's bridge
	// that joins the nodes is the underlay switch, and each VXLAN tunnel is
	// an edge with its VNI and UDP port. Without them nothing changes.
	Nodes []Node
}

func (o Options) changed() string {
	if o.ChangedLabel != "" {
		return o.ChangedLabel
	}
	return o.word("diagram.changed")
}

// word is one of the diagram's words (assets/strings/diagram.*.json).
func (o Options) word(key string, vals ...string) string { return assets.M(o.Lang, key, vals...) }

// graph is the snapshot laid out once for both output languages: one
// cluster per namespace, one node per link, and the edges between them.
type graph struct {
	clusters []cluster
	edges    []edge
	extern   []node // peers in namespaces the snapshot does not hold
	changed  string // the label line of a changed namespace or link
}

type cluster struct {
	id      string
	label   []string // first line the name
	changed bool
	nodes   []node
	// parent is the index of the cluster this one is drawn inside (a pod
	// inside its node), -1 at the top; only cluster roles set it.
	parent int
}

type node struct {
	id      string
	label   []string // first line the link name
	kind    string
	up      bool
	changed bool
}

type edge struct {
	from, to string
	label    string
	kind     string // "veth" (both ways) or "port" (a link to its bridge)
}

func build(s *engine.Snapshot, o Options) graph {
	g := graph{changed: o.changed()}
	ids := map[string]string{} // "NS/link" -> node id
	for i, ns := range s.Namespaces {
		c := cluster{id: fmt.Sprintf("ns%d", i), label: []string{ns.Name}, changed: o.Marks.ns(ns.Name), parent: -1}
		var info []string
		if f := ns.Sysctl["net.ipv4.ip_forward"]; f == "1" {
			info = append(info, "ip_forward=1")
		}
		for _, r := range ns.Routes {
			if r.Dst == "default" {
				d := "default"
				if r.Gw != "" {
					d += " via " + r.Gw
				}
				info = append(info, d)
			}
		}
		if len(ns.Rules) > 0 {
			info = append(info, o.word("diagram.rules", "n", strconv.Itoa(len(ns.Rules))))
		}
		if len(info) > 0 {
			c.label = append(c.label, strings.Join(info, ", "))
		}
		for j, l := range ns.Links {
			if o.NoLoopback && l.Kind == "loopback" {
				continue
			}
			n := node{id: fmt.Sprintf("n%d_%d", i, j), kind: l.Kind, up: l.State == "up", changed: o.Marks.link(ns.Name, l.Name)}
			state := strings.ToUpper(l.State)
			if l.Kind != "" {
				state = l.Kind + " · " + state
			}
			n.label = append(n.label, l.Name, state)
			for _, a := range l.Addrs {
				if !strings.HasPrefix(a, "fe80:") {
					n.label = append(n.label, a)
				}
			}
			if n.changed {
				n.label = append(n.label, g.changed)
			}
			ids[ns.Name+"/"+l.Name] = n.id
			c.nodes = append(c.nodes, n)
		}
		if c.changed {
			c.label = append(c.label, g.changed)
		}
		g.clusters = append(g.clusters, c)
	}
	seen := map[string]bool{}
	for i, ns := range s.Namespaces {
		for _, l := range ns.Links {
			from, ok := ids[ns.Name+"/"+l.Name]
			if !ok {
				continue
			}
			if l.Master != "" {
				if to, ok := ids[ns.Name+"/"+l.Master]; ok {
					g.edges = append(g.edges, edge{from: from, to: to, label: o.word("diagram.port"), kind: "port"})
				}
			}
			if l.Peer == nil {
				continue
			}
			pns := l.Peer.NS
			if pns == "" {
				pns = ns.Name
			}
			key := pns + "/" + l.Peer.Name
			to, ok := ids[key]
			if !ok {
				// The other end is somewhere the caller cannot name (inspect
				// of a container's veth): a node of its own, outside.
				to = fmt.Sprintf("x%d_%d", i, len(g.extern))
				g.extern = append(g.extern, node{id: to, label: []string{key, o.word("diagram.not_visible")}, kind: "veth", up: true})
			}
			pair := []string{ns.Name + "/" + l.Name, key}
			sort.Strings(pair)
			if seen[pair[0]+" "+pair[1]] {
				continue
			}
			seen[pair[0]+" "+pair[1]] = true
			g.edges = append(g.edges, edge{from: from, to: to, label: o.word("diagram.veth_pair"), kind: "veth"})
		}
	}
	if c := ReadCluster(s, o.Nodes); c != nil {
		g.roles(s, c, o, ids)
	}
	return g
}

// Mermaid draws the snapshot as a Mermaid flowchart (the text inside a
// ```mermaid block): namespaces as subgraphs, links as nodes with their
// addresses, veth pairs and bridge ports as edges, and what Marks names drawn
// thick and labelled "changed".
func Mermaid(s *engine.Snapshot, o Options) string {
	g := build(s, o)
	var b strings.Builder
	// Top to bottom: the host above, its namespaces side by side below it,
	// which fits a blog's column better than a tall stack.
	b.WriteString("flowchart TB\n")
	var changed []string
	var sub func(i int, ind string)
	sub = func(i int, ind string) {
		c := g.clusters[i]
		label := c.label
		// One line: Mermaid reserves no room for a second title line, which
		// would be drawn under the first node.
		fmt.Fprintf(&b, "%ssubgraph %s[\"%s\"]\n", ind, c.id, mmText(strings.Join(label, " · ")))
		kids := g.children(i)
		if len(c.nodes) == 0 && len(kids) == 0 {
			// Mermaid wants something in a subgraph to draw it.
			fmt.Fprintf(&b, "%s  %s_none[\"%s\"]\n", ind, c.id, mmText(o.word("diagram.no_links")))
		}
		for _, k := range kids {
			sub(k, ind+"  ")
		}
		for _, n := range c.nodes {
			fmt.Fprintf(&b, "%s  %s%s\n", ind, n.id, mmShape(n))
			if n.changed {
				changed = append(changed, n.id)
			}
		}
		b.WriteString(ind + "end\n")
		if c.changed {
			changed = append(changed, c.id)
		}
	}
	for i, c := range g.clusters {
		if c.parent < 0 {
			sub(i, "  ")
		}
	}
	for _, n := range g.extern {
		fmt.Fprintf(&b, "  %s%s\n", n.id, mmShape(n))
	}
	for _, e := range g.edges {
		arrow := "<-->"
		switch e.kind {
		case "port":
			arrow = "-->"
		case "tunnel":
			arrow = "<==>" // thick: a tunnel, not a wire
		}
		fmt.Fprintf(&b, "  %s %s|\"%s\"| %s\n", e.from, arrow, mmText(e.label), e.to)
	}
	var down []string
	for _, c := range g.clusters {
		for _, n := range c.nodes {
			if !n.up {
				down = append(down, n.id)
			}
		}
	}
	b.WriteString("  classDef down stroke-dasharray: 5 5,color:#666\n")
	b.WriteString("  classDef changed stroke:#d9480f,stroke-width:3px\n")
	if len(down) > 0 {
		fmt.Fprintf(&b, "  class %s down\n", strings.Join(down, ","))
	}
	if len(changed) > 0 {
		fmt.Fprintf(&b, "  class %s changed\n", strings.Join(changed, ","))
	}
	return b.String()
}

func mmShape(n node) string {
	label := n.label
	open, close := "[\"", "\"]"
	switch n.kind {
	case "bridge":
		open, close = "[[\"", "\"]]"
	case "vtep":
		open, close = "{{\"", "\"}}" // a tunnel end (cluster roles only)
	}
	return open + mmLines(label) + close
}

// mmLines joins label lines with Mermaid's line break.
func mmLines(lines []string) string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = mmText(l)
	}
	return strings.Join(out, "<br/>")
}

// mmText escapes text for a quoted Mermaid label: the characters that
// would end the label or be read as markup become entity codes, which
// Mermaid resolves in flowcharts and sequence diagrams alike.
func mmText(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '#':
			b.WriteString("#35;")
		case '"':
			b.WriteString("#quot;")
		case '<':
			b.WriteString("#lt;")
		case '>':
			b.WriteString("#gt;")
		case '&':
			b.WriteString("#amp;")
		case ';':
			b.WriteString("#59;")
		case '`':
			b.WriteString("#96;")
		case '|':
			b.WriteString("#124;")
		case '\n', '\r', '\t':
			b.WriteString(" ")
		default:
			if r < 0x20 || r == 0x7f {
				continue // a terminal escape smuggled in a name draws as nothing
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}

// DOT draws the snapshot as a Graphviz digraph (`dot -Tsvg`): one cluster
// per namespace, the same nodes and edges as Mermaid.
func DOT(s *engine.Snapshot, o Options) string {
	g := build(s, o)
	var b strings.Builder
	b.WriteString("digraph lab {\n")
	b.WriteString("  graph [rankdir=LR, fontname=\"sans-serif\", charset=\"UTF-8\"];\n")
	b.WriteString("  node [shape=box, style=rounded, fontname=\"sans-serif\"];\n")
	b.WriteString("  edge [fontname=\"sans-serif\", fontsize=10];\n")
	var sub func(i int, ind string)
	sub = func(i int, ind string) {
		c := g.clusters[i]
		label := c.label
		fmt.Fprintf(&b, "%ssubgraph cluster_%s {\n", ind, c.id)
		fmt.Fprintf(&b, "%s  label=\"%s\";\n", ind, dotLines(label))
		if c.changed {
			b.WriteString(ind + "  color=\"#d9480f\"; penwidth=3;\n")
		}
		kids := g.children(i)
		if len(c.nodes) == 0 && len(kids) == 0 {
			fmt.Fprintf(&b, "%s  %s_none [label=\"%s\", shape=plaintext];\n", ind, c.id, dotText(o.word("diagram.no_links")))
		}
		for _, k := range kids {
			sub(k, ind+"  ")
		}
		for _, n := range c.nodes {
			b.WriteString(ind + "  " + dotNode(n) + "\n")
		}
		b.WriteString(ind + "}\n")
	}
	for i, c := range g.clusters {
		if c.parent < 0 {
			sub(i, "  ")
		}
	}
	for _, n := range g.extern {
		b.WriteString("  " + dotNode(n) + "\n")
	}
	for _, e := range g.edges {
		attr := "dir=both"
		switch e.kind {
		case "port":
			attr = "style=dashed"
		case "tunnel":
			attr = "dir=both, style=bold, penwidth=3, color=\"#1864ab\""
		}
		fmt.Fprintf(&b, "  %s -> %s [label=\"%s\", %s];\n", e.from, e.to, dotText(e.label), attr)
	}
	b.WriteString("}\n")
	return b.String()
}

func dotNode(n node) string {
	label := n.label
	var attrs []string
	if n.changed {
		attrs = append(attrs, "color=\"#d9480f\"", "penwidth=3")
	}
	if !n.up {
		attrs = append(attrs, "style=\"rounded,dashed\"")
	}
	switch n.kind {
	case "bridge":
		attrs = append(attrs, "shape=box3d")
	case "vtep":
		attrs = append(attrs, "shape=hexagon")
	}
	a := ""
	if len(attrs) > 0 {
		a = ", " + strings.Join(attrs, ", ")
	}
	return fmt.Sprintf("%s [label=\"%s\"%s];", n.id, dotLines(label), a)
}

// dotLines joins label lines with DOT's centred line break.
func dotLines(lines []string) string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = dotText(l)
	}
	return strings.Join(out, "\\n")
}

// dotText escapes text for a quoted DOT string: a backslash would start an
// escape of Graphviz's own (\N, \G, \l) and a quote would end the string.
func dotText(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\\':
			b.WriteString("\\\\")
		case '"':
			b.WriteString("\\\"")
		case '\n', '\r', '\t':
			b.WriteString(" ")
		default:
			if r < 0x20 || r == 0x7f {
				continue
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}

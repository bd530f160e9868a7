package diagram

import (
	"fmt"

	"github.com/nettutor/nettutor/engine"
)

// children lists the clusters drawn inside cluster i, in order.
func (g *graph) children(i int) []int {
	var out []int
	for j, c := range g.clusters {
		if c.parent == i {
			out = append(out, j)
		}
	}
	return out
}

// roles reshapes the plain graph with the cluster's roles: pods drawn
// inside their node, node and pod titles saying their role, the underlay
// bridge named as the switch, each VTEP a tunnel end with its VNI, port and
// remotes, the node's non-connected routes in a box of their own, and a
// thick edge per tunnel labelled with its VNI and port.
func (g *graph) roles(s *engine.Snapshot, c *Cluster, o Options, ids map[string]string) {
	at := map[string]int{} // namespace -> its cluster
	for i, ns := range s.Namespaces {
		at[ns.Name] = i
	}
	for _, n := range c.Nodes {
		ni, ok := at[n.Name]
		if !ok {
			continue
		}
		g.clusters[ni].label[0] = o.word("cluster.node", "name", n.Name)
		for _, p := range n.Pods {
			if pi, ok := at[p.Name]; ok {
				g.clusters[pi].parent = ni
				g.clusters[pi].label[0] = o.word("cluster.pod", "name", p.Name)
			}
		}
		for _, v := range n.VTEPs {
			g.relabel(ids[n.Name+"/"+v.Name], func(nd *node) {
				nd.kind = "vtep"
				extra := []string{"VXLAN VNI " + itoa(v.VNI) + " · UDP " + itoa(v.Port)}
				for _, r := range v.Remotes {
					extra = append(extra, o.word("cluster.remote", "addr", r))
				}
				nd.label = insertAt(nd.label, 2, extra...)
			})
		}
		for _, p := range n.Pods {
			if p.NodeEnd != "" && p.Bridge == "" {
				g.relabel(ids[n.Name+"/"+p.NodeEnd], func(nd *node) { nd.label = insertAt(nd.label, 2, o.word("cluster.routed")) })
			}
		}
		var lines []string
		for _, r := range n.Routes {
			if r.Dst != "default" { // the default route is in the title
				lines = append(lines, "↪ "+RouteText(r))
			}
		}
		if len(lines) > 0 {
			g.clusters[ni].nodes = append(g.clusters[ni].nodes, node{id: g.clusters[ni].id + "_routes", label: lines, kind: "routes", up: true})
		}
	}
	if u := c.Underlay; u != nil {
		g.relabel(ids[engine.HostNS+"/"+u.Bridge], func(nd *node) {
			nd.label = insertAt(nd.label, 1, o.word("cluster.underlay"))
		})
	}
	for i, t := range c.Tunnels {
		from := ids[t.A.Node+"/"+t.A.Dev]
		if from == "" {
			continue
		}
		to := ""
		switch {
		case t.B.Dev != "":
			to = ids[t.B.Node+"/"+t.B.Dev]
		case t.B.Node != "":
			to = fmt.Sprintf("t%d", i)
			g.extern = append(g.extern, node{id: to, label: []string{o.word("cluster.no_vtep", "node", t.B.Node), t.B.Addr}, kind: "vtep"})
		default:
			to = fmt.Sprintf("t%d", i)
			g.extern = append(g.extern, node{id: to, label: []string{t.B.Addr, o.word("cluster.not_a_node")}, kind: "vtep"})
		}
		if to == "" {
			continue
		}
		label := o.word("cluster.tunnel") + " " + t.Label()
		if t.B.Dev != "" && t.A.Knows != t.B.Knows {
			a, b := t.A.Node, t.B.Node
			if t.B.Knows {
				a, b = b, a
			}
			label += " · " + o.word("cluster.only", "from", a, "to", b)
		}
		g.edges = append(g.edges, edge{from: from, to: to, label: label, kind: "tunnel"})
	}
}

// relabel changes the node with that id, wherever it is.
func (g *graph) relabel(id string, f func(*node)) {
	if id == "" {
		return
	}
	for ci := range g.clusters {
		for ni := range g.clusters[ci].nodes {
			if g.clusters[ci].nodes[ni].id == id {
				f(&g.clusters[ci].nodes[ni])
				return
			}
		}
	}
}

// insertAt inserts lines at index i of label (or at its end).
func insertAt(label []string, i int, lines ...string) []string {
	i = min(i, len(label))
	out := append([]string{}, label[:i]...)
	out = append(out, lines...)
	return append(out, label[i:]...)
}

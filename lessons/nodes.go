package lessons

import (
	"fmt"

	"github.com/nettutor/nettutor/engine/diagram"

	"gopkg.in/yaml.v3"
)

// Node is one cluster node of a lesson (the top-level `nodes:` field): a
// plain lab namespace that the diagram draws as a box holding its pods. It
// is a role for the drawing and the text, not a second engine: the node's
// objects are made by the lesson's actions like any other namespace's.
type Node struct {
	Name string   // the node's namespace, e.g. NODE1
	Pods []string // its pods' namespaces, in file order
	Pos  Pos
}

// PodNode returns the node that holds pod ns ("" when ns is no pod).
func (l *Lesson) PodNode(ns string) string {
	for _, n := range l.Nodes {
		for _, p := range n.Pods {
			if p == ns {
				return n.Name
			}
		}
	}
	return ""
}

// DiagramNodes are the lesson's roles as the diagrams take them (nil
// without `nodes:`, which keeps the plain drawing).
func (l *Lesson) DiagramNodes() []diagram.Node {
	var out []diagram.Node
	for _, n := range l.Nodes {
		out = append(out, diagram.Node{Name: n.Name, Pods: append([]string(nil), n.Pods...)})
	}
	return out
}

// madeNamespaces are the namespaces some step or exercise setup of l makes
// with netns_add: the only names `nodes:` may use, so that a role never
// names something the lab cannot have.
func madeNamespaces(l *Lesson) map[string]bool {
	made := map[string]bool{}
	add := func(as []*Action) {
		for _, a := range as {
			if a.Kind == "netns_add" && a.Args.Name != "" {
				made[a.Args.Name] = true
			}
		}
	}
	for _, s := range l.Steps {
		add(s.Actions)
	}
	for _, e := range l.Exercises {
		add(e.Setup)
	}
	return made
}

// nodes reads `nodes: {NODE1: [POD-A, POD-C], NODE2: [POD-B]}` after the
// steps and exercises are read (their netns_add names are what it may use).
func (ld *loader) nodes(f field, l *Lesson) []*Node {
	n := f.val
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		ld.errf(n, "lesson: %q wants a mapping of node to its pods, such as {NODE1: [POD-A], NODE2: [POD-B]}, got %s", f.key.Value, kindName(n))
		return nil
	}
	made := madeNamespaces(l)
	known := sortedKeys(made)
	where := map[string]string{} // a name used so far -> "node NODE1" or "pod of NODE1"
	name := func(v *yaml.Node, role string) (string, bool) {
		if v.Kind == yaml.AliasNode {
			ld.errf(v, "nodes: anchors and aliases are not supported")
			return "", false
		}
		if v.Kind != yaml.ScalarNode || v.Tag == "!!null" || v.Value == "" {
			ld.errf(v, "nodes: a %s wants a namespace name, got %s", role, kindName(v))
			return "", false
		}
		s := v.Value
		if s == "host" {
			ld.errf(v, "nodes: %q is the lab host namespace (the underlay), not a %s", s, role)
			return "", false
		}
		if !made[s] {
			ld.errf(v, "nodes: %s %q is made by no step or exercise setup (no netns_add: {name: %s})%s", role, s, s, suggest(s, known))
			return "", false
		}
		if w, dup := where[s]; dup && role == "node" && w == "node "+s {
			ld.errf(v, "nodes: node %q is given twice", s)
			return "", false
		} else if dup {
			ld.errf(v, "nodes: %q is already %s; a namespace has one role", s, w)
			return "", false
		}
		return s, true
	}
	var out []*Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		node, ok := name(k, "node")
		if ok {
			where[node] = "node " + node
		}
		nd := &Node{Name: node, Pos: pos(k)}
		var pods []*yaml.Node
		switch {
		case v.Kind == yaml.ScalarNode && v.Tag == "!!null":
		case v.Kind == yaml.SequenceNode:
			pods = v.Content
		default:
			ld.errf(v, "nodes: node %s wants a list of its pods, such as [POD-A, POD-C], got %s", k.Value, kindName(v))
		}
		for _, pn := range pods {
			if p, ok := name(pn, "pod"); ok {
				where[p] = fmt.Sprintf("a pod of %s", k.Value)
				nd.Pods = append(nd.Pods, p)
			}
		}
		if ok {
			out = append(out, nd)
		}
	}
	return out
}

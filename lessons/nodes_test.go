package lessons

import (
	"reflect"
	"strings"
	"testing"
)

// clusterHead makes NODE1, NODE2 and POD-A in steps and POD-B, POD-C in an
// exercise setup: both count as made by the lesson.
const clusterHead = `id: c
title: {en: C}
summary: {en: S}
steps:
  - id: one
    title: {en: One}
    actions:
      - netns_add: {name: NODE1}
      - netns_add: {name: NODE2}
      - netns_add: {name: POD-A}
exercises:
  - id: e
    title: {en: E}
    goal: {en: G}
    setup:
      - netns_add: {name: POD-B}
      - netns_add: {name: POD-C}
    checks:
      - {id: a, output: {contains: x}}
`

func TestLoadNodes(t *testing.T) {
	l, err := Load("c.yaml", []byte(clusterHead+"nodes: {NODE1: [POD-A, POD-C], NODE2: [POD-B]}\n"))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	var got [][]string
	for _, n := range l.Nodes {
		got = append(got, append([]string{n.Name}, n.Pods...))
	}
	want := [][]string{{"NODE1", "POD-A", "POD-C"}, {"NODE2", "POD-B"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("nodes %v, want %v (file order)", got, want)
	}
	if l.PodNode("POD-C") != "NODE1" || l.PodNode("POD-B") != "NODE2" || l.PodNode("NODE1") != "" {
		t.Errorf("PodNode: %q %q %q", l.PodNode("POD-C"), l.PodNode("POD-B"), l.PodNode("NODE1"))
	}
	// Without the field there are no roles.
	l, err = Load("c.yaml", []byte(clusterHead))
	if err != nil || len(l.Nodes) != 0 {
		t.Fatalf("no nodes field: %v %v", l, err)
	}
	// A node with no pods yet is allowed (pods may come in a later lesson).
	if l, err = Load("c.yaml", []byte(clusterHead+"nodes:\n  NODE1:\n  NODE2: []\n")); err != nil || len(l.Nodes) != 2 {
		t.Fatalf("empty nodes: %v %v", l, err)
	}
}

func TestLoadNodesErrors(t *testing.T) {
	cases := []struct{ name, nodes, want string }{
		{"not a mapping", "nodes: [NODE1]\n", `c.yaml:20:8: lesson: "nodes" wants a mapping of node to its pods`},
		{"unknown node", "nodes: {NODE3: [POD-A]}\n", `c.yaml:20:9: nodes: node "NODE3" is made by no step or exercise setup (no netns_add: {name: NODE3}) (did you mean "NODE1"?)`},
		{"unknown pod", "nodes: {NODE1: [POD-X]}\n", `c.yaml:20:17: nodes: pod "POD-X" is made by no step or exercise setup`},
		{"host", "nodes: {host: [POD-A]}\n", `c.yaml:20:9: nodes: "host" is the lab host namespace (the underlay), not a node`},
		{"host pod", "nodes: {NODE1: [host]}\n", `c.yaml:20:17: nodes: "host" is the lab host namespace (the underlay), not a pod`},
		{"pod twice", "nodes:\n  NODE1: [POD-A]\n  NODE2: [POD-B, POD-A]\n", `c.yaml:22:18: nodes: "POD-A" is already a pod of NODE1; a namespace has one role`},
		{"node as pod", "nodes: {NODE1: [NODE2], NODE2: []}\n", `c.yaml:20:25: nodes: "NODE2" is already a pod of NODE1; a namespace has one role`},
		{"node twice", "nodes:\n  NODE1: []\n  NODE1: [POD-A]\n", `c.yaml:22:3: nodes: node "NODE1" is given twice`},
		{"pods not a list", "nodes: {NODE1: POD-A}\n", `c.yaml:20:16: nodes: node NODE1 wants a list of its pods, such as [POD-A, POD-C], got "POD-A"`},
		{"pod not a name", "nodes: {NODE1: [{a: b}]}\n", `c.yaml:20:17: nodes: a pod wants a namespace name, got a mapping`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Load("c.yaml", []byte(clusterHead+c.nodes))
			el, ok := err.(ErrorList)
			if !ok || len(el) == 0 {
				t.Fatalf("got %v (%T); want %s", err, err, c.want)
			}
			if got := el[0].Error(); !strings.HasPrefix(got, c.want) {
				t.Errorf("got  %s\nwant %s", err, c.want)
			}
		})
	}
}

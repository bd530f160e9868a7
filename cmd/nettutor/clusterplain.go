package main

import (
	"github.com/nettutor/nettutor/engine"
	"github.com/nettutor/nettutor/engine/diagram"
	"github.com/nettutor/nettutor/lessons"
	"github.com/nettutor/nettutor/tui"
)

// plainClusterWidth is the cluster drawing's width in `run --plain`: a
// terminal's 80 columns less the transcript's two-space indent.
const plainClusterWidth = 78

// clusterDrawing is the lab drawn as a cluster (nodes holding their pods,
// the underlay switch, tunnels with VNI and port) for a lesson with
// `nodes:`, in plain text; "" for any other lesson, whose transcript stays
// as it was, and for a lab that has none of the roles' namespaces (the
// week-one steps of troubleshoot, whose overlay exercise has nodes).
func clusterDrawing(l *lessons.Lesson, s *engine.Snapshot, lang string) string {
	nodes := l.DiagramNodes()
	if diagram.ReadCluster(s, nodes) == nil {
		return "" // no roles, or none of their namespaces made yet
	}
	return tui.RenderTopology(s, tui.TopoOptions{Width: plainClusterWidth, Nodes: nodes, Lang: lang})
}

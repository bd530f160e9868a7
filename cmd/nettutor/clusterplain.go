package main

import (
	"github.com/nettutor/nettutor/engine"
	"github.com/nettutor/nettutor/lessons"
	"github.com/nettutor/nettutor/tui"
)

// plainClusterWidth is the cluster drawing's width in `run --plain`: a
// terminal's 80 columns less the transcript's two-space indent.
const plainClusterWidth = 78

// clusterDrawing is the lab drawn as a cluster (nodes holding their pods,
// the underlay switch, tunnels with VNI and port) for a lesson with
// `nodes:`, in plain text; "" for any other lesson, whose transcript stays
// as it was.
func clusterDrawing(l *lessons.Lesson, s *engine.Snapshot, lang string) string {
	if len(l.Nodes) == 0 || s == nil {
		return ""
	}
	return tui.RenderTopology(s, tui.TopoOptions{Width: plainClusterWidth, Nodes: l.DiagramNodes(), Lang: lang})
}

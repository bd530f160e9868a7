package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/nettutor/nettutor/engine/capture"
)

// writePacketLines prints one packet of `run --plain` under its capture
// point. A VXLAN packet takes tcpdump -n -T vxlan's lines: the outer
// packet's, then the inner frame's on a line of its own, indented under
// it (tcpdump starts it in the first column, with no timestamp; here the
// indent tells it from the next packet). It reports whether the packet
// was tunnelled, so the caller can say once what the indent means.
func writePacketLines(w io.Writer, point, summary string) bool {
	inner, tunnels := capture.Innermost(summary)
	if len(tunnels) == 0 {
		fmt.Fprintf(w, "  %-14s %s\n", point, summary)
		return false
	}
	for k, t := range tunnels {
		fmt.Fprintf(w, "  %-14s %s%s\n", point, strings.Repeat("  ", k), t.Outer)
		point = ""
	}
	fmt.Fprintf(w, "  %-14s %s%s\n", "", strings.Repeat("  ", len(tunnels)), inner)
	return true
}

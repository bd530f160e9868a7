package lessons

import (
	"strings"

	"github.com/nettutor/nettutor/engine/capture"
	"github.com/nettutor/nettutor/engine/journey"
)

// Command is the command a person types to watch this capture point as
// the lesson does: the journey view's tcpdump command for the point, with
// the point's filter (a pcap-filter expression tcpdump takes as it is).
// A filter that looks inside VXLAN ("vxlan 1 and icmp") is written in the
// byte comparisons tcpdump 4.99 takes (its libpcap has no vxlan keyword),
// with -T vxlan so that tcpdump prints the inner packets, as nettutor
// does, on port 8472 too.
func (c *CapturePoint) Command() string {
	cmd := journey.Tcpdump(c.NS, c.Iface)
	if f := strings.TrimSpace(c.Filter); f != "" {
		if cf, err := capture.CompileFilter(f); err == nil {
			if e, ok := cf.Tcpdump(); ok && e != f {
				cmd, f = cmd+" -T vxlan", e
			}
		}
		cmd += " '" + f + "'"
	}
	return cmd
}

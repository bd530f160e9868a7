package lessons

import (
	"strings"

	"github.com/nettutor/nettutor/engine/journey"
)

// Command is the command a person types to watch this capture point as
// the lesson does: the journey view's tcpdump command for the point, with
// the point's filter (a pcap-filter expression tcpdump takes as it is).
func (c *CapturePoint) Command() string {
	cmd := journey.Tcpdump(c.NS, c.Iface)
	if f := strings.TrimSpace(c.Filter); f != "" {
		cmd += " '" + f + "'"
	}
	return cmd
}

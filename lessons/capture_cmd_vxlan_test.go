package lessons

import (
	"strings"
	"testing"
)

// TestCaptureCommandVXLANFilter: a capture point whose filter looks inside
// VXLAN shows a tcpdump command tcpdump 4.99 takes; any other filter is
// shown as written.
func TestCaptureCommandVXLANFilter(t *testing.T) {
	c := CapturePoint{NS: "NODE1", Iface: "eth0", Filter: "vxlan 1 and icmp"}
	got := c.Command()
	if !strings.HasPrefix(got, "ip netns exec NODE1 tcpdump -ni eth0 -T vxlan '((ip and udp and") ||
		strings.Contains(got, "vxlan 1") || !strings.Contains(got, "udp[39] = 1") {
		t.Errorf("command %q", got)
	}
	c.Filter = "udp port 8472"
	if got := c.Command(); got != "ip netns exec NODE1 tcpdump -ni eth0 'udp port 8472'" {
		t.Errorf("command %q", got)
	}
}

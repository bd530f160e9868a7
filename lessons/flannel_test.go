package lessons

import (
	"strings"
	"testing"
	"time"
)

// TestFlannelShowsAreTheTools: every `show` of the flannel lesson prints
// what its command prints when typed in the lab right after the step
// (ip -d link of flannel.1, ip neigh with PERMANENT, bridge fdb with dst,
// routes with onlink, iptables -t nat -S with flanneld's rules), and the
// lesson's statements about those objects hold: MTU 1450, nolearning,
// dstport 8472, the route via the remote's .0 onlink.
func TestFlannelShowsAreTheTools(t *testing.T) {
	t.Parallel() // a lab of its own that mostly waits on probes: see parallel_test.go
	shown, _ := showsAreReal(t, "flannel", func(s string) string { return strings.TrimRight(s, "\n") }, 2*time.Minute)
	for cmd, want := range map[string][]string{
		"ip -n NODE1 -d link show flannel.1":     {"mtu 1450", "vxlan id 1 local 192.168.10.101 dev eth0", "dstport 8472 nolearning", "link/ether 0e:6f:1a:00:00:01"},
		"ip -n NODE1 neigh show dev flannel.1":   {"10.244.1.0 lladdr 0e:6f:1a:00:00:02 PERMANENT"},
		"bridge -n NODE1 fdb show dev flannel.1": {"0e:6f:1a:00:00:02 dst 192.168.10.102 self permanent"},
		"ip -n NODE1 route":                      {"10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink", "10.244.1.0/24 via 192.168.10.102 dev eth0"},
		"ip netns exec NODE1 iptables -t nat -S": {"-A POSTROUTING -m comment --comment \"flanneld masq\" -j FLANNEL-POSTRTG", "-j MASQUERADE --random-fully"},
	} {
		for _, w := range want {
			if !strings.Contains(shown[cmd], w) {
				t.Errorf("%s never showed %q:\n%s", cmd, w, shown[cmd])
			}
		}
	}
}

package lessons

import (
	"context"
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
	l, err := Find("flannel")
	if err != nil {
		t.Fatal(err)
	}
	lab := newLab(t)
	r := NewRunner(lab, l, Options{})
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	shown := map[string]string{}
	for !r.Done() {
		res, err := r.RunNext(ctx)
		if err != nil || !res.OK() {
			t.Fatalf("step %d: %v\n%s", res.Index+1, err, failures(res))
		}
		for _, a := range res.Actions {
			if a.Kind != "show" {
				continue
			}
			out, err := lab.Cmd("host", "sh", "-c", a.Command).CombinedOutput()
			if err != nil {
				t.Fatalf("%s: %v\n%s", a.Command, err, out)
			}
			if got, want := strings.TrimRight(a.Output, "\n"), strings.TrimRight(string(out), "\n"); got != want {
				t.Errorf("%s (step %d):\n shown %q\n typed %q", a.Command, res.Index+1, got, want)
			}
			shown[a.Command] += a.Output
		}
	}
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

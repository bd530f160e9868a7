package engine

import (
	"strings"
	"testing"
)

// TestTcpdumpTypedInTheLab: the capture command a lesson shows where a
// capture point starts (`ip netns exec BLUE tcpdump -ni lo ...`) works typed
// in the lab as on a host. tcpdump, started as root, gives its privileges up
// to the user tcpdump once the capture is open, and exits with "Couldn't find
// user 'tcpdump'" in a root that has none (the lab's generated /etc/passwd
// had only root and nobody).
func TestTcpdumpTypedInTheLab(t *testing.T) {
	needTools(t, "tcpdump", "ping", "timeout")
	l := newLab(t)
	const script = `ip netns add BLUE && ip -n BLUE link set lo up &&
{ timeout 10 ip netns exec BLUE tcpdump -ni lo -c 1 icmp 2>&1 & } ;
for i in 1 2 3 4 5 6 7 8 9 10; do sleep 0.3; ip netns exec BLUE ping -c 1 -W 1 127.0.0.1 >/dev/null 2>&1; done; wait`
	o, e := typed(t, l, script)
	out := o + e
	if strings.Contains(out, "Couldn't") || !strings.Contains(out, "ICMP echo request") {
		t.Errorf("tcpdump typed in the lab did not capture the ping:\n%s", out)
	}
}

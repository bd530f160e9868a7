package test

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// localPolicyLab is the Service lab with default/web's one endpoint on
// NODE2 (POD-B) and externalTrafficPolicy: Local, as kube-proxy's
// iptables mode writes it on NODE1, the node without a local endpoint
// (testdata/labs/localpolicy.sh).
func localPolicyLab() string {
	return serviceLab("B") + labScript("localpolicy") + `oracle_extra() { ip netns exec NODE1 iptables -t filter -nvxL KUBE-EXTERNAL-SERVICES; }
`
}

// TestTraceLocalPolicy: `nettutor trace host 192.168.10.101 --tcp 30080`
// on the hand-built lab above (root and rootless) stops where plain tools
// say: nc from the lab host times out, tcpdump on NODE1's eth0 sees the
// SYNs arrive and nothing answer, and the counter of kube-proxy's "no
// local endpoints" DROP in filter KUBE-EXTERNAL-SERVICES counts them.
// The journey names that rule and the cause (externalTrafficPolicy:
// Local, no endpoint on NODE1), not a guess from nat.
func TestTraceLocalPolicy(t *testing.T) {
	need(t, "ip", "bridge", "iptables-restore", "nc", "tcpdump", "conntrack")
	dump := "NODE1 eth0 tcp port 30080"
	for _, who := range labShellUsers(t) {
		t.Run(who, func(t *testing.T) {
			t.Parallel() // root and rootless side by side: each its own sandbox, as in eachSandboxCase
			j, code, stderr, o := svcOracle(t, who, localPolicyLab(), "host 192.168.10.101 --tcp 30080", []string{dump})
			// The oracle first.
			if !strings.Contains(o["nc"], "nc=1") || strings.Contains(o["nc"], "web on") {
				t.Fatalf("nc to 192.168.10.101:30080: %q, want a timeout", o["nc"])
			}
			d := o[dump]
			if !strings.Contains(d, "> 192.168.10.101.30080: Flags [S]") || strings.Contains(d, "192.168.10.101.30080 > ") {
				t.Fatalf("tcpdump on NODE1 eth0, want SYNs in and nothing back:\n%s", d)
			}
			m := regexp.MustCompile(`(?m)^\s*(\d+)\s+\d+\s+DROP\b.*has no local endpoints`).FindStringSubmatch(o["extra"])
			if m == nil {
				t.Fatalf("iptables -nvxL KUBE-EXTERNAL-SERVICES:\n%s", o["extra"])
			}
			if n, _ := strconv.Atoi(m[1]); n < 2 { // the trace's SYN and nc's
				t.Errorf("the DROP counted %d packets, want the trace's and nc's:\n%s", n, o["extra"])
			}
			// The journey.
			if code != 1 || j.Result != "dropped" || j.Drop == nil {
				t.Fatalf("trace exit %d, result %q, drop %+v (stderr %s)", code, j.Result, j.Drop, stderr)
			}
			dr := j.Drop
			if dr.NS != "NODE1" || dr.Reason != "svc-no-local-endpoints" || dr.Where != "filter KUBE-EXTERNAL-SERVICES" ||
				!strings.Contains(dr.Rule, `"default/web:http has no local endpoints"`) || !strings.Contains(dr.Rule, "-j DROP") ||
				!strings.Contains(dr.Detail, "externalTrafficPolicy: Local") || !strings.Contains(dr.Detail, "default/web:http") {
				t.Errorf("drop %+v", dr)
			}
		})
	}
}

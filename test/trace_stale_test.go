package test

import (
	"regexp"
	"strings"
	"testing"
)

// staleLab is serviceLab with default/logs (10.96.0.50:514/UDP, the
// service lesson's udp-stale Service and chain names) on both nodes: UDP
// receivers on POD-A and POD-B, the Service's one endpoint POD-A, one
// datagram from POD-C's fixed port 5514 (its conntrack entry DNATed to
// POD-A), then kube-proxy's next sync after the endpoint moved: the
// Service's chain sends to POD-B and POD-A's chain is deleted, but no
// conntrack -D. With del, the entry is then deleted as kube-proxy does
// (pkg/proxy/conntrack: --orig-dst, --reply-src). oracle_extra sends one
// more datagram from port 5514 and one from 5515 while tcpdump watches
// POD-A's and POD-B's ports, and lists NODE1's nat rules.
func staleLab(del bool) string {
	s := serviceLab("A B") + `
for p in POD-A POD-B; do ip netns exec $p nc -k -l -u 514 </dev/null >/dev/null 2>&1 & done
svcL=KUBE-SVC-LU7QYL7JGFBIPI6R
logs() { # endpoint address, its chain
for n in NODE1 NODE2; do
ip netns exec $n iptables-restore --noflush <<EOF
*nat
:$svcL - [0:0]
:$2 - [0:0]
-A $svcL -m comment --comment "default/logs:syslog -> $1:514" -j $2
-A $2 -m comment --comment default/logs:syslog -s $1 -j KUBE-MARK-MASQ
-A $2 -m comment --comment default/logs:syslog -m udp -p udp -j DNAT --to-destination $1:514
COMMIT
EOF
ip netns exec $n iptables -t nat -C KUBE-SERVICES -m comment --comment "default/logs:syslog cluster IP" -m udp -p udp -d 10.96.0.50 --dport 514 -j $svcL 2>/dev/null ||
ip netns exec $n iptables -t nat -I KUBE-SERVICES 1 -m comment --comment "default/logs:syslog cluster IP" -m udp -p udp -d 10.96.0.50 --dport 514 -j $svcL
done
}
logs 10.244.0.2 KUBE-SEP-DGCOIDADXCVJIQ4Y
sleep 0.2
ip netns exec POD-C sh -c 'echo one | nc -u -q0 -p 5514 10.96.0.50 514'
logs 10.244.1.2 KUBE-SEP-PI5GINLJJMV3MYLF
for n in NODE1 NODE2; do ip netns exec $n iptables -t nat -F KUBE-SEP-DGCOIDADXCVJIQ4Y; ip netns exec $n iptables -t nat -X KUBE-SEP-DGCOIDADXCVJIQ4Y; done
oracle_extra() {
echo '# nat'; ip netns exec NODE1 iptables -t nat -S | grep default/logs
for v in NODE1:vethPOD-A NODE2:vethPOD-B; do ip netns exec ${v%%:*} tcpdump -Z root -lni ${v#*:} 'udp port 514' >/tmp/u-${v#*:} 2>/tmp/u-${v#*:}.err & done
for i in $(seq 200); do grep -qs 'listening on' /tmp/u-vethPOD-A.err && grep -qs 'listening on' /tmp/u-vethPOD-B.err && break; sleep 0.05; done
ip netns exec POD-C sh -c 'echo two | nc -u -q0 -p 5514 10.96.0.50 514'
ip netns exec POD-C sh -c 'echo new | nc -u -q0 -p 5515 10.96.0.50 514'
sleep 0.3; kill $(jobs -p) 2>/dev/null; wait 2>/dev/null
for v in vethPOD-A vethPOD-B; do echo "# $v"; cat /tmp/u-$v; done
}
`
	if del {
		s += "ip netns exec NODE1 conntrack -D -p udp --orig-dst 10.96.0.50 --orig-port-dst 514 --reply-src 10.244.0.2 >/dev/null 2>&1\n"
	}
	return s
}

// TestTraceStaleConntrack: trace finds a Service's stale UDP conntrack
// entry itself. With --sport 5514 the probe is that flow: conntrack sends
// it on to POD-A, which the Service's rules no longer name, and the
// journey stops at stale-conntrack in NODE1 naming POD-A:514 and the
// entry. A new flow (no --sport) goes to POD-B as the rules say, and the
// stop names the old flow's entry still there. Once the entry is deleted
// (conntrack -D, as kube-proxy does) no stale stop is left. The oracle is
// what a person would type: conntrack -L in NODE1 (the flow from 5514
// still replies from 10.244.0.2), iptables -t nat -S (no rule names
// 10.244.0.2:514), and tcpdump on each endpoint's port while nc sends from
// 5514 (POD-A gets it) and from 5515 (POD-B gets it).
func TestTraceStaleConntrack(t *testing.T) {
	need(t, "ip", "bridge", "iptables-restore", "bash", "nc", "tcpdump", "conntrack")
	entryA := regexp.MustCompile(`(?m)^NODE1 udp .*src=10\.244\.0\.3 dst=10\.96\.0\.50 sport=5514 dport=514 .*src=10\.244\.0\.2 dst=10\.244\.0\.3 sport=514 dport=5514`)
	cases := []struct {
		name, args string
		del        bool
		stale      bool   // the stop is stale-conntrack
		endpoint   string // the Service section's endpoint (where this probe went)
		detail     string
	}{
		{"own-flow", "POD-C 10.96.0.50 --udp 514 --sport 5514", false, true, "10.244.0.2:514", "still holds this UDP flow (10.244.0.3:5514 to 10.96.0.50:514)"},
		{"new-flow", "POD-C 10.96.0.50 --udp 514", false, true, "10.244.1.2:514", "still holds the UDP flow 10.244.0.3:5514 to 10.96.0.50:514"},
		{"deleted", "POD-C 10.96.0.50 --udp 514", true, false, "10.244.1.2:514", ""},
	}
	eachSandboxCase(t, len(cases), func(i int) string { return cases[i].name }, func(t *testing.T, who string, i int) {
		c := cases[i]
		j, code, stderr, o := svcOracle(t, who, staleLab(c.del), c.args, nil)
		if code == 2 {
			t.Fatalf("trace refused: %s", stderr)
		}
		ct, extra := o["conntrack"], o["extra"]
		// The oracle first: the rules name POD-B alone; the old
		// flow still goes to POD-A, a new one to POD-B.
		if !strings.Contains(extra, "--to-destination 10.244.1.2:514") || strings.Contains(extra, "10.244.0.2:514") {
			t.Fatalf("NODE1's nat rules for default/logs:\n%s", extra)
		}
		a, b, _ := strings.Cut(extra, "# vethPOD-B")
		if c.del {
			if entryA.MatchString(ct) {
				t.Fatalf("conntrack -D left the entry:\n%s", ct)
			}
		} else {
			if !entryA.MatchString(ct) {
				t.Fatalf("no entry from 5514 replying from POD-A in conntrack -L:\n%s", ct)
			}
			if !strings.Contains(a, ".5514 > 10.244.0.2.514") || !strings.Contains(b, ".5515 > 10.244.1.2.514") {
				t.Fatalf("tcpdump: 5514 should reach POD-A, 5515 POD-B:\n%s", extra)
			}
		}
		if j.Service == nil || j.Service.NS != "NODE1" || j.Service.Endpoint != c.endpoint {
			t.Errorf("service %+v, want NODE1 to %s", j.Service, c.endpoint)
		}
		reached := false
		for _, h := range j.Hops {
			reached = reached || h.Dir == "in" && h.Dst+":514" == c.endpoint && (h.NS == "POD-A" || h.NS == "POD-B")
		}
		if !reached {
			t.Errorf("the probe's hops do not reach %s: %+v", c.endpoint, j.Hops)
		}
		switch {
		case c.stale && (j.Drop == nil || j.Drop.Reason != "stale-conntrack" || j.Drop.NS != "NODE1"):
			t.Errorf("drop %+v, want stale-conntrack in NODE1", j.Drop)
		case c.stale && (!strings.Contains(j.Drop.Detail, c.detail) || !strings.Contains(j.Drop.Detail, "10.244.0.2:514") ||
			!strings.Contains(j.Drop.Detail, "(now: 10.244.1.2:514)") || !strings.Contains(j.Drop.Detail, "sport=5514 dport=514 src=10.244.0.2")):
			t.Errorf("detail %q", j.Drop.Detail)
		case !c.stale && j.Drop != nil && j.Drop.Reason == "stale-conntrack":
			t.Errorf("after conntrack -D: %+v", j.Drop)
		}
		if code != 1 {
			t.Errorf("trace exit %d, want 1 (no UDP reply)", code)
		}
	})
}

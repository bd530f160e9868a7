package lessons

import (
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nettutor/nettutor/engine/kubeproxy"
)

// TestLoadBalancerChainNamesAreKubeProxys ties the lesson's restore input
// to kube-proxy's naming: every KUBE-SVC/SVL/EXT/SEP chain is the one
// engine/kubeproxy computes for default/web:http (the SVL chain, the Local
// policy chain, takes the SVC chain's hash), and the loadbalancer IP rule
// is written as kube-proxy's iptables proxier writes it.
func TestLoadBalancerChainNamesAreKubeProxys(t *testing.T) {
	text := lessonCommands(t, "loadbalancer")
	web := kubeproxy.PortName("default", "web", "http")
	want := map[string]bool{
		kubeproxy.SVCChain(web, "tcp"):                  true,
		kubeproxy.SVLChain(web, "tcp"):                  true,
		kubeproxy.EXTChain(web, "tcp"):                  true,
		kubeproxy.SEPChain(web, "tcp", "10.244.0.2:80"): true,
		kubeproxy.SEPChain(web, "tcp", "10.244.1.2:80"): true,
	}
	sameChains(t, text, want, "default/web:http")
	lb := `-A KUBE-SERVICES -m comment --comment "default/web:http loadbalancer IP" -m tcp -p tcp -d 192.168.10.240 --dport 80 -j ` + kubeproxy.EXTChain(web, "tcp")
	if n := strings.Count(text, lb); n != 3 {
		t.Errorf("kube-proxy's loadbalancer IP rule is in %d restores, want 3 (both nodes, NODE2 after the failover, NODE2 with Local):\n%s", n, lb)
	}
}

// lbVolatile is what changes between two reads of the lesson's shows: a
// neighbour's state (REACHABLE turns STALE, STALE turns DELAY when used)
// and the counters of iptables-restore --counters.
var lbVolatile = regexp.MustCompile(`\b(REACHABLE|STALE|DELAY|PROBE)\b|\[\d+:\d+\]`)

// TestLoadBalancerShowsAreReal is the fidelity oracle on the loadbalancer
// lesson: every `show` (the lab host's neighbour table with the MAC the
// speaker gave the VIP, NODE1's addresses without the VIP, iptables -t nat
// -S on NODE1 and, with the Local policy's addrtype rules, on NODE2) prints
// what the same command typed in the lab host's shell right after the step
// prints.
func TestLoadBalancerShowsAreReal(t *testing.T) {
	t.Parallel() // a lab of its own that mostly waits on probes: see parallel_test.go
	for _, tool := range []string{"ip", "iptables", "iptables-restore", "conntrack", "nc", "python3"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skip("no " + tool)
		}
	}
	norm := func(s string) string { return lbVolatile.ReplaceAllString(strings.TrimSpace(s), "N") }
	shown, shows := showsAreReal(t, "loadbalancer", norm, 3*time.Minute)
	if shows != 5 {
		t.Errorf("%d shows compared; the lesson has 5", shows)
	}
	// The neighbour table moved from NODE1's MAC to NODE2's, and NODE1
	// never held the VIP.
	neigh := shown["ip neigh show dev underlay"]
	if !strings.Contains(neigh, "192.168.10.240 lladdr 02:00:c0:a8:0a:65") || !strings.Contains(neigh, "192.168.10.240 lladdr 02:00:c0:a8:0a:66") {
		t.Errorf("the host's neighbour table did not show the VIP at NODE1's MAC and then at NODE2's:\n%s", neigh)
	}
	if addrs := shown["ip -n NODE1 -br addr"]; addrs == "" || strings.Contains(addrs, "192.168.10.240") {
		t.Errorf("NODE1's addresses (want shown, without the VIP):\n%s", addrs)
	}
}

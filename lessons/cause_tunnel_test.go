package lessons

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/nettutor/nettutor/engine"
)

// tunnelHints is a reachable check whose `when:` cases print each
// tunnel cause's names, so a test reads what the hint would say.
const tunnelHints = `when:
          - {cause: no-fdb, hint: {en: "no-fdb {ns} {dev} {mac}"}}
          - {cause: vxlan-port, hint: {en: "vxlan-port {ns} {dev} {vtep} {port} {vni} {have} {node}"}}
          - {cause: tunnel-mtu, hint: {en: "tunnel-mtu {ns} {dev} {mtu} {packet}"}}
          - {cause: no-proxy-arp, hint: {en: "no-proxy-arp {ns} {dev} {pod} {gw} {key}"}}
          - {cause: no-route, hint: {en: "no-route {ns} {dst}"}}
          - {cause: rp-filter, hint: {en: "rp-filter {ns} {dev} {value}"}}
          - {cause: forward-drop, hint: {en: "forward-drop {ns}"}}`

// TestTunnelCauses: on the flannel overlay and Calico's routed pods built
// by hand (test/testdata/labs, the labs trace's own tests check against
// ping and tcpdump), each fault of the troubleshooting exercise makes a
// failed reachable check name its cause, with the names a hint needs.
func TestTunnelCauses(t *testing.T) {
	t.Parallel() // a lab of its own that mostly waits on probes: see parallel_test.go
	lab := func(names ...string) string {
		s := ""
		for _, n := range names {
			b, err := os.ReadFile(filepath.Join("..", "test", "testdata", "labs", n+".sh"))
			if err != nil {
				t.Fatal(err)
			}
			s += string(b)
		}
		return s
	}
	flannel, calico := lab("underlay", "flannel"), lab("underlay", "calico")
	check := "reachable: {from: POD-A, to: 10.244.1.2}\n        " + tunnelHints
	sized := "reachable: {from: POD-A, to: 10.244.1.2, size: 1472}\n        " + tunnelHints
	for _, c := range []struct {
		name, script, check, cause, hint string
	}{
		{"no-fdb", flannel + "bridge -n NODE1 fdb del 0e:00:00:00:00:02 dev flannel.1 dst 192.168.10.102 self\n", check, CauseNoFDB, "no-fdb NODE1 flannel.1 0e:00:00:00:00:02"},
		{"vxlan-port", "NODE2_PORT=4789\n" + flannel, check, CauseVXLANPort, "vxlan-port NODE2 eth0 192.168.10.102 8472 1 flannel.1 (VNI 1, UDP 4789) NODE1"},
		{"tunnel-mtu", flannel, sized, CauseTunnelMTU, "tunnel-mtu NODE1 flannel.1 1450 1500"},
		{"no-route", flannel + "ip -n NODE1 route del 10.244.1.0/24\n", check, CauseNoRoute, "no-route NODE1 10.244.1.2"},
		{"rp-filter", flannel + "ip -n NODE2 route replace 10.244.0.0/24 via 192.168.10.101 dev eth0\nip netns exec NODE2 sh -c 'echo 1 > /proc/sys/net/ipv4/conf/all/rp_filter'\n", check, CauseRPFilter, "rp-filter NODE2 flannel.1 1"},
		{"forward-drop", flannel + "ip netns exec NODE1 iptables -P FORWARD DROP\n", check, CauseForwardDrop, "forward-drop NODE1"},
		{"no-proxy-arp", calico + "ip netns exec NODE1 sh -c 'echo 0 > /proc/sys/net/ipv4/conf/cali0a/proxy_arp'\n", check, CauseNoProxyARP,
			"no-proxy-arp NODE1 cali0a POD-A 169.254.1.1 net.ipv4.conf.cali0a.proxy_arp"},
	} {
		t.Run(c.name, func(t *testing.T) {
			l := newLab(t)
			if out, err := l.Job(engine.HostNS, "bash", "-c", c.script).CombinedOutput(); err != nil {
				t.Fatalf("build the lab: %v\n%s", err, out)
			}
			got := EvaluateOne(context.Background(), l, mustAssertion(t, c.check), &Env{})
			if got.OK {
				t.Fatalf("POD-A reaches POD-B with the fault")
			}
			if got.Cause != c.cause || got.Hint.Get("en") != c.hint {
				t.Errorf("cause %q, hint %q; want %q, %q (detail %q)", got.Cause, got.Hint.Get("en"), c.cause, c.hint, got.Detail)
			}
		})
	}
}

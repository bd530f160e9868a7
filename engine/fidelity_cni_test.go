package engine

import (
	"os"
	"strings"
	"testing"
)

// TestFidelityShowCNI holds every show form against the tool in a lab that
// the real CNI bridge plugin (with host-local IPAM) has wired, as the pod
// lesson does: cni0 and the veths it names at random, the pod's eth0 made
// in the pod's namespace, its routes, and the ipMasq chains with their
// comments (a comment before other matches: spelled by iptables/render.go).
// After CNI_COMMAND=DEL, the forms again.
func TestFidelityShowCNI(t *testing.T) {
	needTools(t, "ip", "bridge", "iptables", "sysctl")
	if _, err := os.Stat("/usr/lib/cni/bridge"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("no CNI plugins in /usr/lib/cni (containernetworking-plugins): %v", err)
		}
		t.Skipf("no CNI plugins in /usr/lib/cni: %v", err)
	}
	l := newLab(t)
	apply(t, l, NetnsAdd{Name: "NODE1"}, NetnsAdd{Name: "POD-A"}, LinkUp{NS: "POD-A", Name: "lo"})
	const conf = `{"cniVersion":"1.0.0","name":"cbr0","type":"bridge","bridge":"cni0","isGateway":true,"ipMasq":true,"hairpinMode":true,` +
		`"ipam":{"type":"host-local","subnet":"10.244.0.0/24","routes":[{"dst":"0.0.0.0/0"}],"dataDir":"/run/cni-fidelity"}}`
	cni := func(cmd, want string) {
		t.Helper()
		out, errOut := typed(t, l, "echo '"+conf+"' | ip netns exec NODE1 env CNI_COMMAND="+cmd+
			" CNI_CONTAINERID=pod-a CNI_NETNS=/run/netns/POD-A CNI_IFNAME=eth0 CNI_PATH=/usr/lib/cni /usr/lib/cni/bridge")
		if errOut != "" || !strings.Contains(out, want) {
			t.Fatalf("CNI %s: no %q in its output: %s%s", cmd, want, out, errOut)
		}
	}
	typed(t, l, "rm -rf /run/cni-fidelity")
	cni("ADD", `"address": "10.244.0.2/24"`)
	checkShow(t, l, "NODE1", "brief-addr", "10.244.0.1/24")
	checkShow(t, l, "NODE1", "bridge-link", "master cni0")
	checkShow(t, l, "NODE1", "nat", "-j MASQUERADE", `--comment "name: \"cbr0\" id: \"pod-a\""`)
	checkShow(t, l, "POD-A", "addr", "inet 10.244.0.2/24")
	checkShow(t, l, "POD-A", "route", "default via 10.244.0.1 dev eth0")
	for _, ns := range []string{"NODE1", "POD-A"} {
		for _, what := range ShowKinds {
			checkShow(t, l, ns, what)
		}
	}
	cni("DEL", "")
	checkShow(t, l, "POD-A", "brief-link")
	checkShow(t, l, "NODE1", "brief-link", "cni0")
	checkShow(t, l, "NODE1", "nat")
}

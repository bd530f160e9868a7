package diagram

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/nettutor/nettutor/engine"
)

// clusterRoles are issue 21's: POD-A and POD-C on NODE1, POD-B on NODE2.
var clusterRoles = []Node{{Name: "NODE1", Pods: []string{"POD-A", "POD-C"}}, {Name: "NODE2", Pods: []string{"POD-B"}}}

// fixture reads a snapshot of a hand-typed cluster lab. The TUI's tests
// own these files (they run rootless from their own package folder, where
// the real-kernel test rewrites them with -update).
func fixture(t testing.TB, name string) *engine.Snapshot {
	t.Helper()
	b, err := os.ReadFile("../../tui/testdata/cluster-" + name + ".json")
	if err != nil {
		t.Fatal(err)
	}
	var s engine.Snapshot
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return &s
}

// TestReadClusterFlannel: the underlay is the host bridge that joins the
// nodes' eth0, each pod hangs off its node's cni0, each node has one VTEP
// with VNI 1 and UDP 8472 sending to the other's address, and the two
// make one tunnel, known both ways.
func TestReadClusterFlannel(t *testing.T) {
	c := ReadCluster(fixture(t, "flannel"), clusterRoles)
	if c == nil || c.Underlay == nil || c.Underlay.Bridge != "underlay" || len(c.Underlay.Ports) != 2 {
		t.Fatalf("underlay: %+v", c)
	}
	if len(c.Nodes) != 2 || len(c.Others) != 0 {
		t.Fatalf("nodes %d, others %v", len(c.Nodes), c.Others)
	}
	n1 := c.Node("NODE1")
	if len(n1.Uplinks) != 1 || n1.Uplinks[0].Name != "eth0" || len(n1.Bridges) != 1 || n1.Bridges[0].Name != "cni0" || len(n1.Others) != 0 {
		t.Errorf("NODE1: %+v", n1)
	}
	for _, p := range append(n1.Pods, c.Node("NODE2").Pods...) {
		if !p.Present || p.Dev != "eth0" || p.Bridge != "cni0" || p.NodeEnd == "" || len(p.Addrs) != 1 {
			t.Errorf("pod %+v", p)
		}
	}
	if len(n1.VTEPs) != 1 || n1.VTEPs[0].VNI != 1 || n1.VTEPs[0].Port != 8472 || strings.Join(n1.VTEPs[0].Remotes, ",") != "192.168.10.102" {
		t.Errorf("NODE1 VTEPs: %+v", n1.VTEPs)
	}
	if len(c.Tunnels) != 1 {
		t.Fatalf("tunnels: %+v", c.Tunnels)
	}
	tn := c.Tunnels[0]
	if tn.A.Node != "NODE1" || tn.B.Node != "NODE2" || tn.A.Dev != "flannel.1" || tn.B.Dev != "flannel.1" || !tn.A.Knows || !tn.B.Knows ||
		tn.A.Addr != "192.168.10.101" || tn.Label() != "VXLAN VNI 1 · UDP 8472" {
		t.Errorf("tunnel %+v, label %q", tn, tn.Label())
	}
	var routes []string
	for _, r := range n1.Routes {
		routes = append(routes, RouteText(r))
	}
	if got := strings.Join(routes, "; "); got != "default via 192.168.10.1 dev eth0; 10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink" {
		t.Errorf("NODE1 routes: %s", got)
	}
	// One node's fdb entry gone: the tunnel is known one way only; a
	// port mismatch is in the label; no VTEP on the far node is said.
	s := fixture(t, "flannel")
	s.NS("NODE2").FDB = nil
	s.NS("NODE1").Link("flannel.1").VXLAN.Port = 4789
	tn = ReadCluster(s, clusterRoles).Tunnels[0]
	if !tn.A.Knows || tn.B.Knows || tn.Label() != "VXLAN VNI 1 · UDP 4789≠8472" {
		t.Errorf("one way, mismatched: %+v %q", tn, tn.Label())
	}
	s = fixture(t, "flannel")
	n2 := s.NS("NODE2")
	var links []engine.Link
	for _, l := range n2.Links {
		if l.Kind != "vxlan" {
			links = append(links, l)
		}
	}
	n2.Links = links
	tn = ReadCluster(s, clusterRoles).Tunnels[0]
	if tn.B.Node != "NODE2" || tn.B.Dev != "" {
		t.Errorf("no far VTEP: %+v", tn)
	}
	if m := Mermaid(s, Options{Nodes: clusterRoles}); !strings.Contains(m, `t0{{"NODE2: no VTEP<br/>192.168.10.102"}}`) || !strings.Contains(m, "<==>") {
		t.Errorf("no far VTEP in Mermaid:\n%s", m)
	}
}

// TestReadClusterRouted: Calico style, each pod's veth ends in its node on
// no bridge, with its /32 route there; no VTEP, no tunnel.
func TestReadClusterRouted(t *testing.T) {
	c := ReadCluster(fixture(t, "calico"), clusterRoles)
	if len(c.Tunnels) != 0 || c.Underlay == nil {
		t.Fatalf("tunnels %+v underlay %+v", c.Tunnels, c.Underlay)
	}
	n1 := c.Node("NODE1")
	if len(n1.Bridges) != 0 || len(n1.Others) != 0 || len(n1.Pods) != 2 {
		t.Fatalf("NODE1: %+v", n1)
	}
	for _, p := range n1.Pods {
		if p.Bridge != "" || !strings.HasPrefix(p.NodeEnd, "cali") || p.Gateway != "169.254.1.1" || !strings.HasSuffix(p.Addrs[0], "/32") {
			t.Errorf("pod %+v", p)
		}
	}
	var routes []string
	for _, r := range n1.Routes {
		routes = append(routes, RouteText(r))
	}
	got := strings.Join(routes, "; ")
	for _, want := range []string{"blackhole 10.244.0.0/24 proto bird", "10.244.0.2 dev cali1a2b3c4d5e6 scope link", "10.244.1.0/24 via 192.168.10.102 dev eth0 proto bird"} {
		if !strings.Contains(got, want) {
			t.Errorf("NODE1 routes lack %q: %s", want, got)
		}
	}
}

// TestNoRolesNoChange: without roles Mermaid and DOT are what they were
// (no nesting, no role words, no tunnel edge), and roles change them.
func TestNoRolesNoChange(t *testing.T) {
	s := fixture(t, "flannel")
	if ReadCluster(s, nil) != nil {
		t.Fatal("a cluster without roles")
	}
	for _, out := range []string{Mermaid(s, Options{}), DOT(s, Options{})} {
		for _, no := range []string{"node NODE1", "pod POD-A", "underlay switch", "tunnel", "VNI", "{{", "hexagon", "_routes"} {
			if strings.Contains(out, no) {
				t.Errorf("without roles the diagram has %q", no)
			}
		}
	}
	if m := Mermaid(s, Options{Nodes: clusterRoles}); !strings.Contains(m, "    subgraph ns") || !strings.Contains(m, `<==>|"tunnel VXLAN VNI 1 · UDP 8472"|`) {
		t.Errorf("with roles:\n%s", m)
	}
}

// TestPodMidPlugin: while a CNI plugin has made the pair inside the pod
// (both ends there, the node's end not yet moved), the pod's interface is
// its eth0 and nothing is said to lead elsewhere.
func TestPodMidPlugin(t *testing.T) {
	s := fixture(t, "calico")
	pod := s.NS("POD-A")
	pod.Links = []engine.Link{pod.Links[0],
		{Name: "cali1a2b3c4d5e6", Kind: "veth", State: "down", Peer: &engine.PeerRef{NS: "POD-A", Name: "eth0"}},
		{Name: "eth0", Kind: "veth", State: "down", Peer: &engine.PeerRef{NS: "POD-A", Name: "cali1a2b3c4d5e6"}}}
	p := ReadCluster(s, clusterRoles).Node("NODE1").Pods[0]
	if p.Name != "POD-A" || p.Dev != "eth0" || len(p.Elsewhere) != 0 || p.NodeEnd != "" {
		t.Errorf("pod mid-plugin: %+v", p)
	}
}

package note

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/nettutor/nettutor/engine"
	"github.com/nettutor/nettutor/engine/diagram"
)

// clusterRoles are issue 21's: POD-A and POD-C on NODE1, POD-B on NODE2.
var clusterRoles = []diagram.Node{{Name: "NODE1", Pods: []string{"POD-A", "POD-C"}}, {Name: "NODE2", Pods: []string{"POD-B"}}}

var clusterLabs = map[string]*engine.Snapshot{}

// clusterLab is the snapshot of a lab built by typing
// tui/testdata/cluster-NAME.sh (plain ip and bridge commands)
// into a lab shell: "flannel" (VXLAN) or "calico" (routed).
func clusterLab(t *testing.T, name string) *engine.Snapshot {
	t.Helper()
	if s := clusterLabs[name]; s != nil {
		return s
	}
	if sandboxErr != nil {
		t.Skipf("no lab sandbox: %v", sandboxErr)
	}
	script, err := os.ReadFile("../../tui/testdata/cluster-" + name + ".sh")
	if err != nil {
		t.Fatal(err)
	}
	lab, err := engine.New()
	if err != nil {
		t.Fatal(err)
	}
	defer lab.Close()
	sh := lab.Shell(engine.HostNS)
	sh.Stdin = strings.NewReader(string(script) + "\nexit 0\n")
	if out, err := sh.CombinedOutput(); err != nil {
		t.Fatalf("cluster-%s.sh: %v\n%s", name, err, out)
	}
	s, err := lab.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	clusterLabs[name] = s
	return s
}

// clusterMermaid are the two cluster labs' flowcharts in both languages,
// with what each SVG must show.
func clusterMermaid(t *testing.T) (blocks []string, want [][]string) {
	for _, name := range []string{"flannel", "calico"} {
		s := clusterLab(t, name)
		for _, lang := range []string{"en", "ko"} {
			blocks = append(blocks, diagram.Mermaid(s, diagram.Options{Nodes: clusterRoles, Lang: lang}))
			want = append(want, clusterSVGWords(name, lang))
		}
	}
	return blocks, want
}

// clusterSVGWords is what a cluster diagram's SVG names: every node and
// pod with its role, the underlay switch and, for flannel, the tunnel
// with its VNI and port (on the edge and on each VTEP).
func clusterSVGWords(name, lang string) []string {
	node, pod, sw, tunnel := "node ", "pod ", "underlay switch", "tunnel VXLAN VNI 1 · UDP 8472"
	if lang == "ko" {
		node, pod, sw, tunnel = "노드 ", "파드 ", "언더레이 스위치", "터널 VXLAN VNI 1 · UDP 8472"
	}
	w := []string{node + "NODE1", node + "NODE2", pod + "POD-A", pod + "POD-B", pod + "POD-C", "underlay", sw, "192.168.10.1/24"}
	if name == "flannel" {
		return append(w, "flannel.1", "VXLAN VNI 1 · UDP 8472", tunnel, "↪ 10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink")
	}
	return append(w, "10.244.0.2/32", "↪ blackhole 10.244.0.0/24 proto bird", "↪ 10.244.0.2 dev cali1a2b3c4d5e6 scope link")
}

// TestClusterDOTRendersWithGraphviz renders both cluster labs' DOT with
// Graphviz's dot and finds the roles, the switch and the tunnel in the SVG.
func TestClusterDOTRendersWithGraphviz(t *testing.T) {
	dot := needTool(t, "Graphviz dot", "dot")
	for _, name := range []string{"flannel", "calico"} {
		for _, lang := range []string{"en", "ko"} {
			src := diagram.DOT(clusterLab(t, name), diagram.Options{Nodes: clusterRoles, Lang: lang})
			cmd := exec.Command(dot, "-Tsvg")
			cmd.Stdin = strings.NewReader(src)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			svg, err := cmd.Output()
			if err != nil || stderr.Len() > 0 {
				t.Fatalf("%s %s: dot -Tsvg: %v\n%s\n%s", name, lang, err, stderr.String(), src)
			}
			txt := "\n" + svgText(string(svg)) + "\n"
			for _, w := range clusterSVGWords(name, lang) {
				if !strings.Contains(txt, "\n"+w+"\n") {
					t.Errorf("%s %s: the SVG has no %q:\n%s", name, lang, w, src)
				}
			}
		}
	}
}

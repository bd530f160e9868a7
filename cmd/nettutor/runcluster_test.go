package main

import (
	"strings"
	"testing"
)

// TestRunClusterDrawing: run --plain of a lesson with nodes: draws the lab
// as a cluster after each step's listing, in the transcript's language,
// with every node, pod, the underlay switch and the tunnel's VNI and port;
// --markdown's flowchart nests the pods in their nodes and draws the
// tunnel as a thick edge. A lesson without nodes keeps its transcript
// (TestRunMini).
func TestRunClusterDrawing(t *testing.T) {
	for _, c := range []struct {
		lang string
		want []string
	}{
		{"en", []string{"┌─ node NODE1 · ip_forward=1", "┌───┴─ node NODE2", "┌─ POD-A · ↪ 10.244.0.1", "┌─ POD-B · ↪ 10.244.1.1",
			"host ⇆ underlay switch", "● underlay bridge 192.168.10.1/24", "║ tunnel flannel.1 ⇄ flannel.1", "║ VXLAN VNI 1 · UDP 8472",
			"● flannel.1 ⇋ VNI 1 · UDP 8472 10.244.0.0/32 mtu 1450 → 192.168.10.102", "↪ 10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink"}},
		{"ko", []string{"┌─ 노드 NODE1 · ip_forward=1", "host ⇆ 언더레이 스위치", "║ 터널 flannel.1 ⇄ flannel.1", "║ VXLAN VNI 1 · UDP 8472"}},
	} {
		r := runCLI(t, nil, "run", "../../lessons/testdata/cluster-mini.yaml", "--plain", "--lang", c.lang)
		needLab(t, r)
		if r.code != 0 {
			t.Fatalf("%s: exit %d\n%s\n%s", c.lang, r.code, r.stdout, r.stderr)
		}
		for _, w := range c.want {
			if !strings.Contains(r.stdout, w) {
				t.Errorf("%s: the transcript has no %q", c.lang, w)
			}
		}
		if n := strings.Count(r.stdout, "┌─ "+map[string]string{"en": "node", "ko": "노드"}[c.lang]+" NODE1"); n != 3 {
			t.Errorf("%s: NODE1 drawn %d times, want once per step (3)", c.lang, n)
		}
		for _, l := range strings.Split(r.stdout, "\n") {
			if strings.HasPrefix(l, "  ┌") && width80(l) > 80 {
				t.Errorf("%s: %q is wider than 80", c.lang, l)
			}
		}
		if t.Failed() {
			t.Log(r.stdout)
		}
	}
	r := runCLI(t, nil, "run", "../../lessons/testdata/cluster-mini.yaml", "--markdown")
	needLab(t, r)
	for _, w := range []string{`subgraph ns1["node NODE1 · ip_forward=1"]`, `    subgraph ns3["pod POD-A · default via 10.244.0.1"]`,
		`{{"flannel.1<br/>vxlan · UP<br/>VXLAN VNI 1 · UDP 8472<br/>remote 192.168.10.102`, `<==>|"tunnel VXLAN VNI 1 · UDP 8472"|`, "underlay switch"} {
		if !strings.Contains(r.stdout, w) {
			t.Errorf("--markdown has no %q:\n%s", w, r.stdout)
		}
	}
}

// width80 is a line's width in cells (every character of the drawing is
// one cell wide).
func width80(s string) int { return len([]rune(s)) }

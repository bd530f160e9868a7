package note

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
			txt, err := dotText(dot, src)
			if err != nil {
				t.Fatalf("%s %s: %v\n%s", name, lang, err, src)
			}
			for _, w := range clusterSVGWords(name, lang) {
				if !strings.Contains(txt, "\n"+w+"\n") {
					t.Errorf("%s %s: the SVG has no %q:\n%s", name, lang, w, src)
				}
			}
		}
	}
}

// TestClusterMermaidRendersWithMermaidCLI renders both hand-typed cluster
// labs' flowcharts, in English and Korean, with Mermaid's own CLI (the
// same run as TestMermaidRendersWithMermaidCLI's) and finds the roles, the
// switch and the tunnel with its VNI and port in each SVG.
func TestClusterMermaidRendersWithMermaidCLI(t *testing.T) {
	blocks, want := clusterMermaid(t)
	dir := clusterMMDC(t, blocks)
	for i := range blocks {
		b, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("out-%d.svg", i+1)))
		if err != nil {
			t.Fatal(err)
		}
		txt := svgText(string(b))
		for _, w := range want[i] {
			if !strings.Contains(txt, w) {
				t.Errorf("cluster flowchart %d's SVG lacks %q", i+1, w)
			}
		}
	}
}

// clusterMMDC renders blocks with mmdc as TestMermaidRendersWithMermaidCLI
// does (chromium from Debian, in a network namespace with only lo) and
// returns the folder of out-1.svg, out-2.svg, ...: a run of its own, so the
// cluster flowcharts are held whatever the lessons' notes hold.
func clusterMMDC(t *testing.T, blocks []string) string {
	t.Helper()
	mmdc := needTool(t, "mermaid-cli (mmdc)", os.Getenv("NETTUTOR_MERMAID")+"/node_modules/.bin/mmdc", "mmdc", "/opt/nettutor-mermaid/node_modules/.bin/mmdc")
	chromium := needTool(t, "chromium", os.Getenv("PUPPETEER_EXECUTABLE_PATH"), "chromium", "/usr/bin/chromium")
	unshare := needTool(t, "unshare", "unshare")
	ipTool := needTool(t, "ip", "ip")
	dir := t.TempDir()
	var md strings.Builder
	for _, b := range blocks {
		fmt.Fprintf(&md, "```mermaid\n%s```\n\n", b)
	}
	in := filepath.Join(dir, "all.md")
	cfg := fmt.Sprintf(`{"executablePath": %q, "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic", "--user-data-dir=%s"]}`,
		chromium, filepath.Join(dir, "chromium"))
	if err := errors.Join(os.WriteFile(in, []byte(md.String()), 0o644), os.WriteFile(filepath.Join(dir, "puppeteer.json"), []byte(cfg), 0o644)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, unshare, "--net", "sh", "-c", ipTool+` link set lo up && exec "$0" "$@"`,
		mmdc, "-q", "-p", filepath.Join(dir, "puppeteer.json"), "-i", in, "-o", filepath.Join(dir, "out.md"))
	cmd.Env = append(os.Environ(), "PUPPETEER_SKIP_DOWNLOAD=1")
	out, err := cmd.CombinedOutput()
	svgs, _ := filepath.Glob(filepath.Join(dir, "out-*.svg"))
	if err != nil || len(svgs) != len(blocks) {
		bad := ""
		if len(svgs) < len(blocks) {
			bad = blocks[len(svgs)] // mmdc stops at the first block it cannot render
		}
		t.Fatalf("mmdc: %v, %d SVGs for %d blocks\n%s\nthe block it stopped at:\n%s", err, len(svgs), len(blocks), out, bad)
	}
	return dir
}

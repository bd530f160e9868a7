package test

import (
	"bytes"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestInspectCluster types issue 21's flannel cluster by hand (plain ip
// and bridge commands) in a sandbox and reads it with inspect --node: the
// text draws the nodes holding their pods, the underlay switch and the
// tunnel with VNI and port after the listing; mermaid nests the pods and
// draws the tunnel as a thick edge; dot renders with Graphviz; a bad
// --node is one line and exit 2. Without --node inspect is unchanged
// (TestInspectFormats).
func TestInspectCluster(t *testing.T) {
	need(t, "ip", "bridge", "bash", "dot")
	build, err := os.ReadFile("../tui/testdata/cluster-flannel.sh")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	const cut = "===== cut here ====="
	roles := "--node NODE1=POD-A,POD-C --node NODE2=POD-B"
	var script strings.Builder
	script.Write(build)
	for _, f := range []string{"text", "mermaid", "dot"} {
		script.WriteString("nettutor inspect --format " + f + " " + roles + "\necho '" + cut + "'\n")
	}
	for _, bad := range []string{"--node NODE1", "--node NODE3=POD-A", "--node NODE1=POD-A --node NODE2=POD-A"} {
		script.WriteString("nettutor inspect " + bad + " 2>&1 || echo \"rc=$?\"\necho '" + cut + "'\n")
	}
	path := filepath.Join(dir, "cluster.sh")
	os.WriteFile(path, []byte(script.String()), 0o644)
	code, out, stderr := runBin(t, "sandbox", "--quiet", path)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, stderr)
	}
	parts := strings.Split(out, cut+"\n")
	if len(parts) != 7 {
		t.Fatalf("%d parts, want 7:\n%s", len(parts), out)
	}
	for _, want := range []string{"[NODE1]", "┌─ node NODE1 · ip_forward=1", "┌─ POD-A · ↪ 10.244.0.1", "┌─ POD-C", "┌─ POD-B",
		"host ⇆ underlay switch", "║ tunnel flannel.1 ⇄ flannel.1", "║ VXLAN VNI 1 · UDP 8472"} {
		if !strings.Contains(parts[0], want) {
			t.Errorf("text lacks %q:\n%s", want, parts[0])
		}
	}
	for _, want := range []string{`subgraph ns`, `["node NODE1 · ip_forward=1, default via 192.168.10.1"]`, `["pod POD-B · default via 10.244.1.1"]`,
		`<==>|"tunnel VXLAN VNI 1 · UDP 8472"|`, "underlay switch"} {
		if !strings.Contains(parts[1], want) {
			t.Errorf("mermaid lacks %q:\n%s", want, parts[1])
		}
	}
	cmd := exec.Command("dot", "-Tsvg")
	cmd.Stdin = strings.NewReader(parts[2])
	var errb bytes.Buffer
	cmd.Stderr = &errb
	svg, err := cmd.Output()
	if err != nil || errb.Len() > 0 {
		t.Fatalf("dot -Tsvg: %v %s\n%s", err, errb.String(), parts[2])
	}
	for _, name := range []string{"node NODE1", "pod POD-A", "pod POD-C", "pod POD-B", "underlay switch", "tunnel VXLAN VNI 1 · UDP 8472"} {
		if !strings.Contains(html.UnescapeString(string(svg)), ">"+name+"<") { // dot writes '-' as &#45;
			t.Errorf("SVG lacks %q:\n%s", name, parts[2])
		}
	}
	for i, want := range []string{"want NODE=POD,POD", "no namespace NODE3", "POD-A already has a role"} {
		lines := strings.Split(strings.TrimSpace(parts[3+i]), "\n")
		if len(lines) != 2 || !strings.HasPrefix(lines[0], "nettutor inspect: --node ") || !strings.Contains(lines[0], want) || lines[1] != "rc=2" {
			t.Errorf("bad --node %d: want one line with %q and exit 2, got:\n%s", i+1, want, parts[3+i])
		}
	}
}

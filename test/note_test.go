package test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/nettutor/nettutor/lessons"
)

// runBin runs nettutor with args and returns its exit code, stdout and
// stderr.
func runBin(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("nettutor %s: %v", strings.Join(args, " "), err)
	}
	return code, out.String(), errb.String()
}

// TestRunMarkdownKorean: `run veth --markdown --lang ko` writes a Korean
// note in UTF-8 with a diagram per step; a learner's own lesson file gets
// the same.
func TestRunMarkdownKorean(t *testing.T) {
	code, out, stderr := runBin(t, "run", "veth", "--markdown", "--lang", "ko")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, stderr)
	}
	if !utf8.ValidString(out) {
		t.Error("the note is not valid UTF-8")
	}
	n := vethSteps(t)
	first, last := fmt.Sprintf("## 1/%d단계: ", n), fmt.Sprintf("## %d/%d단계: ", n, n)
	for _, want := range []string{"# veth: ", first, last, "### 명령어와 출력", "```bash\nip netns add RED\n", "### 래더 다이어그램", "sequenceDiagram", "| # | 시간 |"} {
		if !strings.Contains(out, want) {
			t.Errorf("note lacks %q", want)
		}
	}
	if got := strings.Count(out, "```mermaid\nflowchart TB\n"); got != n {
		t.Errorf("%d flowcharts, want one per step (%d)", got, n)
	}
	code, out, stderr = runBin(t, "run", "../lessons/testdata/mini.yaml", "--markdown")
	if code != 0 {
		t.Fatalf("own lesson file: exit %d\n%s%s", code, out, stderr)
	}
	for _, want := range []string{"# mini: Mini: RED to BLUE", "## Step 2/", ": Addresses, up, ping", "participant", "veth pair"} {
		if !strings.Contains(out, want) {
			t.Errorf("own lesson's note lacks %q:\n%s", want, out)
		}
	}
}

// TestInspectFormats builds the seed's RED/BLUE by hand and reads it with
// inspect in every format: json equals --json, dot renders with Graphviz
// and names every namespace and link, mermaid draws the pair; a bad format
// and --json with another format are one-line bad input.
func TestInspectFormats(t *testing.T) {
	need(t, "ip", "bash", "dot")
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	const cut = "===== cut here ====="
	var script strings.Builder
	script.WriteString(seedVeth)
	for _, f := range []string{"--json", "--format json", "--format dot", "--format mermaid", "--format text"} {
		script.WriteString("nettutor inspect " + f + "\necho '" + cut + "'\n")
	}
	script.WriteString("nettutor inspect --format png 2>&1 || echo \"rc=$?\"\necho '" + cut + "'\n")
	script.WriteString("nettutor inspect --json --format dot 2>&1 || echo \"rc=$?\"\n")
	path := filepath.Join(dir, "seed.sh")
	os.WriteFile(path, []byte(script.String()), 0o644)
	code, out, stderr := runBin(t, "sandbox", "--quiet", path)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, stderr)
	}
	parts := strings.Split(out, cut+"\n")
	if len(parts) != 7 {
		t.Fatalf("%d parts, want 7:\n%s", len(parts), out)
	}
	if parts[0] != parts[1] {
		t.Errorf("--format json differs from --json:\n%s\n%s", parts[0], parts[1])
	}
	cmd := exec.Command("dot", "-Tsvg")
	cmd.Stdin = strings.NewReader(parts[2])
	svg, err := cmd.Output()
	if err != nil {
		t.Fatalf("dot -Tsvg: %v\n%s", err, parts[2])
	}
	for _, name := range []string{"RED", "BLUE", "host", "veth0", "veth1", "11.11.11.2/24"} {
		if !bytes.Contains(svg, []byte(">"+name+"<")) {
			t.Errorf("SVG lacks %q", name)
		}
	}
	if !strings.HasPrefix(parts[3], "flowchart TB\n") || !strings.Contains(parts[3], `<-->|"veth pair"|`) {
		t.Errorf("mermaid:\n%s", parts[3])
	}
	if !strings.Contains(parts[4], "[RED]") {
		t.Errorf("text:\n%s", parts[4])
	}
	for i, p := range parts[5:] {
		lines := strings.Split(strings.TrimSpace(p), "\n")
		if len(lines) != 2 || !strings.HasPrefix(lines[0], "nettutor inspect: ") || lines[1] != "rc=2" {
			t.Errorf("bad input %d: want one line and exit 2, got:\n%s", i+1, p)
		}
	}
}

// TestSandboxMarkdown: `sandbox SCRIPT --markdown` writes the script, what
// it printed and the topology it built; without a script it is bad input.
func TestSandboxMarkdown(t *testing.T) {
	need(t, "ip", "bash")
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	path := filepath.Join(dir, "seed.sh")
	os.WriteFile(path, []byte(seedVeth+"echo built\n"), 0o644)
	code, out, stderr := runBin(t, "sandbox", path, "--markdown")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, stderr)
	}
	for _, want := range []string{"# Lab built by seed.sh", "```bash\nset -e\nip link add veth0", "```\nbuilt\n```", "```mermaid\nflowchart TB", `subgraph ns`, `"RED"`, `<-->|"veth pair"|`} {
		if !strings.Contains(out, want) {
			t.Errorf("note lacks %q:\n%s", want, out)
		}
	}
	code, out, stderr = runBin(t, "sandbox", "--markdown")
	if code != 2 || strings.Count(strings.TrimSpace(stderr), "\n") != 0 || !strings.Contains(stderr, "--markdown") {
		t.Errorf("sandbox --markdown without a script: exit %d, stderr %q, stdout %q", code, stderr, out)
	}
}

// vethSteps is the number of steps of the built-in veth lesson.
func vethSteps(t *testing.T) int {
	t.Helper()
	ls, err := lessons.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range ls {
		if l.ID == "veth" {
			return len(l.Steps)
		}
	}
	t.Fatal("no veth lesson")
	return 0
}

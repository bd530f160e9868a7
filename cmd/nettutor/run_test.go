package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nettutor/nettutor/engine"
)

// needLab skips a test when the binary cannot make its sandbox here,
// except under CI=true.
func needLab(t *testing.T, r cliResult) {
	t.Helper()
	if r.code == 2 && strings.Contains(r.stderr, "cannot make the lab sandbox") {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true and no sandbox: %s", r.stderr)
		}
		t.Skip("no lab sandbox here")
	}
}

func TestRunMini(t *testing.T) {
	dir := t.TempDir()
	// Both output folders are missing: run creates them.
	state := filepath.Join(dir, "out", "state.json")
	pcaps := filepath.Join(dir, "pcap")
	r := runCLI(t, nil, "run", "../../lessons/testdata/mini.yaml", "--plain", "--state-json", state, "--pcap", pcaps)
	needLab(t, r)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{
		"== Step 1/4: Two namespaces and a pair ==",
		"✓ $ ip -n RED link add veth0 type veth peer name veth1 netns BLUE  (",
		"  ✓ RED: veth0 is a veth, down, peer BLUE/veth1\n",
		"Topology:\n  [host]",
		"  changed: BLUE/lo, BLUE/veth1, RED/lo, RED/veth0\n",
		"ARP, Request who-has 11.11.11.3 tell 11.11.11.2, length 28",
		"✓ every expectation held (",
		"\npcaps in " + pcaps + ": blue.pcap\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("transcript lacks %q", want)
		}
	}
	b, err := os.ReadFile(state)
	if err != nil {
		t.Fatal(err)
	}
	var snap engine.Snapshot
	if err := json.Unmarshal(b, &snap); err != nil || snap.NS("RED") == nil || snap.NS("RED").Link("veth0") == nil {
		t.Errorf("--state-json: %v %s", err, b)
	}
	if st, err := os.Stat(filepath.Join(pcaps, "blue.pcap")); err != nil || st.Size() <= 24 {
		t.Errorf("--pcap: %v", err)
	}
	if t.Failed() {
		t.Log(r.stdout)
	}
}

func TestRunFailsExit1(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "fail.yaml")
	os.WriteFile(f, []byte("id: fail\ntitle: {en: F}\nsummary: {en: S}\nsteps:\n  - id: s\n    title: {en: S}\n    actions:\n      - netns_add: {name: RED}\n    expect:\n      - link: {ns: RED, name: lo, state: up}\n"), 0o644)
	r := runCLI(t, nil, "run", f, "--plain", "--lang", "ko")
	needLab(t, r)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"1/1단계: S", "  ✗ RED: lo는 up 상태\n      RED: lo가 DOWN 상태입니다\n", "✗ 확인 항목 1개 중 1개가 맞지 않았습니다"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("transcript lacks %q:\n%s", want, r.stdout)
		}
	}
}

func TestRunBadInput(t *testing.T) {
	badInputLine(t, runCLI(t, nil, "run", "vet", "--plain"), `unknown lesson "vet" (did you mean "veth"?)`)
	badInputLine(t, runCLI(t, nil, "run", "/nonexistent/x.yaml"), "read lesson: open /nonexistent/x.yaml: no such file or directory")
	badInputLine(t, runCLI(t, nil, "run"), "usage: nettutor run")
	dir := t.TempDir()
	// A folder that cannot be made (its parent is a file), and a folder
	// where the file should be: one line each, before any lab work.
	file := filepath.Join(dir, "file")
	os.WriteFile(file, nil, 0o644)
	badInputLine(t, runCLI(t, nil, "run", "veth", "--state-json", file+"/sub/s.json"), "--state-json "+file+"/sub/s.json: not a directory")
	badInputLine(t, runCLI(t, nil, "run", "veth", "--pcap", file+"/sub"), "--pcap "+file+"/sub: not a directory")
	badInputLine(t, runCLI(t, nil, "run", "veth", "--state-json", dir), "--state-json "+dir+": is a directory")
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("id: [\n"), 0o644)
	badInputLine(t, runCLI(t, nil, "run", bad), bad+":2:1: YAML syntax")
	two := filepath.Join(dir, "two.yaml")
	os.WriteFile(two, []byte("id: x\ntitle: {en: T}\nsummary: {en: S}\nstep: []\nfoo: 1\n"), 0o644)
	badInputLine(t, runCLI(t, nil, "run", two), two+":1:1: lesson: missing \"steps\" (and 2 more; see nettutor lint "+two+")")
}

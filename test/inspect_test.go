package test

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// seedVeth is the seed's RED <-> BLUE walk-through, typed by hand.
const seedVeth = `set -e
ip link add veth0 type veth peer name veth1
ip netns add RED
ip netns add BLUE
ip link set veth0 netns RED
ip link set veth1 netns BLUE
ip netns exec RED ip link set veth0 up
ip netns exec BLUE ip link set veth1 up
ip netns exec RED ip addr add 11.11.11.2/24 dev veth0
ip netns exec BLUE ip addr add 11.11.11.3/24 dev veth1
`

// TestInspectSeesHandBuiltLab: a learner who built RED/BLUE by hand sees
// it with `nettutor inspect`, and its JSON is the lab snapshot's JSON.
func TestInspectSeesHandBuiltLab(t *testing.T) {
	need(t, "ip", "bash")
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	// The script runs confined, where no path of the machine's exists: the
	// lab's own nettutor (on its PATH) prints to the script's output.
	const cut = "===== cut here ====="
	script := seedVeth + "nettutor inspect --json\necho '" + cut + "'\nnettutor inspect\n"
	scriptPath := filepath.Join(dir, "seed.sh")
	os.WriteFile(scriptPath, []byte(script), 0o644)
	labJSON := filepath.Join(dir, "lab.json")
	cmd := exec.Command(bin, "sandbox", "--quiet", "--state-json", labJSON, scriptPath)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%v\n%s%s", err, out, stderr.String())
	}
	js, text, ok := strings.Cut(string(out), cut+"\n")
	if !ok {
		t.Fatalf("no inspect output:\n%s", out)
	}
	inspectJSON := filepath.Join(dir, "inspect.json")
	os.WriteFile(inspectJSON, []byte(js), 0o644)
	ins, lab := readSnap(t, inspectJSON), readSnap(t, labJSON)
	if got, want := normalize(ins), normalize(lab); !reflect.DeepEqual(got, want) {
		t.Errorf("inspect --json differs from the lab snapshot:\n%v\n%v", got, want)
	}
	red := ins.NS("RED")
	if red == nil || red.Link("veth0") == nil || red.Link("veth0").Peer == nil || red.Link("veth0").Peer.NS != "BLUE" {
		t.Fatalf("inspect does not show RED/veth0 joined to BLUE: %+v", ins)
	}
	for _, want := range []string{"[RED]", "[BLUE]", "veth0", "11.11.11.2/24", "BLUE/veth1"} {
		if !strings.Contains(string(text), want) {
			t.Errorf("inspect text lacks %q:\n%s", want, text)
		}
	}
}

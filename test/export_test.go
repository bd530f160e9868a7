package test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/nettutor/nettutor/engine"
)

var lessonIDs = []string{"isolation", "containers", "veth", "bridge", "nat", "docker-networks", "userns", "pod", "flannel", "calico", "service", "loadbalancer"}
var cniVeth = regexp.MustCompile(`\bveth[0-9a-f]{8}\b`)

// state is the part of a snapshot that a script of commands must
// reproduce: names, kinds, states, addresses, masters, peers, routes, rules
// and sysctls. MACs, indexes, neighbours and the fdb depend on timing.
type state map[string][]string

func normalize(s *engine.Snapshot) state {
	out := state{}
	for _, ns := range s.Namespaces {
		var lines []string
		for _, l := range ns.Links {
			var addrs []string
			for _, a := range l.Addrs {
				if !strings.HasPrefix(a, "fe80:") {
					addrs = append(addrs, a)
				}
			}
			sort.Strings(addrs)
			peer := ""
			if l.Peer != nil {
				peer = l.Peer.NS + "/" + l.Peer.Name
			}
			line := "link " + strings.Join([]string{l.Name, l.Kind, l.State, strings.Join(addrs, ","), "master=" + l.Master, "peer=" + peer}, " ")
			lines = append(lines, cniVeth.ReplaceAllString(line, "veth<cni>"))
		}
		for _, r := range ns.Routes {
			lines = append(lines, "route "+r.Dst+" via "+r.Gw+" dev "+r.Dev)
		}
		for _, r := range ns.Rules {
			lines = append(lines, "rule "+r)
		}
		for k, v := range ns.Sysctl {
			lines = append(lines, "sysctl "+k+"="+v)
		}
		sort.Strings(lines)
		out[ns.Name] = lines
	}
	return out
}

func readSnap(t *testing.T, path string) *engine.Snapshot {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var s engine.Snapshot
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return &s
}

// TestExportRoundTrip is truth oracle 1: every command the tutor shows is
// real. The script `nettutor export L` prints, run with bash in a fresh
// sandbox, builds the same state as the engine did for `nettutor run L`.
func TestExportRoundTrip(t *testing.T) {
	need(t, "ip", "iptables", "bash", "ping", "nc")
	for _, id := range lessonIDs {
		t.Run(id, func(t *testing.T) {
			// Each lesson runs in sandboxes of its own: two at once
			// (-test.parallel) fill each other's waits.
			t.Parallel()
			dir := t.TempDir()
			os.Chmod(dir, 0o755)
			// the same run as TestEveryLessonRunsInBothLanguages/en's
			out, engineJSON, err := enRunWithState(t, id)
			if err != nil {
				t.Fatalf("nettutor run %s: %v\n%s", id, err, out)
			}
			script, err := exec.Command(bin, "export", id).Output()
			if err != nil {
				t.Fatalf("nettutor export %s: %v", id, err)
			}
			scriptPath := filepath.Join(dir, id+".sh")
			if err := os.WriteFile(scriptPath, script, 0o644); err != nil {
				t.Fatal(err)
			}
			shellJSON := filepath.Join(dir, "shell.json")
			sout, err := exec.Command(bin, "sandbox", "--quiet", "--state-json", shellJSON, scriptPath).CombinedOutput()
			if err != nil {
				t.Fatalf("exported script failed in a fresh sandbox: %v\n%s\nscript:\n%s", err, sout, script)
			}
			want, got := normalize(readSnap(t, engineJSON)), normalize(readSnap(t, shellJSON))
			if !reflect.DeepEqual(got, want) {
				for ns := range union(want, got) {
					if !reflect.DeepEqual(want[ns], got[ns]) {
						t.Errorf("%s: namespace %s\nengine:\n  %s\nexported script:\n  %s", id, ns, strings.Join(want[ns], "\n  "), strings.Join(got[ns], "\n  "))
					}
				}
			}
		})
	}
}

func union(a, b state) map[string]bool {
	m := map[string]bool{}
	for k := range a {
		m[k] = true
	}
	for k := range b {
		m[k] = true
	}
	return m
}

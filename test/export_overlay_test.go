package test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/nettutor/nettutor/engine"
)

// overlayState is normalize plus what the overlay actions make: a VXLAN
// device's settings and MAC (set by the lesson), permanent neighbours,
// fdb entries with a remote VTEP, and a route's type, protocol, scope and
// onlink flag. Learned neighbours and fdb entries depend on timing and
// stay out, as in normalize.
func overlayState(s *engine.Snapshot) state {
	out := normalize(s)
	for _, ns := range s.Namespaces {
		lines := out[ns.Name]
		for _, l := range ns.Links {
			if v := l.VXLAN; v != nil {
				lines = append(lines, fmt.Sprintf("vxlan %s %+v mtu=%d mac=%s", l.Name, *v, l.MTU, l.MAC))
			}
		}
		for _, n := range ns.Neighbors {
			if n.State == "permanent" {
				lines = append(lines, "neigh "+n.IP+" "+n.MAC+" "+n.Dev)
			}
		}
		for _, f := range ns.FDB {
			if f.Dst != "" {
				lines = append(lines, fmt.Sprintf("fdb %s %s dst %s self=%v %s", f.MAC, f.Dev, f.Dst, f.Self, f.State))
			}
		}
		for _, r := range ns.Routes {
			lines = append(lines, fmt.Sprintf("route-form %s type=%s proto=%s scope=%s onlink=%v", r.Dst, r.Type, r.Proto, r.Scope, r.OnLink))
		}
		sort.Strings(lines)
		out[ns.Name] = lines
	}
	return out
}

// TestExportOverlay is the export oracle for the overlay actions: the
// script `nettutor export` prints for a lesson using every one of them
// (vxlan, link_address, neigh_add, fdb_add, the route forms, show with dev
// and detail-link), typed into bash in a fresh sandbox, builds what the
// engine built.
func TestExportOverlay(t *testing.T) {
	need(t, "ip", "bridge", "bash", "ping")
	lesson, err := filepath.Abs("testdata/overlay.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	engineJSON := filepath.Join(dir, "engine.json")
	out, err := exec.Command(bin, "run", lesson, "--plain", "--lang", "en", "--state-json", engineJSON).CombinedOutput()
	if err != nil {
		t.Fatalf("nettutor run: %v\n%s", err, out)
	}
	script, err := exec.Command(bin, "export", lesson).Output()
	if err != nil {
		t.Fatalf("nettutor export: %v", err)
	}
	for _, w := range []string{
		"ip -n NODE1 link add flannel.1 type vxlan id 1 local 192.168.10.101 dev eth0 dstport 8472 nolearning\n",
		"bridge -n NODE1 fdb append 0a:58:c0:a8:0a:66 dev flannel.1 dst 192.168.10.102 self permanent\n",
		"ip -n NODE1 neigh add 10.244.1.0 lladdr 0a:58:c0:a8:0a:66 dev flannel.1 nud permanent\n",
		"ip -n NODE1 route add 10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink\n",
		"ip -n NODE2 route add blackhole 10.244.1.0/24 proto bird\n",
	} {
		if !strings.Contains(string(script), w) {
			t.Errorf("the script lacks %q", w)
		}
	}
	scriptPath := filepath.Join(dir, "overlay.sh")
	if err := os.WriteFile(scriptPath, script, 0o644); err != nil {
		t.Fatal(err)
	}
	shellJSON := filepath.Join(dir, "shell.json")
	out, err = exec.Command(bin, "sandbox", "--quiet", "--state-json", shellJSON, scriptPath).CombinedOutput()
	if err != nil {
		t.Fatalf("exported script failed in a fresh sandbox: %v\n%s\nscript:\n%s", err, out, script)
	}
	want, got := overlayState(readSnap(t, engineJSON)), overlayState(readSnap(t, shellJSON))
	// The lesson's own objects are there: the comparison is not of two
	// empty labs.
	if !contains(want["NODE1"], "fdb 0a:58:c0:a8:0a:66 flannel.1 dst 192.168.10.102 self=true permanent") ||
		!contains(want["NODE2"], "route-form 10.244.1.0/24 type=blackhole proto=bird scope= onlink=false") {
		t.Errorf("the engine's lab lacks the lesson's objects:\n%s\n%s", strings.Join(want["NODE1"], "\n"), strings.Join(want["NODE2"], "\n"))
	}
	if !reflect.DeepEqual(got, want) {
		for ns := range union(want, got) {
			if !reflect.DeepEqual(want[ns], got[ns]) {
				t.Errorf("namespace %s\nengine:\n  %s\nexported script:\n  %s", ns, strings.Join(want[ns], "\n  "), strings.Join(got[ns], "\n  "))
			}
		}
	}
}

func contains(xs []string, x string) bool {
	for _, s := range xs {
		if s == x {
			return true
		}
	}
	return false
}

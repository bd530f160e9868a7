package tui

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/nettutor/nettutor/engine"
	"github.com/nettutor/nettutor/engine/diagram"
)

// clusterRoles are issue 21's: POD-A and POD-C on NODE1, POD-B on NODE2.
var clusterRoles = []diagram.Node{{Name: "NODE1", Pods: []string{"POD-A", "POD-C"}}, {Name: "NODE2", Pods: []string{"POD-B"}}}

// clusterFixture reads a cluster snapshot fixture: the snapshot JSON of
// the lab testdata/cluster-NAME.sh builds (TestClusterDrawingRealKernel -update).
func clusterFixture(t testing.TB, name string) *engine.Snapshot {
	t.Helper()
	b, err := os.ReadFile("testdata/cluster-" + name + ".json")
	if err != nil {
		t.Fatal(err)
	}
	var s engine.Snapshot
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return &s
}

// withoutTunnels is the flannel lab before flannel.1: no VXLAN device, no
// neighbour, fdb entry or route through it.
func withoutTunnels(s *engine.Snapshot) *engine.Snapshot {
	b, _ := json.Marshal(s)
	var c engine.Snapshot
	_ = json.Unmarshal(b, &c)
	for i := range c.Namespaces {
		n := &c.Namespaces[i]
		var links []engine.Link
		for _, l := range n.Links {
			if l.Kind != "vxlan" {
				links = append(links, l)
			}
		}
		n.Links = links
		var routes []engine.Route
		for _, r := range n.Routes {
			if r.Dev != "flannel.1" {
				routes = append(routes, r)
			}
		}
		n.Routes, n.Neighbors, n.FDB = routes, nil, nil
	}
	return &c
}

// clusterBackend is the fake backend with two more lessons, whose one
// step leaves the flannel and the Calico fixture labs.
type clusterBackend struct {
	fakeBackend
	t *testing.T
}

var clusterLessons = []LessonInfo{
	{ID: "flannel", Title: "Flannel: a VXLAN overlay", Summary: "flannel.1 between two nodes", Steps: 1, Nodes: clusterRoles},
	{ID: "calico", Title: "Calico: routed pods", Summary: "a /32 per pod, no bridge", Steps: 1, Nodes: clusterRoles},
}

func (b *clusterBackend) Open(ctx context.Context, id, lang string) (Session, error) {
	for _, l := range clusterLessons {
		if l.ID != id {
			continue
		}
		s := newFakeSession(l, lang)
		after := clusterFixture(b.t, l.ID)
		before := withoutTunnels(after)
		step := StepInfo{ID: "vxlan", Title: "flannel.1 on each node", Text: "Each node gets `flannel.1`: VNI 1, UDP 8472.",
			Commands: []string{"ip -n NODE1 link add flannel.1 type vxlan id 1 local 192.168.10.101 dev eth0 dstport 8472 nolearning"}}
		if l.ID == "calico" {
			before = &engine.Snapshot{Namespaces: after.Namespaces[:3]} // host and the nodes
			step = StepInfo{ID: "pods", Title: "Routed pods", Text: "Each pod gets a `/32` and a route via `169.254.1.1`.",
				Commands: []string{"ip -n POD-A addr add 10.244.0.2/32 dev eth0"}}
		}
		s.steps = []StepInfo{step}
		s.snaps = []*engine.Snapshot{before, after}
		s.res = []StepResult{{Actions: []ActionEvent{{Step: 0, Command: step.Commands[0], OK: true, Duration: 400 * time.Microsecond}}}}
		return s, nil
	}
	return b.fakeBackend.Open(ctx, id, lang)
}

// openCluster opens cluster lesson id at w x h and runs its step.
func openCluster(t *testing.T, lang, id string, w, h int) *driver {
	all := append(sixLessons(), clusterLessons...)
	m := New(&clusterBackend{fakeBackend{lessons: all}, t}, Options{Lang: lang, ProgressPath: "-"})
	d := newDriver(t, m)
	d.send(tea.WindowSizeMsg{Width: w, Height: h})
	d.run(m.Init(), 50*time.Millisecond)
	for i, l := range all {
		if l.ID == id {
			for j := 0; j < i; j++ {
				d.keys("down")
			}
		}
	}
	d.keys("enter", "n")
	d.waitFor("step done", func(m *Model) bool { return m.lesson != nil && m.lesson.pos == 1 && m.lesson.busy == "" })
	return d
}

// TestGoldenCluster is the lesson screen of a 2-node, 3-pod flannel
// cluster and of a routed one at 80x24 and 120x40, in English and Korean,
// and the diagram zoomed to the whole 80x24 screen.
func TestGoldenCluster(t *testing.T) {
	t.Parallel() // the fake backend: no lab, no package state (parallel_test.go)
	for _, id := range []string{"flannel", "calico"} {
		for _, lang := range []string{"en", "ko"} {
			for _, sz := range sizes {
				d := openCluster(t, lang, id, sz.w, sz.h)
				name := fmt.Sprintf("cluster_%s_%dx%d", id, sz.w, sz.h)
				if lang != "en" {
					name = fmt.Sprintf("cluster_%s_%s_%dx%d", id, lang, sz.w, sz.h)
				}
				golden(t, name, d.view())
				if sz.w == 80 && lang == "en" {
					d.keys("tab", "z")
					golden(t, fmt.Sprintf("cluster_%s_zoom_80x24", id), d.view())
				}
			}
		}
	}
}

// clusterWords are what the drawing of a cluster lab must name.
func clusterWords(calico bool) []string {
	w := []string{"NODE1", "NODE2", "POD-A", "POD-B", "POD-C", "underlay", "192.168.10.1/24",
		"192.168.10.101/24", "192.168.10.102/24"}
	if calico {
		return append(w, "10.244.0.2/32", "10.244.1.2/32", "↪ 169.254.1.1", "blackhole 10.244.0.0/24 proto bird",
			"10.244.1.0/24 via 192.168.10.102 dev eth0 proto bird")
	}
	return append(w, "10.244.0.2/24", "10.244.0.3/24", "10.244.1.2/24", "cni0", "flannel.1", "VNI 1", "UDP 8472",
		"→ 192.168.10.102", "→ 192.168.10.101", "10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink")
}

// checkClusterDrawing holds a drawing at w cells: every word there, no
// line wider than w, nothing cut, both nodes wired to the switch, and
// for flannel the tunnel drawn as a pipe with its VNI and port beside it
// when the pane is wide enough (and as a line of text when not).
func checkClusterDrawing(t *testing.T, name string, out string, w int, calico bool) {
	t.Helper()
	// Words are looked for in the text with the box drawing taken out and
	// the lines joined: a long route may wrap in a narrow pane.
	flat := strings.Join(strings.Fields(strings.Map(func(r rune) rune {
		if strings.ContainsRune("│┌┐└┘─┬┴╥╨║", r) {
			return ' '
		}
		return r
	}, out)), " ")
	for _, want := range clusterWords(calico) {
		if !strings.Contains(flat, want) {
			t.Errorf("%s: no %q:\n%s", name, want, out)
		}
	}
	for _, l := range strings.Split(out, "\n") {
		if width(l) > w {
			t.Errorf("%s: %q is wider than %d", name, l, w)
		}
	}
	if strings.Contains(out, "…") {
		t.Errorf("%s: something is cut:\n%s", name, out)
	}
	if n := strings.Count(out, "│ veth-NODE"); n != 2 && !strings.Contains(out, "│ veth-node") {
		t.Errorf("%s: %d wires into the switch, want 2:\n%s", name, n, out)
	}
	if calico {
		if strings.Contains(out, "║") || strings.Contains(out, "VNI") {
			t.Errorf("%s: a routed cluster has no tunnel:\n%s", name, out)
		}
		return
	}
	pipe := regexp.MustCompile(`║ (tunnel flannel\.1 ⇄ flannel\.1|VXLAN VNI 1 · UDP 8472|UDP 8472)`)
	if w >= 60 && !pipe.MatchString(out) {
		t.Errorf("%s: no tunnel pipe with its VNI and port:\n%s", name, out)
	}
	if !strings.Contains(out, "║") && !strings.Contains(flat, "⇋ tunnel NODE1/flannel.1 ⇄ NODE2/flannel.1 · VXLAN VNI 1 · UDP 8472") {
		t.Errorf("%s: the tunnel is neither a pipe nor a line:\n%s", name, out)
	}
}

// TestClusterDrawingFits draws the fixtures at the diagram's pane at
// 80x24 and 120x40 (and run --plain's 78 columns): at 120x40 the whole
// cluster fits the pane's rows.
func TestClusterDrawingFits(t *testing.T) {
	for _, f := range []string{"flannel", "calico"} {
		for _, sz := range sizes {
			rows, w := diagramRows(sz.w, sz.h)
			out := RenderTopology(clusterFixture(t, f), TopoOptions{Width: w, Height: rows, Nodes: clusterRoles})
			name := fmt.Sprintf("%s %dx%d", f, sz.w, sz.h)
			checkClusterDrawing(t, name, out, w, f == "calico")
			if n := strings.Count(out, "\n") + 1; sz.w >= 120 && n > rows {
				t.Errorf("%s: %d lines, the pane has %d:\n%s", name, n, rows, out)
			}
		}
		checkClusterDrawing(t, f+" 78", RenderTopology(clusterFixture(t, f), TopoOptions{Width: 78, Nodes: clusterRoles}), 78, f == "calico")
	}
}

// TestClusterFaultsShow: a port mismatch shows both ports on the pipe, a
// node without the other's fdb entry shows the tunnel one way only, and
// without roles the same lab is drawn the week-one way.
func TestClusterFaultsShow(t *testing.T) {
	s := clusterFixture(t, "flannel")
	s.NS("NODE2").Link("flannel.1").VXLAN.Port = 4789
	out := RenderTopology(s, TopoOptions{Width: 70, Nodes: clusterRoles})
	if !strings.Contains(out, "UDP 8472≠4789") {
		t.Errorf("a port mismatch is not on the pipe:\n%s", out)
	}
	s = clusterFixture(t, "flannel")
	s.NS("NODE2").FDB = nil
	out = RenderTopology(s, TopoOptions{Width: 70, Nodes: clusterRoles})
	if !strings.Contains(out, "only NODE1 → NODE2") {
		t.Errorf("a one-way tunnel is not said:\n%s", out)
	}
	plain := RenderTopology(s, TopoOptions{Width: 70})
	if strings.Contains(plain, "║") || strings.Contains(plain, "underlay switch") || !strings.Contains(plain, "┌─ POD-A") {
		t.Errorf("without roles the drawing changed:\n%s", plain)
	}
}

// buildClusterLab types testdata/cluster-NAME.sh into a
// lab shell: plain ip and bridge commands, no engine action.
func buildClusterLab(t *testing.T, name string) *engine.Snapshot {
	t.Helper()
	if !labOK {
		t.Skip("no lab sandbox")
	}
	script, err := os.ReadFile("testdata/cluster-" + name + ".sh")
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
	return s
}

// TestClusterDrawingRealKernel builds the flannel and the routed cluster
// by hand in a real lab and holds the drawing of what the kernel reports
// to every node, pod, the underlay and (flannel) the tunnel with its VNI
// and port, at the panes of 80x24 and 120x40. With -update it writes the
// snapshots as the fixtures the goldens are drawn from.
func TestClusterDrawingRealKernel(t *testing.T) {
	for _, f := range []string{"flannel", "calico"} {
		s := buildClusterLab(t, f)
		for _, sz := range sizes {
			rows, w := diagramRows(sz.w, sz.h)
			out := RenderTopology(s, TopoOptions{Width: w, Height: rows, Nodes: clusterRoles})
			checkClusterDrawing(t, fmt.Sprintf("real %s %dx%d", f, sz.w, sz.h), out, w, f == "calico")
		}
		if updateGolden() {
			b, _ := json.MarshalIndent(s, "", " ")
			if err := os.WriteFile("testdata/cluster-"+f+".json", append(b, '\n'), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestDiffMarksTunnelChanges: an fdb entry added to a VTEP, or its port
// changed, marks the VTEP changed; the same lab again marks nothing.
func TestDiffMarksTunnelChanges(t *testing.T) {
	a, b := clusterFixture(t, "flannel"), clusterFixture(t, "flannel")
	if cs := Diff(a, b); len(cs) != 0 {
		t.Fatalf("the same lab: %v", cs)
	}
	a.NS("NODE1").FDB = nil
	if cs := Diff(a, b); !cs[linkKey("NODE1", "flannel.1")] || cs[linkKey("NODE2", "flannel.1")] {
		t.Errorf("an fdb entry added: %v", cs)
	}
	a = clusterFixture(t, "flannel")
	a.NS("NODE2").Link("flannel.1").VXLAN.Port = 4789
	if cs := Diff(a, b); !cs[linkKey("NODE2", "flannel.1")] {
		t.Errorf("a port changed: %v", cs)
	}
}

// BenchmarkClusterTopology draws the flannel cluster (with its changes, in
// colour) at the 120x40 pane's width and reports its time per frame as a
// ratio against the NAT lab's plain drawing measured in the same run.
func BenchmarkClusterTopology(b *testing.B) {
	withColour(func() {
		st := DefaultStyles()
		cl := clusterFixture(b, "flannel")
		changed := Diff(withoutTunnels(cl), cl)
		nat, natChanged := natSnapshot(), Diff(natBefore(), natSnapshot())
		per := func(f func()) float64 {
			const n = 200
			start := time.Now()
			for i := 0; i < n; i++ {
				f()
			}
			return float64(time.Since(start)) / n
		}
		b.ReportAllocs()
		var base, own float64
		for b.Loop() {
			base += per(func() { _ = RenderTopology(nat, TopoOptions{Changed: natChanged, Width: 70, Styles: st}) })
			own += per(func() {
				_ = RenderTopology(cl, TopoOptions{Changed: changed, Width: 70, Height: 26, Styles: st, Nodes: clusterRoles})
			})
		}
		b.ReportMetric(own/base, "x-nat")
		b.ReportMetric(own/float64(b.N)/1e3, "µs/cluster-frame")
	})
}

// TestPodWithOnlyLo: a pod with no interface yet shows its lo, not an
// empty box.
func TestPodWithOnlyLo(t *testing.T) {
	s := clusterFixture(t, "flannel")
	s.NS("POD-C").Links = []engine.Link{lo()}
	out := RenderTopology(s, TopoOptions{Width: 70, Nodes: clusterRoles})
	if !regexp.MustCompile(`┌─ POD-C[^\n]*\n[^\n]*● lo`).MatchString(out) {
		t.Errorf("POD-C's lo is not shown:\n%s", out)
	}
}

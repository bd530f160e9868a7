package tui

import (
	"fmt"
	"testing"
	"time"

	"github.com/nettutor/nettutor/engine"
)

// bigSnapshot is a NAT lab with eight namespaces on the bridge.
func bigSnapshot() *engine.Snapshot {
	s := natSnapshot()
	h := &s.Namespaces[0]
	var more []engine.Namespace
	for i := 0; i < 6; i++ {
		name := fmt.Sprintf("C%d", i)
		port := veth("veth-"+name, "up", "2a:00:00:00:01:0"+fmt.Sprint(i), name, "eth0")
		port.Master = "br0"
		h.Links = append(h.Links, port)
		more = append(more, engine.Namespace{Name: name,
			Links:  []engine.Link{lo(), veth("eth0", "up", "6e:00:00:00:01:0"+fmt.Sprint(i), "host", "veth-"+name, fmt.Sprintf("11.11.11.%d/24", 10+i))},
			Routes: []engine.Route{{Dst: "default", Gw: "11.11.11.1", Dev: "eth0"}}})
	}
	s.Namespaces = append(s.Namespaces, more...)
	return s
}

// withColour runs f. Lip Gloss v2 always renders full colour (the
// writer downsamples), so the benchmarks draw what a true-colour
// terminal gets, as they did under v1 with the TrueColor profile.
func withColour(f func()) { f() }

func BenchmarkTopologyView(b *testing.B) {
	withColour(func() { benchmarkTopologyView(b) })
}

func benchmarkTopologyView(b *testing.B) {
	for _, c := range []struct {
		name string
		snap *engine.Snapshot
		w    int
	}{{"nat-94", natSnapshot(), 94}, {"nat-42", natSnapshot(), 42}, {"8ns-94", bigSnapshot(), 94}} {
		b.Run(c.name, func(b *testing.B) {
			changed := Diff(natBefore(), c.snap)
			st := DefaultStyles()
			b.ReportAllocs()
			for b.Loop() {
				_ = RenderTopology(c.snap, TopoOptions{Changed: changed, Width: c.w, Styles: st, Selected: "RED"})
			}
		})
	}
}

// BenchmarkPacketListView draws the whole lesson screen at 160x48 with
// 10 000 packets held, the diagram re-rendered every frame (no cache).
func BenchmarkPacketListView(b *testing.B) {
	withColour(func() { benchmarkPacketListView(b) })
}

func benchmarkPacketListView(b *testing.B) {
	c := NewCommon("en")
	m := newLesson(c, &Progress{Lessons: map[string]*LessonProgress{}}, "nat")
	m.opening = false
	m.info = LessonInfo{ID: "nat", Title: "Routing and NAT to the outside"}
	m.steps = []StepInfo{{Title: "MASQUERADE", Text: "Turn on forwarding and masquerade `11.11.11.0/24`."}}
	m.runs = make([]stepRun, 1)
	m.runs[0] = stepRun{done: true, actions: []ActionEvent{{Command: "iptables -t nat -A POSTROUTING -s 11.11.11.0/24 ! -o br0 -j MASQUERADE", OK: true, Duration: time.Millisecond}}}
	m.pos = 1
	m.setSnap(natBefore(), false)
	m.setSnap(natSnapshot(), true)
	base := fakePackets()
	pkts := make([]Packet, 0, 10000)
	for i := 0; i < 10000; i++ {
		p := base[i%len(base)]
		p.Seq = i + 1
		p.Time = t0.Add(time.Duration(i) * time.Millisecond)
		pkts = append(pkts, p)
	}
	m.pk.add(pkts, 3)
	for _, mode := range []string{"list", "ladder", "detail"} {
		b.Run(mode, func(b *testing.B) {
			m.pk.ladder = mode == "ladder"
			m.pk.detail = mode == "detail"
			m.focus = panePackets
			b.ReportAllocs()
			for b.Loop() {
				m.topoCache.lines = nil
				m.pk.move(-1)
				_ = m.View(160, 48)
			}
		})
	}
}

// BenchmarkStepToFrame is the UI's share of "step action to redrawn frame":
// a finished step's message through Update (diff of snapshots, progress)
// and the next View at 160x48.
func BenchmarkStepToFrame(b *testing.B) {
	withColour(func() { benchmarkStepToFrame(b) })
}

func benchmarkStepToFrame(b *testing.B) {
	c := NewCommon("en")
	m := newLesson(c, &Progress{Lessons: map[string]*LessonProgress{}}, "nat")
	m.opening = false
	m.sess = newFakeSession(LessonInfo{ID: "nat"}, "en")
	m.steps = m.sess.Steps()
	m.runs = make([]stepRun, len(m.steps))
	res := StepResult{Actions: []ActionEvent{{Command: "iptables -t nat -A POSTROUTING -s 11.11.11.0/24 ! -o br0 -j MASQUERADE", OK: true}}}
	before, after := natBefore(), natSnapshot()
	b.ReportAllocs()
	for b.Loop() {
		m.snap, m.pos = before, 0
		m.runs[0] = stepRun{running: true}
		m.Update(stepDoneMsg{gen: m.gen, step: 0, res: res, snap: after})
		_ = m.View(160, 48)
	}
}

package tui

import (
	"context"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"
	"github.com/nettutor/nettutor/engine"
	"github.com/nettutor/nettutor/engine/journey"
	"github.com/nettutor/nettutor/lessons"
)

// natFrame is an ICMP echo of the nat fixture lab between two MACs (the
// fixture's last bytes), with IP ID id.
func natFrame(reply bool, id uint16, smac, dmac []byte, src, dst string) []byte {
	b := append(append(append([]byte{}, dmac...), smac...), 0x08, 0x00)
	ip := make([]byte, 20+8+16)
	ip[0] = 0x45
	binary.BigEndian.PutUint16(ip[2:4], uint16(len(ip)))
	binary.BigEndian.PutUint16(ip[4:6], id)
	ip[6], ip[8], ip[9] = 0x40, 64, 1
	copy(ip[12:16], netIP(src))
	copy(ip[16:20], netIP(dst))
	if !reply {
		ip[20] = 8
	}
	binary.BigEndian.PutUint16(ip[24:26], 0x2a)
	binary.BigEndian.PutUint16(ip[26:28], 1)
	return append(b, ip...)
}

func netIP(s string) []byte {
	var out [4]byte
	fmt.Sscanf(s, "%d.%d.%d.%d", &out[0], &out[1], &out[2], &out[3])
	return out[:]
}

// natPackets is one MASQUERADEd ping of the nat fixture (natSnapshot) as
// the lesson's two capture points see it: the request on br0 and, with
// the host's address, on OUTSIDE's eth0; the reply there and back on br0.
func natPackets() []Packet {
	red := []byte{0x6e, 0x0b, 0x11, 0x22, 0x33, 0x02}
	br0 := []byte{0x2a, 0, 0, 0, 0, 0x01}
	up := []byte{0x2a, 0, 0, 0, 0, 0x09}
	out := []byte{0x6e, 0x0b, 0, 0, 0, 0x99}
	p := func(seq int, us int, point string, outgoing, reply bool, id uint16, sm, dm []byte, src, dst string) Packet {
		kind := "request"
		if reply {
			kind = "reply"
		}
		d := natFrame(reply, id, sm, dm, src, dst)
		return Packet{Seq: seq, Time: t0.Add(time.Duration(us) * time.Microsecond), Point: point, Src: src, Dst: dst, Proto: "ICMP",
			Summary: fmt.Sprintf("IP %s > %s: ICMP echo %s, id 42, seq 1, length 24", src, dst, kind), Len: len(d), Data: d, Out: outgoing}
	}
	return []Packet{
		p(1, 0, "host/br0", false, false, 0x1111, red, br0, "11.11.11.2", "203.0.113.2"),
		p(2, 30, "OUTSIDE/eth0", false, false, 0x1111, up, out, "203.0.113.1", "203.0.113.2"),
		p(3, 55, "OUTSIDE/eth0", true, true, 0x2222, out, up, "203.0.113.2", "203.0.113.1"),
		p(4, 80, "host/br0", true, true, 0x2222, br0, red, "203.0.113.2", "11.11.11.2"),
	}
}

// natPacketsBackend is the fake backend whose nat lesson's step sends
// natPackets.
type natPacketsBackend struct{ fakeBackend }

func (b *natPacketsBackend) Open(ctx context.Context, id, lang string) (Session, error) {
	s, err := b.fakeBackend.Open(ctx, id, lang)
	if err != nil || id != "nat" {
		return s, err
	}
	return &natPacketSession{s.(*fakeSession)}, nil
}

type natPacketSession struct{ *fakeSession }

func (s *natPacketSession) RunStep(ctx context.Context, i int, ev chan<- ActionEvent) StepResult {
	r := s.fakeSession.RunStep(ctx, i, ev)
	for _, p := range natPackets() {
		s.ch <- p
	}
	return r
}

// openNAT opens the fixture nat lesson at w x h and runs its step, which
// captures one MASQUERADEd ping, then focuses the packets pane.
func openNAT(t *testing.T, lang string, w, h int) *driver {
	t.Helper()
	m := New(&natPacketsBackend{fakeBackend{lessons: sixLessons()}}, Options{Lang: lang, ProgressPath: "-"})
	d := newDriver(t, m)
	d.send(tea.WindowSizeMsg{Width: w, Height: h})
	d.run(m.Init(), 50*time.Millisecond)
	d.keys("down", "down", "down", "enter", "n")
	d.waitFor("the ping's packets", func(m *Model) bool { return m.lesson != nil && m.lesson.pk.pkts.Len() == 4 && m.lesson.busy == "" })
	d.keys("tab", "tab")
	return d
}

// TestJourneyKeys: y opens the selected packet's journey in the packets
// pane only, Esc and l close it, and up and down move the hop mark.
func TestJourneyKeys(t *testing.T) {
	t.Parallel() // the fake backend: no lab, no package state (parallel_test.go)
	type check func(t *testing.T, m *Model)
	open := func(want bool) check {
		return func(t *testing.T, m *Model) {
			if m.lesson.pk.journey != want {
				t.Errorf("journey open %v, want %v", m.lesson.pk.journey, want)
			}
		}
	}
	viewHas := func(s ...string) check {
		return func(t *testing.T, m *Model) {
			v := viewOf(m)
			for _, x := range s {
				if !strings.Contains(v, x) {
					t.Errorf("view lacks %q:\n%s", x, v)
				}
			}
		}
	}
	cases := []struct {
		name string
		keys []string
		want []check
	}{
		{"y on the request opens its journey", []string{"home", "y"}, []check{open(true),
			viewHas("Journey of packet #1:", "host    br0  in  11.11.11.2 → 203.0.113.2", "OUTSIDE eth0 in  203.0.113.1 → 203.0.113.2",
				"SNAT in host: 11.11.11.2 → 203.0.113.1", "$ tcpdump -ni br0", "$ ip netns exec OUTSIDE tcpdump -ni eth0")}},
		{"y on the reply (the newest, selected) shows the reply's rewrite", []string{"y"}, []check{open(true),
			viewHas("Journey of packet #3:", "reverse NAT (un-SNAT) in host: 203.0.113.1 → 11.11.11.2")}},
		{"esc closes the journey and stays in the packets pane", []string{"y", "esc"}, []check{open(false), func(t *testing.T, m *Model) {
			if m.lesson.focus != panePackets {
				t.Errorf("focus %v, want the packets pane", m.lesson.focus)
			}
		}}},
		{"a second esc leaves the packet list", []string{"y", "esc", "esc"}, []check{open(false), func(t *testing.T, m *Model) {
			if m.lesson.focus != paneSteps || m.state != stateLesson {
				t.Errorf("focus %v state %v", m.lesson.focus, m.state)
			}
		}}},
		{"l closes the journey for the ladder", []string{"y", "l"}, []check{open(false), func(t *testing.T, m *Model) {
			if !m.lesson.pk.ladder {
				t.Error("no ladder")
			}
		}}},
		{"down moves the hop mark, not the packet", []string{"home", "y", "down"}, []check{open(true), func(t *testing.T, m *Model) {
			if m.lesson.pk.jSel != 1 || m.lesson.pk.sel != 0 {
				t.Errorf("hop mark %d, packet %d", m.lesson.pk.jSel, m.lesson.pk.sel)
			}
		}}},
		{"y outside the packets pane opens nothing", []string{"tab", "y"}, []check{open(false)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := openNAT(t, "en", 120, 40)
			d.keys(c.keys...)
			for _, w := range c.want {
				w(t, d.root())
			}
		})
	}
}

// TestHopLadderPane: the packets pane's ladder draws the ping as two
// arrows (not four), in lanes of the lab's namespaces, with the rewrite at
// host's lane; moving down goes from arrow to arrow.
func TestHopLadderPane(t *testing.T) {
	d := openNAT(t, "en", 120, 40)
	d.keys("l", "home")
	pk := &d.root().lesson.pk
	if got := strings.Join(pk.lanes, " "); got != "RED BLUE host OUTSIDE" {
		t.Errorf("lanes %q", got)
	}
	v := d.view()
	if n := strings.Count(v, "ICMP echo request"); n != 1 {
		t.Errorf("%d request arrows, want 1:\n%s", n, v)
	}
	if !strings.Contains(v, "SNAT 11.11.11.2 → 203.0.113.1") || !strings.Contains(v, "reverse NAT (un-SNAT) 203.0.113.1 → 11.11.11.2") {
		t.Errorf("rewrites not drawn:\n%s", v)
	}
	d.keys("down")
	if pk.sel != 2 {
		t.Errorf("down from the request selected frame %d, want 2 (the reply's first)", pk.sel)
	}
	lanes := strings.Join(pk.lanes, " ")
	d.keys("up", "down", "down")
	if strings.Join(pk.lanes, " ") != lanes {
		t.Errorf("lanes moved while scrolling: %v", pk.lanes)
	}
}

func TestGoldenJourney(t *testing.T) {
	t.Parallel() // the fake backend: no lab, no package state (parallel_test.go)
	for _, sz := range sizes {
		d := openNAT(t, "en", sz.w, sz.h)
		d.keys("l", "home")
		if sz.h < 30 {
			d.keys("z") // the pane alone: four lanes need the width
		}
		golden(t, fmt.Sprintf("hop_ladder_nat_%dx%d", sz.w, sz.h), d.view())
		d.keys("y")
		golden(t, fmt.Sprintf("journey_nat_%dx%d", sz.w, sz.h), d.view())
	}
	d := openNAT(t, "ko", 120, 40)
	d.keys("home", "y")
	golden(t, "journey_nat_ko_120x40", d.view())
}

// TestFlowJourney drives the program: the nat step's ping, the ladder, y
// on the request, its hops on screen, Esc back to the ladder.
func TestFlowJourney(t *testing.T) {
	m := New(&natPacketsBackend{fakeBackend{lessons: sixLessons()}}, Options{Lang: "en", ProgressPath: "-"})
	tm := newFlow(t, m, 120, 40)
	waitOut(t, tm, 5*time.Second, "Routing and NAT")
	for _, k := range []string{"down", "down", "down"} {
		tm.Send(keyMsg(k))
	}
	tm.Send(keyMsg("enter"))
	waitOut(t, tm, 5*time.Second, "MASQUERADE", "step 0/") // opened: n is taken
	tm.Type("n")
	waitOut(t, tm, 5*time.Second, "4 packets")
	tm.Send(keyMsg("tab"))
	tm.Send(keyMsg("tab"))
	tm.Type("l")
	waitOut(t, tm, 5*time.Second, "OUTSIDE", "SNAT 11.11.11.2 → 203.0.113.1")
	tm.Send(keyMsg("home"))
	tm.Type("y")
	waitOut(t, tm, 5*time.Second, "Journey of packet #1", "ip netns exec OUTSIDE tcpdump -ni eth0")
	tm.Send(keyMsg("esc"))
	waitOut(t, tm, 5*time.Second, "ladder (l: list)")
	tm.Send(keyMsg("ctrl+c"))
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
}

// TestObservedJourneyNATRealLab runs the nat lesson on a real lab through
// the TUI's backend (as root, and as the plain user in CI) and groups the
// MASQUERADE step's frames: the echo request is one packet seen on br0 and
// on OUTSIDE's eth0, its source rewritten from RED's address to the
// uplink's on the OUTSIDE hop, by host; the reply comes back with its
// destination put back.
func TestObservedJourneyNATRealLab(t *testing.T) {
	if !labOK {
		t.Skip("no lab sandbox here")
	}
	l, err := lessons.Find("nat")
	if err != nil {
		t.Fatal(err)
	}
	lab, err := engine.New()
	if err != nil {
		t.Fatal(err)
	}
	defer lab.Close()
	s, err := NewLabBackend(lab).Open(context.Background(), "nat", "en")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	masq := -1
	for i, st := range l.Steps {
		if st.ID == "masquerade" {
			masq = i
		}
	}
	if masq < 0 {
		t.Fatal("the nat lesson has no masquerade step")
	}
	var pkts []Packet
	for i := 0; i <= masq; i++ {
		ev := make(chan ActionEvent, 64)
		go func() {
			for range ev {
			}
		}()
		res := s.RunStep(ctx, i, ev)
		close(ev)
		if res.Err != nil {
			t.Fatalf("step %d: %v", i+1, res.Err)
		}
		pkts = drain(s.Packets(), 100*time.Millisecond)
	}
	snap, err := s.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ss []journey.Sighting
	for _, p := range pkts {
		ns, dev, _ := strings.Cut(p.Point, "/")
		dir := "in"
		if p.Out {
			dir = "out"
		}
		ss = append(ss, journey.Sighting{NS: ns, Dev: dev, Dir: dir, Time: p.Time, Data: p.Data})
	}
	obs := journey.Observe(ss, snap)
	var reqs, reps int
	for _, o := range obs {
		if o.Proto != "ICMP" || len(o.Hops) == 0 {
			continue
		}
		h0 := o.Hops[0]
		switch {
		case (h0.Src == "11.11.11.2" || h0.Src == "11.11.11.3") && h0.Dst == "203.0.113.2":
			reqs++
			var pts []string
			for _, h := range o.Hops {
				pts = append(pts, h.NS+"/"+h.Dev+"/"+h.Dir)
			}
			if strings.Join(pts, " ") != "host/br0/in OUTSIDE/eth0/in" {
				t.Errorf("request hops %v, want host/br0/in OUTSIDE/eth0/in", pts)
			}
			rw := o.Rewrites()
			if len(rw) != 1 || rw[0].NS != "host" || rw[0].Kind != "snat" || rw[0].From != h0.Src || rw[0].To != "203.0.113.1" || o.Hops[len(o.Hops)-1].Rewrite == nil {
				t.Errorf("request rewrites %+v, want host snat %s → 203.0.113.1 on the OUTSIDE hop", rw, h0.Src)
			}
		case h0.NS == "OUTSIDE" && h0.Src == "203.0.113.2" && h0.Dst == "203.0.113.1":
			reps++
			rw := o.Rewrites()
			// RED and BLUE both ping OUTSIDE in this step.
			last := o.Hops[len(o.Hops)-1]
			if len(rw) != 1 || rw[0].Kind != "dnat" || (rw[0].To != "11.11.11.2" && rw[0].To != "11.11.11.3") || last.NS != "host" || !last.Undo {
				t.Errorf("reply: hops %+v rewrites %+v", o.Hops, rw)
			}
		}
	}
	if reqs != 2 || reps != 2 {
		var all []string
		for _, o := range obs {
			all = append(all, fmt.Sprintf("%s %d hops", o.Proto, len(o.Hops)))
		}
		t.Errorf("%d requests and %d replies grouped, want 2 and 2 (RED's and BLUE's ping) (%d frames: %v)", reqs, reps, len(pkts), all)
	}
	t.Logf("%d frames grouped into %d packets", len(pkts), len(obs))
}

// BenchmarkHopLadderRegroup is a ladder frame whose frames changed since
// the last (a flood's batch arrived): the window around the view is
// grouped again, 100k frames in the pane.
func BenchmarkHopLadderRegroup(b *testing.B) {
	c := NewCommon("en")
	p := newPacketPane(c)
	p.setLab(nil, natSnapshot())
	p.hosts = hostNames(natSnapshot())
	base := natPackets()
	pkts := make([]Packet, 0, 100_000)
	for i := 0; i < 100_000; i++ {
		q := base[i%len(base)]
		q.Time = t0.Add(time.Duration(i) * time.Millisecond)
		pkts = append(pkts, q)
	}
	p.add(pkts, 0)
	p.ladder = true
	b.ReportAllocs()
	for b.Loop() {
		p.hop = hopCache{}
		_ = p.view(120, 30)
	}
}

// TestLanesFixed: the lanes of the nat lesson as its lab grows step by
// step: only namespaces the lab has, never reordered.
func TestLanesFixed(t *testing.T) {
	p := newPacketPane(NewCommon("en"))
	order := []string{"RED", "BLUE", "OUTSIDE"}
	two := &engine.Snapshot{Namespaces: []engine.Namespace{{Name: "host", Links: []engine.Link{lo()}}, {Name: "BLUE"}, {Name: "RED"}}}
	bridged := natSnapshot()
	bridged.Namespaces = bridged.Namespaces[:3]
	want := []string{"RED BLUE", "RED BLUE host", "RED BLUE host OUTSIDE", "RED BLUE host OUTSIDE"}
	for i, s := range []*engine.Snapshot{two, bridged, natSnapshot(), two} {
		p.setLab(order, s)
		if got := strings.Join(p.lanes, " "); got != want[i] {
			t.Errorf("after snapshot %d: lanes %q, want %q", i, got, want[i])
		}
	}
	v := newPacketPane(NewCommon("en"))
	v.setLab([]string{"RED", "BLUE"}, vethSnapshot())
	if got := strings.Join(v.lanes, " "); got != "RED BLUE" {
		t.Errorf("veth lanes %q: no host, no OUTSIDE", got)
	}
	b := newPacketPane(NewCommon("en"))
	b.setLab([]string{"RED", "BLUE"}, bridgeSnapshot())
	if got := strings.Join(b.lanes, " "); got != "RED host BLUE" {
		t.Errorf("bridge lanes %q", got)
	}
}

// probeBackend's veth exercise check fails with a traced probe's journey.
type probeBackend struct{ fakeBackend }

func (b *probeBackend) Open(ctx context.Context, id, lang string) (Session, error) {
	s, err := b.fakeBackend.Open(ctx, id, lang)
	if err != nil {
		return s, err
	}
	return &probeSession{s.(*fakeSession)}, nil
}

type probeSession struct{ *fakeSession }

func (s *probeSession) Check(ctx context.Context, id string) ([]CheckResult, error) {
	j := &journey.Journey{From: "RED", To: "11.11.11.3", Proto: "icmp", Result: journey.NoReply,
		Hops:  []journey.Hop{{NS: "RED", Dev: "veth0", Dir: "out", Src: "11.11.11.2", Dst: "11.11.11.3", Why: "route 11.11.11.0/24 dev veth0", Observed: true}},
		Drop:  &journey.Drop{NS: "BLUE", Where: "veth1", Reason: journey.ReasonLinkDown, Detail: "veth1 is down: the frame goes nowhere", Leg: "request"},
		Reply: &journey.Leg{Result: "lost"}}
	return []CheckResult{{ID: "RED reaches 11.11.11.3", OK: false, Detail: "no reply", Journey: j}}, nil
}

// TestProbeJourney: after a failed check, y shows its probe's journey
// (hops, why, the stop) in the packets pane; esc closes it.
func TestProbeJourney(t *testing.T) {
	m := New(&probeBackend{fakeBackend{lessons: sixLessons()}}, Options{Lang: "en", ProgressPath: "-"})
	d := newDriver(t, m)
	d.send(tea.WindowSizeMsg{Width: 120, Height: 40})
	d.run(m.Init(), 50*time.Millisecond)
	d.keys("down", "enter")
	d.waitFor("the lesson", func(m *Model) bool { return m.lesson != nil && m.lesson.sess != nil })
	d.keys("e")
	d.waitFor("the exercise's lab", func(m *Model) bool { return m.lesson.ex.ready })
	d.keys("c")
	d.waitFor("the check", func(m *Model) bool { return m.lesson.ex.checked })
	d.keys("y")
	l := d.root().lesson
	if !l.pk.journey || l.pk.probe == nil || l.focus != panePackets {
		t.Fatalf("journey %v probe %v focus %v", l.pk.journey, l.pk.probe != nil, l.focus)
	}
	v := d.view()
	for _, s := range []string{"Journey of the failed check's probe:", "RED → 11.11.11.3 (icmp): no-reply", "RED  veth0 out 11.11.11.2 → 11.11.11.3",
		"stopped in BLUE veth1:", "veth1 is down", "$ ip netns exec RED tcpdump -ni veth0"} {
		if !strings.Contains(v, s) {
			t.Errorf("view lacks %q:\n%s", s, v)
		}
	}
	golden(t, "probe_journey_120x40", v)
	d.keys("esc")
	if l.pk.journey || l.pk.probe != nil || !l.ex.on {
		t.Errorf("after esc: journey %v probe %v exercise %v", l.pk.journey, l.pk.probe != nil, l.ex.on)
	}
}

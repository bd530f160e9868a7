package tui

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/nettutor/nettutor/engine"
	"github.com/nettutor/nettutor/engine/testkit"
	"github.com/nettutor/nettutor/lessons"
)

// spareLessons are the lessons the swap is compared with a rebuild on:
// veth and bridge ping with capture points running (ARP, ICMP, learned
// fdb), nat connects through conntrack, isolation prints namespace inodes.
var spareLessons = []string{"veth", "bridge", "nat", "isolation"}

// newRealLab is a lab for a test, closed with it.
func newRealLab(t testing.TB) *engine.Lab {
	t.Helper()
	if !labOK {
		t.Skip("no lab sandbox here")
	}
	lab, err := engine.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lab.Close() })
	return lab
}

// openReal opens lesson id on a backend over a lab of its own, with or
// without a spare.
func openReal(t testing.TB, id string, spares int) (*LabBackend, *labSession) {
	t.Helper()
	b := NewLabBackend(newRealLab(t))
	b.Spares = spares
	t.Cleanup(func() { b.Close() })
	s, err := b.Open(context.Background(), id, "en")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return b, s.(*labSession)
}

// runSteps runs steps 0..n-1 as the TUI does, each one OK.
func runSteps(t testing.TB, s *labSession, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		runSteps1(t, s, i)
	}
}

// drain takes every packet waiting on the session's stream.
func drainPackets(s Session) []Packet {
	var out []Packet
	ch := s.Packets()
	for {
		select {
		case p, ok := <-ch:
			if !ok {
				return out
			}
			out = append(out, p)
		default:
			return out
		}
	}
}

// What differs between two builds of the same lab and is not the lab's
// doing: MAC addresses (random per veth), namespace inodes, round-trip
// times, ICMP ids, TCP ports and sequence numbers, durations.
var (
	reMAC   = regexp.MustCompile(`(?i)\b([0-9a-f]{2}:){5}[0-9a-f]{2}\b`)
	reInode = regexp.MustCompile(`:\[\d+\]`)
	reTime  = regexp.MustCompile(`time[=<]?\s*[0-9.]+\s*(ms|us|µs|s)?`)
	reRTT   = regexp.MustCompile(`= [0-9./]+ ms`)
	reICMP  = regexp.MustCompile(`\bid \d+`)
	reNum   = regexp.MustCompile(`\b(seq|ack|win|ports?|sport|dport|length|id|ttl|cookie)[ =]\d+`)
	rePort  = regexp.MustCompile(`(\d+\.\d+\.\d+\.\d+)[.:]\d{4,5}\b`)
	reLL    = regexp.MustCompile(`fe80::[0-9a-f:]+`)        // from the MAC
	reKey   = regexp.MustCompile(`\b0x[0-9a-f]{8}\b`)       // an IPC key
	rePID   = regexp.MustCompile(`(?m)^(\s*)\d+( \S+\s*)$`) // a ps line
	// A shell's PID in the lab, which counts the lab's processes so far;
	// 1 (a new PID namespace's first process) is what the step shows.
	reShPID = regexp.MustCompile(`PID: ([2-9]|\d\d+)\b`)
	// A conntrack entry's seconds to live; the table lists entries in
	// its hash order, which the ports and ids above pick.
	reCT = regexp.MustCompile(`^(\s*\S+\s+\d+\s+)\d+( .*\buse=\d+.*)$`)
	// A lab's host id range (a root lab's own, picked at random when the
	// lab starts) in a mount's options, as /proc/mounts shows it.
	reLabID = regexp.MustCompile(`\b(uid|gid)=1[6-8]\d{8}\b`)
	// The kernel's own IGMP reports: a link that joins a multicast group
	// reports it after a random delay (up to the unsolicited report
	// interval), so `conntrack -L` lists the entry in one build of a step
	// and not in another; the count line follows it.
	reIGMP    = regexp.MustCompile(`(?m)^.* dst=224\.0\.0\.\d+ .*\n?`)
	reFlowCnt = regexp.MustCompile(`\d+ flow entries have been shown`)
)

// normalise takes out of a command's output or a packet's summary what two
// builds of the same lab differ in by chance.
func normalise(s string) string {
	s = reMAC.ReplaceAllString(s, "MAC")
	s = reInode.ReplaceAllString(s, ":[N]")
	s = reTime.ReplaceAllString(s, "time=T")
	s = reRTT.ReplaceAllString(s, "= RTT")
	s = reICMP.ReplaceAllString(s, "id N")
	s = reNum.ReplaceAllStringFunc(s, func(m string) string { return strings.TrimRight(m, "0123456789") + "N" })
	s = rePort.ReplaceAllString(s, "$1.PORT")
	s = reLL.ReplaceAllString(s, "fe80::LL")
	s = reKey.ReplaceAllString(s, "0xKEY")
	s = rePID.ReplaceAllString(s, "${1}PID$2")
	s = reShPID.ReplaceAllString(s, "PID: N")
	s = reLabID.ReplaceAllString(s, "$1=LABID")
	// An IGMP entry listed last leaves the line before it its newline:
	// trimmed, as the output itself is.
	s = strings.TrimRight(reIGMP.ReplaceAllString(s, ""), "\n")
	s = reFlowCnt.ReplaceAllString(s, "N flow entries have been shown")
	lines := strings.Split(s, "\n")
	for i := 0; i < len(lines); {
		j := i
		for ; j < len(lines) && reCT.MatchString(lines[j]); j++ {
			lines[j] = reCT.ReplaceAllString(lines[j], "${1}TTL$2")
		}
		sort.Strings(lines[i:j])
		i = max(j, i+1)
	}
	return strings.Join(lines, "\n")
}

// shown is what the step pane shows of the replayed steps, and the packet
// list, normalised: packets by capture point (one point's order is the
// kernel's; the order between points is the scheduler's), each point's
// list in arrival order.
func shown(rep []StepResult, pkts []Packet) string {
	var b strings.Builder
	for i, r := range rep {
		fmt.Fprintf(&b, "step %d notrun=%q\n", i+1, r.NotRun)
		for _, a := range r.Actions {
			fmt.Fprintf(&b, "  $ %s ok=%v err=%q\n", a.Command, a.OK, normalise(a.Err))
			for _, l := range strings.Split(normalise(a.Output), "\n") {
				fmt.Fprintf(&b, "    %s\n", l)
			}
		}
	}
	byPoint := map[string][]string{}
	for _, p := range pkts {
		byPoint[p.Point] = append(byPoint[p.Point], fmt.Sprintf("%s %s>%s out=%v len=%d %s",
			p.Proto, normalise(p.Src), normalise(p.Dst), p.Out, p.Len, normalise(p.Summary)))
	}
	points := make([]string, 0, len(byPoint))
	for p := range byPoint {
		points = append(points, p)
	}
	sort.Strings(points)
	fmt.Fprintf(&b, "%d packets\n", len(pkts))
	for _, p := range points {
		fmt.Fprintf(&b, "%s:\n  %s\n", p, strings.Join(byPoint[p], "\n  "))
	}
	return b.String()
}

// lastStepHolds runs the lesson's last step (of n) again on the
// swapped-in lab s and fails t unless it runs and every expectation holds:
// the lesson goes on from a swap as from a rebuild.
func lastStepHolds(t *testing.T, s *labSession, n int) {
	t.Helper()
	ev := make(chan ActionEvent, 64)
	go func() {
		for range ev {
		}
	}()
	r := s.RunStep(context.Background(), n-1, ev)
	close(ev)
	if r.Err != nil {
		t.Fatalf("step %d after the swap: %v", n, r.Err)
	}
	for _, e := range r.Expects {
		if !e.OK {
			t.Errorf("step %d after the swap: %s: %s", n, e.Text, e.Detail)
		}
	}
}

// rebuiltView runs lesson id to its end on a lab without a spare and
// goes back to its last step by a rebuild, as `p` did before the spare:
// it returns the lesson's step count and what the learner then sees
// (shown) and the rebuilt lab, for the swap tests to compare a swap with.
func rebuiltView(t *testing.T, id string) (int, string, *labSession) {
	return rebuiltBack(t, id, 1)
}

// rebuiltBack is rebuiltView for `p` pressed back times from the end: a
// rebuild to the state after n-back steps.
func rebuiltBack(t *testing.T, id string, back int) (int, string, *labSession) {
	t.Helper()
	les, err := lessons.Find(id)
	if err != nil {
		t.Fatal(err)
	}
	n := len(les.Steps)
	_, ref := openReal(t, id, 0)
	runSteps(t, ref, n)
	if err := ref.Goto(context.Background(), n-back); err != nil {
		t.Fatal(err)
	}
	return n, shown(ref.Replayed(), drainPackets(ref)), ref
}

// TestBackSwapShowsWhatARebuildShows: `p` with the spare ready shows the
// replayed steps' outputs and the packets exactly as a rebuild of the live
// lab does (normalised as two builds differ by chance), the packet stream
// numbered from 1 again, and the lesson goes on from the swapped-in lab.
func TestBackSwapShowsWhatARebuildShows(t *testing.T) {
	// A lesson per subtest, two at once (runParallel): each on labs of
	// its own (the rebuilt view, the live lab, its spares).
	var cases []namedCase
	for _, id := range spareLessons {
		cases = append(cases, namedCase{id, func(t *testing.T) {
			n, want, ref := rebuiltView(t, id)
			ctx := context.Background()

			// The swap.
			b, s := openReal(t, id, 1)
			runSteps(t, s, n)
			if err := s.PrepareBack(ctx, n-1); err != nil {
				t.Fatalf("PrepareBack(%d): %v", n-1, err)
			}
			before := b.current()
			old := s.Packets()
			if err := s.Goto(ctx, n-1); err != nil {
				t.Fatal(err)
			}
			if b.current() == before {
				t.Fatal("Goto with the spare ready did not swap the labs")
			}
			if s.Packets() == old {
				t.Error("the swap kept the old packet stream")
			}
			pkts := drainPackets(s)
			got := shown(s.Replayed(), pkts)
			if got != want {
				t.Errorf("after the swap the learner sees what a rebuild does not (-rebuild +swap):\n%s", lineDiff(want, got))
			}
			for i, p := range pkts {
				if p.Seq != i+1 {
					t.Fatalf("packet %d after the swap has Seq %d", i+1, p.Seq)
				}
			}
			snap, err := s.Snapshot(ctx)
			if err != nil {
				t.Fatal(err)
			}
			refSnap, _ := ref.Snapshot(ctx)
			if g, w := nsNames(snap), nsNames(refSnap); g != w {
				t.Errorf("the swapped-in lab has namespaces %s, a rebuild %s", g, w)
			}
			// The last step runs again on the swapped-in lab.
			lastStepHolds(t, s, n)
		}})
	}
	runParallel(t, cases)
}

func nsNames(s *engine.Snapshot) string {
	if s == nil {
		return "<none>"
	}
	var out []string
	for _, n := range s.Namespaces {
		var links []string
		for _, l := range n.Links {
			links = append(links, l.Name+"/"+l.State)
		}
		out = append(out, n.Name+"("+strings.Join(links, ",")+")")
	}
	return strings.Join(out, " ")
}

// TestSpareCancelledByAStep: a step started while the spare is being
// built cancels the build, which has ended before the step's first action
// runs (no spare takes CPU from a step); the spare is then not ready, and
// going back rebuilds. PrepareBack for a step the session is not at, or
// with spares off, builds nothing.
func TestSpareCancelledByAStep(t *testing.T) {
	les, err := lessons.Find("userns")
	if err != nil {
		t.Fatal(err)
	}
	n := len(les.Steps)
	ctx := context.Background()
	_, s := openReal(t, les.ID, 1)
	runSteps(t, s, n-1)
	if err := s.PrepareBack(ctx, n-3); !errors.Is(err, errSpareStale) {
		t.Errorf("PrepareBack two steps back: %v, want errSpareStale", err)
	}
	built := make(chan time.Time, 1)
	var buildErr error
	go func() {
		buildErr = s.PrepareBack(ctx, n-2)
		built <- time.Now()
	}()
	// Let the build start: the spare exists once it is building.
	deadline := time.Now().Add(10 * time.Second)
	for {
		s.smu.Lock()
		started := s.sp != nil && s.sp.runner != nil
		s.smu.Unlock()
		if started || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	ev := make(chan ActionEvent, 64)
	overlap := make(chan bool, 1)
	go func() {
		for range ev {
			select {
			case overlap <- func() bool {
				s.smu.Lock()
				defer s.smu.Unlock()
				return s.sp != nil && s.sp.building
			}():
			default:
			}
		}
	}()
	r := s.RunStep(ctx, n-1, ev)
	close(ev)
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	<-built
	if buildErr == nil {
		t.Fatal("the spare build was not cancelled by the step")
	}
	if <-overlap {
		t.Error("the spare was still being built when the step's first action ran")
	}
	// Cancelled between two steps, the spare is kept to be carried on
	// (lessons.Runner.Extend), never as ready; cancelled inside one, it is
	// gone.
	s.smu.Lock()
	sp := s.sp
	s.smu.Unlock()
	if sp != nil && (sp.building || sp.ready || sp.runner == nil || !sp.runner.Extendable(n-2)) {
		t.Errorf("a cancelled spare is left that is not a whole partial rebuild: %+v", sp)
	}

	_, off := openReal(t, "veth", 0)
	runSteps(t, off, 1)
	if err := off.PrepareBack(ctx, 0); !errors.Is(err, errSpareOff) {
		t.Errorf("PrepareBack with Spares 0: %v, want errSpareOff", err)
	}
}

// lineDiff lists the lines of a and b that differ, position by position
// (testkit.DifferingLines, all of them), as -a +b pairs.
func lineDiff(a, b string) string {
	var out strings.Builder
	for _, l := range testkit.DifferingLines(a, b, 0) {
		fmt.Fprintf(&out, "%d:\n- %s\n+ %s\n", l.N, l.A, l.B)
	}
	return out.String()
}

// TestBackSwapInTheTUI drives the lesson view over a real lab with a
// spare: after the last step the spare one step back becomes ready, `p`
// swaps it in (the plain "back" line, no rebuild), the diagram is the
// swapped-in lab's, the packet list holds what its rebuild captured, the
// next spare is asked for, and the step runs again from there.
func TestBackSwapInTheTUI(t *testing.T) {
	d, b, n := vethToTheEnd(t, 1)
	d.waitFor("the spare", func(m *Model) bool { return m.lesson.spare.ready && m.lesson.spare.n == n-1 })
	if busy := press(d, "p"); busy != "rebuilding the lab at step "+fmt.Sprint(n-1)+"…" {
		t.Errorf("p with the spare ready says %q", busy)
	}
	d.waitFor("the swap", func(m *Model) bool { return m.lesson.pos == n-1 && m.lesson.busy == "" })
	l := d.root().lesson
	sess := l.sess.(*labSession)
	snap, err := b.current().Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := RenderTopology(l.snap, TopoOptions{Width: 120}), RenderTopology(snap, TopoOptions{Width: 120}); got != want {
		t.Errorf("diagram after the swap is not the lab's:\n%s\n--- lab:\n%s", got, want)
	}
	sess.b.mu.Lock()
	captured := len(sess.runner.Packets())
	sess.b.mu.Unlock()
	d.waitFor("the packets", func(m *Model) bool { return m.lesson.pk.pkts.Len() == captured })
	if captured == 0 {
		t.Error("the swapped-in lab's rebuild captured no packet (veth pings before its last step)")
	}
	d.waitFor("the next spare", func(m *Model) bool { return m.lesson.spare.ready && m.lesson.spare.n == n-2 })
	d.keys("n")
	if d.root().lesson.pr.open {
		d.keys("enter")
	}
	d.waitFor("the step again", func(m *Model) bool { return m.lesson.pos == n && m.lesson.busy == "" })
	if r := d.root().lesson.runs[n-1]; !r.ok() {
		t.Errorf("step %d after the swap: %+v", n, r)
	}
}

// vethToTheEnd opens the veth lesson in the lesson view over a real lab
// keeping spares spare labs, and runs every step: the start of the tests
// that press `p` from the last step.
func vethToTheEnd(t *testing.T, spares int) (*driver, *LabBackend, int) {
	t.Helper()
	les, err := lessons.Find("veth")
	if err != nil {
		t.Fatal(err)
	}
	n := len(les.Steps)
	b := NewLabBackend(newRealLab(t))
	b.Spares = spares
	t.Cleanup(func() { b.Close() })
	m := New(b, Options{Lang: "en", ProgressPath: "-"})
	d := newDriver(t, m)
	d.send(tea.WindowSizeMsg{Width: 160, Height: 48})
	d.run(m.Init(), 50*time.Millisecond)
	d.keys("/", "v", "e", "t", "h", "enter", "enter")
	d.waitFor("the lesson", func(m *Model) bool { return m.lesson != nil && m.lesson.sess != nil && !m.lesson.opening })
	for i := 1; i <= n; i++ {
		d.keys("n")
		if d.root().lesson.pr.open {
			d.keys("enter")
		}
		d.waitFor(fmt.Sprintf("step %d", i), func(m *Model) bool { return m.lesson.pos == i && m.lesson.busy == "" })
	}
	return d, b, n
}

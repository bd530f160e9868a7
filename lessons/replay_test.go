package lessons

import (
	"context"
	"encoding/binary"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nettutor/nettutor/engine"
	"github.com/nettutor/nettutor/engine/testkit"
)

// TestReplayEveryStep holds "a replay is the original": for every built-in
// lesson and every step k, the lab is rebuilt to k as back, resume and
// `run --from` do (Goto), then the rest of the lesson runs and every
// action and expectation must hold.
//
// It costs O(n) steps run with their expectations, not O(n²): the lesson
// runs once from the start (k = 0, every step must hold), recording the
// lab after each step; then for each k the rebuilt lab is compared with
// the first run's lab after step k (replayOf: links, addresses, routes,
// fdb, rules and forwarding, with what differs between two builds by
// chance masked), and step k+1 runs on it and must hold. A
// rebuild the same as the original lab goes on as the original did, whose
// later steps held: running them again from each k repeated the first
// run. Where the rebuilt lab differs, the rest of the lesson runs from
// the rebuild as before (every later step must hold), so a difference is
// never taken on trust. The lessons run in parallel, each on its own lab.
func TestReplayEveryStep(t *testing.T) {
	ls, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range ls {
		t.Run(l.ID, func(t *testing.T) {
			t.Parallel()
			replayEveryStep(t, newLab(t), l)
		})
	}
}

// replayEveryStep is TestReplayEveryStep for one lesson.
func replayEveryStep(t *testing.T, lab *engine.Lab, l *Lesson) {
	r := NewRunner(lab, l, Options{})
	defer r.Close()
	var slowest time.Duration
	defer func() { t.Logf("%s: slowest rebuild %s", l.ID, slowest) }()
	// k = 0: the whole lesson from an empty lab; the lab after each step.
	first := make([]string, len(l.Steps))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	for !r.Done() {
		res, err := r.RunNext(ctx)
		if err != nil {
			t.Fatalf("from 1: step %d: %v", r.Next()+1, err)
		}
		if !res.OK() {
			t.Errorf("from step 1: step %d (%s) failed:\n%s", res.Index+1, res.Step.ID, failures(res))
		}
		first[res.Index] = replayOf(res.Snapshot)
	}
	fullRuns := 0
	for k := 1; k < len(l.Steps); k++ {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		start := time.Now()
		if err := r.Goto(ctx, k); err != nil {
			cancel()
			t.Fatalf("Goto(%d): %v", k, err)
		}
		back := time.Since(start)
		slowest = max(slowest, back)
		if got := len(r.Replayed()); got != k {
			t.Errorf("Goto(%d) replayed %d steps", k, got)
		}
		rebuilt := replayOf(r.Snapshot())
		same := rebuilt == first[k-1] && rebuilt != ""
		if !same {
			fullRuns++
			t.Logf("rebuilt to step %d, the lab differs from the first run's; the rest of the lesson runs from it:\n%s", k, testkit.LineDiff(first[k-1], rebuilt, "first run", "rebuilt"))
		}
		for !r.Done() {
			res, err := r.RunNext(ctx)
			if err != nil {
				t.Fatalf("from %d: step %d: %v", k+1, r.Next()+1, err)
			}
			if !res.OK() {
				t.Errorf("from step %d (rebuilt in %s): step %d (%s) failed:\n%s", k+1, back, res.Index+1, res.Step.ID, failures(res))
			}
			if same {
				break // the rest ran from this very lab in the first run
			}
		}
		cancel()
	}
	t.Logf("%s: %d steps; %d rebuilds differed from the first run and ran to the end", l.ID, len(l.Steps), fullRuns)
}

// What two builds of the same lab differ in by chance: MACs (random for
// veth and bridges), the host ends of the veths the CNI bridge plugin
// makes (veth + 8 random hex digits), and the neighbour tables: their entries come and go
// with the expectations' own probes (a first run's, which a replay does
// not send, by design) and age with time, in the kernel's hash order.
var (
	replayMAC   = regexp.MustCompile(`\b([0-9a-f]{2}:){5}[0-9a-f]{2}\b`)
	replayCNI   = regexp.MustCompile(`\bveth[0-9a-f]{8}\b`)
	replayNeigh = regexp.MustCompile(`(?m)^  neigh .*\n`)
)

// replayOf is a lab as the replay test compares it: the snapshot's text
// (every namespace's links with their state, addresses, masters and
// peers, routes, VXLAN fdb entries, rules and ip_forward), MACs and the
// CNI plugin's random veth names masked, neighbours left out. A step whose expectation needs a neighbour is
// still run on a rebuilt lab (the one rebuilt to the step before it), so
// a neighbour a replay fails to make fails there. "" for no snapshot,
// which never counts as the same.
func replayOf(s *engine.Snapshot) string {
	if s == nil {
		return ""
	}
	txt := replayMAC.ReplaceAllString(s.Text(), "MAC")
	txt = replayCNI.ReplaceAllString(txt, "vethCNI")
	return replayNeigh.ReplaceAllString(txt, "")
}

// failures lists what went wrong in a step, for a test message.
func failures(res *StepResult) string {
	var b strings.Builder
	for _, a := range res.Actions {
		if !a.OK {
			fmt.Fprintf(&b, "  action %s: %v\n", a.Command, a.Err)
		}
	}
	for _, c := range res.Expect {
		if !c.OK {
			fmt.Fprintf(&b, "  ✗ %s: %s\n", c.Desc, c.Detail)
		}
	}
	if res.SnapshotErr != nil {
		fmt.Fprintf(&b, "  snapshot: %v\n", res.SnapshotErr)
	}
	return b.String()
}

// TestReplayOutputsAreCurrent: after going back, the replayed outputs are
// those of the rebuilt lab. Isolation's first step prints the network
// namespace's inode, which a rebuild changes.
func TestReplayOutputsAreCurrent(t *testing.T) {
	l, err := Find("isolation")
	if err != nil {
		t.Fatal(err)
	}
	lab := newLab(t)
	r := NewRunner(lab, l, Options{})
	defer r.Close()
	ctx := context.Background()
	first, err := r.RunNext(ctx)
	if err != nil || !first.OK() {
		t.Fatalf("step 1: %v\n%s", err, failures(first))
	}
	orig := outputs(first)
	if !strings.Contains(orig, "net:[") {
		t.Fatalf("isolation step 1 prints no net:[inode]: %q", orig)
	}
	if _, err := r.RunNext(ctx); err != nil {
		t.Fatal(err)
	}
	if err := r.Goto(ctx, 1); err != nil {
		t.Fatal(err)
	}
	rep := r.Replayed()
	if len(rep) != 1 {
		t.Fatalf("Replayed: %d steps, want 1", len(rep))
	}
	now := outputs(rep[0])
	if !strings.Contains(now, "net:[") {
		t.Fatalf("replayed output lacks net:[inode]: %q", now)
	}
	if now == orig {
		t.Errorf("replayed output is the old one (same inodes):\n%s", now)
	}
}

func outputs(res *StepResult) string {
	var b strings.Builder
	for _, a := range res.Actions {
		b.WriteString(a.Output)
		b.WriteByte('\n')
	}
	return b.String()
}

// TestReplayKeepsTraffic is the issue's own report: veth, eight steps, back
// one, and step 8 again: RED must know BLUE's MAC (the ping of the
// replayed steps made it), and the replay's packets are there again.
func TestReplayKeepsTraffic(t *testing.T) {
	t.Parallel() // a lab of its own that mostly waits on probes: see parallel_test.go
	for _, id := range []string{"veth", "bridge"} {
		t.Run(id, func(t *testing.T) {
			l, err := Find(id)
			if err != nil {
				t.Fatal(err)
			}
			lab := newLab(t)
			r := NewRunner(lab, l, Options{})
			defer r.Close()
			ctx := context.Background()
			n := len(l.Steps) - 1
			var before int
			for i := 0; i < n; i++ {
				res, err := r.RunNext(ctx)
				if err != nil || !res.OK() {
					t.Fatalf("step %d: %v\n%s", i+1, err, failures(res))
				}
			}
			before = len(r.Packets())
			if err := r.Goto(ctx, n-1); err != nil {
				t.Fatal(err)
			}
			res, err := r.RunNext(ctx)
			if err != nil || !res.OK() {
				t.Fatalf("step %d after going back: %v\n%s", n, err, failures(res))
			}
			res, err = r.RunNext(ctx)
			if err != nil || !res.OK() {
				t.Fatalf("step %d after going back: %v\n%s", n+1, err, failures(res))
			}
			if before == 0 {
				t.Fatalf("%s captured nothing in %d steps", id, n)
			}
			if got := len(r.Packets()); got < before {
				t.Errorf("after the rebuild %d packets, the original had %d by step %d", got, before, n)
			}
		})
	}
}

// echo is one ICMP echo seen at a capture point.
type echo struct {
	point string
	reply bool
	id    uint16
}

// echoes picks the ICMP echo requests and replies out of packets.
func echoes(pkts []Packet) []echo {
	var out []echo
	for _, p := range pkts {
		d := p.Data
		if len(d) < 14+20+8 || binary.BigEndian.Uint16(d[12:14]) != 0x0800 {
			continue
		}
		ihl := int(d[14]&0x0f) * 4
		if d[14+9] != 1 || len(d) < 14+ihl+8 {
			continue
		}
		icmp := d[14+ihl:]
		switch icmp[0] {
		case 8, 0:
			out = append(out, echo{point: p.Point, reply: icmp[0] == 0, id: binary.BigEndian.Uint16(icmp[4:6])})
		}
	}
	return out
}

// CountEchoes checks one ping's packets: at every capture point that saw
// it, exactly one echo request and at most one reply, all of one echo id
// per point, and replies only where wantReply. It returns the problems.
func countEchoes(pkts []Packet, wantReply bool) []string {
	req, rep := map[string]int{}, map[string]int{}
	ids := map[string]map[uint16]bool{}
	for _, e := range echoes(pkts) {
		if ids[e.point] == nil {
			ids[e.point] = map[uint16]bool{}
		}
		ids[e.point][e.id] = true
		if e.reply {
			rep[e.point]++
		} else {
			req[e.point]++
		}
	}
	var bad []string
	if len(req) == 0 {
		bad = append(bad, "no echo request at any capture point")
	}
	points := make([]string, 0, len(ids))
	for p := range ids {
		points = append(points, p)
	}
	sort.Strings(points)
	for _, p := range points {
		if req[p] != 1 {
			bad = append(bad, fmt.Sprintf("%s: %d echo requests, want 1", p, req[p]))
		}
		if wantReply && rep[p] != 1 {
			bad = append(bad, fmt.Sprintf("%s: %d echo replies, want 1", p, rep[p]))
		}
		if !wantReply && rep[p] != 0 {
			bad = append(bad, fmt.Sprintf("%s: %d echo replies, want none", p, rep[p]))
		}
		if len(ids[p]) != 1 {
			bad = append(bad, fmt.Sprintf("%s: %d different echo ids", p, len(ids[p])))
		}
	}
	return bad
}

// pingSteps lists the steps whose only traffic is one `ping -c 1` with
// capture points running, by index, with whether a reply is expected.
func pingSteps(l *Lesson) map[int]bool {
	out := map[int]bool{}
	running := map[string]bool{}
	for i, st := range l.Steps {
		for _, c := range st.Captures {
			running[c.ID] = true
		}
		pings, other := 0, false
		reply := true
		for _, a := range st.Actions {
			switch a.Kind {
			case "ping":
				pings++
				reply = !a.ExpectFailure()
				if a.Args.Count > 1 {
					other = true
				}
			case "tcp_connect", "run":
				other = true
			}
		}
		if len(running) > 0 && pings == 1 && !other {
			out[i] = reply
		}
		for _, id := range st.CaptureStop {
			delete(running, id)
		}
	}
	return out
}

// TestCapturesHoldOnlyTheLearnersPing: in every built-in lesson, a step
// whose command is one `ping -c 1` shows exactly one echo request (and one
// reply, where one comes back) at each capture point on the path, both in
// the step's packets and in everything the runner kept (the TUI's pcap),
// however many pings the expectations send.
func TestCapturesHoldOnlyTheLearnersPing(t *testing.T) {
	t.Parallel() // labs of its own that mostly wait on probes: see parallel_test.go
	ls, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	var covered atomic.Int64
	// A lesson per subtest, on a lab of its worker (runOnLabs).
	var cases []labCase
	for _, l := range ls {
		steps := pingSteps(l)
		if len(steps) == 0 {
			continue
		}
		cases = append(cases, labCase{l.ID, func(t *testing.T, lab *engine.Lab) {
			if err := lab.Reset(); err != nil {
				t.Fatal(err)
			}
			var smu sync.Mutex // OnPacket runs on the capture goroutines
			var streamed []Packet
			r := NewRunner(lab, l, Options{OnPacket: func(p Packet) {
				smu.Lock()
				streamed = append(streamed, p)
				smu.Unlock()
			}})
			defer r.Close()
			ctx := context.Background()
			for !r.Done() {
				res, err := r.RunNext(ctx)
				if err != nil || !res.OK() {
					t.Fatalf("step %d: %v\n%s", r.Next(), err, failures(res))
				}
				wantReply, ok := steps[res.Index]
				if !ok {
					continue
				}
				covered.Add(1)
				for _, b := range countEchoes(res.Packets, wantReply) {
					t.Errorf("step %d (%s), step packets: %s", res.Index+1, res.Step.ID, b)
				}
				// The probes after the step are gone from the stream too.
				time.Sleep(50 * time.Millisecond)
				var kept []Packet
				for _, p := range r.Packets() {
					if p.Step == res.Index {
						kept = append(kept, p)
					}
				}
				for _, b := range countEchoes(kept, wantReply) {
					t.Errorf("step %d (%s), all packets: %s", res.Index+1, res.Step.ID, b)
				}
			}
			smu.Lock()
			n := len(streamed)
			smu.Unlock()
			if n != len(r.Packets()) {
				t.Errorf("OnPacket got %d packets, Packets() holds %d", n, len(r.Packets()))
			}
			if r.TutorPackets() == 0 {
				t.Logf("%s: no tutor packet was seen at a capture point", l.ID)
			}
		}})
	}
	runOnLabs(t, cases)
	if n := covered.Load(); n < 3 {
		t.Errorf("only %d ping steps with captures in the built-in lessons", n)
	}
}

// tcpConn is what one capture point saw of TCP: SYNs (without ACK) and
// the client ports, the lower-numbered ends being the servers' 80/8080.
func tcpConns(pkts []Packet) (syns map[string]int, ports map[string]map[uint16]bool) {
	syns, ports = map[string]int{}, map[string]map[uint16]bool{}
	for _, p := range pkts {
		d := p.Data
		if len(d) < 14+20+20 || binary.BigEndian.Uint16(d[12:14]) != 0x0800 || d[14+9] != 6 {
			continue
		}
		ihl := int(d[14]&0x0f) * 4
		tcp := d[14+ihl:]
		if len(tcp) < 14 {
			continue
		}
		sp, dp := binary.BigEndian.Uint16(tcp[0:2]), binary.BigEndian.Uint16(tcp[2:4])
		client := max(sp, dp) // the ephemeral end
		if ports[p.Point] == nil {
			ports[p.Point] = map[uint16]bool{}
		}
		ports[p.Point][client] = true
		if flags := tcp[13]; flags&0x02 != 0 && flags&0x10 == 0 {
			syns[p.Point]++
		}
	}
	return syns, ports
}

// TestCapturesHoldOnlyTheLearnersConnect: a step whose one command is an
// nc shows one TCP connection at every capture point (one SYN, one client
// port), however many connects its expectations make; docker-networks'
// -p 8080:80 step showed 23 to 27 packets before.
func TestCapturesHoldOnlyTheLearnersConnect(t *testing.T) {
	t.Parallel() // labs of its own that mostly wait on probes: see parallel_test.go
	ls, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	var covered atomic.Int64
	// A lesson per subtest, on a lab of its worker (runOnLabs).
	var cases []labCase
	for _, l := range ls {
		steps := map[int]bool{}
		// unanswered: the step's connect is meant to fail; where nobody
		// answers ARP for its address (loadbalancer's VIP before any
		// speaker) the SYN never leaves, and the captures hold only ARP.
		unanswered := map[int]bool{}
		for i, st := range l.Steps {
			n := 0
			for _, a := range st.Actions {
				switch a.Kind {
				case "tcp_connect":
					n++
					if a.ExpectFailure() {
						unanswered[i] = true
					}
				case "ping", "run":
					n = 99
				}
			}
			if n == 1 && len(st.Captures) > 0 {
				steps[i] = true
			}
		}
		if len(steps) == 0 {
			continue
		}
		cases = append(cases, labCase{l.ID, func(t *testing.T, lab *engine.Lab) {
			if err := lab.Reset(); err != nil {
				t.Fatal(err)
			}
			r := NewRunner(lab, l, Options{})
			defer r.Close()
			for !r.Done() {
				res, err := r.RunNext(context.Background())
				if err != nil || !res.OK() {
					t.Fatalf("step %d: %v\n%s", r.Next(), err, failures(res))
				}
				if !steps[res.Index] {
					continue
				}
				covered.Add(1)
				time.Sleep(50 * time.Millisecond)
				var kept []Packet
				for _, p := range r.Packets() {
					if p.Step == res.Index {
						kept = append(kept, p)
					}
				}
				for what, pkts := range map[string][]Packet{"step packets": res.Packets, "all packets": kept} {
					syns, ports := tcpConns(pkts)
					if len(ports) == 0 && unanswered[res.Index] && testkit.ARPOnly(frames(pkts)) {
						continue
					}
					if len(ports) == 0 {
						t.Errorf("step %d (%s), %s: no TCP at any capture point", res.Index+1, res.Step.ID, what)
					}
					for pt, ps := range ports {
						if syns[pt] != 1 || len(ps) != 1 {
							t.Errorf("step %d (%s), %s: %s saw %d SYNs and %d client ports, want 1 and 1", res.Index+1, res.Step.ID, what, pt, syns[pt], len(ps))
						}
					}
				}
			}
		}})
	}
	runOnLabs(t, cases)
	if covered.Load() == 0 {
		t.Error("no built-in step connects once with capture points running")
	}
}

// frames is the captured frames of pkts.
func frames(pkts []Packet) [][]byte {
	out := make([][]byte, len(pkts))
	for i, p := range pkts {
		out[i] = p.Data
	}
	return out
}

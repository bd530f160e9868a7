package lessons

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nettutor/nettutor/engine"
	"github.com/nettutor/nettutor/engine/capture"
	"github.com/nettutor/nettutor/engine/journey"
)

// ---- Exported API (the TUI and the CLI build on this) ----

// Options tune a Runner. The zero value is fine.
type Options struct {
	// OnPacket, when set, is called for every packet a capture point sees,
	// as it arrives, from the capture's own goroutine (send it to the TUI
	// with program.Send). Packets are also collected into StepResult.Packets.
	OnPacket func(Packet)
	// OnAction, when set, is called as each action of a step starts (done
	// false, ar holding only Kind and Command) and again when it ends (done
	// true, with its result), from the goroutine running the step, so that
	// a UI can show each command as it executes.
	OnAction func(step, index int, done bool, ar ActionResult)
	// Lang is the language of expectation descriptions (see Env.Lang).
	Lang string
	// OnRebuild, when set, is called by Goto once the old capture points
	// have stopped and the lab was reset, before the earlier steps are
	// replayed: every packet OnPacket gets after it belongs to the rebuilt
	// lab, so a UI starts a fresh packet list there.
	OnRebuild func()
	// Budget, when set, counts the lesson's capture points against a
	// session's capture budget (capture.Budget.PointOptions); a point it
	// refuses is the step's capture error. Nil: no budget (run, check).
	Budget *capture.Budget
}

// Runner drives one lesson on one lab, step by step. It prints nothing: every
// method returns values, so a TUI can call it inside a tea.Cmd. Calls must not
// overlap (one tea.Cmd at a time); OnPacket may be called concurrently.
type Runner struct {
	lab    *engine.Lab
	lesson *Lesson
	opts   Options

	next    int              // index of the next step to run
	prev    *engine.Snapshot // snapshot after the last step run (or replayed)
	lastOut string           // output of the last action run

	mu   sync.Mutex
	caps map[string]*runningCapture // capture id -> running point
	// pastKernelDrops counts the kernel drops of captures already stopped.
	pastKernelDrops uint64
	pending         []Packet // packets of the step being run
	all             []Packet // every packet since the last Goto/reset
	stepIdx         int
	// muted are the time windows in which the tutor's own probes ran
	// (expectations); packets the kernel saw inside one are not the
	// learner's and are dropped. Cleared by Goto.
	muted []muteWindow
	// tutorPackets counts the packets dropped for being the tutor's.
	tutorPackets uint64

	replayed []*StepResult  // what Goto replayed, by step index
	stopping sync.WaitGroup // capture points being closed
	// rebuilt says the lab holds exactly the first next steps as a replay
	// from a reset made them, and nothing else ran on it since: Extend
	// may carry that rebuild on (extend.go).
	rebuilt bool
}

// StepResult is everything that happened in one step.
type StepResult struct {
	Index   int
	Step    *Step
	Actions []ActionResult // in order; stops at the first unexpected failure
	// Failed is set when an action failed unexpectedly; the actions after
	// it were not run.
	Failed      bool
	Expect      []CheckResult    // one per expectation, in order
	Snapshot    *engine.Snapshot // the lab after the step (nil if it could not be read)
	SnapshotErr error
	Changed     Changes  // what changed since the previous step's snapshot
	Packets     []Packet // packets the capture points saw during the step
	CaptureErrs []error  // capture points that could not be started
	// NotRun is set when the lab lacks one of the step's Needs: its
	// actions were not run and its expectations not evaluated (Actions and
	// Expect are empty), in a replay too. Such a step is neither passed
	// nor failed: OK is true unless something else went wrong.
	NotRun *NotRun
}

// OK reports whether every action went as expected and every expectation held.
func (s *StepResult) OK() bool {
	if s.Failed || s.SnapshotErr != nil {
		return false
	}
	for _, c := range s.Expect {
		if !c.OK {
			return false
		}
	}
	return true
}

// ActionResult is the outcome of one action.
type ActionResult struct {
	Kind     string // the action's YAML key
	Command  string // what a person would type
	Output   string // what the command printed
	Err      error  // the action's error, expected or not
	Duration time.Duration
	// ExpectedFailure is set for probes that are meant to fail (ping
	// expect: no-reply); OK is then true when Err is not nil.
	ExpectedFailure bool
	OK              bool
	// Sport is a tcp_connect's source port (0: no connection made), so
	// that its journey follows that connection's conntrack entry.
	Sport int
}

// CheckResult is the outcome of one expectation or exercise check.
type CheckResult struct {
	ID     string // exercise check id ("" for step expectations)
	Kind   string // the assertion kind, e.g. "link"
	Desc   string // what was checked, in words: "RED: veth0 is up"
	OK     bool
	Detail string // when failed: the object and the fault, e.g. "BLUE: veth1 is DOWN"
	Hint   Text   // the check's hint (exercises), shown after Detail
	// Journey is, for a failed reachability check (reachable, tcp), the
	// journey of its probe: traced in the lab, or replayed from the
	// snapshot when it could not be traced. Its Drop is the "why".
	Journey *journey.Journey
	// Fix is the second hint: the command, shown when more help is asked for.
	Fix Text
	// Cause is what the checker found wrong (one of Causes, "" when it
	// found nothing more than Detail says); it picked Hint and Fix.
	Cause string
}

// Changes lists what differs between two snapshots, for highlighting.
type Changes struct {
	Namespaces []string  // added, or changed in any way (links, routes, neighbours, rules, ...)
	Removed    []string  // namespaces that are gone
	Links      []LinkRef // links added or changed (state, addresses, master, peer, MTU)
	GoneLinks  []LinkRef // links that are gone (deleted, or moved to another namespace)
}

// LinkRef names a link in a namespace.
type LinkRef struct{ NS, Name string }

// Packet is one packet seen by a capture point.
type Packet struct {
	Capture string // capture point id
	Point   string // "NS/IFACE"
	Step    int    // index of the step during which it was seen
	Time    time.Time
	Summary string // tcpdump -n style one-line summary
	Src     string // IP source (ARP: sender), else MAC
	Dst     string // IP destination (ARP: target), else MAC
	Proto   string // ARP, ICMP, TCP, UDP, ...
	Data    []byte // the frame as captured
	Len     int    // length on the wire
	Out     bool   // sent by the point's interface (PACKET_OUTGOING): the journey's direction
}

// NewRunner makes a runner for lesson on lab. The lab should be fresh (just
// made or Reset); the first RunStep runs step 0.
func NewRunner(lab *engine.Lab, lesson *Lesson, opts Options) *Runner {
	return &Runner{lab: lab, lesson: lesson, opts: opts, caps: map[string]*runningCapture{}}
}

// Lesson returns the lesson being run.
func (r *Runner) Lesson() *Lesson { return r.lesson }

// Lab returns the lab the runner drives.
func (r *Runner) Lab() *engine.Lab { return r.lab }

// Next returns the index of the step RunNext would run (len(Steps) when done).
func (r *Runner) Next() int { return r.next }

// Done reports whether every step has run.
func (r *Runner) Done() bool { return r.next >= len(r.lesson.Steps) }

// Snapshot returns the snapshot after the last step run or replayed (nil
// before the first).
func (r *Runner) Snapshot() *engine.Snapshot { return r.prev }

// Packets returns every packet captured since the runner started or last
// went back with Goto, in arrival order.
func (r *Runner) Packets() []Packet {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Packet(nil), r.all...)
}

// RunNext runs step Next().
func (r *Runner) RunNext(ctx context.Context) (*StepResult, error) {
	return r.RunStep(ctx, r.next)
}

// RunStep runs step i: it starts the step's capture points, runs its
// actions in order (stopping at an unexpected failure), evaluates its
// expectations, takes a snapshot, compares it with the previous one and
// collects the packets seen. When i is not Next(), it first calls Goto(i).
// The error is for things that stop the lesson (bad index, the lab could not
// be reset); what went wrong inside the step is in the result.
func (r *Runner) RunStep(ctx context.Context, i int) (*StepResult, error) {
	if i < 0 || i >= len(r.lesson.Steps) {
		return nil, fmt.Errorf("lesson %s has no step %d", r.lesson.ID, i)
	}
	if i != r.next {
		if err := r.Goto(ctx, i); err != nil {
			return nil, err
		}
	}
	return r.runStep(ctx, i), nil
}

// Goto resets the lab and replays steps 0..i-1, so that RunStep(i) runs
// next. It is "back one step" for the TUI, resume at a saved step, leaving
// an exercise and `run --from`. Goto(0) is a fresh start.
//
// A replay is the original: every action of the earlier steps runs again,
// traffic included (pings and connects make neighbour entries, learned fdb
// entries and conntrack state that later steps depend on), with the
// steps' capture points running as they did, so the packets of the
// replayed steps are captured again (Packets, OnPacket) and the outputs
// are current (Replayed). Only the expectations are not evaluated again,
// and a probe meant to get no answer waits replayProbeTimeout instead of
// its full timeout. The error is for a configuration action that failed:
// the lab is then not the one the learner saw.
func (r *Runner) Goto(ctx context.Context, i int) error {
	if i < 0 || i > len(r.lesson.Steps) {
		return fmt.Errorf("lesson %s has no step %d", r.lesson.ID, i)
	}
	r.rebuilt = false
	r.stopAllCaptures()
	if err := r.lab.Reset(); err != nil {
		return fmt.Errorf("reset the lab: %w", err)
	}
	r.mu.Lock()
	r.all, r.pending, r.muted = nil, nil, nil
	r.mu.Unlock()
	r.prev, r.lastOut, r.next, r.replayed = nil, "", 0, nil
	if r.opts.OnRebuild != nil {
		r.opts.OnRebuild()
	}
	for j := 0; j < i; j++ {
		// A cancelled rebuild (a spare lab the learner moved away from)
		// stops between steps: the lab is then not the one asked for.
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("rebuild to step %d: %w", i, err)
		}
		res, err := r.play(ctx, j, true)
		r.replayed = append(r.replayed, res)
		if err != nil {
			return err
		}
	}
	return r.rebuiltTo(i)
}

// rebuiltTo ends a replay of the first i steps: RunStep(i) runs next, and
// the lab is read once its links have settled, as the step would start.
func (r *Runner) rebuiltTo(i int) error {
	r.next = i
	r.mu.Lock()
	r.stepIdx = i
	r.mu.Unlock()
	if i > 0 {
		r.lab.SettleLinks(linkSettleMax)
		snap, err := r.lab.Snapshot()
		if err != nil {
			return fmt.Errorf("read the lab: %w", err)
		}
		r.prev = snap
	}
	r.rebuilt = true
	return nil
}

// Replayed returns what the last Goto replayed, one result per step before
// the one it went to: the actions with their fresh outputs and the packets
// the replay captured. Expectations were not evaluated (Expect is empty).
func (r *Runner) Replayed() []*StepResult { return append([]*StepResult(nil), r.replayed...) }

// TutorPackets is how many captured packets were left out of the
// learner's packets for being the tutor's own (expectation probes).
func (r *Runner) TutorPackets() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.tutorPackets
}

// Close stops every capture point and waits until their sockets are
// closed. It does not close the lab.
func (r *Runner) Close() {
	r.stopAllCaptures()
	r.stopping.Wait()
}

// ---- Implementation ----

func (r *Runner) runStep(ctx context.Context, i int) *StepResult {
	r.rebuilt = false // a live step, expectations' probes and all
	res, _ := r.play(ctx, i, false)
	r.next = i + 1
	return res
}

// replayProbeTimeout is how long a replayed probe that is meant to get no
// answer waits: what it sends, and so the state it makes, is the same as
// the original's; only the wait for the answer that does not come is cut,
// so that going back does not cost a second per such probe. 20 ms leaves
// the lab's ARP (well under a millisecond between namespaces) time to let
// the request itself go out.
const replayProbeTimeout = 20 * time.Millisecond

// Quiet periods of the capture points: the traffic of a step's commands is
// over once no capture point has seen a packet for captureQuiet (replies,
// ARP answers and TCP closes follow within microseconds on veth), bounded
// by captureSettleMax when something keeps sending.
const (
	captureQuiet     = 8 * time.Millisecond
	captureSettleMax = 300 * time.Millisecond
	// captureFlushStep bounds one point's wait for its reader inside the
	// quiet loop; captureHandOnMax bounds the last wait, for every packet
	// seen (a reader starved by a loaded machine, not traffic).
	captureFlushStep = 500 * time.Millisecond
	captureHandOnMax = 5 * time.Second
)

// linkSettleMax bounds the wait for linkwatch before the lab is read for a
// diagram or a `show` (see engine.Lab.SettleLinks); a link still settling
// after it is redrawn by the TUI when it does.
const linkSettleMax = time.Second

// bannerWaitMax bounds the wait for a banner server's next nc to listen.
const bannerWaitMax = time.Second

// muteWindow is a time span of the tutor's own probes; Until zero: open.
type muteWindow struct{ From, Until time.Time }

// play runs step i: capture points, actions, snapshot, packets, and unless
// replaying, expectations. When replaying it reports no OnAction, gives
// expected-failure probes a short wait and returns an error when a
// configuration action fails.
func (r *Runner) play(ctx context.Context, i int, replay bool) (*StepResult, error) {
	st := r.lesson.Steps[i]
	res := &StepResult{Index: i, Step: st}
	if r.prev == nil && !replay {
		// What the step starts from, so that Changed names only what it did.
		r.prev, _ = r.lab.Snapshot()
	}
	r.mu.Lock()
	r.pending = nil
	r.stepIdx = i
	r.mu.Unlock()
	res.NotRun = r.notRun(st)
	for _, c := range st.Captures {
		if res.NotRun != nil {
			break // what they watch may not exist in this lab (FORMAT.md, Step needs)
		}
		if err := r.startCapture(ctx, c); err != nil {
			res.CaptureErrs = append(res.CaptureErrs, err)
		}
	}
	var fatal error
	connected := false // the action before was a connect
	for j, a := range st.Actions {
		if res.NotRun != nil {
			break // the lab lacks what the step needs: no action of it runs
		}
		if a.Kind == "tcp_connect" || connected {
			// A banner server's loop starts a new nc after each client:
			// the next connect, and a command right after a connect
			// (`ss -ltn` in the pod lesson, which once ran in the loop's
			// gap and listed no socket), find the server listening again,
			// as a person typing the next command does.
			r.lab.WaitBanners(bannerWaitMax)
		}
		connected = a.Kind == "tcp_connect"
		if a.Kind == "show" {
			// What `ip link` prints once the kernel has brought the links up.
			r.lab.SettleLinks(linkSettleMax)
		}
		var ar ActionResult
		if replay {
			ar = applyAction(ctx, r.lab, a, replayEngine(a))
		} else {
			if r.opts.OnAction != nil {
				r.opts.OnAction(i, j, false, ActionResult{Kind: a.Kind, Command: a.Command()})
			}
			ar = ApplyAction(ctx, r.lab, a)
			if r.opts.OnAction != nil {
				r.opts.OnAction(i, j, true, ar)
			}
		}
		res.Actions = append(res.Actions, ar)
		r.lastOut = ar.Output
		for _, c := range r.caps {
			c.revive()
		}
		if !ar.OK {
			if replay && a.Probe() {
				continue // a probe changes no configuration: the replay goes on
			}
			res.Failed = true
			if replay {
				fatal = fmt.Errorf("replay step %d (%s): %s: %w", i+1, st.ID, a.Command(), ar.Err)
			}
			break
		}
	}
	// The step's own traffic is over when the capture points fall quiet;
	// everything up to then is the learner's.
	r.quiesce()
	var snap *engine.Snapshot
	if !replay {
		r.lab.SettleLinks(linkSettleMax)
		snap, res.SnapshotErr = r.lab.Snapshot()
		res.Snapshot = snap
	}
	r.mu.Lock()
	res.Packets = append([]Packet(nil), r.pending...)
	r.mu.Unlock()
	if !res.Failed && !replay && res.NotRun == nil {
		env := &Env{Snapshot: snap, Packets: res.Packets, LastOutput: r.lastOut, Lang: r.opts.Lang}
		// The expectations' pings and connects are the tutor's: what the
		// capture points see while they run is not the learner's.
		r.muteOpen()
		r.lab.WaitBanners(bannerWaitMax)
		res.Expect = Evaluate(ctx, r.lab, st.Expect, env)
		r.quiesce()
		r.muteClose()
	}
	if snap != nil {
		res.Changed = Diff(r.prev, snap)
		r.prev = snap
	}
	r.stopCaptures(st.CaptureStop)
	return res, fatal
}

// replayEngine is the engine action a replay runs for a: the same, except
// that a probe meant to fail waits only replayProbeTimeout for an answer.
func replayEngine(a *Action) engine.Action {
	act := a.Engine()
	if !a.ExpectFailure() {
		return act
	}
	switch x := act.(type) {
	case engine.Ping:
		x.Timeout = replayProbeTimeout
		return x
	case engine.TCPConnect:
		x.Timeout = replayProbeTimeout
		return x
	}
	return act
}

// muteOpen starts a window of the tutor's own traffic (now on). Only the
// last window before it is kept: every packet of older ones was handed on
// (quiesce) before the step after them ended.
func (r *Runner) muteOpen() {
	r.mu.Lock()
	if n := len(r.muted); n > 1 {
		r.muted = append(r.muted[:0], r.muted[n-1])
	}
	r.muted = append(r.muted, muteWindow{From: time.Now().Round(0)})
	r.mu.Unlock()
}

// muteClose ends the open window (now). Packets the kernel saw inside it
// are dropped even when their capture hands them on later.
func (r *Runner) muteClose() {
	r.mu.Lock()
	if n := len(r.muted); n > 0 && r.muted[n-1].Until.IsZero() {
		r.muted[n-1].Until = time.Now().Round(0)
	}
	r.mu.Unlock()
}

// tutorsLocked reports whether a packet seen at t is the tutor's. r.mu held.
func (r *Runner) tutorsLocked(t time.Time) bool {
	for _, w := range r.muted {
		if !t.Before(w.From) && (w.Until.IsZero() || t.Before(w.Until)) {
			return true
		}
	}
	return false
}

// quiesce waits until no running capture point has seen a new packet for
// captureQuiet (at most captureSettleMax), then until every packet seen by
// then has been handed on (at most captureHandOnMax). The second wait is
// not about traffic but about the readers: on a loaded machine a reader
// may not run for hundreds of milliseconds, and a point stopped before it
// has read loses the step's last packets (a replay then showed fewer
// packets than the first run).
func (r *Runner) quiesce() {
	if len(r.caps) == 0 {
		return
	}
	start := time.Now()
	var last uint64
	lastChange := start
	for first := true; ; first = false {
		var seen uint64
		for _, c := range r.caps {
			c.flush(time.Now().Add(captureFlushStep))
			seen += c.seen()
		}
		now := time.Now()
		if first || seen != last {
			last, lastChange = seen, now
		} else if now.Sub(lastChange) >= captureQuiet {
			break
		}
		if now.Sub(start) >= captureSettleMax {
			break
		}
		time.Sleep(2 * time.Millisecond)
	}
	deadline := time.Now().Add(captureHandOnMax)
	for _, c := range r.caps {
		c.flush(deadline)
	}
}

// ApplyAction runs one action on lab and reports it; a probe that fails as
// expected is OK.
func ApplyAction(ctx context.Context, lab *engine.Lab, a *Action) ActionResult {
	return applyAction(ctx, lab, a, a.Engine())
}

// applyAction runs act as action a.
func applyAction(ctx context.Context, lab *engine.Lab, a *Action, act engine.Action) ActionResult {
	start := time.Now()
	out, err := act.Apply(ctx, lab)
	d := out.Duration
	if d == 0 {
		d = time.Since(start)
	}
	ar := ActionResult{Kind: a.Kind, Command: a.Command(), Output: out.Output, Err: err, Duration: d, ExpectedFailure: a.ExpectFailure(), Sport: out.Sport}
	if ar.ExpectedFailure {
		ar.OK = err != nil
		if err == nil {
			ar.Err = errors.New("expected no answer, but it answered")
		}
	} else {
		ar.OK = err == nil
	}
	return ar
}

func (r *Runner) emit(p Packet) {
	r.mu.Lock()
	if r.tutorsLocked(p.Time) {
		r.tutorPackets++
		r.mu.Unlock()
		return
	}
	p.Step = r.stepIdx
	r.pending = append(r.pending, p)
	r.all = append(r.all, p)
	cb := r.opts.OnPacket
	r.mu.Unlock()
	if cb != nil {
		cb(p)
	}
}

func (r *Runner) startCapture(ctx context.Context, c *CapturePoint) error {
	r.stopCaptures([]string{c.ID})
	rc, err := startCapture(ctx, r.lab, c, r.opts.Budget, r.emit)
	if err != nil {
		return fmt.Errorf("capture %s on %s: %w", c.ID, c.Name(), err)
	}
	r.mu.Lock()
	r.caps[c.ID] = rc
	r.mu.Unlock()
	return nil
}

// stopAllCaptures stops every capture point.
func (r *Runner) stopAllCaptures() {
	r.mu.Lock()
	ids := make([]string, 0, len(r.caps))
	for id := range r.caps {
		ids = append(ids, id)
	}
	r.mu.Unlock()
	r.stopCaptures(ids)
}

// stopCaptures stops the listed capture points. Each is muted at once and
// closed in the background: closing a packet socket waits for an RCU grace
// period (tens of milliseconds) that neither a step nor a replay need wait
// for, since a point's packets were settled (quiesce) before it stops.
// Close waits for every close. The map changes under r.mu, but
// the stop itself runs outside it: a capture's consumer takes r.mu to hand
// on its last packets.
func (r *Runner) stopCaptures(ids []string) {
	for _, id := range ids {
		r.mu.Lock()
		c := r.caps[id]
		delete(r.caps, id)
		r.mu.Unlock()
		if c != nil {
			c.muted.Store(true)
			r.stopping.Add(1)
			go func() {
				defer r.stopping.Done()
				c.stop()
				r.mu.Lock()
				r.pastKernelDrops += c.kernelDrops()
				r.mu.Unlock()
			}()
		}
	}
}

// KernelDrops is how many packets the kernel dropped before the capture
// points could read them (PACKET_STATISTICS), over the runner's life, as
// tcpdump reports "N packets dropped by kernel". Safe to call at any time.
func (r *Runner) KernelDrops() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := r.pastKernelDrops
	for _, c := range r.caps {
		n += c.kernelDrops()
	}
	return n
}

// Diff compares two snapshots (prev may be nil: everything in next is new).
func Diff(prev, next *engine.Snapshot) Changes {
	var ch Changes
	if next == nil {
		return ch
	}
	old := map[string]*engine.Namespace{}
	if prev != nil {
		for i := range prev.Namespaces {
			old[prev.Namespaces[i].Name] = &prev.Namespaces[i]
		}
	}
	seen := map[string]bool{}
	for i := range next.Namespaces {
		n := &next.Namespaces[i]
		seen[n.Name] = true
		o := old[n.Name]
		changed := o == nil
		for _, l := range n.Links {
			var ol *engine.Link
			if o != nil {
				ol = o.Link(l.Name)
			}
			if ol == nil || !sameLink(ol, &l) {
				ch.Links = append(ch.Links, LinkRef{n.Name, l.Name})
				changed = true
			}
		}
		if o != nil {
			for _, ol := range o.Links {
				if n.Link(ol.Name) == nil {
					ch.GoneLinks = append(ch.GoneLinks, LinkRef{n.Name, ol.Name})
					changed = true
				}
			}
		}
		if o != nil && !changed {
			changed = len(o.Links) != len(n.Links) || !sameNSRest(o, n)
		}
		if changed {
			ch.Namespaces = append(ch.Namespaces, n.Name)
		}
	}
	if prev != nil {
		for _, n := range prev.Namespaces {
			if !seen[n.Name] {
				ch.Removed = append(ch.Removed, n.Name)
			}
		}
	}
	return ch
}

func sameLink(a, b *engine.Link) bool {
	if a.Kind != b.Kind || a.State != b.State || a.Oper != b.Oper || a.MTU != b.MTU || a.MAC != b.MAC || a.Master != b.Master {
		return false
	}
	if (a.Peer == nil) != (b.Peer == nil) || (a.Peer != nil && *a.Peer != *b.Peer) {
		return false
	}
	if (a.VXLAN == nil) != (b.VXLAN == nil) || (a.VXLAN != nil && *a.VXLAN != *b.VXLAN) {
		return false
	}
	return equalStrings(a.Addrs, b.Addrs)
}

func sameNSRest(a, b *engine.Namespace) bool {
	if len(a.Routes) != len(b.Routes) || len(a.Neighbors) != len(b.Neighbors) || len(a.FDB) != len(b.FDB) {
		return false
	}
	for i := range a.Routes {
		if a.Routes[i] != b.Routes[i] {
			return false
		}
	}
	for i := range a.Neighbors {
		if a.Neighbors[i] != b.Neighbors[i] {
			return false
		}
	}
	for i := range a.FDB {
		if a.FDB[i] != b.FDB[i] {
			return false
		}
	}
	if !equalStrings(a.Rules, b.Rules) || len(a.Sysctl) != len(b.Sysctl) {
		return false
	}
	for k, v := range a.Sysctl {
		if b.Sysctl[k] != v {
			return false
		}
	}
	return true
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

package tui

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/nettutor/nettutor/engine"
	"github.com/nettutor/nettutor/lessons"
)

// Back a step without waiting for the replay (issue 25). While the learner
// reads step k, a second lab (the spare) is rebuilt to the state after k-1
// steps with the same replay a rebuild runs (lessons.Runner.Goto: every
// earlier action again, traffic included, with the steps' capture points
// running), and Goto(k-1) swaps it in: its runner, its recorded packets and
// its replayed outputs become the session's, exactly as a rebuild of the
// live lab would have made them. The lab that was live becomes the next
// spare and is rebuilt to k-2 when the learner has settled again.
//
// The lab swapped out is not kept for `n` after `p`: it holds the state
// after step k as the learner ran it, expectations' probes and lab shells
// included, which is not what a replay of k steps makes; step k runs live
// on the swapped-in lab, as it would after any rebuild.
//
// The spare is a lab of its own (a keeper, its confinement and limits), so
// it counts against the session: a backend keeps at most one, and none
// unless LabBackend.Spares says so. It is never built while a step, a
// rebuild or an exercise runs: every such call cancels a spare being built
// and waits until it has stopped.

// spareSession is a Session that can keep a spare lab rebuilt ahead of a
// Goto (the labSession). The lesson view asks for one after every move.
type spareSession interface {
	// PrepareBack rebuilds the spare to the state after n steps, n being
	// one step back from where the session is; it returns nil once the
	// spare is ready (at once when it already is), or why there is none:
	// spares are off, the session moved meanwhile, or the build was
	// cancelled by a move or failed.
	PrepareBack(ctx context.Context, n int) error
}

// errSpareOff: the backend keeps no spare (LabBackend.Spares is 0).
var errSpareOff = errors.New("no spare lab")

// errSpareStale: the session is no longer where the spare was asked for
// (it moved, runs something, is in an exercise, or was closed).
var errSpareStale = errors.New("the lesson moved: no spare for that step")

// maxSpares is the most spare labs a backend keeps: one is enough for
// "back one step", and each is a whole lab against the session's budget.
const maxSpares = 1

// spareLabNamespaces is how many empty namespaces a spare lab keeps ready,
// as the TUI's own lab does (cmd/nettutor: a reset's host plus a lesson's
// three or four namespaces): after a swap it is the live lab.
const spareLabNamespaces = 5

// spareBuild is one spare: a runner on the spare lab rebuilt (or being
// rebuilt) to target steps.
type spareBuild struct {
	target   int
	runner   *lessons.Runner
	sink     *packetSink
	building bool
	ready    bool
	cancel   context.CancelFunc
	done     chan struct{} // closed when the build has ended
}

// packetSink hands a runner's packets to the session while the runner is
// the live one, and keeps them, in order, while it is a spare: they are
// what a rebuild would have shown, and the swap shows them then.
type packetSink struct {
	s    *labSession
	mu   sync.Mutex
	live bool
	dead bool // swapped out: its packets are no one's
	buf  []lessons.Packet
	lost uint64 // packets beyond packetBuffer while a spare
	// next is the packet stream the sink starts when it goes live, made
	// with the spare: allocating it (packetBuffer packets) took 30 to 60
	// ms of a swap on a loaded machine.
	next chan Packet
}

func (k *packetSink) packet(p lessons.Packet) {
	k.mu.Lock()
	defer k.mu.Unlock()
	switch {
	case k.live:
		k.s.onPacket(p)
	case k.dead:
	case len(k.buf) >= packetBuffer:
		k.lost++ // as the live stream counts a full channel
	default:
		k.buf = append(k.buf, p)
	}
}

// rebuild starts the runner's fresh stream (lessons.Options.OnRebuild).
func (k *packetSink) rebuild() {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.live {
		k.s.newStream()
		return
	}
	k.buf, k.lost = nil, 0
}

// goLive makes the sink the session's: a fresh packet stream, then every
// packet the spare's rebuild captured, as a rebuild of the live lab sends
// them; a packet arriving meanwhile waits on k.mu and follows them.
func (k *packetSink) goLive() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.s.newStreamOn(k.next)
	k.next = nil
	for _, p := range k.buf {
		k.s.onPacket(p)
	}
	k.s.drops.Add(k.lost)
	k.buf, k.lost, k.live = nil, 0, true
}

// retire drops whatever the sink's runner still captures.
func (k *packetSink) retire() {
	k.mu.Lock()
	k.live, k.dead, k.buf = false, true, nil
	k.mu.Unlock()
}

// spares is how many spare labs the backend keeps (0 or 1).
func (b *LabBackend) spares() int { return min(max(b.Spares, 0), maxSpares) }

// current is the live lab.
func (b *LabBackend) current() *engine.Lab {
	b.labMu.Lock()
	defer b.labMu.Unlock()
	return b.lab
}

// spareLab returns the spare lab, made on first use.
func (b *LabBackend) spareLab() (*engine.Lab, error) {
	b.labMu.Lock()
	l, failed := b.spare, b.spareErr
	b.labMu.Unlock()
	if l != nil {
		return l, nil
	}
	if failed != nil {
		return nil, failed // once is enough: each try would start a keeper
	}
	mk := b.NewLab
	if mk == nil {
		mk = newSpareLab
	}
	l, err := mk()
	b.labMu.Lock()
	defer b.labMu.Unlock()
	if err != nil {
		b.spareErr = fmt.Errorf("make a spare lab: %w", err)
		return nil, b.spareErr
	}
	if b.spare != nil { // made meanwhile: keep one
		_ = l.Close()
		return b.spare, nil
	}
	b.spare, b.made = l, l
	return l, nil
}

// newSpareLab is a lab like the TUI's own.
func newSpareLab() (*engine.Lab, error) {
	l, err := engine.New()
	if err != nil {
		return nil, err
	}
	l.KeepSpares(spareLabNamespaces)
	return l, nil
}

// swapLabs makes the spare lab the live one and the live one the spare.
func (b *LabBackend) swapLabs() {
	b.labMu.Lock()
	b.lab, b.spare = b.spare, b.lab
	b.labMu.Unlock()
}

// dropSpareLab closes the lab the backend made for spares, the lab it was
// given being the live one again: a closed lesson leaves no second lab
// (nor its keeper and cgroup) behind; the next lesson makes one anew.
func (b *LabBackend) dropSpareLab() {
	b.labMu.Lock()
	made := b.made
	if made != nil && b.lab == made {
		b.lab, b.spare = b.spare, b.lab
	}
	b.made, b.spare = nil, nil
	b.labMu.Unlock()
	if made != nil {
		_ = made.Close()
	}
}

// beginOp starts a call that uses or moves the live lab: a spare being
// built is cancelled, and waited for, so that it takes no CPU from the
// step and no spare starts until endOp.
func (s *labSession) beginOp() {
	s.smu.Lock()
	s.active++
	s.swapSnap = nil
	var wait chan struct{}
	if sp := s.sp; sp != nil && sp.building {
		sp.cancel()
		wait = sp.done
	}
	s.smu.Unlock()
	if wait != nil {
		<-wait
	}
}

// endOp ends a call begun with beginOp; pos is the steps the live lab now
// holds (-1: an exercise's lab, or unknown), which a spare is built for.
func (s *labSession) endOp(pos int) {
	s.smu.Lock()
	s.active--
	s.pos = pos
	s.smu.Unlock()
}

// PrepareBack implements spareSession. It runs in a tea.Cmd of its own
// while the learner reads.
func (s *labSession) PrepareBack(ctx context.Context, n int) error {
	if s.b.spares() == 0 {
		return errSpareOff
	}
	s.smu.Lock()
	if s.spClosed || s.active > 0 || n < 0 || n != s.pos-1 {
		s.smu.Unlock()
		return errSpareStale
	}
	old := s.sp
	if old != nil && old.building {
		s.smu.Unlock()
		return errSpareStale // an earlier call builds; this one is late
	}
	if old != nil && old.ready && old.target == n {
		s.smu.Unlock()
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sp := &spareBuild{target: n, building: true, cancel: cancel, done: make(chan struct{})}
	if old != nil && old.runner != nil && old.runner.Extendable(n) {
		// The spare one step behind the learner, who moved on: the same
		// runner replays the step(s) between (lessons.Runner.Extend).
		sp.runner, sp.sink = old.runner, old.sink
		old = nil
	}
	s.sp = sp
	retiring := s.retiring
	s.smu.Unlock()

	err := s.build(ctx, sp, old, retiring)
	if err == nil && ctx.Err() != nil {
		err = ctx.Err() // cancelled as the rebuild ended: not what was asked
	}
	// Cancelled between two steps, the spare lab holds the steps
	// replayed so far, whole: it is kept (not ready), and the next
	// PrepareBack carries it on instead of starting again from a reset.
	partial := err != nil && sp.runner != nil && ctx.Err() != nil && sp.runner.Extendable(n)
	if err != nil && sp.runner != nil && !partial {
		// Stopped before the build counts as ended: the step that
		// cancelled it waits for that, and no capture of it runs on.
		sp.sink.retire()
		sp.runner.Close()
	}
	s.smu.Lock()
	sp.building, sp.ready = false, err == nil
	if err != nil && !partial {
		s.sp = nil
	}
	close(sp.done)
	s.smu.Unlock()
	return err
}

// build rebuilds the spare lab to sp.target with a new runner, once the
// runner of the spare before (old) and the one swapped out (retiring) have
// stopped their captures on it.
func (s *labSession) build(ctx context.Context, sp *spareBuild, old *spareBuild, retiring <-chan struct{}) error {
	if retiring != nil {
		<-retiring
	}
	if old != nil && old.runner != nil {
		old.sink.retire()
		old.runner.Close()
	}
	if err := s.waitIdleCPU(ctx); err != nil {
		return err
	}
	if sp.runner != nil { // carried on from the spare before
		return sp.runner.Extend(ctx, sp.target)
	}
	lab, err := s.b.spareLab()
	if err != nil {
		return err
	}
	sink := &packetSink{s: s, next: make(chan Packet, packetBuffer)}
	r := lessons.NewRunner(lab, s.lesson, s.runnerOptions(sink))
	s.smu.Lock()
	sp.runner, sp.sink = r, sink
	s.smu.Unlock()
	// A reset first, then the replay as an Extend, so that a build
	// cancelled between two steps keeps what it replayed (a Goto to the
	// target would count as not whole until its end).
	if err := r.Goto(ctx, 0); err != nil {
		return err
	}
	return r.Extend(ctx, sp.target)
}

// awaitSpare waits, when a spare is being built to n steps, until it has
// ended: a Goto(n) then swaps it in rather than cancelling it and
// replaying the live lab from a reset, which is always further behind. The
// lesson view shows the rebuild's progress meanwhile.
func (s *labSession) awaitSpare(ctx context.Context, n int) {
	s.smu.Lock()
	var done chan struct{}
	if sp := s.sp; sp != nil && sp.building && sp.target == n {
		done = sp.done
	}
	s.smu.Unlock()
	if done == nil {
		return
	}
	s.spareHurry.Store(true) // a build waiting for a free CPU starts now
	select {
	case <-done:
	case <-ctx.Done():
	}
}

// extendSpare brings an idle spare on to n steps, when it holds a replay
// of fewer (lessons.Runner.Extendable), so that a jump ahead (`:N` past
// the step after the spare's) replays only the steps between instead of
// n steps on the live lab from a reset; swapIn then takes it. b.mu is
// held and an op is begun, so no spare is being built. A spare that
// fails to go on is dropped, and the caller rebuilds the live lab.
func (s *labSession) extendSpare(ctx context.Context, n int) {
	s.smu.Lock()
	sp := s.sp
	s.smu.Unlock()
	if sp == nil || sp.building || sp.runner == nil || !sp.runner.Extendable(n) || sp.runner.Next() == 0 {
		return
	}
	err := sp.runner.Extend(ctx, n)
	s.smu.Lock()
	if s.sp != sp { // closed meanwhile: closeSpare has it
		s.smu.Unlock()
		return
	}
	if err == nil {
		sp.target, sp.ready = n, true
		s.smu.Unlock()
		return
	}
	s.sp = nil
	s.smu.Unlock()
	sp.sink.retire()
	sp.runner.Close()
}

// swapIn makes a ready spare holding n steps the live lab, in place of
// rebuilding the live one (Goto). b.mu is held and an op is begun, so no
// spare is being built.
func (s *labSession) swapIn(n int) bool {
	s.smu.Lock()
	sp := s.sp
	if sp == nil || !sp.ready || sp.target != n || s.runner == nil {
		s.smu.Unlock()
		return false
	}
	s.sp = nil
	old, oldSink := s.runner, s.sink
	oldSink.retire()
	sp.sink.goLive()
	s.runner, s.sink = sp.runner, sp.sink
	s.live.Store(sp.runner)
	s.b.swapLabs()
	// The lab as the spare's rebuild read it once its links had settled,
	// as a rebuild's snapshot is read right after the replay; nothing has
	// run in the spare lab since. The Snapshot after the Goto takes it
	// (reading the lab again costs up to tens of ms on a busy machine).
	s.swapSnap = sp.runner.Snapshot()
	done := make(chan struct{})
	s.retiring = done
	s.smu.Unlock()
	// Closing packet sockets waits for the kernel (tens of ms): the next
	// spare build, on that lab, waits for it instead of the learner.
	go func() {
		old.Close()
		close(done)
	}()
	return true
}

// takeSwapSnap returns, once, the snapshot a swap left for the Snapshot
// that follows its Goto (nil: read the lab).
func (s *labSession) takeSwapSnap() *engine.Snapshot {
	s.smu.Lock()
	defer s.smu.Unlock()
	snap := s.swapSnap
	s.swapSnap = nil
	return snap
}

// closeSpare ends the spare at Close: its runner stopped, the swapped-out
// runner waited for, and the lab the backend made for spares closed.
func (s *labSession) closeSpare() {
	s.smu.Lock()
	s.spClosed = true
	sp, retiring := s.sp, s.retiring
	s.sp = nil
	s.smu.Unlock()
	if sp != nil && sp.runner != nil {
		sp.sink.retire()
		sp.runner.Close()
	}
	if retiring != nil {
		<-retiring
	}
	s.b.dropSpareLab()
}

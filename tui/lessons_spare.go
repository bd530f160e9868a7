package tui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/nettutor/nettutor/engine"
	"github.com/nettutor/nettutor/lessons"
	"github.com/nettutor/nettutor/serve/link"
)

// Back a step without waiting for the replay (issue 25). While the learner
// reads step k, a second lab (the spare) is rebuilt to the state after k-1
// steps with the same replay a rebuild runs (lessons.Runner.Goto: every
// earlier action again, traffic included, with the steps' capture points
// running), and Goto(k-1) swaps it in: its runner, its recorded packets and
// its replayed outputs become the session's, exactly as a rebuild of the
// live lab would have made them. The lab that was live becomes the next
// spare and is rebuilt to k-2 when the learner has settled again (with
// two spares, to k-3: see "Back twice in a row" below).
//
// The lab swapped out is not kept for `n` after `p`: it holds the state
// after step k as the learner ran it, expectations' probes and lab shells
// included, which is not what a replay of k steps makes; step k runs live
// on the swapped-in lab, as it would after any rebuild.
//
// The spare is a lab of its own (a keeper, its confinement and limits), so
// it counts against the session: a backend keeps at most maxSpares, none
// unless LabBackend.Spares says so, and a member of nettutor serve at most
// servedSpares. It is never built while a step, a rebuild or an exercise
// runs: every such call cancels a spare being built and waits until it
// has stopped.
//
// Back twice in a row (issue 25). With two spares (a local session), a
// second one, the deep spare, is kept one step further back (k-2), built
// after the first is ready. A swap then makes the deep spare the first,
// already holding the step `p` goes to next, so a second `p` is a swap
// too; the lab swapped out is rebuilt from a reset as the new deep spare
// (k-3), and only a third `p` in a row may wait for a replay, as the
// second did with one spare. A move forward carries both on by Extend.
// Each spare is built as the first is (the same replay, cancelled and
// waited for by beginOp), so what a swap shows is a rebuild's.
// BenchmarkBackTwice, the second `p` from the last step, one spare against
// two in one run (2026-12-07 21:42, load 4.2-5.6, worst of 3): service
// 5269 ms against 1.0 ms, loadbalancer 1902 ms against 4.5 ms. A swap
// does not cancel the deep spare being built (beginMove): it runs nothing
// on any lab, and that build is the next `p`'s.

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

// maxSpares is the most spare labs a backend keeps: two make two `p` in
// a row swaps, and each is a whole lab against the session's budget.
const maxSpares = 2

// servedSpares is the most a member of nettutor serve keeps (its TUI runs
// with link.EnvSpareWhenIdle set): thirty members share two cores, and a
// second lab a member is one more keeper and replay against all of them.
const servedSpares = 1

// spareLabNamespaces is how many empty namespaces a spare lab keeps ready,
// as the TUI's own lab does (cmd/nettutor: a reset's host plus a lesson's
// three or four namespaces): after a swap it is the live lab.
const spareLabNamespaces = 5

// spareBuild is one spare: a runner on the spare lab rebuilt (or being
// rebuilt) to target steps.
type spareBuild struct {
	target   int
	runner   *lessons.Runner
	lab      *engine.Lab // the lab runner drives
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

// spares is how many spare labs the backend keeps (0 to maxSpares; at
// most servedSpares under nettutor serve).
func (b *LabBackend) spares() int {
	n := min(max(b.Spares, 0), maxSpares)
	if os.Getenv(link.EnvSpareWhenIdle) == "1" {
		n = min(n, servedSpares)
	}
	return n
}

// current is the live lab.
func (b *LabBackend) current() *engine.Lab {
	b.labMu.Lock()
	defer b.labMu.Unlock()
	return b.lab
}

// spareLab returns a spare lab other than busy (the other spare's), made
// on first use.
func (b *LabBackend) spareLab(busy *engine.Lab) (*engine.Lab, error) {
	b.labMu.Lock()
	for _, l := range b.spare {
		if l != busy {
			b.labMu.Unlock()
			return l, nil
		}
	}
	failed := b.spareErr
	b.labMu.Unlock()
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
	b.spare = append(b.spare, l)
	b.made = append(b.made, l)
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

// swapLabs makes the spare lab l the live one and the live one a spare.
func (b *LabBackend) swapLabs(l *engine.Lab) {
	b.labMu.Lock()
	defer b.labMu.Unlock()
	for i, sl := range b.spare {
		if sl == l {
			b.spare[i], b.lab = b.lab, l
			return
		}
	}
}

// dropSpareLab closes the labs the backend made for spares, the lab it was
// given being the live one again: a closed lesson leaves no second lab
// (nor its keeper and cgroup) behind; the next lesson makes them anew.
func (b *LabBackend) dropSpareLab() {
	b.labMu.Lock()
	made := b.made
	if slices.Contains(made, b.lab) {
		for _, l := range b.spare {
			if !slices.Contains(made, l) {
				b.lab = l // the one given
			}
		}
	}
	b.made, b.spare = nil, nil
	b.labMu.Unlock()
	for _, l := range made {
		_ = l.Close()
	}
}

// beginOp starts a call that uses or moves the live lab: the spares being
// built are cancelled, and waited for, so that they take no CPU from the
// step and no spare starts until endOp.
func (s *labSession) beginOp() { s.beginMove(-1) }

// beginMove is beginOp for a Goto(n): when the first spare is ready at n
// (the move is a swap, which runs nothing), the deep spare being built to
// n-1 is left to go on: it is the next `p`'s, and a swap waits for no
// replayed step to end.
func (s *labSession) beginMove(n int) {
	s.smu.Lock()
	s.active++
	s.swapSnap = nil
	swap := n >= 0 && s.sp != nil && s.sp.ready && s.sp.target == n
	s.smu.Unlock()
	if !swap {
		s.cancelSpares()
	}
}

// cancelSpares cancels the spares being built and waits until they have
// stopped. An op is begun, so none starts meanwhile.
func (s *labSession) cancelSpares() {
	s.smu.Lock()
	var wait []chan struct{}
	for _, sp := range []*spareBuild{s.sp, s.deep} {
		if sp != nil && sp.building {
			sp.cancel()
			wait = append(wait, sp.done)
		}
	}
	s.smu.Unlock()
	for _, w := range wait {
		<-w
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

// deepSpareWait is how long a learner reads a step before the deep spare
// starts to build. A learner who goes on sooner never pays for it: the
// next step would cancel the build and wait for its replayed step to end
// (stepCancelGrace), and a fast reader paid for that on every step
// (BenchmarkStepWithSpares, service lesson, 300 ms of reading: 443 ms a
// step with one spare, 525 with two, 2026-12-07). One who reads longer
// has it before a second `p`.
const deepSpareWait = 1500 * time.Millisecond

// deepWait is the backend's DeepWait, or its default.
func (b *LabBackend) deepWait() time.Duration {
	switch {
	case b.DeepWait < 0:
		return 0
	case b.DeepWait == 0:
		return deepSpareWait
	}
	return b.DeepWait
}

// PrepareBack implements spareSession. It runs in a tea.Cmd of its own
// while the learner reads. With two spares, once the first is ready and
// the learner has read on for deepWait, it starts the deep one (n-1
// steps) in the background, which it does not wait for: the view's answer
// is about the first. If the learner moved meanwhile, the deep build is
// stale and does not start (prepare).
func (s *labSession) PrepareBack(ctx context.Context, n int) error {
	if s.b.spares() == 0 {
		return errSpareOff
	}
	err := s.prepare(ctx, &s.sp, n)
	if err == nil && s.b.spares() > 1 && n >= 1 {
		dctx := context.WithoutCancel(ctx)
		go func() {
			time.Sleep(s.b.deepWait())
			derr := s.prepare(dctx, &s.deep, n-1)
			if f := s.deepBuilt; f != nil {
				f(n-1, derr)
			}
		}()
	}
	return err
}

// prepare rebuilds the spare in slot (s.sp, or s.deep one step further
// back) to n steps, n being pos-1 for s.sp and pos-2 for s.deep. One
// build runs at a time: the first spare's cancels the deep one's and
// waits for it, and the deep one is not started while the first builds.
func (s *labSession) prepare(ctx context.Context, slot **spareBuild, n int) error {
	deep := slot == &s.deep
	back := 1
	if deep {
		back = 2
	}
	s.smu.Lock()
	for {
		if !deep && s.deep != nil && s.deep.building && !(s.sp != nil && s.sp.ready && s.sp.target == n) {
			// The first spare comes first: the deep one stops between
			// two steps, kept, and is carried on after.
			d := s.deep
			d.cancel()
			s.smu.Unlock()
			<-d.done
			s.smu.Lock()
			continue
		}
		if s.spClosed || s.active > 0 || n < 0 || n != s.pos-back {
			s.smu.Unlock()
			return errSpareStale
		}
		if deep && (s.sp == nil || s.sp.building) {
			s.smu.Unlock()
			return errSpareStale // the first spare is not there or busy
		}
		old := *slot
		if old != nil && old.building && !deep && old.target == n {
			// The deep spare, swapped up while it was built (beginMove):
			// its build is this one; its end is the answer.
			s.smu.Unlock()
			select {
			case <-old.done:
			case <-ctx.Done():
				return ctx.Err()
			}
			s.smu.Lock()
			continue
		}
		if old != nil && old.building {
			s.smu.Unlock()
			return errSpareStale // an earlier call builds; this one is late
		}
		break
	}
	old := *slot
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
		sp.runner, sp.sink, sp.lab = old.runner, old.sink, old.lab
		old = nil
	}
	*slot = sp
	retiring := s.retiring
	var busy *engine.Lab // the other spare's lab
	if other := s.sp; deep && other != nil {
		busy = other.lab
	} else if other := s.deep; !deep && other != nil {
		busy = other.lab
	}
	s.smu.Unlock()

	err := s.build(ctx, sp, old, retiring, busy)
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
		// In the slot it started in, or swapped up to the first.
		if s.sp == sp {
			s.sp = nil
		}
		if s.deep == sp {
			s.deep = nil
		}
	}
	close(sp.done)
	s.smu.Unlock()
	return err
}

// build rebuilds the spare lab to sp.target with a new runner, once the
// runner of the spare before (old) and the one swapped out (retiring) have
// stopped their captures on it; busy is the other spare's lab, not to be
// taken.
func (s *labSession) build(ctx context.Context, sp *spareBuild, old *spareBuild, retiring <-chan struct{}, busy *engine.Lab) error {
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
	lab, err := s.b.spareLab(busy)
	if err != nil {
		return err
	}
	sink := &packetSink{s: s, next: make(chan Packet, packetBuffer)}
	r := lessons.NewRunner(lab, s.lesson, s.runnerOptions(sink))
	s.smu.Lock()
	sp.runner, sp.sink, sp.lab = r, sink, lab
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
// first spare is being built; the deep one may be (beginMove), on a lab
// of its own, and goes on as the first.
func (s *labSession) swapIn(n int) bool {
	s.smu.Lock()
	sp := s.sp
	if sp == nil || !sp.ready || sp.target != n || s.runner == nil {
		s.smu.Unlock()
		return false
	}
	// The deep spare, a step behind, is now the first: it holds the step
	// a second `p` goes to. The lab swapped out is rebuilt as the next
	// deep one.
	s.sp, s.deep = s.deep, nil
	old, oldSink := s.runner, s.sink
	oldSink.retire()
	sp.sink.goLive()
	s.runner, s.sink = sp.runner, sp.sink
	s.live.Store(sp.runner)
	s.b.swapLabs(sp.lab)
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
	sps, retiring := []*spareBuild{s.sp, s.deep}, s.retiring
	s.sp, s.deep = nil, nil
	s.smu.Unlock()
	for _, sp := range sps {
		if sp != nil && sp.runner != nil {
			sp.sink.retire()
			sp.runner.Close()
		}
	}
	if retiring != nil {
		<-retiring
	}
	s.b.dropSpareLab()
}

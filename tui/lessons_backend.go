package tui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nettutor/nettutor/engine"
	"github.com/nettutor/nettutor/engine/capture"
	"github.com/nettutor/nettutor/lessons"
)

// packetBuffer is how many packets may wait for the UI before new ones are
// counted as dropped.
const packetBuffer = 16384

// LabBackend serves the built-in lessons on one lab, reset for each lesson.
type LabBackend struct {
	mu sync.Mutex // one runner call at a time on the lab
	// Lessons, when set, replaces the built-in lessons (tests, own files).
	List func() ([]*lessons.Lesson, error)
	// Spares is how many spare labs an open lesson keeps rebuilt one step
	// back, so that `p` swaps one in rather than replaying the lesson
	// (lessons_spare.go): 0 (none, the default), 1, or 2 (a second one a
	// step further back, so that two `p` in a row are swaps); more count as
	// 2, and a member of nettutor serve keeps at most 1. A spare is a whole
	// lab, with its own confinement and limits.
	Spares int
	// DeepWait is how long a learner reads a step before the deep spare
	// (the second of two) starts to build: 0 is deepSpareWait, below 0
	// no wait (tests). See PrepareBack.
	DeepWait time.Duration
	// NewLab, when set, makes the spare lab (tests); by default it is a lab
	// like the TUI's own.
	NewLab func() (*engine.Lab, error)

	labMu sync.Mutex
	lab   *engine.Lab   // the live lab
	spare []*engine.Lab // the spares' labs (not the live one), made on first use
	made  []*engine.Lab // the labs made for spares, closed with the lesson
	// spareErr is why no spare lab could be made: not tried again.
	spareErr error
}

// NewLabBackend returns a backend over lab (made inside the sandbox).
func NewLabBackend(lab *engine.Lab) *LabBackend { return &LabBackend{lab: lab} }

// Close closes the lab the backend made for spares, if a lesson still
// holds one; the lab it was given is the caller's to close.
func (b *LabBackend) Close() error {
	b.dropSpareLab()
	return nil
}

func (b *LabBackend) all() ([]*lessons.Lesson, error) {
	if b.List != nil {
		return b.List()
	}
	return lessons.Builtin()
}

// Lessons implements Backend.
func (b *LabBackend) Lessons(lang string) ([]LessonInfo, error) {
	ls, err := b.all()
	if err != nil && len(ls) == 0 {
		return nil, err
	}
	out := make([]LessonInfo, 0, len(ls))
	for _, l := range ls {
		out = append(out, lessonInfo(l, lang))
	}
	return out, nil
}

func lessonInfo(l *lessons.Lesson, lang string) LessonInfo {
	li := LessonInfo{ID: l.ID, Title: l.Title.Get(lang), Summary: l.Summary.Get(lang), Steps: len(l.Steps), Nodes: l.DiagramNodes()}
	for _, st := range l.Steps {
		li.StepTitles = append(li.StepTitles, st.Title.Get(lang))
	}
	for _, e := range l.Exercises {
		li.Exercises = append(li.Exercises, ExerciseInfo{ID: e.ID, Title: e.Title.Get(lang)})
	}
	return li
}

// Open implements Backend: it resets the lab and starts a runner.
func (b *LabBackend) Open(ctx context.Context, id, lang string) (Session, error) {
	ls, _ := b.all()
	var les *lessons.Lesson
	for _, l := range ls {
		if l.ID == id {
			les = l
		}
	}
	if les == nil {
		return nil, fmt.Errorf("unknown lesson %q", id)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	lab := b.current()
	if err := lab.Reset(); err != nil {
		return nil, fmt.Errorf("reset the lab: %w", err)
	}
	s := &labSession{b: b, lesson: les, lang: lang, ch: make(chan Packet, packetBuffer), budget: capture.NewBudget()}
	s.newRunner(lab)
	return s, nil
}

type labSession struct {
	b      *LabBackend
	lesson *lessons.Lesson
	lang   string
	runner *lessons.Runner

	ws *lessons.Workspace // the exercise's, between StartExercise and Goto

	pmu    sync.Mutex
	ch     chan Packet
	seq    int
	closed bool
	drops  atomic.Uint64
	ev     chan<- ActionEvent             // the running step's events; nil between steps
	live   atomic.Pointer[lessons.Runner] // runner, for Drops from the packet goroutine

	nmu     sync.Mutex
	results []*lessons.StepResult // what each step gave, for the note (note.go)

	sink *packetSink // the live runner's (b.mu)

	// The spare (lessons_spare.go), under smu.
	smu      sync.Mutex
	sp       *spareBuild
	deep     *spareBuild   // the second spare, a step behind sp (two spares)
	active   int           // calls on the live lab under way (beginOp)
	pos      int           // steps the live lab holds; -1 in an exercise
	retiring chan struct{} // closed once the runner swapped out has stopped
	spClosed bool
	swapSnap *engine.Snapshot // the swapped-in lab's, for the next Snapshot
	// spareHurry ends a spare build's wait for a free CPU: the learner
	// waits for the spare (spare_idle.go).
	spareHurry atomic.Bool
	// deepBuilt, when set, is told how each deep spare's build ended
	// (tests and benchmarks wait for it).
	deepBuilt func(n int, err error)

	// budget is the session's capture budget (capture_budget.go): the
	// spare's capture points count against it too; queued is the frame
	// bytes waiting on ch for the UI.
	budget *capture.Budget
	queued atomic.Int64
}

// runnerOptions wire a runner to the session through sink: packets and
// action reports to the UI, and a fresh packet stream when the lab is
// rebuilt, before the replayed steps' packets arrive on it.
func (s *labSession) runnerOptions(sink *packetSink) lessons.Options {
	return lessons.Options{OnPacket: sink.packet, OnAction: s.onAction, OnRebuild: sink.rebuild, Lang: s.lang, Budget: s.budget}
}

// newRunner starts a fresh runner on lab as the live one. b.mu held.
func (s *labSession) newRunner(lab *engine.Lab) {
	s.sink = &packetSink{s: s, live: true}
	s.runner = lessons.NewRunner(lab, s.lesson, s.runnerOptions(s.sink))
	s.live.Store(s.runner)
}

func (s *labSession) onPacket(p lessons.Packet) {
	s.pmu.Lock()
	defer s.pmu.Unlock()
	if s.closed {
		return
	}
	s.seq++
	tp := Packet{Seq: s.seq, Time: p.Time, Point: p.Point, Src: p.Src, Dst: p.Dst, Proto: p.Proto,
		Summary: p.Summary, Len: p.Len, Data: p.Data, Out: p.Out}
	s.offer(tp)
}

// newStream replaces the packet channel (after the lab was rebuilt).
func (s *labSession) newStream() { s.newStreamOn(nil) }

// newStreamOn replaces the packet channel with ch (made ahead: a swap
// must not wait for a packetBuffer-long channel to be allocated), or a
// new one when ch is nil.
func (s *labSession) newStreamOn(ch chan Packet) {
	if ch == nil {
		ch = make(chan Packet, packetBuffer)
	}
	s.pmu.Lock()
	defer s.pmu.Unlock()
	if !s.closed {
		close(s.ch)
	}
	s.ch = ch
	s.queued.Store(0)
	s.seq = 0
	s.drops.Store(0)
}

func (s *labSession) Info() LessonInfo { return lessonInfo(s.lesson, s.lang) }

func (s *labSession) Steps() []StepInfo {
	out := make([]StepInfo, 0, len(s.lesson.Steps))
	for _, st := range s.lesson.Steps {
		si := StepInfo{ID: st.ID, Title: st.Title.Get(s.lang), Text: st.Text.Get(s.lang)}
		for _, a := range st.Actions {
			si.Commands = append(si.Commands, a.Command())
		}
		for _, c := range st.Captures {
			si.Captures = append(si.Captures, c.Command())
		}
		if st.Predict != nil {
			si.Predict = &Predict{Question: st.Predict.Question.Get(s.lang), Answer: st.Predict.Answer.Get(s.lang)}
		}
		out = append(out, si)
	}
	return out
}

func (s *labSession) Exercises() []ExerciseDetail {
	var out []ExerciseDetail
	for _, e := range s.lesson.Exercises {
		// A troubleshooting exercise's solution is the one for the fault
		// this learner's lab gets (the seed StartExercise uses).
		sol := e.SolutionFor(e.PickFault(lessons.Seed(lessons.LearnerName())))
		ed := ExerciseDetail{ID: e.ID, Title: e.Title.Get(s.lang), Goal: e.Goal.Get(s.lang), Solution: sol}
		for _, c := range e.Checks {
			if h := c.Hint.Get(s.lang); h != "" {
				ed.Hints = append(ed.Hints, h)
			}
		}
		out = append(out, ed)
	}
	return out
}

func (s *labSession) RunStep(ctx context.Context, i int, ev chan<- ActionEvent) StepResult {
	s.beginOp()
	s.b.mu.Lock()
	defer s.b.mu.Unlock()
	if s.runner == nil {
		s.endOp(-1)
		return StepResult{Err: errors.New("the lesson is closed")}
	}
	// The runner reports each action as it starts and ends (onAction).
	s.ev = ev
	res, err := s.runner.RunStep(ctx, i)
	s.ev = nil
	s.endOp(s.runner.Next())
	if err != nil {
		return StepResult{Err: err}
	}
	s.keepResult(i, res)
	out := StepResult{Actions: actionEvents(res, s.lang)}
	if res.NotRun != nil {
		out.NotRun = res.NotRun.Text(s.lang)
	}
	for _, e := range res.Expect {
		out.Expects = append(out.Expects, ExpectResult{Text: e.Desc, OK: e.OK, Detail: e.Detail})
	}
	for _, ce := range res.CaptureErrs {
		out.Expects = append(out.Expects, ExpectResult{Text: "capture", OK: false, Detail: ce.Error()})
	}
	if res.SnapshotErr != nil {
		out.Err = res.SnapshotErr
	}
	return out
}

// onAction forwards the runner's per-action reports to the step's event
// channel. It runs inside RunStep (which holds the backend lock), so it
// must not lock; a full channel drops the event rather than stall the lab.
func (s *labSession) onAction(step, index int, done bool, ar lessons.ActionResult) {
	if s.ev == nil {
		return
	}
	ae := ActionEvent{Step: step, Index: index, Command: ar.Command, Running: !done}
	if done {
		ae.OK, ae.Output, ae.Duration = ar.OK, ar.Output, ar.Duration
		if ar.Err != nil && !ar.OK {
			ae.Err = engine.ErrorText(ar.Err, s.lang) // the learner's language
		}
	}
	select {
	case s.ev <- ae:
	default:
	}
}

func (s *labSession) Goto(ctx context.Context, n int) error {
	s.awaitSpare(ctx, n)
	s.beginMove(n)
	s.b.mu.Lock()
	defer s.b.mu.Unlock()
	if s.runner == nil {
		s.endOp(-1)
		return errors.New("the lesson is closed")
	}
	s.ws = nil
	// A spare rebuilt to n is the same rebuild, made while the learner
	// read: it is swapped in, with the packets and outputs it recorded.
	if s.swapIn(n) {
		s.endOp(n)
		return nil
	}
	s.cancelSpares() // not a swap: nothing is built while the lab moves
	// A jump ahead: the spare, carried on to n, is further than a reset.
	if s.extendSpare(ctx, n); s.swapIn(n) {
		s.endOp(n)
		return nil
	}
	// The runner starts a new stream (OnRebuild) once the old captures
	// have stopped: nothing of the undone steps reaches the list, and the
	// packets of the replayed steps do, as they did the first time.
	err := s.runner.Goto(ctx, n)
	if err != nil {
		s.endOp(-1)
		return err
	}
	s.endOp(n)
	return nil
}

// Replayed implements replayer: the steps the last Goto replayed, with
// their fresh outputs, as RunStep reports a step (no expectations: they
// were not evaluated again).
func (s *labSession) Replayed() []StepResult {
	s.b.mu.Lock()
	defer s.b.mu.Unlock()
	if s.runner == nil {
		return nil
	}
	var out []StepResult
	for _, res := range s.runner.Replayed() {
		sr := StepResult{Actions: actionEvents(res, s.lang)}
		if res.NotRun != nil { // skipped in the replay as in the first run
			sr.NotRun = res.NotRun.Text(s.lang)
		}
		out = append(out, sr)
	}
	return out
}

// actionEvents is a runner step's actions as the step pane shows them.
func actionEvents(res *lessons.StepResult, lang string) []ActionEvent {
	var out []ActionEvent
	for j, a := range res.Actions {
		ae := ActionEvent{Step: res.Index, Index: j, Command: a.Command, OK: a.OK, Output: a.Output, Duration: a.Duration}
		if a.Err != nil && !a.OK {
			ae.Err = engine.ErrorText(a.Err, lang)
		}
		out = append(out, ae)
	}
	return out
}

func (s *labSession) Snapshot(ctx context.Context) (*engine.Snapshot, error) {
	if snap := s.takeSwapSnap(); snap != nil {
		return snap, nil
	}
	return s.b.current().Snapshot()
}

// Shell is a lab shell; in an exercise it works in the exercise's
// workspace ($EXERCISE_DIR set, sbin on PATH), as answers do.
func (s *labSession) Shell(ns string) *exec.Cmd {
	cmd := s.b.current().Shell(ns)
	s.b.mu.Lock()
	ws := s.ws
	s.b.mu.Unlock()
	if ws != nil {
		ws.Prepare(cmd)
	}
	return cmd
}

func (s *labSession) exercise(id string) (*lessons.Exercise, error) {
	e := s.lesson.Exercise(id)
	if e == nil {
		return nil, fmt.Errorf("lesson %s has no exercise %q", s.lesson.ID, id)
	}
	return e, nil
}

func (s *labSession) StartExercise(ctx context.Context, id string) (string, error) {
	e, err := s.exercise(id)
	if err != nil {
		return "", err
	}
	s.beginOp()
	defer s.endOp(-1) // no spare is built for an exercise's lab
	s.b.mu.Lock()
	defer s.b.mu.Unlock()
	if s.runner == nil {
		return "", errors.New("the lesson is closed")
	}
	s.runner.Close()
	s.sink.retire()
	s.newStream()
	lab := s.b.current()
	if err := lab.Reset(); err != nil {
		return "", fmt.Errorf("reset the lab: %w", err)
	}
	// The runner must rebuild from scratch when the learner goes back to
	// the steps: a fresh runner on the reset lab.
	s.newRunner(lab)
	// A troubleshooting exercise breaks the lab in the way this learner's
	// seed picks (their name: neighbours differ); the fault's setup is
	// never shown.
	ws, _, err := e.StartWith(ctx, lab, lessons.StartOptions{Seed: lessons.Seed(lessons.LearnerName())})
	if err != nil {
		return "", err
	}
	s.ws = ws
	return ws.Note, nil
}

func (s *labSession) Check(ctx context.Context, id string) ([]CheckResult, error) {
	e, err := s.exercise(id)
	if err != nil {
		return nil, err
	}
	s.b.mu.Lock()
	defer s.b.mu.Unlock()
	env := &lessons.Env{}
	if s.ws != nil {
		env = s.ws.Env()
	}
	env.Lang = s.lang
	var out []CheckResult
	for _, r := range e.Check(ctx, s.b.current(), env) {
		cr := CheckResult{ID: r.Desc, OK: r.OK, Detail: r.Detail, Journey: r.Journey}
		if cr.ID == "" {
			cr.ID = r.ID
		}
		if !r.OK {
			cr.Hint = r.Hint.Get(s.lang)
			cr.Fix = r.Fix.Get(s.lang)
		}
		out = append(out, cr)
	}
	return out, nil
}

func (s *labSession) Packets() <-chan Packet {
	s.pmu.Lock()
	defer s.pmu.Unlock()
	return s.ch
}

// Drops counts the packets the kernel dropped before the capture read
// them, plus those the UI let go under a flood.
func (s *labSession) Drops() uint64 {
	n := s.drops.Load()
	if r := s.live.Load(); r != nil {
		n += r.KernelDrops()
	}
	return n
}

func (s *labSession) Detail(p Packet) []Layer { return CaptureLayers(p.Data) }

// CaptureLayers is the engine's packet detail (capture.Detail) as the
// packets pane shows it.
func CaptureLayers(data []byte) []Layer {
	var out []Layer
	for _, l := range capture.Detail(data) {
		name := l.Name
		if l.Summary != "" {
			name += " · " + l.Summary
		}
		// The layers of the frame inside a VXLAN packet: marked as
		// carried in it.
		name = strings.Repeat("⊂ ", l.Depth) + name
		tl := Layer{Name: name, Offset: l.Offset, Length: l.Length}
		for _, f := range l.Fields {
			tl.Fields = append(tl.Fields, Field{Name: f.Name, Value: f.Value})
		}
		out = append(out, tl)
	}
	return out
}

func (s *labSession) WritePcap(path string) (int, error) {
	s.b.mu.Lock()
	r := s.runner
	s.b.mu.Unlock()
	if r == nil {
		return 0, errors.New("the lesson is closed")
	}
	pkts := lessons.ToCapture(r.Packets())
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	if err := capture.WritePcap(f, pkts); err != nil {
		f.Close()
		return 0, err
	}
	return len(pkts), f.Close()
}

func (s *labSession) Close() error {
	s.beginOp()
	defer s.endOp(-1)
	s.b.mu.Lock()
	defer s.b.mu.Unlock()
	if s.runner != nil {
		s.runner.Close()
		s.runner = nil
		s.live.Store(nil)
	}
	s.closeSpare()
	s.pmu.Lock()
	if !s.closed {
		s.closed = true
		close(s.ch)
	}
	s.pmu.Unlock()
	return nil
}

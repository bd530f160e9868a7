package tui

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/nettutor/nettutor/engine"
)

type pane int

const (
	paneSteps pane = iota
	paneTopo
	panePackets
	paneCount
)

// stepRun is what the learner saw of one step.
type stepRun struct {
	actions  []ActionEvent
	expects  []ExpectResult
	notRun   string // why the lab did not run the step (StepResult.NotRun)
	err      error
	running  bool
	done     bool
	restored bool // run in an earlier visit; only its commands are known
}

func (r *stepRun) ok() bool {
	if r.err != nil {
		return false
	}
	for _, a := range r.actions {
		if !a.OK && !a.Running {
			return false
		}
	}
	for _, e := range r.expects {
		if !e.OK {
			return false
		}
	}
	return true
}

// exerciseState is exercise mode.
type exerciseState struct {
	on       bool
	idx      int
	results  []CheckResult
	checked  bool
	passed   bool
	hints    int
	fixes    bool // h after a failed check: each failed check's fix (the command) shown
	solution bool
	ready    bool   // the lab holds the exercise's setup
	note     string // what this machine cannot do for it
}

// rect is a pane's place on the screen, for the mouse.
type rect struct{ x, y, w, h int }

func (r rect) has(x, y int) bool { return x >= r.x && x < r.x+r.w && y >= r.y && y < r.y+r.h }

// lessonModel is the lesson view: steps, topology and packets panes, and
// exercise mode.
type lessonModel struct {
	c        *Common
	progress *Progress
	id       string
	lang     string

	sess      Session
	info      LessonInfo
	steps     []StepInfo
	exercises []ExerciseDetail
	gen       int // bumped whenever the lab is rebuilt; stale replies drop
	pgen      int // packet stream generation
	pktCh     <-chan Packet

	settleSeq int // the running settle watch (topology_settle.go)

	pos     int // steps the lab holds
	spare   spareState
	runs    []stepRun
	busy    string
	opening bool

	snap     *engine.Snapshot
	changed  ChangeSet
	selNS    string
	userSel  bool     // the learner picked selNS
	nsOrder  []string // namespaces in the order the lesson creates them
	selMoved bool     // scroll the diagram to the selection

	focus  pane
	scroll [paneCount]int
	follow bool
	zoomed bool // the focused pane fills the screen (z): read it whole, copy from it
	pk     packetPane
	ex     exerciseState
	x      lessonExtra  // restart, jump, a broken lab after a shell (lesson_keys.go)
	pr     predictState // the predict gate and the solution's confirmation (predict.go)

	shellCap ShellCapture // an exercise's lab shell being captured (shell_capture.go)

	spin           int  // spinner frame
	ticking        bool // a spinner tick is on its way
	status         string
	statusBad      bool
	progressWarned bool

	topoCache struct {
		snap    *engine.Snapshot
		changed ChangeSet
		w, h    int
		sel     string
		lines   []string
	}
	rects      [paneCount]rect
	blockStart int // the step pane's newest block, for following
	blockEnd   int

	// stepsGen counts the messages that may change the step pane (all
	// but packets and the spinner's ticks); stepsCache is the pane's body
	// as View last drew it (stepsBody).
	stepsGen   int
	stepsCache stepsCache
	// stepsScratch is a slice stepLines draws into, left over from a
	// drawing that changed nothing (stepsBody).
	stepsScratch []string
	memo         blockMemo // step texts and actions as drawn (lesson_memo.go)
	// boxCache holds each pane's box as last drawn (paneBox).
	boxCache [paneCount]boxCache
	// linesBox is the packets pane's box as last drawn (paneBoxLines),
	// footerCache the keys' help line (footer).
	linesBox    linesBoxCache
	footerCache footerCache
}

func newLesson(c *Common, p *Progress, id string) *lessonModel {
	return &lessonModel{c: c, progress: p, id: id, lang: c.Lang, opening: true, follow: true, pk: newPacketPane(c), changed: ChangeSet{}}
}

// openSession opens the lesson in a tea.Cmd.
func openSession(b Backend, id, lang string) tea.Cmd {
	return func() tea.Msg {
		s, err := b.Open(context.Background(), id, lang)
		return sessionMsg{id: id, sess: s, err: err}
	}
}

func (m *lessonModel) snapshotCmd(pos int, why string) tea.Cmd {
	sess, gen := m.sess, m.gen
	return func() tea.Msg {
		s, err := sess.Snapshot(context.Background())
		return labMsg{gen: gen, pos: pos, snap: s, err: err, why: why}
	}
}

// replayer is a Session that reports what its last Goto replayed: each
// earlier step's actions run again, with the outputs of the rebuilt lab.
type replayer interface {
	Replayed() []StepResult
}

// rebuiltMsg is a labMsg after a Goto, with the replayed steps' results.
type rebuiltMsg struct {
	labMsg
	replayed []StepResult
}

func (m *lessonModel) gotoCmd(n int, why string) tea.Cmd {
	m.gen++
	m.dropSpare()
	sess, gen := m.sess, m.gen
	return func() tea.Msg {
		ctx := context.Background()
		err := sess.Goto(ctx, n)
		var rep []StepResult
		if r, ok := sess.(replayer); ok {
			rep = r.Replayed()
		}
		if err != nil {
			return rebuiltMsg{labMsg{gen: gen, pos: -1, err: err, why: why}, rep}
		}
		s, err := sess.Snapshot(ctx)
		return rebuiltMsg{labMsg{gen: gen, pos: n, snap: s, err: err, why: why}, rep}
	}
}

func waitAction(gen int, ch <-chan ActionEvent) tea.Cmd {
	return func() tea.Msg {
		ev, ok := <-ch
		if !ok {
			return nil
		}
		return actionMsg{gen: gen, ev: ev, ch: ch}
	}
}

func (m *lessonModel) runStepCmd(i int) tea.Cmd {
	sess, gen := m.sess, m.gen
	ch := make(chan ActionEvent, 16)
	run := func() tea.Msg {
		ctx := context.Background()
		res := sess.RunStep(ctx, i, ch)
		close(ch)
		snap, err := sess.Snapshot(ctx)
		return stepDoneMsg{gen: gen, step: i, res: res, snap: snap, err: err}
	}
	return tea.Batch(run, waitAction(gen, ch))
}

func (m *lessonModel) armPackets() tea.Cmd {
	if m.sess == nil {
		return nil
	}
	ch := m.sess.Packets()
	if ch == m.pktCh && ch != nil {
		return nil // the waiter on this channel is still armed
	}
	m.pgen++
	m.pktCh = ch
	return waitSession(m.pgen, ch, m.sess)
}

func (m *lessonModel) saveProgress() tea.Cmd {
	if m.progress == nil {
		return nil
	}
	m.progress.SetStep(m.id, m.pos, len(m.steps))
	path, b := m.progress.Path, m.progress.Marshal()
	return func() tea.Msg {
		if err := writeProgress(path, b); err != nil {
			return progressErrMsg{err}
		}
		return nil
	}
}

func (m *lessonModel) setStatus(s string, bad bool) { m.status, m.statusBad = s, bad }

// spinFrames animate the busy mark in the header.
var spinFrames = []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}

type spinMsg struct{}

// Update handles a message for the lesson view; while something runs, a
// spinner ticks.
func (m *lessonModel) Update(msg tea.Msg) (*lessonModel, tea.Cmd) {
	if _, ok := msg.(spinMsg); ok {
		m.spin++
		if m.busy == "" {
			m.ticking = false
			return m, nil
		}
		return m, tea.Tick(100*time.Millisecond, func(time.Time) tea.Msg { return spinMsg{} })
	}
	if _, ok := msg.(packetsMsg); !ok {
		m.stepsGen++
	}
	m, cmd := m.update(msg)
	if m.busy != "" && !m.ticking {
		m.ticking = true
		cmd = tea.Batch(cmd, tea.Tick(100*time.Millisecond, func(time.Time) tea.Msg { return spinMsg{} }))
	}
	return m, cmd
}

func (m *lessonModel) update(msg tea.Msg) (*lessonModel, tea.Cmd) {
	switch msg := msg.(type) {
	case sessionMsg:
		if msg.err != nil {
			return m, func() tea.Msg { return fatalMsg{msg.err} }
		}
		m.opening = false
		m.sess = msg.sess
		m.info = msg.sess.Info()
		m.steps = msg.sess.Steps()
		m.memo = blockMemo{} // drawn from the steps before
		m.exercises = msg.sess.Exercises()
		m.runs = make([]stepRun, len(m.steps))
		m.nsOrder = namespaceOrder(m.steps)
		m.pk.layers = func(p Packet) []Layer {
			if l := msg.sess.Detail(p); l != nil {
				return l
			}
			return DecodeLayers(p.Data)
		}
		resume := 0
		if lp := m.progress.Lessons[m.id]; lp != nil && lp.Step > 0 && lp.Step < len(m.steps) {
			resume = min(lp.Step, len(m.steps))
		}
		cmds := []tea.Cmd{m.armPackets()}
		if resume > 0 {
			m.busy = m.rebuildBusy(resume)
			cmds = append(cmds, m.gotoCmd(resume, "resume"))
		} else {
			cmds = append(cmds, m.snapshotCmd(0, "open"))
		}
		return m, tea.Batch(cmds...)

	case rebuiltMsg:
		if msg.gen != m.gen {
			return m, nil
		}
		m, cmd := m.update(msg.labMsg)
		// What the step pane shows of the steps before is what they print
		// now (a new namespace's inode, the rebuilt lab's ping), not what
		// they printed before the rebuild.
		for i, r := range msg.replayed {
			if i < len(m.runs) && i < m.pos && m.runs[i].done && !m.runs[i].restored {
				m.runs[i].actions, m.runs[i].notRun = r.Actions, r.NotRun
			}
		}
		return m, cmd

	case shellLabMsg:
		return m.shellLab(msg)

	case rebuildMsg:
		return m.rebuilt(msg)

	case spareMsg:
		m.spared(msg)
		return m, nil

	case settleMsg:
		return m.settled(msg)

	case labMsg:
		if msg.gen != m.gen {
			return m, nil
		}
		m.busy = ""
		if msg.err != nil {
			m.setStatus("✗ "+m.c.ErrText(msg.err), true)
			if msg.snap == nil {
				return m, nil
			}
		}
		var cmds []tea.Cmd
		if msg.pos >= 0 && msg.why != "shell" && msg.why != "exercise" {
			restored := msg.why == "resume"
			for i := range m.runs {
				if i >= msg.pos {
					m.runs[i] = stepRun{}
				} else if restored || !m.runs[i].done {
					m.runs[i] = stepRun{done: true, restored: true}
				}
			}
			if msg.pos != m.pos || restored {
				m.pos = msg.pos
				cmds = append(cmds, m.saveProgress())
			}
			if msg.why == "back" {
				m.setStatus(m.c.Tf("tui.status.back", m.pos), false)
			}
		}
		if msg.why != "shell" {
			m.pk.reset()
			cmds = append(cmds, m.armPackets())
		}
		m.setSnap(msg.snap, msg.why == "shell" || msg.why == "back")
		if msg.why == "exercise" {
			m.ex.ready, m.ex.note = true, msg.note
			// Answers are typed in the lab host, as the seed's commands are.
			m.selNS, m.userSel = engine.HostNS, true
		}
		m.follow = true
		cmds = append(cmds, m.watchSettle(msg.snap))
		if msg.pos >= 0 && msg.why != "shell" && msg.why != "exercise" {
			cmds = append(cmds, m.prepareSpare())
		}
		return m, tea.Batch(cmds...)

	case actionMsg:
		if msg.gen != m.gen || msg.ev.Step >= len(m.runs) || !m.runs[msg.ev.Step].running {
			return m, nil
		}
		r := &m.runs[msg.ev.Step]
		if msg.ev.Index < len(r.actions) {
			r.actions[msg.ev.Index] = msg.ev
		} else {
			for len(r.actions) < msg.ev.Index {
				r.actions = append(r.actions, ActionEvent{})
			}
			r.actions = append(r.actions, msg.ev)
		}
		m.follow = true
		return m, waitAction(msg.gen, msg.ch)

	case stepDoneMsg:
		if msg.gen != m.gen || msg.step >= len(m.runs) {
			return m, nil
		}
		m.busy = ""
		r := &m.runs[msg.step]
		r.running, r.done = false, true
		if len(msg.res.Actions) > 0 || msg.res.Err != nil {
			r.actions = msg.res.Actions
		}
		r.expects, r.err, r.notRun = msg.res.Expects, msg.res.Err, msg.res.NotRun
		m.pos = msg.step + 1
		if msg.err != nil {
			m.setStatus("✗ "+msg.err.Error(), true)
		} else if r.notRun != "" && r.ok() {
			m.setStatus(m.c.Tf("needs.status", msg.step+1), false)
		} else if r.ok() {
			m.setStatus(m.c.Tf("tui.status.stepok", msg.step+1), false)
		} else {
			m.setStatus(m.c.Tf("tui.status.stepfail", msg.step+1), true)
		}
		if msg.snap != nil {
			m.setSnap(msg.snap, true)
		}
		m.follow = true
		return m, tea.Batch(m.saveProgress(), m.watchSettle(msg.snap), m.prepareSpare())

	case packetsMsg:
		if msg.gen != m.pgen {
			return m, nil
		}
		if msg.done {
			return m, nil
		}
		m.pk.setBudget(msg.budget)
		m.pk.add(msg.pkts, msg.drops)
		if m.sess == nil {
			return m, nil // the lesson was left meanwhile: nothing more to wait for
		}
		return m, waitSession(msg.gen, msg.ch, m.sess)

	case shellDoneMsg:
		if msg.err != nil {
			m.setStatus("✗ "+msg.err.Error(), true)
		} else {
			m.setStatus(m.c.T("tui.status.shellback"), false)
		}
		if stop := m.stopShellCapture(); stop != nil {
			// The lab is read once the shell's last packets are in.
			m.busy = m.c.T("tui.busy.check")
			return m, func() tea.Msg { msg := stop().(shellCapDoneMsg); msg.after = true; return msg }
		}
		return m, m.afterShellCmd()

	case shellCapMsg:
		return m.shellCaptured(msg)

	case shellCapDoneMsg:
		if msg.after {
			return m, m.afterShellCmd()
		}
		return m, nil

	case checkMsg:
		if msg.gen != m.gen || !m.ex.on {
			return m, nil
		}
		m.busy = ""
		if msg.err != nil {
			m.setStatus("✗ "+msg.err.Error(), true)
			return m, nil
		}
		m.ex.results, m.ex.checked, m.ex.fixes = msg.results, true, false
		m.ex.passed = len(msg.results) > 0
		for _, r := range msg.results {
			if !r.OK {
				m.ex.passed = false
			}
		}
		m.follow = true
		if m.ex.passed {
			m.ex.solution = true
			m.setStatus("✓ "+m.c.T("tui.ex.passed"), false)
			lp := m.progress.Get(m.id)
			if lp.Exercises == nil {
				lp.Exercises = map[string]bool{}
			}
			lp.Exercises[msg.id] = true
			return m, m.saveProgress()
		}
		m.setStatus("✗ "+m.c.T("tui.ex.failed"), true)
		return m, nil

	case statusMsg:
		m.setStatus(msg.text, strings.HasPrefix(msg.text, "✗"))
		return m, nil

	case progressErrMsg:
		// Said once: a read-only home must not drown every step's status.
		if !m.progressWarned {
			m.progressWarned = true
			m.setStatus(strings.TrimSpace(m.status+"  ⚠ "+m.c.T("tui.status.nosave")+": "+msg.err.Error()), true)
		}
		return m, nil

	case tea.MouseClickMsg, tea.MouseWheelMsg:
		return m.mouse(msg.(tea.MouseMsg))

	case tea.KeyPressMsg:
		return m.key(msg)

	case tea.PasteMsg:
		return m, m.paste(msg.Content)
	}
	return m, nil
}

func (m *lessonModel) setSnap(s *engine.Snapshot, highlight bool) {
	if s == nil {
		return
	}
	if highlight {
		m.changed = Diff(m.snap, s)
	} else {
		m.changed = ChangeSet{}
	}
	m.snap = s
	m.pk.hosts = hostNames(s)
	m.pk.setLab(m.nsOrder, s)
	m.pk.order = TopoOrder(s, m.nsOrder)
	if !m.userSel || s.NS(m.selNS) == nil {
		m.userSel = false
		if order := TopoOrder(s, m.nsOrder); len(order) > 0 {
			m.selNS = order[0]
		} else {
			m.selNS = engine.HostNS
		}
	}
}

// mouse takes a click (focus the pane under it) or a wheel turn (scroll
// the pane under it); Bubble Tea v2 sends them as separate messages, and
// motion and release are not asked for.
func (m *lessonModel) mouse(mm tea.MouseMsg) (*lessonModel, tea.Cmd) {
	msg := mm.Mouse()
	d := 0
	switch msg.Button {
	case tea.MouseWheelUp:
		d = -3
	case tea.MouseWheelDown:
		d = 3
	case tea.MouseLeft:
		if _, click := mm.(tea.MouseClickMsg); !click {
			return m, nil
		}
		for p := pane(0); p < paneCount; p++ {
			if m.rects[p].has(msg.X, msg.Y) {
				m.focus = p
			}
		}
		return m, nil
	default:
		return m, nil
	}
	for p := pane(0); p < paneCount; p++ {
		if m.rects[p].has(msg.X, msg.Y) {
			m.scrollPane(p, d)
		}
	}
	return m, nil
}

func (m *lessonModel) scrollPane(p pane, d int) {
	switch p {
	case panePackets:
		m.pk.scroll(d)
	case paneSteps:
		m.follow = false
		m.scroll[p] = max(0, m.scroll[p]+d)
	default:
		m.scroll[p] = max(0, m.scroll[p]+d)
	}
}

// nsNames is the namespaces a shell can open in, in snapshot order.
func (m *lessonModel) nsNames() []string {
	if m.snap == nil {
		return []string{engine.HostNS}
	}
	return TopoOrder(m.snap, m.nsOrder)
}

func (m *lessonModel) moveNS(d int) {
	names := m.nsNames()
	i := 0
	for j, n := range names {
		if n == m.selNS {
			i = j
		}
	}
	if len(names) == 0 {
		return
	}
	m.selNS = names[clamp(i+d, 0, len(names)-1)]
	m.userSel = true
	m.selMoved = true
}

func (m *lessonModel) key(km tea.KeyPressMsg) (*lessonModel, tea.Cmd) {
	k := m.c.Keys
	if m.opening || m.sess == nil {
		if key.Matches(km, k.Back) {
			return m, func() tea.Msg { return backToPickerMsg{} }
		}
		return m, nil
	}
	if done, cmd := m.predictKey(km); done {
		return m, cmd
	}
	if done, cmd := m.presentKey(km); done {
		return m, cmd
	}
	if done, cmd := m.extraKey(km); done {
		return m, cmd
	}
	switch {
	case key.Matches(km, k.Cancel) && m.pk.journey:
		m.pk.journey, m.pk.probe = false, nil
	case key.Matches(km, k.Journey) && m.ex.on && m.focus != panePackets && m.pk.openProbe(m.ex.results):
		m.focus = panePackets // the failed check's probe, where packets' journeys show
	case key.Matches(km, k.Journey) && m.focus == panePackets:
		if !m.pk.openJourney() {
			m.setStatus(m.c.T("tui.journey.nopacket"), false)
		}
	case key.Matches(km, k.Cancel) && m.pk.detail:
		m.pk.detail = false
	case key.Matches(km, k.Zoom), m.zoomed && key.Matches(km, k.Cancel):
		m.zoomed = !m.zoomed
	case key.Matches(km, k.ExBack) && m.ex.on:
		// Esc in an exercise goes back to the lesson, not the list.
		return m, m.leaveExercise()
	case key.Matches(km, k.Back) && m.focus == panePackets:
		// Esc in the packet list leaves the list, not the lesson.
		m.focus = paneSteps
		m.setStatus(m.c.T("tui.status.packetsleft"), false)
	case key.Matches(km, k.Back):
		return m, func() tea.Msg { return backToPickerMsg{} }
	case key.Matches(km, k.Home):
		m.paneHome()
	case key.Matches(km, k.End):
		m.paneEnd()
	case key.Matches(km, k.Tab):
		m.focus = (m.focus + 1) % paneCount
	case key.Matches(km, k.BackTab):
		m.focus = (m.focus + paneCount - 1) % paneCount
	case key.Matches(km, k.Next):
		if m.ex.on {
			return m, nil
		}
		if m.busy != "" {
			m.setStatus(m.c.T("tui.status.busy"), false)
			return m, nil
		}
		if m.pos >= len(m.steps) {
			m.setStatus(m.c.T("tui.status.end"), false)
			return m, nil
		}
		if m.predictGate(m.pos) {
			return m, nil
		}
		return m, m.startStep(m.pos)
	case key.Matches(km, k.Prev):
		if m.ex.on || m.busy != "" || m.pos == 0 {
			return m, nil
		}
		m.busy = m.rebuildBusy(m.pos - 1)
		return m, m.gotoCmd(m.pos-1, "back")
	case key.Matches(km, k.Up):
		m.arrow(-1)
	case key.Matches(km, k.Down):
		m.arrow(1)
	case key.Matches(km, k.ScrollUp):
		m.scrollPane(m.focus, -10)
	case key.Matches(km, k.ScrollDown):
		m.scrollPane(m.focus, 10)
	case key.Matches(km, k.Select):
		if m.focus == panePackets && (m.pk.detail || m.pk.pkts.Len() > 0) {
			m.pk.detail = !m.pk.detail
			m.pk.detOff, m.pk.layer = 0, 0
		}
	case key.Matches(km, k.Ladder):
		m.pk.ladder = !m.pk.ladder
		m.pk.detail, m.pk.journey = false, false
	case key.Matches(km, k.Shell):
		if m.busy != "" {
			return m, nil
		}
		ns := m.selNS
		if ns == "" {
			ns = engine.HostNS
		}
		if m.ex.on && !m.ex.ready {
			// The exercise's lab is still being set up (and would be reset
			// under the shell): not yet.
			return m, nil
		}
		if m.ex.on {
			if c := m.startShellCapture(ns); c != nil {
				m.busy = m.c.T("tui.busy.shell")
				return m, c
			}
		}
		cmd := m.sess.Shell(ns)
		if cmd == nil {
			return m, nil
		}
		return m, m.execShell(ns, cmd)
	case key.Matches(km, k.Exercise):
		return m, m.toggleExercise()
	case key.Matches(km, k.Check):
		if !m.ex.on || m.busy != "" || !m.ex.ready {
			return m, nil
		}
		ex := m.exercises[m.ex.idx]
		m.busy = m.c.T("tui.busy.check")
		sess, gen := m.sess, m.gen
		return m, func() tea.Msg {
			r, err := sess.Check(context.Background(), ex.ID)
			return checkMsg{gen: gen, id: ex.ID, results: r, err: err}
		}
	case key.Matches(km, k.Hint):
		if m.ex.on {
			ex := m.exercises[m.ex.idx]
			if !m.ex.fixes && m.ex.checked && hasFix(m.ex.results) {
				// The first hint of a failed check names the cause; h
				// then shows the command (the second hint).
				m.ex.fixes = true
				m.follow = true
			} else if m.ex.hints < len(ex.Hints) {
				m.ex.hints++
				m.follow = true
			} else {
				m.setStatus(m.c.T("tui.ex.nomorehints"), false)
			}
		}
	case key.Matches(km, k.Solution):
		if m.ex.on {
			m.ex.solution = true
			m.follow = true
		}
	case key.Matches(km, k.Note):
		return m, noteCmd(m.sess, m.id, m.pos, m.c.T)
	case key.Matches(km, k.Write):
		sess := m.sess
		name := fmt.Sprintf("nettutor-%s-%s.pcap", m.id, time.Now().UTC().Format("20060102-150405"))
		t := m.c.T
		return m, func() tea.Msg {
			path := filepath.Join(outputDir(), name)
			n, err := sess.WritePcap(path)
			if err != nil {
				return statusMsg{"✗ " + err.Error()}
			}
			return statusMsg{"✓ " + fmt.Sprintf(t("tui.pcap.written"), n, path)}
		}
	}
	return m, nil
}

func (m *lessonModel) arrow(d int) {
	switch m.focus {
	case paneSteps:
		m.scrollPane(paneSteps, d)
	case paneTopo:
		m.moveNS(d)
	case panePackets:
		m.pk.move(d)
	}
}

// toggleExercise enters exercise mode, moves to the next exercise, or
// leaves it after the last one (rebuilding the lab at the current step).
func (m *lessonModel) toggleExercise() tea.Cmd {
	if m.busy != "" {
		return nil
	}
	if len(m.exercises) == 0 {
		m.setStatus(m.c.T("tui.ex.none"), false)
		return nil
	}
	if m.ex.on && m.ex.idx+1 >= len(m.exercises) {
		m.ex = exerciseState{}
		m.busy = m.rebuildBusy(m.pos)
		return m.gotoCmd(m.pos, "leave")
	}
	idx := 0
	if m.ex.on {
		idx = m.ex.idx + 1
	}
	m.ex = exerciseState{on: true, idx: idx}
	m.follow = true
	m.scroll[paneSteps] = 0
	ex := m.exercises[idx]
	m.busy = m.c.T("tui.busy.exercise")
	m.gen++
	m.dropSpare()
	sess, gen := m.sess, m.gen
	return func() tea.Msg {
		ctx := context.Background()
		note, err := sess.StartExercise(ctx, ex.ID)
		if err != nil {
			return labMsg{gen: gen, pos: -1, err: err, why: "exercise"}
		}
		s, err := sess.Snapshot(ctx)
		return labMsg{gen: gen, pos: -1, snap: s, err: err, why: "exercise", note: note}
	}
}

// close ends the session in the background.
func (m *lessonModel) close() tea.Cmd {
	if m.sess == nil {
		return nil
	}
	s := m.sess
	m.sess = nil
	m.gen++
	m.pgen++
	return func() tea.Msg {
		_ = s.Close()
		return nil
	}
}

// namespaceOrder lists the namespaces a lesson creates, in the order its
// commands create them ("ip netns add RED" before "ip netns add BLUE"), so
// the diagram keeps RED left of BLUE from the first step on.
func namespaceOrder(steps []StepInfo) []string {
	var out []string
	seen := map[string]bool{}
	for _, st := range steps {
		for _, c := range st.Commands {
			f := strings.Fields(c)
			for i := 0; i+2 < len(f); i++ {
				if f[i] == "netns" && f[i+1] == "add" && !seen[f[i+2]] {
					seen[f[i+2]] = true
					out = append(out, f[i+2])
				}
			}
		}
	}
	return out
}

// hostNames maps every address and MAC of a lab to its namespace, so the
// ladder names its columns RED and BLUE rather than by address.
func hostNames(s *engine.Snapshot) map[string]string {
	out := map[string]string{}
	for _, n := range s.Namespaces {
		for _, l := range n.Links {
			if l.Name == "lo" {
				continue
			}
			if l.MAC != "" {
				out[l.MAC] = n.Name
			}
			for _, a := range l.Addrs {
				if ip, _, ok := strings.Cut(a, "/"); ok {
					out[ip] = n.Name
				}
			}
		}
	}
	return out
}

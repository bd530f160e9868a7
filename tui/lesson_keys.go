package tui

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/term"
)

// This file holds the lesson view's keys for moving in the lesson (restart,
// jump to a step, rebuild a broken step), the packet list's first and last,
// and the lab shell's start and aftermath.

// lessonExtra is the lesson view's state for those keys; it lives in
// lessonModel.x.
type lessonExtra struct {
	jumpOn bool   // ":" was typed: digits go to the step number
	jumpIn string // the digits typed so far
	// broken says the lab no longer holds what step brokenPos built (seen
	// after a lab shell, in generation brokenGen); p then rebuilds it.
	broken    bool
	brokenPos int
	brokenGen int
}

// isBroken reports whether the broken mark still speaks of the lab as it
// is: no rebuild and no step since.
func (m *lessonModel) isBroken() bool {
	return m.x.broken && m.x.brokenPos == m.pos && m.x.brokenGen == m.gen
}

// rebuildMsg is a rebuild's result with the status to show once it holds.
type rebuildMsg struct {
	rebuiltMsg
	status string
}

// rebuildTo rebuilds the lab to the state after n steps, as resume and
// back do, and then says status.
func (m *lessonModel) rebuildTo(n int, why, busy, status string) tea.Cmd {
	if m.sess == nil {
		return nil
	}
	m.x = lessonExtra{}
	m.busy = busy
	c := m.gotoCmd(n, why)
	return func() tea.Msg {
		msg := c()
		if r, ok := msg.(rebuiltMsg); ok {
			return rebuildMsg{r, status}
		}
		return msg
	}
}

func (m *lessonModel) rebuilt(msg rebuildMsg) (*lessonModel, tea.Cmd) {
	m, cmd := m.update(msg.rebuiltMsg)
	if msg.gen == m.gen && msg.err == nil {
		m.setStatus(msg.status, false)
	}
	return m, cmd
}

// restart rebuilds the lesson from its first step.
func (m *lessonModel) restart() tea.Cmd {
	if m.busy != "" || m.ex.on {
		return nil
	}
	return m.rebuildTo(0, "restart", m.c.T("tui.busy.restart"), m.c.T("tui.status.restart"))
}

// rebuildStep rebuilds the lab at the current step (p after a broken lab).
func (m *lessonModel) rebuildStep() tea.Cmd {
	return m.rebuildTo(m.pos, "rebuild", m.rebuildBusy(m.pos), m.c.Tf("tui.status.rebuilt", m.pos))
}

// jumpKey takes a key while the step number is being typed: digits,
// backspace, enter to go, anything else to cancel.
func (m *lessonModel) jumpKey(km tea.KeyPressMsg) (*lessonModel, tea.Cmd) {
	n, k := len(m.steps), m.c.Keys
	switch {
	case km.Mod == 0 && len(km.Text) == 1 && km.Text[0] >= '0' && km.Text[0] <= '9':
		if len(m.x.jumpIn) < 3 {
			m.x.jumpIn += km.Text
		}
	case key.Matches(km, k.Erase):
		if m.x.jumpIn != "" {
			m.x.jumpIn = m.x.jumpIn[:len(m.x.jumpIn)-1]
		}
	case key.Matches(km, k.Open):
		m.x.jumpOn = false
		in := m.x.jumpIn
		m.x.jumpIn = ""
		s, err := strconv.Atoi(in)
		if err != nil || s < 0 || s > n {
			m.setStatus(m.c.Tf("tui.status.jumpbad", in, n), true)
			return m, nil
		}
		if m.busy != "" {
			m.setStatus(m.c.T("tui.status.busy"), false)
			return m, nil
		}
		return m, m.rebuildTo(s, "jump", m.rebuildBusy(s), m.c.Tf("tui.status.rebuilt", s))
	default:
		m.x.jumpOn, m.x.jumpIn = false, ""
		m.setStatus("", false)
		return m, nil
	}
	m.setStatus(m.c.Tf("tui.status.jumpprompt", n, m.x.jumpIn), false)
	return m, nil
}

// startJump starts typing a step number.
func (m *lessonModel) startJump() {
	if m.ex.on {
		return
	}
	m.x.jumpOn, m.x.jumpIn = true, ""
	m.setStatus(m.c.Tf("tui.status.jumpprompt", len(m.steps), ""), false)
}

// leaveExercise goes back from exercise mode to the lesson, the lab
// rebuilt at the step the learner was at.
func (m *lessonModel) leaveExercise() tea.Cmd {
	m.ex = exerciseState{}
	m.setStatus("", false) // the exercise's last word is not the lesson's
	m.busy = m.rebuildBusy(m.pos)
	return m.gotoCmd(m.pos, "leave")
}

// home and end select the first and the last packet; the last one is
// followed again as new ones arrive.
func (p *packetPane) home() {
	if p.detail {
		p.detOff, p.layer = 0, 0
		return
	}
	p.sel, p.off, p.follow = 0, 0, p.pkts.Len() <= 1
}

func (p *packetPane) end() {
	if p.detail {
		p.detOff = 1 << 30 // clamped when drawn
		return
	}
	p.sel, p.follow = max(0, p.pkts.Len()-1), true
}

// paneHome and paneEnd are Home and End in the focused pane.
func (m *lessonModel) paneHome() {
	switch m.focus {
	case panePackets:
		m.pk.home()
	case paneSteps:
		m.follow = false
		m.scroll[paneSteps] = 0
	default:
		m.scroll[m.focus] = 0
	}
}

func (m *lessonModel) paneEnd() {
	switch m.focus {
	case panePackets:
		m.pk.end()
	case paneSteps:
		m.follow = true
	}
}

// clearScreen moves to the top left and clears the screen and its
// scrollback, so a lab shell never opens on what earlier shells printed.
const clearScreen = "\x1b[H\x1b[2J\x1b[3J"

// shellExec is the lab shell as tea.Exec runs it: on a cleared screen
// under a one-line banner (which namespace, how to return), then the
// confined shell itself, untouched.
type shellExec struct {
	cmd    *exec.Cmd
	banner string
	term   Terminal // released for the shell when the TUI draws through one
}

func (s *shellExec) SetStdin(r io.Reader)  { s.cmd.Stdin = r }
func (s *shellExec) SetStdout(w io.Writer) { s.cmd.Stdout = w }
func (s *shellExec) SetStderr(w io.Writer) { s.cmd.Stderr = w }

// Run implements tea.ExecCommand.
func (s *shellExec) Run() error {
	if s.term != nil {
		if err := s.term.Release(); err != nil {
			return fmt.Errorf("lab shell: %w", err)
		}
		defer func() { _ = s.term.Restore() }()
	}
	s.cmd.Stdout = terminalOut(s.cmd.Stdout, s.cmd.Stderr, s.cmd.Stdin)
	if w := s.cmd.Stdout; w != nil {
		if _, err := io.WriteString(w, clearScreen+s.banner+"\r\n"); err != nil {
			return fmt.Errorf("lab shell: %w", err)
		}
	}
	return s.cmd.Run()
}

// terminalOut is where the lab shell writes its output: out when it is
// the terminal itself, else the terminal that stderr or stdin is. Bubble
// Tea hands an Exec its output writer, which is not the terminal's file,
// and exec.Cmd then copies the shell's stdout through a pipe: programs in
// the shell saw no terminal on stdout (tcpdump held its lines back in a
// full buffer, ls printed one name a line), and bash's prompt, written to
// stderr, could come before the output of the command it followed.
func terminalOut(out, errw io.Writer, in io.Reader) io.Writer {
	if f, ok := out.(*os.File); ok && term.IsTerminal(f.Fd()) {
		return out
	}
	for _, c := range []any{errw, in} {
		if f, ok := c.(*os.File); ok && term.IsTerminal(f.Fd()) {
			return f
		}
	}
	return out
}

// shellBanner is the line above a lab shell in namespace ns.
func (m *lessonModel) shellBanner(ns string) string {
	return m.c.Styles.Bold.Render(m.c.Tf("tui.shell.banner", ns))
}

// execShell runs cmd, a lab shell in ns, in place of the TUI.
func (m *lessonModel) execShell(ns string, cmd *exec.Cmd) tea.Cmd {
	gen := m.gen
	return tea.Exec(&shellExec{cmd: cmd, banner: m.shellBanner(ns), term: m.c.Terminal}, func(err error) tea.Msg { return shellDoneMsg{gen: gen, err: err} })
}

// rechecker is a Session that can evaluate the current step's
// expectations again (after a lab shell).
type rechecker interface {
	Recheck(ctx context.Context) ([]ExpectResult, error)
}

// shellLabMsg is the lab read after a shell: the snapshot, and the
// expectations of the current step that no longer hold.
type shellLabMsg struct {
	labMsg
	pos    int
	broken []ExpectResult
}

// afterShellCmd reads the lab after a shell and, outside exercises, checks
// that the current step still holds.
func (m *lessonModel) afterShellCmd() tea.Cmd {
	sess, gen, pos, ex := m.sess, m.gen, m.pos, m.ex.on
	if sess == nil {
		return nil
	}
	// The recheck may ping (a reachable expectation): no step may run on
	// the lab meanwhile. The labMsg it ends with clears busy.
	m.busy = m.c.T("tui.busy.check")
	return func() tea.Msg {
		ctx := context.Background()
		s, err := sess.Snapshot(ctx)
		msg := shellLabMsg{labMsg: labMsg{gen: gen, pos: -1, snap: s, err: err, why: "shell"}, pos: pos}
		if err != nil || ex {
			return msg
		}
		if rc, ok := sess.(rechecker); ok {
			res, err := rc.Recheck(ctx)
			if err != nil {
				msg.err = err
				return msg
			}
			for _, r := range res {
				if !r.OK {
					msg.broken = append(msg.broken, r)
				}
			}
		}
		return msg
	}
}

func (m *lessonModel) shellLab(msg shellLabMsg) (*lessonModel, tea.Cmd) {
	status, bad := m.status, m.statusBad
	m, cmd := m.update(msg.labMsg)
	if msg.gen != m.gen || msg.pos != m.pos {
		return m, cmd
	}
	m.setStatus(status, bad)
	if m.ex.on {
		return m, cmd
	}
	// What failed already when the step ran is no news: only what held
	// then and fails now says the shell broke the lab.
	var held map[string]bool
	if msg.pos > 0 && msg.pos <= len(m.runs) {
		if r := m.runs[msg.pos-1]; r.done && !r.restored && len(r.expects) > 0 {
			held = map[string]bool{}
			for _, e := range r.expects {
				held[e.Text] = e.OK
			}
		}
	}
	var what []string
	for _, b := range msg.broken {
		if held == nil || held[b.Text] {
			d := b.Text
			if b.Detail != "" {
				d = b.Detail
			}
			what = append(what, d)
		}
	}
	if msg.err != nil {
		what = append(what, msg.err.Error())
	}
	if len(what) == 0 {
		return m, cmd
	}
	m.x.broken, m.x.brokenPos, m.x.brokenGen = true, m.pos, m.gen
	m.setStatus(m.c.Tf("tui.status.broken", m.pos, strings.Join(what, "; ")), true)
	return m, cmd
}

// extraKey handles the keys of this file before the lesson view's own; it
// reports whether it took the key.
func (m *lessonModel) extraKey(km tea.KeyPressMsg) (bool, tea.Cmd) {
	k := m.c.Keys
	if m.x.jumpOn {
		_, cmd := m.jumpKey(km)
		return true, cmd
	}
	switch {
	case key.Matches(km, k.Jump) && !m.ex.on:
		m.startJump()
		return true, nil
	case key.Matches(km, k.Restart) && !m.ex.on:
		return true, m.restart()
	case key.Matches(km, k.Prev) && m.isBroken() && !m.ex.on && m.busy == "":
		return true, m.rebuildStep()
	}
	return false, nil
}

// Recheck implements rechecker: the runner evaluates the current step's
// expectations again, under the lab's lock.
func (s *labSession) Recheck(ctx context.Context) ([]ExpectResult, error) {
	s.b.mu.Lock()
	defer s.b.mu.Unlock()
	if s.runner == nil {
		return nil, fmt.Errorf("recheck: the lesson is closed")
	}
	if s.ws != nil {
		return nil, nil // an exercise's lab is the learner's to change
	}
	res, err := s.runner.Recheck(ctx)
	if err != nil {
		return nil, fmt.Errorf("recheck: %w", err)
	}
	out := make([]ExpectResult, 0, len(res))
	for _, r := range res {
		out = append(out, ExpectResult{Text: r.Desc, OK: r.OK, Detail: r.Detail})
	}
	return out, nil
}

package serve

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"time"
	"unicode"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"charm.land/ssh"
	bm "charm.land/wish/v2/bubbletea"
	"github.com/mattn/go-runewidth"
	"github.com/nettutor/nettutor/assets"
	"github.com/nettutor/nettutor/serve/link"
)

// board is what the dashboard reads and does; the hub in the server, a
// fake in tests.
type board interface {
	Rows(now time.Time) []Row
	// Follow sends the presenter's own place to every member.
	Follow() (lesson string, step, sent int, ok bool)
	// Reset asks member id's TUI to rebuild its lab from the start.
	Reset(id int) bool
	// Message sends text to every member and says to how many.
	Message(text string) int
}

// serverBoard is the hub as a board.
type serverBoard struct{ h *hub }

func (b serverBoard) Rows(now time.Time) []Row { return b.h.Rows(now) }

func (b serverBoard) Follow() (string, int, int, bool) {
	st, ok := b.h.presenterPlace()
	if !ok {
		return "", 0, 0, false
	}
	n := b.h.broadcast(link.Msg{Type: link.TypeFollow, Lesson: st.Lesson, Step: st.Step})
	return st.Lesson, st.Step, n, true
}

func (b serverBoard) Reset(id int) bool {
	return b.h.sendTo(id, link.Msg{Type: link.TypeReset})
}

func (b serverBoard) Message(text string) int {
	return b.h.broadcast(link.Msg{Type: link.TypeMessage, Text: text})
}

type dashMode int

const (
	modeRows dashMode = iota
	modeConfirmReset
	modeMessage
)

// tickMsg refreshes the rows (idle times move on their own).
type tickMsg time.Time

// viewDoneMsg: the presenter left their own lesson view.
type viewDoneMsg struct{ err error }

// dashStyles are every style the dashboard draws with, in one place, built
// for a dark or a light background. Colours are written as the terminal's
// own palette where that reads on both; Bubble Tea downsamples them to the
// session's colour profile (made from the client's TERM, COLORTERM and
// NO_COLOR), so no style here asks the terminal anything.
type dashStyles struct {
	title, subtle, sel, ok, bad, hand, plain lipgloss.Style
}

// newDashStyles builds the styles for a dark (or light) background.
func newDashStyles(dark bool) dashStyles {
	ld := lipgloss.LightDark(dark)
	return dashStyles{
		title:  lipgloss.NewStyle().Bold(true),
		subtle: lipgloss.NewStyle().Faint(true),
		sel:    lipgloss.NewStyle().Reverse(true),
		ok:     lipgloss.NewStyle().Foreground(lipgloss.Color("2")),
		bad:    lipgloss.NewStyle().Foreground(lipgloss.Color("1")),
		// Yellow is hard to read on a light background: a dark orange there.
		hand:  lipgloss.NewStyle().Foreground(ld(lipgloss.Color("130"), lipgloss.Color("3"))).Bold(true),
		plain: lipgloss.NewStyle(),
	}
}

// Dashboard is the presenter's model: one row per member.
type Dashboard struct {
	b     board
	lang  string
	st    dashStyles
	dark  bool
	now   func() time.Time
	every time.Duration
	// ownView runs the presenter's own lesson view (a child TUI on this
	// terminal); nil when there is none (tests).
	ownView func() tea.Cmd

	w, h    int
	rows    []Row
	sel     int
	mode    dashMode
	input   string
	resetID int
	status  string
}

// NewDashboard returns a dashboard over b in lang. It draws for a dark
// background until the terminal says otherwise (tea.BackgroundColorMsg);
// a terminal that never answers keeps the dark styles, and its first frame
// never waits for the answer.
func NewDashboard(b board, lang string) *Dashboard {
	return &Dashboard{b: b, lang: lang, st: newDashStyles(true), dark: true, now: time.Now, every: 500 * time.Millisecond, w: 80, h: 24}
}

func (d *Dashboard) t(k string) string            { return assets.T(d.lang, k) }
func (d *Dashboard) tf(k string, a ...any) string { return assets.Tf(d.lang, k, a...) }

func (d *Dashboard) tick() tea.Cmd {
	return tea.Tick(d.every, func(t time.Time) tea.Msg { return tickMsg(t) })
}

// Init starts the refresh and asks the terminal for its background; the
// answer, if one comes, arrives as a message, so nothing waits for it.
func (d *Dashboard) Init() tea.Cmd {
	d.refresh()
	return tea.Batch(d.tick(), tea.RequestBackgroundColor)
}

func (d *Dashboard) refresh() {
	var selID int
	if d.sel < len(d.rows) {
		selID = d.rows[d.sel].ID
	}
	d.rows = d.b.Rows(d.now())
	d.sel = min(d.sel, max(len(d.rows)-1, 0))
	for i, r := range d.rows {
		if r.ID == selID {
			d.sel = i
		}
	}
}

// Update implements tea.Model.
func (d *Dashboard) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		d.w, d.h = msg.Width, msg.Height
		return d, nil
	case tea.BackgroundColorMsg:
		if dark := msg.IsDark(); dark != d.dark {
			d.dark, d.st = dark, newDashStyles(dark)
		}
		return d, nil
	case tickMsg:
		d.refresh()
		return d, d.tick()
	case viewDoneMsg:
		d.status = d.t("serve.view.back")
		if msg.err != nil {
			d.status = "✗ " + msg.err.Error()
		}
		d.refresh()
		return d, nil
	case tea.PasteMsg:
		// A paste is text for the message prompt, never keys.
		if d.mode == modeMessage {
			d.addInput(msg.Content)
		}
		return d, nil
	case tea.KeyPressMsg:
		if r := []rune(msg.Text); len(r) > 1 && d.mode != modeMessage {
			// Keys that came as one text ("mhello"): take them one by
			// one, so that m opens the prompt and the rest is text.
			var cmds []tea.Cmd
			for _, c := range r {
				_, cmd := d.key(tea.KeyPressMsg{Code: c, Text: string(c), Mod: msg.Mod})
				cmds = append(cmds, cmd)
			}
			return d, tea.Batch(cmds...)
		}
		return d.key(msg)
	}
	return d, nil
}

// addInput adds text to the message prompt: printable only, 200 at most.
func (d *Dashboard) addInput(text string) {
	for _, r := range printable(text) {
		if len([]rune(d.input)) >= 200 {
			return
		}
		d.input += string(r)
	}
}

func (d *Dashboard) key(k tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	if k.String() == "ctrl+c" {
		return d, tea.Quit
	}
	switch d.mode {
	case modeConfirmReset:
		d.mode = modeRows
		name := d.nameOf(d.resetID)
		if k.String() == "y" {
			if d.b.Reset(d.resetID) {
				d.status = d.tf("serve.reset.sent", name)
			} else {
				d.status = d.tf("serve.reset.gone", name)
			}
		} else {
			d.status = ""
		}
		return d, nil
	case modeMessage:
		switch {
		case k.Code == tea.KeyEscape && k.Mod == 0:
			d.mode, d.input, d.status = modeRows, "", ""
		case k.Code == tea.KeyEnter:
			text := strings.TrimSpace(d.input)
			d.mode, d.input = modeRows, ""
			if text != "" {
				d.status = d.tf("serve.msg.sent", d.b.Message(text))
			} else {
				d.status = ""
			}
		case k.Code == tea.KeyBackspace:
			if r := []rune(d.input); len(r) > 0 {
				d.input = string(r[:len(r)-1])
			}
		case k.Text != "":
			d.addInput(k.Text)
		}
		return d, nil
	}
	switch k.String() {
	case "q":
		return d, tea.Quit
	case "up", "k":
		d.sel = max(d.sel-1, 0)
	case "down", "j":
		d.sel = min(d.sel+1, max(len(d.rows)-1, 0))
	case "enter", "l":
		if d.ownView != nil {
			return d, d.ownView()
		}
	case "f":
		lesson, step, n, ok := d.b.Follow()
		if !ok {
			d.status = d.t("serve.follow.none")
		} else {
			d.status = d.tf("serve.follow.sent", lesson, step, n)
		}
	case "r":
		if d.sel < len(d.rows) {
			d.resetID = d.rows[d.sel].ID
			d.mode = modeConfirmReset
		}
	case "m":
		d.mode, d.input = modeMessage, ""
	}
	return d, nil
}

func (d *Dashboard) nameOf(id int) string {
	for _, r := range d.rows {
		if r.ID == id {
			return r.Name
		}
	}
	return fmt.Sprint(id)
}

// cell pads or cuts s to w columns.
func cell(s string, w int) string {
	if runewidth.StringWidth(s) > w {
		s = runewidth.Truncate(s, w, "…")
	}
	return runewidth.FillRight(s, w)
}

func fmtIdle(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}

// View implements tea.Model: the rows on the alternate screen.
func (d *Dashboard) View() tea.View {
	v := tea.NewView(d.screen())
	v.AltScreen = true
	return v
}

// screen is the dashboard's text, h lines of at most w columns.
func (d *Dashboard) screen() string {
	w, h := d.w, d.h
	if w <= 0 || h <= 0 {
		return ""
	}
	bold, subtle, sel, ok, bad, hand := d.st.title, d.st.subtle, d.st.sel, d.st.ok, d.st.bad, d.st.hand

	// Column widths: the check column takes what the others leave.
	const cName, cLesson, cStep, cEx, cHand, cIdle = 14, 16, 7, 4, 5, 7
	cCheck := max(w-2-cName-cLesson-cStep-cEx-cHand-cIdle-6, 8)
	line := func(name, lesson, step, ex, check, hd, idle string) string {
		return strings.Join([]string{cell(name, cName), cell(lesson, cLesson), cell(step, cStep), cell(ex, cEx), cell(check, cCheck), cell(hd, cHand), cell(idle, cIdle)}, " ")
	}
	var out []string
	title := d.tf("serve.title", len(d.rows))
	hands := 0
	for _, r := range d.rows {
		if r.Hand {
			hands++
		}
	}
	if hands > 0 {
		// Raised hands lead the presenter's eye even when rows scroll.
		title += " · " + d.tf("serve.hands", hands)
	}
	out = append(out, bold.Render(cell(title, w)))
	out = append(out, "")
	out = append(out, subtle.Render(cell("  "+line(d.t("serve.col.name"), d.t("serve.col.lesson"), d.t("serve.col.step"), d.t("serve.col.ex"), d.t("serve.col.check"), d.t("serve.col.hand"), d.t("serve.col.idle")), w)))
	room := h - len(out) - 3
	if len(d.rows) == 0 {
		out = append(out, "  "+cell(d.t("serve.none"), w-2))
	}
	first := 0
	if d.sel >= room && room > 0 {
		first = d.sel - room + 1
	}
	for i := first; i < len(d.rows) && i-first < max(room, 0); i++ {
		r := d.rows[i]
		lesson, step := r.Lesson, ""
		if lesson == "" {
			lesson = d.t("serve.picker")
		} else {
			step = fmt.Sprintf("%d/%d", r.Step, r.Steps)
		}
		check, checkStyle := "", d.st.plain
		if r.Check != nil {
			if r.Check.Pass {
				check, checkStyle = "✓ "+r.Check.Exercise, ok
			} else {
				check, checkStyle = "✗ "+r.Check.Exercise, bad
				if r.Check.Failed != "" {
					check += ": " + r.Check.Failed
				}
			}
		}
		hd := ""
		if r.Hand {
			hd = "✋"
		}
		mark := "  "
		if i == d.sel {
			mark = "▸ "
		}
		if i == d.sel {
			out = append(out, sel.Render(cell(mark+line(r.Name, lesson, step, fmt.Sprint(r.Passed), check, hd, fmtIdle(r.Idle)), w)))
			continue
		}
		// Colour only the check and the hand, and only where the cells
		// keep their widths: the styled text is padded before styling.
		parts := []string{cell(r.Name, cName), cell(lesson, cLesson), cell(step, cStep), cell(fmt.Sprint(r.Passed), cEx),
			checkStyle.Render(cell(check, cCheck)), hand.Render(cell(hd, cHand)), cell(fmtIdle(r.Idle), cIdle)}
		out = append(out, mark+strings.Join(parts, " "))
	}
	for len(out) < h-2 {
		out = append(out, "")
	}
	status := d.status
	switch d.mode {
	case modeConfirmReset:
		status = d.tf("serve.reset.ask", d.nameOf(d.resetID))
	case modeMessage:
		status = d.tf("serve.msg.prompt", d.input)
	}
	out = append(out[:h-2], cell(status, w), subtle.Render(cell(d.t("serve.keys"), w)))
	return strings.Join(out, "\n")
}

// runDashboard is a presenter's session: the dashboard, in this process,
// through wish's bubbletea middleware.
func (s *Server) runDashboard(sess ssh.Session, who Member) {
	pty, _, _ := sess.Pty()
	lang := langOf(sess.Command(), sess.Environ(), s.cfg.Lang)
	s.log.Info("session start", "member", who.Name, "kind", "presenter", "fingerprint", who.Fingerprint, "lang", lang,
		"term", pty.Term, "window", fmt.Sprintf("%dx%d", pty.Window.Width, pty.Window.Height), "remote-addr", sess.RemoteAddr().String())
	start := time.Now()
	// ended stops the dashboard and the presenter's own view at a timeout.
	ctx, end := context.WithCancel(sess.Context())
	defer end()
	progs := make(chan *tea.Program, 1)
	handler := func(sess ssh.Session) *tea.Program {
		d := NewDashboard(serverBoard{s.hub}, lang)
		d.w, d.h = pty.Window.Width, pty.Window.Height
		d.ownView = func() tea.Cmd {
			v := &ownView{s: s, who: who, lang: lang, sess: sess, done: ctx.Done()}
			return tea.Exec(v, func(err error) tea.Msg { return viewDoneMsg{err} })
		}
		// The session's PTY, size and environment (wish's options), with
		// the environment cut to what says how to draw: Bubble Tea makes
		// the colour profile from it, per session, without a query. No
		// signal handler: SIGTERM is the server's (Close ends every
		// dashboard in order); a program's own handler raced with that
		// and could leave its shutdown waiting for ever.
		opts := append(bm.MakeOptions(sess), tea.WithEnvironment(drawEnv(pty.Term, sess.Environ())), tea.WithoutSignalHandler())
		p := tea.NewProgram(d, opts...)
		progs <- p
		return p
	}
	var timedOut atomic.Value // the reason, when a timeout ended the session
	// Close stops a dashboard as it stops members: with its line, and it
	// waits for the end to be logged.
	s.wg.Add(1)
	defer s.wg.Done()
	stop := s.addDashboard()
	defer s.removeDashboard(stop)
	go func() {
		var p *tea.Program
		select {
		case p = <-progs:
		case <-ctx.Done():
			return
		}
		reason := s.waitTimeouts(ctx, sess, stop)
		if reason == "" {
			return
		}
		timedOut.Store(reason)
		end()
		p.Quit()
	}()
	bm.MiddlewareWithProgramHandler(handler)(func(ssh.Session) {})(sess)
	reason := "quit"
	if r, ok := timedOut.Load().(string); ok {
		reason = r
		s.sayTimeout(sess, r)
	} else if sess.Context().Err() != nil {
		reason = "disconnect"
	}
	s.log.Info("session end", "member", who.Name, "kind", "presenter", "duration", time.Since(start).Round(time.Millisecond), "reason", reason)
	_ = sess.Exit(exitCode(reason))
}

// waitTimeouts returns "idle-timeout" or "session-timeout" when one of
// them ends the session, "server stop" from stop, or "" when ctx ends
// first.
func (s *Server) waitTimeouts(ctx context.Context, sess ssh.Session, stop <-chan string) string {
	var idle <-chan time.Time
	ac, _ := sess.Context().Value(keyActivity).(*activity)
	if s.cfg.IdleTimeout > 0 && ac != nil {
		t := time.NewTicker(min(time.Second, s.cfg.IdleTimeout/2+1))
		defer t.Stop()
		idle = t.C
	}
	var total <-chan time.Time
	if s.cfg.SessionTimeout > 0 {
		t := time.NewTimer(s.cfg.SessionTimeout)
		defer t.Stop()
		total = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return ""
		case r := <-stop:
			return r
		case <-total:
			return "session-timeout"
		case now := <-idle:
			if now.Sub(ac.lastInput()) >= s.cfg.IdleTimeout {
				return "idle-timeout"
			}
		}
	}
}

// ownView is the presenter's own lesson view: a child TUI like a member's
// on the dashboard's terminal, while the dashboard waits (tea.Exec).
type ownView struct {
	s    *Server
	who  Member
	lang string
	sess ssh.Session
	done <-chan struct{} // the dashboard's end: disconnect or a timeout
}

// Run runs the child TUI until the presenter leaves it.
func (v *ownView) Run() error {
	pty, _, _ := v.sess.Pty()
	reason := v.s.runChild(childSpec{who: v.who, tty: pty.Slave, term: pty.Term, lang: v.lang, env: v.sess.Environ(),
		done: v.done, presenter: true, remote: v.sess.RemoteAddr().String(),
		window: fmt.Sprintf("%dx%d", pty.Window.Width, pty.Window.Height)})
	if reason == "error" {
		return fmt.Errorf("the lesson view could not start (see the server's log)")
	}
	return nil
}

// SetStdin is part of tea.ExecCommand; the child uses the PTY itself.
func (v *ownView) SetStdin(io.Reader) {}

// SetStdout is part of tea.ExecCommand; the child uses the PTY itself.
func (v *ownView) SetStdout(io.Writer) {}

// SetStderr is part of tea.ExecCommand; the child uses the PTY itself.
func (v *ownView) SetStderr(io.Writer) {}

// drawEnv is the environment a dashboard's program sees: the client's
// TERM (one that could name a path is taken as xterm), and the variables
// that say how to draw (COLORTERM, NO_COLOR, CLICOLOR, CLICOLOR_FORCE,
// TERM_PROGRAM). Nothing else of what a client sends reaches the program:
// TMUX, for one, would make the colour detection run tmux on the server.
func drawEnv(term string, client []string) []string {
	if term == "" || len(term) > 64 || strings.ContainsAny(term, `/\`) || strings.ContainsFunc(term, unicode.IsControl) {
		term = "xterm"
	}
	env := []string{"TERM=" + term}
	for _, kv := range client {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "COLORTERM", "NO_COLOR", "CLICOLOR", "CLICOLOR_FORCE", "TERM_PROGRAM":
			env = append(env, kv)
		}
	}
	return env
}

// cellWidth is the columns s takes on a terminal.
func cellWidth(s string) int { return runewidth.StringWidth(s) }

// printable drops control characters (C0, DEL and C1, which some terminals
// take as escapes): a message is text on every member's screen, never a
// sequence for their terminal.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
}

// addDashboard registers a running dashboard; Close sends on its channel.
func (s *Server) addDashboard() chan string {
	c := make(chan string, 1)
	s.dashMu.Lock()
	defer s.dashMu.Unlock()
	if s.dashboards == nil {
		s.dashboards = map[chan string]bool{}
	}
	s.dashboards[c] = true
	return c
}

func (s *Server) removeDashboard(c chan string) {
	s.dashMu.Lock()
	delete(s.dashboards, c)
	s.dashMu.Unlock()
}

// stopDashboards ends every dashboard with reason.
func (s *Server) stopDashboards(reason string) {
	s.dashMu.Lock()
	defer s.dashMu.Unlock()
	for c := range s.dashboards {
		select {
		case c <- reason:
		default:
		}
	}
}

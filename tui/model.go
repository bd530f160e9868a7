package tui

import (
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

// The smallest terminal the screens are drawn in.
const (
	minWidth  = 30
	minHeight = 8
)

type state int

const (
	statePicker state = iota
	stateLesson
	stateFatal
)

// Model is the root model: it owns the Common value and switches between
// the picker and the lesson view.
type Model struct {
	common   *Common
	backend  Backend
	progress *Progress
	state    state
	picker   pickerModel
	lesson   *lessonModel
	showHelp bool
	fatal    error
	exitCode int
	serve    serveState // the link of nettutor serve, if any (serve_link.go)
	// early holds the keys typed while the picker was still loading its
	// lessons: the picker is drawn before they arrive, and a learner (or
	// a script) who types at once must not see `j j enter` open another
	// lesson than on a loaded picker. They are replayed, in order, when the
	// lessons are there.
	early []tea.KeyPressMsg
}

// maxEarlyKeys bounds the keys kept while the picker loads.
const maxEarlyKeys = 64

// Options configure New.
type Options struct {
	Lang         string
	ProgressPath string   // "" for ProgressPath(); "-" for none
	Present      bool     // start in presenter mode (--present)
	Terminal     Terminal // the screen a lab shell borrows (tui/screen), or nil
}

// New returns the root model over a backend.
func New(b Backend, o Options) *Model {
	c := NewCommon(o.Lang)
	c.SetPresent(o.Present)
	c.Terminal = o.Terminal
	path := o.ProgressPath
	if path == "" {
		path = ProgressPath()
	}
	var p *Progress
	if path == "-" {
		p = &Progress{Lessons: map[string]*LessonProgress{}}
	} else {
		p = LoadProgress(path)
	}
	return &Model{common: c, backend: b, progress: p, picker: newPicker(c, p)}
}

// ExitCode is the process exit code after the program ends: 2 after a
// fatal error, else 0.
func (m *Model) ExitCode() int { return m.exitCode }

// Init loads the lesson list.
func (m *Model) Init() tea.Cmd {
	b, lang := m.backend, m.common.Lang
	// The background colour is asked for, not waited on: the first frame
	// is drawn at once with the dark styles, and BackgroundColorMsg
	// redraws it when (if ever) the terminal answers.
	return tea.Batch(tea.RequestBackgroundColor, m.serve.listen(), func() tea.Msg {
		ls, err := b.Lessons(lang)
		return lessonsMsg{ls, err}
	})
}

// Update implements tea.Model.
func (m *Model) Update(msg tea.Msg) (_ tea.Model, outCmd tea.Cmd) {
	if m.serve.on {
		var cmd tea.Cmd
		var done bool
		if msg, cmd, done = m.serveBefore(msg); done {
			return m, m.serveAfter(cmd)
		}
		defer func() { outCmd = m.serveAfter(outCmd) }()
	}
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.common.Width, m.common.Height = msg.Width, msg.Height
		return m, nil
	case tea.BackgroundColorMsg:
		m.common.SetLight(!msg.IsDark())
		if m.lesson != nil {
			m.lesson.topoCache.lines = nil // drawn with the other palette
		}
		return m, nil
	case fatalMsg:
		m.state, m.fatal, m.exitCode = stateFatal, msg.err, 2
		var cmd tea.Cmd
		if m.lesson != nil {
			cmd = m.lesson.close()
		}
		return m, cmd
	case tea.PasteMsg:
		if m.state == statePicker && m.picker.loading {
			return m, nil // text for an input that is not there yet
		}
	case tea.KeyPressMsg:
		// Text of more than one character in one key (an input method's
		// commit) is taken one by one, as if typed slowly; a paste comes
		// as tea.PasteMsg and is text, never keys.
		if r := []rune(msg.Text); len(r) > 1 {
			var cmds []tea.Cmd
			for _, c := range r {
				var cmd tea.Cmd
				_, cmd = m.Update(tea.KeyPressMsg{Code: c, Text: string(c), Mod: msg.Mod})
				cmds = append(cmds, cmd)
			}
			return m, tea.Batch(cmds...)
		}
		k := m.common.Keys
		if key.Matches(msg, k.ForceQuit) {
			if m.exitCode == 0 {
				m.exitCode = 130 // as a shell reports ^C
			}
			return m, m.quit()
		}
		if m.state == stateFatal {
			return m, m.quit()
		}
		if m.state == statePicker && m.picker.loading {
			if len(m.early) < maxEarlyKeys {
				m.early = append(m.early, msg)
			}
			return m, nil
		}
		if m.showHelp {
			if key.Matches(msg, k.Help) || key.Matches(msg, k.Cancel) || key.Matches(msg, k.Quit) {
				m.showHelp = false
			}
			return m, nil
		}
		if key.Matches(msg, k.Help) && !(m.state == statePicker && m.picker.Filtering()) && !(m.state == stateLesson && m.lesson.typing()) {
			m.showHelp = true
			return m, nil
		}
	case lessonsMsg:
		if msg.err != nil {
			return m, func() tea.Msg { return fatalMsg{msg.err} }
		}
		m.picker = m.picker.setLessons(msg.lessons)
		early := m.early
		m.early = nil
		var cmds []tea.Cmd
		for _, k := range early {
			var cmd tea.Cmd
			_, cmd = m.Update(k)
			cmds = append(cmds, cmd)
		}
		return m, tea.Batch(cmds...)
	case openLessonMsg:
		m.lesson = newLesson(m.common, m.progress, msg.id)
		m.state = stateLesson
		return m, openSession(m.backend, msg.id, m.common.Lang)
	case sessionMsg:
		if m.lesson == nil || m.lesson.id != msg.id || m.state != stateLesson {
			if msg.sess != nil {
				s := msg.sess
				return m, func() tea.Msg { _ = s.Close(); return nil }
			}
			return m, nil
		}
	case backToPickerMsg:
		var cmd tea.Cmd
		if m.lesson != nil {
			cmd = m.lesson.close()
		}
		m.lesson = nil
		m.state = statePicker
		return m, cmd
	}

	switch m.state {
	case statePicker:
		var cmd tea.Cmd
		m.picker, cmd = m.picker.Update(msg)
		return m, cmd
	case stateLesson:
		if m.lesson == nil {
			return m, nil
		}
		var cmd tea.Cmd
		m.lesson, cmd = m.lesson.Update(msg)
		return m, cmd
	}
	return m, nil
}

func (m *Model) quit() tea.Cmd {
	if m.lesson != nil && m.lesson.sess != nil {
		s := m.lesson.sess
		m.lesson.sess = nil
		return tea.Sequence(func() tea.Msg {
			done := make(chan struct{})
			go func() { _ = s.Close(); close(done) }()
			select {
			case <-done:
			case <-time.After(3 * time.Second):
			}
			return nil
		}, tea.Quit)
	}
	return tea.Quit
}

// View implements tea.Model: the screen in the alternate screen, with
// clicks and the wheel reported, no cursor (an input draws its own), and
// the lesson's title as the window's.
func (m *Model) View() tea.View {
	v := tea.NewView(m.Render())
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "nettutor"
	if m.state == stateLesson && m.lesson != nil && m.lesson.info.Title != "" {
		v.WindowTitle = "nettutor · " + m.lesson.info.Title
	}
	return v
}

// Render is the screen's text: what View shows, and what a Screen
// (tui/screen) draws when the program runs without Bubble Tea's renderer.
func (m *Model) Render() string {
	w, h := m.common.Width, m.common.Height
	if w <= 0 || h <= 0 {
		return ""
	}
	if m.state == stateFatal {
		return m.fatalView(w, h)
	}
	if v, ok := m.withBanner(w, h); ok {
		return v // a study group's banner on the top line (serve_link.go)
	}
	if w < minWidth || h < minHeight {
		msg := m.common.Tf("tui.toosmall", minWidth, minHeight)
		return strings.Join(fitLines(wrap(msg, w), 0, w, min(h, len(wrap(msg, w)))), "\n")
	}
	if m.showHelp {
		return m.helpView(w, h)
	}
	switch m.state {
	case stateLesson:
		if m.lesson != nil {
			return m.lesson.View(w, h)
		}
	}
	v := m.picker.View(w, h-1)
	return v + "\n" + truncate(m.common.shortHelp(m.common.Keys.PickerHelp().ShortHelp(), w), w)
}

func (m *Model) helpView(w, h int) string {
	st := m.common.Styles
	b := m.common.Keys.PickerHelp()
	title := m.common.T("tui.help.picker")
	if m.state == stateLesson {
		b = m.common.Keys.LessonHelp()
		title = m.common.T("tui.help.lesson")
		if m.lesson != nil && m.lesson.ex.on {
			b = m.common.Keys.ExerciseHelp()
			title = m.common.T("tui.help.exercise")
		}
	}
	b = m.serveHelp(b)
	kw := 0
	for _, col := range b.FullHelp() {
		for _, k := range col {
			kw = max(kw, width(k.Help().Key))
		}
	}
	var groups [][]string
	total := 0
	for _, col := range b.FullHelp() {
		var g []string
		for _, k := range col {
			g = append(g, st.Accent.Render(pad(k.Help().Key, kw))+"  "+k.Help().Desc)
		}
		groups = append(groups, g)
		total += len(g) + 1
	}
	// One column when it fits the screen, else two side by side.
	var body []string
	if total+6 <= h || w < 70 {
		for i, g := range groups {
			if i > 0 {
				body = append(body, "")
			}
			body = append(body, g...)
		}
	} else {
		half := (len(groups) + 1) / 2
		col := func(gs [][]string) []string {
			var out []string
			for i, g := range gs {
				if i > 0 {
					out = append(out, "")
				}
				out = append(out, g...)
			}
			return out
		}
		left, right := col(groups[:half]), col(groups[half:])
		lw := 0
		for _, l := range left {
			lw = max(lw, width(l))
		}
		for i := 0; i < max(len(left), len(right)); i++ {
			var a, c string
			if i < len(left) {
				a = left[i]
			}
			if i < len(right) {
				c = right[i]
			}
			body = append(body, pad(a, lw)+"   "+c)
		}
	}
	lines := []string{st.Title.Render(title), ""}
	lines = append(lines, body...)
	lines = append(lines, "", st.Subtle.Render(m.common.T("tui.help.mouse")), st.Subtle.Render(m.common.T("tui.help.close")))
	bw := 0
	for _, l := range lines {
		bw = max(bw, width(l))
	}
	box := st.Overlay.Render(strings.Join(fitLines(lines, 0, min(w-4, bw), min(len(lines), h-2)), "\n"))
	return lipgloss.Place(w, h, lipgloss.Center, lipgloss.Center, box)
}

func (m *Model) fatalView(w, h int) string {
	st := m.common.Styles
	msg := ""
	if m.fatal != nil {
		msg = m.fatal.Error()
	}
	body := st.Fail.Render("✗ "+m.common.T("tui.fatal.title")) + "\n\n" +
		strings.Join(wrap(msg, min(w-8, 70)), "\n") + "\n\n" + st.Subtle.Render(m.common.T("tui.fatal.exit"))
	return lipgloss.Place(w, h, lipgloss.Center, lipgloss.Center, st.Fatal.Render(body))
}

// Fatal is the error that ended the program, if any.
func (m *Model) Fatal() error { return m.fatal }

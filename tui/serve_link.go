package tui

import (
	"errors"
	"io"
	"sort"
	"strings"
	"time"
	"unicode"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/nettutor/nettutor/serve/link"
)

// The status link of `nettutor serve` (package serve/link): when the TUI
// runs as a member's session, it reports where the member is and takes the
// presenter's follow, message and reset. Without a link every hook here
// does nothing, so the plain TUI is unchanged.

// serveState is the link's side of the root model.
type serveState struct {
	on    bool
	r     *link.Reader
	out   chan link.Msg // the newest status, taken by the writer goroutine
	ended bool

	hand     bool
	follow   *link.Msg // the presenter's place, until followed
	followAt time.Time
	message  string
	msgAt    time.Time
	check    *link.Check
	checks   int
	active   time.Time
	last     link.Msg // the last status sent
	lastSent time.Time
	banner   bool // a banner line is drawn (mouse rows move down by one)
	drawing  bool // View is drawing the screens under the banner

	pendingFollow *link.Msg
	followOpening bool // followStep opened the presenter's lesson
	pendingReset  bool
}

// serveLinkMsg is one message from the server.
type serveLinkMsg struct{ m link.Msg }

// serveLinkEndMsg: the server closed the link.
type serveLinkEndMsg struct{}

// SetServeLink connects the model to nettutor serve over rw (the child's
// end of the status link). Call it before the program starts.
func (m *Model) SetServeLink(rw io.ReadWriter) {
	s := &m.serve
	s.on, s.r = true, link.NewReader(rw)
	s.out = make(chan link.Msg, 1)
	w := link.NewWriter(rw)
	go func() {
		for st := range s.out {
			if w.Send(st) != nil {
				return
			}
		}
	}()
}

// listen is the tea.Cmd that waits for the server's next message.
func (s *serveState) listen() tea.Cmd {
	if !s.on || s.ended {
		return nil
	}
	r := s.r
	return func() tea.Msg {
		for {
			msg, err := r.Next()
			if err == nil {
				return serveLinkMsg{msg}
			}
			// A line that is not a message is skipped; anything else
			// (the server gone, a line too long) ends the link.
			var de *link.DecodeError
			if !errors.As(err, &de) {
				return serveLinkEndMsg{}
			}
		}
	}
}

// serveKeys are the keys of a member's session.
func serveKeys(k KeyMap) (hand, follow key.Binding) { return k.Hand, k.Follow }

// serveBefore takes what the link adds to Update before the screens see a
// message: the server's messages, the hand and follow keys, and the check
// results to report. It returns handled when the message was the link's.
func (m *Model) serveBefore(in tea.Msg) (out tea.Msg, cmd tea.Cmd, handled bool) {
	s := &m.serve
	if !s.on {
		return in, nil, false
	}
	switch msg := in.(type) {
	case serveLinkEndMsg:
		s.ended = true
		return in, nil, true
	case serveLinkMsg:
		switch msg.m.Type {
		case link.TypeFollow:
			f := msg.m
			s.follow, s.followAt = &f, time.Now()
		case link.TypeMessage:
			// Only printable text reaches the screen, whatever the link
			// carries: a control character could be an escape sequence.
			s.message, s.msgAt = strings.Map(func(r rune) rune {
				if unicode.IsControl(r) {
					return -1
				}
				return r
			}, msg.m.Text), time.Now()
		case link.TypeReset:
			s.pendingReset = true
		}
		return in, s.listen(), true
	case tea.KeyPressMsg:
		s.active = time.Now()
		if m.typing() {
			return in, nil, false
		}
		hand, follow := serveKeys(m.common.Keys)
		switch {
		case key.Matches(msg, hand):
			s.hand = !s.hand
			if m.state == stateLesson && m.lesson != nil {
				if s.hand {
					m.lesson.setStatus(m.common.T("tui.serve.hand.up"), false)
				} else {
					m.lesson.setStatus(m.common.T("tui.serve.hand.down"), false)
				}
			}
			return in, nil, true
		case key.Matches(msg, follow) && s.follow != nil:
			f := *s.follow
			s.follow, s.pendingFollow = nil, &f
			return in, nil, true
		case (key.Matches(msg, m.common.Keys.Write) || key.Matches(msg, m.common.Keys.Note)) && m.state == stateLesson && m.lesson != nil:
			// A pcap or a note would be a file on the server, which the
			// member cannot reach: say so instead of a path of the
			// server's (and an empty file).
			what := "tui.serve.pcap"
			if key.Matches(msg, m.common.Keys.Note) {
				what = "tui.serve.note"
			}
			m.lesson.setStatus(m.common.T(what), false)
			return in, nil, true
		}
	case tea.MouseMsg:
		if s.banner {
			// The screens are drawn one line lower under the banner.
			return mouseUp(msg), nil, false
		}
	case checkMsg:
		if l := m.lesson; l != nil && msg.err == nil && msg.gen == l.gen && l.ex.on && len(msg.results) > 0 {
			s.checks++
			// The exercise's full id (veth/connect), as the lessons and
			// nettutor check name it: a dashboard row outlives its lesson.
			c := &link.Check{Exercise: l.id + "/" + msg.id, Pass: true, Seq: s.checks}
			for _, r := range msg.results {
				if !r.OK {
					c.Pass, c.Failed = false, r.ID
					break
				}
			}
			s.check = c
		}
	}
	return in, nil, false
}

// typing reports whether keys are text now (a filter, a guess, a step
// number): H and F are letters then.
func (m *Model) typing() bool {
	switch m.state {
	case statePicker:
		return m.picker.Filtering()
	case stateLesson:
		return m.lesson != nil && (m.lesson.typing() || m.lesson.x.jumpOn)
	}
	return false
}

// serveAfter runs after every Update: it does a follow or reset that waited
// for the lab to be free, and reports the member's place when it changed.
func (m *Model) serveAfter(cmd tea.Cmd) tea.Cmd {
	s := &m.serve
	if !s.on {
		return cmd
	}
	var extra tea.Cmd
	l := m.lesson
	free := m.state != stateLesson || (l != nil && l.busy == "" && !l.opening)
	if s.pendingReset && free {
		s.pendingReset = false
		if m.state == stateLesson && l != nil && l.sess != nil {
			l.ex = exerciseState{}
			extra = l.rebuildTo(0, "reset", m.common.T("tui.busy.restart"), m.common.T("tui.serve.reset"))
		}
	}
	if f := s.pendingFollow; f != nil && free && extra == nil {
		extra = m.followStep(f)
	}
	s.report(m)
	if extra == nil {
		return cmd
	}
	return tea.Batch(cmd, extra)
}

// followStep moves the member towards the presenter's place f, as resume
// does: in the lesson open now, the lab is rebuilt at f's step; else that
// lesson opens (resuming at the step), and the next call rebuilds if the
// resume could not go there (the lesson's last step). It keeps f pending
// until the member is there or has gone elsewhere.
func (m *Model) followStep(f *link.Msg) tea.Cmd {
	s := &m.serve
	l := m.lesson
	switch {
	case m.state == stateLesson && l != nil && l.id == f.Lesson:
		if l.sess == nil {
			return nil // still opening
		}
		s.pendingFollow, s.followOpening = nil, false
		step := min(f.Step, len(l.steps))
		if l.pos == step {
			return nil
		}
		l.ex = exerciseState{}
		return l.rebuildTo(step, "follow", m.common.Tf("tui.serve.following", f.Lesson, step), m.common.Tf("tui.status.rebuilt", step))
	case s.followOpening && m.state == statePicker:
		return nil // the lesson is on its way
	case s.followOpening:
		// The member went elsewhere (or the lesson could not open).
		s.pendingFollow, s.followOpening = nil, false
		return nil
	}
	s.followOpening = true
	lp := m.progress.Get(f.Lesson)
	lp.Step = f.Step
	lp.Updated = time.Now().UTC()
	var closeCmd tea.Cmd
	if l != nil {
		closeCmd = l.close()
	}
	m.lesson = nil
	m.state = statePicker
	// As leaving a lesson for the picker and opening another does: the
	// old session closes while the new one opens.
	return tea.Batch(closeCmd, func() tea.Msg { return openLessonMsg{id: f.Lesson} })
}

// place is the status the member's screen says now.
func (m *Model) place() link.Msg {
	s := &m.serve
	st := link.Msg{Type: link.TypeStatus, Hand: s.hand, Check: s.check, Active: s.active}
	if m.state == stateLesson && m.lesson != nil {
		st.Lesson, st.Step, st.Steps = m.lesson.id, m.lesson.pos, len(m.lesson.steps)
	}
	for id, lp := range m.progress.Lessons {
		for ex, ok := range lp.Exercises {
			if ok {
				st.Passed = append(st.Passed, id+"/"+ex)
			}
		}
	}
	sort.Strings(st.Passed)
	return st
}

func samePlace(a, b link.Msg) bool {
	if a.Lesson != b.Lesson || a.Step != b.Step || a.Steps != b.Steps || a.Hand != b.Hand || len(a.Passed) != len(b.Passed) {
		return false
	}
	if (a.Check == nil) != (b.Check == nil) || (a.Check != nil && *a.Check != *b.Check) {
		return false
	}
	return true
}

// report sends the place when it changed, and the activity at most every
// few seconds (the idle column needs no more).
func (s *serveState) report(m *Model) {
	st := m.place()
	if samePlace(st, s.last) && (st.Active.Equal(s.last.Active) || time.Since(s.lastSent) < 5*time.Second) && !s.lastSent.IsZero() {
		return
	}
	s.last, s.lastSent = st, time.Now()
	for {
		select {
		case s.out <- st:
			return
		default:
			select {
			case <-s.out:
			default:
			}
		}
	}
}

// bannerLine is the one line over the screens: the newer of the
// presenter's message (shown for a minute) and the follow offer (until
// followed, or until the member is there); "" for none.
func (m *Model) bannerLine(w int) string {
	s := &m.serve
	if !s.on {
		return ""
	}
	st := m.common.Styles
	msg := s.message != "" && time.Since(s.msgAt) < time.Minute
	f := s.follow
	if f != nil && m.state == stateLesson && m.lesson != nil && m.lesson.id == f.Lesson && m.lesson.pos == f.Step {
		f = nil
	}
	if msg && (f == nil || s.msgAt.After(s.followAt)) {
		return st.Warn.Render(truncate(m.common.Tf("tui.serve.message", s.message), w))
	}
	if f != nil {
		return st.Accent.Render(truncate(m.common.Tf("tui.serve.follow", f.Lesson, f.Step), w))
	}
	return ""
}

// withBanner draws the screens one line shorter under the banner, when
// there is one; ok is false without a banner.
func (m *Model) withBanner(w, h int) (view string, ok bool) {
	s := &m.serve
	if !s.on || s.drawing {
		return "", false
	}
	b := m.bannerLine(w)
	s.banner = b != "" && h > minHeight
	if !s.banner {
		return "", false
	}
	s.drawing, m.common.Height = true, h-1
	v := m.Render()
	s.drawing, m.common.Height = false, h
	return b + "\n" + v, true
}

// UseProgress makes path the progress file (nettutor serve gives every
// member a file of their own key's), before the program starts.
func (m *Model) UseProgress(path string) {
	m.progress = LoadProgress(path)
	m.picker = newPicker(m.common, m.progress)
}

// serveHelp adds a study group's keys to a help overlay, in a member's
// session only: elsewhere H and F do nothing.
func (m *Model) serveHelp(b bindings) bindings {
	if !m.serve.on {
		return b
	}
	k := m.common.Keys
	b.full = append(append([][]key.Binding(nil), b.full...), []key.Binding{k.Hand, k.Follow})
	return b
}

// mouseUp is msg one row higher: Bubble Tea v2's mouse messages are
// separate types over one tea.Mouse, so the row is moved in a copy of the
// same type.
func mouseUp(msg tea.MouseMsg) tea.Msg {
	mo := msg.Mouse()
	mo.Y--
	switch msg.(type) {
	case tea.MouseClickMsg:
		return tea.MouseClickMsg(mo)
	case tea.MouseReleaseMsg:
		return tea.MouseReleaseMsg(mo)
	case tea.MouseWheelMsg:
		return tea.MouseWheelMsg(mo)
	case tea.MouseMotionMsg:
		return tea.MouseMotionMsg(mo)
	}
	return msg
}

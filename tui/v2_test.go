package tui

import (
	"image/color"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"
)

// TestViewFields: the screen's terminal modes are the View's fields in
// Bubble Tea v2: the alternate screen, clicks and the wheel, no cursor,
// bracketed paste on, and the lesson's title as the window's.
func TestViewFields(t *testing.T) {
	d := newTestDriver(t, "en", 80, 24, nil)
	v := d.m.View()
	if !v.AltScreen || v.MouseMode != tea.MouseModeCellMotion || v.Cursor != nil || v.DisableBracketedPasteMode || v.WindowTitle != "nettutor" {
		t.Errorf("picker view: alt %v mouse %v cursor %v nopaste %v title %q", v.AltScreen, v.MouseMode, v.Cursor, v.DisableBracketedPasteMode, v.WindowTitle)
	}
	d.keys("down", "enter")
	d.waitFor("the lesson", func(m *Model) bool { return m.lesson != nil && !m.lesson.opening })
	if v := d.m.View(); v.WindowTitle != "nettutor · RED and BLUE over a veth pair" || !v.AltScreen {
		t.Errorf("lesson view: title %q alt %v", v.WindowTitle, v.AltScreen)
	}
	d.keys("esc")
	if v := d.m.View(); v.WindowTitle != "nettutor" {
		t.Errorf("back in the picker: title %q", v.WindowTitle)
	}
}

// TestPasteIsText: a bracketed paste goes into the filter as text; a
// pasted "q" or "1" is not a key (it neither quits nor opens lesson 1),
// and a paste outside an input does nothing.
func TestPasteIsText(t *testing.T) {
	d := newTestDriver(t, "en", 80, 24, nil)
	var cmd tea.Cmd
	d.m, cmd = d.m.Update(tea.PasteMsg{Content: "q1"})
	if cmd != nil || d.root().state != statePicker {
		t.Fatalf("a paste outside the filter did something: state %d cmd %v", d.root().state, cmd != nil)
	}
	d.keys("/")
	d.send(tea.PasteMsg{Content: "veth\n"})
	p := d.root().picker
	if p.filter != "veth " || !p.filterOn {
		t.Errorf("filter after a paste: %q (on %v)", p.filter, p.filterOn)
	}
	if got := d.view(); !strings.Contains(got, "RED and BLUE over a veth pair") || strings.Contains(got, "Namespaces: a process's own view") {
		t.Errorf("the pasted filter did not filter:\n%s", got)
	}
}

// TestPasteIntoPredictGate: a paste at the predict gate is the guess's
// text; newlines become spaces, and nothing runs.
func TestPasteIntoPredictGate(t *testing.T) {
	d := openLesson(t, "en", "veth", 120, 40, 3)
	d.keys("n") // veth's step 4 asks first
	l := d.root().lesson
	pos := l.pos
	if !l.pr.open {
		t.Fatal("no predict gate at veth's step 4")
	}
	d.send(tea.PasteMsg{Content: "no reply\nat all"})
	if got := string(l.pr.guess); got != "no reply at all" || l.pos != pos || !l.pr.open {
		t.Errorf("guess %q pos %d (was %d) open %v", got, l.pos, pos, l.pr.open)
	}
}

// TestMouseClickAndRelease: Bubble Tea v2 sends a click and its release
// as two messages; the click focuses the pane under it, the release (and
// motion) change nothing.
func TestMouseClickAndRelease(t *testing.T) {
	d := openLesson(t, "en", "veth", 120, 40, 4)
	_ = d.view()
	l := d.root().lesson
	r := l.rects[panePackets]
	l.focus = paneSteps
	d.send(tea.MouseReleaseMsg{X: r.x + 3, Y: r.y + 2, Button: tea.MouseLeft})
	d.send(tea.MouseMotionMsg{X: r.x + 3, Y: r.y + 2})
	if l.focus != paneSteps {
		t.Errorf("a release or motion moved the focus to %d", l.focus)
	}
	d.send(tea.MouseClickMsg{X: r.x + 3, Y: r.y + 2, Button: tea.MouseLeft})
	if l.focus != panePackets {
		t.Errorf("a click on the packets pane: focus %d", l.focus)
	}
}

// TestBackgroundAnswerRedraws: the program asks for the background in
// Init and draws its first frame without waiting; an answer that the
// background is light rebuilds the styles (the dark ones until then).
func TestBackgroundAnswerRedraws(t *testing.T) {
	m := New(&fakeBackend{lessons: sixLessons()}, Options{Lang: "en", ProgressPath: "-"})
	if m.common.Light {
		t.Fatal("light before any answer")
	}
	dark := m.common.Styles.Title.GetForeground()
	m.Update(tea.BackgroundColorMsg{Color: color.White})
	if !m.common.Light || m.common.Styles.Title.GetForeground() == dark {
		t.Error("a light background did not change the styles")
	}
	m.Update(tea.BackgroundColorMsg{Color: color.Black})
	if m.common.Light || m.common.Styles.Title.GetForeground() != dark {
		t.Error("a dark background did not bring the dark styles back")
	}
}

// TestFirstFrameWithoutAnswer runs the program on a terminal that never
// answers a query (teatest's input is empty): the picker is on screen at
// once, not after a query's timeout.
func TestFirstFrameWithoutAnswer(t *testing.T) {
	m := New(&fakeBackend{lessons: sixLessons()}, Options{Lang: "en", ProgressPath: "-"})
	start := time.Now()
	tm := newFlow(t, m, 80, 24)
	waitOut(t, tm, 5*time.Second, "RED and BLUE over a veth pair")
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("first frame after %v", d)
	}
	tm.Send(keyMsg("ctrl+c"))
	tm.WaitFinished(t)
}

// TestShellRestoresModes runs a lab shell (tea.Exec) from a lesson in a
// real program drawn as the binary draws it (tui/screen): the shell gets
// the main screen without mouse or paste modes, and every mode is set
// again afterwards.
func TestShellRestoresModes(t *testing.T) {
	m := New(&fakeBackend{lessons: sixLessons()}, Options{Lang: "en", ProgressPath: "-"})
	tm := newFlow(t, m, 120, 40)
	waitOut(t, tm, 5*time.Second, "RED and BLUE over a veth pair")
	tm.Type("2")
	waitOut(t, tm, 5*time.Second, "step 0/4")
	tm.Type("s")
	waitOut(t, tm, 5*time.Second, "back from the shell")
	tm.Send(keyMsg("ctrl+c"))
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	got := string(flowSeen(tm))
	leave := strings.Index(got, "\x1b[?1049l")
	if leave < 0 {
		t.Fatalf("the shell did not get the main screen: %q", got)
	}
	after := got[leave:]
	for _, mode := range []string{"\x1b[?1049h", "\x1b[?1002h", "\x1b[?1006h", "\x1b[?2004h"} {
		if !strings.Contains(after, mode) {
			t.Errorf("after the shell, mode %q is not set again", mode)
		}
	}
	for _, mode := range []string{"\x1b[?1002l", "\x1b[?2004l"} {
		if !strings.Contains(got, mode) {
			t.Errorf("the shell got the terminal with %q still set", mode)
		}
	}
}

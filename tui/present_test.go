package tui

import (
	"fmt"
	"strings"
	"testing"

	"image/color"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
)

// TestPresenterKeys: P switches the palette and the layout; in presenter
// mode tab visits only the panes on screen, and z still zooms.
func TestPresenterKeys(t *testing.T) {
	t.Parallel() // the fake backend: no lab, no package state (parallel_test.go)
	cases := []struct {
		name  string
		steps int
		keys  []string
		check func(t *testing.T, m *lessonModel, view string)
	}{
		{"P turns it on", 0, []string{"P"}, func(t *testing.T, m *lessonModel, view string) {
			if !m.c.Present || m.c.Styles.Subtle.GetForeground() == DefaultStyles().Subtle.GetForeground() {
				t.Errorf("present %v, subtle %v", m.c.Present, m.c.Styles.Subtle.GetForeground())
			}
			if !strings.Contains(view, "presenter mode") {
				t.Errorf("no status:\n%s", view)
			}
		}},
		{"P twice turns it off", 0, []string{"P", "P"}, func(t *testing.T, m *lessonModel, view string) {
			if m.c.Present || m.c.Styles.Subtle.GetForeground() != DefaultStyles().Subtle.GetForeground() {
				t.Error("still in presenter mode")
			}
			if !strings.Contains(view, "Topology") {
				t.Errorf("the boxed layout is not back:\n%s", view)
			}
		}},
		{"empty panes hidden, tab stays on the steps", 0, []string{"P", "tab", "tab"}, func(t *testing.T, m *lessonModel, view string) {
			if m.focus != paneSteps {
				t.Errorf("focus %d on a hidden pane", m.focus)
			}
			if strings.Contains(view, "Topology") || strings.Contains(view, "Packets") || strings.Contains(view, "╭") {
				t.Errorf("an empty pane or a box is drawn:\n%s", view)
			}
		}},
		{"tab visits the shown panes", 4, []string{"P", "tab"}, func(t *testing.T, m *lessonModel, view string) {
			if m.focus != paneTopo {
				t.Errorf("focus %d, want the diagram", m.focus)
			}
			for _, s := range []string{"Topology", "Packets", "ICMP echo reply", "veth0"} {
				if !strings.Contains(view, s) {
					t.Errorf("view lacks %q:\n%s", s, view)
				}
			}
		}},
		{"z zooms in presenter mode", 4, []string{"P", "tab", "tab", "z"}, func(t *testing.T, m *lessonModel, view string) {
			if !m.zoomed || m.focus != panePackets || !strings.Contains(view, "z or esc") || strings.Contains(view, "Topology") {
				t.Errorf("zoomed %v focus %d:\n%s", m.zoomed, m.focus, view)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := openLesson(t, "en", "veth", 120, 40, c.steps)
			d.keys(c.keys...)
			c.check(t, d.root().lesson, ansi.Strip(d.view()))
		})
	}
}

// TestPresenterStepsTakeTheRoom: with no diagram and no packets, the step
// pane's lines run the whole width (wrapped at 120, not at the split).
func TestPresenterStepsTakeTheRoom(t *testing.T) {
	d := openLesson(t, "en", "veth", 120, 40, 0)
	narrow := 0
	for _, l := range strings.Split(ansi.Strip(d.view()), "\n") {
		narrow = max(narrow, len(strings.TrimRight(l, " │┃")))
	}
	d.keys("P")
	wide := 0
	for _, l := range strings.Split(ansi.Strip(d.view()), "\n")[1:39] {
		wide = max(wide, width(strings.TrimRight(l, " ")))
	}
	if wide <= splitWidth(120) {
		t.Errorf("steps at most %d cells wide in presenter mode, the split is %d", wide, splitWidth(120))
	}
}

// TestPresenterContrast: in colour, command output is no longer drawn in
// #8b949e but near-white; on a light background (tea.BackgroundColorMsg)
// the light palette's colours; with no colour (NO_COLOR gives Bubble
// Tea's writer the Ascii profile) presenter mode prints no colour at all.
func TestPresenterContrast(t *testing.T) {
	d := openLesson(t, "en", "veth", 120, 40, 4)
	colour := func() string { return d.m.View().Content } // full colour, as Lip Gloss v2 renders
	normal := colour()
	d.keys("P")
	present := colour()
	grey, white := "\x1b[38;2;139;148;158m", "\x1b[38;2;240;246;252m" // #8b949e, #f0f6fc
	if !strings.Contains(normal, grey) || strings.Contains(normal, white) {
		t.Errorf("default palette: want %q (output), not %q", grey, white)
	}
	if strings.Contains(present, grey) || !strings.Contains(present, white) {
		t.Errorf("presenter palette: want %q, not %q", white, grey)
	}
	// The terminal answers that its background is light: the next frame
	// has the light presenter palette (#1f2328 for output).
	d.send(tea.BackgroundColorMsg{Color: color.White})
	light := colour()
	if dark := "\x1b[38;2;31;35;40m"; strings.Contains(light, white) || !strings.Contains(light, dark) {
		t.Errorf("light presenter palette: want %q, not %q", dark, white)
	}
	var b strings.Builder
	w := &colorprofile.Writer{Forward: &b, Profile: colorprofile.ASCII}
	_, _ = w.Write([]byte(light))
	if v := b.String(); strings.Contains(v, "\x1b[38") || strings.Contains(v, "\x1b[48") || strings.Contains(v, ";38;") {
		t.Errorf("colour with the Ascii profile: %q", v)
	}
}

// TestGoldenPresenter: presenter mode at 80x24 and 120x40, before the lab
// has anything to draw (steps alone) and after the ping (all panes).
func TestGoldenPresenter(t *testing.T) {
	t.Parallel() // the fake backend: no lab, no package state (parallel_test.go)
	for _, sz := range sizes {
		for _, n := range []int{1, 4} {
			d := openLesson(t, "en", "veth", sz.w, sz.h, n)
			d.keys("P")
			golden(t, fmt.Sprintf("present_%d_%dx%d", n, sz.w, sz.h), d.view())
		}
	}
}

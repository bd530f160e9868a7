package tui

import (
	"image/color"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/nettutor/nettutor/engine"
)

// Presenter mode (P, or nettutor --present) is for a study group's
// projector: the high-contrast palette below, no pane that has nothing to
// show, and a compact layout (no box borders, one title row per pane) so
// the room the borders took goes to text and the terminal's font can be
// made larger. Zoom (z) works as in the normal layout.

// PresenterStyles returns the styles of presenter mode: the same roles
// as DefaultStyles, in colours that hold on a washed-out projector
// (output in near-white on dark, near-black on light, where the default
// gives it #8b949e), and bold where the default relies on a hue. As with
// DefaultStyles, NO_COLOR or a monochrome terminal drops every colour
// (Bubble Tea downsamples to the terminal's profile). These are the dark
// background's; NewPresenterStyles picks either.
func PresenterStyles() *Styles { return NewPresenterStyles(true) }

// NewPresenterStyles returns presenter mode's styles for a dark or a
// light background.
func NewPresenterStyles(dark bool) *Styles {
	ld := lipgloss.LightDark(dark)
	c := func(light, dark string) color.Color { return ld(lipgloss.Color(light), lipgloss.Color(dark)) }
	green := c("#055d20", "#7ee787")
	red := c("#a40e26", "#ffa198")
	yellow := c("#633c01", "#f8e3a1")
	blue := c("#0a3069", "#cae8ff")
	text := c("#1f2328", "#f0f6fc")
	accent := c("#3e1f79", "#f0e6ff")
	s := &Styles{}
	s.App = lipgloss.NewStyle()
	s.Title = lipgloss.NewStyle().Bold(true).Foreground(accent)
	s.Subtle = lipgloss.NewStyle().Foreground(text)
	s.Bold = lipgloss.NewStyle().Bold(true)
	s.Code = lipgloss.NewStyle().Bold(true).Foreground(blue)
	s.Command = lipgloss.NewStyle().Bold(true).Foreground(blue)
	s.OK = lipgloss.NewStyle().Bold(true).Foreground(green)
	s.Fail = lipgloss.NewStyle().Bold(true).Foreground(red)
	s.Warn = lipgloss.NewStyle().Bold(true).Foreground(yellow)
	s.Changed = lipgloss.NewStyle().Bold(true).Foreground(yellow)
	s.Selected = lipgloss.NewStyle().Reverse(true)
	s.Pane = lipgloss.NewStyle().Border(lipgloss.NormalBorder()).BorderForeground(text)
	s.PaneFocused = lipgloss.NewStyle().Border(lipgloss.ThickBorder()).BorderForeground(accent)
	s.PaneTitle = lipgloss.NewStyle().Bold(true)
	s.Header = lipgloss.NewStyle().Bold(true).Foreground(accent)
	s.Footer = lipgloss.NewStyle().Foreground(text)
	s.Overlay = lipgloss.NewStyle().Border(lipgloss.DoubleBorder()).BorderForeground(accent).Padding(0, 1)
	s.Fatal = lipgloss.NewStyle().Border(lipgloss.DoubleBorder()).BorderForeground(red).Padding(1, 2)
	s.Up = lipgloss.NewStyle().Bold(true).Foreground(green)
	s.Down = lipgloss.NewStyle().Bold(true).Foreground(red)
	s.Accent = lipgloss.NewStyle().Bold(true).Foreground(accent)
	s.Help = help.DefaultStyles(dark)
	return s
}

// SetPresent turns presenter mode on or off: the mode picks the palette,
// so every screen sharing c draws with it from the next frame on.
func (c *Common) SetPresent(on bool) {
	c.Present = on
	if on {
		c.Styles = NewPresenterStyles(!c.Light)
	} else {
		c.Styles = NewStyles(!c.Light)
	}
}

// SetLight builds the styles again for the terminal's background, as
// tea.BackgroundColorMsg reports it: a frame drawn before the answer used
// the dark styles, the next one uses these.
func (c *Common) SetLight(light bool) {
	c.Light = light
	c.SetPresent(c.Present)
}

// presentKey toggles presenter mode (P) and, in it, moves tab and
// shift+tab over the panes on screen only.
func (m *lessonModel) presentKey(km tea.KeyPressMsg) (bool, tea.Cmd) {
	k := m.c.Keys
	switch {
	case key.Matches(km, k.Present):
		m.c.SetPresent(!m.c.Present)
		m.topoCache.lines = nil // drawn with the other palette
		if m.c.Present {
			m.setStatus(m.c.T("tui.status.present.on"), false)
		} else {
			m.setStatus(m.c.T("tui.status.present.off"), false)
		}
		return true, nil
	case !m.c.Present || m.zoomed:
		return false, nil
	case key.Matches(km, k.Tab), key.Matches(km, k.BackTab):
		d := pane(1)
		if key.Matches(km, k.BackTab) {
			d = paneCount - 1
		}
		for i := 0; i < int(paneCount); i++ {
			m.focus = (m.focus + d) % paneCount
			if m.paneShown(m.focus) {
				break
			}
		}
		return true, nil
	}
	return false, nil
}

// paneShown reports whether pane p has anything to show in presenter
// mode. The steps always do; the diagram once the lab has a namespace of
// the lesson's or a link besides lo (isolation and userns work in
// throwaway namespaces and never do); the packets once one was captured.
func (m *lessonModel) paneShown(p pane) bool {
	switch p {
	case paneTopo:
		if m.snap == nil {
			return false
		}
		for _, n := range m.snap.Namespaces {
			if n.Name != engine.HostNS {
				return true
			}
			for _, l := range n.Links {
				if l.Name != "lo" {
					return true
				}
			}
		}
		return false
	case panePackets:
		return m.pk.pkts.Len() > 0 || m.pk.detail
	}
	return true
}

// presentView draws the lesson in presenter mode: the header in one row,
// each pane under a one-row title instead of a box, one rule between the
// steps and the right column, and the panes with nothing to show left
// out, their room given to the others (to the steps when both are).
func (m *lessonModel) presentView(w, h int) string {
	st := m.c.Styles
	bodyH := max(h-2, 4)
	topo, pk := m.paneShown(paneTopo), m.paneShown(panePackets)
	if !m.paneShown(m.focus) {
		m.focus = paneSteps
	}
	m.rects = [paneCount]rect{}
	stepsTitle := m.c.T("tui.pane.steps")
	if m.ex.on {
		stepsTitle = m.c.T("tui.pane.exercise")
	}
	left := w
	if topo || pk {
		left = splitWidth(w)
	}
	rightW := w - left - 2 // the rule and a space
	steps := m.bareBox(paneSteps, stepsTitle, m.stepLines(left), left, bodyH, 0, 1)

	var right []string
	if topo || pk {
		topoH, pkH := 0, 0
		switch {
		case topo && pk:
			pkMin := min(9, bodyH/3+1)
			need := len(m.topoLines(rightW, bodyH-pkMin-1)) + 1
			topoH = clamp(need, 3, bodyH-pkMin)
			pkH = bodyH - topoH
		case topo:
			topoH = bodyH
		default:
			pkH = bodyH
		}
		if topoH > 0 {
			title := m.c.T("tui.pane.topology")
			if m.selNS != "" {
				title += st.Subtle.Render(" · s → " + m.selNS)
			}
			right = append(right, m.bareBox(paneTopo, title, m.topoLines(rightW, topoH-1), rightW, topoH, left+2, 1)...)
		}
		if pkH > 0 {
			title := m.c.T("tui.pane.packets")
			if m.pk.journey {
				title = m.c.T("tui.pane.journey")
			} else if m.pk.detail {
				title = m.c.T("tui.pane.packet")
			} else if m.pk.ladder {
				title = m.c.T("tui.pane.ladder")
			}
			lines := fitLines(m.pk.view(rightW, pkH-1), 0, rightW, pkH-1)
			m.rects[panePackets] = rect{left + 2, 1 + topoH, rightW, pkH}
			right = append(right, m.titleRow(panePackets, title, rightW))
			right = append(right, lines...)
		}
	}
	out := make([]string, 0, h)
	out = append(out, m.header(w))
	rule := st.Subtle.Render("│") + " "
	for i := 0; i < bodyH; i++ {
		if right == nil {
			out = append(out, steps[i])
			continue
		}
		out = append(out, steps[i]+rule+right[i])
	}
	out = append(out, m.footer(w))
	return strings.Join(out, "\n")
}

// bareBox is pane p in presenter mode: its title row and h-1 rows of
// body, scrolled as the boxed pane is, at (x, y) for the mouse.
func (m *lessonModel) bareBox(p pane, title string, body []string, w, h, x, y int) []string {
	m.rects[p] = rect{x, y, w, h}
	out := []string{m.titleRow(p, title, w)}
	return append(out, m.scrolled(p, body, w, h-1, p == paneSteps)...)
}

// titleRow is a pane's title in presenter mode: ▸ and bold accent when
// focused, as the heavy border says it in the boxed layout.
func (m *lessonModel) titleRow(p pane, title string, w int) string {
	st := m.c.Styles
	if m.focus == p {
		return pad(st.Accent.Render("▸ "+title), w)
	}
	return pad(st.PaneTitle.Render("  "+title), w)
}

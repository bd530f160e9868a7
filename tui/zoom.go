package tui

import "strings"

// zoomView draws the focused pane alone over the whole screen, without
// side borders: every line of its outputs is there (none is held back as
// "more lines"), the diagram and packets get the full width, and what a
// terminal selection copies is the text itself, no frame around it.
func (m *lessonModel) zoomView(w, h int) string {
	st := m.c.Styles
	bodyH := max(h-3, 3)
	var title string
	var body []string
	switch m.focus {
	case paneSteps:
		title = m.c.T("tui.pane.steps")
		if m.ex.on {
			title = m.c.T("tui.pane.exercise")
		}
		body = m.scrolled(paneSteps, m.stepLines(w), w, bodyH, true)
	case paneTopo:
		title = m.c.T("tui.pane.topology")
		body = m.scrolled(paneTopo, m.topoLines(w, bodyH), w, bodyH, false)
	default:
		title = m.c.T("tui.pane.packets")
		if m.pk.journey {
			title = m.c.T("tui.pane.journey")
		} else if m.pk.detail {
			title = m.c.T("tui.pane.packet")
		} else if m.pk.ladder {
			title = m.c.T("tui.pane.ladder")
		}
		body = fitLines(m.pk.view(w, bodyH), 0, w, bodyH)
	}
	m.rects = [paneCount]rect{}
	m.rects[m.focus] = rect{0, 2, w, bodyH}
	hint := m.c.T("tui.zoom.hint")
	top := st.PaneTitle.Render("▸ "+title) + "  " + st.Subtle.Render(hint)
	out := make([]string, 0, h)
	out = append(out, m.header(w), truncate(top, w))
	out = append(out, body...)
	out = append(out, m.footer(w))
	return strings.Join(out, "\n")
}

// scrolled returns h lines of w cells of body from pane p's offset, the
// steps following their newest block as in the split view.
func (m *lessonModel) scrolled(p pane, body []string, w, h int, isSteps bool) []string {
	if isSteps && m.follow {
		m.scroll[p] = m.anchor(len(body), h)
	}
	m.scroll[p] = clamp(m.scroll[p], 0, max(0, len(body)-h))
	lines := fitLines(body, m.scroll[p], w, h)
	if m.scroll[p]+h < len(body) && h > 0 {
		lines[h-1] = pad(m.c.Styles.Subtle.Render("  ↓ "+m.c.T("tui.more")), w)
	}
	return lines
}

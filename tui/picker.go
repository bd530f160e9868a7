package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// pickerModel lists the lessons with their progress.
type pickerModel struct {
	c        *Common
	progress *Progress
	lessons  []LessonInfo
	shown    []int // indexes into lessons after the filter
	cursor   int   // index into shown
	off      int
	filter   string
	filterOn bool
	loading  bool
	err      error
	// confirm is the lesson whose progress a y resets ("*": every
	// lesson's); note is what the last reset did.
	confirm string
	note    string
}

func newPicker(c *Common, p *Progress) pickerModel {
	return pickerModel{c: c, progress: p, loading: true}
}

func (m pickerModel) setLessons(ls []LessonInfo) pickerModel {
	m.lessons = ls
	m.loading = false
	m.applyFilter()
	return m
}

func (m *pickerModel) applyFilter() {
	q := strings.ToLower(strings.TrimSpace(m.filter))
	m.shown = m.shown[:0]
	for i, l := range m.lessons {
		if q == "" || strings.Contains(strings.ToLower(l.ID+" "+l.Title+" "+l.Summary), q) {
			m.shown = append(m.shown, i)
		}
	}
	m.cursor = clamp(m.cursor, 0, max(0, len(m.shown)-1))
}

// Selected returns the lesson under the cursor.
func (m pickerModel) Selected() (LessonInfo, bool) {
	if m.cursor < 0 || m.cursor >= len(m.shown) {
		return LessonInfo{}, false
	}
	return m.lessons[m.shown[m.cursor]], true
}

// Filtering reports whether keys go to the filter input.
func (m pickerModel) Filtering() bool { return m.filterOn }

func (m pickerModel) Update(msg tea.Msg) (pickerModel, tea.Cmd) {
	k := m.c.Keys
	km, ok := msg.(tea.KeyPressMsg)
	if pe, isErr := msg.(progressErrMsg); isErr {
		m.note = "✗ " + m.c.T("tui.status.nosave") + ": " + pe.err.Error()
		return m, nil
	}
	if pm, isPaste := msg.(tea.PasteMsg); isPaste {
		// A paste is text for the filter, never keys: pasted "q" does
		// not quit.
		if m.filterOn {
			m.typeFilter(pm.Content)
		}
		return m, nil
	}
	if !ok {
		if mm, ok := msg.(tea.MouseWheelMsg); ok {
			switch mm.Button {
			case tea.MouseWheelUp:
				m.cursor = max(0, m.cursor-1)
			case tea.MouseWheelDown:
				m.cursor = min(max(0, len(m.shown)-1), m.cursor+1)
			}
		}
		return m, nil
	}
	if m.filterOn {
		switch {
		case key.Matches(km, k.Cancel):
			m.filterOn = false
			m.filter = ""
			m.applyFilter()
			return m, nil
		case key.Matches(km, k.Open):
			m.filterOn = false
			return m, nil
		case key.Matches(km, k.Erase):
			if r := []rune(m.filter); len(r) > 0 {
				m.filter = string(r[:len(r)-1])
			}
			m.applyFilter()
			return m, nil
		case isText(km):
			m.typeFilter(km.Text)
			return m, nil
		}
	}
	if m.confirm != "" {
		return m.confirmed(km)
	}
	m.note = ""
	switch {
	case key.Matches(km, k.Digits):
		// The number shown before a title, whatever the filter hides.
		if n := int(km.Code - '1'); n >= 0 && n < len(m.lessons) {
			for i, j := range m.shown {
				if j == n {
					m.cursor = i
				}
			}
			id := m.lessons[n].ID
			return m, func() tea.Msg { return openLessonMsg{id} }
		}
	case key.Matches(km, k.Reset):
		if l, ok := m.Selected(); ok {
			m.confirm = l.ID
		}
	case key.Matches(km, k.ResetAll):
		m.confirm = "*"
	case key.Matches(km, k.Up):
		m.cursor = max(0, m.cursor-1)
	case key.Matches(km, k.Down):
		m.cursor = min(max(0, len(m.shown)-1), m.cursor+1)
	case key.Matches(km, k.Home):
		m.cursor = 0
	case key.Matches(km, k.End):
		m.cursor = max(0, len(m.shown)-1)
	case key.Matches(km, k.Filter):
		m.filterOn = true
	case key.Matches(km, k.Cancel) && m.filter != "":
		m.filter = ""
		m.applyFilter()
	case key.Matches(km, k.Open):
		if l, ok := m.Selected(); ok {
			id := l.ID
			return m, func() tea.Msg { return openLessonMsg{id} }
		}
	case key.Matches(km, k.Quit):
		return m, tea.Quit
	}
	return m, nil
}

// confirmed ends a reset question: y resets and saves, any other key
// keeps the progress.
// typeFilter adds printable text (typed or pasted) to the filter, up to
// 40 characters.
func (m *pickerModel) typeFilter(text string) {
	for _, r := range text {
		if r == '\n' || r == '\t' {
			r = ' '
		}
		if r >= ' ' && r != 0x7f && len([]rune(m.filter)) < 40 {
			m.filter += string(r)
		}
	}
	m.applyFilter()
}

func (m pickerModel) confirmed(km tea.KeyPressMsg) (pickerModel, tea.Cmd) {
	id := m.confirm
	m.confirm = ""
	if !key.Matches(km, m.c.Keys.Yes) {
		m.note = m.c.T("tui.picker.reset.cancel")
		return m, nil
	}
	if id == "*" {
		m.progress.ResetAll()
		m.note = m.c.T("tui.picker.reset.all")
	} else {
		m.progress.Reset(id)
		m.note = m.c.Tf("tui.picker.reset.one", id)
	}
	path, b := m.progress.Path, m.progress.Marshal()
	return m, func() tea.Msg {
		if err := writeProgress(path, b); err != nil {
			return progressErrMsg{err}
		}
		return nil
	}
}

func (m pickerModel) statusText(id string, steps int) string {
	st := m.c.Styles
	switch m.progress.Status(id) {
	case StatusDone:
		return st.OK.Render("✓ " + m.c.T("tui.picker.done"))
	case StatusInProgress:
		lp := m.progress.Lessons[id]
		return st.Warn.Render("● " + m.c.Tf("tui.picker.inprogress", lp.Step, max(steps, lp.Steps)))
	}
	return st.Subtle.Render("○ " + m.c.T("tui.picker.new"))
}

// View draws the picker in w x h: the list, and at 110 columns or more a
// preview of the lesson under the cursor beside it.
func (m pickerModel) View(w, h int) string {
	if w < 110 {
		return m.listView(w, h)
	}
	lw := w * 11 / 20
	list := strings.Split(m.listView(lw, h), "\n")
	prev := m.preview(w-lw-3, h-2)
	out := make([]string, 0, h)
	for i := 0; i < h; i++ {
		l := ""
		if i < len(list) {
			l = list[i]
		}
		r := ""
		if i >= 2 && i-2 < len(prev) {
			r = m.c.Styles.Subtle.Render("│") + " " + prev[i-2]
		}
		out = append(out, pad(l, lw)+" "+r)
	}
	return strings.Join(out, "\n")
}

// preview lists the steps and exercises of the lesson under the cursor,
// with the learner's progress.
func (m pickerModel) preview(w, h int) []string {
	l, ok := m.Selected()
	if !ok || w < 20 {
		return nil
	}
	st := m.c.Styles
	lp := m.progress.Lessons[l.ID]
	var out []string
	out = append(out, truncate(st.Title.Render(l.Title), w), "")
	for i, t := range l.StepTitles {
		mark := st.Subtle.Render("○")
		if lp != nil && (lp.Done || i < lp.Step) {
			mark = st.OK.Render("✓")
		}
		out = append(out, wrapIndent(fmt.Sprintf("%s %2d  ", mark, i+1), t, w)...)
	}
	if len(l.Exercises) > 0 {
		out = append(out, "", st.Bold.Render(m.c.T("tui.picker.exercises")))
		for _, e := range l.Exercises {
			mark := st.Subtle.Render("○")
			if lp != nil && lp.Exercises[e.ID] {
				mark = st.OK.Render("✓")
			}
			out = append(out, wrapIndent(mark+" ", e.Title+st.Subtle.Render("  "+l.ID+"/"+e.ID), w)...)
		}
	}
	if len(out) > h {
		out = out[:h]
	}
	return out
}

func (m pickerModel) listView(w, h int) string {
	st := m.c.Styles
	var head []string
	head = append(head, truncate(st.Header.Render("nettutor")+st.Subtle.Render(" · "+m.c.T("tui.picker.tagline")), w))
	if m.filterOn || m.filter != "" {
		cur := ""
		if m.filterOn {
			cur = "▏"
		}
		head = append(head, truncate(st.Accent.Render("/ ")+m.filter+cur, w))
	} else {
		head = append(head, "")
	}
	// A reset question or its outcome takes the filter's line.
	switch {
	case m.confirm == "*":
		head[1] = truncate(st.Warn.Render(m.c.T("tui.picker.confirm.all")), w)
	case m.confirm != "":
		// The id, not the title: the question must fit in 80 columns.
		head[1] = truncate(st.Warn.Render(m.c.Tf("tui.picker.confirm.one", m.confirm)), w)
	case m.note != "":
		head[1] = truncate(st.Subtle.Render(m.note), w)
	}
	var body []string
	switch {
	case m.err != nil:
		body = append(body, st.Fail.Render("✗ "+m.err.Error()))
	case m.loading:
		body = append(body, st.Subtle.Render(m.c.T("tui.loading")))
	case len(m.shown) == 0:
		body = append(body, st.Subtle.Render(m.c.T("tui.picker.nomatch")))
	}
	// Each lesson is three lines and a gap (no gap when space is short);
	// keep the cursor's in view.
	per := 4
	avail := max(h-len(head)-1, 3)
	if avail < per*len(m.shown) {
		per = 3
	}
	visible := max(avail/per, 1)
	off := m.off
	if m.cursor < off {
		off = m.cursor
	}
	if m.cursor >= off+visible {
		off = m.cursor - visible + 1
	}
	for i := off; i < len(m.shown) && i < off+visible; i++ {
		l := m.lessons[m.shown[i]]
		sel := i == m.cursor
		mark := "  "
		if sel {
			mark = st.Accent.Render("▶ ")
		}
		num := fmt.Sprintf("%d  ", m.shown[i]+1)
		status := m.statusText(l.ID, l.Steps)
		title := l.Title
		if sel {
			title = st.Title.Render(title)
		} else {
			title = st.Bold.Render(title)
		}
		left := mark + num + title
		gap := w - width(left) - width(status) - 1
		var line string
		if gap >= 2 {
			line = left + strings.Repeat(" ", gap) + status
		} else {
			line = truncate(left, w-width(status)-2) + "  " + status
		}
		body = append(body, truncate(line, w))
		ind := strings.Repeat(" ", 2+width(num))
		body = append(body, truncate(ind+l.Summary, w))
		meta := m.c.Tf("tui.picker.steps", l.Steps)
		if len(l.Exercises) > 0 {
			var names []string
			lp := m.progress.Lessons[l.ID]
			for _, e := range l.Exercises {
				if lp != nil && lp.Exercises[e.ID] {
					names = append(names, "✓ "+e.Title)
				} else {
					names = append(names, e.Title)
				}
			}
			meta += " · " + m.c.T("tui.picker.exercises") + " " + strings.Join(names, ", ")
		}
		body = append(body, truncate(ind+st.Subtle.Render(meta), w))
		if per == 4 {
			body = append(body, "")
		}
	}
	lines := append(head, body...)
	return strings.Join(fitLines(lines, 0, w, h), "\n")
}

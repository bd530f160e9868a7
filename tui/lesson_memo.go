package tui

import "charm.land/lipgloss/v2"

// blockMemo holds the parts of the step pane that are pure functions of
// their inputs: a step's text rendered from markdown, and an action's
// lines. Every message but a packet redraws the whole step pane
// (stepsBody), and with it every step run so far: under nettutor serve,
// that re-wrapping and re-styling was over a third of a member's TUI CPU
// while stepping through veth (issue 25: 3.2 of 8.6 CPU s sampled over
// ten members), and it grows with the steps run. With the memo a redraw
// renders only what changed: the running step's new actions.
//
// The memo is for one lesson (a lessonModel), width, style set, language and zoom: when any of
// them changes it starts again, so it holds at most one rendering of
// each step text and action.
type blockMemo struct {
	w      int
	st     *Styles
	lang   string
	zoomed bool
	md     map[string][]string
	acts   map[ActionEvent][]string
	heads  map[stepHeadKey][]string
}

// stepHeadKey is a step's heading as drawn: the step and its mark (whose
// style the mark decides).
type stepHeadKey struct {
	i    int
	mark string
}

// memoFor returns the memo for the current drawing parameters, emptied
// when they changed.
func (m *lessonModel) memoFor(w int) *blockMemo {
	b := &m.memo
	if b.md == nil || b.w != w || b.st != m.c.Styles || b.lang != m.c.Lang || b.zoomed != m.zoomed {
		*b = blockMemo{w: w, st: m.c.Styles, lang: m.c.Lang, zoomed: m.zoomed,
			md: map[string][]string{}, acts: map[ActionEvent][]string{}, heads: map[stepHeadKey][]string{}}
	}
	return b
}

// stepText is a step's markdown text rendered to w-2 cells and indented
// by two, as the step pane shows it. The lines returned are shared: a
// caller appends them, never changes them.
func (m *lessonModel) stepText(md string, w int) []string {
	b := m.memoFor(w)
	if ls, ok := b.md[md]; ok {
		return ls
	}
	ls := indentLines(renderMarkdown(md, w-2, m.c.Styles), "  ")
	b.md[md] = ls
	return ls
}

// actionMemo is actionLines through the memo. A running action's line
// changes as it runs (its mark, its output so far) and is drawn anew.
func (m *lessonModel) actionMemo(a ActionEvent, w int) []string {
	if a.Running {
		return m.actionLines(a, w)
	}
	b := m.memoFor(w)
	if ls, ok := b.acts[a]; ok {
		return ls
	}
	ls := m.actionLines(a, w)
	b.acts[a] = ls
	return ls
}

// stepHead is step i's heading (its mark in style ms, "step i/n" and its
// title) wrapped to w, through the memo.
func (m *lessonModel) stepHead(i int, mark string, ms lipgloss.Style, w int) []string {
	b := m.memoFor(w)
	k := stepHeadKey{i, mark}
	if ls, ok := b.heads[k]; ok {
		return ls
	}
	st := m.c.Styles
	head := st.Title.Render(m.c.Tf("tui.steps.step", i+1, len(m.steps))) + " " + st.Bold.Render(m.steps[i].Title)
	ls := wrapIndent(ms.Render(mark)+" ", head, w)
	b.heads[k] = ls
	return ls
}

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
	blocks map[doneBlockKey][]string
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
			md: map[string][]string{}, acts: map[ActionEvent][]string{}, heads: map[stepHeadKey][]string{},
			blocks: map[doneBlockKey][]string{}}
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

// doneBlockKey is what a finished step's block (stepBlock) is drawn from,
// besides the memo's width, styles, language and zoom: the step, its run
// and the learner's guess. A run's actions and expectations are named by
// their slices: a finished run's slices are never changed in place (a new
// run, a rebuild's replay or a reset puts new ones), and the key keeps
// them alive, so an address is never reused for other contents.
type doneBlockKey struct {
	i           int
	restored    bool
	acts        *ActionEvent
	nActs       int
	exps        *ExpectResult
	nExps       int
	err, notRun string
	guess       string
	guessed     bool
}

// maxDoneBlocks bounds the finished blocks the memo keeps: every rebuild
// replaces the runs' actions (rebuiltMsg), leaving the old blocks behind.
const maxDoneBlocks = 256

// doneBlock is stepBlock through the memo for a finished step (not
// running, its gate not open). Every message but a packet or a spinner
// tick redraws the step pane (stepsBody), each step run so far with it:
// under nettutor serve, about thirteen times a step (the keys, each
// action's start and end, the step's end, the spare), and those finished
// blocks were over a third of a member's view (issue 25). The lines
// returned are shared: a caller appends them, never changes them.
func (m *lessonModel) doneBlock(i, w int) []string {
	r := &m.runs[i]
	if !r.done || r.running || m.gateOpen(i) {
		return m.stepBlock(i, w)
	}
	k := doneBlockKey{i: i, restored: r.restored, nActs: len(r.actions), nExps: len(r.expects), notRun: r.notRun}
	if len(r.actions) > 0 {
		k.acts = &r.actions[0]
	}
	if len(r.expects) > 0 {
		k.exps = &r.expects[0]
	}
	if r.err != nil {
		k.err = "\x00" + r.err.Error() // an error with no text is still an error
	}
	k.guess, k.guessed = m.pr.guesses[i]
	b := m.memoFor(w)
	if ls, ok := b.blocks[k]; ok {
		return ls
	}
	ls := m.stepBlock(i, w)
	if len(b.blocks) >= maxDoneBlocks {
		clear(b.blocks)
	}
	b.blocks[k] = ls
	return ls
}

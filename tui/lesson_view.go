package tui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"github.com/charmbracelet/x/ansi"
)

// splitWidth returns the step pane's width for a screen w cells wide.
func splitWidth(w int) int {
	left := w * 2 / 5
	if w < 100 {
		left = w*2/5 + 2
	}
	return clamp(left, min(30, w/2), 90)
}

// layout returns the pane rectangles for a w x h body starting at row y0;
// the diagram gets the rows it needs, the packets pane keeps a few.
func (m *lessonModel) layout(w, h, y0, topoNeed int) [paneCount]rect {
	left := splitWidth(w)
	right := w - left
	pktMin := 5
	if m.pk.pkts.Len() > 0 {
		pktMin = min(9, h/3+1)
	}
	topoH := clamp(topoNeed+2, 5, h-pktMin)
	if topoH < 5 {
		topoH = min(5, h)
	}
	var r [paneCount]rect
	r[paneSteps] = rect{0, y0, left, h}
	r[paneTopo] = rect{left, y0, right, topoH}
	r[panePackets] = rect{left, y0 + topoH, right, h - topoH}
	return r
}

// View draws the lesson view in w x h.
func (m *lessonModel) View(w, h int) string {
	if m.zoomed {
		return m.zoomView(w, h)
	}
	if m.c.Present {
		return m.presentView(w, h)
	}
	st := m.c.Styles
	header := m.header(w)
	footer := m.footer(w)
	bodyH := max(h-2, 6)
	// The diagram's rows: what the packets pane leaves when it holds packets.
	topoLines := m.topoLines(w-splitWidth(w)-2, bodyH-min(9, bodyH/3+1)-2)
	m.rects = m.layout(w, bodyH, 1, len(topoLines))

	stepsR, topoR, pktR := m.rects[paneSteps], m.rects[paneTopo], m.rects[panePackets]
	stepsTitle := m.c.T("tui.pane.steps")
	if m.ex.on {
		stepsTitle = m.c.T("tui.pane.exercise")
	}
	stepBody := m.stepsBody(stepsR.w - 2)
	stepBox := m.paneBox(paneSteps, stepsTitle, stepBody, stepsR.w, stepsR.h, true)

	topoTitle := m.c.T("tui.pane.topology")
	if m.selNS != "" {
		topoTitle += st.Subtle.Render(" · s → " + m.selNS)
	}
	if m.focus == paneTopo && m.selMoved {
		m.selMoved = false
		for i, l := range topoLines {
			if l = ansi.Strip(l); strings.Contains(l, "▶ "+m.selNS+" ") || strings.Contains(l, "▶ ◆ "+m.selNS+" ") {
				inner := topoR.h - 2
				if i < m.scroll[paneTopo] || i >= m.scroll[paneTopo]+inner-1 {
					m.scroll[paneTopo] = max(0, i-1)
				}
				break
			}
		}
	}
	topoBox := m.paneBox(paneTopo, topoTitle, topoLines, topoR.w, topoR.h, false)

	pktTitle := m.c.T("tui.pane.packets")
	if m.pk.journey {
		pktTitle = m.c.T("tui.pane.journey")
	} else if m.pk.detail {
		pktTitle = m.c.T("tui.pane.packet")
	} else if m.pk.ladder {
		pktTitle = m.c.T("tui.pane.ladder")
	}
	pktBox := m.paneBoxLines(panePackets, pktTitle, m.pk.view(pktR.w-2, pktR.h-2), pktR.w, pktR.h)

	// The screen in one string, written once: joining the rows and then
	// the lines copied every frame twice (issue 25, a step's ~13 redraws).
	right := func(i int) string {
		if i < topoR.h {
			return topoBox[i]
		}
		return pktBox[i-topoR.h]
	}
	n := len(header) + len(footer) + bodyH + 1
	for i := 0; i < bodyH; i++ {
		n += len(stepBox[i]) + len(right(i))
	}
	var b strings.Builder
	b.Grow(n)
	b.WriteString(header)
	for i := 0; i < bodyH; i++ {
		b.WriteByte('\n')
		b.WriteString(stepBox[i])
		b.WriteString(right(i))
	}
	b.WriteByte('\n')
	b.WriteString(footer)
	return b.String()
}

func (m *lessonModel) header(w int) string {
	st := m.c.Styles
	title := m.info.Title
	if title == "" {
		title = m.id
	}
	left := st.Header.Render("nettutor") + st.Subtle.Render(" › ") + st.Bold.Render(title)
	var right string
	switch {
	case m.opening:
		right = st.Subtle.Render(m.c.T("tui.loading"))
	case m.ex.on:
		right = m.c.Tf("tui.header.exercise", m.ex.idx+1, len(m.exercises))
	default:
		right = m.c.Tf("tui.header.step", m.pos, len(m.steps)) + " " + progressBar(m.pos, len(m.steps), 10)
	}
	if m.busy != "" {
		right = st.Warn.Render(spinFrames[m.spin%len(spinFrames)]+" "+m.busy) + "  " + right
	}
	if width(left)+1+width(right) > w {
		left = truncate(left, max(w-width(right)-1, 8))
	}
	gap := w - width(left) - width(right)
	if gap < 1 {
		return truncate(left+" "+right, w)
	}
	return left + strings.Repeat(" ", gap) + right
}

func progressBar(n, total, w int) string {
	if total <= 0 {
		return ""
	}
	f := n * w / total
	return "[" + strings.Repeat("■", f) + strings.Repeat("·", w-f) + "]"
}

func (m *lessonModel) footer(w int) string {
	st := m.c.Styles
	if m.status != "" {
		s := m.status
		if m.statusBad {
			s = st.Fail.Render(s)
		} else {
			s = st.OK.Render(s)
		}
		hint := st.Subtle.Render("? " + m.c.T("tui.key.help"))
		if gap := w - width(s) - width(hint); gap >= 2 {
			return s + strings.Repeat(" ", gap) + hint
		}
		return truncate(s, w)
	}
	b := m.c.Keys.LessonHelp()
	if m.ex.on {
		b = m.c.Keys.ExerciseHelp()
	}
	// The keys' line is the same from view to view: drawn again only when
	// a key's help, its being enabled, the width or the styles change.
	bs := b.ShortHelp()
	c := &m.footerCache
	same := c.ok && c.w == w && c.st == st && len(c.keys) == len(bs)
	for i := 0; same && i < len(bs); i++ {
		same = c.keys[i] == helpOf(bs[i])
	}
	if !same {
		keys := make([]bindingHelp, len(bs))
		for i, k := range bs {
			keys[i] = helpOf(k)
		}
		*c = footerCache{ok: true, w: w, st: st, keys: keys, line: truncate(m.c.shortHelp(bs, w), w)}
	}
	return c.line
}

// bindingHelp is what the help line shows of a key binding.
type bindingHelp struct {
	help    key.Help
	enabled bool
}

func helpOf(k key.Binding) bindingHelp { return bindingHelp{k.Help(), k.Enabled()} }

// footerCache is the keys' help line as the footer last drew it.
type footerCache struct {
	ok   bool
	w    int
	st   *Styles
	keys []bindingHelp
	line string
}

// paneBox draws a bordered pane of w x h around body lines, scrolled by the
// pane's offset; follow keeps the step pane on its newest block.
func (m *lessonModel) paneBox(p pane, title string, body []string, w, h int, isSteps bool) []string {
	// The step and diagram bodies are cached (stepsBody, topoLines): the
	// same body slice in the same frame gives the same box, so a packet
	// flood does not fit, measure and border them again every frame.
	key := boxKey{title: title, n: len(body), w: w, h: h, focus: m.focus == p, scroll: m.scroll[p],
		follow: isSteps && m.follow, busy: m.busy, bs: m.blockStart, be: m.blockEnd, st: m.c.Styles, lang: m.c.Lang}
	if len(body) > 0 {
		key.body = &body[0]
	}
	if key.follow {
		// Following, the pane's scroll is the anchor's (drawPaneBox), not
		// the one it had: the box drawn before holds.
		key.scroll = -1
	}
	c := &m.boxCache[p]
	if key.body != nil && c.out != nil && c.key == key {
		m.scroll[p] = c.scroll
		return c.out
	}
	out := m.drawPaneBox(p, title, body, w, h, isSteps)
	*c = boxCache{key: key, scroll: m.scroll[p], out: out}
	return out
}

// boxKey is what a pane box drawn by paneBox depends on; body is the
// first line's address, which names a cached body.
type boxKey struct {
	title         string
	body          *string
	n, w, h       int
	focus, follow bool
	scroll        int
	busy          string
	bs, be        int
	st            *Styles
	lang          string
}

// boxCache is a pane's box as last drawn, and the scroll it left.
type boxCache struct {
	key    boxKey
	scroll int
	out    []string
}

func (m *lessonModel) drawPaneBox(p pane, title string, body []string, w, h int, isSteps bool) []string {
	inner := h - 2
	if isSteps && m.follow {
		m.scroll[p] = m.anchor(len(body), inner)
	}
	m.scroll[p] = clamp(m.scroll[p], 0, max(0, len(body)-inner))
	more := m.scroll[p]+inner < len(body)
	lines := fitLines(body, m.scroll[p], w-2, inner)
	if more && inner > 0 {
		lines[inner-1] = pad(m.c.Styles.Subtle.Render("  ↓ "+m.c.T("tui.more")), w-2)
	}
	return m.frame(p, title, lines, w, h)
}

func (m *lessonModel) paneBoxLines(p pane, title string, lines []string, w, h int) []string {
	// The packets pane is drawn anew for every view, and mostly comes
	// out as it was (a step's keys, actions and spinner leave it alone):
	// the same lines in the same place keep the box drawn before, not
	// fitted, padded and bordered again (issue 25).
	c := &m.linesBox
	key := boxKey{title: title, n: len(lines), w: w, h: h, focus: m.focus == p, st: m.c.Styles, lang: m.c.Lang}
	if c.out != nil && c.p == p && c.key == key && slices.Equal(c.lines, lines) {
		return c.out
	}
	out := m.frame(p, title, fitLines(lines, 0, w-2, h-2), w, h)
	*c = linesBoxCache{p: p, key: key, lines: lines, out: out}
	return out
}

// linesBoxCache is the box paneBoxLines drew last, and the lines it was
// drawn from.
type linesBoxCache struct {
	p     pane
	key   boxKey
	lines []string
	out   []string
}

// frame draws the border; the focused pane has a heavy border and ▸.
func (m *lessonModel) frame(p pane, title string, lines []string, w, h int) []string {
	st := m.c.Styles
	focused := m.focus == p
	bs := st.Subtle
	tl, tr, bl, br, hz, vt := "╭", "╮", "╰", "╯", "─", "│"
	mark := "  "
	if focused {
		bs = st.Accent
		tl, tr, bl, br, hz, vt = "┏", "┓", "┗", "┛", "━", "┃"
		mark = "▸ "
	}
	t := truncate(mark+title+" ", max(w-3, 1))
	out := make([]string, 0, h)
	out = append(out, bs.Render(tl+hz)+st.PaneTitle.Render(t)+bs.Render(strings.Repeat(hz, max(w-3-width(t), 0))+tr))
	// The side is the same styled string on every line: styled once.
	side := bs.Render(vt)
	for _, l := range lines {
		out = append(out, side+l+side)
	}
	if len(out) < h-1 {
		empty := side + strings.Repeat(" ", max(w-2, 0)) + side
		for len(out) < h-1 {
			out = append(out, empty)
		}
	}
	out = append(out, bs.Render(bl+strings.Repeat(hz, max(w-2, 0))+br))
	return out[:h]
}

// anchor is the step pane's offset when following. The learner read the
// step's text before running it, so what must show now is its results and
// the start of what comes next: from the start of the last step that ran
// when all that fits, else as much of its end as the pane holds.
func (m *lessonModel) anchor(n, h int) int {
	if m.busy != "" || n-m.blockStart <= h {
		return max(0, n-h)
	}
	want := min(n, m.blockEnd+4) // the results and the next step's title
	return max(m.blockStart, want-h)
}

// topoLines renders the diagram in w cells and, compact if need be, h
// rows (the legend's included), cached until its inputs change.
func (m *lessonModel) topoLines(w, h int) []string {
	c := &m.topoCache
	if c.lines != nil && c.snap == m.snap && c.w == w && c.h == h && c.sel == m.selNS && sameSet(c.changed, m.changed) {
		return c.lines
	}
	legend := 0
	if m.snap != nil && len(m.changed) > 0 {
		legend = 1
	}
	s := RenderTopology(m.snap, TopoOptions{Changed: m.changed, Selected: m.selNS, Width: w, Styles: m.c.Styles,
		Empty: m.c.T("tui.topo.empty"), Order: m.nsOrder, Height: max(h-legend, 1), Lang: m.c.Lang, Nodes: m.info.Nodes})
	c.snap, c.w, c.h, c.sel, c.changed = m.snap, w, h, m.selNS, m.changed
	c.lines = strings.Split(s, "\n")
	if m.snap != nil && len(m.changed) > 0 {
		c.lines = append(c.lines, m.c.Styles.Subtle.Render(" ◆ "+m.c.T("tui.topo.changed")))
	}
	return c.lines
}

func sameSet(a, b ChangeSet) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

// stepsCache is the step pane's body drawn for a generation of the
// lesson's state (lessonModel.stepsGen), a width, styles and language.
type stepsCache struct {
	ok                   bool
	gen, w               int
	st                   *Styles
	lang                 string
	lines                []string
	blockStart, blockEnd int
}

// stepsBody is stepLines, drawn again only when a message may have
// changed it: under a packet flood every frame would otherwise re-wrap
// and re-style every step's text and output, which packets never change.
func (m *lessonModel) stepsBody(w int) []string {
	c := &m.stepsCache
	if c.ok && c.gen == m.stepsGen && c.w == w && c.st == m.c.Styles && c.lang == m.c.Lang {
		m.blockStart, m.blockEnd = c.blockStart, c.blockEnd
		return c.lines
	}
	lines := m.stepLinesInto(m.stepsScratch[:0], w)
	if c.ok && c.w == w && c.st == m.c.Styles && c.lang == m.c.Lang && slices.Equal(lines, c.lines) {
		// Most messages leave the pane as it was (a key for another
		// pane, the spare, an action's start after its line was drawn):
		// the body kept is the same slice, so paneBox keeps its box
		// rather than fitting and bordering every line again. The lines
		// are mostly the memo's own strings, which compare by address.
		// The slice just drawn is drawn into again next time.
		m.stepsScratch = lines[:0]
		lines = c.lines
	} else {
		m.stepsScratch = nil // lines is the pane's now: never drawn into
	}
	*c = stepsCache{ok: true, gen: m.stepsGen, w: w, st: m.c.Styles, lang: m.c.Lang, lines: lines,
		blockStart: m.blockStart, blockEnd: m.blockEnd}
	return lines
}

// stepLines renders the step pane: every step run so far and the next
// one, or the exercise.
func (m *lessonModel) stepLines(w int) []string { return m.stepLinesInto(nil, w) }

// stepLinesInto is stepLines drawn into out's array (stepsBody's scratch).
func (m *lessonModel) stepLinesInto(out []string, w int) []string {
	if m.opening {
		return []string{m.c.Styles.Subtle.Render(m.c.T("tui.loading"))}
	}
	if m.ex.on {
		return m.exerciseLines(w)
	}
	st := m.c.Styles
	m.blockStart, m.blockEnd = 0, 0
	last := min(m.pos, len(m.steps)-1)
	for i := 0; i <= last; i++ {
		anchored := i == m.pos-1 || (i == m.pos && (m.runs[i].running || m.gateOpen(i)))
		if anchored {
			m.blockStart = len(out)
		}
		out = append(out, m.doneBlock(i, w)...)
		if anchored {
			m.blockEnd = len(out)
		}
		out = append(out, "")
	}
	if m.pos >= len(m.steps) {
		out = append(out, st.OK.Render("✓ "+m.c.T("tui.steps.end")))
		if len(m.exercises) > 0 {
			out = append(out, wrapIndent("  ", m.c.T("tui.steps.toexercise"), w)...)
		}
	}
	return out
}

func (m *lessonModel) stepBlock(i, w int) []string {
	st := m.c.Styles
	s := m.steps[i]
	r := &m.runs[i]
	var out []string
	mark := "○"
	ms := st.Subtle
	switch {
	case r.running:
		mark, ms = "◌", st.Warn
	case r.done && r.restored:
		mark, ms = "↺", st.Subtle
	case r.done && r.notRun != "" && r.ok():
		mark, ms = "–", st.Subtle // not run in this lab: neither passed nor failed
	case r.done && r.ok():
		mark, ms = "✓", st.OK
	case r.done:
		mark, ms = "✗", st.Fail
	}
	out = append(out, m.stepHead(i, mark, ms, w)...)
	if r.restored {
		for _, c := range s.Commands {
			out = append(out, shellLines("  $ ", "    ", c, w, st.Subtle)...)
		}
		return out
	}
	out = append(out, m.stepText(s.Text, w)...)
	if len(s.Captures) > 0 {
		// Where a capture point starts: the command that watches it.
		out = append(out, "")
		for _, c := range s.Captures {
			out = append(out, shellLines("  "+st.Subtle.Render(m.c.T("tui.steps.capture"))+" $ ", "      ", c, w, st.Command)...)
		}
	}
	if s.Predict != nil {
		out = append(out, "")
		out = append(out, wrapIndent("  ? ", st.Warn.Render(m.c.T("tui.steps.predict"))+" "+s.Predict.Question, w)...)
		if !r.done && !r.running {
			out = append(out, m.predictLines(i, w)...)
		}
	}
	if !r.done && !r.running {
		if !m.gateOpen(i) {
			out = append(out, "", "  "+st.Subtle.Render(m.c.T("tui.steps.run")))
		}
		return out
	}
	out = append(out, "")
	for _, a := range r.actions {
		out = append(out, m.actionMemo(a, w)...)
	}
	if r.notRun != "" {
		out = append(out, wrapIndent("  – ", st.Warn.Render(r.notRun), w)...)
	}
	if r.err != nil {
		out = append(out, wrapIndent("  ✗ ", st.Fail.Render(r.err.Error()), w)...)
	}
	for _, e := range r.expects {
		if e.OK {
			out = append(out, wrapIndent("  "+st.OK.Render("✓")+" ", e.Text, w)...)
		} else {
			txt := e.Text
			if e.Detail != "" {
				txt += " — " + e.Detail
			}
			out = append(out, wrapIndent("  "+st.Fail.Render("✗")+" ", txt, w)...)
		}
	}
	if s.Predict != nil && r.done {
		out = append(out, m.guessLines(i, w)...)
		out = append(out, wrapIndent("  → ", st.Accent.Render(m.c.T("tui.steps.answer"))+" "+s.Predict.Answer, w)...)
	}
	return out
}

func indentLines(ls []string, ind string) []string {
	for i, l := range ls {
		if l != "" {
			ls[i] = ind + l
		}
	}
	return ls
}

// maxOutput bounds how much of an action's output the pane shows.
const maxOutput = 12

func (m *lessonModel) actionLines(a ActionEvent, w int) []string {
	st := m.c.Styles
	var mark string
	switch {
	case a.Running:
		mark = st.Warn.Render("◌")
	case a.OK:
		mark = st.OK.Render("✓")
	default:
		mark = st.Fail.Render("✗")
	}
	// The duration follows as a shell comment, so a copied line still runs.
	out := shellLines("  "+mark+" $ ", "      ", a.Command, w, st.Command)
	if d := fmtDuration(a.Duration); !a.Running && d != "" {
		if last := out[len(out)-1]; width(last)+4+len(d) <= w {
			out[len(out)-1] = last + "  " + st.Subtle.Render("# "+d)
		} else {
			out = append(out, "      "+st.Subtle.Render("# "+d))
		}
	}
	if a.Err != "" {
		out = append(out, wrapIndent("      ", st.Fail.Render(a.Err), w)...)
	}
	if a.Output != "" {
		ol := strings.Split(strings.TrimRight(a.Output, "\n"), "\n")
		extra := 0
		// One hidden line would take the line of its own "more" note:
		// show it instead (and never say "1 more lines").
		if len(ol) > maxOutput+1 && !m.zoomed {
			extra = len(ol) - maxOutput
			ol = ol[:maxOutput]
		}
		for _, l := range ol {
			out = append(out, wrapOutput("      ", l, w, st.Subtle)...)
		}
		if extra > 0 {
			out = append(out, "      "+st.Subtle.Render(m.c.Tf("tui.steps.morelines", extra)))
		}
	}
	return out
}

func fmtDuration(d time.Duration) string {
	switch {
	case d <= 0:
		return ""
	case d < time.Millisecond:
		return fmt.Sprintf("%dµs", d.Microseconds())
	case d < time.Second:
		return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000)
	}
	return fmt.Sprintf("%.2fs", d.Seconds())
}

func (m *lessonModel) exerciseLines(w int) []string {
	st := m.c.Styles
	ex := m.exercises[m.ex.idx]
	var out []string
	m.blockStart, m.blockEnd = 0, 0
	out = append(out, wrapIndent("", st.Title.Render(m.c.T("tui.ex.title"))+" "+st.Bold.Render(ex.Title), w)...)
	out = append(out, st.Subtle.Render("  "+m.info.ID+"/"+ex.ID))
	out = append(out, "")
	out = append(out, indentLines(renderMarkdown(ex.Goal, w-2, st), "  ")...)
	out = append(out, "")
	if !m.ex.ready {
		out = append(out, "  "+st.Subtle.Render(m.c.T("tui.loading")))
		return out
	}
	if m.ex.note != "" {
		out = append(out, wrapIndent("  "+st.Warn.Render("⚠")+" ", m.ex.note, w)...)
		out = append(out, "")
	}
	out = append(out, wrapIndent("  ", st.Subtle.Render(m.c.T("tui.ex.howto")), w)...)
	if m.ex.checked {
		out = append(out, "")
		m.blockStart = len(out)
		defer func() { m.blockEnd = len(out) }()
		for _, r := range m.ex.results {
			if r.OK {
				out = append(out, wrapIndent("  "+st.OK.Render("✓")+" ", r.ID+" "+st.Subtle.Render(r.Detail), w)...)
				continue
			}
			out = append(out, wrapIndent("  "+st.Fail.Render("✗")+" ", r.ID+" "+r.Detail, w)...)
			if r.Hint != "" {
				out = append(out, wrapInline(r.Hint, "    "+st.Warn.Render("→")+" ", "      ", w, st)...)
			}
			if m.ex.fixes && r.Fix != "" {
				out = append(out, wrapInline(m.c.T("tui.ex.fix")+": "+r.Fix, "    "+st.Accent.Render("⚒")+" ", "      ", w, st)...)
			}
		}
		if m.ex.passed {
			out = append(out, "  "+st.OK.Render("✓ "+m.c.T("tui.ex.passed")))
		}
	}
	if m.ex.hints > 0 {
		out = append(out, "")
		for i := 0; i < m.ex.hints && i < len(ex.Hints); i++ {
			out = append(out, wrapInline(ex.Hints[i], fmt.Sprintf("  %s %d. ", st.Warn.Render("▸"), i+1), "       ", w, st)...)
		}
	}
	if m.ex.solution && ex.Solution != "" {
		out = append(out, "", "  "+st.Accent.Render(m.c.T("tui.ex.solution")))
		// Wrapped only where bash splits words, with " \": learners copy it.
		out = append(out, shellLines("    ", "    ", strings.TrimRight(ex.Solution, "\n"), w, st.Code)...)
	}
	return out
}

// hasFix says whether a failed check has a second hint (its fix) to show.
func hasFix(rs []CheckResult) bool {
	for _, r := range rs {
		if !r.OK && r.Fix != "" {
			return true
		}
	}
	return false
}

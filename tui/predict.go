package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// Predict, then reveal: a step with a predict question stops before its
// actions. The first n opens a one-line input for a guess; enter runs the
// step, and its answer then shows right under the guess. The exercise's
// reference solution likewise waits for a y after a.

// maxGuess bounds the guess input (one line of a wide screen).
const maxGuess = 160

// predictState is the gate's state; it lives in lessonModel.pr.
type predictState struct {
	open    bool   // the gate of step `step` is up, the input takes keys
	step    int    // the step the gate holds
	guess   []rune // typed so far
	guesses map[int]string
	solAsk  bool // a was pressed in an exercise: y shows the solution
}

// startStep runs step i (the next one), as n does.
func (m *lessonModel) startStep(i int) tea.Cmd {
	m.runs[i] = stepRun{running: true}
	m.busy = m.c.Tf("tui.busy.step", i+1)
	m.follow = true
	m.setStatus("", false)
	return m.runStepCmd(i)
}

// predictGate is called when step i is about to run: a step with a
// question stops at its gate first and reports true. With the gate of
// step i already up, n reveals like enter does.
func (m *lessonModel) predictGate(i int) bool {
	if i < 0 || i >= len(m.steps) || m.steps[i].Predict == nil {
		return false
	}
	if m.pr.open && m.pr.step == i {
		m.keepGuess()
		return false
	}
	m.pr.open, m.pr.step, m.pr.guess = true, i, nil
	m.follow = true
	m.setStatus(m.c.T("tui.predict.status"), false)
	return true
}

// keepGuess closes the gate, remembering what was typed for the step.
func (m *lessonModel) keepGuess() {
	if m.pr.guesses == nil {
		m.pr.guesses = map[int]string{}
	}
	m.pr.guesses[m.pr.step] = string(m.pr.guess)
	m.pr.open, m.pr.guess = false, nil
}

// predictKey takes the keys of the gate's input and of the solution's
// confirmation before the lesson view's own; it reports whether it took
// the key. Keys that are not text (tab, arrows, z) fall through, so the
// learner can still move and zoom while the question stands.
func (m *lessonModel) predictKey(km tea.KeyPressMsg) (bool, tea.Cmd) {
	if m.pr.solAsk {
		m.pr.solAsk = false
		if key.Matches(km, m.c.Keys.Yes) && m.ex.on {
			m.ex.solution = true
			m.follow = true
			m.setStatus("", false)
		} else {
			m.setStatus(m.c.T("tui.ex.solhidden"), false)
		}
		return true, nil
	}
	if key.Matches(km, m.c.Keys.Solution) && m.ex.on && !m.ex.solution {
		m.pr.solAsk = true
		m.setStatus(m.c.T("tui.ex.solask"), false)
		return true, nil
	}
	if !m.pr.open {
		return false, nil
	}
	if m.pr.step != m.pos || m.ex.on {
		// The lab moved under the gate (back, jump, an exercise).
		m.pr.open, m.pr.guess = false, nil
		return false, nil
	}
	k := m.c.Keys
	switch {
	case key.Matches(km, k.Open):
		if m.busy != "" {
			m.setStatus(m.c.T("tui.status.busy"), false)
			return true, nil
		}
		i := m.pr.step
		m.keepGuess()
		return true, m.startStep(i)
	case key.Matches(km, k.Cancel):
		m.pr.open, m.pr.guess = false, nil
		m.setStatus("", false)
		return true, nil
	case key.Matches(km, k.Erase):
		if n := len(m.pr.guess); n > 0 {
			m.pr.guess = m.pr.guess[:n-1]
		}
		return true, nil
	case km.Text == " ":
		if len(m.pr.guess) > 0 && len(m.pr.guess) < maxGuess {
			m.pr.guess = append(m.pr.guess, ' ')
		}
		return true, nil
	case isText(km):
		m.typeGuess(km.Text)
		return true, nil
	}
	return false, nil
}

// typeGuess adds printable text (typed or pasted) to the gate's input.
func (m *lessonModel) typeGuess(text string) {
	for _, r := range text {
		if r >= ' ' && r != 0x7f && len(m.pr.guess) < maxGuess {
			m.pr.guess = append(m.pr.guess, r)
		}
	}
}

// paste takes a bracketed paste: it is text for the gate's input when
// that is open, and nothing else (a pasted "n" must not run a step).
func (m *lessonModel) paste(text string) tea.Cmd {
	if m.pr.open && m.pr.step == m.pos && !m.ex.on {
		m.typeGuess(strings.ReplaceAll(text, "\n", " "))
	}
	return nil
}

// predictLines is what stands under step i's question before it runs:
// the gate's input when it is up, else what n will do.
func (m *lessonModel) predictLines(i, w int) []string {
	st := m.c.Styles
	if m.pr.open && m.pr.step == i {
		out := wrapIndent("    ", st.Subtle.Render(m.c.T("tui.predict.prompt")), w)
		in := "    " + st.Accent.Render("›") + " " + string(m.pr.guess) + st.Selected.Render(" ")
		return append(out, wrapIndent("", in, w)...)
	}
	return wrapIndent("    ", st.Subtle.Render(m.c.T("tui.predict.hint")), w)
}

// gateOpen reports whether step i stands at its open gate (its run hint
// then gives way to the input).
func (m *lessonModel) gateOpen(i int) bool { return m.pr.open && m.pr.step == i }

// guessLines is the learner's guess for step i, shown right above the
// answer once the step ran.
func (m *lessonModel) guessLines(i, w int) []string {
	g, ok := m.pr.guesses[i]
	if !ok {
		return nil
	}
	st := m.c.Styles
	if g == "" {
		g = st.Subtle.Render(m.c.T("tui.predict.noguess"))
	}
	return wrapIndent("  ? ", st.Warn.Render(m.c.T("tui.predict.guess"))+" "+g, w)
}

// typing reports whether keys are text for the gate's input now, so that
// the root model leaves ? and the like to it.
func (m *lessonModel) typing() bool { return m != nil && m.pr.open && m.pr.step == m.pos && !m.ex.on }

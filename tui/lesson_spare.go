package tui

import (
	"context"

	tea "charm.land/bubbletea/v2"
)

// The lesson view's side of the spare lab (lessons_spare.go): after every
// move it asks the session for a spare one step back, and knows whether
// one is ready, so that `p` (and a jump to that step) says what it does:
// swaps at once, or rebuilds, with the progress shown.

// spareState is what the view knows of the spare.
type spareState struct {
	seq   int  // the request in flight or answered; bumped by every move
	n     int  // the steps the spare was asked for
	ready bool // the session said the spare holds n steps
}

// spareMsg is the session's answer to a spare request.
type spareMsg struct {
	seq, n int
	err    error
}

// prepareSpare asks the session for a spare rebuilt one step back from
// where the lesson is; it runs in the learner's reading time and is
// cancelled by the session itself when the learner moves.
func (m *lessonModel) prepareSpare() tea.Cmd {
	ss, ok := m.sess.(spareSession)
	if !ok || m.ex.on || m.pos < 1 {
		return nil
	}
	m.spare.seq++
	m.spare.n, m.spare.ready = m.pos-1, false
	seq, n := m.spare.seq, m.spare.n
	return func() tea.Msg {
		return spareMsg{seq: seq, n: n, err: ss.PrepareBack(context.Background(), n)}
	}
}

// dropSpare forgets the spare request: the lesson moves, and a late answer
// no longer speaks of where it is.
func (m *lessonModel) dropSpare() {
	m.spare.seq++
	m.spare.ready = false
}

// spared takes the session's answer.
func (m *lessonModel) spared(msg spareMsg) {
	if msg.seq != m.spare.seq || msg.n != m.pos-1 {
		return
	}
	m.spare.ready = msg.err == nil
}

// rebuildBusy is the busy line of a move to n steps: the plain "back"
// when a spare holding n is ready (the move is a swap), else the rebuild's
// progress, "rebuilding to step n of N", which a replay of n steps takes.
func (m *lessonModel) rebuildBusy(n int) string {
	if m.spare.ready && m.spare.n == n {
		return m.c.Tf("tui.busy.back", n)
	}
	return m.c.Tf("tui.busy.rebuildto", n, len(m.steps))
}

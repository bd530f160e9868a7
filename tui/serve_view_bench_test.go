package tui

import (
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
)

// BenchmarkStepRedraw is one of a step's redraws at the end of the real
// veth lesson at 120x40 (a real lab): a message that may change the step
// pane (every one but a packet or a spinner tick; here a status line)
// through Update and the root's Render. Each of the ~13 messages a step
// brings under nettutor serve costs this (BenchmarkServeStep counts them).
//
//	go test ./tui -run '^$' -bench StepRedraw -benchmem
func BenchmarkStepRedraw(b *testing.B) {
	if !labOK {
		b.Skip("no lab sandbox here")
	}
	backend := NewLabBackend(newRealLab(b))
	b.Cleanup(func() { backend.Close() })
	m := New(backend, Options{Lang: "en", ProgressPath: "-"})
	d := newDriver(b, m)
	d.send(tea.WindowSizeMsg{Width: 120, Height: 40})
	d.run(m.Init(), 50*time.Millisecond)
	d.send(openLessonMsg{id: "veth"})
	d.waitFor("veth open", func(m *Model) bool { return m.lesson != nil && m.lesson.sess != nil && m.lesson.busy == "" })
	for i := 0; i < len(m.lesson.steps); i++ {
		d.keys("n")
		if m.lesson.pr.open {
			d.keys("enter")
		}
		d.waitFor("step done", func(m *Model) bool { return m.lesson.pos == i+1 && m.lesson.busy == "" })
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		m.Update(statusMsg{text: "✓ step 11 done"})
		_ = m.Render()
	}
}

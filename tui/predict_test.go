package tui

import (
	"fmt"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// TestPredictGate: the veth fixture's step 4 has a question. n stops at it
// without running anything; the typed guess, then enter, runs the step,
// and the guess stands right above the answer.
func TestPredictGate(t *testing.T) {
	t.Parallel() // the fake backend: no lab, no package state (parallel_test.go)
	type check func(t *testing.T, m *lessonModel, view string)
	gateUp := func(t *testing.T, m *lessonModel, view string) {
		if !m.pr.open || m.pos != 3 || m.busy != "" || m.runs[3].running || m.runs[3].done {
			t.Fatalf("gate: open %v pos %d busy %q run %+v", m.pr.open, m.pos, m.busy, m.runs[3])
		}
		if !strings.Contains(view, "enter reveals") || strings.Contains(view, "Answer:") {
			t.Errorf("gate view:\n%s", view)
		}
	}
	cases := []struct {
		name string
		keys []string
		want check
	}{
		{"n stops at the question", []string{"n"}, gateUp},
		{"typing fills the guess, not the keys", []string{"n", "p", "q", "e"}, func(t *testing.T, m *lessonModel, view string) {
			gateUp(t, m, view)
			if got := string(m.pr.guess); got != "pqe" || m.ex.on {
				t.Errorf("guess %q, exercise %v", got, m.ex.on)
			}
		}},
		{"backspace edits the guess", []string{"n", "a", "b", "backspace", "c"}, func(t *testing.T, m *lessonModel, view string) {
			if got := string(m.pr.guess); got != "ac" {
				t.Errorf("guess %q", got)
			}
		}},
		{"esc leaves the gate without running", []string{"n", "x", "esc"}, func(t *testing.T, m *lessonModel, view string) {
			if m.pr.open || m.pos != 3 || m.runs[3].done || m.busy != "" {
				t.Errorf("after esc: open %v pos %d run %+v", m.pr.open, m.pos, m.runs[3])
			}
		}},
		{"enter reveals with the guess", []string{"n", "B", "L", "U", "E", "space", "m", "a", "c", "enter"}, func(t *testing.T, m *lessonModel, view string) {
			if m.pr.open || m.pos != 4 || !m.runs[3].done {
				t.Fatalf("after enter: open %v pos %d", m.pr.open, m.pos)
			}
			lines := strings.Split(ansi.Strip(m.View(120, 60)), "\n")
			for i, l := range lines {
				if strings.Contains(l, "Your guess: BLUE mac") {
					if i+1 >= len(lines) || !strings.Contains(lines[i+1], "Answer: BLUE's 11.11.11.3") {
						t.Errorf("the answer is not next to the guess:\n%s", strings.Join(lines, "\n"))
					}
					return
				}
			}
			t.Errorf("no guess on screen:\n%s", strings.Join(lines, "\n"))
		}},
		{"n at the open gate reveals too", []string{"n", "right"}, func(t *testing.T, m *lessonModel, view string) {
			if m.pos != 4 || !strings.Contains(view, "(no guess)") {
				t.Errorf("pos %d:\n%s", m.pos, view)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := openLesson(t, "en", "veth", 120, 40, 3)
			d.keys(c.keys...)
			d.waitFor("idle", func(m *Model) bool { return m.lesson.busy == "" })
			c.want(t, d.root().lesson, ansi.Strip(d.view()))
		})
	}
}

// TestSolutionNeedsConfirmation: a asks first; only y shows the solution.
func TestSolutionNeedsConfirmation(t *testing.T) {
	d := openLesson(t, "en", "veth", 80, 24, 0)
	d.keys("e")
	d.waitFor("exercise", func(m *Model) bool { return m.lesson.ex.ready })
	d.keys("a")
	m := d.root().lesson
	if m.ex.solution || !strings.Contains(ansi.Strip(d.view()), "Show the reference solution?") {
		t.Fatalf("a showed the solution at once (or asked nothing):\n%s", ansi.Strip(d.view()))
	}
	d.keys("q") // any other key keeps it hidden, and is not taken as q
	if m = d.root().lesson; m == nil || m.ex.solution || !m.ex.on {
		t.Fatal("q after a: want the exercise still open, the solution hidden")
	}
	d.keys("a", "y")
	if !d.root().lesson.ex.solution {
		t.Fatal("a, y: the solution is not shown")
	}
}

// TestGoldenPredictGate: the gate with a guess typed, as the screen shows it.
func TestGoldenPredictGate(t *testing.T) {
	t.Parallel() // the fake backend: no lab, no package state (parallel_test.go)
	for _, sz := range sizes {
		d := openLesson(t, "en", "veth", sz.w, sz.h, 3)
		d.keys("n", "B", "L", "U", "E")
		golden(t, fmt.Sprintf("predict_gate_%dx%d", sz.w, sz.h), d.view())
		d = openLesson(t, "ko", "veth", sz.w, sz.h, 3)
		d.keys("n", "맥")
		golden(t, fmt.Sprintf("predict_gate_ko_%dx%d", sz.w, sz.h), d.view())
	}
}

package tui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// TestStepNotRunShown holds the step pane to a step the lab did not run
// (lessons: step needs): its line is drawn under the step, the mark is
// neither ✓ nor ✗, and the status says it was not run, in both languages.
func TestStepNotRunShown(t *testing.T) {
	for _, c := range []struct{ lang, line, status string }{
		{"en", "not run here: no subids (test)", "step 1 not run here"},
		{"ko", "실행하지 않음: 테스트", "1단계는 여기서 실행하지 않음"},
	} {
		t.Run(c.lang, func(t *testing.T) {
			d := openLesson(t, c.lang, "userns", 120, 40, 0)
			fs, ok := d.root().lesson.sess.(*fakeSession)
			if !ok {
				t.Fatalf("session is %T", d.root().lesson.sess)
			}
			fs.mu.Lock()
			fs.res[0] = StepResult{NotRun: c.line}
			fs.mu.Unlock()
			d.keys("n")
			d.waitFor("step done", func(m *Model) bool { return m.lesson.pos == 1 && m.lesson.busy == "" })
			if got := d.root().lesson.status; !strings.Contains(got, c.status) || d.root().lesson.statusBad {
				t.Errorf("status %q (bad %v), want it to say %q", got, d.root().lesson.statusBad, c.status)
			}
			view := ansi.Strip(d.view())
			var block string
			for _, l := range strings.Split(view, "\n") {
				if strings.Contains(l, c.line) {
					block = l
				}
			}
			if block == "" {
				t.Fatalf("the not-run line %q is not drawn:\n%s", c.line, view)
			}
			if !strings.Contains(block, "– "+c.line) {
				t.Errorf("line drawn as %q, want it after a – mark", block)
			}
			if strings.Contains(view, "✗") {
				t.Errorf("a not-run step is drawn as failed:\n%s", view)
			}
		})
	}
}

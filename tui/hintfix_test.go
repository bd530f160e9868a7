package tui

import (
	"strings"
	"testing"
)

// TestHintThenFix: after a failed check the first hint (the cause) is on
// screen and the fix is not; h shows each failed check's fix (the second
// hint); a new check hides the fixes again.
func TestHintThenFix(t *testing.T) {
	d := openLesson(t, "en", "veth", 120, 40, 0)
	d.keys("e")
	lm := d.root().lesson
	results := []CheckResult{
		{ID: "blue-out", OK: false, Detail: "BLUE: no reply from 203.0.113.2",
			Hint: "BLUE has no route to 203.0.113.2.", Fix: "ip -n BLUE route add default via 11.11.11.1"},
		{ID: "red-out", OK: true},
	}
	d.send(checkMsg{gen: lm.gen, id: lm.exercises[lm.ex.idx].ID, results: results})
	v := d.view()
	if !strings.Contains(v, "BLUE has no route") {
		t.Fatalf("the first hint is not shown:\n%s", v)
	}
	if strings.Contains(v, "route add default") {
		t.Fatalf("the fix shows before h:\n%s", v)
	}
	d.keys("h")
	if v := d.view(); !strings.Contains(v, "fix: ip -n BLUE route add default") || d.root().lesson.ex.hints != 0 {
		t.Fatalf("h did not show the fix first (hints %d):\n%s", d.root().lesson.ex.hints, v)
	}
	d.keys("h")
	if d.root().lesson.ex.hints != 1 {
		t.Errorf("a second h: hints %d, want the exercise's first general hint", d.root().lesson.ex.hints)
	}
	d.send(checkMsg{gen: lm.gen, id: lm.exercises[lm.ex.idx].ID, results: results})
	if d.root().lesson.ex.fixes {
		t.Errorf("a new check kept the fixes shown")
	}
}

package tui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// TestActionOutputMoreNote: output one line over the limit is shown whole
// (a "1 more lines" note would take that line anyway); longer output is cut
// with a note that counts what is hidden.
func TestActionOutputMoreNote(t *testing.T) {
	m := &lessonModel{c: NewCommon("en")}
	out := func(n int) string {
		var b strings.Builder
		for i := 1; i <= n; i++ {
			b.WriteString("line " + strings.Repeat("x", i%3) + "\n")
		}
		return b.String()
	}
	for _, c := range []struct {
		lines, shown int
		note         string
	}{
		{maxOutput, maxOutput, ""},
		{maxOutput + 1, maxOutput + 1, ""},
		{maxOutput + 2, maxOutput, "… 2 more lines"},
	} {
		got := m.actionLines(ActionEvent{Command: "ip link", OK: true, Output: out(c.lines)}, 80)
		text := ansi.Strip(strings.Join(got, "\n"))
		if n := strings.Count(text, "line "); n != c.shown {
			t.Errorf("%d lines of output: %d shown, want %d\n%s", c.lines, n, c.shown, text)
		}
		if strings.Contains(text, "1 more lines") || (c.note != "" && !strings.Contains(text, c.note)) || (c.note == "" && strings.Contains(text, "more")) {
			t.Errorf("%d lines of output: note wrong\n%s", c.lines, text)
		}
	}
}

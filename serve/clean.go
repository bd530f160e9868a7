package serve

import (
	"strings"

	"github.com/nettutor/nettutor/lessons/grading"
	"github.com/nettutor/nettutor/serve/link"
)

// MaxField is the most characters of a lesson, exercise or failed check
// that the dashboard and the log keep of a member's report.
const MaxField = 64

// cleanField makes one field of a member's report fit a dashboard cell and
// a log line: what a terminal would take as a command goes (as check's
// reports clean an answer's text, grading.Clean), any run of white space
// (a newline too) becomes one space, and it is clipped to MaxField
// characters. The TUI sends ids of built-in lessons; the report comes from
// a process the member drives, so it is cleaned all the same.
func cleanField(s string) string {
	s = strings.Join(strings.Fields(grading.Clean(s)), " ")
	if r := []rune(s); len(r) > MaxField {
		s = string(r[:MaxField-1]) + "…"
	}
	return s
}

// cleanStatus cleans the fields of a status that the dashboard draws and
// the log writes.
func cleanStatus(m link.Msg) link.Msg {
	m.Lesson = cleanField(m.Lesson)
	if m.Check != nil {
		c := *m.Check
		c.Exercise, c.Failed = cleanField(c.Exercise), cleanField(c.Failed)
		m.Check = &c
	}
	return m
}

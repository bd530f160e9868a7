package testkit

import (
	"fmt"
	"strings"
)

// Line is one line where two texts differ, position by position: its
// number (from 1) and the line in each text ("" past a text's end).
type Line struct {
	N    int
	A, B string
}

// DifferingLines lists the lines where a and b differ, position by
// position, n at the most (n < 1: all of them). It is for a test's
// failure message about a long text (a lab's snapshot, a note against its
// golden file, a command's output in the tutor and in a shell): the whole
// texts would bury the difference. The replay, note and fidelity tests
// each had a copy of this loop; each now words its message its own way
// around the one loop.
func DifferingLines(a, b string, n int) []Line {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	var out []Line
	for i := 0; i < len(al) || i < len(bl); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			out = append(out, Line{i + 1, x, y})
			if len(out) == n {
				break
			}
		}
	}
	return out
}

// LineDiff names the first five lines where a and b differ, each as
// `line N: A "…", B "…"` with A and B the names the caller gives the two
// sides ("first run" and "rebuilt", "want" and "got"): five are enough to
// find a difference, and fewer keep a long message readable. "" where the
// texts are the same.
func LineDiff(a, b, aName, bName string) string {
	var out []string
	for _, l := range DifferingLines(a, b, 5) {
		out = append(out, fmt.Sprintf("line %d: %s %q, %s %q", l.N, aName, l.A, bName, l.B))
	}
	return strings.Join(out, "\n")
}

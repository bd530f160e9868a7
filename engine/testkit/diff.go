package testkit

import (
	"fmt"
	"strings"
)

// LineDiff names the first lines, five at the most, where two texts
// differ, position by position, each as "line N: A "…", B "…"" with A and
// B the names the caller gives the two sides ("first run" and "rebuilt",
// "want" and "got"). It is for a test's failure message about a long text
// (a lab's snapshot, a note against its golden file): the whole texts
// would bury the difference, and five lines are enough to find it. The
// replay test and the note tests each had a copy of it; one copy keeps
// their messages alike. Lines past the end of the shorter text count as
// "".
func LineDiff(a, b, aName, bName string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	var out []string
	for i := 0; i < len(al) || i < len(bl); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			out = append(out, fmt.Sprintf("line %d: %s %q, %s %q", i+1, aName, x, bName, y))
			if len(out) == 5 {
				break
			}
		}
	}
	return strings.Join(out, "\n")
}

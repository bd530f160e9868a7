package note

import (
	"bytes"
	"fmt"
	"os/exec"
	"strings"
	"testing"
)

// dotText renders DOT source with Graphviz's dot (the path needTool found)
// and returns the SVG's text runs, one a line, with a newline before the
// first and after the last, so that a whole name is found as
// "\n"+name+"\n". Anything dot writes to stderr fails it as an exit does:
// dot warns there about DOT it had to guess at, and the tutor's DOT must
// need no guessing. The per-lesson and the cluster DOT tests each ran dot
// this way; one helper holds both to the same.
func dotText(dot, src string) (string, error) {
	cmd := exec.Command(dot, "-Tsvg")
	cmd.Stdin = strings.NewReader(src)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	svg, err := cmd.Output()
	if err != nil || stderr.Len() > 0 {
		return "", fmt.Errorf("dot -Tsvg: %v\n%s", err, stderr.String())
	}
	return "\n" + svgText(string(svg)) + "\n", nil
}

// TestDotTextFailsOnWarnings: dotText gives a graph's names, and fails both
// where dot exits non-zero and where it only warns (an unknown shape, which
// dot draws as a box), so the DOT tests cannot pass over DOT dot had to
// guess at.
func TestDotTextFailsOnWarnings(t *testing.T) {
	dot := needTool(t, "Graphviz dot", "dot")
	txt, err := dotText(dot, "digraph { RED -> BLUE }")
	if err != nil || !strings.Contains(txt, "\nRED\n") || !strings.Contains(txt, "\nBLUE\n") {
		t.Errorf("a plain graph: %v, text %q", err, txt)
	}
	for _, bad := range []string{"digraph { a -> ", "digraph { a [shape=nosuchshape] }"} {
		if _, err := dotText(dot, bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

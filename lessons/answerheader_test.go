package lessons

import (
	"bufio"
	"os"
	"strings"
	"testing"
)

// headerLine is one '# key: value' line of an answer file's header, both
// sides trimmed.
type headerLine struct{ key, val string }

// answerHeader reads the '# key: value' lines of an answer file
// (testdata/answers/README.md), in order; other lines are passed over.
// TestGradeAnswers' answers and the troubleshooting answers of
// TestSolutions share this format, so they share the reader; each spec
// (answerSpec, solSpec) keeps the keys it uses and what it requires.
func answerHeader(t testing.TB, path string) []headerLine {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []headerLine
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(line, "#") {
			continue
		}
		key, val, ok := strings.Cut(strings.TrimSpace(strings.TrimPrefix(line, "#")), ":")
		if !ok {
			continue
		}
		out = append(out, headerLine{key, strings.TrimSpace(val)})
	}
	return out
}

// idValue splits a header value of the form "check-id: text" (the hint,
// cause and detail lines), both sides trimmed.
func idValue(val string) (id, text string) {
	id, text, _ = strings.Cut(val, ":")
	return strings.TrimSpace(id), strings.TrimSpace(text)
}

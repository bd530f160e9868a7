package lessons

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// mustAssertion loads one assertion, written as a YAML flow item, as an
// exercise check (so its names are not checked against the lesson).
func mustAssertion(t testing.TB, item string) *Assertion {
	t.Helper()
	src := "id: t\ntitle: {en: T}\nsummary: {en: T}\nsteps:\n  - id: s\n    title: {en: S}\n" +
		"exercises:\n  - id: e\n    title: {en: E}\n    goal: {en: G}\n    checks:\n      - id: c\n        " + item + "\n"
	l, err := Load("t.yaml", []byte(src))
	if err != nil {
		t.Fatalf("load %q: %v", item, err)
	}
	return l.Exercises[0].Checks[0]
}

// mustAction loads one action (references are not checked against a state).
func mustAction(t testing.TB, item string) *Action {
	t.Helper()
	l := mustLoad(t, item, "")
	return l.Steps[0].Actions[len(l.Steps[0].Actions)-1]
}

// mustLoad builds a lesson with one step around an action and an
// expectation; RED, BLUE and their veth0/veth1 exist before them.
func mustLoad(t testing.TB, action, expect string) *Lesson {
	t.Helper()
	src := "id: t\ntitle: {en: T}\nsummary: {en: T}\nsteps:\n  - id: s\n    title: {en: S}\n    actions:\n" +
		"      - netns_add: {name: RED}\n      - netns_add: {name: BLUE}\n      - veth: {ns: RED, name: veth0, peer: veth1, peer_ns: BLUE}\n      - bridge: {ns: RED, name: br0}\n"
	if action != "" {
		src += "      - " + action + "\n"
	}
	if expect != "" {
		src += "    expect:\n      - " + expect + "\n"
	}
	l, err := Load("t.yaml", []byte(src))
	if err != nil {
		t.Fatalf("load %q: %v", strings.TrimSpace(action+" "+expect), err)
	}
	return l
}

var _ = fmt.Sprint

func mustRead(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

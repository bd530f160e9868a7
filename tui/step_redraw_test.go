package tui

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// TestDoneBlockFollowsItsRun: a finished step's block, drawn once and
// then taken from the memo (doneBlock), is drawn again when what it shows
// changes: a rebuild's replay puts new outputs, the step's expectations,
// its error, the learner's guess, a reset marks it restored. After each
// change the pane is line for line the pane drawn from nothing, and shows
// the change.
func TestDoneBlockFollowsItsRun(t *testing.T) {
	d := openLesson(t, "en", "veth", 120, 40, 4)
	m := d.root().lesson
	const w = 60
	check := func(what, want string) {
		t.Helper()
		warm := m.stepLines(w)
		saved := m.memo
		m.memo = blockMemo{}
		fresh := m.stepLines(w)
		m.memo = saved
		if !slices.Equal(warm, fresh) {
			t.Fatalf("%s: the memo draws\n%q\nfrom nothing:\n%q", what, warm, fresh)
		}
		if want != "" && !strings.Contains(ansi.Strip(strings.Join(warm, "\n")), want) {
			t.Fatalf("%s: %q not in the step pane:\n%s", what, want, ansi.Strip(strings.Join(warm, "\n")))
		}
	}
	check("as run", "")
	if len(m.memo.blocks) == 0 {
		t.Fatal("no finished block went through the memo")
	}
	// A replay's outputs: a new slice, as rebuiltMsg puts it.
	acts := slices.Clone(m.runs[0].actions)
	acts[0].Output = "replayed output 4711"
	m.runs[0].actions = acts
	check("replayed", "replayed output 4711")
	m.runs[1].expects = []ExpectResult{{Text: "a new expectation 815", OK: false, Detail: "it failed"}}
	check("expectations", "a new expectation 815")
	m.runs[1].err = errors.New("the lab broke 42")
	check("error", "the lab broke 42")
	m.runs[1].err = errors.New("the lab broke 43")
	check("another error", "the lab broke 43")
	if m.pr.guesses == nil {
		m.pr.guesses = map[int]string{}
	}
	m.pr.guesses[3] = "a guess 1729"
	check("guess", "a guess 1729")
	m.runs[2] = stepRun{done: true, restored: true}
	check("restored", "↺")
	m.runs[2] = stepRun{}
	check("reset", "")
}

// TestStepPaneBoxKeptWhenUnchanged: a message that leaves the step pane
// as it was (a status line) keeps its box as drawn (the same lines, not
// fitted and bordered again), and one that changes it (an action's new
// output) draws it again.
func TestStepPaneBoxKeptWhenUnchanged(t *testing.T) {
	d := openLesson(t, "en", "veth", 120, 40, 4)
	root := d.root()
	m := root.lesson
	_ = root.Render()
	box := m.boxCache[paneSteps].out
	if box == nil {
		t.Fatal("no step pane box drawn")
	}
	root.Update(statusMsg{text: "✓ something else"})
	_ = root.Render()
	if got := m.boxCache[paneSteps].out; &got[0] != &box[0] {
		t.Fatal("a status line drew the unchanged step pane's box again")
	}
	acts := slices.Clone(m.runs[3].actions)
	acts[len(acts)-1].Output = "new output 31337"
	m.runs[3].actions = acts
	root.Update(statusMsg{text: "✓ and again"})
	view := ansi.Strip(root.Render())
	if got := m.boxCache[paneSteps].out; &got[0] == &box[0] {
		t.Fatal("a new output kept the old step pane's box")
	}
	if !strings.Contains(view, "new output 31337") {
		t.Fatalf("the new output is not on screen:\n%s", view)
	}
}

// TestPacketsBoxFollowsItsLines: the packets pane's box is kept while its
// lines and place stay (a status line), and drawn again when they change:
// the pane takes the focus (its border), the packets are cleared (its
// lines).
func TestPacketsBoxFollowsItsLines(t *testing.T) {
	d := openLesson(t, "en", "veth", 120, 40, 4)
	root := d.root()
	m := root.lesson
	_ = root.Render()
	box := m.linesBox.out
	if box == nil || m.linesBox.p != panePackets {
		t.Fatal("no packets box drawn")
	}
	root.Update(statusMsg{text: "✓ something else"})
	_ = root.Render()
	if got := m.linesBox.out; &got[0] != &box[0] {
		t.Fatal("a status line drew the unchanged packets box again")
	}
	m.focus = panePackets
	view := ansi.Strip(root.Render())
	if got := m.linesBox.out; &got[0] == &box[0] {
		t.Fatal("the packets pane took the focus, but its box was kept")
	}
	if !strings.Contains(view, "┏") || !strings.Contains(ansi.Strip(strings.Join(m.linesBox.out, "\n")), "┏") {
		t.Fatalf("the focused packets pane has no heavy border:\n%s", view)
	}
	m.pk.reset()
	none := m.c.T("tui.packets.none")
	if view := ansi.Strip(root.Render()); !strings.Contains(view, none) {
		t.Fatalf("cleared packets: %q not on screen:\n%s", none, view)
	}
}

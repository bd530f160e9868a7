package tui

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"
)

// recheckBackend is the fake backend whose sessions answer Recheck with
// what the test sets: the lab after a shell, broken or not.
type recheckBackend struct {
	fakeBackend
	res []ExpectResult
	err error
}

type recheckSession struct {
	*fakeSession
	b *recheckBackend
}

func (s *recheckSession) Recheck(ctx context.Context) ([]ExpectResult, error) {
	return s.b.res, s.b.err
}

func (b *recheckBackend) Open(ctx context.Context, id, lang string) (Session, error) {
	s, err := b.fakeBackend.Open(ctx, id, lang)
	if err != nil {
		return nil, err
	}
	return &recheckSession{s.(*fakeSession), b}, nil
}

// newRecheckDriver opens veth on a recheckBackend at 80x24.
func newRecheckDriver(t *testing.T, lang string, b *recheckBackend) *driver {
	t.Helper()
	b.lessons = sixLessons()
	m := New(b, Options{Lang: lang, ProgressPath: "-"})
	d := newDriver(t, m)
	d.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	d.run(m.Init(), 50*time.Millisecond)
	d.keys("2")
	d.waitFor("veth open", func(m *Model) bool { return m.lesson != nil && m.lesson.sess != nil && m.lesson.busy == "" })
	return d
}

func openVeth(t *testing.T, progress *Progress) *driver {
	t.Helper()
	d := newTestDriver(t, "en", 80, 24, progress)
	d.keys("2")
	d.waitFor("veth open", func(m *Model) bool { return m.lesson != nil && m.lesson.sess != nil && m.lesson.busy == "" })
	return d
}

// TestLessonKeys holds each new key of the lesson view to where it leads.
func TestLessonKeys(t *testing.T) {
	t.Parallel() // the fake backend: no lab, no package state (parallel_test.go)
	cases := []struct {
		name  string
		keys  []string
		state state
		check func(t *testing.T, m *Model)
	}{
		{"esc in the exercise goes back to the lesson", []string{"e", "esc"}, stateLesson, func(t *testing.T, m *Model) {
			if m.lesson.ex.on {
				t.Error("still in exercise mode")
			}
		}},
		{"q in the exercise goes back to the lesson", []string{"e", "q"}, stateLesson, func(t *testing.T, m *Model) {
			if m.lesson.ex.on {
				t.Error("still in exercise mode")
			}
		}},
		{"esc in the exercise, then esc: the lesson list", []string{"e", "esc", "esc"}, statePicker, nil},
		{"esc in the packet list leaves the list, not the lesson", []string{"tab", "tab", "esc"}, stateLesson, func(t *testing.T, m *Model) {
			if m.lesson.focus != paneSteps {
				t.Errorf("focus %d, want the steps pane", m.lesson.focus)
			}
			if !strings.Contains(m.lesson.status, "esc again") {
				t.Errorf("status %q does not say what esc does next", m.lesson.status)
			}
		}},
		{"esc twice from the packet list: the lesson list", []string{"tab", "tab", "esc", "esc"}, statePicker, nil},
		{"R restarts from step 0", []string{"n", "n", "R"}, stateLesson, func(t *testing.T, m *Model) {
			if m.lesson.pos != 0 || m.lesson.runs[0].done {
				t.Errorf("pos %d, step 1 done %v after R", m.lesson.pos, m.lesson.runs[0].done)
			}
			if m.lesson.status != m.common.T("tui.status.restart") {
				t.Errorf("status %q", m.lesson.status)
			}
		}},
		{": 3 enter jumps to step 3", []string{":", "3", "enter"}, stateLesson, func(t *testing.T, m *Model) {
			if m.lesson.pos != 3 || !m.lesson.runs[2].done || m.lesson.runs[3].done {
				t.Errorf("pos %d after : 3 enter", m.lesson.pos)
			}
			if m.lesson.status != "lab rebuilt at step 3" {
				t.Errorf("status %q", m.lesson.status)
			}
		}},
		{": backspace edits the number", []string{":", "3", "backspace", "1", "enter"}, stateLesson, func(t *testing.T, m *Model) {
			if m.lesson.pos != 1 {
				t.Errorf("pos %d, want 1", m.lesson.pos)
			}
		}},
		{": 9 enter names the range", []string{"n", ":", "9", "enter"}, stateLesson, func(t *testing.T, m *Model) {
			if m.lesson.pos != 1 || !strings.Contains(m.lesson.status, "no step 9 here (0-4)") || !m.lesson.statusBad {
				t.Errorf("pos %d status %q", m.lesson.pos, m.lesson.status)
			}
		}},
		{": then esc cancels", []string{":", "2", "esc"}, stateLesson, func(t *testing.T, m *Model) {
			if m.lesson.pos != 0 || m.lesson.x.jumpOn {
				t.Errorf("pos %d jumpOn %v", m.lesson.pos, m.lesson.x.jumpOn)
			}
		}},
		{"p without a broken lab goes back one step", []string{"n", "n", "p"}, stateLesson, func(t *testing.T, m *Model) {
			if m.lesson.pos != 1 {
				t.Errorf("pos %d, want 1", m.lesson.pos)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := openVeth(t, nil)
			d.keys(c.keys...)
			m := d.root()
			if m.state != c.state {
				t.Fatalf("state %d, want %d", m.state, c.state)
			}
			if c.check != nil {
				c.check(t, m)
			}
		})
	}
}

// TestPacketListHomeEnd: Home and End select the first and the last packet
// and End follows new packets again.
func TestPacketListHomeEnd(t *testing.T) {
	d := openVeth(t, nil)
	d.keys("n", "n", "n", "n", "enter") // enter: past step 4's predict gate
	d.waitFor("packets", func(m *Model) bool { return m.lesson.pk.pkts.Len() >= 3 })
	d.keys("tab", "tab")
	l := d.root().lesson
	n := l.pk.pkts.Len()
	d.keys("home")
	if l.pk.sel != 0 || l.pk.follow {
		t.Errorf("home: sel %d follow %v, want 0 false", l.pk.sel, l.pk.follow)
	}
	if !strings.Contains(d.view(), "▶   1 ") {
		t.Errorf("home: packet 1 is not marked:\n%s", d.view())
	}
	d.keys("end")
	if l.pk.sel != n-1 || !l.pk.follow {
		t.Errorf("end: sel %d follow %v, want %d true", l.pk.sel, l.pk.follow, n-1)
	}
	d.keys("g")
	if l.pk.sel != 0 {
		t.Errorf("g: sel %d", l.pk.sel)
	}
	d.keys("G")
	if l.pk.sel != n-1 {
		t.Errorf("G: sel %d", l.pk.sel)
	}
}

// TestPickerDigits: a digit opens the lesson with that number, even when
// the filter hides others; a number with no lesson does nothing.
func TestPickerDigits(t *testing.T) {
	d := newTestDriver(t, "en", 80, 24, nil)
	d.keys("9")
	if d.root().state != statePicker {
		t.Fatal("9 opened something with six lessons")
	}
	d.keys("3")
	if m := d.root(); m.state != stateLesson || m.lesson.id != "bridge" {
		t.Fatalf("3: state %d lesson %v, want bridge", m.state, m.lesson)
	}
	d = newTestDriver(t, "en", 80, 24, nil)
	d.keys("/", "n", "a", "t", "enter", "5")
	if m := d.root(); m.state != stateLesson || m.lesson.id != "docker-networks" {
		t.Fatalf("filter nat, 5: %v, want docker-networks", m.lesson)
	}
	// While the filter is typed, digits are text.
	d = newTestDriver(t, "en", 80, 24, nil)
	d.keys("/", "2")
	if m := d.root(); m.state != statePicker || m.picker.filter != "2" {
		t.Fatalf("/ 2: state %d filter %q", m.state, m.picker.filter)
	}
}

func someProgress(path string) *Progress {
	p := &Progress{Path: path, Lessons: map[string]*LessonProgress{}}
	p.SetStep("veth", 2, 4)
	p.SetStep("bridge", 6, 6)
	return p
}

func savedProgress(t *testing.T, path string) map[string]*LessonProgress {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var p Progress
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	return p.Lessons
}

// TestPickerReset: r asks about the lesson under the cursor, R about every
// lesson; only y resets, and the file is written.
func TestPickerReset(t *testing.T) {
	path := filepath.Join(t.TempDir(), "progress.json")
	p := someProgress(path)
	d := newTestDriver(t, "en", 80, 24, p)
	d.keys("down", "r")
	if !strings.Contains(d.view(), "Reset the progress of “veth”? y: yes") {
		t.Fatalf("r: no question:\n%s", d.view())
	}
	d.keys("n")
	if p.Status("veth") != StatusInProgress || !strings.Contains(d.view(), "nothing was reset") {
		t.Fatalf("n reset veth:\n%s", d.view())
	}
	if d.root().state != statePicker {
		t.Fatal("n after r opened a lesson")
	}
	d.keys("r", "y")
	if p.Status("veth") != StatusNew || p.Status("bridge") != StatusDone {
		t.Fatalf("r y: veth %v bridge %v", p.Status("veth"), p.Status("bridge"))
	}
	d.waitFor("the file", func(*Model) bool { _, err := os.Stat(path); return err == nil })
	if got := savedProgress(t, path); got["veth"] != nil || got["bridge"] == nil {
		t.Fatalf("saved after r y: %v", got)
	}
	d.keys("R")
	if !strings.Contains(d.view(), "Reset the progress of every lesson?") {
		t.Fatalf("R: no question:\n%s", d.view())
	}
	d.keys("y")
	if p.Status("bridge") != StatusNew {
		t.Fatal("R y kept bridge")
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(savedProgress(t, path)) != 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := savedProgress(t, path); len(got) != 0 {
		t.Fatalf("saved after R y: %v", got)
	}
}

// TestGoldenPickerReset: the reset question at 80x24 and 120x40, in both
// languages.
func TestGoldenPickerReset(t *testing.T) {
	for _, lang := range []string{"en", "ko"} {
		for _, sz := range [][2]int{{80, 24}, {120, 40}} {
			d := newTestDriver(t, lang, sz[0], sz[1], someProgress(""))
			d.keys("down", "r")
			golden(t, fmt.Sprintf("picker_reset_%s_%dx%d", lang, sz[0], sz[1]), d.view())
		}
	}
}

// TestShellBroken: after a shell, a lab whose current step no longer holds
// gets "p rebuilds this step", and p then rebuilds that step rather than
// going back one; what failed when the step ran is no news.
func TestShellBroken(t *testing.T) {
	t.Parallel() // the fake backend: no lab, no package state (parallel_test.go)
	for _, c := range []struct {
		lang, want string
	}{{"en", "p rebuilds this step"}, {"ko", "p를 누르면 이 단계를 다시 만듭니다"}} {
		t.Run(c.lang, func(t *testing.T) {
			b := &recheckBackend{}
			d := newRecheckDriver(t, c.lang, b)
			d.keys("n", "n")
			b.res = []ExpectResult{{Text: "veth0 in RED, peer veth1 in BLUE", OK: false, Detail: "RED: no link veth0"}}
			l := d.root().lesson
			d.send(shellDoneMsg{gen: l.gen})
			if !strings.Contains(l.status, c.want) || !strings.Contains(l.status, "RED: no link veth0") || !l.statusBad {
				t.Fatalf("status %q", l.status)
			}
			if !strings.Contains(d.view(), c.want) {
				t.Errorf("the screen lacks %q:\n%s", c.want, d.view())
			}
			gen := l.gen
			d.keys("p")
			if l.pos != 2 || l.gen == gen || l.isBroken() {
				t.Fatalf("p: pos %d gen %d (was %d) broken %v", l.pos, l.gen, gen, l.isBroken())
			}
			if !strings.Contains(l.status, "2") || l.statusBad {
				t.Errorf("after the rebuild: %q", l.status)
			}
			// p again: back one step, as always.
			d.keys("p")
			if l.pos != 1 {
				t.Errorf("second p: pos %d", l.pos)
			}
		})
	}
	t.Run("held", func(t *testing.T) {
		b := &recheckBackend{}
		d := newRecheckDriver(t, "en", b)
		d.keys("n", "n")
		b.res = []ExpectResult{{Text: "veth0 in RED, peer veth1 in BLUE", OK: true}}
		l := d.root().lesson
		d.send(shellDoneMsg{gen: l.gen})
		if l.isBroken() || l.status != l.c.T("tui.status.shellback") {
			t.Fatalf("a lab that holds is broken: %q", l.status)
		}
		d.keys("p")
		if l.pos != 1 {
			t.Errorf("p: pos %d, want 1", l.pos)
		}
	})
	t.Run("snapshot fails", func(t *testing.T) {
		b := &recheckBackend{err: errors.New("read the lab: netlink: bad")}
		d := newRecheckDriver(t, "en", b)
		d.keys("n")
		l := d.root().lesson
		d.send(shellDoneMsg{gen: l.gen})
		if !l.isBroken() || !strings.Contains(l.status, "netlink: bad") || !strings.Contains(l.status, "p rebuilds this step") {
			t.Fatalf("status %q", l.status)
		}
	})
	t.Run("a step's own failure is no news", func(t *testing.T) {
		b := &recheckBackend{}
		d := newRecheckDriver(t, "en", b)
		d.keys("n", "n")
		l := d.root().lesson
		l.runs[1].expects[0].OK = false // it failed when it ran
		b.res = []ExpectResult{{Text: l.runs[1].expects[0].Text, OK: false}}
		d.send(shellDoneMsg{gen: l.gen})
		if l.isBroken() {
			t.Fatalf("broken over what failed already: %q", l.status)
		}
	})
	t.Run("a step run after it clears the mark", func(t *testing.T) {
		b := &recheckBackend{}
		d := newRecheckDriver(t, "en", b)
		d.keys("n", "n")
		b.res = []ExpectResult{{Text: "veth0 in RED, peer veth1 in BLUE", OK: false}}
		l := d.root().lesson
		d.send(shellDoneMsg{gen: l.gen})
		d.keys("n")
		if l.isBroken() {
			t.Fatal("still broken after the next step")
		}
	})
}

// TestShellExecBanner: the lab shell starts on a cleared screen (and
// scrollback) under its one-line banner, then runs the command.
func TestShellExecBanner(t *testing.T) {
	for _, c := range []struct{ lang, want string }{
		{"en", "nettutor lab shell in RED · exit or Ctrl-D returns to the lesson"},
		{"ko", "nettutor 실습 셸: RED 네임스페이스 · exit 또는 Ctrl-D로 레슨에 돌아갑니다"},
	} {
		m := newLesson(NewCommon(c.lang), nil, "veth")
		var out bytes.Buffer
		se := &shellExec{cmd: exec.Command("sh", "-c", "echo from-the-shell"), banner: m.shellBanner("RED")}
		se.SetStdin(strings.NewReader(""))
		se.SetStdout(&out)
		se.SetStderr(&out)
		if err := se.Run(); err != nil {
			t.Fatal(err)
		}
		// The banner is bold (Lip Gloss v2 renders the attribute
		// whatever the terminal; the shell's screen is not Bubble
		// Tea's to downsample): compared as the terminal shows it.
		want := c.want + "\r\nfrom-the-shell\n"
		if got := out.String(); !strings.HasPrefix(got, clearScreen) || plain(strings.TrimPrefix(got, clearScreen)) != want {
			t.Errorf("%s: %q, want %q after %q", c.lang, got, want, clearScreen)
		}
	}
}

// TestHelpHasNewKeys: the help overlays list the new keys in both
// languages.
func TestHelpHasNewKeys(t *testing.T) {
	for _, lang := range []string{"en", "ko"} {
		c := NewCommon(lang)
		for _, b := range []struct {
			name string
			bs   bindings
			keys []string
		}{
			{"picker", c.Keys.PickerHelp(), []string{"digits", "reset", "resetall"}},
			{"lesson", c.Keys.LessonHelp(), []string{"restart", "jump", "home", "end"}},
			{"exercise", c.Keys.ExerciseHelp(), []string{"exback"}},
		} {
			have := map[string]bool{}
			for _, col := range b.bs.FullHelp() {
				for _, k := range col {
					have[k.Help().Desc] = true
				}
			}
			for _, k := range b.keys {
				desc := c.T("tui.key." + k)
				if desc == "" || desc == "tui.key."+k || !have[desc] {
					t.Errorf("%s %s help lacks %s (%q)", lang, b.name, k, desc)
				}
			}
		}
	}
}

// TestFlowKeysTeatest drives the program as a terminal would: 2 opens
// veth, : 2 enter jumps, e then esc leaves the exercise for the lesson.
func TestFlowKeysTeatest(t *testing.T) {
	m := New(&fakeBackend{lessons: sixLessons()}, Options{Lang: "en", ProgressPath: "-"})
	tm := newFlow(t, m, 80, 24)
	waitOut(t, tm, 5*time.Second, "RED and BLUE over a veth pair")
	tm.Type("2")
	waitOut(t, tm, 5*time.Second, "step 0/4")
	tm.Type(":2")
	tm.Send(keyMsg("enter"))
	waitOut(t, tm, 5*time.Second, "lab rebuilt at step 2", "step 2/4")
	tm.Type("e")
	waitOut(t, tm, 5*time.Second, "Connect RED and BLUE")
	tm.Send(keyMsg("esc"))
	waitOut(t, tm, 5*time.Second, "Step 3/4 Addresses", "run this step")
	tm.Send(keyMsg("ctrl+c"))
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	fm := flowModel(t, tm, 5*time.Second)
	if fm.state != stateLesson || fm.lesson == nil || fm.lesson.ex.on || fm.lesson.pos != 2 {
		t.Errorf("final: state %d lesson %+v", fm.state, fm.lesson)
	}
}

// TestHelpFits80x24: with the new keys, every help overlay still shows
// all of itself at 80x24, down to how to close it, in both languages.
func TestHelpFits80x24(t *testing.T) {
	t.Parallel() // the fake backend: no lab, no package state (parallel_test.go)
	for _, lang := range []string{"en", "ko"} {
		for _, screen := range []string{"picker", "lesson", "exercise"} {
			d := newTestDriver(t, lang, 80, 24, nil)
			c := d.root().common
			var bs bindings
			switch screen {
			case "picker":
				bs = c.Keys.PickerHelp()
			case "lesson":
				d.keys("2")
				d.waitFor("veth open", func(m *Model) bool { return m.lesson != nil && m.lesson.sess != nil && m.lesson.busy == "" })
				bs = c.Keys.LessonHelp()
			case "exercise":
				d.keys("2")
				d.waitFor("veth open", func(m *Model) bool { return m.lesson != nil && m.lesson.sess != nil && m.lesson.busy == "" })
				d.keys("e")
				bs = c.Keys.ExerciseHelp()
			}
			d.keys("?")
			v := d.view()
			if !strings.Contains(v, c.T("tui.help.close")) {
				t.Errorf("%s %s help at 80x24 is cut before its last line:\n%s", lang, screen, v)
			}
			for _, col := range bs.FullHelp() {
				for _, k := range col {
					if !strings.Contains(v, k.Help().Key+" ") {
						t.Errorf("%s %s help lacks %q", lang, screen, k.Help().Key)
					}
				}
			}
		}
	}
}

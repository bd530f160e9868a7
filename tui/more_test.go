package tui

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
)

func TestFatalScreen(t *testing.T) {
	d := newTestDriver(t, "en", 80, 24, nil)
	d.send(fatalMsg{errors.New("engine.New: not inside the lab sandbox")})
	m := d.root()
	if m.state != stateFatal || m.ExitCode() != 2 {
		t.Fatalf("state %d exit %d", m.state, m.ExitCode())
	}
	v := viewOf(m)
	if !strings.Contains(v, "cannot go on") || !strings.Contains(v, "not inside the lab sandbox") {
		t.Errorf("fatal view:\n%s", v)
	}
	_, cmd := m.Update(keyMsg("x"))
	if cmd == nil {
		t.Fatal("a key on the fatal screen does not quit")
	}
	if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Error("a key on the fatal screen does not quit")
	}
}

func TestOpenFailureIsFatal(t *testing.T) {
	b := &fakeBackend{lessons: append(sixLessons(), LessonInfo{ID: "ghost", Title: "missing"})}
	m := New(b, Options{Lang: "en", ProgressPath: "-"})
	d := newDriver(t, m)
	d.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	d.run(m.Init(), 50*time.Millisecond)
	d.keys("end", "enter")
	if m.state != stateFatal || m.ExitCode() != 2 {
		t.Errorf("state %d exit %d", m.state, m.ExitCode())
	}
}

func TestMouseWheelScrollsPaneUnderPointer(t *testing.T) {
	d := openLesson(t, "en", "veth", 80, 24, 4)
	l := d.root().lesson
	_ = d.view()
	r := l.rects[panePackets]
	sel := l.pk.sel
	d.send(tea.MouseWheelMsg{X: r.x + 3, Y: r.y + 2, Button: tea.MouseWheelUp})
	if l.pk.sel != max(0, sel-3) {
		t.Errorf("wheel over packets: sel %d, want %d", l.pk.sel, max(0, sel-3))
	}
	st := l.rects[paneSteps]
	before := l.scroll[paneSteps]
	d.send(tea.MouseWheelMsg{X: st.x + 3, Y: st.y + 2, Button: tea.MouseWheelUp})
	_ = d.view()
	if l.follow || l.scroll[paneSteps] >= before && before > 0 {
		t.Errorf("wheel over steps: follow %v scroll %d (was %d)", l.follow, l.scroll[paneSteps], before)
	}
	if l.pk.sel != max(0, sel-3) {
		t.Error("wheel over the steps moved the packets")
	}
}

// A flood of packets reaches the model in few, large messages.
func TestPacketFloodIsBatched(t *testing.T) {
	ch := make(chan Packet, 50000)
	p := fakePackets()[2]
	for i := 0; i < 50000; i++ {
		p.Seq = i
		ch <- p
	}
	close(ch)
	cmd := waitPackets(7, ch, func() uint64 { return 42 })
	msgs, total := 0, 0
	start := time.Now()
	for {
		msg := cmd().(packetsMsg)
		if msg.gen != 7 {
			t.Fatalf("gen %d", msg.gen)
		}
		if msg.done {
			break
		}
		msgs++
		total += len(msg.pkts)
		if msg.drops != 42 {
			t.Errorf("drops %d", msg.drops)
		}
	}
	if total != 50000 || msgs > 50000/maxBatch+2 {
		t.Errorf("%d packets in %d messages (%v)", total, msgs, time.Since(start))
	}
}

func TestResumeAtSavedStep(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "nettutor", "progress.json")
	p := &Progress{Path: path, Lessons: map[string]*LessonProgress{"veth": {Step: 2, Steps: 4}}}
	if err := writeProgress(path, p.Marshal()); err != nil {
		t.Fatal(err)
	}
	t.Setenv("XDG_STATE_HOME", dir)
	if ProgressPath() != path {
		t.Fatalf("ProgressPath %s, want %s", ProgressPath(), path)
	}
	m := New(&fakeBackend{lessons: sixLessons()}, Options{Lang: "en"})
	d := newDriver(t, m)
	d.send(tea.WindowSizeMsg{Width: 120, Height: 40})
	d.run(m.Init(), 50*time.Millisecond)
	if !strings.Contains(viewOf(m), "step 2/4") {
		t.Errorf("picker does not show the progress:\n%s", viewOf(m))
	}
	d.keys("down", "enter")
	if m.lesson.pos != 2 || !m.lesson.runs[1].restored {
		t.Fatalf("resumed at %d", m.lesson.pos)
	}
	if !strings.Contains(viewOf(m), "↺ Step 2/4") {
		t.Errorf("restored steps not shown:\n%s", viewOf(m))
	}
	d.keys("n")
	b, err := os.ReadFile(path)
	if err != nil || !strings.Contains(string(b), `"step": 3`) {
		t.Errorf("progress file after a step: %s %v", b, err)
	}
}

func TestStringsComplete(t *testing.T) {
	for _, k := range []string{"tui.key.next", "tui.pane.topology", "tui.steps.predict"} {
		if NewCommon("ko").T(k) == NewCommon("en").T(k) {
			t.Errorf("%s is not translated", k)
		}
	}
}

func TestPacketDetailLayerMarksHex(t *testing.T) {
	d := openLesson(t, "en", "veth", 120, 40, 4)
	d.keys("tab", "tab", "up", "enter", "down")
	l := d.root().lesson
	if !l.pk.detail || l.pk.layer != 1 {
		t.Fatalf("detail %v layer %d", l.pk.detail, l.pk.layer)
	}
	d.keys("pgdown")
	v := d.view()
	// The IPv4 header is bytes 14..33: the dump marks them.
	if !strings.Contains(v, "0000  6e 0b 11 22 33 03 6e 0b  11 22 33 02 08 00[45 00]") {
		t.Errorf("IPv4 bytes not marked:\n%s", v)
	}
}

// Every screen fits any terminal size, down to absurdly small ones.
func TestViewsFitAnySize(t *testing.T) {
	t.Parallel() // the fake backend: no lab, no package state (parallel_test.go)
	for _, sz := range [][2]int{{20, 6}, {40, 10}, {80, 24}, {160, 48}, {250, 70}} {
		for _, lang := range []string{"en", "ko"} {
			d := openLesson(t, lang, "veth", 120, 40, 4)
			d.quiet = 15 * time.Millisecond
			d.send(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
			check := func(what string) {
				v := d.view()
				lines := strings.Split(v, "\n")
				if len(lines) > sz[1] {
					t.Errorf("%s %s %dx%d: %d lines", lang, what, sz[0], sz[1], len(lines))
				}
				for _, l := range lines {
					if width(l) > sz[0] {
						t.Errorf("%s %s %dx%d: line of %d cells: %q", lang, what, sz[0], sz[1], width(l), l)
						break
					}
				}
			}
			check("lesson")
			d.keys("tab", "tab", "enter")
			check("detail")
			d.keys("l")
			check("ladder")
			d.keys("?")
			check("help")
			d.keys("esc", "e")
			check("exercise")
			d.keys("c", "h", "a", "y")
			check("exercise checked")
			d.keys("esc")
			check("picker")
		}
	}
}

func TestProgressFailureSaidOnce(t *testing.T) {
	m := New(&fakeBackend{lessons: sixLessons()}, Options{Lang: "en", ProgressPath: "/proc/nettutor-cannot/progress.json"})
	d := newDriver(t, m)
	d.send(tea.WindowSizeMsg{Width: 100, Height: 30})
	d.run(m.Init(), 50*time.Millisecond)
	d.keys("down", "enter", "n")
	if !strings.Contains(m.lesson.status, "progress not saved") || !strings.Contains(m.lesson.status, "step 1 done") {
		t.Errorf("status after the first failed save: %q", m.lesson.status)
	}
	d.keys("n")
	if m.lesson.status != "✓ step 2 done" {
		t.Errorf("status after the second: %q", m.lesson.status)
	}
}

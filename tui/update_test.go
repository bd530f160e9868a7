package tui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
)

func TestPickerUpdate(t *testing.T) {
	cases := []struct {
		name   string
		keys   []string
		cursor int
		shown  int
		filter bool
	}{
		{"down", []string{"down"}, 1, 6, false},
		{"j j k", []string{"j", "j", "k"}, 1, 6, false},
		{"up at top", []string{"up"}, 0, 6, false},
		{"end", []string{"end"}, 5, 6, false},
		{"end home", []string{"end", "home"}, 0, 6, false},
		{"past the end", []string{"end", "down"}, 5, 6, false},
		{"filter typing", []string{"/", "n", "a", "t"}, 0, 1, true},
		{"filter keeps j as text", []string{"/", "j"}, 0, 1, true},
		{"filter applied", []string{"/", "b", "r", "i", "d", "g", "e", "enter"}, 0, 2, false},
		{"filter escaped", []string{"/", "n", "a", "t", "esc"}, 0, 6, false},
		{"filter backspace", []string{"/", "n", "a", "x", "backspace"}, 0, 5, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := newTestDriver(t, "en", 80, 24, nil)
			for _, k := range c.keys {
				p, _ := d.root().picker.Update(keyMsg(k))
				d.root().picker = p
			}
			p := d.root().picker
			if p.cursor != c.cursor || len(p.shown) != c.shown || p.filterOn != c.filter {
				t.Errorf("cursor %d shown %d filter %v; want %d %d %v", p.cursor, len(p.shown), p.filterOn, c.cursor, c.shown, c.filter)
			}
		})
	}
}

func TestPickerOpenAndQuit(t *testing.T) {
	d := newTestDriver(t, "en", 80, 24, nil)
	_, cmd := d.root().picker.Update(keyMsg("q"))
	if cmd == nil {
		t.Fatal("q: no command")
	}
	if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Error("q does not quit the picker")
	}
	p, _ := d.root().picker.Update(keyMsg("down"))
	_, cmd = p.Update(keyMsg("enter"))
	if msg, ok := cmd().(openLessonMsg); !ok || msg.id != "veth" {
		t.Errorf("enter: %#v, want openLessonMsg{veth}", cmd())
	}
}

func TestLessonUpdate(t *testing.T) {
	t.Parallel() // the fake backend: no lab, no package state (parallel_test.go)
	type check func(t *testing.T, m *Model)
	pos := func(n int) check {
		return func(t *testing.T, m *Model) {
			if m.lesson == nil || m.lesson.pos != n {
				t.Fatalf("pos: want %d", n)
			}
		}
	}
	cases := []struct {
		name string
		keys []string
		want []check
	}{
		{"n runs a step", []string{"n"}, []check{pos(1)}},
		{"right and space run steps", []string{"right", "space"}, []check{pos(2)}},
		{"p goes back", []string{"n", "n", "p"}, []check{pos(1)}},
		{"left at the start stays", []string{"left"}, []check{pos(0)}},
		{"no step past the end", []string{"n", "n", "n", "n", "enter", "n"}, []check{pos(4), func(t *testing.T, m *Model) {
			if !strings.Contains(m.lesson.status, "last step") {
				t.Errorf("status %q", m.lesson.status)
			}
		}}},
		{"tab cycles panes", []string{"tab", "tab"}, []check{func(t *testing.T, m *Model) {
			if m.lesson.focus != panePackets {
				t.Errorf("focus %d", m.lesson.focus)
			}
		}}},
		{"tab wraps", []string{"tab", "tab", "tab"}, []check{func(t *testing.T, m *Model) {
			if m.lesson.focus != paneSteps {
				t.Errorf("focus %d", m.lesson.focus)
			}
		}}},
		{"? opens help, esc closes", []string{"?"}, []check{func(t *testing.T, m *Model) {
			if !m.showHelp || !strings.Contains(viewOf(m), "back one step") {
				t.Error("help overlay not shown")
			}
		}}},
		{"esc returns to the picker", []string{"esc"}, []check{func(t *testing.T, m *Model) {
			if m.state != statePicker || m.lesson != nil {
				t.Error("still in the lesson")
			}
		}}},
		{"q returns to the picker", []string{"q"}, []check{func(t *testing.T, m *Model) {
			if m.state != statePicker {
				t.Error("still in the lesson")
			}
		}}},
		{"topology selection moves", []string{"n", "n", "tab", "down"}, []check{func(t *testing.T, m *Model) {
			if m.lesson.selNS != "BLUE" {
				t.Errorf("selected %q, want BLUE (RED is first)", m.lesson.selNS)
			}
		}}},
		{"exercise: fail, hint, then solution", []string{"e", "c", "h", "a", "y"}, []check{func(t *testing.T, m *Model) {
			ex := m.lesson.ex
			if !ex.on || !ex.checked || ex.passed || ex.hints != 1 || !ex.solution {
				t.Errorf("exercise state %+v", ex)
			}
			v := viewOf(m)
			for _, s := range []string{"✗ pair", "create the pair", "1. ip link add", "Reference solution"} {
				if !strings.Contains(v, s) {
					t.Errorf("view lacks %q", s)
				}
			}
		}}},
		{"exercise: leaving rebuilds the steps", []string{"n", "n", "e", "e"}, []check{pos(2), func(t *testing.T, m *Model) {
			if m.lesson.ex.on {
				t.Error("still in exercise mode")
			}
		}}},
		{"packet detail opens and closes", []string{"tab", "tab", "enter"}, []check{func(t *testing.T, m *Model) {
			if !m.lesson.pk.detail || !strings.Contains(viewOf(m), "Ethernet") {
				t.Error("no packet detail")
			}
		}}},
		{"ladder toggles", []string{"l"}, []check{func(t *testing.T, m *Model) {
			if !m.lesson.pk.ladder || !strings.Contains(viewOf(m), "◀") {
				t.Error("no ladder")
			}
		}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// These run the whole lesson first, waiting for its packets.
			steps := map[string]int{"packet detail opens and closes": 4, "ladder toggles": 4}[c.name]
			d := openLesson(t, "en", "veth", 120, 40, steps)
			d.keys(c.keys...)
			for _, w := range c.want {
				w(t, d.root())
			}
		})
	}
}

func TestStaleMessagesDrop(t *testing.T) {
	d := openLesson(t, "en", "veth", 120, 40, 2)
	l := d.root().lesson
	snap, gen, pgen := l.snap, l.gen, l.pgen
	d.send(labMsg{gen: gen - 1, pos: 0, snap: bridgeSnapshot(), why: "back"})
	if l.snap != snap || l.pos != 2 {
		t.Error("a stale lab message changed the lesson")
	}
	d.send(packetsMsg{gen: pgen - 1, pkts: fakePackets()})
	if l.pk.pkts.Len() != 0 {
		t.Error("stale packets were listed")
	}
	d.send(packetsMsg{gen: pgen, pkts: fakePackets()[:1]})
	if l.pk.pkts.Len() != 1 {
		t.Errorf("current packets: %d, want 1", l.pk.pkts.Len())
	}
}

func TestCtrlCQuitsEverywhere(t *testing.T) {
	for _, inLesson := range []bool{false, true} {
		d := newTestDriver(t, "en", 80, 24, nil)
		if inLesson {
			d.keys("enter")
		}
		_, cmd := d.m.Update(keyMsg("ctrl+c"))
		if cmd == nil {
			t.Fatal("ctrl+c: no command")
		}
		msg := cmd()
		if _, ok := msg.(tea.QuitMsg); !ok && !strings.Contains(reflectTypeString(msg), "sequence") {
			t.Errorf("ctrl+c (lesson %v): %T", inLesson, msg)
		}
	}
}

// Every binding has keys and help text in both languages, and no two
// bindings of one screen share a key.
func TestKeyMap(t *testing.T) {
	for _, lang := range []string{"en", "ko"} {
		k := KeyMapFor(lang)
		for name, b := range map[string]bindings{"picker": k.PickerHelp(), "lesson": k.LessonHelp(), "exercise": k.ExerciseHelp()} {
			seen := map[string]string{}
			for _, col := range b.FullHelp() {
				for _, kb := range col {
					h := kb.Help()
					if len(kb.Keys()) == 0 || h.Key == "" || h.Desc == "" || strings.HasPrefix(h.Desc, "tui.") {
						t.Errorf("%s %s: binding %+v incomplete", lang, name, h)
					}
					for _, key := range kb.Keys() {
						if other, dup := seen[key]; dup && other != h.Desc {
							// enter opens a packet's detail in the packets pane
							// only; the same key elsewhere is a different screen.
							t.Errorf("%s %s: %q bound twice (%s, %s)", lang, name, key, other, h.Desc)
						}
						seen[key] = h.Desc
					}
				}
			}
		}
	}
	if DefaultKeyMap().Next.Help().Desc != "run the next step" {
		t.Error("DefaultKeyMap is not English")
	}
}

// TestKeysWhileThePickerLoads: keys typed before the lessons have arrived
// (the picker is drawn at once, the lessons come from a tea.Cmd) are kept
// and replayed in order once they are there, so `j j enter` typed at once
// opens the lesson it opens on a loaded picker; ctrl+c is never held.
func TestKeysWhileThePickerLoads(t *testing.T) {
	fb := &fakeBackend{lessons: sixLessons()}
	m := New(fb, Options{Lang: "en", ProgressPath: "-"})
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	if !m.picker.loading {
		t.Fatal("a new model's picker is not loading")
	}
	for _, k := range []string{"j", "j", "enter"} {
		if _, cmd := m.Update(keyMsg(k)); cmd != nil {
			t.Fatalf("%s while loading gave a command", k)
		}
	}
	ls, err := fb.Lessons("en")
	if err != nil {
		t.Fatal(err)
	}
	_, cmd := m.Update(lessonsMsg{ls, nil})
	if m.picker.cursor != 2 {
		t.Errorf("cursor %d after j j typed while loading, want 2", m.picker.cursor)
	}
	if cmd == nil {
		t.Fatal("enter typed while loading opened nothing")
	}
	want := ls[2].ID
	found := false
	for _, msg := range drainCmd(cmd) {
		if o, ok := msg.(openLessonMsg); ok && o.id == want {
			found = true
		}
	}
	if !found {
		t.Errorf("enter typed while loading did not open %s", want)
	}
	m2 := New(fb, Options{Lang: "en", ProgressPath: "-"})
	if _, cmd := m2.Update(keyMsg("ctrl+c")); cmd == nil {
		t.Error("ctrl+c while loading was held back")
	}
}

// drainCmd runs cmd and every command a batch of it holds, and returns the
// messages.
func drainCmd(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	msg := cmd()
	if b, ok := msg.(tea.BatchMsg); ok {
		var out []tea.Msg
		for _, c := range b {
			out = append(out, drainCmd(c)...)
		}
		return out
	}
	return []tea.Msg{msg}
}

package tui

import (
	"fmt"
	"testing"
)

var sizes = []struct{ w, h int }{{80, 24}, {120, 40}}

func pickerProgress() *Progress {
	return &Progress{Lessons: map[string]*LessonProgress{
		"isolation": {Step: 5, Steps: 5, Done: true},
		"veth":      {Step: 2, Steps: 4},
	}}
}

func TestGoldenPicker(t *testing.T) {
	for _, sz := range sizes {
		d := newTestDriver(t, "en", sz.w, sz.h, pickerProgress())
		d.keys("down")
		golden(t, fmt.Sprintf("picker_%dx%d", sz.w, sz.h), d.view())
	}
}

// openLesson opens lesson id from the picker and runs n steps.
func openLesson(t testing.TB, lang, id string, w, h, n int) *driver {
	d := newTestDriver(t, lang, w, h, nil)
	for i, l := range sixLessons() {
		if l.ID == id {
			for j := 0; j < i; j++ {
				d.keys("down")
			}
		}
	}
	d.keys("enter")
	for i := 0; i < n; i++ {
		d.keys("n")
		if d.root().lesson.pr.open {
			d.keys("enter") // the predict gate: reveal without a guess
		}
		d.waitFor("step done", func(m *Model) bool { return m.lesson.pos == i+1 && m.lesson.busy == "" })
	}
	if id == "veth" && n == 4 {
		d.waitFor("the ping's packets", func(m *Model) bool { return m.lesson.pk.pkts.Len() == 4 })
	}
	return d
}

func TestGoldenVethAfterPing(t *testing.T) {
	t.Parallel() // the fake backend: no lab, no package state (parallel_test.go)
	for _, sz := range sizes {
		d := openLesson(t, "en", "veth", sz.w, sz.h, 4)
		golden(t, fmt.Sprintf("veth_ping_%dx%d", sz.w, sz.h), d.view())
	}
}

func TestGoldenBridge(t *testing.T) {
	for _, sz := range sizes {
		d := openLesson(t, "en", "bridge", sz.w, sz.h, 1)
		golden(t, fmt.Sprintf("bridge_%dx%d", sz.w, sz.h), d.view())
	}
}

func TestGoldenNAT(t *testing.T) {
	for _, sz := range sizes {
		d := openLesson(t, "en", "nat", sz.w, sz.h, 1)
		if sz.h < 30 {
			d.keys("tab", "pgdown") // the lower half: host, NAT point, OUTSIDE
		}
		golden(t, fmt.Sprintf("nat_%dx%d", sz.w, sz.h), d.view())
	}
}

func TestGoldenPacketDetail(t *testing.T) {
	t.Parallel() // the fake backend: no lab, no package state (parallel_test.go)
	for _, sz := range sizes {
		d := openLesson(t, "en", "veth", sz.w, sz.h, 4)
		d.keys("tab", "tab", "up", "enter")
		golden(t, fmt.Sprintf("packet_detail_%dx%d", sz.w, sz.h), d.view())
	}
}

func TestGoldenKoreanStep(t *testing.T) {
	t.Parallel() // the fake backend: no lab, no package state (parallel_test.go)
	for _, sz := range sizes {
		d := openLesson(t, "ko", "veth", sz.w, sz.h, 4)
		golden(t, fmt.Sprintf("ko_step_%dx%d", sz.w, sz.h), d.view())
	}
}

func TestGoldenLadder(t *testing.T) {
	d := openLesson(t, "en", "veth", 120, 40, 4)
	d.keys("l")
	golden(t, "ladder_120x40", d.view())
}

func TestGoldenHelp(t *testing.T) {
	for _, sz := range sizes {
		d := openLesson(t, "ko", "veth", sz.w, sz.h, 1)
		d.keys("?")
		golden(t, fmt.Sprintf("help_ko_%dx%d", sz.w, sz.h), d.view())
	}
}

func TestGoldenExercise(t *testing.T) {
	d := openLesson(t, "en", "veth", 80, 24, 0)
	d.keys("e", "c", "h")
	golden(t, "exercise_failed_80x24", d.view())
	d.keys("a", "y") // the solution shows only after a confirmation
	d.send(keyMsg("pgdown"))
	golden(t, "exercise_solution_80x24", d.view())
}

func TestGoldenPickerKorean(t *testing.T) {
	d := newTestDriver(t, "ko", 120, 40, pickerProgress())
	d.keys("down")
	golden(t, "picker_ko_120x40", d.view())
}

package tui

import (
	"context"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
)

// spareFake is the fake veth lesson with a spare: PrepareBack answers
// what answer says for the step asked (nil: ready), and Goto records
// whether it went to a step the spare was ready for.
type spareFake struct {
	*fakeSession
	smu    sync.Mutex
	answer map[int]error
	asked  []int
	ready  map[int]bool
	swaps  []int
}

func (s *spareFake) PrepareBack(ctx context.Context, n int) error {
	s.smu.Lock()
	defer s.smu.Unlock()
	s.asked = append(s.asked, n)
	err := s.answer[n]
	s.ready = map[int]bool{n: err == nil} // one spare, as the lab backend keeps
	return err
}

func (s *spareFake) Goto(ctx context.Context, n int) error {
	s.smu.Lock()
	if s.ready[n] {
		s.swaps = append(s.swaps, n)
	}
	s.ready = map[int]bool{}
	s.smu.Unlock()
	return s.fakeSession.Goto(ctx, n)
}

type spareBackend struct {
	fakeBackend
	sess *spareFake
}

func (b *spareBackend) Open(ctx context.Context, id, lang string) (Session, error) {
	return b.sess, nil
}

// openSpare opens the fake veth lesson (four steps) with a spare and runs
// steps steps.
func openSpare(t *testing.T, lang string, answer map[int]error, steps int) (*driver, *spareFake) {
	t.Helper()
	sess := &spareFake{fakeSession: newFakeSession(sixLessons()[1], lang), answer: answer, ready: map[int]bool{}}
	m := New(&spareBackend{fakeBackend: fakeBackend{lessons: sixLessons()}, sess: sess}, Options{Lang: lang, ProgressPath: "-"})
	d := newDriver(t, m)
	d.send(tea.WindowSizeMsg{Width: 140, Height: 50})
	d.run(m.Init(), 50*time.Millisecond)
	d.keys("down", "enter")
	for i := 0; i < steps; i++ {
		d.keys("n")
		if d.root().lesson.pr.open {
			d.keys("enter") // the predict gate
		}
	}
	if got := d.root().lesson.pos; got != steps {
		t.Fatalf("the lesson is at step %d, want %d", got, steps)
	}
	return d, sess
}

// press sends one key and returns the lesson's busy line before anything
// the key started has answered, then lets it finish.
func press(d *driver, k string) string {
	var c tea.Cmd
	d.m, c = d.m.Update(keyMsg(k))
	busy := d.root().lesson.busy
	d.run(c, d.quiet)
	return busy
}

// TestSpareStates holds the lesson view's side of the spare: after each
// move it asks for a spare one step back; `p` with it ready is a swap
// (the plain "back" line), without it a rebuild whose progress reads
// "rebuilding to step N of M" (in Korean from the same template); an
// answer that comes after a move speaks of a step the lesson left and is
// not taken; a jump to the spare's step swaps too.
func TestSpareStates(t *testing.T) {
	t.Parallel() // the fake backend: no lab, no package state (parallel_test.go)
	stale := errSpareStale
	for _, tc := range []struct {
		name   string
		lang   string
		answer map[int]error
		steps  int
		move   func(t *testing.T, d *driver)
		key    []string // the keys of the move back (the last one's busy is checked)
		busy   string
		pos    int
		swaps  []int
	}{
		{name: "ready", lang: "en", steps: 2, key: []string{"p"}, busy: "rebuilding the lab at step 1…", pos: 1, swaps: []int{1}},
		{name: "not ready", lang: "en", answer: map[int]error{1: stale}, steps: 2, key: []string{"p"}, busy: "rebuilding to step 1 of 4…", pos: 1},
		{name: "not ready, Korean", lang: "ko", answer: map[int]error{1: stale}, steps: 2, key: []string{"p"}, busy: "1/4단계까지 다시 만드는 중…", pos: 1},
		{name: "cancelled by a move", lang: "en", answer: map[int]error{2: stale}, steps: 2,
			move: func(t *testing.T, d *driver) {
				l := d.root().lesson
				if !l.spare.ready || l.spare.n != 1 {
					t.Fatalf("before the move the spare is %+v, want ready at 1", l.spare)
				}
				seq := l.spare.seq
				d.keys("n") // step 3 runs; the spare for 2 is refused
				// The answer for 1 comes late, after the move: not taken.
				d.send(spareMsg{seq: seq, n: 1})
				if l := d.root().lesson; l.spare.ready {
					t.Errorf("a spare answer from before the move was taken: %+v", l.spare)
				}
			},
			key: []string{"p"}, busy: "rebuilding to step 2 of 4…", pos: 2},
		{name: "jump to the spare", lang: "en", steps: 3, key: []string{":", "2", "enter"}, busy: "rebuilding the lab at step 2…", pos: 2, swaps: []int{2}},
		{name: "jump elsewhere", lang: "en", steps: 3, key: []string{":", "1", "enter"}, busy: "rebuilding to step 1 of 4…", pos: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, sess := openSpare(t, tc.lang, tc.answer, tc.steps)
			if tc.move != nil {
				tc.move(t, d)
			}
			for _, k := range tc.key[:len(tc.key)-1] {
				d.keys(k)
			}
			if busy := press(d, tc.key[len(tc.key)-1]); busy != tc.busy {
				t.Errorf("busy line %q, want %q", busy, tc.busy)
			}
			d.waitFor("the move back", func(m *Model) bool { return m.lesson.busy == "" && m.lesson.pos == tc.pos })
			sess.smu.Lock()
			defer sess.smu.Unlock()
			if len(sess.swaps) != len(tc.swaps) || (len(tc.swaps) > 0 && sess.swaps[0] != tc.swaps[0]) {
				t.Errorf("swaps %v, want %v", sess.swaps, tc.swaps)
			}
			// After the move the next spare is asked for, one step back.
			if n := len(sess.asked); n == 0 || sess.asked[n-1] != tc.pos-1 {
				t.Errorf("spares asked for %v, want the last for %d", sess.asked, tc.pos-1)
			}
		})
	}
}

// TestSpareNotAskedInAnExercise: no spare is asked for while an exercise
// holds the lab; leaving it asks again.
func TestSpareNotAskedInAnExercise(t *testing.T) {
	d, sess := openSpare(t, "en", nil, 2)
	sess.smu.Lock()
	before := len(sess.asked)
	sess.smu.Unlock()
	d.keys("e")
	if l := d.root().lesson; !l.ex.on || l.spare.ready {
		t.Fatalf("in the exercise: on=%v spare=%+v", l.ex.on, l.spare)
	}
	sess.smu.Lock()
	if len(sess.asked) != before {
		t.Errorf("spares asked for in the exercise: %v", sess.asked[before:])
	}
	sess.smu.Unlock()
	d.keys("esc")
	d.waitFor("the lesson again", func(m *Model) bool { return !m.lesson.ex.on && m.lesson.busy == "" })
	sess.smu.Lock()
	defer sess.smu.Unlock()
	if n := len(sess.asked); n == before || sess.asked[n-1] != 1 {
		t.Errorf("after the exercise spares asked for %v, want one for 1", sess.asked)
	}
}

package tui

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
)

// replaySession is the fake veth lesson whose first step prints the
// namespace's inode, a new one every time the lab is rebuilt, as
// `readlink /proc/self/ns/net` does.
type replaySession struct {
	*fakeSession
	rmu     sync.Mutex
	builds  int
	goneTo  int
	outputs []string
}

func (s *replaySession) output() string {
	return fmt.Sprintf("net:[40265%d]", 3000+s.builds)
}

func (s *replaySession) RunStep(ctx context.Context, i int, ev chan<- ActionEvent) StepResult {
	r := s.fakeSession.RunStep(ctx, i, ev)
	if i == 0 {
		s.rmu.Lock()
		r.Actions = []ActionEvent{{Step: 0, Command: "readlink /proc/self/ns/net", OK: true, Output: s.output()}}
		s.rmu.Unlock()
	}
	return r
}

func (s *replaySession) Goto(ctx context.Context, n int) error {
	s.rmu.Lock()
	s.builds++
	s.goneTo = n
	s.rmu.Unlock()
	return s.fakeSession.Goto(ctx, n)
}

// Replayed implements replayer.
func (s *replaySession) Replayed() []StepResult {
	s.rmu.Lock()
	defer s.rmu.Unlock()
	var out []StepResult
	for i := 0; i < s.goneTo; i++ {
		r := StepResult{Actions: append([]ActionEvent(nil), s.res[i].Actions...)}
		if i == 0 {
			r.Actions = []ActionEvent{{Step: 0, Command: "readlink /proc/self/ns/net", OK: true, Output: s.output()}}
		}
		out = append(out, r)
	}
	return out
}

type replayBackend struct {
	fakeBackend
	sess *replaySession
}

func (b *replayBackend) Open(ctx context.Context, id, lang string) (Session, error) {
	return b.sess, nil
}

// TestBackShowsTheReplayedOutputs: after `p`, the steps before show what
// they print in the rebuilt lab (a new namespace inode), not what they
// printed before it.
func TestBackShowsTheReplayedOutputs(t *testing.T) {
	sess := &replaySession{fakeSession: newFakeSession(sixLessons()[1], "en")}
	m := New(&replayBackend{fakeBackend: fakeBackend{lessons: sixLessons()}, sess: sess}, Options{Lang: "en", ProgressPath: "-"})
	d := newDriver(t, m)
	d.send(tea.WindowSizeMsg{Width: 140, Height: 50})
	d.run(m.Init(), 50*time.Millisecond)
	d.keys("down", "enter", "n", "n", "n")
	if v := d.view(); !strings.Contains(v, "net:[402653000]") {
		t.Fatalf("step 1's output is not shown:\n%s", v)
	}
	d.keys("p")
	d.waitFor("the rebuild", func(m *Model) bool { return m.lesson.busy == "" && m.lesson.pos == 2 })
	v := d.view()
	if !strings.Contains(v, "net:[402653001]") {
		t.Errorf("after going back, step 1 does not show the rebuilt lab's inode:\n%s", v)
	}
	if strings.Contains(v, "net:[402653000]") {
		t.Errorf("after going back, step 1 still shows the old inode:\n%s", v)
	}
	if r := d.root().lesson.runs[0]; !r.done || r.restored || len(r.expects) != len(sess.res[0].Expects) {
		t.Errorf("step 1 after going back: %+v", r)
	}
}

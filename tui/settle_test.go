package tui

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/nettutor/nettutor/engine"
)

func TestSettling(t *testing.T) {
	nocarrier := func(s *engine.Snapshot, ns, name string) {
		s.NS(ns).Link(name).Oper = "down"
	}
	cases := []struct {
		name string
		snap func() *engine.Snapshot
		want bool
	}{
		{"all up", vethSnapshot, false},
		{"veth up without carrier, peer up", func() *engine.Snapshot {
			s := vethSnapshot()
			nocarrier(s, "RED", "veth0")
			nocarrier(s, "BLUE", "veth1")
			return s
		}, true},
		{"veth up, peer down", func() *engine.Snapshot {
			s := vethSnapshot()
			nocarrier(s, "RED", "veth0")
			b := s.NS("BLUE").Link("veth1")
			b.State, b.Oper = "down", "down"
			return s
		}, false},
		{"bridge without carrier, a port up", func() *engine.Snapshot {
			s := bridgeSnapshot()
			nocarrier(s, "host", "br0")
			return s
		}, true},
		{"bridge without ports", func() *engine.Snapshot {
			s := &engine.Snapshot{Namespaces: []engine.Namespace{{Name: "host", Links: []engine.Link{lo(),
				{Name: "br0", Kind: "bridge", State: "up", Oper: "down"}}}}}
			return s
		}, false},
	}
	for _, c := range cases {
		if got := settling(c.snap()); got != c.want {
			t.Errorf("%s: settling %v, want %v", c.name, got, c.want)
		}
	}
}

// settleSession is the fake veth lesson whose lab, after the last step,
// reads "up, no carrier" on both veth ends a few times before linkwatch
// (here: the count) brings them up.
type settleSession struct {
	*fakeSession
	smu   sync.Mutex
	left  int // unsettled reads still to give
	reads int
}

func (s *settleSession) Snapshot(ctx context.Context) (*engine.Snapshot, error) {
	snap, err := s.fakeSession.Snapshot(ctx)
	s.fakeSession.mu.Lock()
	last := s.pos == len(s.steps)
	s.fakeSession.mu.Unlock()
	s.smu.Lock()
	defer s.smu.Unlock()
	if !last {
		return snap, err
	}
	s.reads++
	if s.left == 0 {
		return snap, err
	}
	s.left--
	un := vethSnapshot()
	for _, ns := range []string{"RED", "BLUE"} {
		for i := range un.NS(ns).Links {
			if l := &un.NS(ns).Links[i]; l.Kind == "veth" {
				l.Oper = "down"
			}
		}
	}
	return un, nil
}

type settleBackend struct {
	fakeBackend
	sess *settleSession
}

func (b *settleBackend) Open(ctx context.Context, id, lang string) (Session, error) {
	return b.sess, nil
}

// TestLiveRedrawWhenLinksSettle: a step ends while the kernel still shows
// both veth ends up without carrier; without a key press the diagram is
// read again and redrawn once they are up.
func TestLiveRedrawWhenLinksSettle(t *testing.T) {
	l := sixLessons()[1]
	sess := &settleSession{fakeSession: newFakeSession(l, "en"), left: 3}
	m := New(&settleBackend{fakeBackend: fakeBackend{lessons: sixLessons()}, sess: sess}, Options{Lang: "en", ProgressPath: "-"})
	d := newDriver(t, m)
	d.send(tea.WindowSizeMsg{Width: 140, Height: 44})
	d.run(m.Init(), 50*time.Millisecond)
	d.keys("down", "enter")
	for i := 0; i < len(sess.steps)-1; i++ {
		d.keys("n")
	}
	// The last step: its own snapshot is the unsettled one.
	var c tea.Cmd
	d.m, c = d.m.Update(keyMsg("n"))
	if d.root().lesson.pr.open {
		d.m, c = d.m.Update(keyMsg("enter")) // past its predict gate
	}
	d.start(c)
	d.waitFor("the step to end", func(m *Model) bool { return m.lesson.busy == "" && m.lesson.pos == len(sess.steps) })
	if settling(d.root().lesson.snap) {
		if !strings.Contains(d.view(), "no carrier") {
			t.Logf("the unsettled diagram does not say so:\n%s", d.view())
		}
	}
	d.waitFor("the diagram to settle", func(m *Model) bool { return !settling(m.lesson.snap) })
	sess.smu.Lock()
	left, reads := sess.left, sess.reads
	sess.smu.Unlock()
	if left != 0 || reads < 4 {
		t.Errorf("lab read %d times after the step, %d unsettled reads left; want the watch to read until settled", reads, left)
	}
	if v := d.view(); strings.Contains(v, "no carrier") {
		t.Errorf("the diagram still shows a link without carrier:\n%s", v)
	}
	for _, ns := range []string{"RED", "BLUE"} {
		for _, l := range d.root().lesson.snap.NS(ns).Links {
			if l.Kind == "veth" && operClass(&l) != "up" {
				t.Errorf("%s/%s is %s after settling", ns, l.Name, operClass(&l))
			}
		}
	}
	// Once settled, the watch stops: no more reads.
	time.Sleep(3 * settleTick)
	d.run(nil, 50*time.Millisecond)
	sess.smu.Lock()
	after := sess.reads
	sess.smu.Unlock()
	if after != reads {
		t.Errorf("the lab was read %d more times after it settled", after-reads)
	}
}

// TestSettleWatchGivesUp: a link that stays between states (the kernel
// never brings it up) is read at most settleTries times.
func TestSettleWatchGivesUp(t *testing.T) {
	defer func(d time.Duration) { settleTick = d }(settleTick)
	settleTick = time.Millisecond
	l := sixLessons()[1]
	sess := &settleSession{fakeSession: newFakeSession(l, "en"), left: 1 << 30}
	m := New(&settleBackend{fakeBackend: fakeBackend{lessons: sixLessons()}, sess: sess}, Options{Lang: "en", ProgressPath: "-"})
	lm := newLesson(m.common, m.progress, "veth")
	lm.sess = sess
	sess.fakeSession.pos = len(sess.steps)
	snap, _ := sess.Snapshot(context.Background())
	cmd := lm.watchSettle(snap)
	n := 0
	for cmd != nil {
		msg := cmd()
		n++
		lm, cmd = lm.Update(msg)
		if n > settleTries+1 {
			break
		}
	}
	if n != settleTries {
		t.Errorf("the watch read the lab %d times, want %d", n, settleTries)
	}
}

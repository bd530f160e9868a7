package tui

import (
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/nettutor/nettutor/serve/link"
)

// fakeServer is the serve end of a status link: it keeps the child's
// newest status and sends commands.
type fakeServer struct {
	mu   sync.Mutex
	last link.Msg
	n    int
	w    *link.Writer
}

func newServeDriver(t *testing.T) (*driver, *fakeServer) {
	t.Helper()
	srvEnd, childEnd := net.Pipe()
	t.Cleanup(func() { srvEnd.Close(); childEnd.Close() })
	m := New(&fakeBackend{lessons: sixLessons()}, Options{Lang: "en", ProgressPath: "-"})
	m.SetServeLink(childEnd)
	fs := &fakeServer{w: link.NewWriter(srvEnd)}
	go func() {
		r := link.NewReader(srvEnd)
		for {
			msg, err := r.Next()
			if err != nil {
				return
			}
			fs.mu.Lock()
			fs.last, fs.n = msg, fs.n+1
			fs.mu.Unlock()
		}
	}()
	d := newDriver(t, m)
	d.send(tea.WindowSizeMsg{Width: 100, Height: 30})
	d.run(m.Init(), 50*time.Millisecond)
	return d, fs
}

func (f *fakeServer) status() link.Msg {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.last
}

// waitStatus waits until the child has reported a status that holds.
func (f *fakeServer) waitStatus(t *testing.T, d *driver, what string, cond func(link.Msg) bool) link.Msg {
	t.Helper()
	d.waitFor(what, func(*Model) bool { return cond(f.status()) })
	return f.status()
}

// TestServeLink drives the TUI as a member's session: its place, hand and
// check go to the server; the presenter's follow, message and reset come
// back and do what they say.
func TestServeLink(t *testing.T) {
	d, fs := newServeDriver(t)
	d.keys("down", "enter")
	d.waitFor("veth open", func(m *Model) bool { return m.lesson != nil && m.lesson.sess != nil && !m.lesson.opening })
	st := fs.waitStatus(t, d, "status of veth", func(s link.Msg) bool { return s.Lesson == "veth" })
	if st.Type != link.TypeStatus || st.Steps != 4 || st.Step != 0 {
		t.Errorf("status after opening veth: %+v", st)
	}
	d.keys("n")
	fs.waitStatus(t, d, "step 1 reported", func(s link.Msg) bool { return s.Step == 1 })
	d.keys("?")
	if v := d.view(); !strings.Contains(v, "raise / lower your hand") || !strings.Contains(v, "jump to the presenter's step") {
		t.Errorf("the help overlay lacks H and F:\n%s", v)
	}
	d.keys("?")
	d.keys("H")
	fs.waitStatus(t, d, "hand raised", func(s link.Msg) bool { return s.Hand })
	if !strings.Contains(d.view(), "hand raised") {
		t.Errorf("no word of the raised hand on screen:\n%s", d.view())
	}
	d.keys("H")
	fs.waitStatus(t, d, "hand lowered", func(s link.Msg) bool { return !s.Hand })

	// A failing check, reported with the id of the check that failed.
	d.keys("e")
	d.waitFor("exercise ready", func(m *Model) bool { return m.lesson.ex.on && m.lesson.busy == "" })
	d.keys("c")
	st = fs.waitStatus(t, d, "the check reported", func(s link.Msg) bool { return s.Check != nil })
	if c := st.Check; c.Exercise != "veth/connect" || c.Pass || c.Failed != "pair" || c.Seq != 1 {
		t.Errorf("check reported as %+v, want veth/connect failed at pair, seq 1", c)
	}
	d.keys("esc")
	d.waitFor("out of the exercise", func(m *Model) bool { return !m.lesson.ex.on && m.lesson.busy == "" })

	// Follow me: a banner, then F rebuilds the lab at the presenter's step.
	if err := fs.w.Send(link.Msg{Type: link.TypeFollow, Lesson: "veth", Step: 3}); err != nil {
		t.Fatal(err)
	}
	d.waitFor("the follow banner", func(m *Model) bool {
		return strings.Contains(viewOf(m), "presenter is at veth step 3 — press F to follow")
	})
	if first := strings.SplitN(d.view(), "\n", 2)[0]; !strings.Contains(first, "press F") {
		t.Errorf("the banner is not the top line: %q", first)
	}
	if n := len(strings.Split(d.view(), "\n")); n != 30 {
		t.Errorf("with the banner the screen has %d lines, want 30", n)
	}
	d.keys("F")
	d.waitFor("rebuilt at step 3", func(m *Model) bool { return m.lesson != nil && m.lesson.pos == 3 && m.lesson.busy == "" })
	fs.waitStatus(t, d, "step 3 reported", func(s link.Msg) bool { return s.Step == 3 })
	if strings.Contains(d.view(), "press F") {
		t.Error("the follow banner stays after following")
	}

	// A message to all.
	fs.w.Send(link.Msg{Type: link.TypeMessage, Text: "break \x1b[2Juntil\u009b 20:15\r"})
	d.waitFor("the message banner", func(m *Model) bool { return strings.Contains(viewOf(m), "presenter: break [2Juntil 20:15") })

	// Reset: back to the lesson's start.
	fs.w.Send(link.Msg{Type: link.TypeReset})
	d.waitFor("reset to step 0", func(m *Model) bool { return m.lesson != nil && m.lesson.pos == 0 && m.lesson.busy == "" })
	fs.waitStatus(t, d, "step 0 reported", func(s link.Msg) bool { return s.Step == 0 && s.Lesson == "veth" })

	// Follow into another lesson, at its last step (which resume alone
	// does not go to): veth closes, bridge opens and is rebuilt at step 1.
	fs.w.Send(link.Msg{Type: link.TypeFollow, Lesson: "bridge", Step: 1})
	d.waitFor("the follow banner for bridge", func(m *Model) bool { return strings.Contains(viewOf(m), "bridge step 1") })
	d.keys("F")
	d.waitFor("bridge at step 1", func(m *Model) bool {
		return m.lesson != nil && m.lesson.id == "bridge" && m.lesson.pos == 1 && m.lesson.busy == "" && !m.lesson.opening
	})
	fs.waitStatus(t, d, "bridge reported", func(s link.Msg) bool { return s.Lesson == "bridge" && s.Step == 1 })
	if d.root().serve.pendingFollow != nil {
		t.Error("the follow is still pending after arriving")
	}
}

// TestServeKeysWithoutLink: without nettutor serve, H and F do nothing and
// no banner is drawn.
func TestServeKeysWithoutLink(t *testing.T) {
	d := newTestDriver(t, "en", 80, 24, nil)
	d.keys("?")
	if strings.Contains(d.view(), "raise / lower your hand") {
		t.Error("the help overlay lists H without a link")
	}
	d.keys("?")
	before := d.view()
	d.keys("H", "F")
	if d.view() != before {
		t.Errorf("H or F changed the picker without a link")
	}
	if d.root().serve.on || d.root().serve.hand {
		t.Error("serve state on without a link")
	}
}

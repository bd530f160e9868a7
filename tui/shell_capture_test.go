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

// capSession is the fake session with a shell capture that records its
// calls in order; the learner's ping arrives while the shell runs.
type capSession struct {
	*fakeSession
	mu    sync.Mutex
	calls []string
}

func (s *capSession) log(c string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, c)
}

func (s *capSession) CaptureShell(ctx context.Context) (ShellCapture, error) {
	s.log("start")
	return capStop{s}, nil
}

type capStop struct{ s *capSession }

func (c capStop) Stop() int {
	c.s.log("stop")
	pk := fakePackets()
	for _, p := range pk {
		c.s.ch <- p
	}
	return len(pk)
}

func (s *capSession) Snapshot(ctx context.Context) (*engine.Snapshot, error) {
	s.log("snapshot")
	return s.fakeSession.Snapshot(ctx)
}

type capBackend struct {
	fakeBackend
	sess *capSession
}

func (b *capBackend) Open(ctx context.Context, id, lang string) (Session, error) { return b.sess, nil }

// TestExerciseShellIsCaptured: in an exercise, s starts the capture before
// the shell, stops it when the shell ends and only then reads the lab; the
// packets show in the pane. Outside an exercise the shell is not captured.
func TestExerciseShellIsCaptured(t *testing.T) {
	sess := &capSession{fakeSession: newFakeSession(sixLessons()[1], "en")}
	m := New(&capBackend{fakeBackend: fakeBackend{lessons: sixLessons()}, sess: sess}, Options{Lang: "en", ProgressPath: "-"})
	d := newDriver(t, m)
	d.send(tea.WindowSizeMsg{Width: 120, Height: 40})
	d.run(m.Init(), 50*time.Millisecond)
	d.keys("down", "enter")
	d.waitFor("open", func(m *Model) bool { return m.lesson != nil && !m.lesson.opening && m.lesson.busy == "" })

	d.keys("s")
	if len(sess.calls) > 0 && sess.calls[0] == "start" {
		t.Fatalf("a lesson shell (no exercise) was captured: %v", sess.calls)
	}
	d.send(shellDoneMsg{gen: d.root().lesson.gen})
	d.waitFor("idle", func(m *Model) bool { return m.lesson.busy == "" })

	d.keys("e")
	d.waitFor("exercise", func(m *Model) bool { return m.lesson.ex.ready && m.lesson.busy == "" })
	sess.mu.Lock()
	sess.calls = nil
	sess.mu.Unlock()
	d.keys("s")
	d.waitFor("the shell's capture", func(m *Model) bool { return m.lesson.shellCap != nil && m.lesson.busy == "" })
	if n := d.root().lesson.pk.pkts.Len(); n != 0 {
		t.Fatalf("%d packets before the shell ran", n)
	}
	d.send(shellDoneMsg{gen: d.root().lesson.gen})
	d.waitFor("the shell's packets", func(m *Model) bool { return m.lesson.pk.pkts.Len() == len(fakePackets()) && m.lesson.busy == "" })
	sess.mu.Lock()
	got := strings.Join(sess.calls, " ")
	sess.mu.Unlock()
	if !strings.HasPrefix(got, "start stop snapshot") {
		t.Errorf("calls %q, want start, stop, then the lab read", got)
	}
	if d.root().lesson.shellCap != nil {
		t.Error("the capture is still held after the shell")
	}
	if v := d.view(); !strings.Contains(v, "ICMP") {
		t.Errorf("the packets pane lacks the shell's ping:\n%s", v)
	}
}

// TestShellCaptureRealLab: on a real lab, what a learner's commands send in
// the exercise, over links they make while the capture runs, arrives on
// the session's packet stream; lo and nothing else is seen before, and the
// points are closed after Stop.
func TestShellCaptureRealLab(t *testing.T) {
	if !labOK {
		t.Skip("no lab sandbox here")
	}
	lab, err := engine.New()
	if err != nil {
		t.Fatal(err)
	}
	defer lab.Close()
	b := NewLabBackend(lab)
	ctx := context.Background()
	sess, err := b.Open(ctx, "veth", "en")
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	if _, err := sess.StartExercise(ctx, "connect"); err != nil {
		t.Fatal(err)
	}
	defer func(d time.Duration) { shellScan = d }(shellScan)
	shellScan = time.Hour
	sc, err := sess.(shellCapturer).CaptureShell(ctx)
	if err != nil {
		t.Fatal(err)
	}
	build := engine.Run{NS: engine.HostNS, Shell: "ip link add veth0 netns RED type veth peer name veth1 netns BLUE && " +
		"ip -n RED addr add 11.11.11.2/24 dev veth0 && ip -n BLUE addr add 11.11.11.3/24 dev veth1 && " +
		"ip -n RED link set veth0 up && ip -n BLUE link set veth1 up"}
	if r, err := build.Apply(ctx, lab); err != nil {
		t.Fatalf("build: %v %+v", err, r)
	}
	// The new links are found by their link events alone: the fallback
	// scan is off for this test.
	for _, pt := range []string{"RED/veth0", "BLUE/veth1"} {
		deadline := time.Now().Add(5 * time.Second)
		for !capturing(sc, pt) {
			if time.Now().After(deadline) {
				t.Fatalf("no capture on %s: the link events did not start one", pt)
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
	// A UDP datagram from RED, by bash alone: ARP, then the datagram.
	send := engine.Run{NS: "RED", Shell: "bash -c 'echo hi > /dev/udp/11.11.11.3/9'"}
	if r, err := send.Apply(ctx, lab); err != nil {
		t.Fatalf("send: %v %+v", err, r)
	}
	time.Sleep(100 * time.Millisecond)
	n := sc.Stop()
	ch := sess.Packets()
	var pts, protos []string
	for done := false; !done; {
		select {
		case p := <-ch:
			pts, protos = append(pts, p.Point), append(protos, p.Proto)
		default:
			done = true
		}
	}
	joined := strings.Join(pts, " ") + " " + strings.Join(protos, " ")
	if n == 0 || n != len(pts) {
		t.Fatalf("Stop counted %d, the stream has %d: %s", n, len(pts), joined)
	}
	for _, want := range []string{"RED/veth0", "BLUE/veth1", "ARP", "UDP"} {
		if !strings.Contains(joined, want) {
			t.Errorf("no %s among the shell's packets: %s", want, joined)
		}
	}
	if strings.Contains(joined, "/lo") {
		t.Errorf("lo was captured: %s", joined)
	}
}

// capturing reports whether the shell's capture has a live point pt.
func capturing(sc ShellCapture, pt string) bool {
	c := sc.(*labShellCapture)
	c.mu.Lock()
	defer c.mu.Unlock()
	cp := c.caps[pt]
	if cp == nil {
		return false
	}
	select {
	case <-cp.Done():
		return false
	default:
		return true
	}
}

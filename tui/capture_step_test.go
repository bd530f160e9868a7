package tui

import (
	"strings"
	"testing"

	"github.com/nettutor/nettutor/engine/journey"
	"github.com/nettutor/nettutor/lessons"
)

// TestStepShowsCaptureCommand: a step that starts a capture point shows,
// in the step pane, the tcpdump command that watches it: the journey
// view's own command for the point, with the point's filter. The lessons
// backend fills it in from the lesson (veth's ping step captures on BLUE's
// veth1).
func TestStepShowsCaptureCommand(t *testing.T) {
	l, err := lessons.Find("veth")
	if err != nil {
		t.Fatal(err)
	}
	s := &labSession{lesson: l, lang: "ko"}
	var got []string
	for _, st := range s.Steps() {
		got = append(got, st.Captures...)
	}
	want := journey.Tcpdump("BLUE", "veth1") + " 'arp or icmp'"
	if len(got) != 1 || got[0] != want {
		t.Fatalf("captures of veth's steps = %q, want [%q]", got, want)
	}
	c := NewCommon("ko")
	m := newLesson(c, &Progress{Lessons: map[string]*LessonProgress{}}, "veth")
	m.opening = false
	m.steps = []StepInfo{{Title: "ping", Text: "RED가 BLUE로 ping을 보냅니다.", Captures: got}}
	m.runs = make([]stepRun, 1)
	out := plain(strings.Join(m.stepBlock(0, 100), "\n"))
	if !strings.Contains(out, "캡처") || !strings.Contains(out, "$ ip netns exec BLUE tcpdump -ni veth1 'arp or icmp'") {
		t.Errorf("the step pane does not show the capture command:\n%s", out)
	}
}

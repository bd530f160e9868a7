package serve

import (
	"io"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/nettutor/nettutor/serve/link"
)

// TestDashboardCleansReports: a member's report whose lesson, exercise
// and failed check carry terminal escapes (a title, a screen clear, a
// clipboard write), controls, newlines and 8000 characters reaches the
// hub, the dashboard and the log as one short line of plain text.
func TestDashboardCleansReports(t *testing.T) {
	hostile := map[string]string{
		"lesson":   "veth\x1b]0;owned\x07\x1b[2J\x1b[H",
		"exercise": "veth/connect\x1b]52;c;ZWNobyBoaQ==\x07\r\nFAKE LOG LINE\u009b31m",
		"failed":   "ping\x1b[31m" + strings.Repeat("eth-", 2000),
	}
	lg := &syncBuf{}
	s := &Server{log: newLogger(lg), hub: newHub()}
	rec := &member{who: Member{Name: "mallory"}, started: time.Now(), send: func(link.Msg) error { return nil }}
	s.hub.add(rec)
	r, w := io.Pipe()
	done := make(chan struct{})
	go func() { s.readLink(rec, r); close(done) }()
	lw := link.NewWriter(w)
	if err := lw.Send(link.Msg{Type: link.TypeStatus, Lesson: hostile["lesson"], Step: 1, Steps: 8,
		Check: &link.Check{Exercise: hostile["exercise"], Failed: hostile["failed"], Seq: 1}}); err != nil {
		t.Fatal(err)
	}
	w.Close()
	<-done

	row := s.hub.Rows(time.Now())[0]
	for name, got := range map[string]string{"lesson": row.Lesson, "exercise": row.Check.Exercise, "failed": row.Check.Failed} {
		if strings.ContainsAny(got, "\x1b\x07\r\n\u009b") {
			t.Errorf("%s keeps a control: %q", name, got)
		}
		if n := len([]rune(got)); n > MaxField {
			t.Errorf("%s is %d characters, over %d", name, n, MaxField)
		}
	}
	if row.Lesson != "veth" || !strings.HasPrefix(row.Check.Exercise, "veth/connect FAKE LOG LINE") || !strings.HasPrefix(row.Check.Failed, "pingeth-eth-") {
		t.Errorf("the text around the escapes is lost: %+v %+v", row, *row.Check)
	}
	d := NewDashboard(serverBoard{s.hub}, "en")
	d.Init()
	d.Update(tea.WindowSizeMsg{Width: 120, Height: 30})
	view := d.View().Content
	for _, bad := range []string{"\x1b]", "\x1b[2J", "\x07", "ZWNobyBoaQ"} {
		if strings.Contains(view, bad) {
			t.Errorf("the dashboard draws %q:\n%q", bad, view)
		}
	}
	log := lg.String()
	if strings.Count(log, "\n") != 1 || strings.ContainsAny(log, "\x1b\x07\r\u009b") || len(log) > 1000 {
		t.Errorf("the check's log line is not one clean short line:\n%q", log)
	}
}

// TestCleanField: escapes go, white space folds, length is clipped.
func TestCleanField(t *testing.T) {
	for in, want := range map[string]string{
		"veth":                     "veth",
		"a\x1b[1mb\x1b[0m":         "ab",
		"a\n\tb":                   "a b",
		"  \x00x\x7f ":             "x",
		strings.Repeat("é", 100):   strings.Repeat("é", MaxField-1) + "…",
		"bridge/connect\x1b]0;t\a": "bridge/connect",
	} {
		if got := cleanField(in); got != want {
			t.Errorf("cleanField(%q) = %q, want %q", in, got, want)
		}
	}
}

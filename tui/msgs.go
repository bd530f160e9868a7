package tui

import (
	"github.com/nettutor/nettutor/engine"
	"github.com/nettutor/nettutor/engine/capture"
)

// Messages: every slow call runs in a tea.Cmd and comes back as one of these.

type lessonsMsg struct {
	lessons []LessonInfo
	err     error
}

type openLessonMsg struct{ id string }

type sessionMsg struct {
	id   string
	sess Session
	err  error
}

// labMsg is the lab after a Goto, an exercise start or a shell; gen is the
// lesson model's generation at the time of the request.
type labMsg struct {
	gen  int
	pos  int // steps the lab now holds
	snap *engine.Snapshot
	err  error
	why  string
	note string // exercise: what this machine cannot do
}

type actionMsg struct {
	gen int
	ev  ActionEvent
	ch  <-chan ActionEvent
}

type stepDoneMsg struct {
	gen  int
	step int
	res  StepResult
	snap *engine.Snapshot
	err  error
}

type packetsMsg struct {
	gen   int
	pkts  []Packet
	drops uint64
	ch    <-chan Packet
	done  bool
	// budget is the session's capture budget (nil without one).
	budget *capture.Budget
}

type checkMsg struct {
	gen     int
	id      string
	results []CheckResult
	err     error
}

type shellDoneMsg struct {
	gen int
	err error
}

type statusMsg struct{ text string }

type fatalMsg struct{ err error }

type backToPickerMsg struct{}

// progressErrMsg says the progress file could not be written.
type progressErrMsg struct{ err error }

package tui

import (
	"context"
	"os/exec"
	"time"

	"github.com/nettutor/nettutor/engine"
	"github.com/nettutor/nettutor/engine/diagram"
	"github.com/nettutor/nettutor/engine/journey"
)

// Backend is where lessons come from: the lessons package and a lab in the
// real program (see lessons_backend.go), fakes in tests. Every method may be
// slow and is only ever called inside a tea.Cmd.
type Backend interface {
	// Lessons lists the lessons in picker order, texts in lang.
	Lessons(lang string) ([]LessonInfo, error)
	// Open starts a lesson on a fresh lab.
	Open(ctx context.Context, id, lang string) (Session, error)
}

// LessonInfo is what the picker shows about a lesson.
type LessonInfo struct {
	ID         string
	Title      string
	Summary    string
	Steps      int
	StepTitles []string // for the picker's preview (may be empty)
	Exercises  []ExerciseInfo
	// Nodes are the lesson's cluster roles (its `nodes:`), for the diagram.
	Nodes []diagram.Node
}

// ExerciseInfo names an exercise.
type ExerciseInfo struct {
	ID    string
	Title string
}

// StepInfo is one step as the learner reads it before it runs.
type StepInfo struct {
	ID       string
	Title    string
	Text     string   // markdown
	Commands []string // the commands its actions will show
	// Captures are the capture points it starts, each as the tcpdump
	// command a person types to watch that point.
	Captures []string
	Predict  *Predict
}

// Predict is a predict-then-reveal prompt.
type Predict struct {
	Question, Answer string
}

// ExerciseDetail is an exercise in exercise mode.
type ExerciseDetail struct {
	ID       string
	Title    string
	Goal     string // markdown
	Hints    []string
	Solution string // bash
}

// ActionEvent reports one action of a running step: first with Running set
// as it starts, then again when it ends.
type ActionEvent struct {
	Step     int
	Index    int
	Command  string
	Running  bool
	OK       bool
	Err      string
	Output   string
	Duration time.Duration
}

// ExpectResult is one expectation of a step after its actions.
type ExpectResult struct {
	Text   string
	OK     bool
	Detail string
}

// StepResult is the outcome of one step.
type StepResult struct {
	Actions []ActionEvent
	Expects []ExpectResult
	Err     error
	// NotRun, when not empty, is the line that says why the step was not
	// run in this lab and how to fix it (lessons.NotRun): no actions, no
	// expectations, neither passed nor failed.
	NotRun string
}

// CheckResult is one exercise check.
type CheckResult struct {
	ID     string
	OK     bool
	Detail string
	Hint   string // the first hint: the cause
	Fix    string // the second: the command that fixes it (shown on h)
	// Journey is a failed reachability check's probe, hop by hop (y in
	// exercise mode shows it).
	Journey *journey.Journey
}

// Packet is one captured frame as the packets pane holds it.
type Packet struct {
	Seq     int
	Time    time.Time
	Point   string // capture point, e.g. "BLUE/veth1"
	Src     string // endpoint names for the ladder (IP, or MAC for ARP)
	Dst     string
	Proto   string // ARP, ICMP, TCP, UDP, ...
	Summary string
	Len     int
	Data    []byte
	Out     bool // sent by the point's interface, not received: the hop's direction
}

// Layer is one decoded protocol layer for the packet detail view.
type Layer struct {
	Name   string
	Fields []Field
	// Offset and Length locate the layer's bytes in the frame (Length 0:
	// unknown), for marking them in the hex dump.
	Offset, Length int
}

// Field is one named value of a layer.
type Field struct{ Name, Value string }

// Session is one open lesson on its lab. Methods are called from tea.Cmds,
// one at a time except Packets, Drops and Detail.
type Session interface {
	Info() LessonInfo
	Steps() []StepInfo
	Exercises() []ExerciseDetail
	// RunStep runs step i (the next one) and reports each action on ev
	// as it runs; it does not close ev.
	RunStep(ctx context.Context, i int, ev chan<- ActionEvent) StepResult
	// Goto rebuilds the lab to the state after the first n steps.
	Goto(ctx context.Context, n int) error
	Snapshot(ctx context.Context) (*engine.Snapshot, error)
	// Shell returns a shell inside lab namespace ns, for tea.ExecProcess.
	Shell(ns string) *exec.Cmd
	// StartExercise resets the lab to an exercise's starting state; note,
	// when not empty, says what this machine cannot do for the exercise.
	StartExercise(ctx context.Context, id string) (note string, err error)
	Check(ctx context.Context, id string) ([]CheckResult, error)
	// Packets returns the channel captured packets arrive on. A Goto or
	// StartExercise may replace it (the old one is then closed).
	Packets() <-chan Packet
	// Drops is how many packets the kernel or the capture dropped.
	Drops() uint64
	// Detail decodes a packet into layers (nil if unknown).
	Detail(p Packet) []Layer
	// WritePcap writes every packet captured so far to path.
	WritePcap(path string) (int, error)
	Close() error
}

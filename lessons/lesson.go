// Package lessons holds the lesson format (see FORMAT.md), its loader and
// validator, the built-in lessons, the step runner and the exercise checker.
//
// A lesson is loaded and validated completely before any kernel action: every
// error names its place as file:line:col. The runner then drives an
// engine.Lab step by step and returns values only (no printing), so a TUI
// can call it from inside tea.Cmds.
package lessons

import (
	"fmt"
	"strings"

	"github.com/nettutor/nettutor/engine"
)

// Text is one text in several languages: language -> markdown.
type Text map[string]string

// Get returns the text in lang, falling back to English.
func (t Text) Get(lang string) string {
	if s, ok := t[lang]; ok && s != "" {
		return s
	}
	return t["en"]
}

// Pos is a place in a lesson file (1-based).
type Pos struct {
	Line, Col int
}

// Lesson is one validated lesson file.
type Lesson struct {
	ID        string
	File      string // the file name errors are reported against
	Builtin   bool
	Title     Text
	Summary   Text
	Needs     []string
	Steps     []*Step
	Exercises []*Exercise
	// Nodes are the cluster roles of the lesson's namespaces (`nodes:`),
	// in file order: each node with the pods it holds. Empty for a lesson
	// without a cluster; the diagram then draws as it always has.
	Nodes []*Node
}

// Step is one step of a lesson.
type Step struct {
	ID          string
	Title       Text
	Text        Text
	Captures    []*CapturePoint // started before the actions
	CaptureStop []string        // capture ids stopped after this step
	Actions     []*Action
	Expect      []*Assertion
	Predict     *Predict
	// Needs is what the lab must have for this step (StepNeeds): in a lab
	// without it the runner does not run the step (StepResult.NotRun).
	Needs []string
	Pos   Pos
}

// Predict is a predict-then-reveal prompt shown before the step's actions.
type Predict struct {
	Question Text
	Answer   Text
}

// CapturePoint is a packet capture on one interface of one namespace.
type CapturePoint struct {
	ID     string
	NS     string
	Iface  string
	Filter string // pcap-filter expression; "" = everything
	Pos    Pos
}

// Name is how packets of this point are labelled: "BLUE/veth1".
func (c *CapturePoint) Name() string { return c.NS + "/" + c.Iface }

// Exercise is a task the learner does in a lab shell; Checks grade it.
type Exercise struct {
	ID       string // short id; the full id is Lesson.ID + "/" + ID
	LessonID string
	Title    Text
	Goal     Text
	Setup    []*Action
	Checks   []*Assertion
	Solution string
	// Faults are the broken starting states of a troubleshooting exercise:
	// one is picked per learner from a seed (PickFault) and its setup runs
	// after Setup, so neighbours' labs break in different ways.
	Faults []*Fault
	// Needs are the kernel features the exercise's lab must have
	// (exneeds.go): declared in `needs`, or inferred from its setup.
	Needs []string
	Pos   Pos
}

// Fault is one way a troubleshooting exercise's lab is broken.
type Fault struct {
	ID string
	// Setup breaks the lab; it runs after the exercise's own setup and is
	// never shown to the learner (it would give the fault away).
	Setup []*Action
	// Cause is the cause (see Causes) the checker names on the first
	// failing check while this fault is left unfixed; tests hold it.
	Cause string
	// Solution is this fault's own reference answer: how it is found
	// (comments: the command that shows it and what it prints) and the
	// one fix, not a script that repairs every fault the exercise has.
	Solution string
	Pos      Pos
}

// SolutionFor is the reference answer for the lab fault f broke: f's own
// solution, else the exercise's (nil f: the exercise's).
func (e *Exercise) SolutionFor(f *Fault) string {
	if f != nil && f.Solution != "" {
		return f.Solution
	}
	return e.Solution
}

// PickFault returns the fault that seed selects (nil when the exercise has
// none): the same seed always picks the same fault.
func (e *Exercise) PickFault(seed uint64) *Fault {
	if len(e.Faults) == 0 {
		return nil
	}
	return e.Faults[seed%uint64(len(e.Faults))]
}

// Fault returns the fault with that id, or nil.
func (e *Exercise) Fault(id string) *Fault {
	for _, f := range e.Faults {
		if f.ID == id {
			return f
		}
	}
	return nil
}

// FullID is "lesson/exercise", e.g. "veth/connect".
func (e *Exercise) FullID() string { return e.LessonID + "/" + e.ID }

// Action is one action of a step or of an exercise setup: one command the
// learner could type, backed by an engine action.
type Action struct {
	Kind string     // the YAML key, e.g. "veth"
	Args ActionArgs // the fields as written (defaults not filled in)
	Pos  Pos
	act  engine.Action
}

// Engine returns the engine action that does this action.
func (a *Action) Engine() engine.Action { return a.act }

// Command is the exact command a person would type.
func (a *Action) Command() string { return a.act.Command() }

// ExpectFailure reports whether the action is a probe expected to fail
// (ping expect: no-reply, tcp_connect expect: fail).
func (a *Action) ExpectFailure() bool {
	switch a.Kind {
	case "ping":
		return a.Args.Expect == "no-reply"
	case "tcp_connect":
		return a.Args.Expect == "fail"
	}
	return false
}

// Probe reports whether the action only looks (ping, tcp_connect, show)
// and changes no configuration.
func (a *Action) Probe() bool {
	switch a.Kind {
	case "ping", "tcp_connect", "show":
		return true
	}
	return false
}

// Assertion is one expectation of a step or one check of an exercise.
type Assertion struct {
	Kind string // the YAML key, e.g. "link"
	ID   string // exercise checks only
	Hint Text   // exercise checks only: the first hint, which names the cause
	// Fix is the second hint (exercise checks only): the command that fixes
	// it, shown only when the learner asks for more (TUI key, --hints 2).
	Fix Text
	// When are hints for particular causes, tried in order before Hint
	// and Fix: the first whose Cause the checker diagnosed wins.
	When []*HintCase
	Args AssertArgs
	Pos  Pos
}

// HintCase is a check's hint for one diagnosed cause.
type HintCase struct {
	Cause string
	Hint  Text
	Fix   Text
	Pos   Pos
}

// Find returns the step with the given id, or nil.
func (l *Lesson) Step(id string) *Step {
	for _, s := range l.Steps {
		if s.ID == id {
			return s
		}
	}
	return nil
}

// Exercise returns the exercise with the short id (or "lesson/id"), or nil.
func (l *Lesson) Exercise(id string) *Exercise {
	id = strings.TrimPrefix(id, l.ID+"/")
	for _, e := range l.Exercises {
		if e.ID == id {
			return e
		}
	}
	return nil
}

// Error is one validation error at a place in a lesson file.
type Error struct {
	File string
	Pos
	Msg string
}

// Error implements error: file:line:col: message.
func (e *Error) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
}

// ErrorList is every error found in a file, in file order. Load returns it.
type ErrorList []*Error

// Error implements error: one error per line.
func (l ErrorList) Error() string {
	s := make([]string, len(l))
	for i, e := range l {
		s[i] = e.Error()
	}
	return strings.Join(s, "\n")
}

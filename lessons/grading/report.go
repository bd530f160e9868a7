// Package grading grades answer scripts for an exercise: one answer in this
// process's own lab (GradeOne), a class of answers each in a child grader
// of its own (RunClass), and the reports of both, for a person or as JSON.
//
// A child grader is `nettutor check --one` in its own sandbox. It sends its
// report on a pipe of its own (fd 3, NETTUTOR_REPORT_FD), never on stdout,
// because an answer runs beside it and can write to the child's stdout; the
// parent believes a report only when it parses, is the only one on the
// pipe, and agrees with the child's exit code.
package grading

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/nettutor/nettutor/assets"
	"github.com/nettutor/nettutor/engine/journey"
	"github.com/nettutor/nettutor/lessons"
)

// Report is one graded answer, as --json prints it (one line each) and as a
// child grader sends it to a class run.
type Report struct {
	Exercise        string  `json:"exercise"`
	Answer          string  `json:"answer"`
	Passed          bool    `json:"passed"`
	Checks          []Line  `json:"checks"`
	AnswerOutput    string  `json:"answer_output"`
	AnswerExit      int     `json:"answer_exit"`
	AnswerTimedOut  bool    `json:"answer_timed_out"`
	AnswerMS        float64 `json:"answer_ms"`
	OutputTruncated bool    `json:"answer_output_truncated,omitempty"`
	Note            string  `json:"note,omitempty"`
	Error           string  `json:"error,omitempty"`       // grading itself failed
	Interrupted     bool    `json:"interrupted,omitempty"` // the run was stopped before this answer was graded
	DurationMS      float64 `json:"duration_ms"`

	// Seed and Fault: a troubleshooting exercise's seed and the fault it
	// picked for this answer (absent for other exercises).
	Seed  *uint64 `json:"seed,omitempty"`
	Fault string  `json:"fault,omitempty"`
}

// Line is one check of a report.
type Line struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Passed      bool   `json:"passed"`
	Detail      string `json:"detail"`
	Hint        string `json:"hint"`
	// Cause is what the checker blames (lessons.Causes); Fix, the second
	// hint with the command, is filled only when asked for (--hints 2).
	Cause string `json:"cause,omitempty"`
	Fix   string `json:"fix,omitempty"`
	// Why is, for a failed reachability check, the stop of its probe's
	// journey in one line; Journey is that journey (engine/journey).
	Why     string           `json:"why,omitempty"`
	Journey *journey.Journey `json:"journey,omitempty"`
}

// ExitCode is the exit status that goes with the report: 0 pass, 1 fail, 2
// when grading itself failed. A child grader must exit with it, or the class
// run does not believe the report.
func (r *Report) ExitCode() int {
	switch {
	case r.Error != "" || r.Interrupted:
		return 2
	case r.Passed:
		return 0
	}
	return 1
}

// ReportOf turns a grade into the report, texts in lang. The hints come
// from the same lessons.CheckResult the TUI shows.
func ReportOf(g *lessons.Grade, lang string) *Report {
	r := &Report{
		Exercise: g.Exercise, Answer: g.Answer, Passed: g.Passed,
		AnswerOutput: g.Run.Output, AnswerExit: g.Run.ExitCode, AnswerTimedOut: g.Run.TimedOut,
		OutputTruncated: g.Run.Truncated, Note: g.Note,
		AnswerMS:   float64(g.Run.Duration.Microseconds()) / 1000,
		DurationMS: float64(g.Duration.Microseconds()) / 1000,
		Checks:     []Line{},
	}
	if g.Fault != "" {
		seed := g.Seed
		r.Seed, r.Fault = &seed, g.Fault
	}
	if g.Run.Err != nil {
		r.Error = assets.Tf(lang, "check.start_failed", g.Run.Err)
	}
	for _, c := range g.Checks {
		l := Line{Name: c.ID, Description: c.Desc, Passed: c.OK, Detail: c.Detail}
		if !c.OK {
			l.Hint = c.Hint.Get(lang)
			l.Cause, l.Fix = c.Cause, c.Fix.Get(lang)
			l.Why, l.Journey = c.Journey.Why(lang), c.Journey
		}
		r.Checks = append(r.Checks, l)
	}
	return r
}

// ErrorReport is the report of an answer that could not be graded.
func ErrorReport(exercise, answer, msg string) *Report {
	return &Report{Exercise: exercise, Answer: answer, Checks: []Line{}, AnswerExit: -1, Error: msg}
}

// PrintJSONLine writes r as one line of JSON. The answer's output is kept
// as it was: JSON escapes its control characters.
func PrintJSONLine(w io.Writer, r *Report) {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(r)
}

// PrintReport prints one graded answer for a person: the answer's output
// and exit status, each check with ✓ or ✗, detail and hint under a failed
// one, and the result. Every text that an answer could have shaped passes
// through Clean.
func PrintReport(w io.Writer, r *Report, lang string) {
	fmt.Fprintln(w, assets.Tf(lang, "check.header", Clean(r.Exercise), DisplayPath(r.Answer)))
	secs := r.AnswerMS / 1000
	out := strings.TrimRight(Clean(r.AnswerOutput), "\n")
	switch {
	case r.AnswerTimedOut:
		fmt.Fprintln(w, assets.Tf(lang, "check.output_timeout", secs))
	case out == "":
		fmt.Fprintln(w, assets.Tf(lang, "check.output_none", r.AnswerExit, secs))
	default:
		fmt.Fprintln(w, assets.Tf(lang, "check.output", r.AnswerExit, secs))
	}
	if out != "" {
		for _, l := range strings.Split(out, "\n") {
			fmt.Fprintln(w, "  │ "+l)
		}
	}
	if r.OutputTruncated {
		fmt.Fprintln(w, "  │ "+assets.Tf(lang, "check.output_cut", lessons.MaxAnswerOutput>>10))
	}
	if r.Error != "" {
		fmt.Fprintln(w, "! "+oneLine(Clean(r.Error)))
	}
	if r.Note != "" {
		fmt.Fprintln(w, assets.T(lang, "check.note")+": "+Clean(r.Note))
	}
	width := 0
	for _, c := range r.Checks {
		width = max(width, TextWidth(Clean(c.Name)))
	}
	pad := strings.Repeat(" ", width+4)
	passed := 0
	for _, c := range r.Checks {
		mark := "✗"
		if c.Passed {
			mark = "✓"
			passed++
		}
		fmt.Fprintf(w, "%s %s  %s\n", mark, PadRight(Clean(c.Name), width), Clean(c.Description))
		if c.Passed {
			continue
		}
		fmt.Fprintln(w, pad+Clean(c.Detail))
		if c.Why != "" {
			fmt.Fprintln(w, pad+assets.Tf(lang, "journey.why.line", Clean(c.Why)))
		}
		if c.Hint != "" {
			fmt.Fprintln(w, pad+assets.T(lang, "check.hint")+": "+Clean(c.Hint))
		}
		if c.Fix != "" {
			fmt.Fprintln(w, pad+assets.T(lang, "check.fix")+": "+Clean(c.Fix))
		}
	}
	if r.Fault != "" && r.Seed != nil {
		fmt.Fprintln(w, assets.Tf(lang, "check.seed", *r.Seed, Clean(r.Fault)))
	}
	res := assets.T(lang, "check.fail")
	if r.Passed {
		res = assets.T(lang, "check.pass")
	}
	fmt.Fprintln(w, assets.Tf(lang, "check.result_one", res, passed, len(r.Checks), r.DurationMS/1000))
}

// DisplayPath shows a path relative to the working folder when it is below
// it, cleaned for the terminal (a file name may hold escape sequences).
func DisplayPath(p string) string {
	if wd, err := os.Getwd(); err == nil && filepath.IsAbs(p) {
		if rel, err := filepath.Rel(wd, p); err == nil && !strings.HasPrefix(rel, "..") {
			p = rel
		}
	}
	return Clean(p)
}

// TextWidth is the number of terminal columns s takes (wide for Hangul and
// other East Asian scripts).
func TextWidth(s string) int {
	n := 0
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Hangul, r), unicode.Is(unicode.Han, r), unicode.Is(unicode.Hiragana, r), unicode.Is(unicode.Katakana, r):
			n += 2
		default:
			n++
		}
	}
	return n
}

// PadRight pads s with spaces to w terminal columns.
func PadRight(s string, w int) string {
	if d := w - TextWidth(s); d > 0 {
		return s + strings.Repeat(" ", d)
	}
	return s
}

// oneLine keeps a message to its first line.
func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

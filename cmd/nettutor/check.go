package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unicode"

	"github.com/nettutor/nettutor/assets"
	"github.com/nettutor/nettutor/engine"
	"github.com/nettutor/nettutor/engine/sandbox"
	"github.com/nettutor/nettutor/lessons"
)

func init() {
	register("check", "grade answer scripts for an exercise in fresh labs (--answer FILE|FOLDER, --json)", cmdCheck)
}

// checkArgs are the parsed arguments of `nettutor check`.
type checkArgs struct {
	exercise string
	answers  []string // as given: files or folders
	json     bool
	lang     string
	timeout  time.Duration
	jobs     int
	one      bool // grade in this process (a single answer, or a child of a class run)
}

type stringsFlag []string

func (s *stringsFlag) String() string     { return strings.Join(*s, ",") }
func (s *stringsFlag) Set(v string) error { *s = append(*s, v); return nil }

// parseCheckArgs takes flags and positional arguments in any order:
// `check veth/connect --answer a.sh` as well as `check --json veth/connect
// --answer answers/*.sh` (further arguments after the exercise are
// answers too, so a shell glob works).
func parseCheckArgs(args []string, lang *string) (*checkArgs, error) {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var answers stringsFlag
	fs.Var(&answers, "answer", "answer script, or a folder of them (repeatable)")
	asJSON := fs.Bool("json", false, "print JSON (one line per answer)")
	*lang = assets.LangFromEnv()
	fs.StringVar(lang, "lang", *lang, "language: en or ko")
	timeout := fs.Duration("timeout", lessons.DefaultAnswerTimeout, "time limit of each answer")
	jobs := fs.Int("jobs", runtime.NumCPU(), "answers graded at once")
	one := fs.Bool("one", false, "grade in this process (internal)")
	pos, err := parseAnywhere(fs, args)
	if err != nil {
		return nil, err
	}
	if err := checkLang(*lang); err != nil {
		return nil, err
	}
	l := *lang
	if len(pos) == 0 {
		return nil, errors.New(assets.T(l, "check.no_exercise"))
	}
	a := &checkArgs{exercise: pos[0], answers: append(answers, pos[1:]...), json: *asJSON, lang: l,
		timeout: *timeout, jobs: *jobs, one: *one}
	if len(a.answers) == 0 {
		return nil, errors.New(assets.T(l, "check.no_answer"))
	}
	if a.timeout <= 0 {
		return nil, errors.New(assets.Tf(l, "check.bad_timeout", a.timeout))
	}
	if a.jobs < 1 {
		return nil, errors.New(assets.Tf(l, "check.bad_jobs", a.jobs))
	}
	return a, nil
}

// answerFiles expands the answers (files, folders) into absolute paths of
// readable regular files, in the order given; a folder's files sorted by
// name, hidden ones skipped.
func answerFiles(lang string, given []string) ([]string, error) {
	var out []string
	for _, p := range given {
		if p == "-" {
			if len(given) > 1 {
				return nil, errors.New(assets.T(lang, "check.stdin_alone"))
			}
			return []string{"-"}, nil
		}
		st, err := os.Stat(p)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil, errors.New(assets.Tf(lang, "check.no_file", p))
			}
			return nil, errors.New(assets.Tf(lang, "check.unreadable", p, unwrapPathErr(err)))
		}
		if !st.IsDir() {
			if !st.Mode().IsRegular() {
				return nil, errors.New(assets.Tf(lang, "check.not_regular", p))
			}
			f, err := os.Open(p)
			if err != nil {
				return nil, errors.New(assets.Tf(lang, "check.unreadable", p, unwrapPathErr(err)))
			}
			f.Close()
			abs, _ := filepath.Abs(p)
			out = append(out, abs)
			continue
		}
		ents, err := os.ReadDir(p)
		if err != nil {
			return nil, errors.New(assets.Tf(lang, "check.unreadable", p, unwrapPathErr(err)))
		}
		n := 0
		for _, e := range ents {
			if strings.HasPrefix(e.Name(), ".") || !e.Type().IsRegular() {
				continue
			}
			abs, _ := filepath.Abs(filepath.Join(p, e.Name()))
			out = append(out, abs)
			n++
		}
		if n == 0 {
			return nil, errors.New(assets.Tf(lang, "check.empty_dir", p))
		}
	}
	return out, nil
}

func unwrapPathErr(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// checkReport is one graded answer, as --json prints it (one line each).
type checkReport struct {
	Exercise        string      `json:"exercise"`
	Answer          string      `json:"answer"`
	Passed          bool        `json:"passed"`
	Checks          []checkLine `json:"checks"`
	AnswerOutput    string      `json:"answer_output"`
	AnswerExit      int         `json:"answer_exit"`
	AnswerTimedOut  bool        `json:"answer_timed_out"`
	AnswerMS        float64     `json:"answer_ms"`
	OutputTruncated bool        `json:"answer_output_truncated,omitempty"`
	Note            string      `json:"note,omitempty"`
	Error           string      `json:"error,omitempty"` // grading itself failed
	DurationMS      float64     `json:"duration_ms"`
}

// checkLine is one check of a report.
type checkLine struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Passed      bool   `json:"passed"`
	Detail      string `json:"detail"`
	Hint        string `json:"hint"`
}

// reportOf turns a grade into the report, texts in lang. The hints come
// from the same lessons.CheckResult the TUI shows.
func reportOf(g *lessons.Grade, lang string) *checkReport {
	r := &checkReport{
		Exercise: g.Exercise, Answer: g.Answer, Passed: g.Passed,
		AnswerOutput: g.Run.Output, AnswerExit: g.Run.ExitCode, AnswerTimedOut: g.Run.TimedOut,
		OutputTruncated: g.Run.Truncated, Note: g.Note,
		AnswerMS:   float64(g.Run.Duration.Microseconds()) / 1000,
		DurationMS: float64(g.Duration.Microseconds()) / 1000,
		Checks:     []checkLine{},
	}
	if g.Run.Err != nil {
		r.Error = assets.Tf(lang, "check.start_failed", g.Run.Err)
	}
	for _, c := range g.Checks {
		l := checkLine{Name: c.ID, Description: c.Desc, Passed: c.OK, Detail: c.Detail}
		if !c.OK {
			l.Hint = c.Hint.Get(lang)
		}
		r.Checks = append(r.Checks, l)
	}
	return r
}

func cmdCheck(args []string) int {
	var lang string
	fail := func(msg string) int {
		fmt.Fprintln(os.Stderr, "nettutor check: "+oneLine(msg))
		return 2
	}
	a, err := parseCheckArgs(args, &lang)
	if errors.Is(err, flag.ErrHelp) {
		if !assets.ValidLang(lang) {
			lang = "en"
		}
		fmt.Println(assets.T(lang, "check.usage"))
		return 0
	}
	if err != nil {
		if !assets.ValidLang(lang) {
			lang = "en"
		}
		msg := err.Error()
		if strings.Contains(msg, "flag") {
			msg = assets.Tf(lang, "check.bad_flags", msg, assets.T(lang, "check.usage"))
		}
		return fail(msg)
	}
	_, ex, err := lessons.FindExercise(a.exercise)
	if err != nil {
		return fail(err.Error())
	}
	files, err := answerFiles(a.lang, a.answers)
	if err != nil {
		return fail(err.Error())
	}
	if a.one || len(files) == 1 {
		return checkInProcess(a, ex, files[0])
	}
	return checkClass(a, files)
}

// oneLine keeps a bad-input message to one line.
func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

// checkInProcess grades one answer in this process's own sandbox: a fresh
// lab that nothing else ever used.
func checkInProcess(a *checkArgs, ex *lessons.Exercise, file string) int {
	if err := sandbox.Enter(); err != nil {
		fmt.Fprint(os.Stderr, sandbox.Hint(err))
		return sandbox.ExitUnavailable
	}
	path := file
	if file == "-" {
		// The script comes on stdin: keep it on the sandbox's own /run.
		b, err := io.ReadAll(os.Stdin)
		if err == nil {
			path = filepath.Join(sandbox.StateDir, "answer-stdin.sh")
			err = os.WriteFile(path, b, 0o644)
		}
		if err != nil {
			return internalFail(a, ex, file, err)
		}
	}
	ctx := context.Background()
	lab, err := engine.New()
	if err != nil {
		return internalFail(a, ex, file, err)
	}
	defer lab.Close()
	g, err := ex.Grade(ctx, lab, path, lessons.GradeOptions{Timeout: a.timeout, Lang: a.lang})
	if err != nil {
		return internalFail(a, ex, file, err)
	}
	r := reportOf(g, a.lang)
	r.Answer = file
	if a.json {
		printJSONLine(os.Stdout, r)
	} else {
		printReport(os.Stdout, r, a.lang)
	}
	if r.Passed {
		return 0
	}
	return 1
}

func internalFail(a *checkArgs, ex *lessons.Exercise, file string, err error) int {
	if a.json {
		printJSONLine(os.Stdout, &checkReport{Exercise: ex.FullID(), Answer: file, Checks: []checkLine{},
			AnswerExit: -1, Error: err.Error()})
	}
	fmt.Fprintln(os.Stderr, "nettutor check: "+assets.Tf(a.lang, "check.internal", oneLine(err.Error())))
	return 2
}

func printJSONLine(w io.Writer, r *checkReport) {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(r)
}

// printReport prints one graded answer for a person: the answer's output
// and exit status, each check with ✓ or ✗, detail and hint under a failed
// one, and the result.
func printReport(w io.Writer, r *checkReport, lang string) {
	fmt.Fprintln(w, assets.Tf(lang, "check.header", r.Exercise, displayPath(r.Answer)))
	secs := r.AnswerMS / 1000
	out := strings.TrimRight(r.AnswerOutput, "\n")
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
		fmt.Fprintln(w, "! "+r.Error)
	}
	if r.Note != "" {
		fmt.Fprintln(w, assets.T(lang, "check.note")+": "+r.Note)
	}
	width := 0
	for _, c := range r.Checks {
		width = max(width, textWidth(c.Name))
	}
	pad := strings.Repeat(" ", width+4)
	passed := 0
	for _, c := range r.Checks {
		mark := "✗"
		if c.Passed {
			mark = "✓"
			passed++
		}
		fmt.Fprintf(w, "%s %s  %s\n", mark, padRight(c.Name, width), c.Description)
		if c.Passed {
			continue
		}
		fmt.Fprintln(w, pad+c.Detail)
		if c.Hint != "" {
			fmt.Fprintln(w, pad+assets.T(lang, "check.hint")+": "+c.Hint)
		}
	}
	res := assets.T(lang, "check.fail")
	if r.Passed {
		res = assets.T(lang, "check.pass")
	}
	fmt.Fprintln(w, assets.Tf(lang, "check.result_one", res, passed, len(r.Checks), r.DurationMS/1000))
}

// displayPath shows a path relative to the working folder when it is below it.
func displayPath(p string) string {
	if wd, err := os.Getwd(); err == nil {
		if rel, err := filepath.Rel(wd, p); err == nil && !strings.HasPrefix(rel, "..") {
			return rel
		}
	}
	return p
}

// textWidth is the number of terminal columns s takes (wide for Hangul and
// other East Asian scripts).
func textWidth(s string) int {
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

func padRight(s string, w int) string {
	if d := w - textWidth(s); d > 0 {
		return s + strings.Repeat(" ", d)
	}
	return s
}

// classResult is the outcome of one child in a class run.
type classResult struct {
	file   string
	report *checkReport
	err    string // the child gave no report
	stderr string // the child's stderr then
	code   int
}

// checkClass grades many answers, each in its own child process and so its
// own sandbox and lab (nothing, not even conntrack entries, survives from
// one answer to the next), up to a.jobs at a time. It prints one line per
// answer in the order given, then a table of every check (or JSON lines).
func checkClass(a *checkArgs, files []string) int {
	start := time.Now()
	jobs := min(a.jobs, len(files))
	results := make([]*classResult, len(files))
	ready := make([]chan struct{}, len(files))
	for i := range ready {
		ready[i] = make(chan struct{})
	}
	sem := make(chan struct{}, jobs)
	var wg sync.WaitGroup
	// When no sandbox can be made, every child would say so: the first
	// one's explanation is shown once and the rest are not started.
	var unavailable atomic.Pointer[string]
	for i, f := range files {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(ready[i])
			sem <- struct{}{}
			defer func() { <-sem }()
			if msg := unavailable.Load(); msg != nil {
				results[i] = &classResult{file: f, err: oneLine(*msg), code: sandbox.ExitUnavailable}
				return
			}
			results[i] = gradeChild(a, f)
			if r := results[i]; r.report == nil && strings.Contains(r.stderr, "cannot make the lab sandbox") {
				unavailable.CompareAndSwap(nil, &r.stderr)
			}
		}()
	}
	if msg := func() *string {
		<-ready[0]
		return unavailable.Load()
	}(); msg != nil {
		wg.Wait()
		fmt.Fprint(os.Stderr, *msg)
		return sandbox.ExitUnavailable
	}
	nameW := 0
	for _, f := range files {
		nameW = max(nameW, textWidth(displayPath(f)))
	}
	for i := range files {
		<-ready[i]
		r := results[i]
		if a.json {
			rep := r.report
			if rep == nil {
				rep = &checkReport{Exercise: a.exercise, Answer: r.file, Checks: []checkLine{}, AnswerExit: -1, Error: r.err}
			}
			printJSONLine(os.Stdout, rep)
			continue
		}
		printClassLine(os.Stdout, r, a.lang, nameW)
	}
	wg.Wait()
	wall := time.Since(start)
	code, passed := 0, 0
	for _, r := range results {
		switch {
		case r.report == nil:
			code = 2
		case r.report.Passed:
			passed++
		default:
			code = max(code, 1)
		}
	}
	if !a.json {
		fmt.Println()
		printClassTable(os.Stdout, results, a.lang)
		fmt.Println()
		fmt.Println(assets.Tf(a.lang, "check.result_many", passed, len(files), wall.Seconds(), jobs))
	}
	for _, r := range results {
		if r.report == nil {
			fmt.Fprintf(os.Stderr, "nettutor check: %s: %s\n", displayPath(r.file), oneLine(r.err))
		}
	}
	return code
}

// gradeChild runs `nettutor check --one --json` for one answer.
func gradeChild(a *checkArgs, file string) *classResult {
	res := &classResult{file: file}
	self, err := os.Executable()
	if err != nil {
		self = "/proc/self/exe"
	}
	ctx, cancel := context.WithTimeout(context.Background(), a.timeout+time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, self, "check", "--one", "--json", "--lang", a.lang,
		"--timeout", a.timeout.String(), a.exercise, "--answer", file)
	cmd.Args[0] = os.Args[0]
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	err = cmd.Run()
	res.code = cmd.ProcessState.ExitCode()
	var rep checkReport
	if jerr := json.Unmarshal(bytes.TrimSpace(stdout.Bytes()), &rep); jerr == nil && rep.Exercise != "" && rep.Error == "" {
		res.report = &rep
		return res
	} else if jerr == nil && rep.Error != "" {
		res.err = rep.Error
		return res
	}
	res.stderr = stderr.String()
	msg := strings.TrimSpace(res.stderr)
	msg = strings.TrimPrefix(msg, "nettutor: ")
	if msg == "" && err != nil {
		msg = err.Error()
	}
	res.err = msg
	return res
}

func printClassLine(w io.Writer, r *classResult, lang string, nameW int) {
	name := padRight(displayPath(r.file), nameW)
	if r.report == nil {
		fmt.Fprintf(w, "! %-4s  %5s  %s  %s\n", assets.T(lang, "check.error"), "", name, oneLine(r.err))
		return
	}
	rep := r.report
	n := 0
	var firstFail *checkLine
	for i, c := range rep.Checks {
		if c.Passed {
			n++
		} else if firstFail == nil {
			firstFail = &rep.Checks[i]
		}
	}
	mark, res := "✓", assets.T(lang, "check.pass")
	if !rep.Passed {
		mark, res = "✗", assets.T(lang, "check.fail")
	}
	line := fmt.Sprintf("%s %s  %5s  %s  %5.2fs", mark, padRight(res, 4), fmt.Sprintf("%d/%d", n, len(rep.Checks)), name, rep.DurationMS/1000)
	var extra []string
	if rep.AnswerTimedOut {
		extra = append(extra, assets.T(lang, "check.timed_out"))
	} else if rep.AnswerExit != 0 {
		extra = append(extra, assets.Tf(lang, "check.exit", rep.AnswerExit))
	}
	if firstFail != nil {
		extra = append(extra, firstFail.Name+": "+firstFail.Detail)
	}
	if len(extra) > 0 {
		line += "  " + strings.Join(extra, "; ")
	}
	fmt.Fprintln(w, line)
}

// printClassTable prints answers down, checks across, with a last row that
// counts how many answers passed each check.
func printClassTable(w io.Writer, results []*classResult, lang string) {
	var names []string
	seen := map[string]bool{}
	for _, r := range results {
		if r.report == nil {
			continue
		}
		for _, c := range r.report.Checks {
			if !seen[c.Name] {
				seen[c.Name] = true
				names = append(names, c.Name)
			}
		}
	}
	head := []string{assets.T(lang, "check.col_answer")}
	head = append(head, names...)
	head = append(head, assets.T(lang, "check.col_exit"), assets.T(lang, "check.col_time"), assets.T(lang, "check.col_result"))
	rows := [][]string{head}
	count := make([]int, len(names))
	total := 0
	for _, r := range results {
		row := []string{displayPath(r.file)}
		if r.report == nil {
			for range names {
				row = append(row, "-")
			}
			row = append(row, "-", "-", assets.T(lang, "check.error"))
			rows = append(rows, row)
			continue
		}
		total++
		got := map[string]bool{}
		for _, c := range r.report.Checks {
			got[c.Name] = c.Passed
		}
		for i, n := range names {
			if got[n] {
				row = append(row, "✓")
				count[i]++
			} else {
				row = append(row, "✗")
			}
		}
		exit := fmt.Sprint(r.report.AnswerExit)
		if r.report.AnswerTimedOut {
			exit = "kill"
		}
		res := assets.T(lang, "check.fail")
		if r.report.Passed {
			res = assets.T(lang, "check.pass")
		}
		row = append(row, exit, fmt.Sprintf("%.2fs", r.report.DurationMS/1000), res)
		rows = append(rows, row)
	}
	last := []string{assets.T(lang, "check.row_passed")}
	for _, c := range count {
		last = append(last, fmt.Sprintf("%d/%d", c, total))
	}
	rows = append(rows, append(last, "", "", ""))
	widths := make([]int, len(head))
	for _, row := range rows {
		for i, c := range row {
			widths[i] = max(widths[i], textWidth(c))
		}
	}
	for _, row := range rows {
		cells := make([]string, len(row))
		for i, c := range row {
			cells[i] = padRight(c, widths[i])
		}
		fmt.Fprintln(w, strings.TrimRight(strings.Join(cells, "  "), " "))
	}
}

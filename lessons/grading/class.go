package grading

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/nettutor/nettutor/assets"
	"github.com/nettutor/nettutor/engine/sandbox"
)

// MaxReport is the most a class run reads of a child's report pipe. A
// report is a few KiB (the answer's output is cut at
// lessons.MaxAnswerOutput); more is not a report.
const MaxReport = 1 << 20

// MaxChildOutput is how much of a child grader's stdout and stderr a class
// run keeps (for the reason it gives when it has no report).
const MaxChildOutput = 64 << 10

// ClassOptions are how a class is graded.
type ClassOptions struct {
	Exercise string        // LESSON/EXERCISE
	Lang     string        // language of the output
	Timeout  time.Duration // each answer's time limit
	Jobs     int           // children at once (already capped, see CapJobs)
	JSON     bool          // one JSON line per answer instead of lines and a table
	// Seed, when SeedSet, is every answer's fault seed (else each child
	// derives one from its answer's file name); Hints as in Options.
	Seed    uint64
	SeedSet bool
	Hints   int

	// Self is the program run as the child grader with the arguments of
	// `nettutor check --one`; os.Executable() when empty. Tests put a fake
	// grader here.
	Self string
	// Env is the children's environment; os.Environ() when nil.
	Env []string

	Stdout, Stderr io.Writer
	// Sink, when set with JSON, takes each answer's report in order
	// instead of a JSON line on Stdout (a shard's output, ShardWriter).
	Sink func(*Report)
}

// Result is the outcome of one child grader in a class run. Exactly one of
// Report, Err and Interrupted says what happened.
type Result struct {
	File        string
	Report      *Report // the child's report, believed
	Err         string  // why there is no report to believe (an ERROR)
	Interrupted bool    // the run was stopped before this answer finished
	Stderr      string  // the child's stderr (cut at MaxChildOutput)
	Code        int     // the child's exit code, -1 when killed by a signal
}

// ClassOutcome is what a class run did.
type ClassOutcome struct {
	Results     []*Result
	Passed      int
	Code        int  // 0 all passed, 1 some failed, 2 some could not be graded (or no sandbox)
	Interrupted bool // the context was cancelled: some answers were not graded
}

// RunClass grades many answers, each in its own child process and so its
// own sandbox and lab (nothing, not even conntrack entries, survives from
// one answer to the next), up to o.Jobs at a time. It prints one line per
// answer in the order given, then a table of every check (or JSON lines).
//
// When ctx is cancelled (a signal to the run) the children are killed,
// each with its whole process group; the answers that finished are printed
// as usual and the others as interrupted.
func RunClass(ctx context.Context, files []string, o ClassOptions) *ClassOutcome {
	start := time.Now()
	jobs := max(min(o.Jobs, len(files)), 1)
	results := make([]*Result, len(files))
	ready := make([]chan struct{}, len(files))
	for i := range ready {
		ready[i] = make(chan struct{})
	}
	// Answers start in the order given (so lines appear as they finish),
	// at most jobs at a time; once ctx is done, none is started.
	next := make(chan int)
	go func() {
		defer close(next)
		for i := range files {
			select {
			case next <- i:
			case <-ctx.Done():
				for j := i; j < len(files); j++ {
					results[j] = &Result{File: files[j], Interrupted: true, Code: -1}
					close(ready[j])
				}
				return
			}
		}
	}()
	var wg sync.WaitGroup
	// When no sandbox can be made, every child would say so: the first
	// one's explanation is shown once and the rest are not started.
	var unavailable atomic.Pointer[string]
	for range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				f := files[i]
				if msg := unavailable.Load(); msg != nil {
					results[i] = &Result{File: f, Err: oneLine(*msg), Code: sandbox.ExitUnavailable}
				} else {
					results[i] = gradeChild(ctx, o, f)
					if r := results[i]; r.Report == nil && r.Code == sandbox.ExitUnavailable && strings.Contains(r.Stderr, "cannot make the lab sandbox") {
						unavailable.CompareAndSwap(nil, &r.Stderr)
					}
				}
				close(ready[i])
			}
		}()
	}
	out := &ClassOutcome{Results: results}
	<-ready[0]
	if msg := unavailable.Load(); msg != nil {
		wg.Wait()
		fmt.Fprint(o.Stderr, Clean(*msg))
		out.Code = sandbox.ExitUnavailable
		return out
	}
	nameW := 0
	for _, f := range files {
		nameW = max(nameW, TextWidth(DisplayPath(f)))
	}
	for i := range files {
		<-ready[i]
		r := results[i]
		if o.JSON {
			rep := r.Report
			switch {
			case r.Interrupted:
				rep = ErrorReport(o.Exercise, r.File, assets.T(o.Lang, "check.interrupted"))
				rep.Interrupted = true
			case rep == nil:
				rep = ErrorReport(o.Exercise, r.File, r.Err)
			}
			if o.Sink != nil {
				o.Sink(rep)
			} else {
				PrintJSONLine(o.Stdout, rep)
			}
			continue
		}
		PrintClassLine(o.Stdout, r, o.Lang, nameW)
	}
	wg.Wait()
	wall := time.Since(start)
	stopped := 0
	for _, r := range results {
		switch {
		case r.Interrupted:
			stopped++
		case r.Report == nil:
			out.Code = 2
		case r.Report.Passed:
			out.Passed++
		default:
			out.Code = max(out.Code, 1)
		}
	}
	out.Interrupted = stopped > 0 || ctx.Err() != nil
	if !o.JSON {
		fmt.Fprintln(o.Stdout)
		PrintClassTable(o.Stdout, results, o.Lang)
		fmt.Fprintln(o.Stdout)
		fmt.Fprintln(o.Stdout, assets.Tf(o.Lang, "check.result_many", out.Passed, len(files), wall.Seconds(), jobs))
		if stopped > 0 {
			fmt.Fprintln(o.Stdout, assets.Tf(o.Lang, "check.result_stopped", stopped))
		}
	}
	for _, r := range results {
		if r.Report == nil && !r.Interrupted {
			fmt.Fprintf(o.Stderr, "nettutor check: %s: %s\n", DisplayPath(r.File), oneLine(Clean(r.Err)))
		}
	}
	return out
}

// gradeChild runs `nettutor check --one --json` for one answer and believes
// what it says only through its report pipe: see the package comment.
func gradeChild(runCtx context.Context, o ClassOptions, file string) *Result {
	res := &Result{File: file, Code: -1}
	if runCtx.Err() != nil {
		res.Interrupted = true
		return res
	}
	self := o.Self
	if self == "" {
		var err error
		if self, err = os.Executable(); err != nil {
			self = "/proc/self/exe"
		}
	}
	ctx, cancel := context.WithTimeout(runCtx, o.Timeout+time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, self, "check", "--one", "--json", "--lang", o.Lang,
		"--timeout", o.Timeout.String(), o.Exercise, "--answer", file)
	if o.SeedSet {
		cmd.Args = append(cmd.Args, "--seed", strconv.FormatUint(o.Seed, 10))
	}
	if o.Hints > 1 {
		cmd.Args = append(cmd.Args, "--hints", strconv.Itoa(o.Hints))
	}
	cmd.Args[0] = os.Args[0]
	pr, pw, err := os.Pipe()
	if err != nil {
		res.Err = assets.Tf(o.Lang, "check.child_start", err)
		return res
	}
	defer pr.Close()
	// The write end is fd 3 of the child and of nothing else: the pipe is
	// close-on-exec here, and the child marks it so again (ReportFile).
	cmd.ExtraFiles = []*os.File{pw}
	env := o.Env
	if env == nil {
		env = os.Environ()
	}
	cmd.Env = append(withoutKey(env, sandbox.EnvReportFD), sandbox.EnvReportFD+"=3")
	stdout, stderr := &capBuffer{max: MaxChildOutput}, &capBuffer{max: MaxChildOutput}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	// A process group of its own: a terminal's ^C reaches the run, not the
	// children, and the run ends a child with everything it started.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		pw.Close()
		res.Err = assets.Tf(o.Lang, "check.child_start", err)
		return res
	}
	pw.Close()
	type read struct {
		b   []byte
		err error
	}
	got := make(chan read, 1)
	go func() {
		b, err := io.ReadAll(io.LimitReader(pr, MaxReport+1))
		if len(b) > MaxReport {
			// Stop the writer (EPIPE) rather than let it block forever.
			pr.Close()
		}
		got <- read{b, err}
	}()
	// No kill of the group once the child is reaped: its pid, and so the
	// group's id, may then belong to someone else. Nothing of it is left
	// anyway: the sandbox child dies with its parent (Pdeathsig), and the
	// lab with the sandbox child, PID 1 of its namespace.
	werr := cmd.Wait()
	var rd read
	select {
	case rd = <-got:
	case <-time.After(2 * time.Second):
		// Something still holds the write end: what came is all there is.
		pr.Close()
		rd = <-got
	}
	res.Stderr = stderr.String()
	ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
	res.Code = cmd.ProcessState.ExitCode()

	rep, perr := parseReport(rd.b, o.Exercise, file)
	switch {
	case perr == nil && ws.Exited() && ws.ExitStatus() == rep.ExitCode():
		if rep.Error != "" {
			res.Err = rep.Error
		} else {
			res.Report = rep
		}
	case runCtx.Err() != nil:
		res.Interrupted = true
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		res.Err = assets.Tf(o.Lang, "check.child_timeout", o.Timeout+time.Minute)
	case ws.Signaled():
		res.Err = assets.Tf(o.Lang, "check.child_signal", ws.Signal())
	case perr != nil && ws.ExitStatus() > 128 && ws.ExitStatus() <= 128+64:
		// The sandbox reports its child's death by a signal as 128+N.
		res.Err = assets.Tf(o.Lang, "check.child_signal", syscall.Signal(ws.ExitStatus()-128))
	case len(rd.b) > MaxReport:
		res.Err = assets.Tf(o.Lang, "check.child_report_large", MaxReport>>10)
	case len(bytes.TrimSpace(rd.b)) == 0:
		msg := strings.TrimPrefix(strings.TrimSpace(res.Stderr), "nettutor: ")
		if msg == "" && werr != nil && !ws.Exited() {
			msg = werr.Error()
		}
		if msg == "" {
			msg = assets.Tf(o.Lang, "check.child_no_report", res.Code)
		}
		res.Err = msg
	case perr != nil:
		res.Err = assets.Tf(o.Lang, "check.child_bad_report", perr)
	default:
		res.Err = assets.Tf(o.Lang, "check.child_exit_mismatch", res.Code, rep.ExitCode())
	}
	return res
}

// errReport says why the bytes on a report pipe are not a report.
type errReport struct{ why string }

func (e *errReport) Error() string { return e.why }

// parseReport reads the one report a child sent. A second object after it
// means something else wrote to the pipe: no report is believed then.
func parseReport(b []byte, exercise, file string) (*Report, error) {
	if len(b) > MaxReport {
		return nil, &errReport{fmt.Sprintf("larger than %d KiB", MaxReport>>10)}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	var r Report
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("decode report: %w", err)
	}
	if dec.More() {
		return nil, &errReport{"more than one report on the pipe"}
	}
	if r.Exercise != exercise || r.Answer != file {
		return nil, &errReport{fmt.Sprintf("a report about %s %s, not this answer", r.Exercise, r.Answer)}
	}
	if r.Checks == nil {
		return nil, &errReport{"a report without checks"}
	}
	return &r, nil
}

// withoutKey drops KEY=... from env.
func withoutKey(env []string, key string) []string {
	out := make([]string, 0, len(env)+1)
	for _, kv := range env {
		if !strings.HasPrefix(kv, key+"=") {
			out = append(out, kv)
		}
	}
	return out
}

// capBuffer keeps the first max bytes written to it and counts the rest.
type capBuffer struct {
	buf     bytes.Buffer
	max     int
	dropped int
}

// Write implements io.Writer; it never fails, so the child is never
// blocked or killed by a full buffer.
func (b *capBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.buf.Len(); room > 0 {
		b.buf.Write(p[:min(room, len(p))])
		b.dropped += max(len(p)-room, 0)
	} else {
		b.dropped += len(p)
	}
	return len(p), nil
}

// String is what was kept.
func (b *capBuffer) String() string { return b.buf.String() }

// PrintClassLine prints one answer of a class run on one line: mark,
// result, checks passed, name, time, and what went wrong first.
func PrintClassLine(w io.Writer, r *Result, lang string, nameW int) {
	name := PadRight(DisplayPath(r.File), nameW)
	if r.Interrupted {
		fmt.Fprintf(w, "- %s  %s\n", assets.T(lang, "check.interrupted"), name)
		return
	}
	if r.Report == nil {
		fmt.Fprintf(w, "! %-4s  %5s  %s  %s\n", assets.T(lang, "check.error"), "", name, oneLine(Clean(r.Err)))
		return
	}
	rep := r.Report
	n := 0
	var firstFail *Line
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
	line := fmt.Sprintf("%s %s  %5s  %s  %5.2fs", mark, PadRight(res, 4), fmt.Sprintf("%d/%d", n, len(rep.Checks)), name, rep.DurationMS/1000)
	var extra []string
	if rep.AnswerTimedOut {
		extra = append(extra, assets.T(lang, "check.timed_out"))
	} else if rep.AnswerExit != 0 {
		extra = append(extra, assets.Tf(lang, "check.exit", rep.AnswerExit))
	}
	if firstFail != nil {
		extra = append(extra, Clean(firstFail.Name)+": "+oneLine(Clean(firstFail.Detail)))
	}
	if len(extra) > 0 {
		line += "  " + strings.Join(extra, "; ")
	}
	fmt.Fprintln(w, line)
}

// PrintClassTable prints answers down, checks across, with a last row that
// counts how many answers passed each check.
func PrintClassTable(w io.Writer, results []*Result, lang string) {
	var names []string
	seen := map[string]bool{}
	for _, r := range results {
		if r.Report == nil {
			continue
		}
		for _, c := range r.Report.Checks {
			if !seen[c.Name] {
				seen[c.Name] = true
				names = append(names, c.Name)
			}
		}
	}
	head := []string{assets.T(lang, "check.col_answer")}
	for _, n := range names {
		head = append(head, Clean(n))
	}
	head = append(head, assets.T(lang, "check.col_exit"), assets.T(lang, "check.col_time"), assets.T(lang, "check.col_result"))
	rows := [][]string{head}
	count := make([]int, len(names))
	total := 0
	for _, r := range results {
		row := []string{DisplayPath(r.File)}
		if r.Report == nil {
			for range names {
				row = append(row, "-")
			}
			res := assets.T(lang, "check.error")
			if r.Interrupted {
				res = assets.T(lang, "check.interrupted")
			}
			row = append(row, "-", "-", res)
			rows = append(rows, row)
			continue
		}
		total++
		got := map[string]bool{}
		for _, c := range r.Report.Checks {
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
		exit := fmt.Sprint(r.Report.AnswerExit)
		if r.Report.AnswerTimedOut {
			exit = "kill"
		}
		res := assets.T(lang, "check.fail")
		if r.Report.Passed {
			res = assets.T(lang, "check.pass")
		}
		row = append(row, exit, fmt.Sprintf("%.2fs", r.Report.DurationMS/1000), res)
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
			widths[i] = max(widths[i], TextWidth(c))
		}
	}
	for _, row := range rows {
		cells := make([]string, len(row))
		for i, c := range row {
			cells[i] = PadRight(c, widths[i])
		}
		fmt.Fprintln(w, strings.TrimRight(strings.Join(cells, "  "), " "))
	}
}

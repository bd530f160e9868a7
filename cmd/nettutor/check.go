package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/nettutor/nettutor/assets"
	"github.com/nettutor/nettutor/engine/confine"
	"github.com/nettutor/nettutor/engine/sandbox"
	"github.com/nettutor/nettutor/lessons"
	"github.com/nettutor/nettutor/lessons/grading"
	"golang.org/x/sys/unix"
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
	seed     uint64
	seedSet  bool                  // --seed given: else each answer's seed comes from its file name
	hints    int                   // 1: a failed check's cause; 2: also the command that fixes it
	shard    *grading.Shard        // --shard I/M: grade only that slice, write a shard output
	sink     func(*grading.Report) // a shard's writer of reports (checkShard)
}

type stringsFlag []string

func (s *stringsFlag) String() string     { return strings.Join(*s, ",") }
func (s *stringsFlag) Set(v string) error { *s = append(*s, v); return nil }

// parseCheckArgs takes flags and positional arguments in any order:
// `check veth/connect --answer a.sh` as well as `check --json veth/connect
// --answer answers/*.sh` (further arguments after the exercise are
// answers too, so a shell glob works).
func parseCheckArgs(args []string, lang *string) (*checkArgs, error) {
	fs := newFlagSet("check")
	var answers stringsFlag
	fs.Var(&answers, "answer", "answer script, or a folder of them (repeatable)")
	asJSON := fs.Bool("json", false, "print JSON (one line per answer)")
	*lang = assets.LangFromEnv()
	fs.StringVar(lang, "lang", *lang, "language: en or ko")
	timeout := fs.Duration("timeout", lessons.DefaultAnswerTimeout, "time limit of each answer")
	jobs := fs.Int("jobs", runtime.NumCPU(), "answers graded at once")
	one := fs.Bool("one", false, "grade in this process (internal)")
	seedStr := fs.String("seed", "", "picks the fault of a troubleshooting exercise (default: from the answer file's name, or the user name for -, so neighbours' answers get different faults)")
	hints := fs.Int("hints", 0, "hints per failed check: 1 names the cause, 2 adds the command that fixes it; 0: the command too once the same answer failed before here ($XDG_STATE_HOME/nettutor/check-tries.json)")
	shardStr := fs.String("shard", "", "grade only slice I of M (I from 0: --shard $JOB_COMPLETION_INDEX/M in an Indexed Job), written as a shard output (JSON lines) for `nettutor check merge`")
	limits := addLimitFlags(fs)
	pos, err := parseAnywhere(fs, args)
	if err != nil {
		return nil, err
	}
	if err := limits.apply(); err != nil {
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
		timeout: *timeout, jobs: *jobs, one: *one, hints: *hints}
	if *seedStr != "" {
		n, err := strconv.ParseUint(*seedStr, 10, 64)
		if err != nil {
			return nil, errors.New(assets.Tf(l, "check.bad_seed", *seedStr))
		}
		a.seed, a.seedSet = n, true
	}
	if *shardStr != "" {
		sh, err := grading.ParseShard(*shardStr)
		if err != nil {
			return nil, err
		}
		a.shard = &sh
	}
	if a.hints < 0 || a.hints > 2 {
		return nil, errors.New(assets.Tf(l, "check.bad_hints", a.hints))
	}
	if len(a.answers) == 0 {
		return nil, errors.New(assets.T(l, "check.no_answer"))
	}
	if a.timeout <= 0 {
		return nil, errors.New(assets.Tf(l, "check.bad_timeout", a.timeout))
	}
	if a.timeout > grading.MaxTimeout {
		return nil, errors.New(assets.Tf(l, "check.timeout_too_long", grading.MaxTimeout, a.timeout))
	}
	if a.jobs < 1 {
		return nil, errors.New(assets.Tf(l, "check.bad_jobs", a.jobs))
	}
	return a, nil
}

func cmdCheck(args []string) int {
	if isMerge(args) {
		return cmdCheckMerge(args)
	}
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
		return printHelp("check", assets.T(lang, "check.usage"))
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
	files, skipped, err := grading.AnswerFiles(a.lang, a.answers)
	if err != nil {
		grading.PrintSkipped(os.Stderr, a.lang, skipped)
		return fail(err.Error())
	}
	if a.shard != nil && !a.one {
		grading.PrintSkipped(os.Stderr, a.lang, skipped)
		return checkShard(a, ex.FullID(), files)
	}
	if a.one || len(files) == 1 {
		return checkInProcess(a, ex, files[0], skipped)
	}
	grading.PrintSkipped(os.Stderr, a.lang, skipped)
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

// graderMemory bounds what one grading process may write to (RLIMIT_DATA).
const graderMemory = 2 << 30

// checkInProcess grades one answer in this process's own sandbox: a fresh
// lab that nothing else ever used. As the child of a class run it sends the
// report on the pipe the run gave it, and nothing on stdout.
func checkInProcess(a *checkArgs, ex *lessons.Exercise, file string, skipped []grading.Skipped) int {
	// The grader itself is bounded too: an answer that leaves a lab the
	// size of a routing table of millions makes it fail (an ERROR for that
	// answer), not the machine. The lab's own processes get lower limits.
	// (Above the lab's own limit: a hard limit cannot be raised again.)
	lim := uint64(max(graderMemory, confine.Current.Memory+1<<30))
	_ = unix.Setrlimit(unix.RLIMIT_DATA, &unix.Rlimit{Cur: lim, Max: lim})
	if err := sandbox.Enter(); err != nil {
		fmt.Fprint(os.Stderr, sandbox.Hint(err))
		return sandbox.ExitUnavailable
	}
	// First thing inside: the report pipe becomes close-on-exec before
	// anything of the lab is started.
	rf := sandbox.ReportFile()
	// Only the sandboxed child gets here, so this is printed once.
	grading.PrintSkipped(os.Stderr, a.lang, skipped)
	o := grading.Options{Timeout: a.timeout, Lang: a.lang, Seed: a.seed, SeedSet: a.seedSet, Hints: a.hints}
	if !a.one {
		// A learner's own run (not a class run's child): the second
		// failure of the same answer also shows the fix.
		o.Tries = grading.TriesPath()
	}
	r, err := grading.GradeOne(context.Background(), ex, file, o)
	if err != nil {
		msg := assets.Tf(a.lang, "check.internal", oneLine(err.Error()))
		var tl *lessons.TooLargeError
		var nr *lessons.NotRegularError
		if errors.As(err, &tl) || errors.As(err, &nr) {
			// Bad input, not a grading failure: say what was wrong with it.
			msg = assets.Tf(a.lang, "check.answer_refused", grading.FileErrorText(a.lang, file, err))
		}
		var ne *lessons.NeedError
		if errors.As(err, &ne) {
			// Not a grading fault: this machine lacks a driver the
			// exercise needs; the line says which, and how to load it.
			msg = ne.Text(a.lang)
		}
		r = grading.ErrorReport(ex.FullID(), file, msg)
		if rf == nil {
			if a.json {
				grading.PrintJSONLine(os.Stdout, r)
			}
			fmt.Fprintln(os.Stderr, "nettutor check: "+msg)
		}
	}
	if rf != nil {
		if err := grading.SendReport(rf, r); err != nil {
			fmt.Fprintln(os.Stderr, "nettutor check: "+oneLine(err.Error()))
			return 2
		}
		return r.ExitCode()
	}
	if r.Error == "" {
		if a.json {
			grading.PrintJSONLine(os.Stdout, r)
		} else {
			grading.PrintReport(os.Stdout, r, a.lang)
		}
	}
	return r.ExitCode()
}

// checkClass grades the answers in child graders (grading.RunClass), with
// --jobs capped by the machine. SIGINT, SIGTERM and SIGHUP stop the run:
// the children are killed, what finished is printed, and the exit code is
// 128 plus the signal's number.
func checkClass(a *checkArgs, files []string) int {
	jobs, note := grading.CapJobs(a.lang, a.jobs)
	if note != "" && jobs < len(files) {
		fmt.Fprintln(os.Stderr, "nettutor check: "+note)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	got := make(chan syscall.Signal, 1)
	go func() {
		s, ok := <-sigs
		if !ok {
			return
		}
		got <- s.(syscall.Signal)
		cancel()
	}()
	out := grading.RunClass(ctx, files, grading.ClassOptions{
		Exercise: a.exercise, Lang: a.lang, Timeout: a.timeout, Jobs: jobs, JSON: a.json,
		Seed: a.seed, SeedSet: a.seedSet, Hints: a.hints,
		Stdout: os.Stdout, Stderr: os.Stderr, Sink: a.sink,
	})
	if out.Interrupted {
		select {
		case s := <-got:
			fmt.Fprintln(os.Stderr, "nettutor check: "+assets.T(a.lang, "check.interrupted"))
			return 128 + int(s)
		default:
		}
	}
	return out.Code
}

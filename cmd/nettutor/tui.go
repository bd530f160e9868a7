package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/nettutor/nettutor/assets"
	"github.com/nettutor/nettutor/engine"
	"github.com/nettutor/nettutor/engine/sandbox"
	"github.com/nettutor/nettutor/lessons"
	"github.com/nettutor/nettutor/serve"
	"github.com/nettutor/nettutor/serve/link"
	"github.com/nettutor/nettutor/tui"
	"github.com/nettutor/nettutor/tui/screen"
)

// tuiSpares is how many empty namespaces the TUI's lab keeps ready: the
// host of a reset plus the lessons' three to four namespaces.
const tuiSpares = 5

func init() {
	register("tui", "the lessons TUI (default)", cmdTUI)
}

// cmdTUI is `nettutor` with no command: the lesson picker, then lessons,
// on a lab inside the sandbox.
func cmdTUI(args []string) int {
	fs := newFlagSet("tui")
	lang := langFlag(fs)
	present := fs.Bool("present", false, "presenter mode: high contrast, compact, no empty panes (P toggles it)")
	progress := fs.String("progress", "", "the progress file (default $XDG_STATE_HOME/nettutor/progress.json; nettutor serve gives each member's)")
	limits := addLimitFlags(fs)
	files, err := parseAnywhere(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return printHelp("tui", assets.T(helpLang(*lang), "cli.tui_usage")+"\n\n"+budgetHelp(helpLang(*lang)))
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "nettutor: %v\n", err)
		return 2
	}
	if err := limits.apply(); err != nil {
		fmt.Fprintf(os.Stderr, "nettutor: %v\n", err)
		return 2
	}
	// A member's session under nettutor serve: its memory bound first,
	// before anything of the session is started (see serve.LimitMemory).
	if err := serve.LimitMemory(); err != nil {
		fmt.Fprintf(os.Stderr, "nettutor: %v\n", err)
		return 2
	}
	if err := checkLang(*lang); err != nil {
		fmt.Fprintln(os.Stderr, "nettutor:", err)
		return 2
	}
	// Lesson files of the learner's own come first in the picker; they are
	// validated before the sandbox, so a broken file gets file:line:col and
	// exit 2 without any kernel action.
	var own []*lessons.Lesson
	for _, f := range files {
		l, err := lessons.LoadFile(f)
		if err != nil {
			// One line: the first error with a count of the others
			// (nettutor lint lists them all). A position in the file
			// leads the line, as compilers print it, so that editors
			// jump to it; anything else is nettutor's.
			var el lessons.ErrorList
			if errors.As(err, &el) {
				fmt.Fprintln(os.Stderr, firstLine(err))
			} else {
				fmt.Fprintln(os.Stderr, "nettutor: "+firstLine(err))
			}
			return 2
		}
		own = append(own, l)
	}
	// The parent process stays outside and waits; from here on we are the
	// sandboxed child, where the lab lives.
	// Under nettutor serve the server showed the machine's line already,
	// worked out once for every member.
	if os.Getenv(serve.EnvPreflightShown) != "1" {
		if line := preflightStartup(*lang); line != "" {
			fmt.Fprintln(os.Stderr, line) // what will not run here, before the screen is taken
		}
	}
	if err := sandbox.Enter(); err != nil {
		fmt.Fprint(os.Stderr, sandbox.Hint(err))
		return 2
	}
	// The picker's lessons are parsed while the lab is made (the keeper's
	// start and the namespaces are mostly waiting): the first frame that
	// lists them came a quarter of a second after the screen was taken.
	go func() { _, _ = lessons.Builtin() }()
	lab, err := engine.New()
	if err != nil {
		fmt.Fprintf(os.Stderr, "nettutor: %v\n", err)
		return 2
	}
	defer lab.Close()
	// The TUI resets its lab on every lesson and every step back: keep
	// enough ready namespaces for a reset and the largest lesson.
	lab.KeepSpares(tuiSpares)
	// The terminal's background is asked by the program (tui.Model.Init
	// sends tea.RequestBackgroundColor) and its answer read as a message
	// among the keys: nothing here waits for a terminal that never answers.
	backend := tui.NewLabBackend(lab)
	// Two spare labs rebuilt one and two steps back while the learner
	// reads: `p`, and `p` again, are then swaps, not replays of the lesson
	// (tui/lessons_spare.go). A member of nettutor serve keeps one.
	backend.Spares = 2
	defer backend.Close()
	if len(own) > 0 {
		backend.List = func() ([]*lessons.Lesson, error) {
			builtin, err := lessons.Builtin()
			return append(append([]*lessons.Lesson(nil), own...), builtin...), err
		}
	}
	// The program draws through a screen of our own: Bubble Tea v2's
	// renderer draws a key's frame on its next tick, up to a frame period
	// late, and falls behind in a packet flood (tui/screen has the figures).
	scr := screen.New(os.Stdin, os.Stdout)
	m := tui.New(backend, tui.Options{Lang: *lang, Present: *present, Terminal: scr})
	if *progress != "" {
		m.UseProgress(*progress)
	}
	// Under nettutor serve, the server drew this TUI's first frame while
	// it started: go on from it (serve_frame.go).
	handOver(m, backend, scr, *lang)
	// Signals are the sandbox's to handle (it is PID 1 there): on one, the
	// program is killed, and the screen gives the terminal back, before
	// the lab ends.
	p := tea.NewProgram(scr.Wrap(m), append(scr.Options(), tea.WithoutSignalHandler())...)
	if err := scr.Start(p); err != nil {
		fmt.Fprintf(os.Stderr, "nettutor: %v\n", err)
		return 2
	}
	defer scr.Stop()
	ran := make(chan struct{})
	defer sandbox.OnStop(func() {
		// The lab first: a lab shell the TUI is waiting on dies with it,
		// so the program can end and give the terminal back.
		lab.Close()
		p.Kill()
		select {
		case <-ran:
		case <-time.After(2 * time.Second):
		}
	})()
	if os.Getenv(link.EnvFD) != "" {
		// Started by nettutor serve: the status link came through the
		// sandbox as its report pipe, out of the lab's reach.
		os.Unsetenv(link.EnvFD)
		if f := sandbox.ReportFile(); f != nil {
			m.SetServeLink(f)
		}
	}
	sandbox.WatchTerminal(0)
	_, err = p.Run()
	scr.Stop()
	close(ran)
	if err != nil && !errors.Is(err, tea.ErrProgramKilled) {
		fmt.Fprintf(os.Stderr, "nettutor: %v\n", err)
		return 2
	}
	if code := m.ExitCode(); code != 0 {
		if err := m.Fatal(); err != nil {
			fmt.Fprintf(os.Stderr, "nettutor: %v\n", err)
		}
		return code
	}
	return 0
}

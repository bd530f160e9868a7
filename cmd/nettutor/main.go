// Command nettutor is a terminal tutor for Linux container isolation and
// networking. It re-executes itself into a private lab sandbox (see
// engine/sandbox) and drives the real kernel there.
package main

import (
	"fmt"
	"os"
	"runtime/debug"
	"sort"
	"strings"

	"github.com/nettutor/nettutor/engine/reexec"
	"github.com/nettutor/nettutor/engine/sandbox"
)

// command is one subcommand. run gets the arguments after the subcommand
// name and returns the exit code.
type command struct {
	summary string
	run     func(args []string) int
}

// commands is filled by each command's file in its init function, so a
// command lives in one file and main stays thin.
var commands = map[string]command{}

func register(name, summary string, run func(args []string) int) {
	commands[name] = command{summary, run}
}

func main() {
	// Hooks first: a re-executed helper (namespace entry, sandbox child
	// set-up) must run before any flag is parsed.
	if reexec.Init() {
		return
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		// A packet flood fills the capture rings with live data; without a
		// soft limit the collector lets the heap grow to twice that before
		// it runs, and the resident size passes the 64 MiB budget.
		debug.SetMemoryLimit(memoryLimit)
	}
	sandbox.Exit(dispatch(os.Args[1:]))
}

// memoryLimit is the soft heap limit; 100 000 captured packets hold about
// 22 MiB of live heap (BenchmarkFlood in engine/capture).
const memoryLimit = 40 << 20

func dispatch(args []string) int {
	name := "tui"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = args[0], args[1:]
	}
	if name == "help" || (len(args) > 0 && (args[0] == "-h" || args[0] == "--help") && name == "tui") {
		usage()
		return 0
	}
	c, ok := commands[name]
	if !ok && (strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml")) {
		// nettutor my-lesson.yaml: the TUI over the learner's own lesson.
		return commands["tui"].run(append([]string{name}, args...))
	}
	if !ok {
		fmt.Fprintf(os.Stderr, "nettutor: unknown command %q (try: nettutor help)\n", name)
		return 2
	}
	return c.run(args)
}

func usage() {
	fmt.Println("nettutor: a terminal tutor for Linux container isolation and networking")
	fmt.Println()
	fmt.Println("usage: nettutor [command] [flags]   (no command: the lessons TUI; nettutor FILE.yaml: the TUI with your own lesson)")
	fmt.Println()
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Printf("  %-8s %s\n", n, commands[n].summary)
	}
	fmt.Println()
	fmt.Println("every command takes --lang en|ko (default from LANG)")
}

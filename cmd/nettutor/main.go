// Command nettutor is a terminal tutor for Linux container isolation and
// networking. It re-executes itself into a private lab sandbox (see
// engine/sandbox) and drives the real kernel there.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sort"
	"strings"

	"github.com/nettutor/nettutor/assets"
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
	// Flags before the command are the global ones: --lang (handed on to
	// the command, which every command takes), --help and --version.
	var global []string
globals:
	for len(args) > 0 && strings.HasPrefix(args[0], "-") {
		a := args[0]
		switch {
		case a == "-h" || a == "-help" || a == "--help":
			usage()
			return 0
		case a == "-version" || a == "--version":
			fmt.Println(versionLine())
			return 0
		case a == "--lang" || a == "-lang":
			if len(args) < 2 {
				fmt.Fprintln(os.Stderr, "nettutor: --lang needs a value (en or ko)")
				return 2
			}
			global, args = append(global, "--lang="+args[1]), args[2:]
			continue
		case strings.HasPrefix(a, "--lang=") || strings.HasPrefix(a, "-lang="):
			global, args = append(global, a), args[1:]
			continue
		}
		break globals // a flag of the TUI (nettutor --max-procs 64)
	}
	name := "tui"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = args[0], args[1:]
	}
	switch name {
	case "help":
		if len(args) > 0 {
			if c, ok := commands[args[0]]; ok {
				return c.run(append(global, "--help"))
			}
			fmt.Fprintf(os.Stderr, "nettutor: unknown command %q (try: nettutor help)\n", args[0])
			return 2
		}
		usage()
		return 0
	case "version":
		fmt.Println(versionLine())
		return 0
	}
	c, ok := commands[name]
	if !ok && (strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml")) {
		// nettutor my-lesson.yaml: the TUI over the learner's own lesson.
		return commands["tui"].run(append(append(global, name), args...))
	}
	if !ok {
		fmt.Fprintf(os.Stderr, "nettutor: unknown command %q (try: nettutor help)\n", name)
		return 2
	}
	return c.run(append(global, args...))
}

// version is set at link time (-ldflags "-X main.version=v1.2.3") by a
// release build; otherwise the module version or VCS revision of the build
// info stands in.
var version = ""

// versionLine is what --version prints: the version, then the commit and
// the Go version when the build info has them.
func versionLine() string {
	v := version
	var rev, modified string
	goVer := ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		goVer = bi.GoVersion
		if v == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					modified = ", modified"
				}
			}
		}
	}
	if v == "" {
		v = "devel"
	}
	line := "nettutor " + v
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		line += " (commit " + rev + modified + ")"
	}
	if goVer != "" {
		line += " " + goVer
	}
	return line
}

// flagSets holds the flag set each command made last, by command name, so
// that its --help lists every flag and a test can hold every command's
// help to its flags.
var flagSets = map[string]*flag.FlagSet{}

// newFlagSet makes a command's flag set: errors are returned, not printed
// (each command says them in one line of its own).
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	flagSets[name] = fs
	return fs
}

// printHelp prints a command's usage line(s) and its flags on stdout and
// returns exit code 0: asking for help is not an error.
func printHelp(name, usage string) int {
	fmt.Println(usage)
	if fs := flagSets[name]; fs != nil {
		fmt.Println()
		fs.SetOutput(os.Stdout)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	return 0
}

// helpLang is the language of a help text: the --lang given if it is
// valid, else English (the help is printed before --lang is checked).
func helpLang(lang string) string {
	if assets.ValidLang(lang) {
		return lang
	}
	return "en"
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
	fmt.Println("every command takes --lang en|ko (default from LANG), before or after its name")
	fmt.Println("nettutor help COMMAND or nettutor COMMAND --help: its flags; nettutor --version: the version")
}

package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/nettutor/nettutor/assets"
	"github.com/nettutor/nettutor/engine/preflight"
	"github.com/nettutor/nettutor/engine/sandbox"
	"github.com/nettutor/nettutor/lessons"
)

func init() {
	register("preflight", "check what the labs need on this machine, changing nothing (--json); exit 0 ready, 1 degraded, 2 unusable", cmdPreflight)
}

// preflightSystem is the machine preflight asks (a test hook).
var preflightSystem preflight.System = preflight.Real{}

// notRunHere is one lesson part that will not run on this machine.
type notRunHere struct {
	Lesson string `json:"lesson"`
	Steps  []int  `json:"steps,omitempty"` // empty: the whole lesson (or, with exercises, its exercises)
	Need   string `json:"need"`
	// Exercises: the lesson's exercises, which need a lab shell's tools.
	Exercises bool `json:"exercises,omitempty"`
}

// preflightJSON is what --json prints.
type preflightJSON struct {
	*preflight.Result
	NotRun []notRunHere `json:"not_run,omitempty"`
	Line   string       `json:"line"`
}

func cmdPreflight(args []string) int {
	fs := newFlagSet("preflight")
	lang := langFlag(fs)
	asJSON := fs.Bool("json", false, "print the checks as one JSON object")
	rest, err := parseAnywhere(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return printHelp("preflight", assets.T(helpLang(*lang), "preflight.usage"))
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "nettutor preflight: %v\n", err)
		return 2
	}
	if err := checkLang(*lang); err != nil {
		fmt.Fprintln(os.Stderr, "nettutor preflight:", err)
		return 2
	}
	if len(rest) > 0 {
		fmt.Fprintf(os.Stderr, "nettutor preflight: %s\n", assets.Tf(*lang, "cli.extra_arg", rest[0]))
		return 2
	}
	r := preflight.Run(preflightSystem)
	nr := notRunFor(r.Lacks)
	line := verdictLine(*lang, r, nr)
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(preflightJSON{Result: r, NotRun: nr, Line: line})
		return int(r.Verdict)
	}
	printPreflight(os.Stdout, *lang, r, nr, line)
	return int(r.Verdict)
}

// notRunFor lists, for each lacking need, the built-in lessons and steps
// that name it in `needs:`.
func notRunFor(lacks []string) []notRunHere {
	if len(lacks) == 0 {
		return nil
	}
	all, err := lessons.Builtin()
	if err != nil {
		return nil
	}
	var out []notRunHere
	for _, need := range lacks {
		for _, l := range all {
			if need == "shell" {
				if len(l.Exercises) > 0 {
					out = append(out, notRunHere{Lesson: l.ID, Need: need, Exercises: true})
				}
				continue
			}
			if contains(l.Needs, need) {
				out = append(out, notRunHere{Lesson: l.ID, Need: need})
				continue
			}
			var steps []int
			for i, st := range l.Steps {
				if contains(st.Needs, need) {
					steps = append(steps, i+1)
				}
			}
			if len(steps) > 0 {
				out = append(out, notRunHere{Lesson: l.ID, Steps: steps, Need: need})
			}
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// partText is one not-run part in words: "userns step 5,8", "veth".
func partText(lang string, n notRunHere) string {
	switch {
	case n.Exercises:
		return n.Lesson + " " + assets.T(lang, "preflight.exercises")
	case len(n.Steps) > 0:
		s := make([]string, len(n.Steps))
		for i, x := range n.Steps {
			s[i] = strconv.Itoa(x)
		}
		return n.Lesson + " " + assets.Tf(lang, "preflight.steps", strings.Join(s, ","))
	}
	return n.Lesson
}

// verdictLine is preflight's one line: the verdict, and what is missing
// with the first fix.
func verdictLine(lang string, r *preflight.Result, nr []notRunHere) string {
	who := assets.T(lang, "preflight.rootless")
	if r.Root {
		who = assets.T(lang, "preflight.as_root")
	}
	switch r.Verdict {
	case preflight.Ready:
		return assets.Tf(lang, "preflight.verdict.ready", who)
	case preflight.Degraded:
		var parts, missing []string
		for _, n := range nr {
			parts = append(parts, partText(lang, n))
		}
		if len(parts) == 0 { // no built-in lesson names it: steps of one's own lessons
			parts = []string{assets.Tf(lang, "preflight.steps_with_needs", strings.Join(r.Lacks, ", "))}
		}
		for _, c := range r.Failed() {
			if !c.Advisory {
				missing = append(missing, c.ID)
			}
		}
		return assets.Tf(lang, "preflight.verdict.degraded", who, strings.Join(parts, ", "), strings.Join(missing, ", "))
	}
	var why []string
	for _, c := range r.Failed() {
		if !c.Fatal {
			continue
		}
		s := c.ID
		if c.Seen != "" {
			s += " (" + c.Seen + ")"
		}
		if len(c.Fixes) > 0 {
			s += ": " + assets.Tf(lang, "preflight.fix", c.Fixes[0].Env, c.Fixes[0].Setting)
		}
		why = append(why, s)
	}
	return assets.Tf(lang, "preflight.verdict.unusable", who, strings.Join(why, "; "))
}

// printPreflight writes the text report: the verdict line first, then
// every check with what was seen and each fix, then what will not run.
func printPreflight(w io.Writer, lang string, r *preflight.Result, nr []notRunHere, line string) {
	fmt.Fprintln(w, line)
	for _, c := range r.Checks {
		mark, state := "✓", assets.T(lang, "preflight.ok")
		if !c.OK {
			mark, state = "✗", assets.T(lang, "preflight.missing")
			if c.Advisory {
				mark, state = "!", assets.T(lang, "preflight.advisory")
			}
		}
		fmt.Fprintf(w, "  %s %-22s %s", mark, c.ID, state)
		if c.Seen != "" {
			fmt.Fprintf(w, ": %s", c.Seen)
		}
		fmt.Fprintln(w)
		for _, f := range c.Fixes {
			fmt.Fprintf(w, "      %s\n", assets.Tf(lang, "preflight.fix", f.Env, f.Setting))
		}
	}
	if len(nr) > 0 {
		fmt.Fprintln(w, assets.T(lang, "preflight.not_run"))
		for _, n := range nr {
			fmt.Fprintf(w, "  %s (%s)\n", partText(lang, n), assets.Tf(lang, "preflight.needs", n.Need))
		}
	}
}

// preflightStartup is the one line the TUI and serve print at start when
// something is missing ("" when ready). Only the process outside the
// sandbox asks: the re-executed child would ask again.
func preflightStartup(lang string) string {
	if os.Getenv(sandbox.EnvMarker) != "" || sandbox.Inside() {
		return ""
	}
	return startupLine(preflight.Run(preflightSystem), lang)
}

// startupLine is preflightStartup's line for r ("" when ready).
func startupLine(r *preflight.Result, lang string) string {
	if r.Verdict == preflight.Ready {
		return ""
	}
	return assets.Tf(lang, "preflight.startup", verdictLine(lang, r, notRunFor(r.Lacks)))
}

package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/nettutor/nettutor/assets"
	"github.com/nettutor/nettutor/lessons"
)

func init() {
	register("list", "list the lessons and their exercises (--json)", cmdList)
}

// listEntry is one lesson in `nettutor list --json`.
type listEntry struct {
	ID        string          `json:"id"`
	Title     string          `json:"title"`
	Summary   string          `json:"summary"`
	Steps     int             `json:"steps"`
	Needs     []string        `json:"needs"`
	Exercises []listExercises `json:"exercises"`
}

type listExercises struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

func cmdList(args []string) int {
	fs := newFlagSet("list")
	asJSON := fs.Bool("json", false, "print JSON")
	lang := langFlag(fs)
	pos, code, done := parseCommand("list", "list.usage", fs, lang, args)
	if done {
		return code
	}
	if len(pos) > 0 {
		return badInput("list", assets.Tf(*lang, "cli.extra_arg", pos[0]))
	}
	ls, err := lessons.Builtin()
	if err != nil {
		fmt.Fprintf(os.Stderr, "nettutor list: %v\n", firstLine(err))
		return 1
	}
	entries := make([]listEntry, 0, len(ls))
	for _, l := range ls {
		e := listEntry{ID: l.ID, Title: l.Title.Get(*lang), Summary: l.Summary.Get(*lang), Steps: len(l.Steps),
			Needs: append([]string{}, l.Needs...), Exercises: []listExercises{}}
		for _, x := range l.Exercises {
			e.Exercises = append(e.Exercises, listExercises{ID: x.FullID(), Title: x.Title.Get(*lang)})
		}
		entries = append(entries, e)
	}
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(entries); err != nil {
			fmt.Fprintf(os.Stderr, "nettutor list: %v\n", err)
			return 1
		}
		return 0
	}
	for i, e := range entries {
		if i > 0 {
			fmt.Println()
		}
		fmt.Printf("%-16s %s\n", e.ID, e.Title)
		fmt.Printf("%-16s %s\n", "", e.Summary)
		var ex []string
		for _, x := range e.Exercises {
			ex = append(ex, x.ID)
		}
		if len(ex) == 0 {
			ex = []string{assets.T(*lang, "cli.none")}
		}
		fmt.Printf("%-16s %s %s\n", "", assets.Tf(*lang, "list.steps", e.Steps)+" ·", assets.T(*lang, "list.exercises")+" "+strings.Join(ex, ", "))
	}
	return 0
}

// badInput prints one line for bad input and returns exit code 2.
func badInput(cmd, msg string) int {
	fmt.Fprintf(os.Stderr, "nettutor %s: %s\n", cmd, msg)
	return 2
}

// firstLine shortens a multi-line error (an ErrorList) to its first line
// and a count of the others, so that bad input is always one line.
func firstLine(err error) string {
	var el lessons.ErrorList
	if errors.As(err, &el) && len(el) > 1 {
		return el[0].Error() + " " + assets.Tf("en", "cli.and_more", len(el)-1, el[0].File)
	}
	s := strings.TrimSpace(err.Error())
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

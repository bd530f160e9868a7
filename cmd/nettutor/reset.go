package main

import (
	"fmt"
	"os"

	"github.com/nettutor/nettutor/assets"
	"github.com/nettutor/nettutor/lessons"
	"github.com/nettutor/nettutor/tui"
)

func init() {
	register("reset", "forget the progress of one lesson, or of every lesson", cmdReset)
}

// cmdReset is `nettutor reset [LESSON]`: the picker's r and R keys from a
// shell. A lesson is known when it is built in or has progress (a lesson
// file of the learner's own); an unknown one is bad input (exit 2), so a
// typo never passes for "nothing to reset".
func cmdReset(args []string) int {
	fs := newFlagSet("reset")
	lang := langFlag(fs)
	pos, code, done := parseCommand("reset", "reset.usage", fs, lang, args)
	if done {
		return code
	}
	if len(pos) > 1 {
		return badInput("reset", assets.Tf(*lang, "cli.extra_arg", pos[1]))
	}
	p := tui.LoadProgress(tui.ProgressPath())
	if len(pos) == 0 {
		n := p.ResetAll()
		if err := p.Save(); err != nil {
			fmt.Fprintf(os.Stderr, "nettutor reset: %v\n", err)
			return 1
		}
		fmt.Println(assets.Tf(*lang, "reset.all", n, p.Path))
		return 0
	}
	id := pos[0]
	if _, known := p.Lessons[id]; !known {
		if _, err := lessons.Find(id); err != nil {
			return badInput("reset", assets.Tf(*lang, "reset.unknown", id))
		}
	}
	if !p.Reset(id) {
		fmt.Println(assets.Tf(*lang, "reset.none", id))
		return 0
	}
	if err := p.Save(); err != nil {
		fmt.Fprintf(os.Stderr, "nettutor reset: %v\n", err)
		return 1
	}
	fmt.Println(assets.Tf(*lang, "reset.one", id, p.Path))
	return 0
}

package main

import (
	"fmt"
	"os"

	"github.com/nettutor/nettutor/assets"
	"github.com/nettutor/nettutor/lessons"
)

func init() {
	register("export", "print a bash script of every command a lesson shows", cmdExport)
}

func cmdExport(args []string) int {
	fs := newFlagSet("export")
	lang := langFlag(fs)
	pos, code, done := parseCommand("export", "export.usage", fs, lang, args)
	if done {
		return code
	}
	if len(pos) != 1 {
		return badInput("export", assets.T(*lang, "export.usage"))
	}
	l, err := lessons.Resolve(pos[0])
	if err != nil {
		return badInput("export", firstLine(err))
	}
	fmt.Fprint(os.Stdout, lessons.Script(l))
	return 0
}

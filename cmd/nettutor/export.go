package main

import (
	"errors"
	"flag"
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
	pos, err := parseAnywhere(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return printHelp("export", assets.T(helpLang(*lang), "export.usage"))
	}
	if err != nil {
		return badInput("export", err.Error())
	}
	if err := checkLang(*lang); err != nil {
		return badInput("export", err.Error())
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

package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/nettutor/nettutor/assets"
	"github.com/nettutor/nettutor/engine"
	"github.com/nettutor/nettutor/engine/sandbox"
)

func init() {
	register("inspect", "read-only view of your own namespaces (--json for the snapshot)", cmdInspect)
}

// cmdInspect reads the caller's own namespaces; it never enters the sandbox
// and never changes anything, so a learner who built RED/BLUE by hand sees
// what they built.
func cmdInspect(args []string) int {
	fs := newFlagSet("inspect")
	asJSON := fs.Bool("json", false, "print the snapshot as JSON")
	lang := langFlag(fs)
	pos, err := parseAnywhere(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return printHelp("inspect", assets.T(helpLang(*lang), "inspect.usage"))
	}
	if err != nil {
		return badInput("inspect", err.Error())
	}
	if len(pos) > 0 {
		return badInput("inspect", assets.Tf(helpLang(*lang), "cli.extra_arg", pos[0]))
	}
	if err := checkLang(*lang); err != nil {
		fmt.Fprintln(os.Stderr, "nettutor inspect:", err)
		return 2
	}
	snap, err := engine.Inspect(sandbox.NetnsDir)
	if err != nil {
		fmt.Fprintf(os.Stderr, "nettutor inspect: %v\n", err)
		return 1
	}
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(snap); err != nil {
			fmt.Fprintf(os.Stderr, "nettutor inspect: %v\n", err)
			return 1
		}
		return 0
	}
	fmt.Print(snap.Text())
	return 0
}

package main

import (
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
	format := fs.String("format", "text", "output `FORM`: text, json (as --json), mermaid (a flowchart) or dot (Graphviz)")
	lang := langFlag(fs)
	var nodes nodeFlag
	fs.Var(&nodes, "node", "`NODE=POD,POD`: draw NODE as a cluster node holding those pods (repeat per node)")
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
	if err := checkFormat(*lang, *format); err != nil {
		return badInput("inspect", err.Error())
	}
	if *asJSON {
		if *format != "text" && *format != "json" {
			return badInput("inspect", assets.Tf(*lang, "inspect.json_and_format", *format))
		}
		*format = "json"
	}
	snap, err := engine.Inspect(sandbox.NetnsDir)
	if err != nil {
		fmt.Fprintf(os.Stderr, "nettutor inspect: %v\n", err)
		return 1
	}
	roles, err := nodes.roles(snap, *lang)
	if err != nil {
		return badInput("inspect", err.Error())
	}
	if err := renderSnapshot(os.Stdout, snap, *format, roles, *lang); err != nil {
		fmt.Fprintf(os.Stderr, "nettutor inspect: %v\n", err)
		return 1
	}
	return 0
}

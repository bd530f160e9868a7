package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/nettutor/nettutor/assets"
	"github.com/nettutor/nettutor/engine"
	"github.com/nettutor/nettutor/engine/sandbox"
)

func init() {
	register("baseline", "build, read back and tear down the reference lab (RED, BLUE, OUTSIDE behind br0 and NAT) in the sandbox (benchmarks, tests)", cmdBaseline)
}

// cmdBaseline does what shared/bench/ip-baseline.sh does, through the
// engine: build, read back, tear down. The topology is compiled in
// (engine.BaselineActions), so it needs nothing beside the binary. It exists
// so that the engine can be timed as a whole process against the script,
// and so that tests can kill nettutor while it holds a full lab (--hold).
func cmdBaseline(args []string) int {
	fs := newFlagSet("baseline")
	hold := fs.Bool("hold", false, "after building, print 'ready' and wait to be killed")
	count := fs.Int("count", 1, "build, read back and tear down this many times, printing timings")
	lang := langFlag(fs)
	pos, err := parseAnywhere(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return printHelp("baseline", assets.T(helpLang(*lang), "baseline.usage"))
	}
	if err != nil {
		return badInput("baseline", err.Error()+" ("+assets.T(helpLang(*lang), "baseline.usage")+")")
	}
	if err := checkLang(*lang); err != nil {
		return badInput("baseline", err.Error())
	}
	if len(pos) > 0 {
		return badInput("baseline", assets.Tf(*lang, "cli.extra_arg", pos[0]))
	}
	if *count < 1 {
		return badInput("baseline", assets.Tf(*lang, "baseline.bad_count", *count))
	}
	if err := sandbox.Enter(); err != nil {
		fmt.Fprint(os.Stderr, sandbox.Hint(err))
		return sandbox.ExitUnavailable
	}
	ctx := context.Background()
	for i := 0; i < *count; i++ {
		t0 := time.Now()
		lab, err := engine.New()
		if err != nil {
			fmt.Fprintln(os.Stderr, "nettutor baseline:", err)
			return 1
		}
		if err := lab.ApplyAll(ctx, engine.BaselineActions()); err != nil {
			fmt.Fprintln(os.Stderr, "nettutor baseline:", err)
			return 1
		}
		t1 := time.Now()
		if *hold {
			fmt.Println("ready")
			select {}
		}
		snap, err := lab.Snapshot()
		if err != nil {
			fmt.Fprintln(os.Stderr, "nettutor baseline:", err)
			return 1
		}
		t2 := time.Now()
		lab.Close()
		t3 := time.Now()
		if *count > 1 {
			fmt.Printf("build %.2f ms  read %.2f ms  teardown %.2f ms\n", ms(t1.Sub(t0)), ms(t2.Sub(t1)), ms(t3.Sub(t2)))
			continue
		}
		// One run says what it built, read back from the kernel, so that
		// a silent success cannot be mistaken for nothing having happened.
		links, rules := 0, 0
		for _, ns := range snap.Namespaces {
			links += len(ns.Links)
			rules += len(ns.Rules)
		}
		fmt.Println(assets.Tf(*lang, "baseline.done", len(snap.Namespaces), links, rules, ms(t1.Sub(t0)), ms(t2.Sub(t1)), ms(t3.Sub(t2))))
	}
	return 0
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/nettutor/nettutor/engine"
	"github.com/nettutor/nettutor/engine/sandbox"
)

func init() {
	register("baseline", "build the topology of shared/bench/ip-baseline.sh in the sandbox (benchmarks, tests)", cmdBaseline)
}

// cmdBaseline does what shared/bench/ip-baseline.sh does, through the
// engine: build, read back, tear down. It exists so that the engine can be
// timed as a whole process against the script, and so that tests can kill
// nettutor while it holds a full lab (--hold).
func cmdBaseline(args []string) int {
	fs := flag.NewFlagSet("baseline", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	hold := fs.Bool("hold", false, "after building, print 'ready' and wait to be killed")
	count := fs.Int("count", 1, "build, read back and tear down this many times, printing timings")
	if err := fs.Parse(args); err != nil || *count < 1 {
		fmt.Fprintln(os.Stderr, "nettutor baseline: usage: nettutor baseline [--hold] [--count N]")
		return 2
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
		if _, err := lab.Snapshot(); err != nil {
			fmt.Fprintln(os.Stderr, "nettutor baseline:", err)
			return 1
		}
		t2 := time.Now()
		lab.Close()
		t3 := time.Now()
		if *count > 1 {
			fmt.Printf("build %.2f ms  read %.2f ms  teardown %.2f ms\n", ms(t1.Sub(t0)), ms(t2.Sub(t1)), ms(t3.Sub(t2)))
		}
	}
	return 0
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

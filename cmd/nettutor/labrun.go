package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/nettutor/nettutor/assets"
	"github.com/nettutor/nettutor/engine"
	"github.com/nettutor/nettutor/engine/confine"
	"github.com/nettutor/nettutor/engine/sandbox"
	"github.com/nettutor/nettutor/lessons"
)

func init() {
	register("sandbox", "run a bash script in a fresh lab sandbox and show what it built", cmdSandbox)
}

// cmdSandbox runs a script (or an interactive shell) with bash in the host
// namespace of a fresh lab, then prints the lab's snapshot. With the script
// of `nettutor export`, it is how the exported commands are held to what
// the engine built.
func cmdSandbox(args []string) int {
	fs := newFlagSet("sandbox")
	stateJSON := fs.String("state-json", "", "write the final snapshot as JSON to this file")
	quiet := fs.Bool("quiet", false, "do not print the snapshot")
	markdown := fs.Bool("markdown", false, "print a study note instead of the snapshot: the script, what it printed, the topology as a Mermaid flowchart")
	timeout := fs.Duration("timeout", time.Minute, "kill the script after this long")
	limits := addLimitFlags(fs)
	lang := langFlag(fs)
	// Flags may follow the script (nettutor sandbox x.sh --quiet); the
	// script takes no arguments of its own.
	pos, err := parseAnywhere(fs, args)
	usage := assets.T(helpLang(*lang), "sandbox.usage")
	if errors.Is(err, flag.ErrHelp) {
		return printHelp("sandbox", usage)
	}
	if err == nil && len(pos) > 1 {
		err = fmt.Errorf("one script at most, got %d (%s)", len(pos), strings.Join(pos, " "))
	}
	if err == nil {
		err = checkLang(*lang)
	}
	if err == nil {
		err = limits.apply()
	}
	if err != nil {
		return badInput("sandbox", err.Error())
	}
	script := ""
	if len(pos) == 1 {
		script = pos[0]
	}
	if *markdown && script == "" {
		return badInput("sandbox", assets.T(*lang, "sandbox.markdown_needs_script"))
	}
	if script != "" {
		// Refused before the sandbox: a FIFO, a device, a folder, a file
		// over the limit.
		if err := lessons.CheckBounded(script, lessons.MaxFileSize); err != nil {
			return badInput("sandbox", firstLine(err))
		}
	}
	if err := sandbox.Enter(); err != nil {
		fmt.Fprint(os.Stderr, sandbox.Hint(err))
		return sandbox.ExitUnavailable
	}
	lab, err := engine.New()
	if err != nil {
		fmt.Fprintln(os.Stderr, "nettutor sandbox:", err)
		return 1
	}
	defer lab.Close()
	code := 0
	var cmd = lab.Shell(engine.HostNS)
	if script != "" {
		// The script runs confined, where no path of the machine's exists:
		// a copy of it goes into the lab first.
		b, err := lessons.ReadBounded(script, lessons.MaxFileSize)
		if err != nil {
			fmt.Fprintln(os.Stderr, "nettutor sandbox:", err)
			return 2
		}
		const inLab = confine.LabWorkDir + "/script.sh"
		if err := lab.Keeper().WriteFile(inLab, b, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "nettutor sandbox:", err)
			return 1
		}
		cmd = lab.Job(engine.HostNS, "bash", inLab)
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	var printed strings.Builder // what the script printed, for the note
	if *markdown {
		cmd.Stdout, cmd.Stderr = &printed, &printed
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "nettutor sandbox:", err)
		return 1
	}
	go func() { <-ctx.Done(); _ = cmd.Process.Kill() }()
	if err := cmd.Wait(); err != nil {
		if sandbox.Stopping() {
			sandbox.Exit(1) // the stop prints its line and exits
		}
		fmt.Fprintf(os.Stderr, "nettutor sandbox: script: %v\n", err)
		code = 1
	}
	snap, err := lab.Snapshot()
	if err != nil {
		fmt.Fprintln(os.Stderr, "nettutor sandbox:", err)
		return 1
	}
	if *stateJSON != "" {
		b, _ := json.MarshalIndent(snap, "", "  ")
		if err := os.WriteFile(*stateJSON, append(b, '\n'), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "nettutor sandbox:", err)
			return 1
		}
	}
	if *markdown {
		if err := sandboxNote(os.Stdout, *lang, script, printed.String(), snap); err != nil {
			fmt.Fprintln(os.Stderr, "nettutor sandbox:", err)
			return 1
		}
		return code
	}
	if !*quiet {
		fmt.Print(snap.Text())
	}
	return code
}

package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/nettutor/nettutor/assets"
	"github.com/nettutor/nettutor/lessons/grading"
)

// checkShard grades a.shard's slice of files as a class run does (each
// answer in a child grader of its own) and writes the shard output on
// stdout: a header with the whole class list, one report per answer, and
// the end line, all written here, never by an answer.
func checkShard(a *checkArgs, exercise string, files []string) int {
	slice := a.shard.Slice(files)
	sw := grading.NewShardWriter(os.Stdout, exercise, *a.shard, files)
	if len(slice) == 0 {
		sw.Close()
		return 0
	}
	a.json, a.sink = true, sw.Report
	code := checkClass(a, slice)
	if code > 2 { // stopped by a signal: no end line, merge says the shard was cut short
		return code
	}
	sw.Close()
	return code
}

// isMerge reports whether the check arguments are `check merge ...`: the
// first argument that is not a --lang flag (dispatch puts those first).
func isMerge(args []string) bool {
	for _, a := range args {
		if strings.HasPrefix(a, "--lang=") || strings.HasPrefix(a, "-lang=") {
			continue
		}
		return a == "merge"
	}
	return false
}

// cmdCheckMerge is `nettutor check merge [--json|--csv] SHARD...`: the
// shards of one class joined into one report, exactly: every answer once,
// in class order; an answer no shard graded, a repeated one, a shard
// missing, cut short or of another class is an error, kept in the report,
// and makes the exit code 2.
func cmdCheckMerge(args []string) int {
	fs := newFlagSet("check merge")
	lang := langFlag(fs)
	asJSON := fs.Bool("json", false, "print the merged report as one JSON object")
	asCSV := fs.Bool("csv", false, "print a gradebook: answer,passed,checks_passed,checks_total,error")
	var rest []string
	for i, a := range args {
		if a == "merge" {
			rest = append(append(rest, args[:i]...), args[i+1:]...)
			break
		}
	}
	paths, err := parseAnywhere(fs, rest)
	if errors.Is(err, flag.ErrHelp) {
		return printHelp("check merge", assets.T(helpLang(*lang), "check.merge_usage"))
	}
	if err == nil {
		err = checkLang(*lang)
	}
	if err == nil && *asJSON && *asCSV {
		err = errors.New("--json and --csv: give one")
	}
	if err == nil && len(paths) == 0 {
		err = errors.New(assets.T(helpLang(*lang), "check.merge_usage"))
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "nettutor check merge: "+oneLine(err.Error()))
		return 2
	}
	m := grading.MergeShards(paths)
	switch {
	case *asJSON:
		enc := json.NewEncoder(os.Stdout)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(m)
	case *asCSV:
		if err := m.WriteCSV(os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "nettutor check merge: "+err.Error())
			return 2
		}
	default:
		results := m.MergedResults()
		nameW := 0
		for _, r := range results {
			nameW = max(nameW, grading.TextWidth(grading.DisplayPath(r.File)))
		}
		for _, r := range results {
			grading.PrintClassLine(os.Stdout, r, *lang, nameW)
		}
		fmt.Fprintln(os.Stdout)
		grading.PrintClassTable(os.Stdout, results, *lang)
		fmt.Fprintln(os.Stdout)
		fmt.Fprintln(os.Stdout, assets.Tf(*lang, "check.merge_result", m.Passed, len(m.Answers), m.Shards))
	}
	for _, e := range m.Errors {
		fmt.Fprintln(os.Stderr, "nettutor check merge: "+grading.Clean(e))
	}
	return m.Code()
}

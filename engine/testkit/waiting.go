package testkit

import (
	"flag"
	"strconv"
)

// WaitingParallel is how many cases of a test run at once (RunEach) when
// each case drives a sandbox of its own and runs no lesson: a trace with
// its oracle (test/trace*_test.go). Such a case mostly waits (a capture
// started before a probe, a ping's or nc's timeout for an answer that
// never comes), and its timing-bound parts wait on a condition (tcpdump's
// "listening on"), not a fixed pause. Two at once (Parallel) left the
// cores idle through most of those waits; four keep them busy. Each case's
// lab is its own (namespaces, /tmp, trace table), so a case beside others
// reads nothing they change.
const WaitingParallel = 4

// SetParallel sets -test.parallel to n unless the command line set it, so
// that `go test ./...` runs a package's t.Parallel tests n at a time while
// `-parallel 1` still runs them one by one (to chase a flake). Call it
// from TestMain before m.Run; it parses the command line, as m.Run would.
// Only a package whose t.Parallel tests drive no lab should raise it (tui:
// tests over the fake backend, which mostly wait for the model to fall
// quiet); lesson runs stay at Parallel.
func SetParallel(n int) {
	if !flag.Parsed() {
		flag.Parse()
	}
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == "test.parallel" })
	if !given {
		_ = flag.Set("test.parallel", strconv.Itoa(n))
	}
}

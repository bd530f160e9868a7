package testkit

import (
	"flag"
	"strconv"
)

// WaitingParallel is how many t.Parallel tests (or subtests) a package
// whose parallel tests each drive a sandbox of their own runs at once.
// Such a test mostly waits: a capture started before a probe, a ping's or
// nc's timeout for an answer that never comes, a pause for a capture to
// fall quiet. go test's default (-test.parallel = GOMAXPROCS, 2 on the CI
// machine) left one of the two cores idle through most of those waits.
// Four at once keep both cores busy; each case's lab is its own (own
// namespaces, own /tmp), so running beside others changes nothing it reads.
const WaitingParallel = 4

// SetParallel sets -test.parallel to n unless the command line set it, so
// that `go test ./...` runs a package's waiting tests n at a time while
// `-parallel 1` still serialises them (to chase a flake). Call it from
// TestMain before m.Run; it parses the command line (m.Run would).
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

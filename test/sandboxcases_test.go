package test

import (
	"testing"

	"github.com/nettutor/nettutor/engine/testkit"
)

// eachSandboxCase runs case i of n (0 <= i < n) for every lab shell user
// (labShellUsers: as is, and as the plain user when root) as the subtest
// "who/name(i)", testkit.WaitingParallel at a time, and returns when all
// are done. Each case builds a sandbox of its own (its lab, its /tmp, its
// trace table) and mostly waits: a capture started before a probe, a
// ping's or nc's timeout for an answer that never comes. The lesson runs
// of this package stay at go test's -parallel (two): their timing-bound
// checks are what more at once made fail on a loaded machine.
func eachSandboxCase(t *testing.T, n int, name func(i int) string, run func(t *testing.T, who string, i int)) {
	t.Helper()
	type sandboxCase struct {
		who string
		i   int
	}
	var cases []sandboxCase
	for _, who := range labShellUsers(t) {
		for i := range n {
			cases = append(cases, sandboxCase{who, i})
		}
	}
	testkit.RunEach(t, testkit.WaitingParallel, cases, func(c sandboxCase) string { return c.who + "/" + name(c.i) },
		func(_ int, t *testing.T, c sandboxCase) { run(t, c.who, c.i) })
}

package testkit

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

package lessons

// Tests for the nat lesson's conntrack steps. What the steps claim is held
// against the kernel's own table, read from /proc/net/nf_conntrack (not
// through the conntrack tool the steps show), against the packets the
// capture on OUTSIDE saw, and against the rule's counters. They run as root
// and rootless (CI).

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/nettutor/nettutor/engine"
)

// udpReplyDst returns the destination of the reply tuple of the lab host's
// conntrack entry for the UDP flow from 11.11.11.2:40000, as
// /proc/net/nf_conntrack lists it ("" when there is none).
func udpReplyDst(t *testing.T, lab *engine.Lab) string {
	t.Helper()
	out, err := lab.Job(engine.HostNS, "cat", "/proc/net/nf_conntrack").CombinedOutput()
	if err != nil {
		t.Fatalf("cat /proc/net/nf_conntrack: %v\n%s", err, out)
	}
	re := regexp.MustCompile(`udp +17 .*src=11\.11\.11\.2 dst=203\.0\.113\.2 sport=40000 dport=5000 .*src=203\.0\.113\.2 dst=(\S+) sport=5000 dport=40000`)
	var dst string
	for _, line := range strings.Split(string(out), "\n") {
		if m := re.FindStringSubmatch(line); m != nil {
			if dst != "" {
				t.Fatalf("two entries for the flow:\n%s", out)
			}
			dst = m[1]
		}
	}
	return dst
}

// udpSources lists the sources of the UDP packets to 203.0.113.2:5000 that
// OUTSIDE's eth0 saw during a step.
func udpSources(res *StepResult) []string {
	var src []string
	for _, p := range res.Packets {
		if p.Point == "OUTSIDE/eth0" && p.Proto == "UDP" && p.Dst == "203.0.113.2" {
			src = append(src, p.Src)
		}
	}
	return src
}

// masqPackets reads the MASQUERADE rule's packet counter from the output of
// `iptables -t nat -nvL POSTROUTING`.
func masqPackets(t *testing.T, out string) int {
	t.Helper()
	m := regexp.MustCompile(`(?m)^\s*(\d+)\s+\d+\s+MASQUERADE\s`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no MASQUERADE counter in:\n%s", out)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// TestPreRuleFlowKeepsItsEntry: a UDP flow that started before the
// MASQUERADE rule keeps its un-NATed entry (reply to 11.11.11.2) and leaves
// untranslated after the rule exists, although the rule counts it; once its
// entry is deleted, the next datagram of the same 5-tuple is a new flow,
// NATed to 203.0.113.1. The ping of three echoes moves the counter by one.
func TestPreRuleFlowKeepsItsEntry(t *testing.T) {
	t.Parallel() // labs of its own that mostly wait on probes: see parallel_test.go
	lab := newLab(t)
	l, err := Find("nat")
	if err != nil {
		t.Fatal(err)
	}
	r := NewRunner(lab, l, Options{})
	defer r.Close()
	ctx := context.Background()
	seen := map[string]bool{}
	var counter int // the MASQUERADE counter at the end of the conntrack step
	for !r.Done() {
		res, err := r.RunNext(ctx)
		if err != nil || !res.OK() {
			t.Fatalf("nat step %d (%s): %v\n%s", r.Next(), res.Step.ID, err, failures(res))
		}
		id := res.Step.ID
		seen[id] = true
		switch id {
		case "flow-before":
			if got := udpReplyDst(t, lab); got != "11.11.11.2" {
				t.Errorf("before the rule: the flow's reply goes to %q, want 11.11.11.2 (no NAT)", got)
			}
			if got := udpSources(res); len(got) != 1 || got[0] != "11.11.11.2" {
				t.Errorf("before the rule OUTSIDE saw UDP from %v, want [11.11.11.2]", got)
			}
		case "masquerade":
			if got := udpReplyDst(t, lab); got != "11.11.11.2" {
				t.Errorf("adding the rule changed the old entry: reply to %q", got)
			}
		case "conntrack":
			before := masqPackets(t, res.Actions[0].Output)
			counter = masqPackets(t, res.Actions[2].Output)
			if counter != before+1 {
				t.Errorf("a ping of 3 echoes moved the MASQUERADE counter from %d to %d, want +1", before, counter)
			}
		case "old-flow":
			if got := udpReplyDst(t, lab); got != "11.11.11.2" {
				t.Errorf("after the rule, the old flow's reply goes to %q, want 11.11.11.2", got)
			}
			if got := udpSources(res); len(got) != 1 || got[0] != "11.11.11.2" {
				t.Errorf("after the rule OUTSIDE saw the old flow's UDP from %v, want [11.11.11.2] (untranslated)", got)
			}
			if got := masqPackets(t, res.Actions[1].Output); got != counter+1 {
				t.Errorf("the old flow's NEW packet moved the counter from %d to %d, want +1 (matched, not rewritten)", counter, got)
			}
		case "flush":
			if got := udpReplyDst(t, lab); got != "203.0.113.1" {
				t.Errorf("after conntrack -D, the new flow's reply goes to %q, want 203.0.113.1 (NATed)", got)
			}
			if got := udpSources(res); len(got) != 1 || got[0] != "203.0.113.1" {
				t.Errorf("after conntrack -D OUTSIDE saw UDP from %v, want [203.0.113.1]", got)
			}
		}
	}
	for _, id := range []string{"flow-before", "masquerade", "conntrack", "old-flow", "flush"} {
		if !seen[id] {
			t.Errorf("nat has no step %q", id)
		}
	}
}

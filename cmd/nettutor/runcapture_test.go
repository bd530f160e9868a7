package main

import (
	"strings"
	"testing"
)

// TestRunPlainSetsNotesApart: in `run --plain`, a command's output block
// (indented four spaces) holds only what the command printed: ping's block
// ends with its rtt line and nc's with its own error, and the tutor's
// journey and "as expected" lines follow as "  # " comments. A step that
// starts a capture point shows the tcpdump command that watches it. The
// published-port journey of docker-networks follows Docker's DNAT in the
// host's nat PREROUTING on to WEB, and is delivered there, not to the host.
func TestRunPlainSetsNotesApart(t *testing.T) {
	r := runCLI(t, nil, "run", "docker-networks", "--plain")
	needLab(t, r)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	out := r.stdout
	for _, want := range []string{
		"    rtt min/avg/max/mdev = ",
		"\n  # journey APP -> 172.17.0.2 (icmp, ",
		"    nc: connect to 203.0.113.1 port 8080 (tcp) failed: Connection refused\n  # as expected: ",
		"capture: $ ip netns exec WEB tcpdump -ni eth0 'tcp port 80'\n",
		"capture: $ ip netns exec OUTSIDE tcpdump -ni eth0 'tcp port 8080'\n",
		"  #   host/docker0 out 203.0.113.2 -> 172.17.0.2  DNAT 203.0.113.1 → 172.17.0.2 (nat PREROUTING)\n",
		"  #   WEB/eth0 in 203.0.113.2 -> 172.17.0.2  delivered\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("transcript lacks %q", want)
		}
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "    journey ") || strings.HasPrefix(line, "    as expected") {
			t.Errorf("a tutor's line inside a command's output: %q", line)
		}
		if strings.Contains(line, "# nft:") || strings.Contains(line, "xt match") {
			t.Errorf("the transcript shows the rule reader's own notation: %q", line)
		}
	}
	// The ping's output block ends with its statistics, then the journey.
	i := strings.Index(out, "$ ip netns exec APP ping -c 1 172.17.0.2")
	if i < 0 {
		t.Fatal("no ping of APP")
	}
	block := out[i:]
	block = block[strings.Index(block, "\n")+1:]
	var body []string
	for _, l := range strings.Split(block, "\n") {
		if !strings.HasPrefix(l, "    ") && l != "" {
			break
		}
		body = append(body, l)
	}
	if last := body[len(body)-1]; !strings.HasPrefix(last, "    rtt ") {
		t.Errorf("ping's output block ends with %q, not ping's rtt line:\n%s", last, strings.Join(body, "\n"))
	}
	ko := runCLI(t, nil, "run", "veth", "--plain", "--lang", "ko")
	if ko.code != 0 {
		t.Fatalf("ko: exit %d\n%s", ko.code, ko.stderr)
	}
	if !strings.Contains(ko.stdout, "캡처: $ ip netns exec BLUE tcpdump -ni veth1") {
		t.Errorf("the Korean veth transcript shows no capture command")
	}
}

package main

import (
	"strings"
	"testing"
)

// TestRunPlainJourney: `run nat --plain` prints under each probe the
// journey of its traffic: the MASQUERADE rewrite on the host's uplink with
// the lesson's real addresses, and where a probe stops and why (ip_forward
// off, no route back), in English and in Korean.
func TestRunPlainJourney(t *testing.T) {
	t.Parallel() // one of the package's long tests: they run side by side, each on labs of its own
	r := runCLI(t, nil, "run", "nat", "--plain")
	needLab(t, r)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{
		"  # journey RED -> 203.0.113.2 (icmp, replayed from the lab's state, nothing sent): replied\n",
		"  #   host/uplink out 203.0.113.1 -> 203.0.113.2  SNAT 11.11.11.2 → 203.0.113.1 (nat POSTROUTING)\n",
		"  #   OUTSIDE/eth0 in 203.0.113.1 -> 203.0.113.2  delivered\n",
		"  #   stop (forwarding off): 203.0.113.2 is not host's and net.ipv4.ip_forward=0 there: it was not forwarded\n",
		"  #   stop (no route back): OUTSIDE has no route back to 11.11.11.2",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("transcript lacks %q", want)
		}
	}
	if t.Failed() {
		t.Log(r.stdout)
	}
	ko := runCLI(t, nil, "run", "nat", "--plain", "--lang", "ko")
	if ko.code != 0 {
		t.Fatalf("ko: exit %d\n%s", ko.code, ko.stderr)
	}
	for _, want := range []string{
		"  # 경로 RED -> 203.0.113.2 (icmp, 랩 상태로 재현, 패킷은 보내지 않음): 응답 옴\n",
		"  #   host/uplink out 203.0.113.1 -> 203.0.113.2  SNAT 11.11.11.2 → 203.0.113.1 (nat POSTROUTING에서 소스 주소 변환)\n",
		"  #   멈춤 (포워딩 꺼짐): ",
	} {
		if !strings.Contains(ko.stdout, want) {
			t.Errorf("Korean transcript lacks %q", want)
		}
	}
}

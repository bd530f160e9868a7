package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/nettutor/nettutor/lessons"
)

// englishSentence is four or more ASCII words in a row: in a Korean
// transcript, outside commands, their output, packets and the topology
// (which quote the kernel), that is text left untranslated.
var englishSentence = regexp.MustCompile(`[A-Za-z][A-Za-z']*(?:,? [A-Za-z][A-Za-z']*){3,}`)

// quoted spans are the learner's or kernel's words (a check's "contains"
// or a banner), not nettutor's; a quote may hold escaped quotes (\"), as
// strconv.Quote writes a rule with a --comment.
var quoted = regexp.MustCompile(`"(?:[^"\\]|\\.)*"|\([^()]*-[jtAIo] [^()]*\)`)

// koreanProse returns the lines of a Korean run --plain transcript that
// nettutor's own code writes, not the lesson's author and not the kernel:
// the expectations with their failure details, the errors of failed
// actions and the closing result line. Commands, outputs, topology and
// packets quote the kernel and the tools; lesson texts quote commands.
func koreanProse(out string) []string {
	var prose []string
	inExpect := false
	for _, l := range strings.Split(out, "\n") {
		t := strings.TrimSpace(l)
		indent := len(l) - len(strings.TrimLeft(l, " "))
		switch {
		case t == "":
			inExpect = false
		case strings.HasPrefix(l, "확인 항목:"):
			inExpect = true
			prose = append(prose, l)
		case inExpect && (indent == 2 || indent == 6):
			prose = append(prose, l)
		case indent == 4 && (strings.HasPrefix(t, "오류:") || strings.HasPrefix(t, "예상대로:")):
			prose = append(prose, l)
		case indent == 0 && (strings.HasPrefix(t, "✓ 확인 항목") || strings.HasPrefix(t, "✗ 확인 항목")):
			prose = append(prose, l)
		}
	}
	return prose
}

func assertNoEnglish(t *testing.T, what, out string) {
	t.Helper()
	for _, l := range koreanProse(out) {
		if m := englishSentence.FindString(quoted.ReplaceAllString(l, `""`)); m != "" {
			t.Errorf("%s: English left under --lang ko: %q in\n    %s", what, m, l)
		}
	}
}

// TestRunKoreanEveryLesson runs every built-in lesson with --plain --lang
// ko and finds no English sentence in what nettutor itself wrote, and the
// particles Korean needs after names and addresses.
func TestRunKoreanEveryLesson(t *testing.T) {
	t.Parallel() // one of the package's long tests: they run side by side, each on labs of its own
	ls, err := lessons.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	outs := map[string]string{}
	var mu sync.Mutex // guards outs
	// A lesson per subtest, a few at once (runParallel).
	var cases []namedCase
	for _, l := range ls {
		cases = append(cases, namedCase{l.ID, func(t *testing.T) {
			r, _ := koRunWithPcaps(t, l.ID) // with --pcap: the same run as TestRunPcapHoldsOnlyTheLearnersPings's
			needLab(t, r)
			if strings.Contains(r.stderr, "goroutine") || r.code == 2 {
				t.Fatalf("%s: exit %d: %s", l.ID, r.code, r.stderr)
			}
			mu.Lock()
			outs[l.ID] = r.stdout
			mu.Unlock()
			assertNoEnglish(t, l.ID, r.stdout)
			for i, line := range strings.Split(r.stdout, "\n") {
				if strings.Contains(line, "**") || strings.Contains(line, "`") && !strings.HasPrefix(line, "    ") && !strings.Contains(line, "$ ") {
					t.Errorf("%s: raw markdown on line %d: %s", l.ID, i+1, line)
				}
			}
		}})
	}
	runParallel(t, cases)
	for _, c := range []struct{ lesson, want string }{
		{"bridge", "host: br0은 bridge 링크, up 상태"},
		{"bridge", "RED에서 11.11.11.3까지 ping이 되는지"},
		{"veth", "RED에서 11.11.11.3까지 ping이 되는지"},
		{"veth", "RED: veth0은 up 상태"},
	} {
		if !strings.Contains(outs[c.lesson], c.want) {
			t.Errorf("%s: no %q in the Korean transcript", c.lesson, c.want)
		}
	}
	for id, out := range outs {
		for _, bad := range []string{"br0는", "11.11.11.3로 ", "ping 성공", "veth0는", "veth1는"} {
			if strings.Contains(out, bad) {
				t.Errorf("%s: wrong particle or wording %q", id, bad)
			}
		}
	}
}

// failingKo is a lesson whose every expectation fails, so that the Korean
// transcript shows each kind of check's failure detail.
const failingKo = `id: failing
title: {en: F, ko: 실패}
summary: {en: S, ko: 실패하는 확인 항목들}
steps:
  - id: s
    title: {en: S, ko: 실패}
    actions:
      - netns_add: {name: RED}
      - netns_add: {name: BLUE}
      - veth: {ns: RED, name: veth0, peer: veth1, peer_ns: BLUE}
      - bridge: {name: br0}
      - tcp_serve: {ns: BLUE, port: 8080, banner: hello}
    expect:
      - link: {ns: RED, name: veth0, state: up, kind: bridge}
      - addr: {ns: RED, addr: 11.11.11.2/24}
      - route: {ns: RED, dst: default, via: 11.11.11.1}
      - neighbor: {ns: RED, ip: 11.11.11.3}
      - sysctl: {key: net.ipv4.ip_forward, value: "1"}
      - rule: {spec: "-t nat -A POSTROUTING -s 11.11.11.0/24 -j MASQUERADE"}
      - reachable: {from: RED, to: 11.11.11.3}
      - tcp: {from: RED, addr: "11.11.11.3:8080"}
      - veth_pair: {a: BLUE, b: host}
      - bridge_port: {ns: RED, bridge: br0}
      - output: {contains: nothing-like-this}
`

// TestRunKoreanFailureDetails: the failure detail of every kind of check
// is Korean under --lang ko, with the particles its values take, and the
// same run in English is still English.
func TestRunKoreanFailureDetails(t *testing.T) {
	f := filepath.Join(t.TempDir(), "failing.yaml")
	if err := os.WriteFile(f, []byte(failingKo), 0o644); err != nil {
		t.Fatal(err)
	}
	ko := runCLI(t, nil, "run", f, "--plain", "--lang", "ko")
	needLab(t, ko)
	if ko.code != 1 {
		t.Fatalf("exit %d, want 1\n%s%s", ko.code, ko.stdout, ko.stderr)
	}
	if n := strings.Count(ko.stdout, "  ✗ "); n != 11 {
		t.Errorf("%d failed checks, want 11:\n%s", n, ko.stdout)
	}
	assertNoEnglish(t, "failing (ko)", ko.stdout)
	for _, want := range []string{
		"RED: veth0이 DOWN 상태입니다",
		"RED: 주소 11.11.11.2/24가 없습니다",
		"RED: 라우트 default가 없습니다 (라우팅 테이블이 비어 있습니다)",
		"RED: 이웃 테이블에 11.11.11.3이 없습니다",
		"host: net.ipv4.ip_forward가 0입니다. 1이어야 합니다",
		"RED: 11.11.11.3에서 응답이 없습니다",
		"✗ 확인 항목 11개 중 11개가 맞지 않았습니다",
	} {
		if !strings.Contains(ko.stdout, want) {
			t.Errorf("Korean transcript lacks %q", want)
		}
	}
	en := runCLI(t, nil, "run", f, "--plain", "--lang", "en")
	for _, want := range []string{"RED: veth0 is DOWN", "RED: no address 11.11.11.2/24", "RED: veth0 is a veth, not a bridge"} {
		if !strings.Contains(en.stdout, want) {
			t.Errorf("English transcript lacks %q", want)
		}
	}
	if t.Failed() {
		t.Log(ko.stdout)
	}
}

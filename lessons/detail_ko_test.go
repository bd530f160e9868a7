package lessons

import (
	"context"
	"regexp"
	"strings"
	"testing"
)

// latinSentence is four or more ASCII words in a row.
var latinSentence = regexp.MustCompile(`[A-Za-z][A-Za-z']*(?: [A-Za-z][A-Za-z']*){3,}`)

// TestFailureDetailsInKorean evaluates failing checks of each kind with
// Env.Lang "ko": every detail is Korean (names and addresses aside), with
// the particles its values take, and the same check in English is the
// English template.
func TestFailureDetailsInKorean(t *testing.T) {
	lab := newLab(t)
	l := loadMini(t)
	r := NewRunner(lab, l, Options{})
	ctx := context.Background()
	if _, err := r.RunStep(ctx, 0); err != nil {
		t.Fatal(err)
	}
	// RED/veth0 is down and has no address yet.
	cases := []struct{ yaml, ko, en string }{
		{`link: {ns: RED, name: veth0, state: up}`, "RED: veth0이 DOWN 상태입니다", "RED: veth0 is DOWN"},
		{`link: {ns: RED, name: veth9}`, "RED: 링크 veth9가 없습니다 (있는 링크: lo, veth0)", "RED: no link veth9 (links: lo, veth0)"},
		{`link: {ns: RED, name: veth1}`, "RED: 링크 veth1이 없습니다 (RED가 아니라 BLUE에 있습니다)", "RED: no link veth1 (it is in BLUE, not RED)"},
		{`link: {ns: RED, name: veth0, peer: host/x}`, "RED: veth0의 peer가 host/x가 아니라 BLUE/veth1입니다", "RED: veth0's peer is BLUE/veth1, not host/x"},
		{`addr: {ns: RED, addr: 11.11.11.2/24}`, "RED: 주소 11.11.11.2/24가 없습니다 (RED에는 lo 말고는 IPv4 주소가 없습니다)", ""},
		{`veth_pair: {a: BLUE, b: host}`, "BLUE의 veth 중 peer가 host에 있는 것이 없습니다 (veth1의 peer는 RED에 있음)", ""},
		{`link: {ns: GREEN, name: x}`, "네임스페이스 GREEN이 없습니다 (랩에 있는 것: host, BLUE, RED)", "no namespace GREEN (the lab has: host, BLUE, RED)"},
		{`no_direct_veth: {a: RED, b: BLUE}`, "RED/veth0이 BLUE/veth1에 곧장 이어진 veth입니다", ""},
		{`bridge_port: {ns: RED, bridge: br0}`, "host: 브리지 br0이 없습니다 (브리지가 하나도 없습니다)", ""},
		{`reachable: {from: RED, to: 11.11.11.3}`, "RED: 11.11.11.3에서 응답이 없습니다: ", ""},
	}
	for _, c := range cases {
		a := mustAssertion(t, c.yaml)
		ko := EvaluateOne(ctx, lab, a, &Env{Lang: "ko"})
		if ko.OK || !strings.HasPrefix(ko.Detail, c.ko) {
			t.Errorf("%s (ko):\n got  %q\n want %q", c.yaml, ko.Detail, c.ko)
		}
		if m := latinSentence.FindString(ko.Detail); m != "" {
			t.Errorf("%s (ko): English left: %q in %q", c.yaml, m, ko.Detail)
		}
		if strings.ContainsAny(ko.Detail+ko.Desc, "\x02\x03\x1f") {
			t.Errorf("%s: a carried message was not rendered: %q", c.yaml, ko.Detail)
		}
		if c.en != "" {
			if en := EvaluateOne(ctx, lab, a, &Env{}); en.Detail != c.en {
				t.Errorf("%s (en): got %q, want %q", c.yaml, en.Detail, c.en)
			}
		}
	}
}

// TestHintParticles: a hint's {name} is the learner's value, and the
// Korean particle written after it follows that value.
func TestHintParticles(t *testing.T) {
	tx := Text{"en": "{ns} has no route to {dst} via {dev}", "ko": "{ns}에는 {dst}으로(로) 가는 경로가 없습니다 ({dev})"}
	for _, c := range []struct{ dst, ko string }{
		{"11.11.11.3", "BLUE에는 11.11.11.3으로 가는 경로가 없습니다 (<link>)"},
		{"11.11.11.2", "BLUE에는 11.11.11.2로 가는 경로가 없습니다 (<link>)"},
		{"11.11.11.1", "BLUE에는 11.11.11.1로 가는 경로가 없습니다 (<link>)"},
	} {
		got := vars{"ns": "BLUE", "dst": c.dst}.fill(tx)
		if got["ko"] != c.ko {
			t.Errorf("ko: got %q, want %q", got["ko"], c.ko)
		}
		if want := "BLUE has no route to " + c.dst + " via <link>"; got["en"] != want {
			t.Errorf("en: got %q, want %q", got["en"], want)
		}
	}
	if got := (vars{"dev": "eth0"}).fill(Text{"en": "{dev}"}); got["en"] != "eth0" {
		t.Errorf("the lab's value does not win over the placeholder: %q", got["en"])
	}
}

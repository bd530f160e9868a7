package journey

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"unicode"

	"github.com/nettutor/nettutor/assets"
)

// keyUse finds the sentence keys the code names: m("k", tr(lang, "k",
// x.t("k" and tr(lang, "reason."...
var keyUse = regexp.MustCompile(`(?:\bm|\btr\(\w+|\bx\.t|\bT)\("?,? ?"([a-z_]+\.[a-z_.]+)"`)

// TestJourneyStrings: every key the code uses, and every stop reason and
// result, has its sentence in English and in Korean (the Korean one
// Korean), with the same number of arguments. That both files hold the
// same keys is assets' TestJourneyTables.
func TestJourneyStrings(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	used := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, _ := os.ReadFile(f)
		for _, mm := range keyUse.FindAllStringSubmatch(string(b), -1) {
			used[mm[1]] = true
		}
	}
	if len(used) < 30 {
		t.Fatalf("found only %d keys used in the code: the pattern is wrong", len(used))
	}
	for _, r := range []string{ReasonNoRoute, ReasonNoRouteBack, ReasonARP, ReasonForwardOff, ReasonRPFilter, ReasonRule, ReasonPolicy, ReasonBrNF, ReasonLinkDown, ReasonUnknown} {
		used["reason."+r] = true
	}
	for _, r := range []string{Replied, NoReply, Dropped, NoRoute} {
		used["result."+r] = true
	}
	var missing []string
	for k := range used {
		key := "journey." + k
		en, ko := assets.T("en", key), assets.T("ko", key)
		switch {
		case en == key:
			missing = append(missing, k)
		case !hasHangul(ko) && ko != en:
			t.Errorf("%s: Korean %q has no Hangul", k, ko)
		case !hasHangul(ko) && !strings.HasPrefix(k, "cli.head") && k != "stop.hints" && k != "stop.because" && k != "reason.rp-filter":
			t.Errorf("%s: no Korean sentence (%q)", k, ko)
		}
		if n, m := argsUsed(en), argsUsed(ko); n != m {
			t.Errorf("%s: %d arguments in English, %d in Korean", k, n, m)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("no sentence for %v", missing)
	}
}

func hasHangul(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Hangul, r) {
			return true
		}
	}
	return false
}

// TestPredictKorean: a journey made in Korean says every why and its stop
// in Korean, and Drop.Text gives the same stop back in English.
func TestPredictKorean(t *testing.T) {
	for _, c := range []struct {
		name string
		j    *Journey
	}{
		{"replied", PredictProbe(natSnapshot("1", masq), Probe{From: "RED", Dst: "203.0.113.2"}, "ko")},
		{"forward-off", PredictProbe(natSnapshot("0", masq), Probe{From: "RED", Dst: "203.0.113.2"}, "ko")},
		{"no-route-back", PredictProbe(natSnapshot("1"), Probe{From: "RED", Dst: "203.0.113.2"}, "ko")},
	} {
		for _, h := range c.j.Hops {
			if h.Why != "" && !hasHangul(h.Why) {
				t.Errorf("%s: hop %s/%s why %q is not Korean", c.name, h.NS, h.Dev, h.Why)
			}
		}
		if d := c.j.Drop; d != nil {
			if !hasHangul(d.Detail) {
				t.Errorf("%s: stop %q is not Korean", c.name, d.Detail)
			}
			if en := d.Text("en"); hasHangul(en) || en == d.Detail {
				t.Errorf("%s: Text(en) %q", c.name, en)
			}
		}
	}
	j := PredictProbe(natSnapshot("0", masq), Probe{From: "RED", Dst: "203.0.113.2"}, "ko")
	if j.Drop == nil || !strings.Contains(j.Drop.Detail, "net.ipv4.ip_forward=0이라 포워딩되지 않았습니다") {
		t.Errorf("forward-off in Korean: %+v", j.Drop)
	}
	if w := j.Why("ko"); w != "포워딩 꺼짐 (host의 br0)" {
		t.Errorf("Why(ko) = %q", w)
	}
	r := PredictProbe(natSnapshot("1", masq), Probe{From: "RED", Dst: "203.0.113.2"}, "ko")
	found := false
	for _, h := range r.Hops {
		found = found || strings.Contains(h.Why, "디폴트 라우트") || strings.Contains(h.Why, "connected 라우트")
	}
	if !found {
		t.Errorf("no Korean route kind in the hops: %+v", r.Hops)
	}
}

var verb = regexp.MustCompile(`%(?:\[(\d+)\])?[a-z]`)

// argsUsed is how many arguments a format takes: the highest explicit
// index (%[2]s), or the count of plain verbs.
func argsUsed(f string) int {
	n, explicit := 0, 0
	for _, m := range verb.FindAllStringSubmatch(f, -1) {
		if m[1] == "" {
			n++
			continue
		}
		i := 0
		for _, c := range m[1] {
			i = i*10 + int(c-'0')
		}
		explicit = max(explicit, i)
	}
	return max(n, explicit)
}

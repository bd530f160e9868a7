package assets

import (
	"encoding/json"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

func TestParticleAfter(t *testing.T) {
	cases := []struct {
		word string
		p    Particle
		want string
	}{
		{"br0", TopicParticle, "은"},           // 영
		{"11.11.11.3", ToParticle, "으로"},      // 삼
		{"eth1", ToParticle, "로"},             // 일: ㄹ takes 로
		{"eth1", TopicParticle, "은"},          // 일
		{"veth-red", TopicParticle, "는"},      // 디
		{"veth0", SubjectParticle, "이"},       // 영
		{"veth1", ObjectParticle, "을"},        // 일
		{"11.11.11.2", ToParticle, "로"},       // 이
		{"203.0.113.2", TopicParticle, "는"},   // 이
		{"11.11.11.0/24", TopicParticle, "는"}, // 이십사
		{"172.17.0.2:80", ToParticle, "으로"},   // 팔십
		{"8080", SubjectParticle, "이"},        // 팔십
		{"11.11.11.1", ToParticle, "로"},       // 일
		{"11.11.11.7", ToParticle, "로"},       // 칠
		{"11.11.11.6", ToParticle, "으로"},      // 육
		{"RED", TopicParticle, "는"},           // 레드
		{"BLUE", WithParticle, "와"},           // 블루
		{"OUTSIDE", SubjectParticle, "가"},     // 아웃사이드
		{"host", ToParticle, "로"},             // 호스트
		{"WEB", TopicParticle, "은"},           // 웹
		{"APP", SubjectParticle, "이"},         // 앱
		{"lo", TopicParticle, "는"},            // 로
		{"docker0", ToParticle, "으로"},         // 영
		{"tunnel", ToParticle, "로"},           // 터널
		{"ping", ObjectParticle, "을"},         // 핑
		{"TCP", TopicParticle, "는"},           // 티씨피
		{"-j MASQUERADE", SubjectParticle, "가"},
		{"net.ipv4.ip_forward", TopicParticle, "는"},
		{"\"hello\"", ObjectParticle, "를"}, // quotes are not read
		{"브리지", TopicParticle, "는"},
		{"라우트", SubjectParticle, "가"},
		{"이웃 테이블", ToParticle, "로"}, // 블: ㄹ
		{"주소", WithParticle, "와"},
		{"연결", ToParticle, "로"},
		{"링크 없음", TopicParticle, "은"},
		{"uid 165536", SubjectParticle, "이"}, // 육
		{"--", TopicParticle, "은(는)"},        // nothing to read
	}
	for _, c := range cases {
		if got := c.p.After(c.word); got != c.want {
			t.Errorf("%q + %s(%s) = %s, want %s", c.word, c.p.Consonant, c.p.Vowel, got, c.want)
		}
	}
}

func TestFill(t *testing.T) {
	cases := []struct {
		tmpl string
		vals []string
		want string
	}{
		{"{ns}: {name}은(는) {state}", []string{"ns", "host", "name", "br0", "state", "up"}, "host: br0은 up"},
		{"{from}에서 {to}으로(로) ping 되는지", []string{"from", "RED", "to", "11.11.11.3"}, "RED에서 11.11.11.3으로 ping 되는지"},
		{"{from}에서 {to}로(으로)", []string{"from", "RED", "to", "eth1"}, "RED에서 eth1로"},
		{"{a}와(과) {b}를(을) 잇는다", []string{"a", "RED", "b", "WEB"}, "RED와 WEB을 잇는다"},
		{"{missing}은(는) 없음", nil, "{missing}은(는) 없음"},
		{"no placeholder", nil, "no placeholder"},
		{"{x} {x}", []string{"x", "1"}, "1 1"},
		{"json {\"a\": 1}", []string{"a", "b"}, "json {\"a\": 1}"},
		{"{w}이어야(여야) 합니다", []string{"w", "RED"}, "RED여야 합니다"},
		{"{w}이어야(여야) 합니다", []string{"w", "1"}, "1이어야 합니다"},
		{"{w}이어야(여야) 합니다", []string{"w", "br0"}, "br0이어야 합니다"},
	}
	for _, c := range cases {
		if got := Fill(c.tmpl, c.vals...); got != c.want {
			t.Errorf("Fill(%q) = %q, want %q", c.tmpl, got, c.want)
		}
	}
}

func TestCarryLocalize(t *testing.T) {
	inner := C("fault.link.down", "ns", "BLUE", "name", "veth1")
	s := "prefix; " + C("fault.ping.no_reply_why", "from", "RED", "to", "11.11.11.3", "why", inner) + "; " + inner
	for _, lang := range Langs {
		got := Localize(lang, s)
		if strings.ContainsAny(got, carryStart+carryEnd+carrySep) {
			t.Fatalf("%s: markers left in %q", lang, got)
		}
		if !strings.HasPrefix(got, "prefix; ") || !strings.Contains(got, "veth1") {
			t.Errorf("%s: %q lost text", lang, got)
		}
	}
	if got := Localize("en", inner); got != M("en", "fault.link.down", "ns", "BLUE", "name", "veth1") {
		t.Errorf("Localize = %q", got)
	}
	if Localize("ko", inner) == Localize("en", inner) {
		t.Errorf("ko and en render the same: %q", Localize("ko", inner))
	}
}

// TestEveryKeyInBothLanguages reads each strings file itself, so a key
// that exists in one language only, or a placeholder that one language
// names and the other does not, fails here.
func TestEveryKeyInBothLanguages(t *testing.T) {
	if err := Check(); err != nil {
		t.Fatal(err)
	}
	ents, err := stringFiles.ReadDir("strings")
	if err != nil {
		t.Fatal(err)
	}
	byArea := map[string]map[string]map[string]string{}
	for _, e := range ents {
		base := strings.TrimSuffix(e.Name(), ".json")
		dot := strings.LastIndexByte(base, '.')
		area, lang := base[:dot], base[dot+1:]
		b, err := stringFiles.ReadFile(path.Join("strings", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		if byArea[area] == nil {
			byArea[area] = map[string]map[string]string{}
		}
		byArea[area][lang] = m
	}
	for area, langs := range byArea {
		for _, lang := range Langs {
			if langs[lang] == nil {
				t.Errorf("%s.%s.json is missing", area, lang)
			}
		}
		for _, a := range Langs {
			for _, b := range Langs {
				for k, v := range langs[a] {
					w, ok := langs[b][k]
					if !ok {
						t.Errorf("%s.%s.json has %q, %s.%s.json does not", area, a, k, area, b)
						continue
					}
					if a < b && !samePlaceholders(v, w) {
						t.Errorf("%s %q: placeholders %v in %s, %v in %s", area, k, Placeholders(v), a, Placeholders(w), b)
					}
					if v == "" {
						t.Errorf("%s.%s.json: %q is empty", area, a, k)
					}
				}
			}
		}
	}
}

func samePlaceholders(a, b string) bool {
	pa, pb := Placeholders(a), Placeholders(b)
	sort.Strings(pa)
	sort.Strings(pb)
	return strings.Join(uniq(pa), ",") == strings.Join(uniq(pb), ",")
}

func uniq(s []string) []string {
	var out []string
	for i, v := range s {
		if i == 0 || s[i-1] != v {
			out = append(out, v)
		}
	}
	return out
}

func TestResolveParticles(t *testing.T) {
	cases := []struct{ in, want string }{
		{"BLUE에 11.11.11.2(으)로 돌아가는 라우트가 없습니다", "BLUE에 11.11.11.2로 돌아가는 라우트가 없습니다"},
		{"host/br0(으)로 내보냄", "host/br0으로 내보냄"},
		{"패킷은 eth1(으)로 나감", "패킷은 eth1로 나감"},
		{"RED이(가) 응답합니다", "RED가 응답합니다"},
		{"br0은(는) 브리지", "br0은 브리지"},
		{"WEB을(를) 보세요", "WEB을 보세요"},
		{"(으)로 시작", "(으)로 시작"},
		{"값 (으)로", "값 (으)로"},
		{"no pairs here (really)", "no pairs here (really)"},
	}
	for _, c := range cases {
		if got := ResolveParticles(c.in); got != c.want {
			t.Errorf("ResolveParticles(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestTemplateKeysUsedExist finds every template key of the message areas
// written in the repository's Go code ("fault.link.down", ...) and looks
// it up: a typo would otherwise show the key itself to the learner.
func TestTemplateKeysUsedExist(t *testing.T) {
	re := regexp.MustCompile(`"((?:desc|fault|diagram|probe)\.[a-z0-9_.]+)"`)
	n := 0
	err := filepath.WalkDir("..", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && p != ".." || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, m := range re.FindAllSubmatch(b, -1) {
			n++
			key := string(m[1])
			if strings.HasSuffix(key, ".") {
				continue // a prefix the code completes ("desc.contained."+ns)
			}
			if T("en", key) == key || T("ko", key) == key {
				t.Errorf("%s: key %q is in no strings file", p, key)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 100 {
		t.Errorf("only %d template keys found in the code: the scan is broken", n)
	}
}

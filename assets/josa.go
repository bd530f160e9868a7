package assets

import (
	"strings"
	"unicode"
)

// Particle pairs a Korean particle's form after a final consonant (batchim)
// with its form after a vowel. 으로/로 is the odd one: ㄹ takes 로, as a
// vowel does.
type Particle struct {
	Consonant, Vowel string
}

// The particles templates may use, written as "은(는)" after a placeholder.
var (
	TopicParticle   = Particle{"은", "는"}
	SubjectParticle = Particle{"이", "가"}
	ObjectParticle  = Particle{"을", "를"}
	WithParticle    = Particle{"과", "와"}
	ToParticle      = Particle{"으로", "로"}
	// CopulaMust is "must be": 1이어야, RED여야.
	CopulaMust = Particle{"이어야", "여야"}
)

// particles maps every way a template may write a pair (either form
// first) to its particle, so a translator can write 는(은) as well.
var particles = map[string]Particle{}

func init() {
	for _, p := range []Particle{TopicParticle, SubjectParticle, ObjectParticle, WithParticle, ToParticle, CopulaMust} {
		particles[p.Consonant+"("+p.Vowel+")"] = p
		particles[p.Vowel+"("+p.Consonant+")"] = p
	}
}

// After returns the form of p that follows word, read the way a Korean
// engineer reads it aloud: Hangul by its last syllable, digits as Korean
// numbers (br0 → 영, 11.11.11.3 → 삼), Latin words and letters as they
// are said in Korean (eth1 → 일, veth-red → 디, WEB → 웹). When nothing
// in word can be read (only symbols), both forms are given, "은(는)",
// which is what Korean text does when it cannot know.
func (p Particle) After(word string) string {
	final, ok := finalSound(word)
	if !ok {
		return p.Consonant + "(" + p.Vowel + ")"
	}
	switch final {
	case noBatchim:
		return p.Vowel
	case rieul:
		if p == ToParticle {
			return p.Vowel
		}
	}
	return p.Consonant
}

// Josa is p.After(word) for a pair written as in a template, "은(는)";
// an unknown pair is returned as it is.
func Josa(word, pair string) string {
	p, ok := particles[pair]
	if !ok {
		return pair
	}
	return p.After(word)
}

type sound int

const (
	noBatchim sound = iota // the last syllable ends in a vowel
	rieul                  // it ends in ㄹ (takes 로, not 으로)
	batchim                // it ends in any other consonant
)

// digitSound is how each digit ends when read in Korean: 영 일 이 삼 사
// 오 육 칠 팔 구.
var digitSound = [10]sound{batchim, rieul, noBatchim, batchim, noBatchim, noBatchim, batchim, rieul, rieul, noBatchim}

// letterSound is how each Latin letter's Korean name ends: 에이 비 씨 디
// 이 에프 지 에이치 아이 제이 케이 엘 엠 엔 오 피 큐 알 에스 티 유 브이
// 더블유 엑스 와이 지.
var letterSound = map[rune]sound{
	'a': noBatchim, 'b': noBatchim, 'c': noBatchim, 'd': noBatchim, 'e': noBatchim,
	'f': noBatchim, 'g': noBatchim, 'h': noBatchim, 'i': noBatchim, 'j': noBatchim,
	'k': noBatchim, 'l': rieul, 'm': batchim, 'n': batchim, 'o': noBatchim,
	'p': noBatchim, 'q': noBatchim, 'r': rieul, 's': noBatchim, 't': noBatchim,
	'u': noBatchim, 'v': noBatchim, 'w': noBatchim, 'x': noBatchim, 'y': noBatchim,
	'z': noBatchim,
}

// wordSound holds the words of this domain that are said as words, not
// spelled, and whose ending the letter rules get wrong.
var wordSound = map[string]sound{
	"web": batchim, "app": batchim, "nat": batchim, "dnat": batchim, "snat": batchim,
	"lab": batchim, "up": batchim, "mac": batchim, "net": batchim, "netns": noBatchim,
	"ok": noBatchim, "tap": batchim, "vlan": batchim, "ipvlan": batchim, "macvlan": batchim,
	"tun": batchim, "tmp": noBatchim, "root": noBatchim, "docker": noBatchim, "bridge": noBatchim,
	"accept": noBatchim, "drop": batchim, "stop": batchim, "forward": noBatchim,
	"masquerade": noBatchim, "local": rieul, "ip": noBatchim, "pid": noBatchim,
	"uid": noBatchim, "gid": noBatchim, "proof": noBatchim, "output": noBatchim, "input": noBatchim,
	"prerouting": batchim, "postrouting": batchim,
}

// finalSound reads the end of word; ok is false when nothing in it can be
// read.
func finalSound(word string) (sound, bool) {
	// Closing quotes, brackets and punctuation are not read aloud.
	w := strings.TrimRightFunc(word, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	if w == "" {
		return 0, false
	}
	rs := []rune(w)
	last := rs[len(rs)-1]
	switch {
	case last >= 0xAC00 && last <= 0xD7A3: // a Hangul syllable
		switch (last - 0xAC00) % 28 {
		case 0:
			return noBatchim, true
		case 8: // ㄹ
			return rieul, true
		}
		return batchim, true
	case last >= '0' && last <= '9':
		return numberSound(rs), true
	case last < unicode.MaxASCII && unicode.IsLetter(last):
		return latinSound(rs), true
	}
	return noBatchim, true
}

// numberSound reads the digits at the end of rs as a Korean number: 3 is
// 삼, 80 is 팔십, 100 is 백; a number ending in zeros ends in 십, 백, 천
// or 만, all with a batchim that is not ㄹ (and 0 alone is 영).
func numberSound(rs []rune) sound {
	last := rs[len(rs)-1]
	if last != '0' {
		return digitSound[last-'0']
	}
	return batchim
}

// latinSound reads the Latin word at the end of rs: a known word as it is
// said, a short capitalised acronym letter by letter, else English
// spelling rules a Korean reader follows (web → 웹, tunnel → 터널, host →
// 호스트), falling back to the last letter's name.
func latinSound(rs []rune) sound {
	start := len(rs)
	for start > 0 && rs[start-1] < unicode.MaxASCII && unicode.IsLetter(rs[start-1]) {
		start--
	}
	orig := string(rs[start:])
	word := strings.ToLower(orig)
	if s, ok := wordSound[word]; ok {
		return s
	}
	last := rune(word[len(word)-1])
	// An acronym of up to three capitals (IP, TCP, ARP) or a single letter
	// is spelled: its last letter's name is what is heard.
	if len(word) == 1 || (len(word) <= 3 && strings.ToUpper(orig) == orig) {
		return letterSound[last]
	}
	isVowel := func(c byte) bool { return strings.IndexByte("aeiou", c) >= 0 }
	n := len(word)
	prev := byte(0)
	if n >= 2 {
		prev = word[n-2]
	}
	switch {
	case strings.HasSuffix(word, "ng"):
		return batchim // ping → 핑
	case last == 'l' || strings.HasSuffix(word, "le"):
		return rieul // tunnel → 터널, table → 테이블
	case last == 'm' || last == 'n':
		return batchim
	case n >= 4 && (strings.HasSuffix(word, "me") || strings.HasSuffix(word, "ne")):
		return batchim // time → 타임, none → 논
	case last == 'r' && n >= 3 && isVowel(prev):
		return noBatchim // router → 라우터, peer → 피어
	case strings.ContainsRune("bkpt", last) && n >= 3 && isVowel(prev):
		return batchim // web → 웹, net → 넷
	case last == 'k' && prev == 'c':
		return batchim // stack → 스택
	}
	return letterSound[last]
}

// looseParticles are the pairs text written with fmt may leave after a
// name, in the forms Korean writes when it cannot know: "11.11.11.3(으)로".
var looseParticles = []struct{ pair, canon string }{
	{"(으)로", "으로(로)"}, {"(이)가", "이(가)"}, {"(은)는", "은(는)"}, {"(을)를", "을(를)"}, {"(과)와", "과(와)"},
}

// ResolveParticles picks every particle pair in s that directly follows a
// word ("11.11.11.3(으)로", "br0은(는)", "RED이(가)") from that word, so
// that text built with fmt from translated formats reads as Korean
// engineers write it. A pair after a space or at the start is kept.
func ResolveParticles(s string) string {
	if !strings.Contains(s, "(") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		pair, canon := "", ""
		for _, lp := range looseParticles {
			if strings.HasPrefix(s[i:], lp.pair) {
				pair, canon = lp.pair, lp.canon
				break
			}
		}
		if pair == "" {
			if p := pairAt(s[i:]); p != "" {
				pair, canon = p, p
			}
		}
		if pair != "" && i > 0 && s[i-1] != ' ' && s[i-1] != '\n' {
			// The word the particle follows: back to a space.
			done := b.String()
			start := strings.LastIndexAny(done, " \n") + 1
			if word := done[start:]; word != "" && !strings.HasSuffix(word, "(") {
				if p, ok := particles[canon]; ok {
					// A pair written as 은(는) after a word: the word's
					// last syllable is not part of the particle.
					b.WriteString(p.After(word))
					i += len(pair)
					continue
				}
			}
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

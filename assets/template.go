package assets

import (
	"strings"
)

// A message template is a string of the tables with named placeholders,
// "{ns}: no link {name}". A placeholder directly followed by a particle
// pair, "{name}은(는)", gets the particle that fits the value's last
// syllable (see Particle.After), so one Korean template serves every
// value: "br0은", "veth-red는", "11.11.11.3으로", "eth1로".

// Fill replaces the placeholders of tmpl by vals (name, value, name,
// value, ...). A placeholder without a value stays as written, so a
// missing value is visible rather than blank.
func Fill(tmpl string, vals ...string) string {
	if !strings.Contains(tmpl, "{") {
		return tmpl
	}
	m := make(map[string]string, len(vals)/2)
	for i := 0; i+1 < len(vals); i += 2 {
		m[vals[i]] = vals[i+1]
	}
	var b strings.Builder
	for {
		open := strings.IndexByte(tmpl, '{')
		if open < 0 {
			b.WriteString(tmpl)
			break
		}
		end := strings.IndexByte(tmpl[open:], '}')
		if end < 0 {
			b.WriteString(tmpl)
			break
		}
		name := tmpl[open+1 : open+end]
		v, ok := m[name]
		if !ok || !isName(name) {
			b.WriteString(tmpl[:open+end+1])
			tmpl = tmpl[open+end+1:]
			continue
		}
		b.WriteString(tmpl[:open])
		b.WriteString(v)
		tmpl = tmpl[open+end+1:]
		if pair := pairAt(tmpl); pair != "" {
			b.WriteString(Josa(v, pair))
			tmpl = tmpl[len(pair):]
		}
	}
	return b.String()
}

// Placeholders lists the placeholder names of tmpl, in order.
func Placeholders(tmpl string) []string {
	var out []string
	for {
		open := strings.IndexByte(tmpl, '{')
		if open < 0 {
			return out
		}
		end := strings.IndexByte(tmpl[open:], '}')
		if end < 0 {
			return out
		}
		if name := tmpl[open+1 : open+end]; isName(name) {
			out = append(out, name)
		}
		tmpl = tmpl[open+end+1:]
	}
}

func isName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// pairAt returns the particle pair s starts with, "" if none.
func pairAt(s string) string {
	close := strings.IndexByte(s, ')')
	if close < 0 || close > 24 {
		return ""
	}
	if _, ok := particles[s[:close+1]]; ok {
		return s[:close+1]
	}
	return ""
}

// M is the string key of lang filled with vals (name, value, ...).
func M(lang, key string, vals ...string) string { return Fill(T(lang, key), vals...) }

// Message is a template key with its values, kept until the language is
// known: a check finds a fault once and it is shown in the learner's
// language.
type Message struct {
	Key  string
	Vals []string // name, value, name, value, ...
}

// In renders m in lang.
func (m Message) In(lang string) string { return M(lang, m.Key, m.Vals...) }

// Carried messages: Carry turns a Message into a string that can travel
// through code that deals in strings (a check's fault, joined with others
// or prefixed with a namespace), and Localize renders every carried
// message in a string in the language wanted. The markers are control
// characters no kernel name or template contains.
const (
	carryStart = "\x02"
	carrySep   = "\x1f"
	carryEnd   = "\x03"
)

// Carry encodes m in a string for Localize. A value that itself carries a
// message (a fault inside a fault) is kept and rendered with it.
func Carry(m Message) string {
	var b strings.Builder
	b.WriteString(carryStart)
	b.WriteString(m.Key)
	for _, v := range m.Vals {
		b.WriteString(carrySep)
		b.WriteString(strings.NewReplacer(carryStart, "\x0e", carryEnd, "\x0f", carrySep, "\x1e").Replace(v))
	}
	b.WriteString(carryEnd)
	return b.String()
}

// C is Carry(Message{key, vals}).
func C(key string, vals ...string) string { return Carry(Message{Key: key, Vals: vals}) }

var uncarry = strings.NewReplacer("\x0e", carryStart, "\x0f", carryEnd, "\x1e", carrySep)

// Localize renders each message Carry put in s in lang; the rest of s is
// kept as it is.
func Localize(lang, s string) string {
	if !strings.Contains(s, carryStart) {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, carryStart)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		j := strings.Index(s[i:], carryEnd)
		if j < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		parts := strings.Split(s[i+1:i+j], carrySep)
		vals := parts[1:]
		for k := range vals {
			vals[k] = Localize(lang, uncarry.Replace(vals[k]))
		}
		b.WriteString(M(lang, parts[0], vals...))
		s = s[i+j+1:]
	}
}

package note

import (
	"strings"
)

// Plain renders the small markdown of lesson texts for a plain-text
// transcript (`run --plain`), which a terminal or a log shows as it is:
// **bold** and *emphasis* lose their markers, `code` is kept as written
// without its backticks, [text](url) becomes "text (url)", a heading loses
// its #s, a fenced block keeps its lines indented by four spaces and loses
// its fences, and a table loses its |---| rule. No ANSI codes: the
// transcript is also read from files and CI logs.
func Plain(md string) string {
	lines := strings.Split(strings.ReplaceAll(md, "\r\n", "\n"), "\n")
	out := make([]string, 0, len(lines))
	// A paragraph's lines are rendered together: **bold** and `code` may
	// span a line break of the YAML text.
	var para []string
	flush := func() {
		if len(para) > 0 {
			out = append(out, strings.Split(PlainInline(strings.Join(para, "\n")), "\n")...)
			para = nil
		}
	}
	inCode := false
	for _, line := range lines {
		trim := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(trim, "```") || strings.HasPrefix(trim, "~~~"):
			flush()
			inCode = !inCode
		case inCode:
			out = append(out, "    "+line)
		case isTableRule(trim):
			flush()
		case trim == "" || strings.HasPrefix(trim, "|"):
			flush()
			out = append(out, PlainInline(line))
		case isHeading(trim):
			flush()
			out = append(out, PlainInline(strings.TrimSpace(strings.TrimLeft(trim, "#"))))
		default:
			para = append(para, line)
		}
	}
	flush()
	return strings.Join(out, "\n")
}

// isHeading reports a markdown heading line, "## Title".
func isHeading(trim string) bool {
	h := strings.TrimLeft(trim, "#")
	return h != trim && len(trim)-len(h) <= 6 && (h == "" || h[0] == ' ')
}

// isTableRule reports a markdown table's header rule, |---|:--:|.
func isTableRule(s string) bool {
	if !strings.HasPrefix(s, "|") || !strings.Contains(s, "-") {
		return false
	}
	return strings.Trim(s, "|-: ") == ""
}

// PlainInline renders one line's inline markdown as Plain does.
func PlainInline(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && strings.IndexByte("\\`*_[]()#|", s[i+1]) >= 0:
			b.WriteByte(s[i+1])
			i += 2
		case c == '`':
			// A code span: its text as is, up to the same run of backticks.
			n := markerRun(s[i:], '`')
			if end := strings.Index(s[i+n:], strings.Repeat("`", n)); end >= 0 {
				code := s[i+n : i+n+end]
				if strings.HasPrefix(code, " ") && strings.HasSuffix(code, " ") && strings.TrimSpace(code) != "" {
					code = code[1 : len(code)-1]
				}
				b.WriteString(code)
				i += n + end + n
				continue
			}
			b.WriteString(s[i : i+n])
			i += n
		case c == '*' || c == '_':
			n := markerRun(s[i:], c)
			if n <= 3 && opens(s, i, n) {
				if end := closing(s, i+n, c, n); end >= 0 {
					b.WriteString(PlainInline(s[i+n : end]))
					i = end + n
					continue
				}
			}
			b.WriteString(s[i : i+n])
			i += n
		case c == '[':
			if text, url, n, ok := mdLink(s[i:]); ok {
				text = PlainInline(text)
				if text == url || url == "" {
					b.WriteString(text)
				} else {
					b.WriteString(text + " (" + url + ")")
				}
				i += n
				continue
			}
			b.WriteByte(c)
			i++
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String()
}

func markerRun(s string, c byte) int {
	n := 0
	for n < len(s) && s[n] == c {
		n++
	}
	return n
}

// opens reports whether the n markers at s[i] open emphasis: followed by a
// non-space and, for _, not inside a word (ip_forward stays as it is).
func opens(s string, i, n int) bool {
	if i+n >= len(s) || s[i+n] == ' ' || s[i+n] == '\n' {
		return false
	}
	if s[i] == '_' && i > 0 && isWord(s[i-1]) {
		return false
	}
	return true
}

// closing finds the run of n markers c that closes emphasis opened before
// from: preceded by a non-space and, for _, not followed by a word.
func closing(s string, from int, c byte, n int) int {
	for j := from; j+n <= len(s); j++ {
		if s[j] == '`' { // markers inside a code span do not close
			if e := strings.IndexByte(s[j+1:], '`'); e >= 0 {
				j += e + 1
				continue
			}
		}
		if s[j] != c || markerRun(s[j:], c) != n || j == from || s[j-1] == ' ' || s[j-1] == '\n' {
			continue
		}
		if c == '_' && j+n < len(s) && isWord(s[j+n]) {
			continue
		}
		return j
	}
	return -1
}

func isWord(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

// mdLink parses [text](url) at the start of s.
func mdLink(s string) (text, url string, n int, ok bool) {
	close := strings.Index(s, "](")
	if close < 0 || strings.ContainsAny(s[1:close], "[\n") {
		return "", "", 0, false
	}
	end := strings.IndexByte(s[close+2:], ')')
	if end < 0 || strings.ContainsAny(s[close+2:close+2+end], " \n") {
		return "", "", 0, false
	}
	return s[1:close], s[close+2 : close+2+end], close + 2 + end + 1, true
}

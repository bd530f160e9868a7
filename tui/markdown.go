package tui

import (
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// renderMarkdown renders the small markdown of lesson texts to lines of at
// most w cells: paragraphs, `code`, **bold**, lists, headings and fenced
// code blocks. Widths are display widths, so Hangul wraps correctly.
func renderMarkdown(md string, w int, st *Styles) []string {
	w = max(w, 8)
	var out []string
	var para []string
	flush := func() {
		if len(para) > 0 {
			out = append(out, wrapInline(strings.Join(para, " "), "", "", w, st)...)
			para = nil
		}
	}
	lines := strings.Split(strings.ReplaceAll(md, "\r\n", "\n"), "\n")
	inCode := false
	var table [][]string
	for li, raw := range lines {
		line := strings.TrimRight(raw, " \t")
		trim := strings.TrimSpace(line)
		if !inCode && strings.HasPrefix(trim, "|") {
			flush()
			if !isTableRule(trim) {
				table = append(table, tableCells(trim))
			}
			next := ""
			if li+1 < len(lines) {
				next = strings.TrimSpace(lines[li+1])
			}
			if !strings.HasPrefix(next, "|") {
				out = append(out, renderTable(table, w, st)...)
				table = nil
			}
			continue
		}
		if strings.HasPrefix(trim, "```") {
			flush()
			inCode = !inCode
			continue
		}
		if inCode {
			out = append(out, shellLines("  ", "  ", line, w, st.Code)...)
			continue
		}
		switch {
		case trim == "":
			flush()
			if len(out) > 0 && out[len(out)-1] != "" {
				out = append(out, "")
			}
		case strings.HasPrefix(trim, "#"):
			flush()
			h := strings.TrimSpace(strings.TrimLeft(trim, "#"))
			out = append(out, wrapInline("**"+h+"**", "", "", w, st)...)
		case strings.HasPrefix(trim, "- ") || strings.HasPrefix(trim, "* "):
			flush()
			out = append(out, wrapInline(trim[2:], "• ", "  ", w, st)...)
		case isOrdered(trim):
			flush()
			i := strings.Index(trim, ". ")
			num := trim[:i+2]
			out = append(out, wrapInline(trim[i+2:], num, strings.Repeat(" ", len(num)), w, st)...)
		case strings.HasPrefix(line, "    ") && len(para) == 0:
			out = append(out, shellLines("", "", line, w, st.Code)...)
		default:
			para = append(para, trim)
		}
	}
	flush()
	for len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return out
}

func isOrdered(s string) bool {
	i := strings.Index(s, ". ")
	if i <= 0 || i > 3 {
		return false
	}
	for _, r := range s[:i] {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

type word struct {
	text  string
	style int  // 0 plain, 1 code, 2 bold
	glue  bool // no space before (continues the previous word)
}

// splitInline splits text into words carrying their inline style.
func splitInline(s string) []word {
	var words []word
	style := 0
	var cur strings.Builder
	glue := false
	emit := func(nextGlue bool) {
		if cur.Len() > 0 {
			words = append(words, word{cur.String(), style, glue})
			cur.Reset()
			glue = nextGlue
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '`' && style != 2:
			emit(true)
			if style == 1 {
				style = 0
			} else {
				style = 1
			}
		case c == '*' && i+1 < len(s) && s[i+1] == '*' && style != 1:
			emit(true)
			i++
			if style == 2 {
				style = 0
			} else {
				style = 2
			}
		case c == ' ':
			emit(false)
			glue = false
		default:
			cur.WriteByte(c)
		}
	}
	emit(false)
	return words
}

// wrapInline word-wraps styled text with a first-line prefix and an indent
// for the rest. Words glued together (`ip`'s) wrap as one.
func wrapInline(s, first, indent string, w int, st *Styles) []string {
	styles := []lipgloss.Style{lipgloss.NewStyle(), st.Code, st.Bold}
	var groups [][]word
	for _, wd := range splitInline(s) {
		if wd.glue && len(groups) > 0 {
			groups[len(groups)-1] = append(groups[len(groups)-1], wd)
		} else {
			groups = append(groups, []word{wd})
		}
	}
	var out []string
	var line strings.Builder
	line.WriteString(first)
	col := width(first)
	start := col
	newLine := func() {
		out = append(out, line.String())
		line.Reset()
		line.WriteString(indent)
		col, start = width(indent), width(indent)
	}
	for _, g := range groups {
		gw := 0
		for _, wd := range g {
			gw += width(wd.text)
		}
		sep := 1
		if col == start {
			sep = 0
		}
		if col+sep+gw > w && col > start {
			newLine()
			sep = 0
		}
		if sep == 1 {
			line.WriteByte(' ')
			col++
		}
		for _, wd := range g {
			text := wd.text
			ww := width(text)
			if col+ww > w && ww > w-start {
				// A word longer than a line: hard-wrap it.
				parts := strings.Split(ansi.Hardwrap(text, max(w-col, 1), false), "\n")
				rest := strings.Join(parts[1:], "")
				line.WriteString(render(styles[wd.style], parts[0]))
				col += width(parts[0])
				for rest != "" {
					newLine()
					seg := truncateRunes(rest, w-start)
					line.WriteString(render(styles[wd.style], seg))
					col += width(seg)
					rest = rest[len(seg):]
				}
				continue
			}
			line.WriteString(render(styles[wd.style], text))
			col += ww
		}
	}
	out = append(out, line.String())
	return out
}

// truncateRunes returns the longest prefix of s at most w cells wide (at
// least one rune).
func truncateRunes(s string, w int) string {
	n := 0
	for i, r := range s {
		rw := width(string(r))
		if n+rw > w && i > 0 {
			return s[:i]
		}
		n += rw
	}
	return s
}

func render(s lipgloss.Style, text string) string {
	if text == "" {
		return ""
	}
	return s.Render(text)
}

// isTableRule reports a markdown table's |---|:--| line.
func isTableRule(s string) bool {
	return strings.Trim(s, "|-: ") == "" && strings.Contains(s, "-")
}

func tableCells(s string) []string {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "|")
	s = strings.TrimSuffix(s, "|")
	cells := strings.Split(s, "|")
	for i := range cells {
		cells[i] = strings.TrimSpace(cells[i])
	}
	return cells
}

// inline renders one line of inline markdown without wrapping.
func inline(s string, st *Styles) string {
	styles := []lipgloss.Style{lipgloss.NewStyle(), st.Code, st.Bold}
	var b strings.Builder
	for i, wd := range splitInline(s) {
		if i > 0 && !wd.glue {
			b.WriteByte(' ')
		}
		b.WriteString(render(styles[wd.style], wd.text))
	}
	return b.String()
}

// renderTable draws a markdown table with aligned columns when it fits in
// w cells, else as one block per row ("header: value" lines).
func renderTable(rows [][]string, w int, st *Styles) []string {
	if len(rows) == 0 {
		return nil
	}
	n := 0
	for _, r := range rows {
		n = max(n, len(r))
	}
	cells := make([][]string, len(rows))
	widths := make([]int, n)
	for i, r := range rows {
		cells[i] = make([]string, n)
		for j := 0; j < n; j++ {
			if j < len(r) {
				cells[i][j] = inline(r[j], st)
			}
			widths[j] = max(widths[j], width(cells[i][j]))
		}
	}
	total := 0
	for _, cw := range widths {
		total += cw
	}
	total += 3 * (n - 1)
	var out []string
	if total <= w {
		for i, r := range cells {
			var b strings.Builder
			for j, c := range r {
				if j > 0 {
					b.WriteString(st.Subtle.Render(" │ "))
				}
				if i == 0 {
					c = st.Bold.Render(ansiStrip(c))
				}
				b.WriteString(pad(c, widths[j]))
			}
			out = append(out, strings.TrimRight(b.String(), " "))
			if i == 0 {
				var sep []string
				for _, cw := range widths {
					sep = append(sep, strings.Repeat("─", cw))
				}
				out = append(out, st.Subtle.Render(strings.Join(sep, "─┼─")))
			}
		}
		return out
	}
	head := cells[0]
	for _, r := range cells[1:] {
		out = append(out, wrapIndent("• ", st.Bold.Render(ansiStrip(r[0])), w)...)
		for j := 1; j < n; j++ {
			label := ansiStrip(head[j])
			if label == "" {
				label = "-"
			}
			out = append(out, wrapIndent("  "+st.Subtle.Render(label+":")+" ", r[j], w)...)
		}
	}
	return out
}

func ansiStrip(s string) string { return ansi.Strip(s) }

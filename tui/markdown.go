package tui

import (
	"strings"

	"github.com/charmbracelet/lipgloss"
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
	for _, raw := range lines {
		line := strings.TrimRight(raw, " \t")
		trim := strings.TrimSpace(line)
		if strings.HasPrefix(trim, "```") {
			flush()
			inCode = !inCode
			continue
		}
		if inCode {
			out = append(out, st.Code.Render(truncate("  "+line, w)))
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
			out = append(out, st.Code.Render(truncate(line, w)))
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
// for the rest.
func wrapInline(s, first, indent string, w int, st *Styles) []string {
	styles := []lipgloss.Style{lipgloss.NewStyle(), st.Code, st.Bold}
	var out []string
	var line strings.Builder
	line.WriteString(first)
	col := width(first)
	start := col
	for _, wd := range splitInline(s) {
		ww := width(wd.text)
		sep := 1
		if wd.glue || col == start {
			sep = 0
		}
		if col+sep+ww > w && col > start && !wd.glue {
			out = append(out, line.String())
			line.Reset()
			line.WriteString(indent)
			col, start, sep = width(indent), width(indent), 0
		}
		text := wd.text
		if room := w - col - sep; ww > room && room > 0 && col == start {
			// A word longer than a line: hard-wrap it.
			parts := strings.Split(ansi.Hardwrap(text, w-start, false), "\n")
			for i, p := range parts {
				if i > 0 {
					out = append(out, line.String())
					line.Reset()
					line.WriteString(indent)
					col = start
				}
				line.WriteString(render(styles[wd.style], p))
				col += width(p)
			}
			continue
		}
		if sep == 1 {
			line.WriteByte(' ')
		}
		line.WriteString(render(styles[wd.style], text))
		col += sep + ww
	}
	out = append(out, line.String())
	return out
}

func render(s lipgloss.Style, text string) string {
	if text == "" {
		return ""
	}
	return s.Render(text)
}

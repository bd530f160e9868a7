package tui

import (
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// A command on screen is something a learner copies into a shell, so it
// may wrap only where a shell would split words anyway: at a space outside
// quotes, the line ending in " \" so that bash joins the lines back into
// the very command shown. A quoted word too long for a line of its own
// (sh -c '...') is split at a space inside its single quotes by closing
// the quote there and opening it again on the next line, which starts in
// the first column: bash glues 'a '\<newline>'b' back into 'a b'. A word
// with no space at all is left whole (the zoom view shows it).

// shellBreak is a space where a line may break; quoted is set for a space
// inside single quotes.
type shellBreak struct {
	at     int
	quoted bool
}

// shellBreaks returns the spaces in cmd where a line may break: outside
// quotes and not escaped, or inside single quotes (whose text is literal).
// Nothing breaks inside double quotes ($(...) there is code) or in a
// comment (a backslash there continues nothing).
func shellBreaks(cmd string) []shellBreak {
	var at []shellBreak
	var sq, dq, esc bool
	for i := 0; i < len(cmd); i++ {
		c := cmd[i]
		switch {
		case esc:
			esc = false
		case sq && c == ' ':
			at = append(at, shellBreak{i, true})
		case c == '\\' && !sq:
			esc = true
		case c == '\'' && !dq:
			sq = !sq
		case c == '"' && !sq:
			dq = !dq
		case c == '#' && !sq && !dq && (i == 0 || cmd[i-1] == ' '):
			return at
		case c == ' ' && !sq && !dq:
			at = append(at, shellBreak{i, false})
		}
	}
	return at
}

// wrapShell splits one command line into lines, each but the last ending
// in a backslash: the first at most w1 cells, the others at most w cells
// with an indent of ind. Breaking at a space keeps that space before the
// backslash, so joining the lines (backslash-newline removed, the next
// line's indent is only more blanks between words) gives back cmd.
// indent[i] is line i's indent: ind, less for a word too long for the
// indented line, 0 for a line that goes on inside single quotes (where an
// indent would be text).
func wrapShell(cmd string, w1, w, ind int) (lines []string, indent []int) {
	if width(cmd) <= w1 || w-ind < 8 {
		return []string{cmd}, []int{0}
	}
	rest, next := cmd, 0
	budget := w1
	emit := func(line string) {
		in := next
		if in > 0 && in+width(line) > w {
			in = max(0, w-width(line))
		}
		lines, indent = append(lines, line), append(indent, in)
		budget = w - ind
	}
	for width(rest) > budget {
		fit, first, quoted, anyQuoted := -1, -1, -1, -1
		for _, b := range shellBreaks(rest) {
			if b.at == 0 {
				continue
			}
			if b.quoted {
				// Inside the first word only, with room for "'\".
				if first < 0 {
					if anyQuoted < 0 {
						anyQuoted = b.at
					}
					if width(rest[:b.at+1])+2 <= budget {
						quoted = b.at
					}
				}
				continue
			}
			if first < 0 {
				first = b.at
			}
			if width(rest[:b.at+1])+1 > budget {
				break
			}
			fit = b.at
		}
		if quoted < 0 {
			quoted = anyQuoted
		}
		switch {
		case fit > 0:
			emit(rest[:fit+1] + "\\")
			rest, next = strings.TrimLeft(rest[fit+1:], " "), ind
		case quoted > 0:
			emit(rest[:quoted+1] + "'\\")
			rest, next = "'"+rest[quoted+1:], 0
		case first > 0:
			emit(rest[:first+1] + "\\")
			rest, next = strings.TrimLeft(rest[first+1:], " "), ind
		default:
			emit(rest)
			return lines, indent
		}
	}
	emit(rest)
	return lines, indent
}

// shellLines renders a (possibly multi-line) command with first before its
// first line and ind before every other line, styled with st, wrapped by
// wrapShell to fit w cells. Lines inside a here-document are shown as
// they are: a continuation there would become part of the document.
func shellLines(first, ind, cmd string, w int, st lipgloss.Style) []string {
	var out []string
	heredoc := ""
	for li, line := range strings.Split(cmd, "\n") {
		pre := ind
		if li == 0 {
			pre = first
		}
		if heredoc != "" {
			out = append(out, pre+render(st, line))
			if strings.TrimSpace(line) == heredoc {
				heredoc = ""
			}
			continue
		}
		if tag := heredocTag(line); tag != "" {
			heredoc = tag
		}
		cont := ind + "  "
		if li == 0 {
			cont = strings.Repeat(" ", width(first)) + "  "
		}
		if t := strings.TrimLeft(line, " "); strings.HasPrefix(t, "#") {
			// A comment goes on as comments.
			for i, part := range wrap(t, max(w-width(cont), 8)) {
				if i > 0 {
					pre, part = cont, "# "+part
				}
				out = append(out, pre+render(st, part))
			}
			continue
		}
		parts, indent := wrapShell(line, w-width(pre), w, width(cont))
		for i, part := range parts {
			if i > 0 {
				pre = strings.Repeat(" ", indent[i])
			}
			out = append(out, pre+render(st, part))
		}
	}
	return out
}

// heredocTag returns the terminator of a here-document that line starts
// (cat <<EOF, <<'EOF', <<-EOF), or "".
func heredocTag(line string) string {
	i := strings.Index(line, "<<")
	if i < 0 || strings.HasPrefix(line[i:], "<<<") {
		return ""
	}
	t := strings.TrimLeft(line[i+2:], "-")
	t = strings.TrimSpace(t)
	if f := strings.Fields(t); len(f) > 0 {
		t = f[0]
	}
	return strings.Trim(t, `'"`)
}

// joinShell joins lines the way bash reads them: a line ending in a
// backslash continues on the next one. It is what a copy of wrapped lines
// turns back into.
func joinShell(lines []string) string {
	var b strings.Builder
	for i, l := range lines {
		if strings.HasSuffix(l, "\\") && i < len(lines)-1 {
			b.WriteString(strings.TrimSuffix(l, "\\"))
			continue
		}
		b.WriteString(l)
		if i < len(lines)-1 {
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// wrapOutput wraps one line of command output to w cells at spaces
// (breaking a word only when it alone is longer than w), the continuation
// lines indented by two more cells; nothing a command printed is cut.
func wrapOutput(first, line string, w int, st lipgloss.Style) []string {
	avail := max(w-width(first), 8)
	if width(line) <= avail {
		return []string{first + render(st, line)}
	}
	head := wordWrap(line, avail)[0]
	rest := line
	if strings.HasPrefix(line, head) {
		rest = line[len(head):]
	} else { // Wrap dropped something: fall back to cells
		head = truncateRunes(line, avail)
		rest = line[len(head):]
	}
	out := []string{first + render(st, strings.TrimRight(head, " "))}
	ind := first + "  "
	for _, p := range wordWrap(strings.TrimLeft(rest, " "), max(avail-2, 6)) {
		out = append(out, ind+render(st, p))
	}
	return out
}

// wordWrap wraps s to w cells breaking only at spaces: unlike ansi.Wrap
// it never breaks after a hyphen, which would turn "-o" into "-" and "o"
// and "--dport" into "--" and "dport". Only a word longer than a whole
// line is broken. Styled (ANSI) text keeps its sequences inside words.
func wordWrap(s string, w int) []string {
	w = max(w, 1)
	var out []string
	var line strings.Builder
	lw := 0
	for i, word := range strings.Split(s, " ") {
		if word == "" && lw == 0 && len(out) > 0 {
			continue // the blanks a break replaced
		}
		ww := width(word)
		if i > 0 && lw > 0 && lw+1+ww > w {
			out = append(out, line.String())
			line.Reset()
			lw = 0
		} else if i > 0 && (lw > 0 || len(out) == 0) {
			line.WriteByte(' ')
			lw++
		}
		if lw == 0 && ww > w {
			parts := strings.Split(ansi.Hardwrap(word, w, false), "\n")
			out = append(out, parts[:len(parts)-1]...)
			word = parts[len(parts)-1]
			ww = width(word)
		}
		line.WriteString(word)
		lw += ww
	}
	return append(out, line.String())
}

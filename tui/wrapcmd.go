package tui

import (
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
)

// A command on screen is something a learner copies into a shell, so it
// may wrap only where a shell would split words anyway: at a space outside
// quotes, the line ending in " \" so that bash joins the lines back into
// the very command shown. A word that does not fit is left whole (the line
// runs over and the pane cuts it) rather than broken into two words.

// shellBreaks returns the byte offsets of the spaces in cmd where a line
// may break: outside single and double quotes and not escaped.
func shellBreaks(cmd string) []int {
	var at []int
	var sq, dq, esc bool
	for i := 0; i < len(cmd); i++ {
		c := cmd[i]
		switch {
		case esc:
			esc = false
		case c == '\\' && !sq:
			esc = true
		case c == '\'' && !dq:
			sq = !sq
		case c == '"' && !sq:
			dq = !dq
		case c == ' ' && !sq && !dq:
			at = append(at, i)
		}
	}
	return at
}

// wrapShell splits one command line into lines of at most w cells, each
// but the last ending in " \". Breaking at a space keeps that space before
// the backslash, so joining the lines (backslash-newline removed, the next
// line's indent is only more blanks between words) gives back cmd.
func wrapShell(cmd string, w int) []string {
	if width(cmd) <= w || w < 4 {
		return []string{cmd}
	}
	var out []string
	rest := cmd
	for width(rest) > w {
		brk := -1
		for _, b := range shellBreaks(rest) {
			if b == 0 {
				continue
			}
			// The line keeps rest[:b+1] (with its space) and adds "\".
			if width(rest[:b+1])+1 > w {
				if brk < 0 {
					brk = b // the first word alone is too long: break after it
				}
				break
			}
			brk = b
		}
		if brk < 0 {
			break
		}
		out = append(out, rest[:brk+1]+"\\")
		rest = strings.TrimLeft(rest[brk+1:], " ")
	}
	return append(out, rest)
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
		for i, part := range wrapShell(line, w-width(pre)) {
			if i > 0 {
				pre = ind + "  "
				if li == 0 {
					pre = strings.Repeat(" ", width(first)) + "  "
				}
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
	head := strings.Split(ansi.Wrap(line, avail, ""), "\n")[0]
	rest := line
	if strings.HasPrefix(line, head) {
		rest = line[len(head):]
	} else { // Wrap dropped something: fall back to cells
		head = truncateRunes(line, avail)
		rest = line[len(head):]
	}
	out := []string{first + render(st, strings.TrimRight(head, " "))}
	ind := first + "  "
	for _, p := range strings.Split(ansi.Wrap(strings.TrimLeft(rest, " "), max(avail-2, 6), ""), "\n") {
		out = append(out, ind+render(st, p))
	}
	return out
}

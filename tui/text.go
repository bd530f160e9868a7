package tui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
	"github.com/nettutor/nettutor/tui/screen"
)

// Every width here is a display width (Hangul and other wide runes count
// two cells), measured on strings that may hold ANSI styling.

// width is screen.Width: ansi.StringWidth, fast for the ASCII, styling
// and box lines most of a frame is.
func width(s string) int { return screen.Width(s) }

// truncate cuts s to at most w cells, marking a cut with "…".
func truncate(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if width(s) <= w {
		return s
	}
	return ansi.Truncate(s, w, "…")
}

// pad truncates or right-pads s with spaces to exactly w cells.
func pad(s string, w int) string {
	if w <= 0 {
		return ""
	}
	// Measured once: most lines already fit, and measuring a styled
	// line is the costly part of drawing it.
	n := width(s)
	if n > w {
		s = ansi.Truncate(s, w, "…")
		n = width(s)
	}
	if n < w {
		return s + strings.Repeat(" ", w-n)
	}
	return s
}

// wrap word-wraps s to w cells at spaces (wordWrap), breaking only words
// longer than a line.
func wrap(s string, w int) []string {
	if w < 1 {
		w = 1
	}
	var out []string
	for _, line := range strings.Split(s, "\n") {
		if width(line) <= w {
			out = append(out, line)
			continue
		}
		out = append(out, wordWrap(line, w)...)
	}
	return out
}

// wrapIndent wraps s to w cells with first as the first line's prefix and
// an indent of the same width on the following lines.
func wrapIndent(first, s string, w int) []string {
	ind := strings.Repeat(" ", width(first))
	lines := wrap(s, w-width(first))
	for i := range lines {
		if i == 0 {
			lines[i] = first + lines[i]
		} else {
			lines[i] = ind + lines[i]
		}
	}
	return lines
}

// fitLines returns exactly h lines of exactly w cells from lines, starting
// at off (clamped).
func fitLines(lines []string, off, w, h int) []string {
	if h <= 0 {
		return nil
	}
	off = clamp(off, 0, max(0, len(lines)-h))
	out := make([]string, 0, h)
	for i := off; i < off+h; i++ {
		if i < len(lines) {
			out = append(out, pad(lines[i], w))
		} else {
			out = append(out, strings.Repeat(" ", max(w, 0)))
		}
	}
	return out
}

func clamp(v, lo, hi int) int {
	if hi < lo {
		hi = lo
	}
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}

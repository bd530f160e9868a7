package screen

import (
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// Width is the display width of s, a line that may hold ANSI styling: the
// same as ansi.StringWidth, measured without its grapheme segmentation
// for the lines a frame is mostly made of.
//
// Under a packet flood most of a frame's CPU went to measuring lines
// (every new row, every pad to the pane's width, every line the screen
// compares): ansi.StringWidth runs a grapheme iterator over every cell.
// A line of printable ASCII, SGR and other CSI sequences, and the box,
// arrow and shape runes the panes draw is one cell a rune (none of them
// joins a grapheme cluster or is wide), so it is counted here byte by
// byte. Anything else (Hangul, an emoji, a combining mark, a variation
// selector, an OSC or other escape) is measured by ansi.StringWidth,
// whole. TestWidthMatchesAnsi holds the two equal.
func Width(s string) int {
	n := 0
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c >= 0x20 && c < 0x7f:
			n++
			i++
		case c == 0x1b && i+1 < len(s) && s[i+1] == '[':
			// CSI: parameter and intermediate bytes, then a final byte;
			// no cells.
			j := i + 2
			for j < len(s) && s[j] >= 0x20 && s[j] <= 0x3f {
				j++
			}
			if j >= len(s) || s[j] < 0x40 || s[j] > 0x7e {
				return ansi.StringWidth(s)
			}
			i = j + 1
		case c >= 0x80:
			r, size := utf8.DecodeRuneInString(s[i:])
			if !narrowRune(r) {
				return ansi.StringWidth(s)
			}
			n++
			i += size
		default:
			return ansi.StringWidth(s)
		}
	}
	return n
}

// narrowRune reports the runes Width counts as one cell by themselves:
// general punctuation's dashes and ellipsis, arrows, box drawing, block
// elements and geometric shapes, as ansi.StringWidth measures them (text
// presentation; East Asian ambiguous width counted narrow).
func narrowRune(r rune) bool {
	switch {
	case r >= 0x2010 && r <= 0x2027: // ‐ – — ‘ ’ “ ” • … and the like
		return true
	case r >= 0x2190 && r <= 0x21ff: // arrows
		return true
	case r >= 0x2500 && r <= 0x25ff: // box drawing, blocks, shapes
		return r != 0x25fd && r != 0x25fe // ◽ ◾: emoji presentation, wide
	}
	return false
}

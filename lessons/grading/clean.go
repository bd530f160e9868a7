package grading

import (
	"strings"
	"unicode/utf8"
)

// Clean removes what a terminal would take as a command from text an answer
// (or a file name, or an interface name an answer chose) brought: CSI
// sequences (colours, cursor moves, screen clears), OSC strings (window
// titles, hyperlinks, clipboard writes), DCS/SOS/PM/APC strings, other ESC
// sequences, every C0 control but newline and tab, DEL, and C1 controls.
// Bytes that are not UTF-8 become U+FFFD, so no 8-bit C1 byte survives
// either. Printed reports pass every such text through it; JSON keeps the
// text as it was (encoding/json escapes the controls).
func Clean(s string) string {
	if isPlain(s) {
		return s
	}
	rs := []rune(s) // invalid bytes become utf8.RuneError
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case r == 0x1b:
			i = skipEscape(rs, i+1)
		case r == 0x9b: // C1 CSI
			i = skipCSI(rs, i+1)
		case r == 0x9d || r == 0x90 || r == 0x98 || r == 0x9e || r == 0x9f: // C1 OSC, DCS, SOS, PM, APC
			i = skipString(rs, i+1)
		case r == '\n' || r == '\t':
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f):
			// other controls: dropped
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isPlain reports whether s is valid UTF-8 with no control but \n and \t,
// the common case, which Clean returns as it is.
func isPlain(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if (r < 0x20 && r != '\n' && r != '\t') || (r >= 0x7f && r <= 0x9f) {
			return false
		}
	}
	return true
}

// skipEscape skips what follows an ESC at rs[i-1] and returns the index of
// the sequence's last rune.
func skipEscape(rs []rune, i int) int {
	if i >= len(rs) {
		return i - 1
	}
	switch rs[i] {
	case '[':
		return skipCSI(rs, i+1)
	case ']', 'P', 'X', '^', '_':
		return skipString(rs, i+1)
	}
	// nF sequences: intermediates 0x20-0x2F, then one final 0x30-0x7E.
	for i < len(rs) && rs[i] >= 0x20 && rs[i] <= 0x2f {
		i++
	}
	if i < len(rs) && rs[i] >= 0x30 && rs[i] <= 0x7e {
		return i
	}
	// A broken sequence: drop the ESC and what was taken, keep the rest.
	return i - 1
}

// skipCSI skips a control sequence's parameters (0x30-0x3F), intermediates
// (0x20-0x2F) and final byte (0x40-0x7E) from rs[i]. A rune outside those
// ranges ends the sequence there and is kept.
func skipCSI(rs []rune, i int) int {
	for ; i < len(rs); i++ {
		r := rs[i]
		switch {
		case r >= 0x30 && r <= 0x3f, r >= 0x20 && r <= 0x2f:
			continue
		case r >= 0x40 && r <= 0x7e:
			return i
		default:
			return i - 1
		}
	}
	return len(rs) - 1
}

// skipString skips an OSC, DCS, SOS, PM or APC string up to its
// terminator: BEL, ESC \ or C1 ST. An unterminated one runs to the end, as
// a terminal would swallow it.
func skipString(rs []rune, i int) int {
	for ; i < len(rs); i++ {
		switch rs[i] {
		case 0x07, 0x9c:
			return i
		case 0x1b:
			if i+1 < len(rs) && rs[i+1] == '\\' {
				return i + 1
			}
			// ESC without \ also ends the string (xterm does the same);
			// the ESC starts whatever comes next.
			return i - 1
		}
	}
	return len(rs) - 1
}

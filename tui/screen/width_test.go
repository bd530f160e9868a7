package screen

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// Width must measure what ansi.StringWidth measures: every rune of its
// narrow set alone, beside ASCII and styling, and strings it hands on.
func TestWidthMatchesAnsi(t *testing.T) {
	var cases []string
	for _, rg := range [][2]rune{{0x2010, 0x2027}, {0x2190, 0x21ff}, {0x2500, 0x25ff}} {
		for r := rg[0]; r <= rg[1]; r++ {
			cases = append(cases, string(r), "a"+string(r)+"b", "\x1b[1m"+string(r)+"\x1b[0m x")
		}
	}
	cases = append(cases,
		"", "plain ascii 10.0.0.1 > 10.0.0.2: ICMP echo request, id 1, seq 1, length 64",
		"\x1b[38;2;1;2;3mstyled\x1b[m", "\x1b[1;4;38;5;200mX\x1b[0m",
		"▶ 12 0.000001 RED/veth0 ", "│ pane │", "╭──╮", "→ ← ↔",
		"한국어 문장입니다", "mixed ▶ 한 x", "emoji 🙂 x", "▶\ufe0f", "e\u0301", "a\u200db",
		"\x1b]8;;http://x\x07link\x1b]8;;\x07", "tab\there", "ctl\x01x", "\x1b[", "\x1b[12",
		"\x1bc", "\x1b[?25l", strings.Repeat("\x1b[31m─\x1b[0m", 50), "\x7f", "\u00e9t\u00e9", "…", "\xff bad")
	for _, s := range cases {
		if got, want := Width(s), ansi.StringWidth(s); got != want {
			t.Errorf("Width(%q) = %d, ansi.StringWidth = %d", s, got, want)
		}
	}
}

package tui

import (
	"strings"
	"testing"
)

func TestMarkdown(t *testing.T) {
	st := DefaultStyles()
	md := "A **bold** word and `ip link`.\n\n- one\n- two items that wrap around the line\n\n1. first\n\n```\nip netns add RED\n```\n\n| | bridge | host |\n|---|---|---|\n| netns | own | the host's |\n| ports | -p | bind |\n\nafter"
	cases := []struct {
		w    int
		want []string
	}{
		{40, []string{"A bold word and ip link.", "• one", "• two items that wrap around the line", "1. first", "  ip netns add RED",
			"      │ bridge │ host", "──────┼────────┼───────────", "netns │ own    │ the host's", "after"}},
		{20, []string{"• two items that", "  wrap around the", "  line", "• netns", "  bridge: own", "  host: the host's"}},
	}
	for _, c := range cases {
		got := plain(strings.Join(renderMarkdown(md, c.w, st), "\n"))
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("w=%d: missing %q in\n%s", c.w, w, got)
			}
		}
		for _, l := range strings.Split(got, "\n") {
			if width(l) > c.w {
				t.Errorf("w=%d: line too wide (%d): %q", c.w, width(l), l)
			}
		}
	}
	ko := renderMarkdown("네임스페이스는 **격리**의 단위입니다. 각 네임스페이스는 자기만의 `lo`를 가집니다.", 20, st)
	for _, l := range ko {
		if width(l) > 20 {
			t.Errorf("Korean line too wide (%d): %q", width(l), l)
		}
	}
}

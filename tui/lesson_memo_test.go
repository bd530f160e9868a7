package tui

import (
	"slices"
	"testing"
)

// TestStepMemoDrawsAsWithout: the step pane drawn through the memo (warm
// from earlier frames at other widths, zoom states and languages) is
// line for line the pane drawn from nothing.
func TestStepMemoDrawsAsWithout(t *testing.T) {
	d := openLesson(t, "en", "veth", 120, 40, 4)
	m := d.root().lesson
	for _, w := range []int{118, 60, 118, 80} {
		for _, z := range []bool{false, true, false} {
			m.zoomed = z
			for _, lang := range []string{"en", "ko", "en"} {
				m.c.Lang = lang
				warm := m.stepLines(w)
				hit := m.stepLines(w)
				m.memo = blockMemo{}
				fresh := m.stepLines(w)
				if !slices.Equal(warm, fresh) || !slices.Equal(hit, fresh) {
					t.Fatalf("w=%d zoomed=%v lang=%s: the memo draws\n%q\nfrom nothing:\n%q", w, z, lang, hit, fresh)
				}
				if len(m.memo.md) == 0 || len(m.memo.heads) == 0 || len(m.memo.acts) == 0 {
					t.Fatalf("w=%d: nothing went through the memo (%d texts, %d heads, %d actions)", w, len(m.memo.md), len(m.memo.heads), len(m.memo.acts))
				}
			}
		}
	}
}

package screen

import (
	"strings"
	"testing"
)

// TestAssumeGoesOnFromFirstFrame: a Screen told that its terminal shows
// FirstFrame's frame takes the terminal without a clear, writes nothing
// for the same frame and only the changed lines for another; without
// Assume the same start clears and draws everything.
func TestAssumeGoesOnFromFirstFrame(t *testing.T) {
	view := "one\ntwo\nthree"
	ff := string(FirstFrame(view, 20, 5))
	if !strings.HasPrefix(ff, enterModes+"\x1b[H\x1b[2J") || !strings.Contains(ff, "\x1b[3;1Hthree") {
		t.Fatalf("FirstFrame = %q, want the modes, a clear and every line", ff)
	}
	var out syncBuf
	s := New(nil, &out)
	s.Assume(view, 20, 5)
	if err := s.takeTerminal(); err != nil {
		t.Fatal(err)
	}
	if got := out.take(); got != enterModes {
		t.Errorf("taking an assumed terminal wrote %q, want only the modes (no clear)", got)
	}
	s.mu.Lock()
	s.draw(view)
	same := out.take()
	s.draw("one\nTWO\nthree")
	changed := out.take()
	s.mu.Unlock()
	if same != "" {
		t.Errorf("the assumed frame again wrote %q, want nothing", same)
	}
	if changed != "\x1b[2;1HTWO\x1b[K" {
		t.Errorf("one changed line wrote %q, want only line 2", changed)
	}
	// Assumed once: a later take (after a lab shell) clears as always.
	if err := s.takeTerminal(); err != nil {
		t.Fatal(err)
	}
	if got := out.take(); !strings.HasSuffix(got, "\x1b[H\x1b[2J") {
		t.Errorf("the second take wrote %q, want a clear", got)
	}
}

package screen

import (
	"os"
	"strings"
	"testing"
)

// TestKeyboardEnhancements: a Screen whose program reads keys asks for
// keyboard disambiguation on the alternate screen (modifyOtherKeys 2 and
// a kitty keyboard push of flag 1, and once the query for the flags), and
// takes it back before the alternate screen is left: on Stop and around a
// command that has the terminal (Release, Restore). Pushes and pops pair
// up, so the main screen's stack is never popped; a Stop after a Release
// pops nothing more. A Screen without input sets none of it.
func TestKeyboardEnhancements(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	var out syncBuf
	s := New(r, &out)
	if err := s.Start(nil); err != nil {
		t.Fatal(err)
	}
	start := out.take()
	if err := s.Release(); err != nil {
		t.Fatal(err)
	}
	release := out.take()
	if err := s.Restore(); err != nil {
		t.Fatal(err)
	}
	restore := out.take()
	if err := s.Release(); err != nil { // a shell when the program is stopped
		t.Fatal(err)
	}
	release2 := out.take()
	s.Stop()
	stop := out.take()

	const (
		alt, noAlt  = "\x1b[?1049h", "\x1b[?1049l"
		mok, mokOff = "\x1b[>4;2m", "\x1b[>4m"
		push, pop   = "\x1b[>1u", "\x1b[<1u"
		query       = "\x1b[?u"
	)
	// in order: each string of want found after the one before it
	inOrder := func(what, got string, want ...string) {
		t.Helper()
		rest := got
		for _, w := range want {
			i := strings.Index(rest, w)
			if i < 0 {
				t.Errorf("%s: %q not found in order %q in %q", what, w, want, got)
				return
			}
			rest = rest[i+len(w):]
		}
	}
	inOrder("Start", start, alt, mok, push, query)
	inOrder("Release", release, mokOff, pop, noAlt)
	inOrder("Restore", restore, alt, mok, push)
	if strings.Contains(restore, query) {
		t.Errorf("Restore asked for the flags again: %q", restore)
	}
	inOrder("a second Release", release2, mokOff, pop, noAlt)
	if strings.Contains(stop, pop) {
		t.Errorf("Stop after a Release popped again: %q", stop)
	}
	all := start + release + restore + release2 + stop
	if n, m := strings.Count(all, push), strings.Count(all, pop); n != 2 || m != 2 {
		t.Errorf("%d pushes and %d pops, want 2 and 2: %q", n, m, all)
	}

	// Start then Stop: popped on the way out.
	var out2 syncBuf
	s2 := New(r, &out2)
	if err := s2.Start(nil); err != nil {
		t.Fatal(err)
	}
	s2.Stop()
	inOrder("Start, Stop", out2.take(), alt, push, mokOff, pop, noAlt)

	// No input: nothing of the keyboard's.
	var out3 syncBuf
	s3 := New(nil, &out3)
	if err := s3.Start(nil); err != nil {
		t.Fatal(err)
	}
	s3.Stop()
	if got := out3.take(); strings.Contains(got, push) || strings.Contains(got, query) || strings.Contains(got, mok) {
		t.Errorf("a Screen without input asked for keyboard modes: %q", got)
	}
}

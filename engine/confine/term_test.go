package confine

import (
	"slices"
	"testing"
)

// TestRestoreTermTwice: the TERM a hook process hid comes back, and an
// env restored already (the helper gets the spawn client's) keeps it: a
// lab shell under nettutor serve had no TERM, and clear failed there.
func TestRestoreTermTwice(t *testing.T) {
	env := []string{"PATH=/bin", "TERM=screen-256color"}
	hidden := HideTerm(env)
	if !slices.Contains(hidden, "TERM=dumb") || slices.Contains(hidden, "TERM=screen-256color") {
		t.Fatalf("HideTerm: %q", hidden)
	}
	once := restoreTerm(hidden)
	twice := restoreTerm(labEnv(once))
	for _, e := range [][]string{once, twice} {
		if !slices.Contains(e, "TERM=screen-256color") || slices.Contains(e, "TERM=dumb") {
			t.Errorf("restored: %q, want the real TERM", e)
		}
	}
	// No TERM at all: none comes back, not the hooks' dumb one.
	if e := restoreTerm(HideTerm([]string{"PATH=/bin"})); slices.ContainsFunc(e, func(kv string) bool { return len(kv) >= 5 && kv[:5] == "TERM=" }) {
		t.Errorf("no TERM given, restored: %q", e)
	}
}

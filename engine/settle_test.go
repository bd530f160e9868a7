package engine

import (
	"testing"
	"time"
)

// TestSettleLinksLooksOnceWhenSettled: on a settled lab (RED and BLUE
// over a veth, both ends up), SettleLinks says so after one look at the
// links, not two: each look dumps the links of every namespace, and a
// step settles once for its diagram, before each `show` and each probe.
func TestSettleLinksLooksOnceWhenSettled(t *testing.T) {
	l := newLab(t)
	apply(t, l, vethActions()...)
	if !l.SettleLinks(5 * time.Second) {
		t.Fatal("the veth pair did not settle within 5s")
	}
	before := l.linkLooks.Load()
	if !l.SettleLinks(5 * time.Second) {
		t.Fatal("a settled lab is not settled")
	}
	if n := l.linkLooks.Load() - before; n != 1 {
		t.Fatalf("SettleLinks on a settled lab looked %d times, want 1", n)
	}
	s := snap(t, l)
	if red := s.NS("RED").Link("veth0"); red == nil || red.State != "up" {
		t.Fatalf("RED veth0 after settling: %+v", red)
	}
}

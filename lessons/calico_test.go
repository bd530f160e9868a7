package lessons

import (
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Neighbour states and MACs change between two reads (a probe, a timer);
// the rest of a route, link or neigh listing must be the tool's own.
var (
	calicoNudState = regexp.MustCompile(`\b(REACHABLE|STALE|DELAY|PROBE)\b`)
	calicoMAC      = regexp.MustCompile(`([0-9a-f]{2}:){5}[0-9a-f]{2}`)
)

func calicoNorm(s string) string {
	s = calicoNudState.ReplaceAllString(s, "NUD")
	s = calicoMAC.ReplaceAllStringFunc(s, func(m string) string {
		if m == "ee:ee:ee:ee:ee:ee" || strings.HasPrefix(m, "66:c5:1a:7e:20:") {
			return m // set by the lesson: must be exact
		}
		return "MAC"
	})
	return strings.TrimSpace(s)
}

// TestCalicoShowsAreReal is the fidelity oracle on the calico lesson: what
// every `show` of every step that runs here printed is what the same
// command, typed in the lab host's shell right after the step, prints
// (routes with scope link, blackhole and proto bird, onlink; neighbours
// and fdb entries of vxlan.calico; the cali end's ee:ee:ee:ee:ee:ee).
func TestCalicoShowsAreReal(t *testing.T) {
	t.Parallel() // a lab of its own that mostly waits on probes: see parallel_test.go
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("no ip")
	}
	if _, shows := showsAreReal(t, "calico", calicoNorm, 2*time.Minute); shows < 6 {
		t.Errorf("%d shows compared; the lesson has more", shows)
	}
}

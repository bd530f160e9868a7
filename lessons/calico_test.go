package lessons

import (
	"context"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nettutor/nettutor/engine"
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
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("no ip")
	}
	l, err := Find("calico")
	if err != nil {
		t.Fatal(err)
	}
	lab := newLab(t)
	r := NewRunner(lab, l, Options{})
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	shows := 0
	for !r.Done() {
		res, err := r.RunNext(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if res.NotRun != nil {
			continue
		}
		for _, a := range res.Actions {
			if a.Kind != "show" {
				continue
			}
			shows++
			var real string
			for try := 0; try < 4; try++ {
				out, err := lab.Cmd(engine.HostNS, "bash", "-c", a.Command).CombinedOutput()
				if err != nil {
					t.Fatalf("step %s: $ %s: %v\n%s", res.Step.ID, a.Command, err, out)
				}
				real = string(out)
				if calicoNorm(real) == calicoNorm(a.Output) {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			if calicoNorm(real) != calicoNorm(a.Output) {
				t.Errorf("step %s: $ %s\n--- tutor:\n%s\n--- real:\n%s", res.Step.ID, a.Command, a.Output, real)
			}
		}
	}
	if shows < 6 {
		t.Errorf("%d shows compared; the lesson has more", shows)
	}
}

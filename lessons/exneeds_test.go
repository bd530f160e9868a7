package lessons

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nettutor/nettutor/engine"
)

// TestExerciseNeedsLoad: an exercise's `needs` takes the kernel needs,
// an unknown value is an error at its file:line:col with a guess, and a
// setup that makes a VXLAN device needs vxlan even when the file does not
// say so.
func TestExerciseNeedsLoad(t *testing.T) {
	declared := exerciseHead + `    needs: [ipvs]
    checks:
      - {id: c, link: {ns: RED, name: lo}}
`
	l, err := Load("t.yaml", []byte(declared))
	if err != nil {
		t.Fatal(err)
	}
	if got := l.Exercises[0].Needs; len(got) != 1 || got[0] != NeedIPVS {
		t.Errorf("declared: needs %v, want [ipvs]", got)
	}
	inferred := exerciseHead + `      - netns_add: {name: NODE1}
      - vxlan: {ns: NODE1, name: flannel.1, id: 1, dstport: 8472}
    checks:
      - {id: c, link: {ns: RED, name: lo}}
`
	l, err = Load("t.yaml", []byte(inferred))
	if err != nil {
		t.Fatal(err)
	}
	if got := l.Exercises[0].Needs; len(got) != 1 || got[0] != NeedVXLAN {
		t.Errorf("inferred: needs %v, want [vxlan]", got)
	}
	wantLoadErrors(t, exerciseHead+`    needs: [vxlam, subids]
    checks:
      - {id: c, link: {ns: RED, name: lo}}
`, `t.yaml:13:13: exercise "e": needs: unknown need "vxlam"`, `did you mean "vxlan"`,
		`t.yaml:13:20: exercise "e": needs: unknown need "subids"`)
	wantLoadErrors(t, exerciseHead+`    needs: vxlan
    checks:
      - {id: c, link: {ns: RED, name: lo}}
`, `t.yaml:13:12: exercise "e": "needs" wants a list`)
}

// TestBuiltinExercisesDeclareVXLAN: every built-in exercise whose setup
// makes flannel.1 (or any VXLAN device) says needs: [vxlan] itself, so a
// reader of the lesson file sees it.
func TestBuiltinExercisesDeclareVXLAN(t *testing.T) {
	n := 0
	for _, id := range BuiltinOrder {
		l, err := Find(id)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range l.Exercises {
			if !contains(setupNeeds(e), NeedVXLAN) {
				continue
			}
			n++
			b, _ := builtinFS.ReadFile("builtin/" + id + ".yaml")
			src := string(b)
			if !declaresNeed(src, e.ID, NeedVXLAN) {
				t.Errorf("%s: its setup makes a VXLAN device; the file does not say needs: [vxlan]", e.FullID())
			}
		}
	}
	if n < 4 {
		t.Errorf("%d built-in exercises make a VXLAN device; want service's, loadbalancer's and troubleshoot's", n)
	}
}

// declaresNeed reports whether exercise id's own lines in a lesson file
// list need under `needs:`.
func declaresNeed(src, id, need string) bool {
	in := false
	for _, line := range strings.Split(src, "\n") {
		if strings.HasPrefix(line, "  - id: ") {
			in = strings.TrimSpace(strings.TrimPrefix(line, "  - id: ")) == id
			continue
		}
		if in && strings.HasPrefix(line, "    needs: [") && strings.Contains(line, need) {
			return true
		}
	}
	return false
}

// TestExerciseWithoutVXLAN: on a kernel without the vxlan driver (the
// probe faked through labLacks, the hook the steps' needs use), the
// service/clusterip exercise does not start: one line that names the
// driver and modprobe, in both languages, and nothing of its setup made.
func TestExerciseWithoutVXLAN(t *testing.T) {
	forceNoKernel(t, NeedVXLAN)
	_, e, err := FindExercise("service/clusterip")
	if err != nil {
		t.Fatal(err)
	}
	lab := newLab(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, res, err := e.StartWith(ctx, lab, StartOptions{})
	var ne *NeedError
	if !errors.As(err, &ne) || ne.Need != NeedVXLAN || ne.Exercise != "service/clusterip" {
		t.Fatalf("start: %v (%T), want a NeedError for vxlan", err, err)
	}
	if len(res) != 0 {
		t.Errorf("%d setup actions ran", len(res))
	}
	en, ko := ne.Text("en"), ne.Text("ko")
	for _, s := range []string{en, ko} {
		if !strings.Contains(s, "modprobe vxlan") || !strings.Contains(s, "service/clusterip") || strings.Contains(s, "\n") || strings.Contains(s, "%!") {
			t.Errorf("not one line naming the exercise and modprobe vxlan: %q", s)
		}
	}
	if !strings.HasPrefix(en, "exercise service/clusterip not started here") || !strings.Contains(ko, "시작하지 않") {
		t.Errorf("en %q / ko %q", en, ko)
	}
	// Nothing was made: the lab still has no NODE1.
	if out, err := lab.Cmd(engine.HostNS, "ip", "netns", "list").CombinedOutput(); err != nil || strings.Contains(string(out), "NODE1") {
		t.Errorf("ip netns list: %q %v", out, err)
	}
}

package test

import (
	"regexp"
	"testing"
)

// TestHostileContainedForgery: the forged PASS of issue 19 on isolation/box
// (a launcher that kills the grader's reference sleep and starts a
// look-alike in fresh namespaces) graded by the real binary, as root and
// rootless: alone with `check`, and in a class run with --jobs 2 next to an
// honest launcher, in text and JSON. The forger fails its hostname and
// network checks; the honest launcher passes 3/3.
// The forger is the lessons package's own wrong answer, so that the
// grader's unit tests and the binary's are held to one script.
func TestHostileContainedForgery(t *testing.T) {
	forModes(t, func(t *testing.T, h *hostileLab) {
		forger := h.script(t, "../../../lessons/testdata/answers/isolation-box/bad-forged-reference.sh", "forger.sh")
		r := h.check(t, nil, "check", "isolation/box", "--answer", forger)
		t.Logf("check alone: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		if r.code != 1 || regexp.MustCompile(`(?m)^✓ PASS`).MatchString(r.stdout) {
			t.Errorf("HOLE: the forger was not failed (exit %d)", r.code)
		}
		for _, id := range []string{"hostname", "network"} {
			if !regexp.MustCompile(`(?m)✗ ` + id + `\b.*\n(.*\n)*?.*lab host's`).MatchString(r.stdout) {
				t.Errorf("check %s does not fail blaming the lab host's namespace", id)
			}
		}

		h.script(t, "../../../lessons/testdata/answers/isolation-box/bad-forged-reference.sh", "class/a-forger.sh")
		h.script(t, "ok-box.sh", "class/b-ok.sh")
		r, text := h.classToFile(t, "isolation/box")
		t.Logf("class run: exit %d\n%s%s", r.code, text, r.stderr)
		if r.code != 1 {
			t.Errorf("exit %d, want 1 (one answer of two passed)", r.code)
		}
		if regexp.MustCompile(`(?m)^✓ PASS .*a-forger`).MatchString(text) {
			t.Errorf("HOLE: forged PASS in the class run")
		}
		if !regexp.MustCompile(`(?m)^✓ PASS\s+3/3\s+class/b-ok\.sh`).MatchString(text) {
			t.Errorf("the honest launcher does not pass 3/3")
		}

		r = h.check(t, nil, "check", "isolation/box", "--answer", "class", "--jobs", "2", "--json")
		reps := reports(t, r)
		if len(reps) != 2 || reps["a-forger.sh"].Passed || !reps["b-ok.sh"].Passed {
			t.Errorf("JSON class run: %+v", reps)
		}
		for _, c := range reps["a-forger.sh"].Checks {
			if (c.Name == "hostname" || c.Name == "network") && c.Passed {
				t.Errorf("HOLE: forger's %s passed in JSON", c.Name)
			}
		}
	})
}

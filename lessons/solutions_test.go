package lessons

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nettutor/nettutor/engine"
	"github.com/nettutor/nettutor/engine/sandbox"
)

// solSpec is what a troubleshooting answer's header asks (see
// testdata/answers/README.md): the fault it is graded against ("" for
// every fault) and, for a wrong answer, check id -> the cause its hint
// must blame.
type solSpec struct {
	pass   bool
	fault  string
	causes map[string]string
	hints  map[string]string // check id -> text its English hint must contain
}

func readSolSpec(t testing.TB, path string) solSpec {
	t.Helper()
	s := solSpec{causes: map[string]string{}, hints: map[string]string{}}
	for _, h := range answerHeader(t, path) {
		switch h.key {
		case "expect":
			s.pass = h.val == "pass"
		case "fault":
			s.fault = h.val
		case "hint":
			id, text := idValue(h.val)
			s.hints[id] = text
		case "cause":
			id, c := idValue(h.val)
			s.causes[id] = c
		}
	}
	return s
}

// grade grades an answer on lab, reset first: a fresh lab costs more than
// the grading itself.
func grade(t *testing.T, lab *engine.Lab, ex *Exercise, path string, o GradeOptions) *Grade {
	t.Helper()
	if err := lab.Reset(); err != nil {
		t.Fatalf("reset lab: %v", err)
	}
	o.Timeout = 20 * time.Second
	g, err := ex.Grade(context.Background(), lab, path, o)
	if err != nil {
		t.Fatalf("grade %s: %v", path, err)
	}
	return g
}

// firstFailure is the first failed check of g.
func firstFailure(g *Grade) *CheckResult {
	for i := range g.Checks {
		if !g.Checks[i].OK {
			return &g.Checks[i]
		}
	}
	return nil
}

// noSubIDs: exercises that need subordinate ids cannot pass in a rootless
// lab of one uid (TestGradeAnswers holds the note that says so).
func noSubIDs(ex *Exercise) bool {
	return ex.NeedsSubIDs() && sandbox.Rootless() && sandbox.SubIDs() == 0
}

// TestSolutions grades, for every exercise of every built-in lesson and
// every fault of a troubleshooting exercise: the YAML's solution (must
// pass); the untouched starting state of each fault (must fail, its first
// failed check blaming the fault's cause with a first hint and a second,
// the fix, in English and Korean, and no {name} left unfilled); and the
// answers under testdata/answers/troubleshoot-*: ok-* pass (for their
// fault, or every fault), bad-* fail with the cause of each `# cause:`.
// A solution also exits 0, and where it cannot pass (rootless without
// subordinate ids) the grade's note says why: what TestGradeSolutions
// held, grading the same solutions again on labs of their own (folded
// here for the suite's time; the answer-name seed path it also took is
// nettutor check's, held in cmd/nettutor's TestCheckSeed).
func TestSolutions(t *testing.T) {
	t.Parallel() // labs of its own that mostly wait on probes: see parallel_test.go
	start := time.Now()
	ls, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	nothing := writeAnswer(t, "true\n")
	var graded atomic.Int64
	// Every grade is a subtest on a lab of its own worker (runOnLabs).
	var cases []labCase
	for _, l := range ls {
		for _, ex := range l.Exercises {
			faults := ex.Faults
			if len(faults) == 0 {
				faults = []*Fault{nil}
			}
			for _, f := range faults {
				// Each fault's own solution: its diagnosis and its one
				// fix, not a script that repairs every fault at once.
				sol := filepath.Join(t.TempDir(), "solution.sh")
				if err := os.WriteFile(sol, []byte(ex.SolutionFor(f)), 0o644); err != nil {
					t.Fatal(err)
				}
				name := ex.FullID()
				o := GradeOptions{}
				if f != nil {
					name += "/" + f.ID
					o.Fault = f.ID
				}
				cases = append(cases, labCase{name, func(t *testing.T, lab *engine.Lab) {
					g := grade(t, lab, ex, sol, o)
					graded.Add(1)
					if noSubIDs(ex) {
						if g.Passed || g.Note == "" {
							t.Errorf("rootless without subordinate ids: passed %v, note %q", g.Passed, g.Note)
						}
						return
					}
					if !g.Passed {
						t.Fatalf("the solution fails:\n%s", describeGrade(g))
					}
					if g.Run.ExitCode != 0 {
						t.Errorf("solution exit %d:\n%s", g.Run.ExitCode, g.Run.Output)
					}
					if f == nil {
						return
					}
					if g.Fault != f.ID {
						t.Errorf("grade records fault %q, want %q", g.Fault, f.ID)
					}
					// The broken lab as handed out fails, blaming the fault.
					g = grade(t, lab, ex, nothing, o)
					graded.Add(1)
					c := firstFailure(g)
					if c == nil {
						t.Fatalf("fault %s: the untouched lab passes", f.ID)
					}
					if c.Cause != f.Cause {
						t.Errorf("fault %s: first failed check %s blames %q, want %q\n%s", f.ID, c.ID, c.Cause, f.Cause, describeGrade(g))
					}
					holdHint(t, c)
				}})
			}
		}
	}
	dirs, _ := filepath.Glob("testdata/answers/troubleshoot-*")
	for _, dir := range dirs {
		ex := exerciseOfFolder(t, dir)
		files, _ := filepath.Glob(filepath.Join(dir, "*.sh"))
		sort.Strings(files)
		okFaults := map[string]int{}
		badCauses := map[string]bool{}
		for _, file := range files {
			spec := readSolSpec(t, file)
			faults := []string{spec.fault}
			if spec.fault == "" {
				faults = nil
				for _, f := range ex.Faults {
					faults = append(faults, f.ID)
				}
			}
			for _, fid := range faults {
				if spec.pass {
					okFaults[fid]++
				} else if len(spec.causes) > 0 {
					badCauses[fid] = true
				}
				name := filepath.Base(dir) + "/" + filepath.Base(file) + "/" + fid
				cases = append(cases, labCase{name, func(t *testing.T, lab *engine.Lab) {
					if strings.HasPrefix(filepath.Base(file), "ok-") != spec.pass {
						t.Fatalf("file name and '# expect:' disagree")
					}
					g := grade(t, lab, ex, file, GradeOptions{Fault: fid})
					graded.Add(1)
					if !holdAnswerGrade(t, g, spec.pass, spec.causes) {
						return
					}
					for id, want := range spec.hints {
						for i := range g.Checks {
							if c := g.Checks[i]; c.ID == id && !strings.Contains(c.Hint.Get("en"), want) {
								t.Errorf("check %s hint:\n got  %q\n want %q", id, c.Hint.Get("en"), want)
							}
						}
					}
				}})
			}
		}
		for _, f := range ex.Faults {
			if okFaults[f.ID] < 2 {
				t.Errorf("%s fault %s: %d correct answers of ours, want at least 2 besides the solution", ex.FullID(), f.ID, okFaults[f.ID])
			}
		}
		for _, f := range ex.Faults {
			if !badCauses[f.ID] {
				t.Errorf("%s fault %s: no wrong answer with a '# cause:'", ex.FullID(), f.ID)
			}
		}
	}
	cases = append(cases, solutionFolderCases(t, &graded)...) // solutions_cluster_test.go
	runOnLabs(t, cases)
	t.Logf("%d grades in %.1f s", graded.Load(), time.Since(start).Seconds())
}

// holdAnswerGrade holds g to the header of the answer graded
// (testdata/answers/README.md): it passed if and only if '# expect: pass'
// says so; a wrong answer names at least one cause, and each '# cause:'
// line (check id -> cause) holds: the check is in the grade, failed, and
// blames that cause, with a hint holdHint accepts. It reports whether the
// answer is a wrong one, for the caller's checks of the header's other
// lines. TestSolutions' troubleshooting answers and the cluster folders'
// answers (solutions_cluster_test.go) have the same header, so one helper
// keeps what it means the same for both.
func holdAnswerGrade(t *testing.T, g *Grade, pass bool, causes map[string]string) bool {
	t.Helper()
	if g.Passed != pass {
		t.Fatalf("passed = %v, want %v\n%s", g.Passed, pass, describeGrade(g))
	}
	if pass {
		return false
	}
	if len(causes) == 0 {
		t.Fatalf("a wrong answer without '# cause:'")
	}
	for id, want := range causes {
		var c *CheckResult
		for i := range g.Checks {
			if g.Checks[i].ID == id {
				c = &g.Checks[i]
			}
		}
		switch {
		case c == nil:
			t.Errorf("no check %q", id)
		case c.OK:
			t.Errorf("check %s passed; it should fail\n%s", id, describeGrade(g))
		case c.Cause != want:
			t.Errorf("check %s blames %q, want %q\n%s", id, c.Cause, want, describeGrade(g))
		default:
			holdHint(t, c)
		}
	}
	return true
}

// holdHint: a failed check's hint names the cause and its fix gives the
// command, both in English and Korean, with every {name} filled in.
func holdHint(t *testing.T, c *CheckResult) {
	t.Helper()
	for _, lang := range []string{"en", "ko"} {
		h, fix := c.Hint[lang], c.Fix[lang]
		if h == "" {
			t.Errorf("check %s (%s): no %s hint", c.ID, c.Cause, lang)
		}
		if c.Cause != "" && c.Fix != nil && fix == "" {
			t.Errorf("check %s (%s): no %s fix", c.ID, c.Cause, lang)
		}
		for _, s := range []string{h, fix} {
			if i := strings.IndexByte(s, '{'); i >= 0 && strings.IndexByte(s[i:], '}') > 0 {
				t.Errorf("check %s: unfilled name in %q", c.ID, s)
			}
			if strings.Contains(s, "veth0") || strings.Contains(s, "veth1") {
				t.Errorf("check %s: names veth0/veth1, which this lab does not have: %q", c.ID, s)
			}
		}
	}
}

// TestPickFault: the same seed always picks the same fault, and a class's
// names spread over every fault.
func TestPickFault(t *testing.T) {
	_, ex, err := FindExercise("troubleshoot/bridge")
	if err != nil {
		t.Fatal(err)
	}
	if len(ex.Faults) < 2 {
		t.Fatalf("%d faults", len(ex.Faults))
	}
	seen := map[string]bool{}
	for _, name := range []string{"kim.sh", "lee.sh", "park.sh", "choi.sh", "jung.sh", "kang.sh", "cho.sh", "yoon.sh", "lim.sh", "ahn.sh"} {
		f := ex.PickFault(AnswerSeed("answers/" + name))
		if f != ex.PickFault(AnswerSeed("/other/folder/"+name)) {
			t.Errorf("%s: the folder changed the fault", name)
		}
		seen[f.ID] = true
	}
	if len(seen) != len(ex.Faults) {
		t.Errorf("ten names picked only %v of %d faults", seen, len(ex.Faults))
	}
	if (&Exercise{}).PickFault(7) != nil {
		t.Errorf("an exercise without faults picked one")
	}
}

// TestLoadFaults: the loader's errors for faults and hint cases carry
// file:line:col.
func TestLoadFaults(t *testing.T) {
	src := exerciseHead + `    faults:
      - id: one
        cause: link-dwn
        setup:
          - link_down: {ns: RED, name: eth9}
    checks:
      - id: c
        reachable: {from: RED, to: 11.11.11.3}
        hint: {en: H}
        when:
          - cause: no-rout
            hint: {en: X}
`
	wantLoadErrors(t, src,
		"t.yaml:14:7: exercise \"e\": faults: give at least two",
		"t.yaml:15:16: exercise \"e\" fault \"one\": unknown cause \"link-dwn\" (did you mean \"link-down\"?)",
		"t.yaml:17:40: ",
		"t.yaml:23:20: exercise \"e\" check when: unknown cause \"no-rout\" (did you mean \"no-route\"?)",
	)
}

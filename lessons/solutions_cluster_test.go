package lessons

import (
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/nettutor/nettutor/engine"
)

// solutionFolders hold the answers that TestSolutions grades besides the
// exercises' own solutions (TestGradeAnswers leaves them out): the
// cluster exercises, each with the causes its wrong answers must cover,
// one per failure case of the issue.
var solutionFolders = map[string][]string{
	"testdata/answers/flannel-overlay": {encapCauseNoEncap, encapCausePort, encapCauseNoVTEP, encapCauseVNI},
}

// solutionFolderCases grades every answer of solutionFolders (a subtest
// each, on the lab runOnLabs hands it) and holds it to its header
// (testdata/answers/README.md): ok-* pass, bad-* fail the named checks with
// the named causes, details and hints. Each folder needs at least two
// correct answers besides the solution, and a wrong answer for each of its
// causes.
func solutionFolderCases(t *testing.T, graded *atomic.Int64) []labCase {
	var cases []labCase
	dirs := make([]string, 0, len(solutionFolders))
	for d := range solutionFolders {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	for _, dir := range dirs {
		ex := exerciseOfFolder(t, dir)
		files, _ := filepath.Glob(filepath.Join(dir, "*.sh"))
		sort.Strings(files)
		ok, covered := 0, map[string]bool{}
		for _, file := range files {
			spec := readAnswerSpec(t, file)
			if spec.pass {
				ok++
			}
			for _, c := range spec.causes {
				covered[c] = true
			}
			cases = append(cases, labCase{filepath.Base(dir) + "/" + filepath.Base(file), func(t *testing.T, lab *engine.Lab) {
				if strings.HasPrefix(filepath.Base(file), "ok-") != spec.pass {
					t.Fatalf("file name and '# expect:' disagree")
				}
				g := grade(t, lab, ex, file, GradeOptions{})
				graded.Add(1)
				if noSubIDs(ex) {
					if g.Passed {
						t.Errorf("rootless without subordinate ids: passed")
					}
					return
				}
				if !holdAnswerGrade(t, g, spec.pass, spec.causes) {
					return
				}
				byID := map[string]*CheckResult{}
				for i := range g.Checks {
					byID[g.Checks[i].ID] = &g.Checks[i]
				}
				for _, id := range spec.fail {
					if c := byID[id]; c == nil || c.OK {
						t.Errorf("check %s did not fail\n%s", id, describeGrade(g))
					}
				}
				for id, want := range spec.details {
					if c := byID[id]; c == nil || !strings.Contains(c.Detail, want) {
						t.Errorf("check %s detail lacks %q\n%s", id, want, describeGrade(g))
					}
				}
				for id, want := range spec.hints {
					if c := byID[id]; c == nil || !strings.Contains(c.Hint.Get("en"), want) {
						t.Errorf("check %s hint lacks %q\n%s", id, want, describeGrade(g))
					}
				}
			}})
		}
		if ok < 2 {
			t.Errorf("%s: %d correct answers besides the solution, want at least 2", dir, ok)
		}
		for _, c := range solutionFolders[dir] {
			if !covered[c] {
				t.Errorf("%s: no wrong answer blames %s", dir, c)
			}
		}
	}
	return cases
}

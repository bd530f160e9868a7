package lessons

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/nettutor/nettutor/engine"
	"github.com/nettutor/nettutor/engine/confine"
)

// NeedPython3 is the step need for python3 on the lab's PATH. The
// loadbalancer lesson's ARP speaker, the stand-in for MetalLB's, is a
// Python program run in a node's namespace; python3 is not on every host
// (a minimal Debian has none), so its steps, and the later ones whose
// expectations rest on the speaker's answers, need it.
const NeedPython3 = "python3"

func init() {
	StepNeeds = append(StepNeeds, NeedPython3)
	lacks := labLacks
	labLacks = func(lab *engine.Lab, need string) bool {
		if need == NeedPython3 {
			return !HavePython3()
		}
		return lacks(lab, need)
	}
}

// HavePython3 reports whether python3 is on the PATH a lab program gets
// (confine.LabPATH of nettutor's own), asked each time so that an install
// between two runs counts.
func HavePython3() bool {
	_, ok := lookLabPath("python3", confine.LabPATH(os.Getenv("PATH")))
	return ok
}

// lookLabPath finds name in the folders of path as exec.LookPath does
// (a regular file with an execute bit), for a PATH that is not this
// process's own.
func lookLabPath(name, path string) (string, bool) {
	for _, d := range filepath.SplitList(path) {
		if d == "" {
			continue
		}
		p := filepath.Join(d, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0 {
			return p, true
		}
	}
	return "", false
}

// python3Guard writes, for a step that needs python3, the shell test that
// runs its commands only where python3 is installed, and returns what
// closes it; elsewhere the step's not-run line goes to stderr, as
// `nettutor run` prints it.
func python3Guard(b *strings.Builder, s *Step) func() {
	if !contains(s.Needs, NeedPython3) {
		return func() {}
	}
	b.WriteString("if command -v python3 >/dev/null 2>&1; then\n")
	return func() {
		line := (&NotRun{Need: NeedPython3}).Text("en")
		fmt.Fprintf(b, "else\necho %s >&2\nfi\n", shellQuote(line))
	}
}

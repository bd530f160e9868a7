package lessons

// Step needs for kernel features (FORMAT.md, "Step needs"): a step that
// makes a tunl0 needs the ipip driver, one that makes a VXLAN device the
// vxlan driver, one that programs IPVS the ip_vs module. The lab cannot
// load a module, so a kernel without one gets the step marked "not run
// here" with the cause and the fix on the host.

import (
	"fmt"
	"strings"

	"github.com/nettutor/nettutor/engine"
)

// Kernel-feature step needs.
const (
	NeedIPIP  = engine.FeatureIPIP
	NeedVXLAN = engine.FeatureVXLAN
	NeedIPVS  = engine.FeatureIPVS
)

// kernelNeeds are the step needs that HasKernelFeature probes.
var kernelNeeds = []string{NeedIPIP, NeedVXLAN, NeedIPVS}

func init() { StepNeeds = append(StepNeeds, kernelNeeds...) }

// kernelNeed reports whether need is a kernel feature.
func kernelNeed(need string) bool { return contains(kernelNeeds, need) }

// labHasKernel asks the lab's kernel for need each time (a module loaded
// on the host between two runs counts from then on). A probe that fails
// says the feature is present: the step then runs and its own action
// reports what went wrong, rather than a cause that was not found.
func labHasKernel(lab *engine.Lab, need string) bool {
	ok, err := lab.HasKernelFeature(need)
	return ok || err != nil
}

// kernelGuard writes, for a step with kernel needs, the shell test that
// runs its commands only where the kernel has each driver (the runner's
// own test: its directory under /sys/module), and returns what closes it;
// a kernel without one gets the step's not-run line on stderr instead, as
// `nettutor run` prints it.
func kernelGuard(b *strings.Builder, s *Step) func() {
	var tests, mods []string
	for _, n := range s.Needs {
		if kernelNeed(n) {
			tests = append(tests, "[ -d /sys/module/"+engine.KernelModule(n)+" ]")
			mods = append(mods, n)
		}
	}
	if len(tests) == 0 {
		return func() {}
	}
	fmt.Fprintf(b, "if %s; then\n", strings.Join(tests, " && "))
	return func() {
		line := (&NotRun{Need: mods[0]}).Text("en")
		fmt.Fprintf(b, "else\necho %s >&2\nfi\n", shellQuote(line))
	}
}

// shellQuote quotes s for bash as one word.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

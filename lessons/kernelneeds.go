package lessons

// Step needs for kernel features (FORMAT.md, "Step needs"): a step that
// makes a tunl0 needs the ipip driver, one that makes a VXLAN device the
// vxlan driver, one that programs IPVS the ip_vs module. The lab cannot
// load a module, so a kernel without one gets the step marked "not run
// here" with the cause and the fix on the host.

import (
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

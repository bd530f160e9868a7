package lessons

import (
	"os"
	"strings"

	"github.com/nettutor/nettutor/engine"
)

// The CNI step needs. The pod lesson runs the reference CNI plugins
// (bridge with host-local IPAM) where they are installed, and makes the
// same objects by hand where they are not: the plugin's step needs
// NeedCNI, the by-hand step NeedNoCNI, so exactly one of them runs in any
// lab. They live here, apart from stepneeds.go, so that other needs can be
// added there without touching these lines.
const (
	// NeedCNI is the step need for the CNI reference plugins that the
	// step runs (Debian's containernetworking-plugins: bridge and
	// host-local in CNIPluginDir).
	NeedCNI = "cni"
	// NeedNoCNI is its opposite: the step runs only where those plugins
	// are absent (it does by hand what the plugin step does).
	NeedNoCNI = "no-cni"
)

// CNIPluginDir is where Debian's containernetworking-plugins installs the
// plugins. The lab sees the host's /usr read-only, so a plugin there runs
// in the lab as on the host.
const CNIPluginDir = "/usr/lib/cni"

// cniPlugins are the plugins a NeedCNI step runs: bridge calls host-local
// for its addresses.
var cniPlugins = []string{"bridge", "host-local"}

// needOpposite maps a need that holds when another is lacking to that
// other: a step that needs the key runs only in a lab that lacks the value.
var needOpposite = map[string]string{NeedNoCNI: NeedCNI}

func init() {
	StepNeeds = append(StepNeeds, NeedCNI, NeedNoCNI)
	lacks := labLacks
	labLacks = func(lab *engine.Lab, need string) bool {
		switch need {
		case NeedCNI:
			return !HaveCNIPlugins()
		case NeedNoCNI:
			return HaveCNIPlugins()
		}
		return lacks(lab, need)
	}
}

// HaveCNIPlugins reports whether the CNI plugins a NeedCNI step runs are
// installed and executable.
func HaveCNIPlugins() bool {
	for _, p := range cniPlugins {
		fi, err := os.Stat(CNIPluginDir + "/" + p)
		if err != nil || fi.IsDir() || fi.Mode().Perm()&0o111 == 0 {
			return false
		}
	}
	return true
}

// cniNotRunKey is the string key of the line that says why a CNI step was
// not run (NotRun.Text).
func cniNotRunKey(need string) string {
	if need == NeedNoCNI {
		return "needs.no_cni.not_run"
	}
	return "needs.cni.not_run"
}

// cniScriptGuard is the shell test an exported script puts around a step
// with a CNI need, so that the script, like the runner, runs the plugin
// where it is installed and the by-hand commands where it is not ("" for
// a step without one).
func cniScriptGuard(needs []string) string {
	var have []string
	for _, p := range cniPlugins {
		have = append(have, "[ -x "+CNIPluginDir+"/"+p+" ]")
	}
	test := strings.Join(have, " && ")
	for _, n := range needs {
		switch n {
		case NeedCNI:
			return test
		case NeedNoCNI:
			return "! { " + test + "; }"
		}
	}
	return ""
}

// needWorld is one kind of lab the loader checks a lesson in: the lab that
// lacks need (none: "" , the lab that has everything). A step runs there
// unless it needs what the lab lacks, or needs the opposite of something
// the lab has.
type needWorld struct{ lacks string }

// runs says whether a step with these needs runs in the world.
func (w needWorld) runs(needs []string) bool {
	for _, n := range needs {
		if base, ok := needOpposite[n]; ok {
			if base != w.lacks {
				return false
			}
			continue
		}
		if n == w.lacks {
			return false
		}
	}
	return true
}

// describe is how the loader's message names the world: "in a lab without
// subids, the earlier step that needs it is not run (give this step
// needs: [subids] too)".
func (w needWorld) describe() string {
	if w.lacks == "" {
		var opp []string
		for o, base := range needOpposite {
			opp = append(opp, base+" (a step that needs "+o+" is not run there)")
		}
		return "; in a lab with " + strings.Join(opp, ", ") + ", the earlier step that made it is not run"
	}
	return "; in a lab without " + w.lacks + ", the earlier step that needs it is not run (give this step needs: [" + w.lacks + "] too)"
}

// needWorlds lists the labs the loader checks a lesson in besides its
// first pass (where every step runs): one per need of its steps that a lab
// may lack, and, when a step needs an opposite, the lab that has it all.
func needWorlds(needs []string) []needWorld {
	var out []needWorld
	seen := map[string]bool{}
	opposite := false
	for _, n := range needs {
		if base, ok := needOpposite[n]; ok {
			opposite = true
			n = base
		}
		if !seen[n] {
			seen[n] = true
			out = append(out, needWorld{lacks: n})
		}
	}
	if opposite {
		out = append(out, needWorld{})
	}
	return out
}

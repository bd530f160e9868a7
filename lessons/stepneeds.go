package lessons

import (
	"bufio"
	"os"
	"os/user"
	"strconv"
	"strings"

	"github.com/nettutor/nettutor/assets"
	"github.com/nettutor/nettutor/engine"
)

// NeedSubIDs is the step need for a range of subordinate ids above the
// lab's root: steps that map a nested user namespace onto root's range in
// the lab's /etc/subuid cannot work in a lab that maps only one id.
const NeedSubIDs = "subids"

// StepNeeds are the values a step may list in `needs` (FORMAT.md, "Step
// needs"): each is something a lab may lack, checked before the step runs.
var StepNeeds = []string{NeedSubIDs}

// NotRun says why a step was not run in this lab: the need it lacks and,
// for subids, the account whose /etc/subuid range is missing. A step not
// run has no actions and no expectations in its result; it is neither
// passed nor failed.
type NotRun struct {
	Need string // one of StepNeeds
	User string // the account to give a range to (subids)
}

// Text is the one line that says why the step was not run and how to fix
// it, in lang.
func (n *NotRun) Text(lang string) string {
	if kernelNeed(n.Need) {
		return assets.T(lang, "needs."+n.Need+".not_run")
	}
	switch n.Need {
	case NeedSubIDs:
		return assets.Tf(lang, "needs.subids.not_run", n.User)
	case NeedCNI, NeedNoCNI:
		return assets.Tf(lang, cniNotRunKey(n.Need), CNIPluginDir)
	case NeedPython3:
		return assets.T(lang, "needs.python3.not_run")
	}
	return assets.T(lang, "needs.mark") + ": " + n.Need
}

// labLacks is the test hook for what a lab lacks: tests set it to force a
// real lab to look like one made for an account without subordinate ids.
var labLacks = func(lab *engine.Lab, need string) bool {
	if kernelNeed(need) {
		return !labHasKernel(lab, need)
	}
	switch need {
	case NeedSubIDs:
		return !LabHasSubIDs(lab)
	}
	return false
}

// LabHasSubIDs reports whether the lab's user namespace maps more than its
// root: a root-started lab's private range, or the user's subordinate range
// in a rootless one. The lab of a rootless account with no range in
// /etc/subuid maps the user alone (engine/confine LabMap), so its own
// /etc/subuid is empty and nothing can be remapped in it.
func LabHasSubIDs(lab *engine.Lab) bool {
	k := lab.Keeper()
	return k != nil && k.Map.Size > 1
}

// stepNeedsOf lists the needs any step of l has, each once, in order.
func stepNeedsOf(l *Lesson) []string {
	var out []string
	if l == nil {
		return nil
	}
	for _, st := range l.Steps {
		for _, n := range st.Needs {
			if !contains(out, n) {
				out = append(out, n)
			}
		}
	}
	return out
}

// notRun returns why step st cannot run in lab r.lab, or nil when it can.
func (r *Runner) notRun(st *Step) *NotRun {
	for _, need := range st.Needs {
		if labLacks(r.lab, need) {
			return &NotRun{Need: need, User: accountName()}
		}
	}
	return nil
}

// accountName is the login name of the user nettutor runs for, as usermod
// wants it. Inside a rootless sandbox the process is uid 0 of its own user
// namespace, so the real uid is read from that namespace's uid_map (inside
// 0 -> outside uid) and looked up in the host's /etc/passwd, which the
// sandbox still sees; $USER, then the uid itself, when that fails.
func accountName() string {
	uid := os.Getuid()
	if f, err := os.Open("/proc/self/uid_map"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			p := strings.Fields(sc.Text())
			if len(p) == 3 && p[0] == "0" {
				if n, err := strconv.Atoi(p[1]); err == nil {
					uid = n
				}
				break
			}
		}
		f.Close()
	}
	if u, err := user.LookupId(strconv.Itoa(uid)); err == nil && u.Username != "" {
		return u.Username
	}
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	return strconv.Itoa(uid)
}

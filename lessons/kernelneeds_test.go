package lessons

import (
	"os"
	"strings"
	"testing"

	"github.com/nettutor/nettutor/engine"
)

// TestKernelNeedsAgreeWithIP holds each kernel probe to the command a
// person would type in the same lab. Where the probe says the kernel has
// the driver, `ip link add ... type KIND` (or /proc/net/ip_vs for IPVS)
// works in the lab; where it says not and the kernel cannot load modules
// (no /proc/modules), the command fails. A kernel that can load modules is
// not asked to make a device of a kind the probe found absent: that would
// load the module on the host.
func TestKernelNeedsAgreeWithIP(t *testing.T) {
	t.Parallel() // a lab of its own that mostly waits on probes: see parallel_test.go
	lab := newLab(t)
	_, modErr := os.Stat("/proc/modules")
	oracle := map[string][]string{
		NeedIPIP:  {"sh", "-c", "ip link add nt-oracle type ipip remote 127.0.0.3 local 127.0.0.1 2>&1"},
		NeedVXLAN: {"sh", "-c", "ip link add nt-oracle type vxlan id 7 dstport 4789 2>&1"},
		NeedIPVS:  {"sh", "-c", "test -e /proc/net/ip_vs"},
	}
	for _, need := range kernelNeeds {
		has, err := lab.HasKernelFeature(need)
		if err != nil {
			t.Fatalf("%s: %v", need, err)
		}
		if lacks := labLacks(lab, need); lacks == has {
			t.Errorf("%s: labLacks %v with the probe saying %v", need, lacks, has)
		}
		t.Logf("%s: %v", need, has)
		if !has && modErr == nil {
			continue
		}
		out, cerr := lab.Cmd(engine.HostNS, oracle[need]...).CombinedOutput()
		if want := cerr == nil; has != want {
			t.Errorf("%s: probe says %v, %q says %v (%s)", need, has, oracle[need][2], want, strings.TrimSpace(string(out)))
		}
		lab.Cmd(engine.HostNS, "ip", "link", "del", "nt-oracle").Run()
	}
	if _, err := lab.HasKernelFeature("nope"); err == nil {
		t.Errorf("an unknown feature gave no error")
	}
}

// TestKernelNotRunText: each kernel need's line names the driver and the
// modprobe that loads it, in both languages, on one line.
func TestKernelNotRunText(t *testing.T) {
	for _, need := range kernelNeeds {
		n := &NotRun{Need: need}
		en, ko := n.Text("en"), n.Text("ko")
		mod := "modprobe " + engine.KernelModule(need)
		for _, s := range []string{en, ko} {
			if !strings.Contains(s, mod) || strings.Contains(s, "\n") || strings.Contains(s, "needs.") {
				t.Errorf("%s: not one line with `%s`: %q", need, mod, s)
			}
		}
		if !strings.HasPrefix(en, "not run here: this kernel has no") || !strings.Contains(ko, "실행하지 않") {
			t.Errorf("%s: en %q / ko %q do not say why the step was not run", need, en, ko)
		}
	}
	if !contains(StepNeeds, NeedIPIP) || !contains(StepNeeds, NeedVXLAN) || !contains(StepNeeds, NeedIPVS) || StepNeeds[0] != NeedSubIDs {
		t.Errorf("StepNeeds = %v", StepNeeds)
	}
}

package lessons

import (
	"strings"
	"testing"

	"github.com/nettutor/nettutor/engine"
)

// TestKernelNeedsAgreeWithIP holds each kernel probe to the command a
// person would type in the same lab: `ip link add ... type KIND` succeeds
// exactly when the probe says the kernel has KIND, and the probe leaves no
// device behind. For IPVS the oracle is /proc/net/ip_vs, which the kernel
// makes in every namespace once ip_vs is loaded (read after the probe,
// which may have loaded it).
func TestKernelNeedsAgreeWithIP(t *testing.T) {
	lab := newLab(t)
	oracle := map[string][]string{
		NeedIPIP:  {"sh", "-c", "ip link add nt-oracle type ipip remote 127.0.0.3 local 127.0.0.1 2>&1 || ip link show tunl0 2>&1 | grep -q ipip"},
		NeedVXLAN: {"sh", "-c", "ip link add nt-oracle type vxlan id 7 dstport 4789 2>&1"},
		NeedIPVS:  {"sh", "-c", "test -e /proc/net/ip_vs"},
	}
	for _, need := range kernelNeeds {
		has, err := lab.HasKernelFeature(need)
		if err != nil {
			t.Fatalf("%s: %v", need, err)
		}
		out, cerr := lab.Cmd(engine.HostNS, oracle[need]...).CombinedOutput()
		if want := cerr == nil; has != want {
			t.Errorf("%s: probe says %v, %q says %v (%s)", need, has, strings.Join(oracle[need][2:], " "), want, strings.TrimSpace(string(out)))
		}
		lab.Cmd(engine.HostNS, "ip", "link", "del", "nt-oracle").Run()
		if lacks := labLacks(lab, need); lacks == has {
			t.Errorf("%s: labLacks %v with the probe saying %v", need, lacks, has)
		}
		t.Logf("%s: %v", need, has)
	}
	s, err := lab.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range s.NS(engine.HostNS).Links {
		if strings.HasPrefix(l.Name, "nt-probe") {
			t.Errorf("a probe left %s (%s) behind", l.Name, l.Kind)
		}
	}
	if _, err := lab.HasKernelFeature("nope"); err == nil {
		t.Errorf("an unknown feature gave no error")
	}
}

// TestKernelNotRunText: each kernel need's line names the driver and the
// modprobe that loads it, in both languages, on one line.
func TestKernelNotRunText(t *testing.T) {
	mod := map[string]string{NeedIPIP: "modprobe ipip", NeedVXLAN: "modprobe vxlan", NeedIPVS: "modprobe ip_vs"}
	for _, need := range kernelNeeds {
		n := &NotRun{Need: need}
		en, ko := n.Text("en"), n.Text("ko")
		for _, s := range []string{en, ko} {
			if !strings.Contains(s, mod[need]) || strings.Contains(s, "\n") || strings.Contains(s, "needs.") {
				t.Errorf("%s: not one line with `%s`: %q", need, mod[need], s)
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

package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestCheckWhyLine: a failed reachability check of `nettutor check` says
// in one line why its probe stopped, from the probe's journey (here the
// host does not forward), and --json carries that journey.
func TestCheckWhyLine(t *testing.T) {
	t.Parallel() // one of the package's long tests: they run side by side, each on labs of its own
	needSandbox(t)
	f := answer(t, "nat-outside/bad-no-forwarding.sh")
	r := runBin(t, t.TempDir(), "check", "nat/outside", "--answer", f)
	if r.code != 1 {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "      why: forwarding off (in host, at ") {
		t.Errorf("no why line naming ip_forward in host:\n%s", r.stdout)
	}
	r = runBin(t, t.TempDir(), "check", "nat/outside", "--answer", f, "--lang", "ko")
	if !strings.Contains(r.stdout, "      원인: 포워딩 꺼짐 (host의 ") {
		t.Errorf("no Korean why line:\n%s", r.stdout)
	}
	r = runBin(t, t.TempDir(), "check", "nat/outside", "--answer", f, "--json")
	var rep struct {
		Checks []struct {
			Passed  bool
			Why     string
			Journey *struct {
				Result string
				Drop   *struct{ NS, Reason string }
			}
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	found := false
	for _, c := range rep.Checks {
		if !c.Passed && c.Journey != nil && c.Journey.Drop != nil && c.Journey.Drop.Reason == "ip-forward-off" && c.Journey.Drop.NS == "host" && c.Why != "" {
			found = true
		}
	}
	if !found {
		t.Errorf("no failed check carries the journey stopped by ip_forward in host:\n%s", r.stdout)
	}
}

package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckSeed: `check --seed N` picks a troubleshooting exercise's fault
// and the report records seed and fault (JSON and text); without --seed the
// answer's file name picks it, so two names can differ and one name never
// changes; --hints 2 adds each failed check's fix and cause, and so does a
// second failure of the same answer without --hints; a bad --seed
// or --hints is one line and exit 2.
func TestCheckSeed(t *testing.T) {
	needSandbox(t)
	// The tries of this test only: the second failure shows the fix.
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	dir := t.TempDir()
	write := func(name string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("true\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	type line struct {
		Name, Cause, Hint, Fix string
		Passed                 bool
	}
	type report struct {
		Seed   *uint64
		Fault  string
		Passed bool
		Checks []line
	}
	grade := func(args ...string) report {
		t.Helper()
		r := runBin(t, dir, append([]string{"check", "troubleshoot/bridge", "--json"}, args...)...)
		if r.code != 1 {
			t.Fatalf("check %v: exit %d, want 1 (the untouched lab is broken)\n%s%s", args, r.code, r.stdout, r.stderr)
		}
		var rep report
		if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
			t.Fatalf("check %v: %v\n%s", args, err, r.stdout)
		}
		return rep
	}
	kim := write("kim.sh")
	// Seeds 0, 1, 2 pick the three faults in file order.
	want := []string{"br-netfilter", "port-down", "wrong-prefix"}
	for seed, fault := range want {
		rep := grade("--answer", kim, "--seed", []string{"0", "1", "2"}[seed], "--hints", "2")
		if rep.Seed == nil || *rep.Seed != uint64(seed) || rep.Fault != fault {
			t.Errorf("--seed %d: report seed %v fault %q, want %d %q", seed, rep.Seed, rep.Fault, seed, fault)
		}
		var fixed bool
		for _, c := range rep.Checks {
			if !c.Passed && c.Fix != "" && c.Cause != "" {
				fixed = true
			}
		}
		if !fixed {
			t.Errorf("--seed %d --hints 2: no failed check with a cause and a fix: %+v", seed, rep.Checks)
		}
	}
	// Without --seed: the file name decides, the same every time.
	a, b := grade("--answer", kim), grade("--answer", kim)
	if a.Seed == nil || b.Seed == nil || *a.Seed != *b.Seed || a.Fault != b.Fault {
		t.Errorf("the same answer file got seeds %v/%v, faults %q/%q", a.Seed, b.Seed, a.Fault, b.Fault)
	}
	for _, c := range a.Checks {
		if c.Fix != "" {
			t.Errorf("the first failure shows check %s's fix %q", c.Name, c.Fix)
		}
	}
	var second bool
	for _, c := range b.Checks {
		second = second || (!c.Passed && c.Fix != "")
	}
	if !second {
		t.Errorf("the same answer failed twice and shows no fix: %+v", b.Checks)
	}
	for _, c := range grade("--answer", kim, "--hints", "1").Checks {
		if c.Fix != "" {
			t.Errorf("a third failure with --hints 1 shows check %s's fix", c.Name)
		}
	}
	faults := map[string]bool{}
	for _, n := range []string{"kim.sh", "lee.sh", "park.sh", "choi.sh", "jung.sh"} {
		faults[grade("--answer", write(n)).Fault] = true
	}
	if len(faults) < 2 {
		t.Errorf("five answer names got one fault: %v", faults)
	}
	// The text report says seed and fault.
	r := runBin(t, dir, "check", "troubleshoot/bridge", "--answer", kim, "--seed", "1", "--hints", "2")
	if !strings.Contains(r.stdout, "seed 1: fault port-down") || !strings.Contains(r.stdout, "fix: `ip link set veth-blue up`") {
		t.Errorf("text report lacks the seed line or the fix:\n%s", r.stdout)
	}
	// A class run hands --seed to every child grader.
	r = runBin(t, dir, "check", "troubleshoot/bridge", "--json", "--seed", "2", "--answer", kim, "--answer", write("lee.sh"))
	if n := strings.Count(r.stdout, `"fault":"wrong-prefix"`); n != 2 || r.code != 1 {
		t.Errorf("class run with --seed 2: exit %d, %d reports with fault wrong-prefix, want 2:\n%s%s", r.code, n, r.stdout, r.stderr)
	}
	for _, bad := range [][]string{{"--seed", "-1"}, {"--seed", "x"}, {"--hints", "3"}} {
		r := runBin(t, dir, append([]string{"check", "troubleshoot/bridge", "--answer", kim}, bad...)...)
		if r.code != 2 || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 || strings.Contains(r.stderr, "goroutine") {
			t.Errorf("check %v: exit %d, stderr %q; want one line and exit 2", bad, r.code, r.stderr)
		}
	}
}

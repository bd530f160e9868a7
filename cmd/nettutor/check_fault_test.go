package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// TestCheckSeed: `check --seed N` picks a troubleshooting exercise's fault
// and the report records seed and fault (JSON and text); without --seed the
// answer's file name picks it, so two names can differ and one name never
// changes; --hints 2 adds each failed check's fix and cause, and so does a
// second failure of the same answer without --hints; a bad --seed
// or --hints is one line and exit 2.
func TestCheckSeed(t *testing.T) {
	t.Parallel()
	needSandbox(t)
	dir := t.TempDir()
	// Every answer file is written before the subtests start, so none is
	// rewritten while a grader reads it.
	files := map[string]string{}
	for _, name := range []string{"kim.sh", "lee.sh", "park.sh", "choi.sh", "jung.sh"} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("true\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		files[name] = p
	}
	kim := files["kim.sh"]
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
	// Each subtest that may record a try has a state folder of its own
	// (the tries of that subtest only: the second failure shows the fix),
	// handed to the child, so the subtests run side by side.
	stateEnv := func(t *testing.T) []string { return []string{"XDG_STATE_HOME=" + t.TempDir()} }
	grade := func(t *testing.T, env []string, args ...string) report {
		t.Helper()
		r := runBinEnv(t, dir, env, append([]string{"check", "troubleshoot/bridge", "--json"}, args...)...)
		if r.code != 1 {
			t.Fatalf("check %v: exit %d, want 1 (the untouched lab is broken)\n%s%s", args, r.code, r.stdout, r.stderr)
		}
		var rep report
		if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
			t.Fatalf("check %v: %v\n%s", args, err, r.stdout)
		}
		return rep
	}
	// Seeds 0, 1, 2 pick the three faults in file order.
	for seed, fault := range []string{"br-netfilter", "port-down", "wrong-prefix"} {
		t.Run("seed"+strconv.Itoa(seed), func(t *testing.T) {
			t.Parallel()
			rep := grade(t, stateEnv(t), "--answer", kim, "--seed", strconv.Itoa(seed), "--hints", "2")
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
		})
	}
	// Without --seed: the file name decides, the same every time.
	t.Run("tries", func(t *testing.T) {
		t.Parallel()
		env := stateEnv(t)
		a, b := grade(t, env, "--answer", kim), grade(t, env, "--answer", kim)
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
		for _, c := range grade(t, env, "--answer", kim, "--hints", "1").Checks {
			if c.Fix != "" {
				t.Errorf("a third failure with --hints 1 shows check %s's fix", c.Name)
			}
		}
	})
	t.Run("names", func(t *testing.T) {
		t.Parallel()
		faults := map[string]bool{}
		var mu sync.Mutex // guards faults
		t.Run("each", func(t *testing.T) {
			for _, n := range []string{"kim.sh", "lee.sh", "park.sh", "choi.sh", "jung.sh"} {
				t.Run(n, func(t *testing.T) {
					t.Parallel()
					f := grade(t, stateEnv(t), "--answer", files[n]).Fault
					mu.Lock()
					faults[f] = true
					mu.Unlock()
				})
			}
		}) // returns once its parallel subtests are done
		if len(faults) < 2 {
			t.Errorf("five answer names got one fault: %v", faults)
		}
	})
	// The text report says seed and fault.
	t.Run("text", func(t *testing.T) {
		t.Parallel()
		r := runBinEnv(t, dir, stateEnv(t), "check", "troubleshoot/bridge", "--answer", kim, "--seed", "1", "--hints", "2")
		if !strings.Contains(r.stdout, "seed 1: fault port-down") || !strings.Contains(r.stdout, "fix: `ip link set veth-blue up`") {
			t.Errorf("text report lacks the seed line or the fix:\n%s", r.stdout)
		}
	})
	// A class run hands --seed to every child grader.
	t.Run("class", func(t *testing.T) {
		t.Parallel()
		r := runBinEnv(t, dir, stateEnv(t), "check", "troubleshoot/bridge", "--json", "--seed", "2", "--answer", kim, "--answer", files["lee.sh"])
		if n := strings.Count(r.stdout, `"fault":"wrong-prefix"`); n != 2 || r.code != 1 {
			t.Errorf("class run with --seed 2: exit %d, %d reports with fault wrong-prefix, want 2:\n%s%s", r.code, n, r.stdout, r.stderr)
		}
	})
	t.Run("bad", func(t *testing.T) {
		t.Parallel()
		for _, bad := range [][]string{{"--seed", "-1"}, {"--seed", "x"}, {"--hints", "3"}} {
			r := runBinEnv(t, dir, stateEnv(t), append([]string{"check", "troubleshoot/bridge", "--answer", kim}, bad...)...)
			if r.code != 2 || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 || strings.Contains(r.stderr, "goroutine") {
				t.Errorf("check %v: exit %d, stderr %q; want one line and exit 2", bad, r.code, r.stderr)
			}
		}
	})
}

package lessons

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nettutor/nettutor/engine"
	"github.com/nettutor/nettutor/engine/confine"
)

// python3Steps are the loadbalancer steps that run the speaker or expect
// what it answers.
var python3Steps = []string{"speaker", "failover", "local"}

// TestLookLabPath: python3 counts where a folder of the PATH holds an
// executable file of that name, and not where the file is missing or not
// executable; a writable folder of the invoker's PATH is not the lab's.
func TestLookLabPath(t *testing.T) {
	dir := t.TempDir()
	other := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "python3"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(other, "python3"), []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if p, ok := lookLabPath("python3", other+":"+dir); !ok || p != filepath.Join(dir, "python3") {
		t.Errorf("lookLabPath = %q, %v; want %s (the first executable one)", p, ok, filepath.Join(dir, "python3"))
	}
	if p, ok := lookLabPath("python3", other+"::"+t.TempDir()); ok {
		t.Errorf("lookLabPath found %q in a PATH with no executable python3", p)
	}
	// The temporary folder is writable, so the lab drops it from PATH:
	// HavePython3 answers for the read-only folders alone.
	t.Setenv("PATH", dir)
	if strings.Contains(confine.LabPATH(dir), dir) {
		t.Fatalf("LabPATH kept the writable %s", dir)
	}
	_, want := lookLabPath("python3", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:"+confine.LabBinDir)
	if got := HavePython3(); got != want {
		t.Errorf("HavePython3 = %v with PATH=%s; the lab's own folders say %v", got, dir, want)
	}
}

// forcePython3 makes every lab look like one with python3 (have) or
// without it until the test ends. Not for parallel tests.
func forcePython3(t *testing.T, have bool) {
	old := labLacks
	labLacks = func(lab *engine.Lab, need string) bool {
		if need == NeedPython3 {
			return !have
		}
		return old(lab, need)
	}
	t.Cleanup(func() { labLacks = old })
}

// TestLoadBalancerWithoutPython3: in a lab without python3, the speaker
// steps and the one that rests on them are not run, each with the line
// that says why and how to install it, every other step runs and holds,
// and the exported script tests for python3 around exactly those steps.
func TestLoadBalancerWithoutPython3(t *testing.T) {
	forcePython3(t, false)
	l, err := Find("loadbalancer")
	if err != nil {
		t.Fatal(err)
	}
	lab := newLab(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	r := NewRunner(lab, l, Options{})
	t.Cleanup(func() { r.Close() })
	var skipped []string
	ran := 0
	for !r.Done() {
		res, err := r.RunNext(ctx)
		if err != nil {
			t.Fatalf("step %d: %v", r.Next()+1, err)
		}
		if !res.OK() {
			t.Errorf("step %s failed:\n%s", res.Step.ID, failures(res))
		}
		nr := res.NotRun
		if nr == nil {
			if len(res.Actions) == 0 {
				t.Errorf("step %s: run, but no actions", res.Step.ID)
			}
			ran++
			continue
		}
		skipped = append(skipped, res.Step.ID)
		if nr.Need != NeedPython3 || len(res.Actions) != 0 || len(res.Expect) != 0 {
			t.Errorf("step %s: NotRun %+v, %d actions, %d expectations; want not run for want of python3", res.Step.ID, nr, len(res.Actions), len(res.Expect))
		}
		for _, lang := range []string{"en", "ko"} {
			if txt := nr.Text(lang); !strings.Contains(txt, "python3-minimal") || !strings.Contains(txt, "PATH") {
				t.Errorf("step %s (%s): %q does not say what is missing and how to install it", res.Step.ID, lang, txt)
			}
		}
	}
	if strings.Join(skipped, " ") != strings.Join(python3Steps, " ") {
		t.Errorf("not run: %q; want %q", skipped, python3Steps)
	}
	if ran != len(l.Steps)-len(python3Steps) {
		t.Errorf("%d steps ran; want %d", ran, len(l.Steps)-len(python3Steps))
	}

	script := Script(l)
	if n := strings.Count(script, "if command -v python3 >/dev/null 2>&1; then\n"); n != len(python3Steps) {
		t.Errorf("the script tests for python3 %d times; want %d", n, len(python3Steps))
	}
	for _, id := range python3Steps {
		i := stepIndex(t, l, id)
		head := "# --- step " + itoa(i+1) + ": "
		at := strings.Index(script, head)
		// Inside the kernel's test, when the step needs a driver too
		// (the cluster's vxlan).
		rest := ""
		if at >= 0 {
			rest = strings.TrimPrefix(script[at+len(head)+len(oneLine(l.Steps[i].Title.Get("en"))):], "\nif [ -d /sys/module/vxlan ]; then")
		}
		if at < 0 || !strings.HasPrefix(rest, "\nif command -v python3") {
			t.Errorf("step %s: the script does not open with the python3 test", id)
		}
	}
}

// TestLoadBalancerWithPython3: where python3 is there, every step runs.
func TestLoadBalancerWithPython3(t *testing.T) {
	if !HavePython3() {
		t.Skip("no python3 on the lab's PATH")
	}
	l, err := Find("loadbalancer")
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range python3Steps {
		if st := l.Steps[stepIndex(t, l, id)]; !contains(st.Needs, NeedPython3) {
			t.Errorf("step %s does not need python3", id)
		}
	}
	lab := newLab(t)
	r := NewRunner(lab, l, Options{})
	t.Cleanup(func() { r.Close() })
	if nr := r.notRun(l.Steps[stepIndex(t, l, "speaker")]); nr != nil {
		t.Errorf("speaker not run with python3 at hand: %+v", nr)
	}
}

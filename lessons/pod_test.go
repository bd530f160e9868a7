package lessons

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nettutor/nettutor/engine"
)

// forceCNI makes every lab look like one with the CNI plugins (have) or
// without them until the test ends; other needs are left to the lab. Not
// for parallel tests.
func forceCNI(t *testing.T, have bool) {
	old := labLacks
	labLacks = func(lab *engine.Lab, need string) bool {
		switch need {
		case NeedCNI:
			return !have
		case NeedNoCNI:
			return have
		}
		return old(lab, need)
	}
	t.Cleanup(func() { labLacks = old })
}

// runPod runs the pod lesson to its end in lab and returns every step's
// result; it fails the test on any failed action or expectation.
func runPod(t *testing.T, lab *engine.Lab) (*Runner, map[string]*StepResult) {
	t.Helper()
	l, err := Find("pod")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	r := NewRunner(lab, l, Options{})
	t.Cleanup(func() { r.Close() })
	byID := map[string]*StepResult{}
	for !r.Done() {
		res, err := r.RunNext(ctx)
		if err != nil {
			t.Fatalf("step %d: %v", r.Next()+1, err)
		}
		if !res.OK() {
			t.Errorf("step %s failed:\n%s", res.Step.ID, failures(res))
		}
		byID[res.Step.ID] = res
	}
	return r, byID
}

// TestPodWithoutCNIPlugins: where the plugins are absent, the by-hand step
// runs and makes what the later steps show and expect (cni0, the pods'
// eth0, addresses, routes, the CNI-… masquerade chains), the plugin steps
// say why they did not run, and a replay from after the by-hand step
// rebuilds the same lab.
func TestPodWithoutCNIPlugins(t *testing.T) {
	forceCNI(t, false)
	lab := newLab(t)
	r, res := runPod(t, lab)
	if nr := res["by-hand"].NotRun; nr != nil || len(res["by-hand"].Actions) == 0 {
		t.Fatalf("step by-hand: NotRun %+v with %d actions; want it run", nr, len(res["by-hand"].Actions))
	}
	for _, id := range []string{"add", "del"} {
		nr := res[id].NotRun
		if nr == nil || nr.Need != NeedCNI || len(res[id].Actions) != 0 {
			t.Fatalf("step %s: NotRun %+v, %d actions; want not run for want of cni", id, nr, len(res[id].Actions))
		}
		if txt := nr.Text("en"); !strings.Contains(txt, "containernetworking-plugins") || !strings.Contains(txt, CNIPluginDir) {
			t.Errorf("step %s: %q does not say how to install the plugins", id, txt)
		}
	}
	snap := res["objects"].Snapshot
	if ns := snap.NS("NODE1"); ns == nil || !hasRule(ns.Rules, "CNI-0fea042e7a9d1b13b279cf4f") {
		t.Errorf("NODE1 has no CNI-0fea042e7a9d1b13b279cf4f chain after the by-hand step")
	}
	// Going back to the traffic step replays the by-hand step, not the plugin's.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	idx := stepIndex(t, r.Lesson(), "traffic")
	if err := r.Goto(ctx, idx); err != nil {
		t.Fatalf("Goto(%d): %v", idx, err)
	}
	next, err := r.RunNext(ctx)
	if err != nil || !next.OK() {
		t.Fatalf("traffic after a replay without the plugins: %v\n%s", err, failures(next))
	}
}

// TestPodWithCNIPlugins: where the plugins are installed, they run (the
// result JSON names the pod's namespace, host-local's leases are listed)
// and the by-hand step does not.
func TestPodWithCNIPlugins(t *testing.T) {
	if !HaveCNIPlugins() {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI: no CNI plugins in %s (.ci/deps installs containernetworking-plugins)", CNIPluginDir)
		}
		t.Skipf("no CNI plugins in %s", CNIPluginDir)
	}
	forceCNI(t, true)
	_, res := runPod(t, newLab(t))
	if nr := res["by-hand"].NotRun; nr == nil || nr.Need != NeedNoCNI {
		t.Fatalf("step by-hand: NotRun %+v; want not run where the plugins are", nr)
	}
	add := outputs(res["add"])
	for _, w := range []string{`"sandbox": "/run/netns/POD-A"`, `"address": "10.244.0.2/24"`, `"address": "10.244.0.3/24"`, "last_reserved_ip.0"} {
		if !strings.Contains(add, w) {
			t.Errorf("step add printed no %q:\n%s", w, add)
		}
	}
	if del := outputs(res["del"]); strings.Contains(del, "CNI-388da7cbc21887357ba96c08") || strings.Contains(del, "10.244.0.3") {
		t.Errorf("after DEL, POD-C's chain or lease is still listed:\n%s", del)
	}
}

func hasRule(rules []string, s string) bool {
	for _, r := range rules {
		if strings.Contains(r, s) {
			return true
		}
	}
	return false
}

func stepIndex(t *testing.T, l *Lesson, id string) int {
	t.Helper()
	for i, s := range l.Steps {
		if s.ID == id {
			return i
		}
	}
	t.Fatalf("lesson %s has no step %s", l.ID, id)
	return -1
}

// cniLesson has a plugin step and a by-hand step that make the same link;
// step "after" uses it.
const cniLesson = `id: t
title: {en: T}
summary: {en: S}
steps:
  - id: one
    title: {en: One}
    actions:
      - netns_add: {name: NODE1}
  - id: by-hand
    title: {en: By hand}
    needs: [no-cni]
    actions:
      - bridge: {ns: NODE1, name: cni0}
  - id: plugin
    title: {en: Plugin}
    needs: [cni]
    actions:
      - run: {ns: NODE1, sh: "true", makes: [NODE1/cni0]}
  - id: after
    title: {en: After}
    actions:
      - link_up: {ns: NODE1, name: cni0}
`

// TestLoadCNINeeds holds the loader to the runner's choice between the
// plugin step and the by-hand one: exactly one of them runs in any lab, so
// a later step may use what both make, and is reported at its own place
// when only one of them makes it.
func TestLoadCNINeeds(t *testing.T) {
	if _, err := Load("t.yaml", []byte(cniLesson)); err != nil {
		t.Fatalf("both paths make cni0: %v", err)
	}
	cases := []struct{ name, from, to, want string }{
		{"only the plugin makes it", "      - bridge: {ns: NODE1, name: cni0}\n", "      - bridge: {ns: NODE1, name: br0}\n",
			`t.yaml:22:36: step "after" link_up: NODE1 has no link "cni0" at this point (links: br0, lo); in a lab without cni, the earlier step that needs it is not run (give this step needs: [cni] too)`},
		{"only by hand", "makes: [NODE1/cni0]", "makes: []",
			`t.yaml:22:36: step "after" link_up: NODE1 has no link "cni0" at this point (links: lo); in a lab with cni (a step that needs no-cni is not run there), the earlier step that made it is not run`},
		{"bad makes", "makes: [NODE1/cni0]", "makes: [cni0]",
			`t.yaml:18:45: step "plugin" run: makes: "cni0": want NS/LINK, such as NODE1/cni0`},
		{"unknown namespace", "makes: [NODE1/cni0]", "makes: [NODE2/cni0]",
			`t.yaml:18:45: step "plugin" run: makes: namespace "NODE2" does not exist at this point`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := strings.Replace(cniLesson, c.from, c.to, 1)
			_, err := Load("t.yaml", []byte(src))
			el, ok := err.(ErrorList)
			if !ok || len(el) == 0 {
				t.Fatalf("Load: %v; want %s", err, c.want)
			}
			if got := el[0].Error(); !strings.HasPrefix(got, c.want) {
				t.Errorf("got  %s\nwant %s", got, c.want)
			}
		})
	}
}

// TestNeedWorlds: the labs the loader checks a lesson in, and which steps
// run in each.
func TestNeedWorlds(t *testing.T) {
	ws := needWorlds([]string{NeedSubIDs, NeedNoCNI, NeedCNI})
	var got []string
	for _, w := range ws {
		got = append(got, "lacks:"+w.lacks)
	}
	if want := "lacks:subids lacks:cni lacks:"; strings.Join(got, " ") != want {
		t.Fatalf("worlds %q, want %q", got, want)
	}
	runs := func(w needWorld, needs ...string) bool { return w.runs(needs) }
	noCNI, all := needWorld{lacks: NeedCNI}, needWorld{}
	if runs(noCNI, NeedCNI) || !runs(noCNI, NeedNoCNI) || !runs(noCNI) || !runs(noCNI, NeedSubIDs) {
		t.Errorf("without cni: a cni step must not run, a no-cni step and others must")
	}
	if !runs(all, NeedCNI) || runs(all, NeedNoCNI) || !runs(all, NeedSubIDs) {
		t.Errorf("with everything: a no-cni step must not run, the others must")
	}
	if runs(needWorld{lacks: NeedSubIDs}, NeedNoCNI) {
		t.Errorf("without subids (cni installed): a no-cni step must not run")
	}
}

// TestPodExportGuards: the exported script chooses between the plugin and
// the by-hand commands as the runner does.
func TestPodExportGuards(t *testing.T) {
	l, err := Find("pod")
	if err != nil {
		t.Fatal(err)
	}
	s := Script(l)
	have := "[ -x /usr/lib/cni/bridge ] && [ -x /usr/lib/cni/host-local ]"
	for _, w := range []string{"if " + have + "; then\n", "if ! { " + have + "; }; then\n"} {
		if strings.Count(s, w) == 0 {
			t.Errorf("the script has no %q", w)
		}
	}
	if strings.Count(s, "\nfi\n") != 3 {
		t.Errorf("want 3 guarded steps (by-hand, add, del), got %d fi", strings.Count(s, "\nfi\n"))
	}
}

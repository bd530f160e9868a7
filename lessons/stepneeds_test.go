package lessons

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nettutor/nettutor/engine"
	"github.com/nettutor/nettutor/engine/sandbox"
)

// needsLesson has a step that needs subordinate ids between two that do
// not: its action makes BLUE and its expectation can never hold, so a run
// that does not skip it fails, and one that skips it leaves no BLUE.
const needsLesson = `id: t
title: {en: T}
summary: {en: S}
steps:
  - id: one
    title: {en: One}
    actions:
      - netns_add: {name: RED}
  - id: remap
    title: {en: Remap}
    needs: [subids]
    actions:
      - netns_add: {name: BLUE}
    expect:
      - output: {contains: "never printed by any command"}
  - id: three
    title: {en: Three}
    actions:
      - link_up: {ns: RED, name: lo}
    expect:
      - link: {ns: RED, name: lo, state: up}
`

func TestLoadStepNeeds(t *testing.T) {
	l, err := Load("t.yaml", []byte(needsLesson))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if got := l.Steps[1].Needs; len(got) != 1 || got[0] != NeedSubIDs {
		t.Fatalf("step remap needs %q, want [subids]", got)
	}
	if len(l.Steps[0].Needs) != 0 {
		t.Errorf("step one needs %q, want none", l.Steps[0].Needs)
	}
	known := strings.Join(StepNeeds, ", ")
	cases := []struct{ name, needs, want string }{
		{"typo", "needs: [subid]", `t.yaml:11:13: step "remap": needs: unknown need "subid" (known: ` + known + `) (did you mean "subids"?)`},
		{"second value", "needs: [subids, nat]", `t.yaml:11:21: step "remap": needs: unknown need "nat" (known: ` + known + `)`},
		{"not a list", "needs: subids", `t.yaml:11:12: step "remap": "needs" wants a list, got`},
		{"not a word", "needs: [{a: b}]", `t.yaml:11:13: step "remap": "needs" wants a list of words, got`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := strings.Replace(needsLesson, "needs: [subids]", c.needs, 1)
			_, err := Load("t.yaml", []byte(src))
			el, ok := err.(ErrorList)
			if !ok || len(el) == 0 {
				t.Fatalf("Load: %v (%T); want %s", err, err, c.want)
			}
			if got := el[0].Error(); !strings.HasPrefix(got, c.want) {
				t.Errorf("got  %s\nwant %s", got, c.want)
			}
		})
	}
}

// TestLoadStepNeedsDependence holds the loader to the runner's skip: a
// later step that uses what only a step with needs made fails to load, at
// its own place, and loads once it has the same needs.
func TestLoadStepNeedsDependence(t *testing.T) {
	src := strings.Replace(needsLesson, "      - link_up: {ns: RED, name: lo}\n", "      - link_up: {ns: BLUE, name: lo}\n", 1)
	_, err := Load("t.yaml", []byte(src))
	el, ok := err.(ErrorList)
	if !ok || len(el) != 1 {
		t.Fatalf("Load: %v; want one error", err)
	}
	want := `t.yaml:19:23: step "three" link_up: namespace "BLUE" does not exist at this point (no netns_add before it); in a lab without subids, the earlier step that needs it is not run (give this step needs: [subids] too)`
	if got := el[0].Error(); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	marked := strings.Replace(src, "  - id: three\n    title: {en: Three}\n", "  - id: three\n    title: {en: Three}\n    needs: [subids]\n", 1)
	if _, err := Load("t.yaml", []byte(marked)); err != nil {
		t.Errorf("with needs on step three too: %v", err)
	}
}

// TestUsernsStepNeeds holds the built-in userns lesson to its marks: the
// steps that remap onto root's range in the lab's /etc/subuid need
// subordinate ids, and the others run in any lab.
func TestUsernsStepNeeds(t *testing.T) {
	ls, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"remap-daemon": true, "remap-ps": true, "bind-tmp": true, "remap-limits": true}
	for _, l := range ls {
		if l.ID != "userns" {
			continue
		}
		for _, s := range l.Steps {
			got := len(s.Needs) == 1 && s.Needs[0] == NeedSubIDs
			if got != want[s.ID] {
				t.Errorf("userns step %s: needs %q, want subids=%v", s.ID, s.Needs, want[s.ID])
			}
			delete(want, s.ID)
		}
	}
	if len(want) > 0 {
		t.Errorf("userns has no steps %v", want)
	}
}

func TestNotRunText(t *testing.T) {
	n := &NotRun{Need: NeedSubIDs, User: "alice"}
	en, ko := n.Text("en"), n.Text("ko")
	for _, s := range []string{en, ko} {
		if !strings.Contains(s, "usermod --add-subuids 100000-165535 --add-subgids 100000-165535 alice") ||
			!strings.Contains(s, "/etc/subuid") || strings.Contains(s, "\n") {
			t.Errorf("not one line naming /etc/subuid and the usermod fix for alice: %q", s)
		}
	}
	if !strings.HasPrefix(en, "not run here") || !strings.Contains(ko, "실행하지 않") {
		t.Errorf("en %q / ko %q do not say the step was not run", en, ko)
	}
	if accountName() == "" {
		t.Errorf("accountName is empty")
	}
}

// TestLabHasSubIDs holds the real lab's answer to the sandbox it was made
// in: a root-started lab has its private range, a rootless one the
// account's subordinate ids when it has them and a single id when not.
func TestLabHasSubIDs(t *testing.T) {
	lab := newLab(t)
	want := !sandbox.Rootless() || sandbox.SubIDs() > 0
	if got := LabHasSubIDs(lab); got != want {
		t.Errorf("LabHasSubIDs = %v, want %v (rootless %v, subids %d, map %+v)", got, want, sandbox.Rootless(), sandbox.SubIDs(), lab.Keeper().Map)
	}
}

// forceNoSubIDs makes every lab look like one made for an account with no
// subordinate ids until the test ends. Not for parallel tests.
func forceNoSubIDs(t *testing.T) {
	old := labLacks
	labLacks = func(_ *engine.Lab, need string) bool { return need == NeedSubIDs }
	t.Cleanup(func() { labLacks = old })
}

func TestRunnerNotRunWithoutSubIDs(t *testing.T) {
	lab := newLab(t)
	l, err := Load("t.yaml", []byte(needsLesson))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	t.Run("with subids the step runs", func(t *testing.T) {
		if !LabHasSubIDs(lab) {
			t.Skip("this lab has no subordinate ids of its own")
		}
		r := NewRunner(lab, l, Options{})
		defer r.Close()
		r.RunNext(ctx)
		res, err := r.RunNext(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if res.NotRun != nil || len(res.Actions) != 1 || res.Snapshot.NS("BLUE") == nil {
			t.Fatalf("step remap: NotRun %+v, %d actions, BLUE %v; want it run", res.NotRun, len(res.Actions), res.Snapshot.NS("BLUE") != nil)
		}
		if res.OK() {
			t.Errorf("step remap held an expectation that cannot hold")
		}
	})

	t.Run("without subids it is not run", func(t *testing.T) {
		forceNoSubIDs(t)
		r := NewRunner(lab, l, Options{})
		defer r.Close()
		if err := r.Goto(ctx, 0); err != nil { // fresh lab after the subtest before
			t.Fatal(err)
		}
		var results []*StepResult
		for !r.Done() {
			res, err := r.RunNext(ctx)
			if err != nil {
				t.Fatal(err)
			}
			results = append(results, res)
		}
		nr := results[1]
		if nr.NotRun == nil || nr.NotRun.Need != NeedSubIDs || nr.NotRun.User == "" {
			t.Fatalf("step remap: NotRun %+v, want subids with a user", nr.NotRun)
		}
		if len(nr.Actions) != 0 || len(nr.Expect) != 0 || nr.Failed || !nr.OK() {
			t.Errorf("step remap: %d actions, %d expectations, failed %v, OK %v; want none run, neither passed nor failed", len(nr.Actions), len(nr.Expect), nr.Failed, nr.OK())
		}
		if nr.Snapshot == nil || nr.Snapshot.NS("BLUE") != nil || nr.Snapshot.NS("RED") == nil {
			t.Errorf("after step remap the lab has BLUE or lacks RED: its action ran or step one's did not")
		}
		for i, res := range results {
			if i != 1 && (res.NotRun != nil || !res.OK() || len(res.Actions) == 0) {
				t.Errorf("step %s: NotRun %+v, OK %v, %d actions; want it run and passed", res.Step.ID, res.NotRun, res.OK(), len(res.Actions))
			}
		}

		// A replay (run --from 3, back one step) skips it the same way.
		if err := r.Goto(ctx, 2); err != nil {
			t.Fatalf("Goto(2): %v", err)
		}
		rep := r.Replayed()
		if len(rep) != 2 || rep[1].NotRun == nil || len(rep[1].Actions) != 0 || rep[0].NotRun != nil {
			t.Fatalf("replayed %d steps; step remap NotRun %+v with %d actions", len(rep), rep[1].NotRun, len(rep[1].Actions))
		}
		if s := r.Snapshot(); s == nil || s.NS("BLUE") != nil || s.NS("RED") == nil {
			t.Errorf("after Goto(2) the lab has BLUE or lacks RED")
		}
		res, err := r.RunNext(ctx)
		if err != nil || !res.OK() {
			t.Fatalf("step three after the replay: err %v, expect %+v", err, res.Expect)
		}
	})
}

package lessons

import (
	"strings"
	"testing"
)

func TestBuiltinLoad(t *testing.T) {
	ls, err := Builtin()
	if err != nil {
		t.Fatalf("built-in lessons do not load:\n%v", err)
	}
	var ids []string
	for _, l := range ls {
		ids = append(ids, l.ID)
	}
	if got, want := strings.Join(ids, " "), strings.Join(BuiltinOrder, " "); got != want {
		t.Fatalf("built-in lessons: %s, want %s", got, want)
	}
	for _, id := range BuiltinOrder {
		l, err := Find(id)
		if err != nil || l.ID != id {
			t.Errorf("Find(%q): %v", id, err)
		}
		if len(l.Exercises) == 0 {
			t.Errorf("%s has no exercise", id)
		}
	}
	if _, err := Find("vet"); err == nil || !strings.Contains(err.Error(), `did you mean "veth"`) {
		t.Errorf("Find(vet): %v", err)
	}
	for _, ex := range []string{"veth/connect", "bridge/connect", "nat/outside", "docker-networks/publish", "userns/remap"} {
		if _, _, err := FindExercise(ex); err != nil {
			t.Errorf("exercise %s: %v", ex, err)
		}
	}
}

// TestBuiltinKorean fails on any step, prompt or exercise text without a
// Korean translation (LoadStrict already refuses them; this names them).
func TestBuiltinKorean(t *testing.T) {
	ls, _ := Builtin()
	for _, l := range ls {
		need := func(what string, tx Text) {
			if tx != nil && strings.TrimSpace(tx["ko"]) == "" {
				t.Errorf("%s: %s has no ko text", l.ID, what)
			}
		}
		need("title", l.Title)
		need("summary", l.Summary)
		for _, s := range l.Steps {
			need("step "+s.ID+" title", s.Title)
			if s.Text == nil {
				t.Errorf("%s: step %s has no text", l.ID, s.ID)
			}
			need("step "+s.ID+" text", s.Text)
			if s.Predict != nil {
				need("step "+s.ID+" predict", s.Predict.Question)
				need("step "+s.ID+" answer", s.Predict.Answer)
			}
		}
		for _, e := range l.Exercises {
			need("exercise "+e.ID+" title", e.Title)
			need("exercise "+e.ID+" goal", e.Goal)
			for _, c := range e.Checks {
				need("check "+c.ID+" hint", c.Hint)
			}
		}
	}
}

package lessons

import (
	"context"
	"testing"
	"time"

	"github.com/nettutor/nettutor/engine"
)

// showsAreReal is the fidelity oracle on one built-in lesson: it runs every
// step (each must hold), and what every `show` printed must be, after
// norm, what the same command typed in the lab host's shell right after
// the step prints. A listing that changes between two reads (a neighbour's
// state) gets four tries 50 ms apart. It returns what each command showed,
// all steps together, and how many shows it compared.
func showsAreReal(t *testing.T, id string, norm func(string) string, timeout time.Duration) (map[string]string, int) {
	t.Helper()
	l, err := Find(id)
	if err != nil {
		t.Fatal(err)
	}
	lab := newLab(t)
	r := NewRunner(lab, l, Options{})
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	shown := map[string]string{}
	shows := 0
	for !r.Done() {
		res, err := r.RunNext(ctx)
		if err != nil {
			t.Fatalf("%s step %d: %v", id, res.Index+1, err)
		}
		if res.NotRun != nil {
			continue
		}
		if !res.OK() {
			t.Fatalf("%s step %d:\n%s", id, res.Index+1, failures(res))
		}
		for _, a := range res.Actions {
			if a.Kind != "show" {
				continue
			}
			shows++
			shown[a.Command] += a.Output
			var real string
			for try := 0; try < 4; try++ {
				out, err := lab.Cmd(engine.HostNS, "bash", "-c", a.Command).CombinedOutput()
				if err != nil {
					t.Fatalf("%s step %s: $ %s: %v\n%s", id, res.Step.ID, a.Command, err, out)
				}
				if real = string(out); norm(real) == norm(a.Output) {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			if norm(real) != norm(a.Output) {
				t.Errorf("%s step %s: $ %s\n--- tutor:\n%s\n--- real:\n%s", id, res.Step.ID, a.Command, a.Output, real)
			}
		}
	}
	return shown, shows
}

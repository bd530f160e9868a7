package lessons

import (
	"context"
	"testing"
	"time"
)

// BenchmarkStepRunCommands is veth's "firewalls" step end to end: seven
// `run` commands back to back (six `iptables -S`, one `ip neigh`), as the
// TUI runs it after the learner has read the step before. Besides the
// step's time it reports the mean and the slowest command, the numbers the
// TUI prints after each command (`# 12.3ms`). Compare them with
// engine's BenchmarkStepCommand, which runs the same iptables on the host
// in the same run. Run with
// go test ./lessons -run '^$' -bench StepRunCommands -benchtime 10x
func BenchmarkStepRunCommands(b *testing.B) {
	ls, err := Builtin()
	if err != nil {
		b.Fatal(err)
	}
	var l *Lesson
	idx := -1
	for _, x := range ls {
		for i, st := range x.Steps {
			if x.ID == "veth" && st.ID == "firewalls" {
				l, idx = x, i
			}
		}
	}
	if idx < 0 {
		b.Fatal("veth has no step firewalls")
	}
	r := NewRunner(newLab(b), l, Options{})
	defer r.Close()
	ctx := context.Background()
	var n int
	var sum, slowest time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		if err := r.Goto(ctx, idx); err != nil {
			b.Fatal(err)
		}
		time.Sleep(300 * time.Millisecond) // the learner reads the step
		b.StartTimer()
		res, err := r.RunStep(ctx, idx)
		if err != nil {
			b.Fatal(err)
		}
		if !res.OK() {
			b.Fatalf("step %s failed: %+v", l.Steps[idx].ID, res.Actions)
		}
		for _, a := range res.Actions {
			if a.Kind != "run" {
				continue
			}
			n++
			sum += a.Duration
			slowest = max(slowest, a.Duration)
		}
	}
	if n > 0 {
		b.ReportMetric(float64(sum.Microseconds())/float64(n)/1000, "ms/cmd")
		b.ReportMetric(float64(slowest.Microseconds())/1000, "max-ms/cmd")
	}
}

package engine

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// BenchmarkStepCommand puts a lesson step's command (a `run` action: the
// line through the lab's runner, confined) side by side with a plain
// fork/exec of the same program on the host, in one run, so that their
// difference is the confinement's cost on this machine at this moment
// (DESIGN: at most 10 ms over the plain program). The lab's commands run
// back to back, as a step's six `iptables -S` do: no idle time between
// them for the lab to get anything ready. BenchmarkLabRun adds the same
// command typed in a lab shell. Run with
// go test ./engine -run '^$' -bench StepCommand -benchtime 40x
func BenchmarkStepCommand(b *testing.B) {
	for _, command := range []string{"true", "iptables -t filter -S"} {
		argv := strings.Fields(command)
		if _, err := exec.LookPath(argv[0]); err != nil {
			b.Logf("no %s here: %v", argv[0], err)
			continue
		}
		name := strings.ReplaceAll(command, " ", "_")
		b.Run(name+"/host", func(b *testing.B) {
			for b.Loop() {
				if out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput(); err != nil {
					b.Fatalf("%s: %v\n%s", command, err, out)
				}
			}
		})
		b.Run(name+"/lab", func(b *testing.B) {
			l := newLab(b)
			ctx := context.Background()
			// One untimed run: the lab's first program starts what later
			// ones reuse.
			if _, err := l.runShown(ctx, command, 0, time.Now()); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if res, err := l.runShown(ctx, command, 0, time.Now()); err != nil {
					b.Fatalf("%s: %v\n%s", command, err, res.Output)
				}
			}
		})
	}
}

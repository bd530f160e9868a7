package lessons

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/nettutor/nettutor/engine"
)

// clusterIPAnswer sets up service/clusterip on a fresh lab and runs the
// answer file of testdata/answers/service-clusterip named name.
func clusterIPAnswer(t testing.TB, name string) (*Exercise, *engine.Lab, *Env) {
	t.Helper()
	dir := "testdata/answers/service-clusterip"
	ex := exerciseOfFolder(t, dir)
	lab := newLab(t)
	t.Cleanup(func() { lab.Close() })
	ctx := context.Background()
	ws, _, err := ex.StartWith(ctx, lab, StartOptions{})
	if err != nil {
		t.Fatalf("start %s: %v", ex.FullID(), err)
	}
	if r := RunAnswer(ctx, lab, ws, filepath.Join(dir, name), 20*time.Second); r.ExitCode != 0 {
		t.Fatalf("%s: exit %d\n%s", name, r.ExitCode, r.Output)
	}
	return ex, lab, ws.Env()
}

// evaluateAlone evaluates each check by itself, one after another: what
// Evaluate did before the endpoints checks ran side by side.
func evaluateAlone(ctx context.Context, lab *engine.Lab, as []*Assertion, env *Env) []CheckResult {
	out := make([]CheckResult, 0, len(as))
	for _, a := range as {
		out = append(out, EvaluateOne(ctx, lab, a, env))
	}
	return out
}

// TestEndpointsSideBySide: the endpoints checks of service/clusterip,
// run side by side by Evaluate, give each check the verdict and the cause
// it gets when the checks run one by one, on the same lab. ok-nth is the
// case that shows the gate is kept while a check is answered: its
// `--mode nth --every 2` rule alternates for every connection that
// crosses it, so two checks taking turns would each see one endpoint.
// bad-no-hairpin-masq and bad-single-endpoint fail with the causes the
// conntrack entries and the counts name (no-masquerade, one-endpoint),
// bad-output-only with four checks waiting at once.
func TestEndpointsSideBySide(t *testing.T) {
	for _, name := range []string{"ok-nth.sh", "ok-kube-proxy-nat.sh", "bad-no-hairpin-masq.sh", "bad-single-endpoint.sh", "bad-output-only.sh"} {
		t.Run(name, func(t *testing.T) {
			ex, lab, env := clusterIPAnswer(t, name)
			ctx := context.Background()
			side := Evaluate(ctx, lab, ex.Checks, env)
			alone := evaluateAlone(ctx, lab, ex.Checks, env)
			if len(side) != len(alone) {
				t.Fatalf("%d results side by side, %d alone", len(side), len(alone))
			}
			for i := range side {
				s, a := side[i], alone[i]
				if s.ID != a.ID || s.OK != a.OK || s.Cause != a.Cause {
					t.Errorf("check %s: side by side ok %v cause %q (%s); alone ok %v cause %q (%s)",
						a.ID, s.OK, s.Cause, s.Detail, a.OK, a.Cause, a.Detail)
				}
			}
			if name[:3] == "ok-" && !Passed(side) {
				t.Errorf("a correct answer failed side by side:\n%s", describeGrade(&Grade{Checks: side}))
			}
		})
	}
}

// BenchmarkClusterIPChecks evaluates the checks of service/clusterip
// after each answer, side by side (Evaluate) against one by one (the
// baseline, in the same run), on a lab set up once per answer.
// ms/side and ms/alone are the mean per evaluation; ratio is side/alone.
func BenchmarkClusterIPChecks(b *testing.B) {
	if sandboxErr != nil {
		b.Skip(sandboxErr)
	}
	files, _ := filepath.Glob("testdata/answers/service-clusterip/*.sh")
	for _, f := range files {
		b.Run(filepath.Base(f), func(b *testing.B) {
			ex, lab, env := clusterIPAnswer(b, filepath.Base(f))
			ctx := context.Background()
			var side, alone time.Duration
			n := 0
			for b.Loop() {
				t0 := time.Now()
				Evaluate(ctx, lab, ex.Checks, env)
				t1 := time.Now()
				evaluateAlone(ctx, lab, ex.Checks, env)
				side += t1.Sub(t0)
				alone += time.Since(t1)
				n++
			}
			b.ReportMetric(ms(side)/float64(n), "ms/side")
			b.ReportMetric(ms(alone)/float64(n), "ms/alone")
			b.ReportMetric(float64(side)/float64(alone), "ratio")
		})
	}
}

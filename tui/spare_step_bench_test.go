package tui

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/nettutor/nettutor/lessons"
)

// BenchmarkStepWithSpares is what the spares cost a step: a fast learner
// runs lesson id step by step, reading each for read before `n`, while
// the view asks for the spares after every step (PrepareBack in the
// background, as it does); a step that finds a build under way cancels it
// and waits for its replayed step to end. The same walk with 0, 1 and 2
// spares, in one run; metrics are the mean and slowest step (RunStep, as
// the view waits for it) with each. read is 300 ms, or NETTUTOR_BENCH_READ.
//
//	go test ./tui -run '^$' -bench StepWithSpares -benchtime 1x
func BenchmarkStepWithSpares(b *testing.B) {
	if !labOK {
		b.Skip("no lab sandbox here")
	}
	read := 300 * time.Millisecond
	if v, err := time.ParseDuration(os.Getenv("NETTUTOR_BENCH_READ")); err == nil {
		read = v
	}
	for _, id := range []string{"nat", "service"} {
		b.Run(id, func(b *testing.B) {
			les, err := lessons.Find(id)
			if err != nil {
				b.Fatal(err)
			}
			n := len(les.Steps)
			var sum, worst [3]time.Duration
			b.StopTimer()
			for it := 0; it < b.N; it++ {
				for spares := 0; spares <= 2; spares++ {
					_, s := openReal(b, id, spares)
					for i := 0; i < n; i++ {
						t0 := time.Now()
						runSteps1(b, s, i)
						d := time.Since(t0)
						sum[spares] += d
						worst[spares] = max(worst[spares], d)
						go s.PrepareBack(context.Background(), i)
						time.Sleep(read)
					}
					s.Close()
				}
			}
			ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
			for spares, name := range []string{"none", "one", "two"} {
				b.ReportMetric(ms(sum[spares])/float64(n*b.N), name+"-step-mean-ms")
				b.ReportMetric(ms(worst[spares]), name+"-step-max-ms")
			}
		})
	}
}

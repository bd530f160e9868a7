package lessons

import (
	"context"
	"os/exec"
	"testing"
	"time"

	"github.com/nettutor/nettutor/engine/journey"
)

// BenchmarkTraceLabService is trace on the Service lab in process (no
// binary start, no sandbox start), so that a CPU profile
// (-cpuprofile) shows where a Service journey's time goes: a connection
// from POD-C to 10.96.0.100:80 against the same-node echo POD-A →
// POD-C in the same lab, and their ratio (the baseline is in the same
// run, on the same machine load).
func BenchmarkTraceLabService(b *testing.B) {
	for _, tool := range []string{"bash", "ip", "bridge", "iptables-restore", "nc", "conntrack"} {
		if _, err := exec.LookPath(tool); err != nil {
			b.Skipf("no %s", tool)
		}
	}
	lab := newLab(b)
	kubeProxyLab(b, lab, "A B")
	probes := []struct {
		name string
		p    journey.Probe
	}{
		{"service", journey.Probe{From: "POD-C", Dst: "10.96.0.100", Proto: "tcp", Port: 80}},
		{"same-node", journey.Probe{From: "POD-A", Dst: "10.244.0.3", Proto: "icmp"}},
	}
	ms := map[string]float64{}
	for _, pr := range probes {
		var sum time.Duration
		for i := 0; i < b.N; i++ {
			t0 := time.Now()
			j, err := journey.TraceLab(context.Background(), lab, pr.p, journey.Options{Timeout: time.Second, Lang: "en"})
			if err != nil {
				b.Fatal(err)
			}
			if j.Result != journey.Replied {
				b.Fatalf("%s: %s %+v", pr.name, j.Result, j.Drop)
			}
			sum += time.Since(t0)
		}
		ms[pr.name] = float64(sum.Microseconds()) / 1000 / float64(b.N)
	}
	b.ReportMetric(ms["service"], "ms/service-journey")
	b.ReportMetric(ms["same-node"], "ms/same-node-journey")
	b.ReportMetric(ms["service"]/ms["same-node"], "service/same-node")
}

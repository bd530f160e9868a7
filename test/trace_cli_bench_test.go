package test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// BenchmarkTraceCLI times the `nettutor trace` command as a learner runs
// it in a lab shell on the Service lab (serviceLab("A B")): the whole
// process, from the shell's fork to its exit (bash's EPOCHREALTIME around
// the command), not only the journey's own "ms". It times, in one
// sandbox, n traces of POD-C to the Service 10.96.0.100:80 (split by the
// endpoint kube-proxy's statistic rule chose: POD-A on the same node,
// POD-B across the overlay) and n of POD-C to POD-A:80 (same node, no
// Service). The target is 100 ms a trace.
//
// NETTUTOR_BENCH_BASELINE names another nettutor binary (main's build):
// each iteration then runs the same script in a sandbox of each build,
// back to back, so both share the machine and its load, and reports the
// ratios this/baseline. With NETTUTOR_TRACE_PHASES support (this build),
// the trace's phases are reported too (ms/phase-NAME), to show where the
// time goes.
func BenchmarkTraceCLI(b *testing.B) {
	dir := b.TempDir()
	os.Chmod(dir, 0o755)
	p := filepath.Join(dir, "lab.sh")
	const n = 8
	script := serviceLab("A B") + "set +e\n" +
		"ip netns exec POD-A ping -c 1 -W 1 10.244.0.3 >/dev/null; ip netns exec POD-C nc -w 1 10.96.0.100 80 </dev/null >/dev/null\n" +
		"export NETTUTOR_TRACE_PHASES=1 TIMEFORMAT='%3U %3S'\n" +
		"for i in $(seq " + strconv.Itoa(n) + "); do for d in 10.96.0.100 10.244.0.2; do\n" +
		"  t0=$EPOCHREALTIME; { time nettutor trace POD-C $d --tcp 80 --json >/tmp/out 2>/tmp/err; } 2>/tmp/cpu; rc=$?; t1=$EPOCHREALTIME\n" +
		"  ep=$(sed -n 's/.*\"endpoint\": \"\\([0-9.]*\\):80\".*/\\1/p' /tmp/out); res=$(sed -n 's/^  \"result\": \"\\([a-z-]*\\)\".*/\\1/p' /tmp/out)\n" +
		"  echo \"trace $d ${ep:-none} $rc ${res:-none} ${t0/./} ${t1/./}\"; echo \"cpu $(cat /tmp/cpu)\"; sed -n 's/^phase /phase /p' /tmp/err\n" +
		"done; done\n"
	os.WriteFile(p, []byte(script), 0o644)
	builds := []struct{ name, exe string }{{"this", bin}}
	if base := os.Getenv("NETTUTOR_BENCH_BASELINE"); base != "" {
		builds = append([]struct{ name, exe string }{{"baseline", base}}, builds...)
	}
	type key struct{ build, kind string }
	wall := map[key][]float64{} // ms from fork to exit
	cpu := map[key][]float64{}  // ms of CPU (user and system)
	phases := map[string][]float64{}
	traceRe := regexp.MustCompile(`^trace (\S+) (\S+) (\d+) (\S+) (\d+) (\d+)$`)
	phaseRe := regexp.MustCompile(`^phase (\S+) ([0-9.]+)$`)
	cpuRe := regexp.MustCompile(`^cpu ([0-9.]+) ([0-9.]+)$`)
	for i := 0; i < b.N; i++ {
		for _, bd := range builds {
			out, err := exec.Command(bd.exe, "sandbox", "--quiet", "--timeout", "3m", p).CombinedOutput()
			if err != nil {
				b.Fatalf("%s sandbox: %v\n%s", bd.name, err, out)
			}
			// A trace's line is followed by its CPU time and its phases;
			// the clock readings give the process's start (fork, exec,
			// the runtime and package initialisation, up to the command)
			// and its exit.
			kind := ""
			var t0, t1 float64
			for _, l := range strings.Split(string(out), "\n") {
				if m := traceRe.FindStringSubmatch(l); m != nil {
					kind = "same-node-tcp"
					if m[1] == "10.96.0.100" {
						switch m[2] {
						case "10.244.0.2":
							kind = "service-same-node"
						case "10.244.1.2":
							kind = "service-cross-node"
						default:
							b.Fatalf("%s: the Service trace named no endpoint:\n%s", bd.name, out)
						}
					}
					if m[3] != "0" || m[4] != "replied" {
						b.Fatalf("%s: trace to %s: exit %s, result %s\n%s", bd.name, m[1], m[3], m[4], out)
					}
					t0, _ = strconv.ParseFloat(m[5], 64)
					t1, _ = strconv.ParseFloat(m[6], 64)
					wall[key{bd.name, kind}] = append(wall[key{bd.name, kind}], (t1-t0)/1000)
					continue
				}
				if m := cpuRe.FindStringSubmatch(l); m != nil && kind != "" {
					u, _ := strconv.ParseFloat(m[1], 64)
					sy, _ := strconv.ParseFloat(m[2], 64)
					cpu[key{bd.name, kind}] = append(cpu[key{bd.name, kind}], (u+sy)*1000)
					continue
				}
				m := phaseRe.FindStringSubmatch(l)
				if m == nil || bd.name != "this" {
					continue
				}
				v, _ := strconv.ParseFloat(m[2], 64)
				switch m[1] {
				case "begun-at":
					phases["=process-start"] = append(phases["=process-start"], (v-t0)/1000)
				case "end-at":
					phases["=process-exit"] = append(phases["=process-exit"], (t1-v)/1000)
				default:
					phases[m[1]] = append(phases[m[1]], v)
				}
			}
		}
	}
	mean := func(v []float64) float64 {
		s := 0.0
		for _, x := range v {
			s += x
		}
		return s / float64(len(v))
	}
	for _, kind := range []string{"service-cross-node", "service-same-node", "same-node-tcp"} {
		this := wall[key{"this", kind}]
		if len(this) == 0 {
			continue // the statistic rule never chose that endpoint in this run
		}
		b.ReportMetric(mean(this), "ms/"+kind)
		b.ReportMetric(mean(cpu[key{"this", kind}]), "cpu-ms/"+kind)
		if base := wall[key{"baseline", kind}]; len(base) > 0 {
			b.ReportMetric(mean(base), "ms/"+kind+"-baseline")
			b.ReportMetric(mean(this)/mean(base), kind+"/baseline")
			b.ReportMetric(mean(cpu[key{"baseline", kind}]), "cpu-ms/"+kind+"-baseline")
		}
	}
	if len(wall[key{"this", "same-node-tcp"}]) == 0 {
		b.Fatal("no timings")
	}
	var names []string
	for k := range phases {
		names = append(names, k)
	}
	sort.Strings(names)
	var line []string
	for _, k := range names {
		line = append(line, fmt.Sprintf("%s %.1f", k, mean(phases[k])))
	}
	if len(line) > 0 {
		b.Logf("phases (ms, mean of every trace of this build): %s", strings.Join(line, ", "))
	}
}

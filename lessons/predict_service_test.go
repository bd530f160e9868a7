package lessons

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/nettutor/nettutor/engine"
	"github.com/nettutor/nettutor/engine/journey"
)

// kubeProxyLab builds, in lab, issue 21's cluster (underlay, flannel's
// overlay) with kube-proxy's rules for default/web (10.96.0.100:80) and
// the endpoints eps, from the hand-written scripts test/trace_service_test.go
// uses (test/testdata/labs).
func kubeProxyLab(t testing.TB, lab *engine.Lab, eps string) {
	t.Helper()
	script := ""
	for _, n := range []string{"underlay", "flannel"} {
		b, err := os.ReadFile(filepath.Join("..", "test", "testdata", "labs", n+".sh"))
		if err != nil {
			t.Fatal(err)
		}
		script += string(b)
	}
	b, err := os.ReadFile(filepath.Join("..", "test", "testdata", "labs", "kubeproxy.sh"))
	if err != nil {
		t.Fatal(err)
	}
	script += "EPS='" + eps + "'\n" + string(b) + "sleep 0.3\n"
	// The banner servers stay in the background: their output goes to a
	// file, not a pipe Wait would wait on.
	out, err := os.CreateTemp("", "kubeproxy-lab-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.Remove(out.Name())
	defer out.Close()
	cmd := lab.Cmd("", "bash", "-e", "-c", script)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Run(); err != nil {
		b, _ := os.ReadFile(out.Name())
		t.Fatalf("build the lab: %v\n%s", err, b)
	}
}

// labOut runs argv in ns of lab and returns its output.
func labOut(t *testing.T, lab *engine.Lab, ns string, argv ...string) string {
	t.Helper()
	cmd := lab.Job(ns, argv...)
	b, err := cmd.CombinedOutput()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatalf("%s: %v", strings.Join(argv, " "), err)
	}
	return string(b)
}

// TestPredictService: the lab's replay (`run --plain`, the TUI's journey
// under a command) through kube-proxy's DNAT, on a Service with two
// endpoints chosen by -m statistic. Before any connection the replay
// cannot know the kernel's random choice and says "one of" both
// endpoints, never "no reply". After a real nc from POD-C (and one from
// NODE1, through nat OUTPUT), it follows the endpoint conntrack -L
// names for that connection, to the pod whose banner nc printed, with the
// DNAT under NODE1's hop.
func TestPredictService(t *testing.T) {
	t.Parallel() // a lab of its own that mostly waits on probes: see parallel_test.go
	for _, tool := range []string{"bash", "ip", "bridge", "iptables-restore", "nc", "conntrack"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("no %s", tool)
		}
	}
	lab := newLab(t)
	kubeProxyLab(t, lab, "A B")
	probe := func(from string) journey.Probe {
		return journey.Probe{From: from, Dst: "10.96.0.100", Proto: "tcp", Port: 80}
	}
	pods := map[string]string{"10.244.0.2": "POD-A", "10.244.1.2": "POD-B"}

	// No connection yet: the choice is the kernel's, per connection.
	for _, from := range []string{"POD-C", "NODE1"} {
		j, err := journey.PredictLab(lab, nil, probe(from), "en")
		if err != nil {
			t.Fatal(err)
		}
		text := strings.Join(j.Compact("en"), "\n")
		if j.Result != journey.Undecided || j.Drop == nil || j.Drop.Reason != journey.ReasonSvcRandom || j.Drop.NS != "NODE1" ||
			!strings.Contains(text, "DNAT to one of 10.244.0.2:80, 10.244.1.2:80 (chosen at random per connection)") || strings.Contains(text, "no reply") {
			t.Errorf("%s before any connection: %s %+v\n%s", from, j.Result, j.Drop, text)
		}
	}

	// A real connection, then the replay.
	ctRe := regexp.MustCompile(`src=(\S+) dst=10\.96\.0\.100 sport=\d+ dport=80 src=(\S+) dst=(\S+) sport=80`)
	for _, c := range []struct{ from, src string }{{"POD-C", "10.244.0.3"}, {"NODE1", "192.168.10.101"}} {
		out := labOut(t, lab, c.from, "nc", "-w", "1", "10.96.0.100", "80")
		m := regexp.MustCompile(`web on (POD-[AB])`).FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("nc from %s: %q", c.from, out)
		}
		ct := labOut(t, lab, "NODE1", "conntrack", "-L", "-s", c.src, "-d", "10.96.0.100")
		cm := ctRe.FindStringSubmatch(ct)
		if cm == nil || pods[cm[2]] != m[1] {
			t.Fatalf("conntrack -L on NODE1 %q, nc got %q", ct, m[1])
		}
		ep, back := cm[2], cm[3]
		j, err := journey.PredictLab(lab, nil, probe(c.from), "en")
		if err != nil {
			t.Fatal(err)
		}
		text := strings.Join(j.Compact("en"), "\n")
		last := j.Hops[len(j.Hops)-1]
		if j.Result != journey.Replied || last.NS != m[1] || last.Dst != ep {
			t.Errorf("%s: replay ends %s in %s to %s, nc reached %s (%s)\n%s", c.from, j.Result, last.NS, last.Dst, m[1], ep, text)
		}
		var dn *journey.Rewrite
		for i := range j.NAT {
			if j.NAT[i].Kind == "dnat" {
				dn = &j.NAT[i]
			}
		}
		if dn == nil || dn.NS != "NODE1" || dn.From != "10.96.0.100:80" || dn.To != ep+":80" {
			t.Errorf("%s: dnat %+v, want NODE1 10.96.0.100:80 -> %s:80", c.from, dn, ep)
		}
		under := false
		for _, h := range j.Hops {
			for _, r := range h.NAT {
				under = under || h.NS == "NODE1" && r.Kind == "dnat" && r.To == ep+":80" && strings.Contains(h.Why, "as conntrack recorded")
			}
		}
		if !under {
			t.Errorf("%s: no DNAT under a NODE1 hop saying conntrack chose it: %+v", c.from, j.Hops)
		}
		// The reply goes back to the address conntrack's reply tuple
		// names: the request arrives from it.
		if last.Src != back {
			t.Errorf("%s: request arrives from %s, conntrack's reply goes to %s", c.from, last.Src, back)
		}
		if strings.Contains(text, "no reply") {
			t.Errorf("%s: %s", c.from, text)
		}
	}
}

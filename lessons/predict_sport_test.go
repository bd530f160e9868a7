package lessons

import (
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nettutor/nettutor/engine/journey"
)

// TestPredictServiceFollowsItsConnection: a step that connects several
// times to a Service with two endpoints, then replays each connection's
// journey (as `run --plain` did before its journeys were frozen per
// action, and as a check does). Several connections of the same seconds
// went to different endpoints, so the address alone cannot say which was
// which: without the source port the replay says "one of" (Undecided).
// With the connection's source port (engine.Lab.ConnectPort, what a
// tcp_connect action records) every journey reaches the pod whose banner
// the connection read, through the DNAT that `conntrack -L --sport`
// names for it.
func TestPredictServiceFollowsItsConnection(t *testing.T) {
	t.Parallel() // labs of its own that mostly wait on probes: see parallel_test.go
	for _, tool := range []string{"bash", "ip", "bridge", "iptables-restore", "nc", "conntrack"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("no %s", tool)
		}
	}
	lab := newLab(t)
	kubeProxyLab(t, lab, "A B")
	pods := map[string]string{"10.244.0.2": "POD-A", "10.244.1.2": "POD-B"}
	banner := regexp.MustCompile(`web on (POD-[AB])`)
	for _, c := range []struct{ from, src string }{{"POD-C", "10.244.0.3"}, {"NODE1", "192.168.10.101"}} {
		t.Run(c.from, func(t *testing.T) {
			type conn struct {
				sport int
				pod   string
			}
			var conns []conn
			got := map[string]bool{}
			// Connect until both endpoints have answered (at least 4
			// connections; a fair choice misses one 24 times running with
			// probability 2^-23).
			for k := 0; k < 24 && (len(conns) < 4 || len(got) < 2); k++ {
				lab.WaitBanners(3 * time.Second)
				out, sport, err := lab.ConnectPort(context.Background(), c.from, "10.96.0.100:80", time.Second)
				m := banner.FindStringSubmatch(out)
				if err != nil || m == nil || sport == 0 {
					t.Fatalf("connect %d from %s: %q sport %d: %v", k, c.from, out, sport, err)
				}
				conns = append(conns, conn{sport, m[1]})
				got[m[1]] = true
			}
			if len(got) < 2 {
				t.Fatalf("24 connections all went to %v", got)
			}
			probe := journey.Probe{From: c.from, Dst: "10.96.0.100", Proto: "tcp", Port: 80}
			// Without the port: the connections of the last seconds went
			// to both endpoints, and the replay does not pick one.
			j, err := journey.PredictLab(lab, nil, probe, "en")
			if err != nil {
				t.Fatal(err)
			}
			if j.Result != journey.Undecided {
				t.Errorf("without a source port: %s, want %s (connections of the same seconds went to %v)\n%s",
					j.Result, journey.Undecided, got, strings.Join(j.Compact("en"), "\n"))
			}
			ctRe := regexp.MustCompile(`src=\S+ dst=10\.96\.0\.100 sport=(\d+) dport=80 src=(\S+) dst=\S+ sport=80`)
			for _, cn := range conns {
				// The oracle: conntrack's own entry for this source port.
				ct := labOut(t, lab, "NODE1", "conntrack", "-L", "-p", "tcp", "-s", c.src, "-d", "10.96.0.100", "--sport", fmt.Sprint(cn.sport))
				cm := ctRe.FindStringSubmatch(ct)
				if cm == nil || cm[1] != fmt.Sprint(cn.sport) || pods[cm[2]] != cn.pod {
					t.Fatalf("sport %d: conntrack -L on NODE1 %q, nc read %s", cn.sport, ct, cn.pod)
				}
				p := probe
				p.Sport = cn.sport
				j, err := journey.PredictLab(lab, nil, p, "en")
				if err != nil {
					t.Fatal(err)
				}
				text := strings.Join(j.Compact("en"), "\n")
				if j.Result != journey.Replied || len(j.Hops) == 0 {
					t.Errorf("sport %d (read %s): %s\n%s", cn.sport, cn.pod, j.Result, text)
					continue
				}
				last := j.Hops[len(j.Hops)-1]
				if last.NS != cn.pod || last.Dst != cm[2] {
					t.Errorf("sport %d: journey ends in %s at %s, the connection read %s (conntrack: %s)\n%s", cn.sport, last.NS, last.Dst, cn.pod, cm[2], text)
				}
				dnat := false
				for _, r := range j.NAT {
					dnat = dnat || r.Kind == "dnat" && r.NS == "NODE1" && r.To == cm[2]+":80"
				}
				if !dnat {
					t.Errorf("sport %d: no DNAT in NODE1 to %s:80: %+v", cn.sport, cm[2], j.NAT)
				}
			}
		})
	}
}

package lessons

import (
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nettutor/nettutor/engine"
	"github.com/nettutor/nettutor/engine/journey"
)

// TestTraceFastPathOracles: the trace's fast path (one capture socket per
// namespace read after the answer, the probe's conntrack entries asked for
// by tuple, tracers only where a namespace has nftables tables, each
// tracer's table deleted before its socket closes) against what the plain
// tools show on the Service lab, for connections to both endpoints:
//   - the DNAT the journey names is the one `conntrack -L` (the whole
//     table) lists for the probe's source port on NODE1;
//   - the hops are the ones each endpoint's path crosses, on the devices
//     of each namespace's socket, loopback never among them;
//   - the chain path and the rule that chose the endpoint are kube-proxy's
//     (the namespaces' trace events were read);
//   - no trace table is left in any namespace (`nft list tables`).
func TestTraceFastPathOracles(t *testing.T) {
	t.Parallel() // labs of its own that mostly wait on probes: see parallel_test.go
	for _, tool := range []string{"bash", "ip", "bridge", "iptables-restore", "nc", "conntrack", "nft"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("no %s", tool)
		}
	}
	lab := newLab(t)
	kubeProxyLab(t, lab, "A B")
	for _, from := range []struct{ ns, src string }{{"POD-C", "10.244.0.3"}, {"NODE1", "192.168.10.101"}} {
		t.Run(from.ns, func(t *testing.T) { traceFastOracles(t, lab, from.ns, from.src) })
	}
}

// traceFastOracles traces from ns (whose address is src) to the Service
// until both endpoints were chosen, and holds each journey to the plain
// tools. From a node the connection is masqueraded across the overlay
// (its source is outside the cluster CIDR, so KUBE-MARK-MASQ marks it),
// with --random-fully: the rewritten packets keep neither the address
// nor the port, and only the conntrack entry ties them to the probe.
func traceFastOracles(t *testing.T, lab *engine.Lab, from, src string) {
	first := "POD-C/eth0/out NODE1/vethPOD-C/in"
	if from == "NODE1" {
		first = ""
	}
	want := map[string][]string{ // endpoint -> hops its request must cross
		"10.244.0.2:80": strings.Fields(first + " NODE1/vethPOD-A/out POD-A/eth0/in"),
		"10.244.1.2:80": strings.Fields(first + " NODE1/flannel.1/out NODE1/eth0/out host/vNODE1/in host/vNODE2/out NODE2/eth0/in NODE2/flannel.1/in NODE2/vethPOD-B/out POD-B/eth0/in"),
	}
	seen := map[string]bool{}
	saves := journey.SavesStarted()
	real := labOut(t, lab, "NODE1", "iptables", "-t", "nat", "-S")
	for k := 0; k < 20 && len(seen) < 2; k++ {
		lab.WaitBanners(3 * time.Second)
		j, err := journey.TraceLab(context.Background(), lab, journey.Probe{From: from, Dst: "10.96.0.100", Proto: "tcp", Port: 80},
			journey.Options{Timeout: 2 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		if j.Result != journey.Replied || j.Service == nil || len(j.Hops) == 0 {
			t.Fatalf("trace %d: %s, service %+v\n%s", k, j.Result, j.Service, j.JSON())
		}
		ep := j.Service.Endpoint
		hops, ok := want[ep]
		if !ok {
			t.Fatalf("trace %d: endpoint %q\n%s", k, ep, j.JSON())
		}
		seen[ep] = true
		// The oracle of the NAT: conntrack's whole table, filtered by the
		// probe's own source port.
		// The probe's entry: its first hop has the probe's own source
		// port, or (masqueraded before the first capture point) the
		// entry's reply tuple's.
		h0 := j.Hops[0]
		ct := labOut(t, lab, "NODE1", "conntrack", "-L", "-p", "tcp", "-s", src, "-d", "10.96.0.100")
		var m []string
		for _, e := range regexp.MustCompile(`src=\S+ dst=10\.96\.0\.100 sport=(\d+) dport=80 src=(\S+) dst=(\S+) sport=80 dport=(\d+)`).FindAllStringSubmatch(ct, -1) {
			if e[1] == fmt.Sprint(h0.Sport) || e[3] == h0.Src && e[4] == fmt.Sprint(h0.Sport) {
				m = e
			}
		}
		if m == nil || m[2]+":80" != ep {
			t.Fatalf("trace %d: endpoint %s, first hop %+v, but conntrack -L on NODE1: %q", k, ep, h0, ct)
		}
		dnat, masq := false, false
		for _, n := range j.NAT {
			dnat = dnat || n.NS == "NODE1" && n.Kind == "dnat" && n.From == "10.96.0.100:80" && n.To == ep
			masq = masq || n.NS == "NODE1" && (n.Kind == "masquerade" || n.Kind == "snat") && n.To == m[3]+":"+m[4]
		}
		if !dnat {
			t.Errorf("trace %d: no DNAT 10.96.0.100:80 -> %s in NODE1 among %+v", k, ep, j.NAT)
		}
		// conntrack's reply goes to another address or port than the
		// probe's: the connection was masqueraded, and the journey says
		// to what.
		if (m[3] != src || m[4] != m[1]) != masq {
			t.Errorf("trace %d: conntrack -L on NODE1 %q, the journey's NAT %+v", k, m[0], j.NAT)
		}
		if from == "NODE1" && !masq {
			t.Errorf("trace %d: a node's connection to the Service, not masqueraded: %q", k, m[0])
		}
		var got []string
		for _, h := range append(append([]journey.Hop{}, j.Hops...), j.Reply.Hops...) {
			if h.Dev == "lo" {
				t.Errorf("trace %d: a hop on loopback: %+v", k, h)
			}
		}
		for _, h := range j.Hops {
			got = append(got, h.NS+"/"+h.Dev+"/"+h.Dir)
		}
		have := strings.Join(got, " ")
		for _, w := range hops {
			if !strings.Contains(" "+have+" ", " "+w+" ") {
				t.Errorf("trace %d to %s: no hop %s in %s", k, ep, w, have)
			}
		}
		if len(j.Reply.Hops) == 0 || j.Reply.Hops[len(j.Reply.Hops)-1].NS != from {
			t.Errorf("trace %d: the reply's hops do not end in %s: %+v", k, from, j.Reply.Hops)
		}
		hook := "PREROUTING" // a pod's packet arrives at NODE1; a node's own leaves it
		if from == "NODE1" {
			hook = "OUTPUT"
		}
		chains := strings.Join(j.Service.Chains, " ")
		if !strings.HasPrefix(chains, hook+" KUBE-SERVICES KUBE-SVC-CDGGSHYLG3RE2FKL KUBE-SEP-") || !strings.Contains(j.Service.ChosenBy, "KUBE-SVC-CDGGSHYLG3RE2FKL") {
			t.Errorf("trace %d: chains %q chosen by %q", k, chains, j.Service.ChosenBy)
		}
		// The rules the journey names are iptables -S's own lines, spelled
		// by the engine: no iptables-save was run to name them.
		for _, r := range []string{j.Service.ChosenBy, j.Service.DNATRule} {
			if !strings.Contains("\n"+real+"\n", "\n"+r+"\n") {
				t.Errorf("trace %d: the journey names the rule %q, not a line of iptables -t nat -S on NODE1:\n%s", k, r, real)
			}
		}
		if n := journey.SavesStarted() - saves; n != 0 {
			t.Errorf("trace %d: %d iptables-save run(s) on a lab whose every rule the snapshot spells", k, n)
		}
		for _, ns := range []string{"host", "NODE1", "NODE2", "POD-A", "POD-B", "POD-C"} {
			if out := labOut(t, lab, ns, "nft", "list", "tables"); strings.Contains(out, "nettutor_trace") {
				t.Fatalf("trace %d: a trace table is left in %s: %q", k, ns, out)
			}
		}
	}
	if len(seen) < 2 {
		t.Fatalf("20 traces all went to %v", seen)
	}
}

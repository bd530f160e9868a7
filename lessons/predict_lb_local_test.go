package lessons

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/nettutor/nettutor/engine/journey"
)

// TestPredictLoadBalancerLocal: a load balancer's address under
// externalTrafficPolicy: Local, reaching a node with no endpoint of the
// Service. The address is not the node's own, so the connection is
// routed, and kube-proxy's "no local endpoints" DROP for that address
// (filter KUBE-EXTERNAL-SERVICES, reached from FORWARD for NEW
// connections) stops it. The oracle first: nc from the lab host times
// out and the DROP's counter counts its SYNs. Then the replay names that
// rule and the cause, not a plain "dropped by a rule".
func TestPredictLoadBalancerLocal(t *testing.T) {
	t.Parallel() // a lab of its own that mostly waits on nc
	for _, tool := range []string{"bash", "ip", "bridge", "iptables-restore", "nc", "conntrack"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("no %s", tool)
		}
	}
	lab := newLab(t)
	kubeProxyLab(t, lab, "B") // the one endpoint on NODE2
	// kube-proxy's rules for externalTrafficPolicy: Local on NODE1
	// (test/testdata/labs/localpolicy.sh), and a route on the lab host
	// that sends the address to NODE1, as a router told by BGP would.
	b, err := os.ReadFile(filepath.Join("..", "test", "testdata", "labs", "localpolicy.sh"))
	if err != nil {
		t.Fatal(err)
	}
	script := "set -e\n" + string(b) + "ip route add 192.168.10.240/32 via 192.168.10.101\n"
	if out, err := lab.Cmd("", "bash", "-c", script).CombinedOutput(); err != nil {
		t.Fatalf("kube-proxy's rules for the address: %v\n%s", err, out)
	}
	if out := labOut(t, lab, "", "nc", "-w", "1", "192.168.10.240", "80"); strings.Contains(out, "web on") {
		t.Fatalf("nc to 192.168.10.240:80 got a banner: %q", out)
	}
	counters := labOut(t, lab, "NODE1", "iptables", "-nvxL", "KUBE-EXTERNAL-SERVICES")
	m := regexp.MustCompile(`(?m)^\s*(\d+)\s+\d+\s+DROP\b.* 192\.168\.10\.240 .*has no local endpoints`).FindStringSubmatch(counters)
	if m == nil {
		t.Fatalf("iptables -nvxL KUBE-EXTERNAL-SERVICES:\n%s", counters)
	}
	if n, _ := strconv.Atoi(m[1]); n < 1 {
		t.Fatalf("the DROP for the address counted no packet:\n%s", counters)
	}

	j, err := journey.PredictLab(lab, nil, journey.Probe{From: "host", Dst: "192.168.10.240", Proto: "tcp", Port: 80}, "en")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(j.Compact("en"), "\n")
	d := j.Drop
	if j.Result != journey.Dropped || d == nil || d.NS != "NODE1" || d.Reason != journey.ReasonSvcNoLocal ||
		d.Where != "filter KUBE-EXTERNAL-SERVICES" || !strings.Contains(d.Rule, `"default/web:http has no local endpoints"`) ||
		!strings.Contains(d.Detail, "externalTrafficPolicy: Local") || !strings.Contains(d.Detail, "192.168.10.240:80") {
		t.Errorf("replay: %s %+v\n%s", j.Result, d, text)
	}
}

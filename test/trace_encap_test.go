package test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The labs, typed with plain ip and bridge commands, are in
// testdata/labs (lessons/cause_tunnel_test.go builds the same ones):
// underlay.sh is the cluster's underlay as issue 21 fixes it (the lab
// host's bridge underlay, NODE1 and NODE2 with forwarding on and a default
// route via the host); flannel.sh adds cni0, the pods and flannel's VXLAN
// overlay in flanneld's order (NODE2_PORT sets NODE2's dstport);
// calico.sh adds Calico's routed pods (a /32 each, the default route via
// 169.254.1.1, proxy ARP on the node's cali end, routes via the nodes).
var underlayLab, flannelLab, calicoLab = labScript("underlay"), labScript("underlay", "flannel"), labScript("underlay", "calico")

// labScript joins testdata/labs/NAME.sh files into one script.
func labScript(names ...string) string {
	s := ""
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join("testdata", "labs", n+".sh"))
		if err != nil {
			panic(err)
		}
		s += string(b)
	}
	return s
}

// encapJSON is the part of trace --json these tests read.
type encapJSON struct {
	Result string `json:"result"`
	Hops   []struct {
		NS, Dev, Dir, Src, Dst, Why string
		Encap                       *struct {
			Kind     string
			VNI      int
			Src, Dst string
			Dport    int
		}
	} `json:"hops"`
	Drop  *struct{ NS, Where, Reason, Detail, Leg string } `json:"drop"`
	Reply *struct {
		Result string
		Hops   []struct {
			NS, Dev, Dir string
			Encap        *struct{ Src, Dst string }
		}
	} `json:"reply"`
	Ms float64 `json:"ms"`
}

// oracle is what plain tools saw on the same lab, right after the trace:
// ping's summary and the lines of each tcpdump.
type oracle struct {
	ping string
	dump map[string][]string
}

// traceOracle builds script in a fresh sandbox (as who), runs `nettutor
// trace args --json`, then, as a person would check it, one ping with
// pingArgs from the same namespace while tcpdump watches each point of
// dumps ("NS DEV FILTER"; NS "host" for the lab host).
func traceOracle(t *testing.T, who, script, args, pingArgs string, dumps []string) (encapJSON, int, oracle) {
	t.Helper()
	dir, err := os.MkdirTemp("", "nettutor-encap-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	f := strings.Fields(args)
	body := script + "set +e\nnettutor trace " + args + " --json; echo exit=$?\n"
	for i, d := range dumps {
		w := strings.SplitN(d, " ", 3)
		run := "ip netns exec " + w[0] + " "
		if w[0] == "host" {
			run = ""
		}
		n := strconv.Itoa(i)
		body += run + "tcpdump --immediate-mode -lni " + w[1] + " '" + w[2] + "' >/tmp/dump" + n + " 2>/tmp/dump" + n + ".err &\n"
	}
	body += dumpsListening(len(dumps))
	run := "ip netns exec " + f[0] + " "
	if f[0] == "host" {
		run = ""
	}
	body += run + "ping -c 1 -W 1 " + pingArgs + " " + f[1] + " >/tmp/ping 2>&1; echo ping=$?\nsleep 0.3\n"
	if len(dumps) > 0 {
		body += "kill $(jobs -p) 2>/dev/null; wait 2>/dev/null\n"
	}
	body += "echo '--- ping'; cat /tmp/ping\n"
	for i, d := range dumps {
		body += "echo '--- " + d + "'; cat /tmp/dump" + strconv.Itoa(i) + "\n"
	}
	p := filepath.Join(dir, "lab.sh")
	os.WriteFile(p, []byte(body), 0o644)
	// A hung lab fails this test with its output, not the whole package
	// at go test's limit (seen once on a loaded machine).
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "sandbox", "--quiet", p)
	if who != "self" {
		u, err := user.Lookup(who)
		if err != nil {
			t.Fatal(err)
		}
		os.Chmod(filepath.Dir(bin), 0o755)
		cmd = exec.CommandContext(ctx, "setpriv", "--reuid="+u.Uid, "--regid="+u.Gid, "--init-groups",
			"env", "HOME="+dir, "PATH=/usr/local/bin:/usr/bin:/bin", "USER="+who, bin, "sandbox", "--quiet", p)
		cmd.Dir = dir
	}
	cmd.WaitDelay = 10 * time.Second // the lab's own processes may hold the pipes
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("sandbox: %v\n%s%s", err, out, stderr.String())
	}
	text := string(out)
	m := exitLine.FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no exit line:\n%s%s", out, stderr.String())
	}
	code, _ := strconv.Atoi(m[1])
	var j encapJSON
	js := text[:strings.Index(text, "\nexit=")+1]
	if err := json.Unmarshal([]byte(js), &j); err != nil {
		t.Fatalf("trace --json: %v\n%s%s", err, js, stderr.String())
	}
	o := oracle{dump: map[string][]string{}}
	sections := strings.Split(text, "\n--- ")
	for _, s := range sections[1:] {
		head, rest, _ := strings.Cut(s, "\n")
		var lines []string
		for _, l := range strings.Split(rest, "\n") {
			if strings.TrimSpace(l) != "" {
				lines = append(lines, l)
			}
		}
		if head == "ping" {
			o.ping = rest
		} else {
			o.dump[head] = lines
		}
	}
	pm := regexp.MustCompile(`(?m)^ping=(\d+)$`).FindStringSubmatch(text)
	if pm == nil {
		t.Fatalf("no ping line:\n%s", text)
	}
	if (pm[1] == "0") != (code == 0) {
		t.Errorf("ping exits %s where trace exits %d\nping: %s", pm[1], code, o.ping)
	}
	return j, code, o
}

func (j encapJSON) hop(ns, dev, dir string) int {
	for i, h := range j.Hops {
		if h.NS == ns && h.Dev == dev && h.Dir == dir {
			return i
		}
	}
	return -1
}

func count(lines []string, re string) int {
	n := 0
	r := regexp.MustCompile(re)
	for _, l := range lines {
		if r.MatchString(l) {
			n++
		}
	}
	return n
}

// TestTraceOverlay: on a flannel VXLAN overlay and on Calico's routed
// pods, both built with plain ip and bridge commands, trace follows the
// probe across the nodes (through the encapsulation, or by the routes
// via the node addresses) and, for each fault, names the stop and the
// cause that plain ping and tcpdump agree with.
func TestTraceOverlay(t *testing.T) {
	need(t, "ip", "bridge", "iptables", "bash", "ping", "tcpdump")
	const pingAB = "POD-A 10.244.1.2"
	wantEncap := func(t *testing.T, j encapJSON, i int, src, dst string, port int) {
		t.Helper()
		if i < 0 {
			t.Fatalf("missing hop in %+v", j.Hops)
		}
		e := j.Hops[i].Encap
		if e == nil || e.Kind != "vxlan" || e.VNI != 1 || e.Src != src || e.Dst != dst || e.Dport != port {
			t.Errorf("hop %s/%s %s: encap %+v, want vxlan 1 %s -> %s :%d", j.Hops[i].NS, j.Hops[i].Dev, j.Hops[i].Dir, e, src, dst, port)
		}
	}
	wantDrop := func(t *testing.T, j encapJSON, ns, where, reason string) {
		t.Helper()
		if j.Drop == nil || j.Drop.NS != ns || j.Drop.Where != where || j.Drop.Reason != reason {
			t.Errorf("drop %+v, want %s in %s at %s", j.Drop, reason, ns, where)
		}
	}
	cases := []struct {
		name, script, args, ping string
		dumps                    []string
		code                     int
		check                    func(t *testing.T, j encapJSON, o oracle)
	}{
		{"flannel", flannelLab, pingAB, "", []string{"host underlay udp port 8472", "host underlay icmp"}, 0, func(t *testing.T, j encapJSON, o oracle) {
			order := []int{j.hop("NODE1", "cni0", "in"), j.hop("NODE1", "flannel.1", "out"), j.hop("NODE1", "eth0", "out"),
				j.hop("host", "vNODE1", "in"), j.hop("NODE2", "eth0", "in"), j.hop("NODE2", "flannel.1", "in"), j.hop("NODE2", "cni0", "out"), j.hop("POD-B", "eth0", "in")}
			for k := 1; k < len(order); k++ {
				if order[k-1] < 0 || order[k] <= order[k-1] {
					t.Fatalf("hops out of path order %v: %+v", order, j.Hops)
				}
			}
			for _, i := range order[1:6] {
				wantEncap(t, j, i, "192.168.10.101", "192.168.10.102", 8472)
			}
			if e := j.Hops[order[0]].Encap; e != nil {
				t.Errorf("cni0 hop has an encap: %+v", e)
			}
			if w := j.Hops[order[1]].Why; !strings.Contains(w, "0e:00:00:00:00:02 dst 192.168.10.102") || !strings.Contains(w, "permanent") {
				t.Errorf("flannel.1 hop does not name its neighbour and fdb entries: %q", w)
			}
			if w := j.Hops[order[4]].Why; !strings.Contains(w, "flannel.1 (VNI 1) decapsulates") {
				t.Errorf("NODE2 eth0 hop does not name the decapsulation: %q", w)
			}
			back := false
			for _, h := range j.Reply.Hops {
				back = back || h.NS == "NODE2" && h.Dev == "eth0" && h.Dir == "out" && h.Encap != nil && h.Encap.Src == "192.168.10.102" && h.Encap.Dst == "192.168.10.101"
			}
			if !back {
				t.Errorf("the reply's hops have no VXLAN leg from NODE2: %+v", j.Reply.Hops)
			}
			// tcpdump: on the underlay only VXLAN, both ways; no bare ICMP.
			if d := o.dump["host underlay udp port 8472"]; count(d, `192\.168\.10\.101\.\d+ > 192\.168\.10\.102\.8472`) < 1 || count(d, `192\.168\.10\.102\.\d+ > 192\.168\.10\.101\.8472`) < 1 {
				t.Errorf("tcpdump on underlay: %q", d)
			}
			if d := o.dump["host underlay icmp"]; len(d) != 0 {
				t.Errorf("bare ICMP on the underlay: %q", d)
			}
		}},
		{"point-to-point-remote", underlayLab + `for n in 1 2; do
  ip netns add POD$n; ip -n NODE$n link add cni0 type bridge; ip -n NODE$n link set cni0 up; ip -n NODE$n addr add 10.244.$((n-1)).1/24 dev cni0
  ip -n NODE$n link add vp type veth peer name eth0 netns POD$n; ip -n NODE$n link set vp master cni0 up
  ip -n POD$n link set eth0 up; ip -n POD$n addr add 10.244.$((n-1)).2/24 dev eth0; ip -n POD$n route add default via 10.244.$((n-1)).1
done
ip -n NODE1 link add vx0 type vxlan id 1 remote 192.168.10.102 local 192.168.10.101 dstport 8472
ip -n NODE2 link add vx0 type vxlan id 1 remote 192.168.10.101 local 192.168.10.102 dstport 8472
ip -n NODE1 addr add 10.99.0.1/24 dev vx0; ip -n NODE2 addr add 10.99.0.2/24 dev vx0
ip -n NODE1 link set vx0 up; ip -n NODE2 link set vx0 up
ip -n NODE1 route add 10.244.1.0/24 via 10.99.0.2; ip -n NODE2 route add 10.244.0.0/24 via 10.99.0.1
`, "POD1 10.244.1.2", "", nil, 0, func(t *testing.T, j encapJSON, o oracle) {
			wantEncap(t, j, j.hop("NODE1", "vx0", "out"), "192.168.10.101", "192.168.10.102", 8472)
			wantEncap(t, j, j.hop("host", "vNODE2", "out"), "192.168.10.101", "192.168.10.102", 8472)
			if j.hop("NODE2", "vx0", "in") < 0 || j.hop("POD2", "eth0", "in") < 0 {
				t.Errorf("hops %+v", j.Hops)
			}
		}},
		{"no-fdb", flannelLab + "bridge -n NODE1 fdb del 0e:00:00:00:00:02 dev flannel.1 dst 192.168.10.102 self\n", pingAB, "",
			[]string{"host underlay udp port 8472", "NODE1 flannel.1 icmp"}, 1, func(t *testing.T, j encapJSON, o oracle) {
				wantDrop(t, j, "NODE1", "flannel.1", "no-fdb")
				if !strings.Contains(j.Drop.Detail, "0e:00:00:00:00:02") {
					t.Errorf("detail does not name the MAC: %q", j.Drop.Detail)
				}
				// The echo leaves by flannel.1 and nothing crosses the underlay.
				if d := o.dump["NODE1 flannel.1 icmp"]; count(d, `10\.244\.0\.2 > 10\.244\.1\.2: ICMP echo request`) != 1 {
					t.Errorf("tcpdump on flannel.1: %q", d)
				}
				if d := o.dump["host underlay udp port 8472"]; len(d) != 0 {
					t.Errorf("VXLAN on the underlay: %q", d)
				}
			}},
		{"vxlan-port", "NODE2_PORT=4789\n" + flannelLab, pingAB, "", []string{"NODE2 eth0 udp port 8472 or icmp"}, 1, func(t *testing.T, j encapJSON, o oracle) {
			wantDrop(t, j, "NODE2", "eth0", "vxlan-port")
			if !strings.Contains(j.Drop.Detail, "UDP 8472") || !strings.Contains(j.Drop.Detail, "flannel.1 (VNI 1, UDP 4789)") {
				t.Errorf("detail: %q", j.Drop.Detail)
			}
			wantEncap(t, j, j.hop("NODE2", "eth0", "in"), "192.168.10.101", "192.168.10.102", 8472)
			// The datagram arrives and the kernel answers: port unreachable.
			d := o.dump["NODE2 eth0 udp port 8472 or icmp"]
			if count(d, `> 192\.168\.10\.102\.8472`) < 1 || count(d, `udp port 8472 unreachable`) < 1 {
				t.Errorf("tcpdump on NODE2 eth0: %q", d)
			}
		}},
		{"tunnel-mtu", flannelLab, pingAB + " --size 1472", "-M do -s 1472", nil, 1, func(t *testing.T, j encapJSON, o oracle) {
			wantDrop(t, j, "NODE1", "flannel.1", "tunnel-mtu")
			if !strings.Contains(j.Drop.Detail, "MTU 1450") || !strings.Contains(j.Drop.Detail, "1500-byte") {
				t.Errorf("detail: %q", j.Drop.Detail)
			}
			if !strings.Contains(o.ping, "mtu = 1450") && !strings.Contains(o.ping, "mtu=1450") {
				t.Errorf("ping: %q", o.ping)
			}
		}},
		{"rp-filter", flannelLab + `ip -n NODE2 route replace 10.244.0.0/24 via 192.168.10.101 dev eth0
ip netns exec NODE2 sh -c 'echo 1 > /proc/sys/net/ipv4/conf/all/rp_filter'
`, pingAB, "", []string{"NODE2 eth0 udp port 8472", "NODE2 cni0 icmp"}, 1, func(t *testing.T, j encapJSON, o oracle) {
			wantDrop(t, j, "NODE2", "flannel.1", "rp-filter")
			if d := o.dump["NODE2 eth0 udp port 8472"]; count(d, `> 192\.168\.10\.102\.8472`) < 1 {
				t.Errorf("the VXLAN datagram did not reach NODE2: %q", d)
			}
			if d := o.dump["NODE2 cni0 icmp"]; len(d) != 0 {
				t.Errorf("the echo went on after flannel.1: %q", d)
			}
		}},
		{"forward-drop", flannelLab + "ip netns exec NODE1 iptables -P FORWARD DROP\n", pingAB, "", []string{"NODE1 eth0 udp port 8472"}, 1, func(t *testing.T, j encapJSON, o oracle) {
			wantDrop(t, j, "NODE1", "filter FORWARD", "policy-drop")
			if d := o.dump["NODE1 eth0 udp port 8472"]; len(d) != 0 {
				t.Errorf("VXLAN left NODE1: %q", d)
			}
		}},
		{"no-route", flannelLab + "ip -n NODE1 route del 10.244.1.0/24\n", pingAB, "", []string{"host underlay icmp", "host underlay udp port 8472"}, 1, func(t *testing.T, j encapJSON, o oracle) {
			wantDrop(t, j, "host", "underlay", "ip-forward-off")
			if !strings.Contains(j.Drop.Detail, "NODE1 sent it there by its default route") {
				t.Errorf("detail does not name NODE1's default route: %q", j.Drop.Detail)
			}
			// Unencapsulated on the underlay, to the lab host.
			if d := o.dump["host underlay icmp"]; count(d, `10\.244\.0\.2 > 10\.244\.1\.2: ICMP echo request`) < 1 {
				t.Errorf("tcpdump on underlay (icmp): %q", d)
			}
			if d := o.dump["host underlay udp port 8472"]; len(d) != 0 {
				t.Errorf("VXLAN on the underlay: %q", d)
			}
		}},
		{"calico", calicoLab, pingAB, "", []string{"host underlay icmp"}, 0, func(t *testing.T, j encapJSON, o oracle) {
			order := []int{j.hop("POD-A", "eth0", "out"), j.hop("NODE1", "cali0a", "in"), j.hop("NODE1", "eth0", "out"), j.hop("NODE2", "eth0", "in"), j.hop("NODE2", "cali1b", "out"), j.hop("POD-B", "eth0", "in")}
			for k := 1; k < len(order); k++ {
				if order[k-1] < 0 || order[k] <= order[k-1] {
					t.Fatalf("hops out of path order %v: %+v", order, j.Hops)
				}
			}
			for _, h := range j.Hops {
				if h.Encap != nil {
					t.Errorf("an encap on a routed path: %+v", h)
				}
			}
			if w := j.Hops[order[1]].Why; !strings.Contains(w, "via 192.168.10.102 dev eth0") {
				t.Errorf("NODE1's route to NODE2's block: %q", w)
			}
			if d := o.dump["host underlay icmp"]; count(d, `10\.244\.0\.2 > 10\.244\.1\.2: ICMP echo request`) < 1 {
				t.Errorf("tcpdump on underlay: %q", d)
			}
		}},
		{"no-proxy-arp", calicoLab + "ip netns exec NODE1 sh -c 'echo 0 > /proc/sys/net/ipv4/conf/cali0a/proxy_arp'\n", pingAB, "", []string{"NODE1 cali0a arp"}, 1, func(t *testing.T, j encapJSON, o oracle) {
			wantDrop(t, j, "POD-A", "eth0", "no-proxy-arp")
			if !strings.Contains(j.Drop.Detail, "169.254.1.1") || !strings.Contains(j.Drop.Detail, "net.ipv4.conf.cali0a.proxy_arp=0") {
				t.Errorf("detail: %q", j.Drop.Detail)
			}
			d := o.dump["NODE1 cali0a arp"]
			if count(d, `Request who-has 169\.254\.1\.1`) < 1 || count(d, `Reply`) != 0 {
				t.Errorf("tcpdump on cali0a: %q", d)
			}
		}},
	}
	eachSandboxCase(t, len(cases), func(i int) string { return cases[i].name }, func(t *testing.T, who string, i int) {
		c := cases[i]
		j, code, o := traceOracle(t, who, c.script, c.args, c.ping, c.dumps)
		if code != c.code {
			t.Fatalf("trace exit %d, want %d\n%+v", code, c.code, j)
		}
		c.check(t, j, o)
	})
}

// BenchmarkTraceOverlay: trace's own "ms" (call to journey, leaving out
// the process start) across the flannel overlay (POD-A to POD-B, through
// VXLAN) and on Calico's routed pods, beside two baselines from the same
// sandbox: a trace between two pods of one node (POD-A to POD-C, one
// bridge) and a plain `ping -c 1` across the overlay as a whole process.
// The target is 100 ms a journey; ratio is overlay over same-node.
func BenchmarkTraceOverlay(b *testing.B) {
	dir := b.TempDir()
	os.Chmod(dir, 0o755)
	p := filepath.Join(dir, "lab.sh")
	const n = 20
	loop := func(tag, cmd string) string {
		return "for i in $(seq " + strconv.Itoa(n) + "); do " + cmd + " | sed -n 's/.*\"ms\": \\([0-9.]*\\).*/" + tag + " \\1/p'; done\n"
	}
	script := flannelLab + "set +e\n" +
		"ip netns exec POD-A ping -c 1 -W 1 10.244.1.2 >/dev/null; ip netns exec POD-A ping -c 1 -W 1 10.244.0.3 >/dev/null\n" +
		loop("overlay", "nettutor trace POD-A 10.244.1.2 --json") +
		loop("node", "nettutor trace POD-A 10.244.0.3 --json") +
		"for i in $(seq " + strconv.Itoa(n) + "); do s=$(date +%s%N); ip netns exec POD-A ping -c 1 -W 1 10.244.1.2 >/dev/null; e=$(date +%s%N); echo \"ping $(( (e-s)/1000 ))\"; done\n"
	os.WriteFile(p, []byte(script), 0o644)
	// Calico's lab in a sandbox of its own: the same names made again
	// right after `ip -all netns delete` met the kernel's deferred
	// cleanup ("File exists") on a quiet machine.
	pc := filepath.Join(dir, "calico.sh")
	os.WriteFile(pc, []byte(calicoLab+"set +e\nip netns exec POD-A ping -c 1 -W 1 10.244.1.2 >/dev/null\n"+
		loop("calico", "nettutor trace POD-A 10.244.1.2 --json")), 0o644)
	sum := map[string]float64{}
	cnt := map[string]int{}
	for i := 0; i < b.N; i++ {
		var out []byte
		for _, script := range []string{p, pc} {
			o, err := exec.Command(bin, "sandbox", "--quiet", script).CombinedOutput()
			if err != nil {
				b.Fatalf("sandbox %s: %v\n%s", filepath.Base(script), err, o)
			}
			out = append(out, o...)
		}
		for _, m := range regexp.MustCompile(`(?m)^(overlay|node|ping|calico) ([0-9.]+)$`).FindAllStringSubmatch(string(out), -1) {
			v, _ := strconv.ParseFloat(m[2], 64)
			if m[1] == "ping" {
				v /= 1000 // µs to ms
			}
			sum[m[1]] += v
			cnt[m[1]]++
		}
	}
	for _, k := range []string{"overlay", "node", "ping", "calico"} {
		if cnt[k] == 0 {
			b.Fatalf("no %s timings", k)
		}
	}
	avg := func(k string) float64 { return sum[k] / float64(cnt[k]) }
	b.ReportMetric(avg("overlay"), "ms/overlay-journey")
	b.ReportMetric(avg("calico"), "ms/routed-journey")
	b.ReportMetric(avg("node"), "ms/same-node-journey")
	b.ReportMetric(avg("ping"), "ms/ping-process")
	b.ReportMetric(avg("overlay")/avg("node"), "overlay/same-node")
}

// TestTraceRefusesTunnelOut: a VXLAN device whose remote VTEP no visible
// namespace holds may lead off the machine: a trace whose route goes into
// it is refused, in one line with exit 2, as a route out of a real NIC is.
func TestTraceRefusesTunnelOut(t *testing.T) {
	need(t, "ip", "bash")
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	p := filepath.Join(dir, "lab.sh")
	script := underlayLab + `ip -n NODE1 link add vx0 type vxlan id 7 remote 198.51.100.7 local 192.168.10.101 dstport 4789
ip -n NODE1 link set vx0 up; ip -n NODE1 addr add 10.250.0.1/24 dev vx0
set +e
nettutor trace NODE1 10.250.0.5 2>err; echo "exit=$? $(cat err)"
`
	os.WriteFile(p, []byte(script), 0o644)
	out, err := exec.Command(bin, "sandbox", "--quiet", p).CombinedOutput()
	if err != nil {
		t.Fatalf("sandbox: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "exit=2 nettutor trace: refusing to trace 10.250.0.5: in NODE1 the route to it goes out by vx0, which does not lead to a visible namespace") {
		t.Errorf("want a refusal naming vx0:\n%s", out)
	}
}

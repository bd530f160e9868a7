package test

import (
	"encoding/json"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// bridgeLab is RED and BLUE on the host's bridge br0, typed with plain ip
// commands as the seed does.
const bridgeLab = `set -e
ip netns add RED; ip netns add BLUE
ip link add br0 type bridge; ip link set br0 up; ip addr add 11.11.11.1/24 dev br0
for n in RED BLUE; do
  ip link add v$n type veth peer name eth0 netns $n
  ip link set v$n master br0 up
  ip -n $n link set lo up; ip -n $n link set eth0 up
done
ip -n RED addr add 11.11.11.2/24 dev eth0; ip -n BLUE addr add 11.11.11.3/24 dev eth0
ip -n RED route add default via 11.11.11.1; ip -n BLUE route add default via 11.11.11.1
`

// natLab adds OUTSIDE on 203.0.113.0/24 behind the host's uplink; each
// case adds forwarding and its NAT rules itself.
const natLab = bridgeLab + `ip netns add OUTSIDE
ip link add uplink type veth peer name eth0 netns OUTSIDE
ip link set uplink up; ip addr add 203.0.113.1/24 dev uplink
ip -n OUTSIDE link set lo up; ip -n OUTSIDE link set eth0 up; ip -n OUTSIDE addr add 203.0.113.2/24 dev eth0
`

const (
	forwardOn  = "echo 1 > /proc/sys/net/ipv4/ip_forward\n"
	masquerade = "iptables -t nat -A POSTROUTING -s 11.11.11.0/24 ! -o br0 -j MASQUERADE\n"
)

// journeyJSON is the part of trace --json the tests read.
type journeyJSON struct {
	Result string `json:"result"`
	Hops   []struct {
		NS, Dev, Dir, Src, Dst, Why string
		Dport                       int
	} `json:"hops"`
	Rules []struct{ NS, Table, Chain, Rule, Verdict, Source string } `json:"rules"`
	NAT   []struct {
		NS, Kind, From, To string
		Confirmed          bool
	} `json:"nat"`
	Drop *struct {
		NS, Where, Rule, Reason, Detail, Leg string
		Observed                             bool
	} `json:"drop"`
	Reply *struct {
		Result string
		Hops   []struct{ NS, Dev, Dir string }
	} `json:"reply"`
	Ms float64 `json:"ms"`
}

var exitLine = regexp.MustCompile(`(?m)^exit=(\d+)$`)

// traceIn builds a lab with script in a fresh sandbox, runs `nettutor
// trace ARGS --json` there, and returns the journey and trace's exit code.
func traceIn(t *testing.T, who, script string, args string) (journeyJSON, int, string) {
	t.Helper()
	dir, err := os.MkdirTemp("", "nettutor-trace-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	p := filepath.Join(dir, "lab.sh")
	body := script + "set +e\nnettutor trace " + args + " --json; echo exit=$?\n"
	if f := strings.Fields(args); len(f) == 2 {
		// The oracle: plain ping in the same lab, right after, agrees on
		// whether an answer comes back.
		run := "ip netns exec " + f[0] + " "
		if f[0] == "host" {
			run = ""
		}
		body += run + "ping -c 1 -W 0.5 " + f[1] + " >/dev/null 2>&1; echo ping=$?\n"
	}
	os.WriteFile(p, []byte(body), 0o644)
	cmd := exec.Command(bin, "sandbox", "--quiet", p)
	if who != "self" {
		// Rootless: the same lab and trace as a plain user, in the user
		// namespace the sandbox makes for it.
		u, err := user.Lookup(who)
		if err != nil {
			t.Fatal(err)
		}
		os.Chmod(filepath.Dir(bin), 0o755)
		cmd = exec.Command("setpriv", "--reuid="+u.Uid, "--regid="+u.Gid, "--init-groups",
			"env", "HOME="+dir, "PATH=/usr/local/bin:/usr/bin:/bin", "USER="+who, bin, "sandbox", "--quiet", p)
		cmd.Dir = dir
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("sandbox: %v\n%s%s", err, out, stderr.String())
	}
	m := exitLine.FindStringSubmatch(string(out))
	if m == nil {
		t.Fatalf("no exit line:\n%s%s", out, stderr.String())
	}
	code, _ := strconv.Atoi(m[1])
	if pm := regexp.MustCompile(`(?m)^ping=(\d+)$`).FindStringSubmatch(string(out)); pm != nil && (pm[1] == "0") != (code == 0) {
		t.Errorf("ping exits %s where trace exits %d", pm[1], code)
	}
	var j journeyJSON
	js := string(out[:strings.LastIndex(string(out), "\nexit=")+1])
	if strings.TrimSpace(js) != "" {
		if err := json.Unmarshal([]byte(js), &j); err != nil {
			t.Fatalf("trace --json: %v\n%s", err, js)
		}
	}
	return j, code, stderr.String()
}

func hasHop(j journeyJSON, ns, dev, dir string) bool {
	for _, h := range j.Hops {
		if h.NS == ns && h.Dev == dev && h.Dir == dir {
			return true
		}
	}
	return false
}

// TestTraceJourneys: on labs built with plain ip and iptables, each journey
// names the right end and cause.
func TestTraceJourneys(t *testing.T) {
	need(t, "ip", "iptables", "bash", "ping")
	cases := []struct {
		name, script, args string
		code               int
		result             string
		check              func(t *testing.T, j journeyJSON)
	}{
		{"bridge", bridgeLab, "RED 11.11.11.3", 0, "replied", func(t *testing.T, j journeyJSON) {
			for _, h := range [][3]string{{"RED", "eth0", "out"}, {"host", "vRED", "in"}, {"host", "vBLUE", "out"}, {"BLUE", "eth0", "in"}} {
				if !hasHop(j, h[0], h[1], h[2]) {
					t.Errorf("no hop %v", h)
				}
			}
			if l := j.Hops[len(j.Hops)-1]; l.NS != "BLUE" || !strings.Contains(l.Why, "delivered") {
				t.Errorf("last hop %+v, want delivered in BLUE", l)
			}
			if !strings.Contains(j.Hops[1].Why, "fdb") {
				t.Errorf("bridge hop without its fdb decision: %q", j.Hops[1].Why)
			}
			if j.Reply == nil || j.Reply.Result != "delivered" || len(j.Reply.Hops) < 4 {
				t.Errorf("reply %+v", j.Reply)
			}
		}},
		{"masquerade", natLab + forwardOn + masquerade, "RED 203.0.113.2", 0, "replied", func(t *testing.T, j journeyJSON) {
			if len(j.NAT) != 1 || j.NAT[0].Kind != "snat" || j.NAT[0].From != "11.11.11.2" || j.NAT[0].To != "203.0.113.1" || !j.NAT[0].Confirmed {
				t.Errorf("nat %+v, want a confirmed snat 11.11.11.2 -> 203.0.113.1", j.NAT)
			}
			ok := false
			for _, h := range j.Hops {
				ok = ok || h.NS == "host" && h.Dev == "uplink" && h.Dir == "out" && h.Src == "203.0.113.1"
			}
			if !ok {
				t.Errorf("no hop leaving uplink from 203.0.113.1: %+v", j.Hops)
			}
			ok = false
			for _, r := range j.Rules {
				ok = ok || r.Chain == "POSTROUTING" && strings.Contains(r.Rule, "-j MASQUERADE") && r.Verdict == "snat"
			}
			if !ok {
				t.Errorf("the MASQUERADE rule is not among the rules crossed: %+v", j.Rules)
			}
		}},
		{"dnat", natLab + forwardOn + masquerade + "iptables -t nat -A PREROUTING -i uplink -p tcp --dport 8080 -j DNAT --to-destination 11.11.11.2:80\n",
			"OUTSIDE 203.0.113.1 --tcp 8080", 0, "replied", func(t *testing.T, j journeyJSON) {
				if len(j.NAT) != 1 || j.NAT[0].Kind != "dnat" || j.NAT[0].From != "203.0.113.1:8080" || j.NAT[0].To != "11.11.11.2:80" || !j.NAT[0].Confirmed {
					t.Errorf("nat %+v, want a confirmed dnat 203.0.113.1:8080 -> 11.11.11.2:80", j.NAT)
				}
				l := j.Hops[len(j.Hops)-1]
				if l.NS != "RED" || l.Dst != "11.11.11.2" || l.Dport != 80 {
					t.Errorf("last hop %+v, want RED at 11.11.11.2:80", l)
				}
			}},
		{"forward-drop-rule", natLab + forwardOn + masquerade + "iptables -A FORWARD -s 11.11.11.2 -d 203.0.113.0/24 -j DROP\n",
			"RED 203.0.113.2", 1, "dropped", func(t *testing.T, j journeyJSON) {
				if j.Drop.NS != "host" || j.Drop.Reason != "drop-rule" || j.Drop.Rule != "-A FORWARD -s 11.11.11.2/32 -d 203.0.113.0/24 -j DROP" {
					t.Errorf("drop %+v", j.Drop)
				}
				// The kernel's own trace saw the rule drop it.
				if !j.Drop.Observed || len(j.Rules) == 0 || j.Rules[len(j.Rules)-1].Source != "observed" || j.Rules[len(j.Rules)-1].Verdict != "drop" {
					t.Errorf("drop not observed by nftables tracing: %+v %+v", j.Drop, j.Rules)
				}
			}},
		{"br-netfilter-policy", bridgeLab + "iptables -P FORWARD DROP\n", "RED 11.11.11.3", 1, "dropped", func(t *testing.T, j journeyJSON) {
			if j.Drop.NS != "host" || j.Drop.Reason != "br-netfilter" || j.Drop.Rule != "-P FORWARD DROP" {
				t.Errorf("drop %+v", j.Drop)
			}
			if !j.Drop.Observed {
				t.Errorf("the policy drop was not observed by nftables tracing: %+v %+v", j.Drop, j.Rules)
			}
			if hasHop(j, "BLUE", "eth0", "in") {
				t.Errorf("BLUE got the echo: %+v", j.Hops)
			}
		}},
		{"ip-forward-off", natLab + masquerade + "echo 0 > /proc/sys/net/ipv4/ip_forward\n", "RED 203.0.113.2", 1, "no-reply", func(t *testing.T, j journeyJSON) {
			if j.Drop.NS != "host" || j.Drop.Reason != "ip-forward-off" || j.Drop.Where != "br0" {
				t.Errorf("drop %+v", j.Drop)
			}
		}},
		{"no-route-back", natLab + forwardOn, "RED 203.0.113.2", 1, "no-reply", func(t *testing.T, j journeyJSON) {
			if j.Drop.NS != "OUTSIDE" || j.Drop.Reason != "no-route-back" || j.Drop.Leg != "reply" {
				t.Errorf("drop %+v", j.Drop)
			}
			if !hasHop(j, "OUTSIDE", "eth0", "in") {
				t.Errorf("the request did not reach OUTSIDE: %+v", j.Hops)
			}
		}},
		{"masquerade-wrong-interface", natLab + forwardOn + "iptables -t nat -A POSTROUTING -s 11.11.11.0/24 -o br0 -j MASQUERADE\n",
			"RED 203.0.113.2", 1, "no-reply", func(t *testing.T, j journeyJSON) {
				if j.Drop.NS != "OUTSIDE" || j.Drop.Reason != "no-route-back" || !strings.Contains(j.Drop.Detail, "-o br0 -j MASQUERADE") || !strings.Contains(j.Drop.Detail, "uplink") {
					t.Errorf("drop %+v, want no route back naming the MASQUERADE rule and uplink", j.Drop)
				}
				if len(j.NAT) != 0 {
					t.Errorf("nat %+v, want none", j.NAT)
				}
			}},
		{"arp-unanswered", bridgeLab, "RED 11.11.11.9", 1, "no-reply", func(t *testing.T, j journeyJSON) {
			if j.Drop.NS != "RED" || j.Drop.Reason != "arp-unanswered" || !strings.Contains(j.Drop.Detail, "11.11.11.9") {
				t.Errorf("drop %+v", j.Drop)
			}
		}},
		{"link-down", bridgeLab + "ip -n BLUE link set eth0 down\n", "RED 11.11.11.3", 1, "no-reply", func(t *testing.T, j journeyJSON) {
			if j.Drop.NS != "BLUE" || j.Drop.Reason != "link-down" || j.Drop.Where != "eth0" {
				t.Errorf("drop %+v", j.Drop)
			}
		}},
		{"rp-filter", natLab + forwardOn + masquerade + `ip -n OUTSIDE route add 11.11.11.0/24 via 203.0.113.1
ip -n OUTSIDE neigh replace 203.0.113.1 lladdr $(cat /sys/class/net/uplink/address) dev eth0 nud permanent
ip route add 203.0.113.2/32 dev br0
echo 1 > /proc/sys/net/ipv4/conf/all/rp_filter; echo 1 > /proc/sys/net/ipv4/conf/uplink/rp_filter
`, "OUTSIDE 11.11.11.2", 1, "dropped", func(t *testing.T, j journeyJSON) {
			if j.Drop.NS != "host" || j.Drop.Reason != "rp-filter" || j.Drop.Where != "uplink" {
				t.Errorf("drop %+v", j.Drop)
			}
		}},
		{"no-route", natLab + "ip -n RED route del default\n", "RED 203.0.113.2", 1, "no-route", func(t *testing.T, j journeyJSON) {
			if j.Drop.NS != "RED" || j.Drop.Reason != "no-route" || len(j.Hops) != 0 {
				t.Errorf("drop %+v hops %+v", j.Drop, j.Hops)
			}
		}},
	}
	eachSandboxCase(t, len(cases), func(i int) string { return cases[i].name }, func(t *testing.T, who string, i int) {
		c := cases[i]
		j, code, stderr := traceIn(t, who, c.script, c.args)
		if code != c.code || j.Result != c.result {
			t.Fatalf("exit %d result %q, want %d %q\n%+v\n%s", code, j.Result, c.code, c.result, j, stderr)
		}
		if c.result != "replied" && j.Drop == nil {
			t.Fatalf("no drop in %+v", j)
		}
		c.check(t, j)
	})
}

// TestTraceRefusesOutside: a destination no visible namespace owns and no
// lab route leads to is refused in one line with exit 2, and nothing left
// RED (its transmit counter stays as it was).
func TestTraceRefusesOutside(t *testing.T) {
	need(t, "ip", "iptables", "bash")
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	p := filepath.Join(dir, "lab.sh")
	script := natLab + forwardOn + masquerade + `for n in RED BLUE OUTSIDE; do ip netns exec $n sh -c 'echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6'; done
echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6
set +e
tx() { ip netns exec RED cat /sys/class/net/eth0/statistics/tx_packets; }
before=$(tx)
for d in 8.8.8.8 10.1.2.3; do
  for from in RED host; do
    nettutor trace $from $d 2>err; echo "exit=$? $from $d $(wc -l < err) $(cat err)"
  done
done
echo "tx $before $(tx)"
`
	os.WriteFile(p, []byte(script), 0o644)
	out, err := exec.Command(bin, "sandbox", "--quiet", p).CombinedOutput()
	if err != nil {
		t.Fatalf("sandbox: %v\n%s", err, out)
	}
	lines := regexp.MustCompile(`(?m)^exit=(\d+) (\S+) (\S+) (\d+) (.*)$`).FindAllStringSubmatch(string(out), -1)
	if len(lines) != 4 {
		t.Fatalf("want 4 refusals:\n%s", out)
	}
	for _, m := range lines {
		if m[1] != "2" || m[4] != "1" || !strings.Contains(m[5], "refusing to trace "+m[3]) || strings.Contains(m[5], "goroutine") {
			t.Errorf("trace %s %s: exit %s, %s stderr lines: %q", m[2], m[3], m[1], m[4], m[5])
		}
	}
	tx := regexp.MustCompile(`(?m)^tx (\d+) (\d+)$`).FindStringSubmatch(string(out))
	if tx == nil || tx[1] != tx[2] {
		t.Errorf("RED sent packets while refused traces ran: %v\n%s", tx, out)
	}
}

// TestTraceRefusesHiddenPath: a route that leaves by a link whose far end
// is in no visible namespace (on a real host: the NIC) is refused, even
// when the destination is in a subnet it covers. The far end here is a
// namespace unpinned while a process still holds it, inside the sandbox.
func TestTraceRefusesHiddenPath(t *testing.T) {
	need(t, "ip", "bash", "sleep")
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	p := filepath.Join(dir, "lab.sh")
	script := bridgeLab + `ip netns add X
ip link add v0 type veth peer name e0 netns X
ip link set v0 up; ip addr add 10.9.9.1/24 dev v0
ip netns exec X sleep 30 &
sleep 0.2
ip netns delete X
ip route add default via 10.9.9.2
echo 1 > /proc/sys/net/ipv4/ip_forward
set +e
for a in "host 8.8.8.8" "host 10.9.9.2" "RED 10.1.2.3"; do
  nettutor trace $a 2>err; echo "exit=$? $a: $(cat err)"
done
`
	os.WriteFile(p, []byte(script), 0o644)
	out, err := exec.Command(bin, "sandbox", "--quiet", p).CombinedOutput()
	if err != nil {
		t.Fatalf("sandbox: %v\n%s", err, out)
	}
	lines := regexp.MustCompile(`(?m)^exit=(\d+) (.*)$`).FindAllStringSubmatch(string(out), -1)
	if len(lines) != 3 {
		t.Fatalf("want 3 traces:\n%s", out)
	}
	for _, m := range lines {
		if m[1] != "2" || !strings.Contains(m[2], "goes out by v0, which does not lead to a visible namespace") {
			t.Errorf("exit %s: %s", m[1], m[2])
		}
	}
}

// TestTraceLeavesNoTable: the tracing table is there while trace runs and
// gone when it ends, and also when trace is killed with SIGKILL in the
// middle: the kernel removes a table owned by a socket (NFT_TABLE_F_OWNER)
// when the socket closes.
func TestTraceLeavesNoTable(t *testing.T) {
	need(t, "ip", "iptables", "nft", "bash")
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	p := filepath.Join(dir, "lab.sh")
	script := natLab + forwardOn + masquerade + `iptables -A FORWARD -s 11.11.11.2 -d 203.0.113.0/24 -j DROP
set +e
nettutor trace RED 203.0.113.2 >/dev/null
echo "after: $(nft list tables | grep -c nettutor)"
nettutor trace RED 203.0.113.2 --timeout 5s >/dev/null &
pid=$!
for i in $(seq 100); do nft list tables | grep -q nettutor && break; sleep 0.02; done
echo "during: $(nft list tables | grep -c nettutor)"
kill -KILL $pid; wait $pid
for i in $(seq 50); do nft list tables | grep -q nettutor || break; sleep 0.02; done
echo "killed: $(nft list tables | grep -c nettutor)"
`
	os.WriteFile(p, []byte(script), 0o644)
	out, err := exec.Command(bin, "sandbox", "--quiet", p).CombinedOutput()
	if err != nil {
		t.Fatalf("sandbox: %v\n%s", err, out)
	}
	for _, want := range []string{"after: 0", "during: 1", "killed: 0"} {
		if !strings.Contains(string(out), want+"\n") {
			t.Errorf("want %q:\n%s", want, out)
		}
	}
}

// TestTraceBadInput: malformed arguments get one line and exit 2.
func TestTraceBadInput(t *testing.T) {
	for _, args := range [][]string{{"trace"}, {"trace", "RED"}, {"trace", "RED", "not-an-ip"}, {"trace", "NOPE", "11.11.11.3"}, {"trace", "host", "127.0.0.1", "--tcp", "99999"}, {"trace", "host", "127.0.0.1", "--tcp", "1", "--udp", "2"}, {"trace", "host", "127.0.0.1", "--size", "-1"}, {"trace", "host", "127.0.0.1", "--size", "1400", "--tcp", "80"}} {
		cmd := exec.Command(bin, args...)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		err := cmd.Run()
		code := -1
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		}
		if code != 2 || strings.Count(stderr.String(), "\n") != 1 || strings.Contains(stderr.String(), "goroutine") {
			t.Errorf("nettutor %s: exit %d, stderr %q", strings.Join(args, " "), code, stderr.String())
		}
	}
}

// BenchmarkTrace: call to journey on the nat lab (trace's own "ms", which
// leaves out the process start), over 20 traces in one sandbox.
func BenchmarkTrace(b *testing.B) {
	dir := b.TempDir()
	os.Chmod(dir, 0o755)
	p := filepath.Join(dir, "lab.sh")
	script := natLab + forwardOn + masquerade + "set +e\nfor i in $(seq 20); do nettutor trace RED 203.0.113.2 --json | grep '\"ms\"'; done\n"
	os.WriteFile(p, []byte(script), 0o644)
	var total float64
	var n int
	for i := 0; i < b.N; i++ {
		out, err := exec.Command(bin, "sandbox", "--quiet", p).CombinedOutput()
		if err != nil {
			b.Fatalf("sandbox: %v\n%s", err, out)
		}
		for _, m := range regexp.MustCompile(`"ms": ([0-9.]+)`).FindAllStringSubmatch(string(out), -1) {
			v, _ := strconv.ParseFloat(m[1], 64)
			total += v
			n++
		}
	}
	if n == 0 {
		b.Fatal("no trace timings")
	}
	b.ReportMetric(total/float64(n), "ms/journey")
}

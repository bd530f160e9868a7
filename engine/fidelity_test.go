package engine

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nettutor/nettutor/engine/testkit"
)

// The oracle of output fidelity: every form Show renders and every line the
// ping and nc probes print is held against the real tool run in the same
// namespace (the shown command itself, typed into sh in the lab host), after
// replacing only ifindex numbers, MAC addresses, lifetimes, counters and
// RTT/time values. A mismatch prints both texts.

var (
	fidMAC     = regexp.MustCompile(`\b([0-9a-f]{2}:){5}[0-9a-f]{2}\b`)
	fidIndex   = regexp.MustCompile(`(?m)^\d+: `)
	fidIfN     = regexp.MustCompile(`@if\d+\b`)
	fidLft     = regexp.MustCompile(`\b\d+sec\b`)
	fidRTT     = regexp.MustCompile(`time=[0-9.]+ ms`)
	fidTotal   = regexp.MustCompile(`, time \d+ms`)
	fidRTTLine = regexp.MustCompile(`rtt min/avg/max/mdev = [0-9./]+ ms`)
	// IPv6 link-local addresses are made from the MAC.
	fidLL = regexp.MustCompile(`fe80::[0-9a-f:]+`)
	// ip -d link prints a bridge's and a port's running timers.
	fidTimer = regexp.MustCompile(`_timer +\d+\.\d+`)
)

func normalise(s string) string {
	s = fidMAC.ReplaceAllString(s, "MAC")
	s = fidLL.ReplaceAllString(s, "fe80::EUI64")
	s = fidIndex.ReplaceAllString(s, "N: ")
	s = fidIfN.ReplaceAllString(s, "@ifN")
	s = fidLft.ReplaceAllString(s, "Nsec")
	s = fidRTT.ReplaceAllString(s, "time=T ms")
	s = fidTotal.ReplaceAllString(s, ", time Tms")
	s = fidRTTLine.ReplaceAllString(s, "rtt min/avg/max/mdev = R ms")
	s = fidTimer.ReplaceAllString(s, "_timer T")
	return s
}

func needTools(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is not installed: the fidelity oracle needs it", tool)
			}
			t.Skipf("%s is not installed", tool)
		}
	}
}

// typed runs a shown command as a person would type it, in the lab host's
// shell, and returns stdout and stderr as they would appear on a terminal
// (stderr first when asked: ping and nc print their errors there).
func typed(t *testing.T, l *Lab, cmd string) (stdout, stderr string) {
	t.Helper()
	for try := 0; ; try++ {
		c := l.Cmd(HostNS, "sh", "-c", cmd)
		var o, e strings.Builder
		c.Stdout, c.Stderr = &o, &e
		err := c.Run()
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatalf("%s: %v", cmd, err)
		}
		// The Go launcher that enters the namespace (not the tool) can run
		// out of memory under the lab's limits; that says nothing about
		// the tool's output, so it is run again, and said.
		if strings.HasPrefix(e.String(), "fatal error: runtime") && try < 3 {
			t.Logf("%s: the namespace launcher crashed (%s); running it again", cmd, strings.SplitN(e.String(), "\n", 2)[0])
			continue
		}
		return o.String(), e.String()
	}
}

// checkShow holds Show{ns, what} against its command. The kernel may move
// on between the two reads (DAD ends, a neighbour goes STALE), so a
// mismatch is read again a few times before it counts. Every string in want
// must be in the tool's output: it proves the lab shows that form.
func checkShow(t *testing.T, l *Lab, ns, what string, want ...string) {
	t.Helper()
	a := Show{NS: ns, What: what}
	var got, real, stderr string
	for try := 0; try < 4; try++ {
		before, err := l.ShowText(ns, what)
		if err != nil {
			t.Fatalf("show %s in %s: %v", what, ns, err)
		}
		real, stderr = typed(t, l, a.Command())
		after, err := l.ShowText(ns, what)
		if err != nil {
			t.Fatalf("show %s in %s: %v", what, ns, err)
		}
		got = before
		if normalise(before) == normalise(real) || normalise(after) == normalise(real) {
			got = real
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if stderr != "" {
		t.Errorf("$ %s wrote to stderr: %s", a.Command(), stderr)
	}
	if normalise(got) != normalise(real) {
		t.Errorf("$ %s\n--- tutor:\n%s--- real:\n%s--- first difference: %s", a.Command(), got, real, firstDiff(normalise(got), normalise(real)))
	}
	for _, w := range want {
		if !strings.Contains(real, w) {
			t.Errorf("$ %s: the lab should show %q:\n%s", a.Command(), w, real)
		}
	}
}

// firstDiff names the first line where the tutor's output (a) and the
// shell's (b) differ, with spaces made visible: a difference in fidelity
// is often only white space.
func firstDiff(a, b string) string {
	d := testkit.DifferingLines(a, b, 1)
	if len(d) == 0 {
		return "none"
	}
	return "line " + strconv.Itoa(d[0].N) + ": tutor " + quote(d[0].A) + ", real " + quote(d[0].B)
}

func quote(s string) string { return "\"" + strings.ReplaceAll(s, " ", "·") + "\"" }

func TestFidelityShowVeth(t *testing.T) {
	needTools(t, "ip", "bridge")
	l := newLab(t)
	apply(t, l,
		NetnsAdd{Name: "RED"}, NetnsAdd{Name: "BLUE"},
		VethAdd{Name: "veth0", Peer: "veth1"},
		LinkSetNetns{Name: "veth0", To: "RED"},
	)
	// veth1 is still in the lab host, whose namespace has no name under
	// /run/netns: RED sees a numbered peer, the host a named one.
	checkShow(t, l, "RED", "link", "link-netnsid ", "link/loopback", "<LOOPBACK>", "state DOWN")
	checkShow(t, l, HostNS, "link", "link-netns RED", "qdisc noop")
	apply(t, l, LinkSetNetns{Name: "veth1", To: "BLUE"}, LinkUp{NS: "RED", Name: "veth0"})
	checkShow(t, l, "RED", "link", "link-netns BLUE", "NO-CARRIER", "LOWERLAYERDOWN", "mode DEFAULT", "group default qlen 1000\n    link/ether")
	checkShow(t, l, "RED", "brief-link", "LOWERLAYERDOWN")
	apply(t, l,
		LinkUp{NS: "BLUE", Name: "veth1"}, LinkUp{NS: "RED", Name: "lo"},
		AddrAdd{NS: "RED", Dev: "veth0", Addr: "11.11.11.2/24"},
		AddrAdd{NS: "BLUE", Dev: "veth1", Addr: "11.11.11.3/24"},
	)
	checkShow(t, l, "RED", "addr", "scope global veth0", "scope host lo", "valid_lft forever preferred_lft forever", "inet6 fe80::", "state UNKNOWN", "LOWER_UP")
	checkShow(t, l, "RED", "brief-addr", "11.11.11.2/24")
	checkShow(t, l, "RED", "brief-link", "UP")
	checkShow(t, l, "RED", "route", "11.11.11.0/24 dev veth0 proto kernel scope link src 11.11.11.2")
	if _, err := l.Ping(context.Background(), "RED", "11.11.11.3", 1, time.Second); err != nil {
		t.Fatal(err)
	}
	checkShow(t, l, "RED", "neigh", "11.11.11.3 dev veth0 lladdr")
	checkShow(t, l, "BLUE", "neigh", "11.11.11.2 dev veth1 lladdr")
	// Nobody has 11.11.11.9: the kernel is still asking, and ip says so.
	if _, err := l.Ping(context.Background(), "RED", "11.11.11.9", 1, 300*time.Millisecond); !errors.Is(err, ErrNoReply) {
		t.Fatalf("ping 11.11.11.9: %v, want no reply", err)
	}
	checkShow(t, l, "RED", "neigh", "11.11.11.9 dev veth0 INCOMPLETE \n")
	checkShow(t, l, "RED", "fdb", "self permanent")
	// A pair inside one namespace names its peer, and says M-DOWN while the
	// peer is down.
	apply(t, l, VethAdd{Name: "va", Peer: "vb"}, LinkUp{Name: "va"})
	checkShow(t, l, HostNS, "link", "va@vb", "M-DOWN")
	checkShow(t, l, HostNS, "brief-link", "va@vb")
	if _, e := typed(t, l, "ip link property add dev va altname veth-a-long-name"); e != "" {
		t.Fatalf("altname: %s", e)
	}
	checkShow(t, l, HostNS, "link", "\n    altname veth-a-long-name\n")
	checkShow(t, l, HostNS, "addr", "altname veth-a-long-name")
	// The far end goes down: no carrier, and the connected route is linkdown.
	apply(t, l, LinkDown{NS: "BLUE", Name: "veth1"})
	checkShow(t, l, "RED", "route", "linkdown")
	checkShow(t, l, "RED", "addr", "NO-CARRIER")
	for _, ns := range []string{HostNS, "RED", "BLUE"} {
		checkShow(t, l, ns, "sysctl", "net.ipv4.ip_forward = ")
		checkShow(t, l, ns, "filter", "-P INPUT ACCEPT")
		checkShow(t, l, ns, "nat", "-P POSTROUTING ACCEPT")
	}
}

func TestFidelityShowBridgeNAT(t *testing.T) {
	needTools(t, "ip", "bridge", "iptables", "sysctl")
	l := newLab(t)
	apply(t, l, BaselineActions()...)
	// A port that stays down, its peer left in the host.
	apply(t, l, VethAdd{Name: "veth-X", Peer: "x-peer"}, LinkSetMaster{Name: "veth-X", Master: "br0"})
	for _, ns := range []string{"RED", "BLUE"} {
		if _, err := l.Ping(context.Background(), ns, "203.0.113.2", 1, time.Second); err != nil {
			t.Fatalf("%s -> OUTSIDE: %v", ns, err)
		}
	}
	// Chains and a policy made by iptables itself, as Docker makes them.
	for _, cmd := range []string{"iptables -N DOCKER", "iptables -t nat -N DOCKER", "iptables -P FORWARD DROP"} {
		if _, e := typed(t, l, cmd); e != "" {
			t.Fatalf("%s: %s", cmd, e)
		}
	}
	checkShow(t, l, HostNS, "link", "master br0 state UP", "link-netns RED", "link-netns OUTSIDE", "state DOWN")
	checkShow(t, l, HostNS, "addr", "inet 10.0.0.1/24 scope global br0")
	checkShow(t, l, HostNS, "fdb", "master br0 permanent", "self permanent", "dev veth-RED master br0 \n")
	checkShow(t, l, HostNS, "bridge-link", "state forwarding", "state disabled", "priority 32 cost 2")
	checkShow(t, l, HostNS, "filter", "-P FORWARD DROP", "-N DOCKER", "-A FORWARD -i br0 -j ACCEPT")
	checkShow(t, l, HostNS, "nat", "-P PREROUTING ACCEPT", "-N DOCKER", "-A POSTROUTING -s 10.0.0.0/24 ! -o br0 -j MASQUERADE")
	checkShow(t, l, HostNS, "sysctl", "net.ipv4.ip_forward = 1")
	checkShow(t, l, "RED", "route", "default via 10.0.0.1 dev eth0 \n")
	checkShow(t, l, "RED", "neigh", "10.0.0.1 dev eth0 lladdr")
	// Every form in every namespace.
	for _, ns := range l.Names() {
		for _, what := range ShowKinds {
			checkShow(t, l, ns, what)
		}
	}
}

// checkProbe compares a probe's output with the tool's terminal output
// (stderr, then stdout: the tools write errors before anything else).
func checkProbe(t *testing.T, l *Lab, cmd string, got string, want ...string) {
	t.Helper()
	out, errOut := typed(t, l, cmd)
	real := errOut + out
	if normalise(got) != normalise(real) {
		t.Errorf("$ %s\n--- tutor:\n%s--- real:\n%s--- first difference: %s", cmd, got, real, firstDiff(normalise(got), normalise(real)))
	}
	for _, w := range want {
		if !strings.Contains(real, w) {
			t.Errorf("$ %s: should print %q:\n%s", cmd, w, real)
		}
	}
}

func TestFidelityPing(t *testing.T) {
	needTools(t, "ping")
	l := newLab(t)
	apply(t, l, BaselineActions()...)
	ctx := context.Background()
	ping := func(ns, dst string, count int, wantErr bool) string {
		t.Helper()
		a := Ping{NS: ns, Dst: dst, Count: count}
		res, err := a.Apply(ctx, l)
		if (err != nil) != wantErr {
			t.Fatalf("%s: err = %v", a.Command(), err)
		}
		return res.Output
	}
	// A reply, and two.
	checkProbe(t, l, Ping{NS: "RED", Dst: "203.0.113.2"}.Command(), ping("RED", "203.0.113.2", 1, false),
		"PING 203.0.113.2 (203.0.113.2) 56(84) bytes of data.", "64 bytes from 203.0.113.2: icmp_seq=1 ttl=63", "1 packets transmitted, 1 received, 0% packet loss", "rtt min/avg/max/mdev")
	checkProbe(t, l, Ping{NS: "BLUE", Dst: "10.0.0.1", Count: 2}.Command(), ping("BLUE", "10.0.0.1", 2, false),
		"icmp_seq=2 ttl=64", "2 packets transmitted, 2 received")
	// No route: ping's connect fails before anything is sent.
	checkProbe(t, l, Ping{NS: "OUTSIDE", Dst: "10.0.0.2"}.Command(), ping("OUTSIDE", "10.0.0.2", 1, true),
		"ping: connect: Network is unreachable")
	// The host forwards but has no route: it answers with an ICMP error.
	checkProbe(t, l, Ping{NS: "RED", Dst: "198.51.100.7"}.Command(), ping("RED", "198.51.100.7", 1, true),
		"From 10.0.0.1 icmp_seq=1 Destination Net Unreachable", "+1 errors, 100% packet loss")
	// Dropped without a word (forwarding off): only the statistics. The
	// engine waits one second per echo, as ping -W 1 does; plain ping
	// would print the same after lingering ten.
	apply(t, l, Sysctl{Key: "net.ipv4.ip_forward", Value: "0"})
	got := ping("RED", "203.0.113.2", 1, true)
	checkProbe(t, l, strings.Replace(Ping{NS: "RED", Dst: "203.0.113.2"}.Command(), "ping -c", "ping -W 1 -c", 1), got,
		"1 packets transmitted, 0 received, 100% packet loss, time ") // the time is a timing (0ms, 1ms under load)
}

func TestFidelityNC(t *testing.T) {
	needTools(t, "nc")
	l := newLab(t)
	apply(t, l, BaselineActions()...)
	if _, err := l.Serve("RED", 80, "hello from RED"); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	conn := func(a TCPConnect, want error) string {
		t.Helper()
		res, err := a.Apply(ctx, l)
		if !errors.Is(err, want) && !(want == nil && err == nil) {
			t.Fatalf("%s: err = %v, want %v", a.Command(), err, want)
		}
		return res.Output
	}
	for _, v := range []bool{false, true} {
		ok := TCPConnect{NS: "BLUE", Addr: "10.0.0.2:80", Verbose: v}
		checkProbe(t, l, ok.Command(), conn(ok, nil), "hello from RED\n")
		refused := TCPConnect{NS: "BLUE", Addr: "10.0.0.2:81", Verbose: v}
		out := conn(refused, syscall.ECONNREFUSED)
		if !v && out != "" {
			t.Errorf("%s printed %q; nc prints nothing", refused.Command(), out)
		}
		checkProbe(t, l, refused.Command(), out)
		unreach := TCPConnect{NS: "OUTSIDE", Addr: "10.0.0.2:80", Verbose: v}
		checkProbe(t, l, unreach.Command(), conn(unreach, syscall.ENETUNREACH))
	}
	// Nobody answers the SYN: nc -v -w 1 gives up after a second.
	silent := TCPConnect{NS: "RED", Addr: "10.0.0.9:80", Verbose: true}
	checkProbe(t, l, silent.Command(), conn(silent, ErrNoReply), "timed out: Operation now in progress")
	checkProbe(t, l, TCPConnect{NS: "BLUE", Addr: "10.0.0.2:81", Verbose: true}.Command(),
		conn(TCPConnect{NS: "BLUE", Addr: "10.0.0.2:81", Verbose: true}, syscall.ECONNREFUSED),
		"nc: connect to 10.0.0.2 port 81 (tcp) failed: Connection refused")
}

// BenchmarkShowText measures rendering one form in the baseline lab
// (compare: running `ip -n RED addr` as a process costs a fork, an exec and
// a namespace switch).
func BenchmarkShowText(b *testing.B) {
	l := newLab(b)
	apply(b, l, BaselineActions()...)
	for _, what := range []string{"addr", "link", "route", "fdb", "nat"} {
		b.Run(what, func(b *testing.B) {
			for b.Loop() {
				if _, err := l.ShowText(HostNS, what); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("ip-addr-process", func(b *testing.B) {
		for b.Loop() {
			if err := l.Cmd(HostNS, "ip", "addr").Run(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// Rules typed with iptables itself, as Docker writes them. What the engine
// can decode is rendered; a table holding a rule it cannot (addrtype) is
// listed by running iptables, so either way the text is iptables' own.
func TestFidelityIptablesTyped(t *testing.T) {
	needTools(t, "iptables")
	l := newLab(t)
	apply(t, l, BaselineActions()...)
	for _, c := range []string{
		"iptables -N DOCKER", "iptables -N DOCKER-USER", "iptables -N DOCKER-ISOLATION-STAGE-1",
		"iptables -A FORWARD -j DOCKER-USER",
		"iptables -A FORWARD -o br0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
		"iptables -A FORWARD -o br0 -j DOCKER",
		"iptables -A FORWARD -i br0 ! -o br0 -j ACCEPT",
		"iptables -A DOCKER-USER -j RETURN",
		"iptables -A INPUT -p icmp -j DROP",
		"iptables -A INPUT -p udp --dport 53 -j ACCEPT",
		"iptables -P INPUT DROP",
		"iptables -t nat -N DOCKER",
		"iptables -t nat -A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER",
		"iptables -t nat -A DOCKER -i br0 -j RETURN",
		"iptables -t nat -A DOCKER ! -i br0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 10.0.0.2:80",
		"iptables -t nat -A POSTROUTING -s 10.0.0.2/32 -d 10.0.0.2/32 -p tcp -m tcp --dport 80 -j MASQUERADE",
	} {
		if _, e := typed(t, l, c); e != "" {
			t.Fatalf("%s: %s", c, e)
		}
	}
	if _, tool, err := l.renderShow(HostNS, "filter", ""); err != nil || tool != nil {
		t.Errorf("filter: rendering needed %v (%v); every rule here has an iptables form", tool, err)
	}
	checkShow(t, l, HostNS, "filter", "-P INPUT DROP", "-N DOCKER-USER", "-A FORWARD -j DOCKER-USER", "-A DOCKER-USER -j RETURN")
	if _, tool, err := l.renderShow(HostNS, "nat", ""); err != nil || tool != nil {
		t.Errorf("nat: rendering needed %v (%v); the engine spells -m addrtype itself (render.go)", tool, err)
	}
	checkShow(t, l, HostNS, "nat", "-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER")
}

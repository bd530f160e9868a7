package iptables

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/nftables"

	"github.com/nettutor/nettutor/engine/nsutil"
	"github.com/nettutor/nettutor/engine/sandbox"
)

// TestMain moves the test binary into a private sandbox (user namespace too
// when not root), so nothing here can touch the machine's own rules.
func TestMain(m *testing.M) {
	// `ip` and `iptables` live in sbin, which an unprivileged user's PATH
	// (e.g. under su) lacks.
	os.Setenv("PATH", os.Getenv("PATH")+":/usr/sbin:/sbin")
	for _, a := range os.Args[1:] {
		if strings.HasPrefix(a, "-test.fuzzworker") {
			// Fuzz workers talk to the coordinator over inherited fds that
			// the sandbox's re-exec would not pass on; FuzzParse needs no
			// namespace anyway.
			os.Exit(m.Run())
		}
	}
	if err := sandbox.Enter(); err != nil {
		fmt.Fprint(os.Stderr, sandbox.Hint(err))
		if os.Getenv("CI") == "true" {
			os.Exit(1)
		}
		fmt.Println("skipping engine/iptables tests: no sandbox on this machine")
		os.Exit(0)
	}
	os.Exit(m.Run())
}

var nsCounter atomic.Int64

// lab is one fresh network namespace, pinned under /run/netns so the real
// tools can be pointed at it with `ip netns exec`.
type lab struct {
	name string
	conn *nftables.Conn
}

func newLab(t *testing.T) *lab {
	t.Helper()
	name := fmt.Sprintf("ipt%d", nsCounter.Add(1))
	path := sandbox.NetnsDir + "/" + name
	ns, err := nsutil.NewPinned(path)
	if err != nil {
		t.Fatalf("new netns: %v", err)
	}
	c, err := nftables.New(nftables.WithNetNSFd(int(ns)))
	if err != nil {
		t.Fatalf("nftables conn: %v", err)
	}
	t.Cleanup(func() {
		ns.Close()
		if err := nsutil.Unpin(path); err != nil {
			t.Errorf("unpin: %v", err)
		}
	})
	return &lab{name: name, conn: c}
}

// needTool skips when a real tool is missing, except in CI where the
// oracles must run.
func needTool(t *testing.T, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not installed", name)
		}
		t.Skipf("%s is not installed", name)
	}
}

// run runs a real command inside the lab's namespace.
func (l *lab) run(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	cmd := exec.Command("ip", append([]string{"netns", "exec", l.name}, args...)...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return o.String(), e.String(), err
}

// save is the oracle: what the real iptables lists for a table.
func (l *lab) save(t *testing.T, table string) []string {
	t.Helper()
	needTool(t, "iptables")
	out, errOut, err := l.run(t, "iptables", "-t", table, "-S")
	if err != nil {
		t.Fatalf("iptables -t %s -S: %v\n%s", table, err, errOut)
	}
	if strings.Contains(out+errOut, "incompatible") {
		t.Fatalf("iptables -t %s -S calls the table incompatible:\n%s%s", table, out, errOut)
	}
	var rules []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if strings.HasPrefix(line, "-A ") || strings.HasPrefix(line, "-N ") {
			rules = append(rules, line)
		}
	}
	return rules
}

func (l *lab) list(t *testing.T) []string {
	t.Helper()
	got, err := List(l.conn)
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	return got
}

func mustParse(t *testing.T, line string) Rule {
	t.Helper()
	r, err := Parse(strings.Fields(line))
	if err != nil {
		t.Fatalf("Parse(%q): %v", line, err)
	}
	return r
}

// ruleForms covers every option of Rule in the chains lessons use, written
// exactly as `iptables -S` prints them (with the table in front).
var ruleForms = []string{
	"-t nat -A POSTROUTING -s 11.11.11.0/24 ! -o br0 -j MASQUERADE",
	"-t nat -A POSTROUTING -s 10.0.0.128/25 -o eth0 -j MASQUERADE",
	"-t nat -A POSTROUTING ! -s 10.0.0.5/32 -d 1.2.3.0/24 -j SNAT --to-source 203.0.113.1",
	"-t nat -A POSTROUTING -s 172.16.0.0/12 -p tcp -j SNAT --to-source 203.0.113.1-203.0.113.9:1000-2000",
	"-t nat -A PREROUTING -d 203.0.113.1/32 -i eth0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 11.11.11.2:80",
	"-t nat -A PREROUTING ! -i br+ -p udp -m udp --dport 53 -j DNAT --to-destination 11.11.11.2",
	"-t nat -A PREROUTING -p tcp -m tcp --dport 8081 -j DNAT --to-destination :80",
	"-t nat -A OUTPUT ! -d 10.1.0.0/16 -p tcp -m tcp --sport 1234 --dport 80 -j DNAT --to-destination 11.11.11.2-11.11.11.3:80-81",
	"-t nat -A OUTPUT -p icmp -j RETURN",
	"-t nat -A INPUT -s 1.2.3.4/32 -j ACCEPT",
	"-t filter -A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
	"-t filter -A FORWARD -i br0 ! -o br0 -j ACCEPT",
	"-t filter -A FORWARD -p icmp -j DROP",
	"-t filter -A FORWARD -m state --state NEW,ESTABLISHED -j ACCEPT",
	"-t filter -A FORWARD -p tcp -m conntrack ! --ctstate NEW -m tcp --dport 22 -j DROP",
	"-t filter -A FORWARD -p tcp -m tcp --dport 22 -m conntrack --ctstate INVALID,NEW,UNTRACKED,DNAT -j ACCEPT",
	"-t filter -A FORWARD -s 11.11.11.0/24",
	"-t filter -A FORWARD -p gre -j ACCEPT",
	"-t filter -A INPUT ! -s 10.0.0.0/8 -i veth+ -p udp -m udp --sport 53 -j REJECT --reject-with icmp-port-unreachable",
	"-t filter -A INPUT -j REJECT --reject-with icmp-host-prohibited",
	"-t filter -A OUTPUT ! -p tcp -j RETURN",
	"-t filter -A OUTPUT -d 11.11.11.3/32 -o veth0 -j DROP",
}

// splitForm returns the table and the -S line of a ruleForms entry.
func splitForm(form string) (table, spec string) {
	f := strings.Fields(form)
	return f[1], strings.Join(f[2:], " ")
}

func contains1(t *testing.T, what string, lines []string, want string) {
	t.Helper()
	n := 0
	for _, l := range lines {
		if l == want {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%s: want exactly one %q, got %d in:\n  %s", what, want, n, strings.Join(lines, "\n  "))
	}
}

// TestParseCanonical holds Spec to the -S line and Args to a fixed point.
func TestParseCanonical(t *testing.T) {
	for _, form := range ruleForms {
		r := mustParse(t, form)
		_, spec := splitForm(form)
		if r.Spec() != spec {
			t.Errorf("Spec of %q = %q", form, r.Spec())
		}
		if got := strings.Join(r.Args(), " "); got != form {
			t.Errorf("Args of %q = %q", form, got)
		}
		again, err := Parse(r.Args())
		if err != nil || !reflect.DeepEqual(again, r) {
			t.Errorf("Parse(Args()) of %q = %+v, %v; want %+v", form, again, err, r)
		}
		cmd, err := Parse(strings.Fields(r.Command()))
		if err != nil || !reflect.DeepEqual(cmd, r) {
			t.Errorf("Parse(Command()) of %q = %+v, %v", r.Command(), cmd, err)
		}
	}
}

func TestCommand(t *testing.T) {
	for _, c := range []struct{ form, cmd string }{
		{"-t nat -A POSTROUTING -s 11.11.11.0/24 ! -o br0 -j MASQUERADE", "iptables -t nat -A POSTROUTING -s 11.11.11.0/24 ! -o br0 -j MASQUERADE"},
		{"-t filter -A FORWARD -i br0 -j ACCEPT", "iptables -A FORWARD -i br0 -j ACCEPT"},
		{"-t filter -A INPUT -j REJECT --reject-with icmp-port-unreachable", "iptables -A INPUT -j REJECT"},
	} {
		if got := mustParse(t, c.form).Command(); got != c.cmd {
			t.Errorf("Command of %q = %q, want %q", c.form, got, c.cmd)
		}
	}
}

// TestCanonical: a hand-built rule shows and is added as iptables lists it.
func TestCanonical(t *testing.T) {
	r := Rule{Chain: "FORWARD", Src: "10.0.0.7/24", Proto: "TCP", DPort: 80,
		CTState: []string{"established", "related"}, Target: "ACCEPT"}
	want := "-A FORWARD -s 10.0.0.0/24 -p tcp -m tcp --dport 80 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT"
	if r.Spec() != want {
		t.Errorf("Spec = %q, want %q", r.Spec(), want)
	}
	if got := strings.Join(r.Args(), " "); got != "-t filter "+want {
		t.Errorf("Args = %q", got)
	}
	if c := r.Canonical(); !reflect.DeepEqual(c, mustParse(t, "-t filter "+want)) {
		t.Errorf("Canonical = %+v", c)
	}
	l := newLab(t)
	if err := Add(l.conn, r); err != nil {
		t.Fatal(err)
	}
	if got := l.list(t); !reflect.DeepEqual(got, []string{"-t filter " + want}) {
		t.Errorf("List = %q", got)
	}
	if err := Delete(l.conn, r); err != nil {
		t.Errorf("Delete of the hand-built rule: %v", err)
	}
}

// TestParseLoose: the spellings people type come out in -S form.
func TestParseLoose(t *testing.T) {
	for _, c := range []struct{ in, spec string }{
		{"iptables -t nat -A POSTROUTING -s 11.11.11.5/24 -j MASQUERADE", "-A POSTROUTING -s 11.11.11.0/24 -j MASQUERADE"},
		{"-A FORWARD -s 10.0.0.1 -p TCP --dport 80 -j ACCEPT", "-A FORWARD -s 10.0.0.1/32 -p tcp -m tcp --dport 80 -j ACCEPT"},
		{"-A FORWARD --source=10.0.0.0/255.255.0.0 -p 6 -j ACCEPT", "-A FORWARD -s 10.0.0.0/16 -p tcp -j ACCEPT"},
		{"-A FORWARD -m conntrack --ctstate established,related -j ACCEPT", "-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT"},
		{"-A FORWARD -s 0.0.0.0/0 -p all -i + -j ACCEPT", "-A FORWARD -j ACCEPT"},
		{"-t nat -A PREROUTING -p tcp --dport 80 -j DNAT --to 11.11.11.2:8080", "-A PREROUTING -p tcp -m tcp --dport 80 -j DNAT --to-destination 11.11.11.2:8080"},
		{"-A INPUT -j REJECT --reject-with port-unreach", "-A INPUT -j REJECT --reject-with icmp-port-unreachable"},
		{"-A FORWARD -p tcp -m tcp -m conntrack --ctstate NEW --dport 22 -j ACCEPT", "-A FORWARD -p tcp -m tcp --dport 22 -m conntrack --ctstate NEW -j ACCEPT"},
		{"-A FORWARD -m conntrack --ctstate NEW -p udp --dport 22 -j ACCEPT", "-A FORWARD -p udp -m conntrack --ctstate NEW -m udp --dport 22 -j ACCEPT"},
	} {
		r, err := Parse(strings.Fields(c.in))
		if err != nil {
			t.Errorf("Parse(%q): %v", c.in, err)
			continue
		}
		if r.Spec() != c.spec {
			t.Errorf("Parse(%q).Spec() = %q, want %q", c.in, r.Spec(), c.spec)
		}
	}
}

// TestParseErrors: unsupported or wrong input names the culprit.
func TestParseErrors(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"-t nat -A POSTROUTING --foo bar -j MASQUERADE", "--foo"},
		{"-A FORWARD -m multiport --dports 1,2 -j ACCEPT", "multiport"},
		{"-t mangle -A PREROUTING -j ACCEPT", "mangle"},
		{"-I FORWARD -j ACCEPT", "-I"},
		{"-s 1.2.3.4 -j ACCEPT", "-A"},
		{"-A FORWARD --dport 80 -j ACCEPT", "-p tcp"},
		{"-A FORWARD -s example.com -j ACCEPT", "example.com"},
		{"-A FORWARD -s 1.2.3.4/33 -j ACCEPT", "prefix"},
		{"-A FORWARD -j MASQUERADE", "nat"},
		{"-t nat -A PREROUTING -j MASQUERADE", "POSTROUTING"},
		{"-t nat -A POSTROUTING -j SNAT", "--to-source"},
		{"-t nat -A POSTROUTING -o eth0 -j SNAT --to-destination 1.2.3.4", "-j DNAT"},
		{"-A OUTPUT -i eth0 -j ACCEPT", "-i"},
		{"-A FORWARD -p tcp ! --dport 80 -j ACCEPT", "--dport"},
		{"-A FORWARD -m conntrack --ctstate BOGUS -j ACCEPT", "BOGUS"},
		{"-A FORWARD -j ACCEPT !", "!"},
		{"-A FORWARD ! -j ACCEPT", "-j"},
		{"-A FORWARD -s", "needs a value"},
		{"-A FORWARD -p tcp --dport 80:90 -j ACCEPT", "80:90"},
	} {
		_, err := Parse(strings.Fields(c.in))
		if err == nil {
			t.Errorf("Parse(%q) succeeded", c.in)
		} else if !strings.Contains(err.Error(), c.want) {
			t.Errorf("Parse(%q) = %v; want it to name %q", c.in, err, c.want)
		}
	}
	_, err := Parse([]string{"-A", "FORWARD", "--foo"})
	if !errors.Is(err, ErrUnsupported) {
		t.Errorf("unknown option error %v does not wrap ErrUnsupported", err)
	}
}

// TestEmptyNamespace: a namespace with no tables lists nothing, and
// deleting from it says there is no rule.
func TestEmptyNamespace(t *testing.T) {
	t.Logf("sandbox rootless: %v", sandbox.Rootless())
	l := newLab(t)
	if got := l.list(t); len(got) != 0 {
		t.Errorf("List on an empty namespace = %q", got)
	}
	chains, err := l.conn.ListChains()
	if err != nil || len(chains) != 0 {
		t.Errorf("ListChains = %v, %v", chains, err)
	}
	tables, err := l.conn.ListTables()
	if err != nil || len(tables) != 0 {
		t.Errorf("ListTables = %v, %v", tables, err)
	}
	err = Delete(l.conn, mustParse(t, "-t nat -A POSTROUTING -j MASQUERADE"))
	if !errors.Is(err, ErrNoRule) {
		t.Errorf("Delete on an empty namespace = %v, want ErrNoRule", err)
	}
}

// TestAddListedByIptables is the oracle: every form we write is listed by
// the real iptables exactly as Spec says, with no compatibility complaint.
func TestAddListedByIptables(t *testing.T) {
	for _, form := range ruleForms {
		t.Run(form, func(t *testing.T) {
			l := newLab(t)
			r := mustParse(t, form)
			if err := Add(l.conn, r); err != nil {
				t.Fatalf("Add: %v", err)
			}
			table, spec := splitForm(form)
			contains1(t, "iptables -S", l.save(t, table), spec)
			if got := l.list(t); !reflect.DeepEqual(got, []string{form}) {
				t.Errorf("List = %q, want [%q]", got, form)
			}
		})
	}
}

// TestAddAllInOneNamespace: many rules side by side keep their order, in
// the order iptables -S prints them.
func TestAddAllInOneNamespace(t *testing.T) {
	l := newLab(t)
	for _, form := range ruleForms {
		if err := Add(l.conn, mustParse(t, form)); err != nil {
			t.Fatalf("Add %q: %v", form, err)
		}
	}
	var want []string
	for _, table := range Tables {
		for _, spec := range l.save(t, table) {
			want = append(want, "-t "+table+" "+spec)
		}
	}
	if got := l.list(t); !reflect.DeepEqual(got, want) {
		t.Errorf("List =\n  %s\nwant (from iptables -S)\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

// TestReadIptablesRules: rules the learner adds with the real iptables read
// back as the same -S line, and Parse round-trips them.
func TestReadIptablesRules(t *testing.T) {
	needTool(t, "iptables")
	for _, form := range ruleForms {
		t.Run(form, func(t *testing.T) {
			l := newLab(t)
			r := mustParse(t, form)
			if _, errOut, err := l.run(t, strings.Fields(r.Command())...); err != nil {
				t.Fatalf("%s: %v\n%s", r.Command(), err, errOut)
			}
			got := l.list(t)
			if !reflect.DeepEqual(got, []string{r.String()}) {
				t.Fatalf("List = %q, want [%q]", got, r.String())
			}
			back, err := Parse(strings.Fields(got[0]))
			if err != nil || !reflect.DeepEqual(back, r) {
				t.Errorf("Parse(List line) = %+v, %v; want %+v", back, err, r)
			}
			// What iptables wrote is what we would write: Add sees it as
			// already there.
			if err := Add(l.conn, r); err != nil {
				t.Fatal(err)
			}
			if n := len(l.list(t)); n != 1 {
				t.Errorf("Add after iptables made %d rules, want 1", n)
			}
		})
	}
}

// TestTCPReset: a learner's tcp-reset rule reads back, though Add cannot
// write one (see Add).
func TestTCPReset(t *testing.T) {
	needTool(t, "iptables")
	l := newLab(t)
	r := mustParse(t, "-t filter -A INPUT -p tcp -j REJECT --reject-with tcp-reset")
	if _, e, err := l.run(t, strings.Fields(r.Command())...); err != nil {
		t.Fatalf("%s: %v %s", r.Command(), err, e)
	}
	if got := l.list(t); !reflect.DeepEqual(got, []string{r.String()}) {
		t.Errorf("List = %q", got)
	}
	if err := Add(l.conn, r); err != nil {
		t.Errorf("Add of an existing tcp-reset rule: %v", err)
	}
	if err := Add(newLab(t).conn, r); !errors.Is(err, ErrUnsupported) {
		t.Errorf("Add tcp-reset = %v, want ErrUnsupported", err)
	}
}

// TestIdempotentAndDelete: Add twice gives one rule; Delete removes it from
// what iptables sees; a second Delete reports ErrNoRule.
func TestIdempotentAndDelete(t *testing.T) {
	l := newLab(t)
	r := mustParse(t, "-t nat -A POSTROUTING -s 11.11.11.0/24 ! -o br0 -j MASQUERADE")
	other := mustParse(t, "-t nat -A POSTROUTING -s 11.11.12.0/24 ! -o br0 -j MASQUERADE")
	for i := 0; i < 2; i++ {
		if err := Add(l.conn, r); err != nil {
			t.Fatalf("Add #%d: %v", i+1, err)
		}
	}
	if err := Add(l.conn, other); err != nil {
		t.Fatal(err)
	}
	if got := l.save(t, "nat"); !reflect.DeepEqual(got, []string{r.Spec(), other.Spec()}) {
		t.Fatalf("after adding twice, iptables -S = %q", got)
	}
	if err := Delete(l.conn, r); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if got := l.save(t, "nat"); !reflect.DeepEqual(got, []string{other.Spec()}) {
		t.Errorf("after Delete, iptables -S = %q", got)
	}
	if got := l.list(t); !reflect.DeepEqual(got, []string{other.String()}) {
		t.Errorf("after Delete, List = %q", got)
	}
	if err := Delete(l.conn, r); !errors.Is(err, ErrNoRule) {
		t.Errorf("second Delete = %v, want ErrNoRule", err)
	}
}

// TestPolicyKept: adding to a chain whose policy the learner changed keeps
// that policy (we never re-create an existing chain).
func TestPolicyKept(t *testing.T) {
	needTool(t, "iptables")
	l := newLab(t)
	if _, e, err := l.run(t, "iptables", "-P", "FORWARD", "DROP"); err != nil {
		t.Fatalf("iptables -P: %v %s", err, e)
	}
	if err := Add(l.conn, mustParse(t, "-A FORWARD -i br0 -j ACCEPT")); err != nil {
		t.Fatal(err)
	}
	out, _, _ := l.run(t, "iptables", "-S", "FORWARD")
	if !strings.Contains(out, "-P FORWARD DROP") || !strings.Contains(out, "-A FORWARD -i br0 -j ACCEPT") {
		t.Errorf("iptables -S FORWARD =\n%s", out)
	}
}

// TestUserChains: -N chains, jumps to them and rules in them.
func TestUserChains(t *testing.T) {
	l := newLab(t)
	jump := mustParse(t, "-A FORWARD -o docker0 -j DOCKER")
	if err := Add(l.conn, jump); !errors.Is(err, ErrNoChain) {
		t.Fatalf("jump to a missing chain: %v, want ErrNoChain", err)
	}
	for _, tc := range []struct{ table, chain string }{{"filter", "DOCKER"}, {"nat", "DOCKER"}} {
		for i := 0; i < 2; i++ {
			if err := NewChain(l.conn, tc.table, tc.chain); err != nil {
				t.Fatalf("NewChain: %v", err)
			}
		}
	}
	rules := []Rule{
		jump,
		mustParse(t, "-A DOCKER -d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT"),
		mustParse(t, "-t nat -A PREROUTING -j DOCKER"),
		mustParse(t, "-t nat -A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80"),
		mustParse(t, "-t nat -A DOCKER -i docker0 -j RETURN"),
	}
	for _, r := range rules {
		if err := Add(l.conn, r); err != nil {
			t.Fatalf("Add %s: %v", r, err)
		}
	}
	want := []string{
		"-t nat -N DOCKER", rules[2].String(), rules[3].String(), rules[4].String(),
		"-t filter -N DOCKER", rules[0].String(), rules[1].String(),
	}
	if got := l.list(t); !reflect.DeepEqual(got, want) {
		t.Errorf("List =\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	var fromIptables []string
	for _, table := range Tables {
		for _, s := range l.save(t, table) {
			fromIptables = append(fromIptables, "-t "+table+" "+s)
		}
	}
	if !reflect.DeepEqual(fromIptables, want) {
		t.Errorf("iptables -S =\n  %s\nwant\n  %s", strings.Join(fromIptables, "\n  "), strings.Join(want, "\n  "))
	}
	if err := Add(l.conn, mustParse(t, "-A NOPE -j ACCEPT")); !errors.Is(err, ErrNoChain) {
		t.Errorf("append to a missing chain: %v, want ErrNoChain", err)
	}
}

// TestNativeNftRules: rules made with nft, which iptables cannot show, are
// rendered best-effort instead of failing List.
func TestNativeNftRules(t *testing.T) {
	needTool(t, "nft")
	l := newLab(t)
	ours := mustParse(t, "-t nat -A POSTROUTING -s 11.11.11.0/24 -j MASQUERADE")
	if err := Add(l.conn, ours); err != nil {
		t.Fatal(err)
	}
	script := `add chain ip nat postrouting { type nat hook postrouting priority 100; }
add rule ip nat postrouting oifname "eth0" ip saddr 10.0.0.0/24 masquerade
add rule ip nat POSTROUTING ip daddr 1.2.3.4 tcp dport 80 snat to 203.0.113.1:8080
add rule ip nat POSTROUTING meta l4proto udp counter accept
`
	f := t.TempDir() + "/rules.nft"
	if err := os.WriteFile(f, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, e, err := l.run(t, "nft", "-f", f); err != nil {
		t.Fatalf("nft -f: %v\n%s", err, e)
	}
	got := l.list(t)
	want := []string{
		ours.String(),
		`# nft: ip nat POSTROUTING: ip daddr 1.2.3.4 meta l4proto tcp th dport 80 snat to 203.0.113.1:8080`,
		// A native rule that iptables can read is listed as iptables
		// syntax: nft wrote the same expressions iptables-nft would.
		"-t nat -A POSTROUTING -p udp -j ACCEPT",
		`# nft: ip nat postrouting: oifname "eth0" ip saddr 10.0.0.0/24 masquerade`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("List =\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

// FuzzParse: Parse never panics, and what it accepts is canonical and
// encodable.
func FuzzParse(f *testing.F) {
	for _, form := range ruleForms {
		f.Add(form)
	}
	f.Add("-A FORWARD ! -s ! 1.2.3.4")
	f.Add("-t nat -A POSTROUTING --to-source=1.2.3.4 -j SNAT")
	f.Fuzz(func(t *testing.T, s string) {
		r, err := Parse(strings.Fields(s))
		if err != nil {
			return
		}
		again, err := Parse(r.Args())
		if err != nil {
			t.Fatalf("Parse(%q) ok but Parse(Args()=%q): %v", s, r.Args(), err)
		}
		if !reflect.DeepEqual(again, r) {
			t.Fatalf("Args of %q do not round-trip: %+v vs %+v", s, r, again)
		}
		if _, err := r.exprs(); err != nil {
			t.Fatalf("Parse(%q) ok but encoding fails: %v", s, err)
		}
	})
}

// TestNATWorks checks that the rules do what they say, not only that they
// list well: MASQUERADE rewrites a client's source on the way out, DNAT
// forwards a published port. Topology: A (10.0.0.2) -- R (router, NAT) --
// B (203.0.113.2); B has no route back to 10.0.0.0/24.
func TestNATWorks(t *testing.T) {
	needTool(t, "ip")
	a, r, b := newLab(t), newLab(t), newLab(t)
	for _, c := range [][]string{
		{"ip", "-n", a.name, "link", "add", "vA", "type", "veth", "peer", "name", "vR", "netns", r.name},
		{"ip", "-n", b.name, "link", "add", "vB", "type", "veth", "peer", "name", "wR", "netns", r.name},
		{"ip", "-n", a.name, "addr", "add", "10.0.0.2/24", "dev", "vA"},
		{"ip", "-n", r.name, "addr", "add", "10.0.0.1/24", "dev", "vR"},
		{"ip", "-n", r.name, "addr", "add", "203.0.113.1/24", "dev", "wR"},
		{"ip", "-n", b.name, "addr", "add", "203.0.113.2/24", "dev", "vB"},
		{"ip", "-n", a.name, "link", "set", "vA", "up"},
		{"ip", "-n", b.name, "link", "set", "vB", "up"},
		{"ip", "-n", r.name, "link", "set", "vR", "up"},
		{"ip", "-n", r.name, "link", "set", "wR", "up"},
		{"ip", "-n", a.name, "link", "set", "lo", "up"},
		{"ip", "-n", a.name, "route", "add", "default", "via", "10.0.0.1"},
		{"ip", "netns", "exec", r.name, "sh", "-c", "echo 1 > /proc/sys/net/ipv4/ip_forward"},
	} {
		if out, err := exec.Command(c[0], c[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(c, " "), err, out)
		}
	}
	for _, line := range []string{
		"-t nat -A POSTROUTING -s 10.0.0.0/24 -o wR -j MASQUERADE",
		"-t nat -A PREROUTING -d 203.0.113.1/32 -i wR -p tcp -m tcp --dport 8080 -j DNAT --to-destination 10.0.0.2:80",
	} {
		if err := Add(r.conn, mustParse(t, line)); err != nil {
			t.Fatal(err)
		}
	}
	// MASQUERADE: A connects to B, B sees the router's address.
	if got := connectFrom(t, a, b, "203.0.113.2:9000", "9000"); got != "203.0.113.1" {
		t.Errorf("B saw the connection from %s, want 203.0.113.1 (masqueraded)", got)
	}
	// DNAT: B connects to the router's published port and reaches A.
	if got := connectFrom(t, b, a, "203.0.113.1:8080", "80"); got != "203.0.113.2" {
		t.Errorf("A saw the connection from %s, want 203.0.113.2", got)
	}
}

// connectFrom listens on port (any address) in server's namespace, dials
// dst from client's namespace and returns the peer address the server saw.
func connectFrom(t *testing.T, client, server *lab, dst, port string) string {
	t.Helper()
	var ln net.Listener
	err := nsutil.DoPath(sandbox.NetnsDir+"/"+server.name, func() error {
		var err error
		ln, err = net.Listen("tcp4", ":"+port)
		return err
	})
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	defer ln.Close()
	seen := make(chan string, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			seen <- "accept: " + err.Error()
			return
		}
		host, _, _ := net.SplitHostPort(c.RemoteAddr().String())
		c.Close()
		seen <- host
	}()
	err = nsutil.DoPath(sandbox.NetnsDir+"/"+client.name, func() error {
		c, err := net.DialTimeout("tcp4", dst, 3*time.Second)
		if err != nil {
			return err
		}
		return c.Close()
	})
	if err != nil {
		t.Fatalf("dial %s: %v", dst, err)
	}
	select {
	case s := <-seen:
		return s
	case <-time.After(3 * time.Second):
		t.Fatal("no connection arrived")
	}
	return ""
}

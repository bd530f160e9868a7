package iptables

import (
	"errors"
	"os/exec"
	"strings"
	"testing"
)

func TestCheckNames(t *testing.T) {
	docker := func(table, chain string) bool { return chain == "DOCKER" && (table == "nat" || table == "filter") }
	cases := []struct {
		rule string
		user func(table, chain string) bool
		kind string // "" = accepted
		near string
		msg  string
	}{
		{"-t nat -A POSTROUTNG -j MASQ", nil, "chain", "POSTROUTING", `no chain "POSTROUTNG" in table nat (did you mean "POSTROUTING"?)`},
		{"-t nat -A POSTROUTING -j MASQ", nil, "target", "MASQUERADE", `unknown target "MASQ" (did you mean "MASQUERADE"?)`},
		{"-A FORWARD -j accept", nil, "target", "ACCEPT", `unknown target "accept" (did you mean "ACCEPT"?)`},
		{"-t nat -A FORWARD -j ACCEPT", nil, "chain", "", "chain FORWARD is in table filter, not nat"},
		{"-A FORWARD -j DOCKER", nil, "target", "", `unknown target "DOCKER": not one of ACCEPT`},
		{"-A DOCKER -j ACCEPT", nil, "chain", "", "needs `iptables -t filter -N DOCKER` first"},
		{"-A FORWARD -j DOCKER", docker, "", "", ""},
		{"-t nat -A DOCKER -p tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80", docker, "", "", ""},
		{"-t nat -A POSTROUTING -s 10.0.0.0/24 ! -o br0 -j MASQUERADE", nil, "", "", ""},
		{"-A INPUT -i lo", nil, "", "", ""},
	}
	for _, c := range cases {
		r, err := Parse(strings.Fields(c.rule))
		if err != nil {
			t.Fatalf("Parse %q: %v", c.rule, err)
		}
		err = r.CheckNames(c.user)
		var ue *UnknownNameError
		if c.kind == "" {
			if err != nil {
				t.Errorf("%q: %v, want accepted", c.rule, err)
			}
			continue
		}
		if !errors.As(err, &ue) || ue.Kind != c.kind || ue.Near != c.near || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%q: %v (%+v), want a %s error near %q containing %q", c.rule, err, ue, c.kind, c.near, c.msg)
		}
	}
}

func TestNewChainIn(t *testing.T) {
	cases := []struct {
		cmd          string
		table, chain string
	}{
		{"iptables -N DOCKER", "filter", "DOCKER"},
		{"iptables -t nat -N DOCKER", "nat", "DOCKER"},
		{"ip netns exec RED /usr/sbin/iptables --table=nat --new-chain MINE && iptables -A MINE -j RETURN", "nat", "MINE"},
		{"sudo iptables -tnat -N X;", "nat", "X"},
		{"iptables -A FORWARD -j DOCKER", "", ""},
		{"echo -N DOCKER", "", ""},
	}
	for _, c := range cases {
		table, chain, ok := NewChainIn(strings.Fields(c.cmd))
		if ok != (c.chain != "") || table != c.table && ok || chain != c.chain {
			t.Errorf("%q: %q %q %v, want %q %q", c.cmd, table, chain, ok, c.table, c.chain)
		}
	}
}

// TestCheckNamesAsTheKernel holds CheckNames to what really happens: every
// rule it refuses is refused by Add and by the real iptables in a fresh
// namespace, and a rule it accepts with a chain made by `iptables -N` is
// added.
func TestCheckNamesAsTheKernel(t *testing.T) {
	l := newLab(t)
	for _, line := range []string{"-t nat -A POSTROUTNG -j MASQUERADE", "-t nat -A POSTROUTING -j MASQ", "-A FORWARD -j accept", "-t nat -A FORWARD -j ACCEPT"} {
		r := mustParse(t, line)
		if r.CheckNames(nil) == nil {
			t.Fatalf("%s: accepted", line)
		}
		if err := Add(l.conn, r); err == nil {
			t.Errorf("%s: refused by CheckNames, added by Add", line)
		}
		if _, err := exec.LookPath("iptables"); err == nil {
			if _, _, err := l.run(t, append([]string{"iptables"}, strings.Fields(line)...)...); err == nil {
				t.Errorf("%s: refused by CheckNames, accepted by iptables", line)
			}
		}
	}
	needTool(t, "iptables")
	if _, stderr, err := l.run(t, "iptables", "-t", "nat", "-N", "MINE"); err != nil {
		t.Fatalf("iptables -N: %v %s", err, stderr)
	}
	table, chain, ok := NewChainIn([]string{"iptables", "-t", "nat", "-N", "MINE"})
	made := func(tb, ch string) bool { return ok && tb == table && ch == chain }
	for _, line := range []string{"-t nat -A PREROUTING -j MINE", "-t nat -A MINE -p tcp --dport 80 -j DNAT --to-destination 10.0.0.2:80"} {
		r := mustParse(t, line)
		if err := r.CheckNames(made); err != nil {
			t.Errorf("%s: %v", line, err)
		}
		if err := Add(l.conn, r); err != nil {
			t.Errorf("%s: accepted by CheckNames, refused by Add: %v", line, err)
		}
	}
}

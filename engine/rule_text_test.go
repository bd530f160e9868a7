package engine

import "testing"

// TestRuleLine: a rule the snapshot reads in iptables form is listed as it
// is; one it cannot spell (the nft description of a rule with -m addrtype)
// is listed by table and chain with the iptables command that prints it,
// never in the reader's own notation.
func TestRuleLine(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"-t nat -A POSTROUTING -s 11.11.11.0/24 ! -o br0 -j MASQUERADE", "-t nat -A POSTROUTING -s 11.11.11.0/24 ! -o br0 -j MASQUERADE"},
		{`# nft: ip nat PREROUTING: iifname != "docker0" meta l4proto tcp xt match addrtype th dport 8080 counter xt target DNAT`,
			"-t nat -A PREROUTING ...  (iptables -t nat -S shows this rule in full)"},
	} {
		if got := RuleLine(c.in); got != c.want {
			t.Errorf("RuleLine(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

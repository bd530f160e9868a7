package lessons

import (
	"errors"
	"strings"
	"testing"
)

// TestLoadIptablesNames: a rule iptables would refuse for its chain or
// target is an error of the file, at the rule's position; chains made with
// iptables -N in the file's shell texts stay valid.
func TestLoadIptablesNames(t *testing.T) {
	cases := []struct {
		name, src, want string
	}{
		{"chain typo", head + "      - iptables: {ns: RED, rule: \"-t nat -A POSTROUTNG -j MASQ\"}\n",
			`t.yaml:9:35: step "one" iptables: iptables rule: no chain "POSTROUTNG" in table nat (did you mean "POSTROUTING"?)`},
		{"target typo", head + "      - iptables: {ns: RED, rule: \"-t nat -A POSTROUTING -j MASQ\"}\n",
			`t.yaml:9:35: step "one" iptables: iptables rule: unknown target "MASQ" (did you mean "MASQUERADE"?)`},
		{"delete too", head + "      - iptables_del: {ns: RED, rule: \"-t filter -A FORWARD -j DOCKER\"}\n",
			`t.yaml:9:39: step "one" iptables_del: iptables rule: unknown target "DOCKER"`},
		{"chain of another table", head + "      - iptables: {ns: RED, rule: \"-t nat -A FORWARD -j ACCEPT\"}\n",
			`t.yaml:9:35: step "one" iptables: iptables rule: chain FORWARD is in table filter, not nat`},
		{"made in the other table", head + "      - run: {ns: RED, sh: \"iptables -N MINE\"}\n      - iptables: {ns: RED, rule: \"-t nat -A PREROUTING -j MINE\"}\n",
			`t.yaml:10:35: step "one" iptables: iptables rule: unknown target "MINE"`},
	}
	for _, c := range cases {
		_, err := Load("t.yaml", []byte(c.src))
		var el ErrorList
		if !errors.As(err, &el) || len(el) != 1 || !strings.HasPrefix(el[0].Error(), c.want) {
			t.Errorf("%s: got %v\nwant %s...", c.name, err, c.want)
		}
	}
	for _, src := range []string{
		head + "      - run: {ns: RED, sh: \"iptables -t nat -N MINE && iptables -t nat -A MINE -j RETURN\"}\n      - iptables: {ns: RED, rule: \"-t nat -A PREROUTING -j MINE\"}\n      - iptables: {ns: RED, rule: \"-t nat -A MINE -p tcp --dport 80 -j DNAT --to-destination 10.0.0.2:80\"}\n",
		head + "      - run:\n          ns: RED\n          sh: |\n            ip netns list\n            iptables --table=filter --new-chain DOCKER-USER; true\n      - iptables: {ns: RED, rule: \"-A FORWARD -j DOCKER-USER\"}\n",
		head + "      - iptables: {ns: RED, rule: \"-t nat -A POSTROUTING -s 10.0.0.0/24 ! -o br0 -j MASQUERADE\"}\n",
	} {
		if _, err := Load("t.yaml", []byte(src)); err != nil {
			t.Errorf("refused:\n%s\n%v", src, err)
		}
	}
}

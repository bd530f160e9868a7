package lessons

import "testing"

// TestLoadToolShows: the tool-printed shows (nft-kube-proxy, conntrack)
// load, dst narrows conntrack only and must be an IPv4 address, and each
// bad field is reported at its place; the command shown is the one typed.
func TestLoadToolShows(t *testing.T) {
	good := node + "      - show: {ns: NODE1, what: conntrack, dst: 10.96.0.50}\n      - show: {ns: NODE1, what: nft-kube-proxy}\n"
	l, err := Load("t.yaml", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	acts := l.Steps[0].Actions
	for i, want := range map[int]string{2: "ip netns exec NODE1 conntrack -L -d 10.96.0.50", 3: "ip netns exec NODE1 nft list table ip kube-proxy"} {
		if got := acts[i].Command(); got != want {
			t.Errorf("action %d shows %q, want %q", i+1, got, want)
		}
	}
	cases := []struct{ name, src, want string }{
		{"dst not an address", node + "      - show: {ns: NODE1, what: conntrack, dst: web}\n", `t.yaml:10:49: step "one" show: dst "web": want an IPv4 address`},
		{"dst on nat", node + "      - show: {ns: NODE1, what: nat, dst: 10.96.0.50}\n", `t.yaml:10:43: step "one" show: what nat takes no dst (dst narrows conntrack)`},
		{"unknown what", node + "      - show: {ns: NODE1, what: conntrak}\n", `t.yaml:10:33: step "one" show: what "conntrak": want one of link, addr, brief-link, brief-addr, route, neigh, fdb, bridge-link, nat, filter, sysctl, detail-link, nft-kube-proxy, conntrack (did you mean "conntrack"?)`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Load("t.yaml", []byte(c.src))
			el, ok := err.(ErrorList)
			if !ok || len(el) == 0 {
				t.Fatalf("error %v (%T), want %s", err, err, c.want)
			}
			if got := el[0].Error(); got != c.want {
				t.Errorf("got  %s\nwant %s", got, c.want)
			}
		})
	}
}

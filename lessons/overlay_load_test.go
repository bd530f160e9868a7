package lessons

import "testing"

// node is a lesson head with NODE1, its eth0 on the lab host's underlay
// bridge, ready for the overlay actions.
const node = `id: t
title: {en: T}
summary: {en: S}
steps:
  - id: one
    title: {en: One}
    actions:
      - netns_add: {name: NODE1}
      - veth: {name: veth-n1, peer: eth0, peer_ns: NODE1}
`

func TestLoadOverlayErrors(t *testing.T) {
	cases := []struct{ name, src, want string }{
		{"vni too big", node + "      - vxlan: {ns: NODE1, name: flannel.1, id: 16777216, dstport: 8472}\n", `t.yaml:10:49: step "one" vxlan: id 16777216: a VNI is 0..16777215 (24 bits)`},
		{"no dstport", node + "      - vxlan: {ns: NODE1, name: flannel.1, id: 1}\n", `t.yaml:10:16: step "one" vxlan: missing "dstport"`},
		{"dstport zero", node + "      - vxlan: {ns: NODE1, name: flannel.1, id: 1, dstport: 0}\n", `t.yaml:10:61: step "one" vxlan: dstport 0: want 1..65535 (flannel uses 8472, Calico and the IANA 4789)`},
		{"bad local", node + "      - vxlan: {ns: NODE1, name: flannel.1, id: 1, dstport: 8472, local: 192.168.10.300}\n", `t.yaml:10:74: step "one" vxlan: "192.168.10.300" is not an IPv4 address`},
		{"multicast address", node + "      - vxlan: {ns: NODE1, name: flannel.1, id: 1, dstport: 8472, address: \"01:00:5e:00:00:01\"}\n", `t.yaml:10:76: step "one" vxlan: "01:00:5e:00:00:01" is a multicast MAC address; a link's own address must be unicast (clear the low bit of the first byte)`},
		{"long name", node + "      - vxlan: {ns: NODE1, name: flannel.1234567890, id: 1, dstport: 8472}\n", `t.yaml:10:34: step "one" vxlan: link name "flannel.1234567890": want 1..15 characters without /, : or spaces`},
		{"vxlan on missing dev", node + "      - vxlan: {ns: NODE1, name: flannel.1, id: 1, dstport: 8472, dev: eth1}\n", `t.yaml:10:72: step "one" vxlan: NODE1 has no link "eth1" at this point (links: eth0, lo) (did you mean "eth0"?)`},
		{"learning not a bool", node + "      - vxlan: {ns: NODE1, name: flannel.1, id: 1, dstport: 8472, learning: maybe}\n", `t.yaml:10:77: step "one" vxlan: "learning" wants true or false, got "maybe"`},
		{"vxlan twice", node + "      - vxlan: {ns: NODE1, name: eth0, id: 1, dstport: 8472}\n", `t.yaml:10:34: step "one" vxlan: NODE1 already has a link "eth0"`},
		{"neigh bad lladdr", node + "      - neigh_add: {ns: NODE1, ip: 10.244.1.0, lladdr: 0a:58:c0:a8:0a, dev: eth0}\n", `t.yaml:10:56: step "one" neigh_add: "0a:58:c0:a8:0a" is not a MAC address such as 0a:58:0a:f4:01:00`},
		{"neigh missing dev", node + "      - neigh_add: {ns: NODE1, ip: 10.244.1.0, lladdr: \"0a:58:c0:a8:0a:66\", dev: flannel.1}\n", `t.yaml:10:82: step "one" neigh_add: NODE1 has no link "flannel.1" at this point (links: eth0, lo)`},
		{"fdb on a veth", node + "      - fdb_add: {ns: NODE1, mac: \"0a:58:c0:a8:0a:66\", dev: eth0, dst: 192.168.10.102}\n", `t.yaml:10:61: step "one" fdb_add: NODE1: eth0 is a veth; fdb entries with dst belong to a VXLAN device`},
		{"fdb bad dst", node + "      - vxlan: {ns: NODE1, name: flannel.1, id: 1, dstport: 8472}\n      - fdb_add: {ns: NODE1, mac: \"0a:58:c0:a8:0a:66\", dev: flannel.1, dst: node2}\n", `t.yaml:11:77: step "one" fdb_add: "node2" is not an IPv4 address`},
		{"link_address bad", node + "      - link_address: {ns: NODE1, name: eth0, address: \"00:00:00:00:00:00\"}\n", `t.yaml:10:56: step "one" link_address: "00:00:00:00:00:00" is all zeros; a link's own address must not be`},
		{"blackhole with dev", node + "      - route_add: {ns: NODE1, dst: 10.244.0.0/24, type: blackhole, dev: eth0}\n", `t.yaml:10:74: step "one" route_add: a blackhole route has no device (the kernel refuses one)`},
		{"unknown type", node + "      - route_add: {ns: NODE1, dst: 10.244.0.0/24, type: blakhole}\n", `t.yaml:10:58: step "one" route_add: type "blakhole": want unicast or one of blackhole, unreachable, prohibit (did you mean "blackhole"?)`},
		{"unknown proto", node + "      - route_add: {ns: NODE1, dst: 10.244.1.0/24, via: 192.168.10.102, proto: brid}\n", `t.yaml:10:80: step "one" route_add: proto "brid": not a protocol name ip knows (such as boot, static, bird) (did you mean "bird"?)`},
		{"unknown scope", node + "      - route_add: {ns: NODE1, dst: 10.244.0.2, dev: eth0, scope: lnk}\n", `t.yaml:10:67: step "one" route_add: scope "lnk": want global, link or host (did you mean "link"?)`},
		{"onlink without dev", node + "      - route_add: {ns: NODE1, dst: 10.244.1.0/24, via: 10.244.1.0, onlink: true}\n", `t.yaml:10:77: step "one" route_add: onlink needs dev: the link the gateway is on`},
		{"show dev on nat", node + "      - show: {ns: NODE1, what: nat, dev: eth0}\n", `t.yaml:10:43: step "one" show: what nat takes no dev (dev narrows link, addr, brief-link, brief-addr, route, neigh, fdb, detail-link)`},
		{"show missing dev", node + "      - show: {ns: NODE1, what: fdb, dev: flannel.1}\n", `t.yaml:10:43: step "one" show: NODE1 has no link "flannel.1" at this point (links: eth0, lo)`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Load("t.yaml", []byte(c.src))
			if err == nil {
				t.Fatalf("no error; want %s", c.want)
			}
			el, ok := err.(ErrorList)
			if !ok {
				t.Fatalf("error is %T, want ErrorList", err)
			}
			if got := el[0].Error(); got != c.want {
				t.Errorf("got  %s\nwant %s", got, c.want)
			}
		})
	}
}

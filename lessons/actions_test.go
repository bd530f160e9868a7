package lessons

import (
	"testing"
)

// TestActionCommands holds every action key to the command it shows.
func TestActionCommands(t *testing.T) {
	cases := []struct{ yaml, cmd string }{
		{`netns_add: {name: GREEN}`, "ip netns add GREEN"},
		{`netns_del: {name: BLUE}`, "ip netns del BLUE"},
		{`veth: {name: v0, peer: v1}`, "ip link add v0 type veth peer name v1"},
		{`veth: {name: v0, peer: v1, peer_ns: BLUE}`, "ip link add v0 type veth peer name v1 netns BLUE"},
		{`veth: {ns: RED, name: v0, peer: v1}`, "ip -n RED link add v0 type veth peer name v1"},
		{`bridge: {name: br0}`, "ip link add br0 type bridge"},
		{`link_up: {ns: RED, name: veth0}`, "ip -n RED link set veth0 up"},
		{`link_down: {ns: RED, name: veth0}`, "ip -n RED link set veth0 down"},
		{`link_netns: {ns: RED, name: veth0, to: BLUE}`, "ip -n RED link set veth0 netns BLUE"},
		{`link_master: {ns: RED, name: veth0, master: br0}`, "ip -n RED link set veth0 master br0"},
		{`link_nomaster: {ns: RED, name: veth0}`, "ip -n RED link set veth0 nomaster"},
		{`link_mtu: {ns: RED, name: veth0, mtu: 1400}`, "ip -n RED link set veth0 mtu 1400"},
		{`link_rename: {ns: RED, name: veth0, new_name: eth0}`, "ip -n RED link set veth0 name eth0"},
		{`addr_add: {ns: RED, dev: veth0, addr: 11.11.11.2/24}`, "ip -n RED addr add 11.11.11.2/24 dev veth0"},
		{`addr_del: {ns: RED, dev: veth0, addr: 11.11.11.2/24}`, "ip -n RED addr del 11.11.11.2/24 dev veth0"},
		{`route_add: {ns: RED, dst: default, via: 11.11.11.1}`, "ip -n RED route add default via 11.11.11.1"},
		{`route_add: {ns: RED, dst: 10.0.0.0/24, dev: veth0}`, "ip -n RED route add 10.0.0.0/24 dev veth0"},
		{`route_del: {ns: RED, dst: default}`, "ip -n RED route del default"},
		{`sysctl: {key: net.ipv4.ip_forward, value: "1"}`, "sysctl -w net.ipv4.ip_forward=1"},
		{`sysctl: {ns: RED, key: net.ipv4.ip_forward, value: "0"}`, "ip netns exec RED sysctl -w net.ipv4.ip_forward=0"},
		{`iptables: {rule: "-t nat -A POSTROUTING -s 11.11.11.0/24 ! -o br0 -j MASQUERADE"}`, "iptables -t nat -A POSTROUTING -s 11.11.11.0/24 ! -o br0 -j MASQUERADE"},
		{`iptables: {rule: "-A FORWARD -i br0 -j ACCEPT"}`, "iptables -A FORWARD -i br0 -j ACCEPT"},
		{`iptables_del: {rule: "-t nat -A POSTROUTING -s 11.11.11.0/24 -j MASQUERADE"}`, "iptables -t nat -D POSTROUTING -s 11.11.11.0/24 -j MASQUERADE"},
		{`run: {unshare: [uts], hostname: RED, sh: hostname}`, "unshare --uts sh -c 'hostname RED; hostname'"},
		{`run: {ns: RED, sh: "ip link"}`, "ip netns exec RED ip link"},
		{`run: {ns: RED, sh: "ip link | head -2"}`, "ip netns exec RED sh -c 'ip link | head -2'"},
		{`run: {sh: "iptables -P FORWARD DROP"}`, "iptables -P FORWARD DROP"},
		{`ping: {ns: RED, dst: 11.11.11.3}`, "ip netns exec RED ping -c 1 11.11.11.3"},
		{`ping: {ns: RED, dst: 11.11.11.3, count: 3, expect: no-reply}`, "ip netns exec RED ping -c 3 11.11.11.3"},
		{`tcp_serve: {ns: BLUE, port: 80, banner: hi}`, "ip netns exec BLUE sh -c 'while :; do echo hi | nc -N -l 80 || sleep 1; done' &"},
		{`tcp_connect: {ns: RED, addr: "11.11.11.3:80"}`, "ip netns exec RED nc -w 1 11.11.11.3 80"},
		{`show: {ns: RED, what: neigh}`, "ip -n RED neigh"},
		{`show: {what: nat}`, "iptables -t nat -S"},
		// RED has veth0 and br0 (mustLoad); an fdb entry with dst needs a
		// VXLAN device, made by the item before it.
		{`vxlan: {ns: RED, name: flannel.1, id: 1, local: 192.168.10.101, dev: veth0, dstport: 8472}`, "ip -n RED link add flannel.1 type vxlan id 1 local 192.168.10.101 dev veth0 dstport 8472 nolearning"},
		{`vxlan: {name: vx0, address: "0a:58:c0:a8:0a:65", id: 7, remote: 192.168.10.102, dstport: 4789, learning: true}`, "ip link add vx0 address 0a:58:c0:a8:0a:65 type vxlan id 7 remote 192.168.10.102 dstport 4789"},
		{`neigh_add: {ns: RED, ip: 10.244.1.0, lladdr: "0a:58:c0:a8:0a:66", dev: veth0}`, "ip -n RED neigh add 10.244.1.0 lladdr 0a:58:c0:a8:0a:66 dev veth0 nud permanent"},
		{"vxlan: {ns: RED, name: flannel.1, id: 1, dstport: 8472}\n      - fdb_add: {ns: RED, mac: \"0a:58:c0:a8:0a:66\", dev: flannel.1, dst: 192.168.10.102}", "bridge -n RED fdb append 0a:58:c0:a8:0a:66 dev flannel.1 dst 192.168.10.102 self permanent"},
		{`link_address: {ns: RED, name: veth0, address: "0a:58:c0:a8:0a:65"}`, "ip -n RED link set veth0 address 0a:58:c0:a8:0a:65"},
		{`route_add: {ns: RED, dst: 10.244.1.0/24, via: 10.244.1.0, dev: veth0, onlink: true}`, "ip -n RED route add 10.244.1.0/24 via 10.244.1.0 dev veth0 onlink"},
		{`route_add: {ns: RED, dst: 10.244.0.0/24, type: blackhole, proto: bird}`, "ip -n RED route add blackhole 10.244.0.0/24 proto bird"},
		{`route_add: {ns: RED, dst: 10.244.0.2, dev: veth0, scope: link}`, "ip -n RED route add 10.244.0.2 dev veth0 scope link"},
		{`route_del: {ns: RED, dst: 10.244.0.0/24, type: blackhole}`, "ip -n RED route del blackhole 10.244.0.0/24"},
		{`show: {ns: RED, what: detail-link, dev: veth0}`, "ip -n RED -d link show veth0"},
		{`show: {ns: RED, what: fdb, dev: br0}`, "bridge -n RED fdb show dev br0"},
		{`show: {ns: RED, what: neigh, dev: veth0}`, "ip -n RED neigh show dev veth0"},
	}
	seen := map[string]bool{}
	for _, c := range cases {
		a := mustAction(t, c.yaml)
		seen[a.Kind] = true
		if got := a.Command(); got != c.cmd {
			t.Errorf("%s:\n got  %s\n want %s", c.yaml, got, c.cmd)
		}
	}
	// userns depends on root or not; it must at least start with unshare --user.
	a := mustAction(t, `userns: {sh: id}`)
	seen[a.Kind] = true
	if got := a.Command(); len(got) < 14 || got[:14] != "unshare --user" {
		t.Errorf("userns: %s", got)
	}
	for _, k := range ActionKinds() {
		if !seen[k] {
			t.Errorf("action %q has no round-trip case", k)
		}
	}
}

func TestExpectFailure(t *testing.T) {
	if !mustAction(t, `ping: {ns: RED, dst: 11.11.11.3, expect: no-reply}`).ExpectFailure() {
		t.Error("ping no-reply: ExpectFailure false")
	}
	if mustAction(t, `ping: {ns: RED, dst: 11.11.11.3}`).ExpectFailure() {
		t.Error("ping: ExpectFailure true")
	}
	if !mustAction(t, `tcp_connect: {ns: RED, addr: "1.2.3.4:5", expect: fail}`).ExpectFailure() {
		t.Error("tcp_connect fail: ExpectFailure false")
	}
}

package lessons

import (
	"context"
	"testing"

	"github.com/nettutor/nettutor/engine"
)

// plainProbe is, per troubleshooting exercise, what its goal asks, checked
// with the tools a person has (ping, nc): it exits 0 only when the lab
// works.
var plainProbe = map[string]string{
	"troubleshoot/bridge": `ip netns exec RED ping -c2 -i0.2 -W1 11.11.11.3 && ip netns exec BLUE ping -c2 -i0.2 -W1 11.11.11.2 &&
ip netns exec RED ping -M do -s 1472 -c2 -i0.2 -W1 11.11.11.3 && ip netns exec BLUE ping -M do -s 1472 -c2 -i0.2 -W1 11.11.11.2`,
	// -w3: two replies within 3 s. A fix that lets a stuck ARP through
	// (rp-filter) answers at the neighbour's next solicitation, up to a
	// second later; -W1 per packet missed it on a loaded machine.
	"troubleshoot/nat": `ip netns exec RED ping -c2 -i0.2 -w3 203.0.113.2 && ip netns exec BLUE ping -c2 -i0.2 -w3 203.0.113.2 &&
conntrack -L -p icmp -d 203.0.113.2 2>/dev/null | grep -q 'src=203.0.113.2 dst=203.0.113.1 '`,
	// nc -u -l takes the first sender it hears, and -v says who that is.
	"troubleshoot/shipper": `timeout 3 ip netns exec OUTSIDE nc -nulv 514 2>&1 | grep -q 'received on 203.0.113.1 5514'`,
	"troubleshoot/service": `ip netns exec RED nc -w1 10.96.0.10 80 </dev/null | grep -q 'hello from BLUE'`,
	// Both ways, full size with DF, and on the underlay only VXLAN (VNI 1,
	// UDP 8472) while the pods ping: no bare pod packet. The pings start
	// once tcpdump says it is listening (a fixed sleep was too short on a
	// loaded machine).
	"troubleshoot/overlay": `ip netns exec POD-A ping -c2 -i0.2 -W1 10.244.1.2 && ip netns exec POD-B ping -c2 -i0.2 -W1 10.244.0.2 &&
ip netns exec POD-A ping -M do -s 1422 -c2 -i0.2 -W1 10.244.1.2 &&
{ tcpdump -Z root --immediate-mode -ni underlay -w /tmp/under.pcap 2>/tmp/under.err & p=$!
  for i in $(seq 100); do grep -q listening /tmp/under.err && break; sleep 0.05; done
  ip netns exec POD-A ping -c2 -i0.2 -W1 10.244.1.2 >/dev/null; ip netns exec POD-B ping -c2 -i0.2 -W1 10.244.0.2 >/dev/null
  sleep 0.5; kill $p; wait $p; true; } &&
! tcpdump -nr /tmp/under.pcap 'icmp and net 10.244.0.0/16' 2>/dev/null | grep -q . &&
[ "$(tcpdump -nr /tmp/under.pcap -T vxlan 'udp port 8472' 2>/dev/null | grep -c 'vni 1')" -ge 4 ]`,
	"troubleshoot/publish": `ip netns exec OUTSIDE nc -w1 203.0.113.1 8080 </dev/null | grep -q 'hello from RED' &&
ip netns exec BLUE nc -w1 203.0.113.2 8080 </dev/null | grep -q 'hello from OUTSIDE'`,
}

// plainEvidence is, per fault, what a person sees of it with ip, iptables,
// sysctl, nc or conntrack in the broken lab (after the probe ran): it
// exits 0 only while the fault is there.
var plainEvidence = map[string]string{
	"troubleshoot/bridge/br-netfilter": `iptables -S FORWARD | grep -qx -- '-P FORWARD DROP' && ! iptables -S FORWARD | grep -q -- '-j ACCEPT' &&
[ "$(sysctl -n net.bridge.bridge-nf-call-iptables)" = 1 ] && ip netns exec RED ip neigh | grep -q '11.11.11.3 .*lladdr'`,
	"troubleshoot/bridge/port-down":        `ip -br link show veth-blue | grep -q DOWN`,
	"troubleshoot/bridge/wrong-prefix":     `ip -n BLUE -br addr show eth0 | grep -q 11.11.11.3/32 && ! ip -n BLUE route | grep -q 11.11.11.0/24`,
	"troubleshoot/bridge/docker-user-drop": `iptables -S DOCKER-USER | grep -q -- '-s 11.11.11.3/32 -i br0 -j DROP' && [ "$(iptables -L DOCKER-USER -v -n -x | awk '/DROP/ {print $1}')" -gt 0 ]`,
	// Small pings pass, full-size ones with DF do not (BLUE's reply is
	// dropped as it enters veth-blue: BLUE's eth0 counts it as TX
	// dropped), and the two ends of BLUE's veth disagree on the MTU.
	"troubleshoot/bridge/mtu-mismatch": `ip netns exec RED ping -c1 -W1 11.11.11.3 && ip netns exec BLUE ping -c1 -W1 11.11.11.2 &&
! ip netns exec BLUE ping -M do -s 1472 -c1 -W1 11.11.11.2 &&
[ "$(ip -n BLUE -s link show eth0 | awk '/TX:/ {getline; print $4}')" -gt 0 ] &&
ip link show veth-blue | grep -q 'mtu 1400 ' && ip -n BLUE link show eth0 | grep -q 'mtu 1500 '`,
	// An untranslated flow: its reply is for RED's own address.
	"troubleshoot/nat/masq-iface":   `conntrack -L -p icmp -d 203.0.113.2 2>/dev/null | grep -q 'src=203.0.113.2 dst=11.11.11.2 ' && iptables -t nat -S POSTROUTING | grep -q -- '-s 11.11.11.0/24 -o br0 -j MASQUERADE'`,
	"troubleshoot/nat/outside-down": `ip -n OUTSIDE -br link show eth0 | grep -q DOWN`,
	"troubleshoot/nat/no-route":     `! ip -n BLUE route | grep -q default`,
	// The kernel's own verdict on RED's packets as they arrive on mgmt (a
	// martian source: EINVAL), and RED's ARP for its gateway, which the
	// host does not answer for the same reason.
	"troubleshoot/nat/rp-filter": `ip route get 11.11.11.2 | grep -q 'dev br0' &&
ip route get 203.0.113.2 from 11.11.11.2 iif mgmt 2>&1 | grep -q 'Invalid argument' &&
ip -n RED neigh show 10.99.0.1 | grep -Eq 'INCOMPLETE|FAILED'`,
	"troubleshoot/nat/forward-off": `[ "$(sysctl -n net.ipv4.ip_forward)" = 0 ] && ip netns exec RED ping -c1 -W1 203.0.113.1`,
	// The rule is right and a fresh flow (a ping) is translated, but the
	// shipper's entry keeps an untranslated reply tuple.
	"troubleshoot/shipper/stale-entry": `iptables -t nat -S POSTROUTING | grep -q -- '-s 11.11.11.0/24 ! -o br0 -j MASQUERADE' &&
conntrack -L -p udp --orig-port-src 5514 2>/dev/null | grep -q 'src=203.0.113.2 dst=11.11.11.2 sport=514 dport=5514' &&
ip netns exec RED ping -c1 -W1 203.0.113.2 >/dev/null && conntrack -L -p icmp -s 11.11.11.2 2>/dev/null | grep -q 'dst=203.0.113.1 '`,
	// Forwarding off, and no entry for the flow: the host drops its
	// packets before conntrack confirms one.
	"troubleshoot/shipper/forward-off": `[ "$(sysctl -n net.ipv4.ip_forward)" = 0 ] && ! conntrack -L -p udp --orig-port-src 5514 2>/dev/null | grep -q 5514`,
	// BLUE answers RED directly, and the bridged reply is never
	// un-DNATed: the Service's entry stays unreplied, while BLUE's own
	// address answers.
	"troubleshoot/service/brnf-off": `[ "$(sysctl -n net.bridge.bridge-nf-call-iptables)" = 0 ] &&
conntrack -L -p tcp -d 10.96.0.10 2>/dev/null | grep -q 'SYN_SENT .*UNREPLIED.* src=11.11.11.3 dst=11.11.11.2 ' &&
ip netns exec RED nc -w1 11.11.11.3 80 </dev/null | grep -q 'hello from BLUE'`,
	"troubleshoot/service/no-route": `! ip -n RED route | grep -q default && ip -n RED route get 10.96.0.10 2>&1 | grep -q 'Network is unreachable'`,
	// NODE1 sends the pods' packets out by its default route, bare: the
	// tunnel's neighbour and fdb entry are there, its route is not.
	"troubleshoot/overlay/no-route": `ip -n NODE1 route get 10.244.1.2 | grep -q 'via 192.168.10.1 dev eth0' &&
ip -n NODE1 neigh show dev flannel.1 | grep -q '10.244.1.0 lladdr 0e:6f:1a:00:00:02 PERMANENT' &&
bridge -n NODE1 fdb show dev flannel.1 | grep -q '0e:6f:1a:00:00:02 dst 192.168.10.102'`,
	// Route and neighbour into flannel.1, no fdb entry for the MAC: the
	// device drops the frame (TX dropped) and nothing reaches the underlay.
	"troubleshoot/overlay/no-fdb": `ip -n NODE1 route get 10.244.1.2 | grep -q 'via 10.244.1.0 dev flannel.1' &&
! bridge -n NODE1 fdb show dev flannel.1 | grep -q 0e:6f:1a:00:00:02 &&
[ "$(ip -n NODE1 -s link show flannel.1 | awk '/TX:/ {getline; print $4}')" -gt 0 ]`,
	// The two devices disagree on the port, and NODE2 answers NODE1's
	// VXLAN packets with ICMP port unreachable. The ping starts once
	// tcpdump says it is listening (a fixed 0.5 s start, as the overlay
	// probe had, can be too short on a loaded machine).
	"troubleshoot/overlay/vxlan-port": `ip -n NODE1 -d link show flannel.1 | grep -q 'dstport 8472' && ip -n NODE2 -d link show flannel.1 | grep -q 'dstport 4789' &&
{ tcpdump -Z root --immediate-mode -ni underlay -w /tmp/icmp.pcap icmp 2>/tmp/icmp.err & p=$!
  for i in $(seq 100); do grep -q listening /tmp/icmp.err && break; sleep 0.05; done
  ip netns exec POD-A ping -c1 -W1 10.244.1.2 >/dev/null; sleep 0.2; kill $p; wait $p; true; } &&
tcpdump -nr /tmp/icmp.pcap 2>/dev/null | grep -q '192.168.10.102 > 192.168.10.101: ICMP 192.168.10.102 udp port 8472 unreachable'`,
	// Small pings pass; a 1450-byte DF one is refused by NODE1 with the
	// tunnel's MTU (or, once POD-A learned it, by POD-A itself).
	"troubleshoot/overlay/tunnel-mtu": `ip netns exec POD-A ping -c1 -W1 10.244.1.2 >/dev/null &&
ip netns exec POD-A ping -M do -s 1422 -c1 -W1 10.244.1.2 2>&1 | grep -Eq 'mtu ?= ?1400' &&
ip -n NODE1 link show flannel.1 | grep -q 'mtu 1400 ' && ip -n POD-A link show eth0 | grep -q 'mtu 1450 '`,
	// NODE2's way back to POD-A leaves by eth0, not by flannel.1 where
	// POD-A's packet arrives: the kernel calls that source a martian.
	"troubleshoot/overlay/rp-filter": `ip -n NODE2 route get 10.244.0.2 | grep -q 'via 192.168.10.101 dev eth0' &&
ip -n NODE2 route get 10.244.1.2 from 10.244.0.2 iif flannel.1 2>&1 | grep -q 'Invalid argument' &&
[ "$(ip netns exec NODE2 sysctl -n net.ipv4.conf.all.rp_filter)" = 1 ]`,
	// NODE2's FORWARD: policy DROP, no rule, and the policy counts drops.
	"troubleshoot/overlay/forward-drop": `ip netns exec NODE2 iptables -S FORWARD | grep -qx -- '-P FORWARD DROP' &&
! ip netns exec NODE2 iptables -S FORWARD | grep -q ACCEPT &&
[ "$(ip netns exec NODE2 iptables -L FORWARD -v -n -x | awk 'NR==1 {print $5}')" -gt 0 ]`,
	// The host's own connection would be DNATed; OUTSIDE's is refused.
	"troubleshoot/publish/dnat-output":   `iptables -t nat -S OUTPUT | grep -q -- '-j DNAT' && nc -w1 203.0.113.1 8080 </dev/null | grep -q 'hello from RED'`,
	"troubleshoot/publish/no-route-back": `! ip -n RED route | grep -q default && conntrack -L -p tcp --dport 8080 2>/dev/null | grep -q 'UNREPLIED'`,
	"troubleshoot/publish/dnat-broad":    `ip netns exec BLUE nc -w1 203.0.113.2 8080 </dev/null | grep -q 'hello from RED'`,
}

// TestFaultsWithPlainTools validates every fault of every troubleshooting
// exercise with plain tools before the grader is trusted with it: the lab
// the fault breaks fails the probe (ping, nc, conntrack), the evidence
// that names the fault shows (ip, iptables, sysctl, conntrack), and the
// fault's own solution, run as a learner would, makes the probe pass and
// the evidence go.
func TestFaultsWithPlainTools(t *testing.T) {
	t.Parallel() // labs of its own that mostly wait on probes: see parallel_test.go
	ls, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// Every fault is a subtest on a lab of its own worker (runOnLabs).
	var cases []labCase
	for _, l := range ls {
		for _, ex := range l.Exercises {
			if len(ex.Faults) == 0 {
				continue
			}
			probe, ok := plainProbe[ex.FullID()]
			if !ok {
				t.Errorf("%s: no plain probe", ex.FullID())
				continue
			}
			for _, f := range ex.Faults {
				name := ex.FullID() + "/" + f.ID
				cases = append(cases, labCase{name, func(t *testing.T, lab *engine.Lab) {
					run := func(script string) (string, bool) {
						out, err := lab.Cmd("host", "bash", "-c", script).CombinedOutput()
						return string(out), err == nil
					}
					evidence, ok := plainEvidence[name]
					if !ok {
						t.Fatalf("no plain evidence for %s", name)
					}
					if err := lab.Reset(); err != nil {
						t.Fatal(err)
					}
					if _, _, err := ex.StartWith(ctx, lab, StartOptions{Fault: f.ID}); err != nil {
						t.Fatal(err)
					}
					if out, ok := run(probe); ok {
						t.Fatalf("the broken lab passes the probe:\n%s", out)
					}
					if out, ok := run(evidence); !ok {
						t.Fatalf("the fault does not show with plain tools:\n%s", out)
					}
					if out, ok := run("set -e\n" + f.Solution); !ok {
						t.Fatalf("the fault's solution failed:\n%s", out)
					}
					if out, ok := run(probe); !ok {
						state, _ := run("conntrack -L 2>&1; iptables -t nat -S; ip -n OUTSIDE neigh; ip neigh")
						t.Fatalf("the fault's solution does not repair it:\n%s\nthe lab now:\n%s", out, state)
					}
					if out, ok := run(evidence); ok {
						t.Errorf("the evidence still shows after the fix:\n%s", out)
					}
				}})
			}
		}
	}
	runOnLabs(t, cases)
}

package engine

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
	"github.com/nettutor/nettutor/engine/capture"
)

// vxlanUnderlay is two nodes on a veth (the underlay) with two VXLAN
// overlays between them, made with plain ip and bridge commands as flanneld
// and Calico leave them: flannel.1 (VNI 1, UDP 8472) and vxlan.calico (VNI
// 4096, UDP 4789), nolearning, each remote VTEP named by a permanent
// neighbour entry, an fdb entry and an onlink route. IPv6 is off so that
// nothing but the test's pings crosses the underlay as UDP.
const vxlanUnderlay = `set -e
for n in NODE1 NODE2; do
  ip netns add $n
  ip netns exec $n sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  ip -n $n link set lo up
done
ip link add eth0 netns NODE1 type veth peer name eth0 netns NODE2
ip -n NODE1 addr add 192.168.10.101/24 dev eth0
ip -n NODE2 addr add 192.168.10.102/24 dev eth0
ip -n NODE1 link set eth0 up
ip -n NODE2 link set eth0 up
vtep() { # NS DEV MAC VNI PORT LOCAL ADDR
  ip -n $1 link add $2 address $3 type vxlan id $4 local $6 dev eth0 dstport $5 nolearning
  ip -n $1 addr add $7/32 dev $2
  ip -n $1 link set $2 up
}
peer() { # NS DEV MAC REMOTE-VTEP REMOTE-ADDR SUBNET
  ip -n $1 neigh add $5 lladdr $3 dev $2 nud permanent
  bridge -n $1 fdb append $3 dev $2 dst $4 self permanent
  ip -n $1 route add $6 via $5 dev $2 onlink
}
vtep NODE1 flannel.1 5a:00:00:00:01:01 1 8472 192.168.10.101 10.244.0.0
vtep NODE2 flannel.1 5a:00:00:00:01:02 1 8472 192.168.10.102 10.244.1.0
peer NODE1 flannel.1 5a:00:00:00:01:02 192.168.10.102 10.244.1.0 10.244.1.0/24
peer NODE2 flannel.1 5a:00:00:00:01:01 192.168.10.101 10.244.0.0 10.244.0.0/24
vtep NODE1 vxlan.calico 66:00:00:00:02:01 4096 4789 192.168.10.101 10.245.0.1
vtep NODE2 vxlan.calico 66:00:00:00:02:02 4096 4789 192.168.10.102 10.245.1.1
peer NODE1 vxlan.calico 66:00:00:00:02:02 192.168.10.102 10.245.1.1 10.245.1.0/24
peer NODE2 vxlan.calico 66:00:00:00:02:01 192.168.10.101 10.245.0.1 10.245.0.0/24
`

// tcpdumpVNI ends tcpdump's first line of a VXLAN packet; the inner
// packet's line follows.
var tcpdumpVNI = regexp.MustCompile(`: VXLAN, flags \[.*\] \(0x[0-9a-f]+\), vni \d+$`)

// joinVXLANLines joins each VXLAN line of `tcpdump -t` output with the
// inner packet's line after it, as capture summaries are.
func joinVXLANLines(out string) []string {
	var lines []string
	join := false
	for _, s := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		if s == "" {
			continue
		}
		if join && len(lines) > 0 {
			lines[len(lines)-1] += ": " + s
		} else {
			lines = append(lines, s)
		}
		join = tcpdumpVNI.MatchString(s)
	}
	return lines
}

// TestVXLANCaptureOnTheUnderlay: pings between the overlays' addresses,
// captured on NODE1's underlay link by the engine's capture, decode into
// the outer packet (between the nodes, to 8472 or 4789, with its VNI) and
// the inner ICMP; the summaries are what `tcpdump -n -T vxlan` prints on
// the same interface at the same time, and the engine's packets written
// to a pcap read back in `tcpdump -n -T vxlan -r` as the same packets.
func TestVXLANCaptureOnTheUnderlay(t *testing.T) {
	needTools(t, "ip", "bridge", "ping", "tcpdump", "timeout", "sysctl")
	l := newLab(t)
	if o, e := typed(t, l, vxlanUnderlay); e != "" {
		t.Fatalf("building the underlay and the overlays:\n%s%s", o, e)
	}
	cp, err := capture.Start(capture.Point{NS: "NODE1", NSPath: l.NSPath("NODE1"), Iface: "eth0", Filter: "udp"}, capture.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer cp.Stop()
	// The same wire through a filter that looks inside: Calico's VNI
	// only, ICMP inside. It runs in Go, not in the kernel.
	inner, err := capture.Start(capture.Point{NS: "NODE1", NSPath: l.NSPath("NODE1"), Iface: "eth0", Filter: "vxlan 4096 and icmp"}, capture.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer inner.Stop()
	const want = 8 // two pings on each overlay: request and reply
	// tcpdump 4.99 has no vxlan keyword: the filter in its words.
	tf, err := capture.CompileFilter("vxlan 4096 and icmp")
	if err != nil {
		t.Fatal(err)
	}
	texpr, ok := tf.Tcpdump()
	if !ok {
		t.Fatal("no tcpdump form for vxlan 4096 and icmp")
	}
	o, e := typed(t, l, `d=$(mktemp -d)
timeout 20 ip netns exec NODE1 tcpdump -n -t -l -T vxlan -i eth0 -c 8 udp >$d/out 2>$d/err &
timeout 20 ip netns exec NODE1 tcpdump -n -t -l -T vxlan -i eth0 -c 4 '`+texpr+`' >$d/out2 2>$d/err2 &
for i in $(seq 100); do grep -q listening $d/err && grep -q listening $d/err2 && break; sleep 0.05; done
ip netns exec NODE1 ping -c 2 -i 0.2 -W 2 10.244.1.0 >/dev/null
ip netns exec NODE1 ping -c 2 -i 0.2 -W 2 10.245.1.1 >/dev/null
wait
cat $d/out; echo ==; cat $d/out2; cat $d/err $d/err2 >&2`)
	o, o2, _ := strings.Cut(o, "==\n")
	theirs := joinVXLANLines(o)
	if len(theirs) != want {
		t.Fatalf("tcpdump -T vxlan on NODE1/eth0 printed %d packets, want %d:\n%s\n%s", len(theirs), want, o, e)
	}
	if !waitFor(3*time.Second, func() bool { return cp.Len() >= want }) {
		t.Fatalf("the engine captured %d packets, want %d", cp.Len(), want)
	}
	pkts := cp.Packets()
	if len(pkts) != want {
		t.Fatalf("the engine captured %d packets, want %d", len(pkts), want)
	}
	for i, p := range pkts {
		if p.Summary != theirs[i] {
			t.Errorf("packet %d:\n engine:  %s\n tcpdump: %s", i+1, p.Summary, theirs[i])
		}
		d, err := capture.Decode(p.Data)
		if err != nil || !d.Has(layers.LayerTypeVXLAN) || d.Inner == nil || !d.Inner.Has(layers.LayerTypeICMPv4) {
			t.Errorf("packet %d not decoded as VXLAN carrying ICMP: %v", i+1, err)
			continue
		}
		vni, port := uint32(1), uint16(capture.PortVXLANLinux)
		if i >= 4 {
			vni, port = 4096, capture.PortVXLAN
		}
		if d.VXLAN.VNI != vni || uint16(d.UDP.DstPort) != port || p.Proto != "VXLAN" {
			t.Errorf("packet %d: vni %d port %d proto %s, want vni %d port %d", i+1, d.VXLAN.VNI, d.UDP.DstPort, p.Proto, vni, port)
		}
		tn, ok := capture.SplitVXLAN(p.Summary)
		if !ok || tn.VNI != vni || tn.Dport != port || !strings.HasPrefix(tn.Src, "192.168.10.10") {
			t.Errorf("packet %d: tunnel %+v", i+1, tn)
		}
		depth1 := 0
		for _, ly := range capture.Detail(p.Data) {
			if ly.Depth == 1 {
				depth1++
			}
		}
		if depth1 < 3 {
			t.Errorf("packet %d: the detail lists %d inner layers", i+1, depth1)
		}
	}
	t.Logf("first packet: %s", pkts[0].Summary)
	if !waitFor(3*time.Second, func() bool { return inner.Len() >= 4 }) || inner.Len() != 4 || inner.Stats().FilterInBPF {
		t.Errorf("\"vxlan 4096 and icmp\" kept %d packets (in BPF: %v), want Calico's 4 in Go", inner.Len(), inner.Stats().FilterInBPF)
	}
	theirs2 := joinVXLANLines(o2)
	for i, p := range inner.Packets() {
		if p.Summary != pkts[4+i].Summary {
			t.Errorf("\"vxlan 4096 and icmp\" packet %d: %s, want %s", i+1, p.Summary, pkts[4+i].Summary)
		}
		if i >= len(theirs2) || p.Summary != theirs2[i] {
			t.Errorf("\"vxlan 4096 and icmp\" packet %d: %s; tcpdump '%s' printed %q", i+1, p.Summary, texpr, theirs2)
		}
	}
	if !strings.Contains(pkts[0].Summary, "> 192.168.10.102.8472: VXLAN, flags [I] (0x08), vni 1: IP 10.244.0.0 > 10.244.1.0: ICMP echo request") {
		t.Errorf("first packet: %s", pkts[0].Summary)
	}
	// The pcap holds the frames as captured; tcpdump reads it back.
	var pcap bytes.Buffer
	if err := capture.WritePcap(&pcap, pkts); err != nil {
		t.Fatal(err)
	}
	cmd := l.Cmd(HostNS, "tcpdump", "-n", "-t", "-T", "vxlan", "-r", "-")
	cmd.Stdin = &pcap
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tcpdump -r: %v\n%s", err, stderr.String())
	}
	back := joinVXLANLines(string(out))
	if len(back) != want {
		t.Fatalf("tcpdump -T vxlan -r read %d packets, want %d:\n%s", len(back), want, out)
	}
	for i := range back {
		if back[i] != pkts[i].Summary {
			t.Errorf("pcap packet %d:\n engine:  %s\n tcpdump: %s", i+1, pkts[i].Summary, back[i])
		}
	}
}

// waitFor polls until cond holds or the timeout passes.
func waitFor(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if cond() {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return cond()
}

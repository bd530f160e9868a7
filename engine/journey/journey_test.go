package journey

import (
	"encoding/binary"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/nettutor/nettutor/engine"
	"github.com/nettutor/nettutor/engine/iptables"
)

// frame builds Ethernet + IPv4 + an 8-byte L4 header.
func frame(proto byte, src, dst string, l4 []byte) []byte {
	b := make([]byte, 14+20)
	copy(b[0:6], []byte{2, 0, 0, 0, 0, 2})
	copy(b[6:12], []byte{2, 0, 0, 0, 0, 1})
	binary.BigEndian.PutUint16(b[12:14], 0x0800)
	ip := b[14:]
	ip[0] = 0x45
	ip[9] = proto
	copy(ip[12:16], net.ParseIP(src).To4())
	copy(ip[16:20], net.ParseIP(dst).To4())
	return append(b, l4...)
}

func TestParseFrame(t *testing.T) {
	echo := []byte{8, 0, 0, 0, 0x12, 0x34, 0, 1}
	p := parseFrame(frame(1, "11.11.11.2", "203.0.113.2", echo))
	if p == nil || p.proto != 1 || p.icmpTyp != 8 || p.sport != 0x1234 || p.src != "11.11.11.2" || p.dst != "203.0.113.2" {
		t.Fatalf("echo: %+v", p)
	}
	if p.dstMAC != "02:00:00:00:00:02" {
		t.Errorf("dst mac %q", p.dstMAC)
	}
	tcp := make([]byte, 20)
	binary.BigEndian.PutUint16(tcp[0:2], 40000)
	binary.BigEndian.PutUint16(tcp[2:4], 8080)
	tcp[13] = 0x02
	q := parseFrame(frame(6, "203.0.113.2", "203.0.113.1", tcp))
	if q == nil || q.sport != 40000 || q.dport != 8080 || q.tcpFlag != 0x02 {
		t.Fatalf("tcp: %+v", q)
	}
	if q.tuple().reverse() != (tuple{6, "203.0.113.1", "203.0.113.2", 8080, 40000}) {
		t.Errorf("reverse %+v", q.tuple().reverse())
	}
	// An ICMP error quotes the echo it is about.
	inner := frame(1, "11.11.11.2", "11.11.11.9", echo)[14:]
	e := parseFrame(frame(1, "11.11.11.2", "11.11.11.2", append([]byte{3, 1, 0, 0, 0, 0, 0, 0}, inner...)))
	if e == nil || e.inner == nil || e.inner.dst != "11.11.11.9" || e.inner.sport != 0x1234 {
		t.Fatalf("icmp error: %+v", e)
	}
	if parseFrame([]byte{1, 2, 3}) != nil {
		t.Error("a runt frame decoded")
	}
}

func nsWith(t *testing.T, rules []string, policy map[string]string) *nsEnv {
	t.Helper()
	n := &nsEnv{name: "host", policy: policy, snap: &engine.Namespace{Name: "host"}}
	for _, l := range rules {
		r, err := iptables.Parse(strings.Fields(l))
		if err != nil {
			t.Fatalf("%s: %v", l, err)
		}
		n.rules = append(n.rules, r)
	}
	return n
}

func TestEvalChain(t *testing.T) {
	n := nsWith(t, []string{
		"-t nat -A POSTROUTING -s 11.11.11.0/24 ! -o br0 -j MASQUERADE",
		"-t filter -A FORWARD -o br0 -j DOCKER",
		"-t filter -A FORWARD -s 11.11.11.2 -d 203.0.113.0/24 -j DROP",
		"-t filter -A DOCKER -p tcp --dport 80 -j ACCEPT",
	}, map[string]string{"filter/FORWARD": "DROP"})
	out := pktView{proto: 1, src: "11.11.11.2", dst: "203.0.113.2", in: "br0", out: "uplink", state: "NEW"}
	if v, r, _ := evalChain(n, "nat", "POSTROUTING", out, 0); v != "snat" || !strings.Contains(r, "! -o br0") {
		t.Errorf("MASQUERADE out of uplink: %s %q", v, r)
	}
	bridged := out
	bridged.out = "br0"
	if v, _, hit := evalChain(n, "nat", "POSTROUTING", bridged, 0); hit || v != "accept" {
		t.Errorf("MASQUERADE matched a packet out of br0: %s", v)
	}
	if v, r, _ := evalChain(n, "filter", "FORWARD", out, 0); v != "drop" || r != "-A FORWARD -s 11.11.11.2/32 -d 203.0.113.0/24 -j DROP" {
		t.Errorf("FORWARD: %s %q", v, r)
	}
	web := pktView{proto: 6, src: "203.0.113.2", dst: "11.11.11.2", dp: 80, in: "uplink", out: "br0", state: "NEW"}
	if v, r, _ := evalChain(n, "filter", "FORWARD", web, 0); v != "accept" || !strings.Contains(r, "--dport 80") {
		t.Errorf("user chain: %s %q", v, r)
	}
	other := pktView{proto: 1, src: "203.0.113.2", dst: "11.11.11.3", in: "uplink", out: "br0", state: "NEW"}
	if v, r, _ := evalChain(n, "filter", "FORWARD", other, 0); v != "drop" || r != "-P FORWARD DROP" {
		t.Errorf("policy: %s %q", v, r)
	}
}

// TestUntie: hops stamped with one time come out in path order.
func TestUntie(t *testing.T) {
	host := &nsEnv{name: "host", snap: &engine.Namespace{Name: "host", Links: []engine.Link{
		{Name: "br0", Kind: "bridge"},
		{Name: "vRED", Kind: "veth", Master: "br0", Peer: &engine.PeerRef{NS: "RED", Name: "eth0"}},
		{Name: "uplink", Kind: "veth", Peer: &engine.PeerRef{NS: "OUTSIDE", Name: "eth0"}},
	}}}
	red := &nsEnv{name: "RED", snap: &engine.Namespace{Name: "RED", Links: []engine.Link{
		{Name: "eth0", Kind: "veth", Peer: &engine.PeerRef{NS: "host", Name: "vRED"}}}}}
	out := &nsEnv{name: "OUTSIDE", snap: &engine.Namespace{Name: "OUTSIDE", Links: []engine.Link{
		{Name: "eth0", Kind: "veth", Peer: &engine.PeerRef{NS: "host", Name: "uplink"}}}}}
	x := &explainer{e: &env{nss: []*nsEnv{host, red, out}}}
	now := time.Now()
	hs := []Hop{
		{NS: "host", Dev: "uplink", Dir: "out", t: now},
		{NS: "host", Dev: "br0", Dir: "in", t: now},
		{NS: "OUTSIDE", Dev: "eth0", Dir: "in", t: now.Add(-time.Microsecond)},
		{NS: "host", Dev: "vRED", Dir: "in", t: now},
		{NS: "RED", Dev: "eth0", Dir: "out", t: now.Add(time.Microsecond)},
	}
	x.untie(hs)
	var got []string
	for _, h := range hs {
		got = append(got, h.NS+"/"+h.Dev+"/"+h.Dir)
	}
	want := "RED/eth0/out host/vRED/in host/br0/in host/uplink/out OUTSIDE/eth0/in"
	if strings.Join(got, " ") != want {
		t.Errorf("order %v, want %s", got, want)
	}
}

// TestUntieHairpin: a pod that reaches itself through its Service sends
// the SYN out of eth0 and gets it back in on eth0. Whatever the stamps
// say, the leg begins where the probe left its sender, and the reply's
// where the answer left the pod.
func TestUntieHairpin(t *testing.T) {
	node := &nsEnv{name: "NODE1", snap: &engine.Namespace{Name: "NODE1", Links: []engine.Link{
		{Name: "cni0", Kind: "bridge"},
		{Name: "vethPOD-A", Kind: "veth", Master: "cni0", Peer: &engine.PeerRef{NS: "POD-A", Name: "eth0"}},
	}}}
	pod := &nsEnv{name: "POD-A", snap: &engine.Namespace{Name: "POD-A", Links: []engine.Link{
		{Name: "eth0", Kind: "veth", Peer: &engine.PeerRef{NS: "NODE1", Name: "vethPOD-A"}}}}}
	x := &explainer{e: &env{nss: []*nsEnv{node, pod}}, p: Probe{From: "POD-A", Proto: "tcp", Port: 80}}
	now := time.Now()
	sent := Hop{NS: "POD-A", Dev: "eth0", Dir: "out", Src: "10.244.0.2", Sport: 59545, Dst: "10.96.0.100", Dport: 80}
	back := Hop{NS: "POD-A", Dev: "eth0", Dir: "in", Src: "10.244.0.1", Sport: 30595, Dst: "10.244.0.2", Dport: 80}
	leg := func(a, b Hop) []Hop {
		return []Hop{
			withT(b, now.Add(-time.Millisecond)), // stamped before the SYN left: the cycle's earliest
			withT(Hop{NS: "NODE1", Dev: "cni0", Dir: "in"}, now),
			withT(Hop{NS: "NODE1", Dev: "vethPOD-A", Dir: "out"}, now),
			withT(Hop{NS: "NODE1", Dev: "vethPOD-A", Dir: "in"}, now),
			withT(a, now),
			withT(Hop{NS: "NODE1", Dev: "cni0", Dir: "out"}, now),
		}
	}
	want := "POD-A/eth0/out NODE1/vethPOD-A/in NODE1/cni0/in NODE1/cni0/out NODE1/vethPOD-A/out POD-A/eth0/in"
	t0 := tuple{proto: 6, src: "10.244.0.2", dst: "10.96.0.100", sp: 59545, dp: 80}
	req := leg(sent, back)
	x.untieFrom(req, x.requestOrigin(t0))
	if got := hopOrder(req); got != want {
		t.Errorf("request %s, want %s", got, want)
	}
	// Without the origin the stamps win, and the leg starts where it ends.
	bad := leg(sent, back)
	x.untie(bad)
	if hopOrder(bad) == want {
		t.Errorf("the test's stamps do not put the hairpin's in first: %s", hopOrder(bad))
	}
	answer := Hop{NS: "POD-A", Dev: "eth0", Dir: "out", Src: "10.244.0.2", Sport: 80, Dst: "10.244.0.1", Dport: 30595}
	unnat := Hop{NS: "POD-A", Dev: "eth0", Dir: "in", Src: "10.96.0.100", Sport: 80, Dst: "10.244.0.2", Dport: 59545}
	rep := leg(answer, unnat)
	x.untieFrom(rep, replyOrigin(req))
	if got := hopOrder(rep); got != want {
		t.Errorf("reply %s, want %s", got, want)
	}
}

func withT(h Hop, at time.Time) Hop { h.t = at; return h }

func hopOrder(hs []Hop) string {
	var s []string
	for _, h := range hs {
		s = append(s, h.NS+"/"+h.Dev+"/"+h.Dir)
	}
	return strings.Join(s, " ")
}

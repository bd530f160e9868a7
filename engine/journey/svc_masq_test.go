package journey

import (
	"strings"
	"testing"

	"github.com/nettutor/nettutor/engine"
)

// kubeMasqLine is kube-proxy's masquerade rule as the snapshot lists it.
const kubeMasqLine = `-t nat -A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully`

// nodePortSnap is the lab host on the underlay (192.168.10.1), NODE1
// (eth0 192.168.10.101, cni0 10.244.0.1) and its pod POD-A (10.244.0.2);
// rules are NODE1's.
func nodePortSnap(rules ...string) *engine.Snapshot {
	return &engine.Snapshot{Namespaces: []engine.Namespace{
		{Name: "host", Links: []engine.Link{
			{Name: "underlay", Kind: "bridge", MAC: "02:00:00:00:10:01", Addrs: []string{"192.168.10.1/24"}},
			{Name: "veth-node1", Kind: "veth", Master: "underlay", MAC: "02:00:00:00:10:02", Peer: &engine.PeerRef{NS: "NODE1", Name: "eth0"}},
		}},
		{Name: "NODE1", Rules: rules, Links: []engine.Link{
			{Name: "eth0", Kind: "veth", MAC: "02:00:00:00:11:01", Addrs: []string{"192.168.10.101/24"}, Peer: &engine.PeerRef{NS: "host", Name: "veth-node1"}},
			{Name: "cni0", Kind: "bridge", MAC: "02:00:00:00:11:02", Addrs: []string{"10.244.0.1/24"}},
			{Name: "veth-a", Kind: "veth", Master: "cni0", MAC: "02:00:00:00:11:03", Peer: &engine.PeerRef{NS: "POD-A", Name: "eth0"}},
		}},
		{Name: "POD-A", Links: []engine.Link{{Name: "eth0", Kind: "veth", MAC: "02:00:00:00:12:01", Addrs: []string{"10.244.0.2/24"}, Peer: &engine.PeerRef{NS: "NODE1", Name: "veth-a"}}}},
	}}
}

// nodePortObserved is the lab host's connection to NODE1's NodePort
// 30080 as captured at NODE1's eth0 and at its pod port veth-a, grouped
// into packets (kube-proxy's DNAT to POD-A:80 and masquerade to cni0's
// address between the two points): the SYN (its rewrite the source's, as
// rewriteBetween names it), the SYN-ACK back with both undone, the ACK.
func nodePortObserved() []Observed {
	hop := func(dev, dir, src string, sp int, dst string, dp int) ObservedHop {
		return ObservedHop{Hop: Hop{NS: "NODE1", Dev: dev, Dir: dir, Src: src, Sport: sp, Dst: dst, Dport: dp, Observed: true}}
	}
	pkt := func(a, b ObservedHop) Observed {
		b.Rewrite = rewriteBetween(a.Hop, b.Hop)
		return Observed{Proto: "TCP", Hops: []ObservedHop{a, b}}
	}
	obs := []Observed{
		pkt(hop("eth0", "in", "192.168.10.1", 5000, "192.168.10.101", 30080), hop("veth-a", "out", "10.244.0.1", 6000, "10.244.0.2", 80)),
		pkt(hop("veth-a", "in", "10.244.0.2", 80, "10.244.0.1", 6000), hop("eth0", "out", "192.168.10.101", 30080, "192.168.10.1", 5000)),
		pkt(hop("eth0", "in", "192.168.10.1", 5000, "192.168.10.101", 30080), hop("veth-a", "out", "10.244.0.1", 6000, "10.244.0.2", 80)),
	}
	markConntrack(obs)
	return obs
}

// TestObserveServiceMasquerade: a NodePort connection that kube-proxy's
// KUBE-POSTROUTING masquerades is labelled a masquerade, with the rule,
// in both languages, and its reply the masquerade (and the DNAT) undone,
// not a new source NAT; with a SNAT rule that gives that source, or
// without kube-proxy's rule, it stays a source NAT.
func TestObserveServiceMasquerade(t *testing.T) {
	obs := nodePortObserved()
	markServiceMasq(envFromSnapshot(nodePortSnap(kubeMasqLine)), obs)
	syn, synack, ack := obs[0].Hops[1], obs[1].Hops[1], obs[2].Hops[1]
	r := syn.Rewrite
	if r == nil || r.Kind != KindMasquerade || r.NS != "NODE1" || r.Rule != strings.TrimPrefix(kubeMasqLine, "-t nat ") || r.From != "192.168.10.1:5000" || r.To != "10.244.0.1:6000" {
		t.Fatalf("SYN's rewrite %+v, want NODE1's masquerade by kube-proxy's rule", r)
	}
	for _, c := range []struct{ lang, syn, synack, ack string }{
		{"en", "MASQUERADE (KUBE-POSTROUTING)", "reverse NAT (un-DNAT, MASQUERADE)", "as the first packet (MASQUERADE, KUBE-POSTROUTING)"},
		{"ko", "MASQUERADE(KUBE-POSTROUTING)", "역방향 NAT un-DNAT, MASQUERADE", "첫 패킷과 같은 MASQUERADE(KUBE-POSTROUTING)"},
	} {
		if got := syn.Rewrite.Label(c.lang, syn.Undo, syn.Again); got != c.syn {
			t.Errorf("%s SYN: %q, want %q", c.lang, got, c.syn)
		}
		if got := synack.Rewrite.Label(c.lang, synack.Undo, synack.Again); got != c.synack {
			t.Errorf("%s SYN-ACK: %q, want %q", c.lang, got, c.synack)
		}
		if got := ack.Rewrite.Label(c.lang, ack.Undo, ack.Again); got != c.ack {
			t.Errorf("%s ACK: %q, want %q", c.lang, got, c.ack)
		}
	}
	if !synack.Undo || synack.Rewrite.Rule == "" {
		t.Errorf("SYN-ACK: undo %v rule %q, want the masquerade undone", synack.Undo, synack.Rewrite.Rule)
	}

	snat := nodePortObserved()
	markServiceMasq(envFromSnapshot(nodePortSnap(kubeMasqLine, "-t nat -A POSTROUTING -s 192.168.10.0/24 -o cni0 -j SNAT --to-source 10.244.0.1")), snat)
	if r := snat[0].Hops[1].Rewrite; r.Kind != "snat" || r.Label("en", false, false) != "SNAT" {
		t.Errorf("with a SNAT rule to 10.244.0.1: %+v, want a source NAT", r)
	}
	plain := nodePortObserved()
	markServiceMasq(envFromSnapshot(nodePortSnap("-t nat -A POSTROUTING -s 192.168.10.0/24 -j MASQUERADE")), plain)
	if r := plain[0].Hops[1].Rewrite; r.Kind != "snat" || r.Rule != "" || plain[1].Hops[1].Rewrite.Label("en", plain[1].Hops[1].Undo, false) == "reverse NAT (un-DNAT, MASQUERADE)" {
		t.Errorf("without kube-proxy's rule: %+v, want the source NAT as before", r)
	}
}

// TestCompactNamesMasquerade: a replayed Service journey's hop that a
// masquerade left says MASQUERADE and kube-proxy's chain, in both
// languages, never SNAT.
func TestCompactNamesMasquerade(t *testing.T) {
	rule := strings.TrimPrefix(kubeMasqLine, "-t nat ")
	j := &Journey{From: "NODE1", To: "10.96.0.100", Proto: "tcp", Port: 80, Result: Replied, Hops: []Hop{
		{NS: "NODE1", Dev: "cni0", Dir: "out", Src: "10.244.0.1", Dst: "10.244.0.2", NAT: []Rewrite{
			{NS: "NODE1", Kind: "dnat", From: "10.96.0.100:80", To: "10.244.0.2:80"},
			{NS: "NODE1", Kind: KindMasquerade, From: "192.168.10.101", To: "10.244.0.1", Rule: rule}}},
		{NS: "POD-A", Dev: "eth0", Dir: "in", Src: "10.244.0.1", Dst: "10.244.0.2"},
	}}
	for lang, want := range map[string]string{"en": "MASQUERADE 192.168.10.101 → 10.244.0.1 (nat POSTROUTING → KUBE-POSTROUTING … -j MASQUERADE)",
		"ko": "MASQUERADE 192.168.10.101 → 10.244.0.1 (nat POSTROUTING → KUBE-POSTROUTING … -j MASQUERADE"} {
		text := strings.Join(j.Compact(lang), "\n")
		if !strings.Contains(text, want) || strings.Contains(text, "SNAT") {
			t.Errorf("%s:\n%s\nwant %q and no SNAT", lang, text, want)
		}
	}
}

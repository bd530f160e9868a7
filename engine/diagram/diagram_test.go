package diagram

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/nettutor/nettutor/engine"
	"github.com/nettutor/nettutor/engine/capture"
)

// odd is a snapshot whose names hold what could break a diagram: Hangul,
// '@', quotes, markup and a terminal escape.
func odd() *engine.Snapshot {
	return &engine.Snapshot{Namespaces: []engine.Namespace{
		{Name: "host", Links: []engine.Link{
			{Name: "br0", Kind: "bridge", State: "up", Addrs: []string{"11.11.11.1/24"}},
			{Name: "v@빨", Kind: "veth", State: "up", Master: "br0", Peer: &engine.PeerRef{NS: "빨강@lab", Name: "p#1"}},
			{Name: "gone", Kind: "veth", State: "down", Peer: &engine.PeerRef{NS: "elsewhere", Name: "x"}},
		}, Routes: []engine.Route{{Dst: "default", Gw: "203.0.113.2"}}, Sysctl: map[string]string{"net.ipv4.ip_forward": "1"}},
		{Name: "빨강@lab", Links: []engine.Link{
			{Name: "lo", Kind: "loopback", State: "down"},
			{Name: "p#1", Kind: "veth", State: "up", Addrs: []string{"11.11.11.2/24", "fe80::1/64"}, Peer: &engine.PeerRef{NS: "host", Name: "v@빨"}},
		}},
		{Name: "BLUE\"<&>;|`\x1b[31m", Links: nil},
	}}
}

var idLine = regexp.MustCompile(`^\s*(subgraph |class |classDef )?([A-Za-z0-9_,]+)`)

// TestMermaidIDsASCIIAndLabelsQuoted: every id is ASCII, every name is in a
// quoted label, escaped, and the veth pair and bridge port are edges.
func TestMermaidIDsASCIIAndLabelsQuoted(t *testing.T) {
	o := Options{Marks: Marks{Links: map[string]bool{"빨강@lab/p#1": true}, Namespaces: map[string]bool{"host": true}}, ChangedLabel: "★ 바뀜"}
	m := Mermaid(odd(), o)
	for _, l := range strings.Split(strings.TrimSpace(m), "\n")[1:] {
		l = strings.TrimSpace(l)
		if l == "end" || strings.HasPrefix(l, "classDef ") {
			continue
		}
		if !idLine.MatchString(l) {
			t.Errorf("line does not start with an ASCII id: %q", l)
		}
		// Outside quotes, only ASCII.
		outside := regexp.MustCompile(`"[^"]*"`).ReplaceAllString(l, "")
		for _, r := range outside {
			if r > 0x7e {
				t.Errorf("non-ASCII outside a quoted label: %q", l)
				break
			}
		}
	}
	for _, want := range []string{
		`subgraph ns1["빨강@lab"]`,
		`n0_1["v@빨<br/>veth · UP"]`,
		`n1_1["p#35;1<br/>veth · UP<br/>11.11.11.2/24<br/>★ 바뀜"]`,
		`subgraph ns2["BLUE#quot;#lt;#amp;#gt;#59;#124;#96;[31m"]`,
		`n0_1 -->|"port"| n0_0`,
		`n0_1 <-->|"veth pair"| n1_1`,
		`n0_0[["br0<br/>bridge · UP<br/>11.11.11.1/24"]]`,
		`subgraph ns0["host · ip_forward=1, default via 203.0.113.2 · ★ 바뀜"]`,
		`n0_2 <-->|"veth pair"| x0_0`,
		`x0_0["elsewhere/x<br/>(not visible)"]`,
		"class ns0,n1_1 changed",
		"class n0_2,n1_0 down",
	} {
		if !strings.Contains(m, want) {
			t.Errorf("mermaid lacks %q:\n%s", want, m)
		}
	}
	if strings.ContainsRune(m, 0x1b) {
		t.Error("a terminal escape reached the diagram")
	}
	if strings.Count(m, "veth pair") != 2 {
		t.Errorf("a veth pair drawn twice (once from each end):\n%s", m)
	}
	if strings.Contains(m, "fe80::1") {
		t.Error("link-local address drawn")
	}
	if strings.Contains(Mermaid(odd(), Options{NoLoopback: true}), `"lo<br/>`) {
		t.Error("NoLoopback drew lo")
	}
}

// TestDOTThroughGraphviz renders odd() with dot and finds every name.
func TestDOTThroughGraphviz(t *testing.T) {
	dot, err := exec.LookPath("dot")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("Graphviz dot not found: .ci/run installs graphviz")
		}
		t.Skip("Graphviz dot not found")
	}
	s := odd()
	src := DOT(s, Options{Marks: Marks{Links: map[string]bool{"host/br0": true}}})
	cmd := exec.Command(dot, "-Tsvg")
	cmd.Stdin = strings.NewReader(src)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("dot: %v\n%s\n%s", err, out, src)
	}
	svg := string(out)
	for _, name := range []string{"br0", "v@빨", "p#1", "빨강@lab", "BLUE&quot;&lt;&amp;&gt;;|`[31m", "elsewhere/x", "★ changed"} {
		if !strings.Contains(svg, name) {
			t.Errorf("SVG lacks %q", name)
		}
	}
}

// frame builds an Ethernet/IPv4/ICMP echo frame.
func frame(t *testing.T, src, dst string, ipid, icmpID, seq uint16, reply bool) []byte {
	t.Helper()
	typ := uint8(layers.ICMPv4TypeEchoRequest)
	if reply {
		typ = layers.ICMPv4TypeEchoReply
	}
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Id: ipid, Protocol: layers.IPProtocolICMPv4, SrcIP: net.ParseIP(src).To4(), DstIP: net.ParseIP(dst).To4()}
	icmp := &layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(typ, 0), Id: icmpID, Seq: seq}
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, icmp, gopacket.Payload(make([]byte, 56))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestRewritesFindMasquerade: the same echo request before and after
// MASQUERADE (source and echo id rewritten) gives one src rewrite, the
// reply one dst rewrite; an unrelated packet with the same IP id but
// another sequence number gives none.
func TestRewritesFindMasquerade(t *testing.T) {
	t0 := time.Unix(1000, 0)
	pk := func(point, src, dst string, ipid, id, seq uint16, reply bool, ms int) capture.Packet {
		d := frame(t, src, dst, ipid, id, seq, reply)
		what := "request"
		if reply {
			what = "reply"
		}
		return capture.Packet{Point: point, Data: d, Time: t0.Add(time.Duration(ms) * time.Millisecond), Len: len(d),
			Src: src, Dst: dst, Proto: "ICMP", Summary: fmt.Sprintf("IP %s > %s: ICMP echo %s, id %d, seq %d, length 64", src, dst, what, id, seq)}
	}
	pkts := []capture.Packet{
		pk("host/br0", "11.11.11.2", "203.0.113.2", 7, 100, 1, false, 0),
		pk("OUTSIDE/eth0", "203.0.113.1", "203.0.113.2", 7, 200, 1, false, 1),
		pk("OUTSIDE/eth0", "203.0.113.2", "203.0.113.1", 9, 200, 1, true, 2),
		pk("host/br0", "203.0.113.2", "11.11.11.2", 9, 100, 1, true, 3),
		pk("host/br0", "11.11.11.3", "203.0.113.2", 7, 100, 2, false, 4),
	}
	book := map[string]string{"11.11.11.2": "RED", "11.11.11.3": "BLUE", "203.0.113.1": "host", "203.0.113.2": "OUTSIDE"}
	l := capture.BuildLadder(pkts, book, "RED", "BLUE", "host", "OUTSIDE")
	rw := Rewrites(l, pkts)
	if len(rw) != 2 {
		t.Fatalf("%d rewrites, want 2: %+v", len(rw), rw)
	}
	if got, want := rw[0].Text(), "NAT src 11.11.11.2 id 100 → 203.0.113.1 id 200 (host/br0 → OUTSIDE/eth0)"; got != want {
		t.Errorf("rewrite 1: %q, want %q", got, want)
	}
	if got, want := rw[1].Text(), "NAT dst 203.0.113.1 id 200 → 11.11.11.2 id 100 (OUTSIDE/eth0 → host/br0)"; got != want {
		t.Errorf("rewrite 2: %q, want %q", got, want)
	}
	seq := Sequence(l, rw)
	for _, want := range []string{
		"participant p0 as RED", "participant p3 as OUTSIDE", "participant p1 as BLUE",
		"p0->>p3: ICMP echo request id 100 seq 1 · host/br0",
		"Note over p2,p3: NAT src 11.11.11.2 id 100 → 203.0.113.1 id 200 (host/br0 → OUTSIDE/eth0)",
		"Note over p0,p3: NAT dst",
	} {
		if !strings.Contains(seq, want) {
			t.Errorf("sequence lacks %q:\n%s", want, seq)
		}
	}
}

// TestSequenceBounded: a flood draws MaxArrows arrows and a note with the
// rest.
func TestSequenceBounded(t *testing.T) {
	l := capture.Ladder{Columns: []string{"a", "b"}}
	for i := 0; i < MaxArrows+25; i++ {
		l.Arrows = append(l.Arrows, capture.Arrow{From: 0, To: 1, Label: "x"})
	}
	s := Sequence(l, nil)
	if n := strings.Count(s, "p0->>p1"); n != MaxArrows {
		t.Errorf("%d arrows, want %d", n, MaxArrows)
	}
	if !strings.Contains(s, "… 25 more packets") {
		t.Errorf("no closing count:\n%s", s)
	}
}

// BenchmarkMermaid draws a four-namespace lab (the size of the nat lesson).
func BenchmarkMermaid(b *testing.B) {
	s := odd()
	s.Namespaces = append(s.Namespaces, s.Namespaces[1])
	for i := 0; i < b.N; i++ {
		_ = Mermaid(s, Options{})
	}
}

// BenchmarkDOT is BenchmarkMermaid for Graphviz.
func BenchmarkDOT(b *testing.B) {
	s := odd()
	s.Namespaces = append(s.Namespaces, s.Namespaces[1])
	for i := 0; i < b.N; i++ {
		_ = DOT(s, Options{})
	}
}

// TestDiagramWordsInKorean: the diagram's own words follow Options.Lang,
// kernel names do not.
func TestDiagramWordsInKorean(t *testing.T) {
	s := &engine.Snapshot{Namespaces: []engine.Namespace{
		{Name: "host", Links: []engine.Link{
			{Name: "br0", Kind: "bridge", State: "up"},
			{Name: "veth-red", Kind: "veth", State: "up", Master: "br0", Peer: &engine.PeerRef{NS: "RED", Name: "eth0"}},
		}, Rules: []string{"-t nat -A POSTROUTING -s 11.11.11.0/24 -j MASQUERADE"}},
		{Name: "RED", Links: []engine.Link{{Name: "eth0", Kind: "veth", State: "up", Peer: &engine.PeerRef{NS: "host", Name: "veth-red"}}}},
		{Name: "EMPTY"},
	}}
	for _, c := range []struct {
		lang      string
		want, not []string
	}{
		{"en", []string{"veth pair", "|\"port\"|", "1 rules", "(no links)"}, []string{"쌍"}},
		{"ko", []string{"veth 쌍", "|\"포트\"|", "규칙 1개", "(링크 없음)", "veth-red", "br0"}, []string{"veth pair", "rules", "(no links)"}},
	} {
		for name, out := range map[string]string{"mermaid": Mermaid(s, Options{Lang: c.lang}), "dot": DOT(s, Options{Lang: c.lang})} {
			for _, w := range c.want {
				if name == "dot" && strings.HasPrefix(w, "|") {
					continue
				}
				if !strings.Contains(out, w) {
					t.Errorf("%s %s: no %q in\n%s", c.lang, name, w, out)
				}
			}
			for _, w := range c.not {
				if strings.Contains(out, w) {
					t.Errorf("%s %s: %q left in\n%s", c.lang, name, w, out)
				}
			}
		}
	}
}

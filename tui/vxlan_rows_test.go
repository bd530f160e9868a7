package tui

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/nettutor/nettutor/engine/capture"
)

// vxlanEcho is POD-A's echo request (or POD-B's reply) to the other pod as
// flannel's VXLAN carries it on the underlay (VNI 1, UDP 8472).
func vxlanEcho(t *testing.T, reply bool) []byte {
	t.Helper()
	podA, podB := net.IP{10, 244, 0, 2}, net.IP{10, 244, 1, 2}
	n1, n2 := net.IP{192, 168, 10, 101}, net.IP{192, 168, 10, 102}
	m1, m2 := net.HardwareAddr{2, 0, 0, 0, 0, 1}, net.HardwareAddr{2, 0, 0, 0, 0, 2}
	typ := uint8(8)
	if reply {
		podA, podB, n1, n2, m1, m2, typ = podB, podA, n2, n1, m2, m1, 0
	}
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	ser := func(ls ...gopacket.SerializableLayer) []byte {
		buf := gopacket.NewSerializeBuffer()
		if err := gopacket.SerializeLayers(buf, opts, ls...); err != nil {
			t.Fatal(err)
		}
		return append([]byte(nil), buf.Bytes()...)
	}
	inner := ser(&layers.Ethernet{SrcMAC: m1, DstMAC: m2, EthernetType: layers.EthernetTypeIPv4},
		&layers.IPv4{Version: 4, IHL: 5, TTL: 63, Protocol: layers.IPProtocolICMPv4, SrcIP: podA, DstIP: podB},
		&layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(typ, 0), Id: 1, Seq: 1}, gopacket.Payload(make([]byte, 56)))
	outer := &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: n1, DstIP: n2}
	udp := &layers.UDP{SrcPort: 41234, DstPort: 8472}
	_ = udp.SetNetworkLayerForChecksum(outer)
	return ser(&layers.Ethernet{SrcMAC: m1, DstMAC: m2, EthernetType: layers.EthernetTypeIPv4},
		outer, udp, &layers.VXLAN{ValidIDFlag: true, VNI: 1}, gopacket.Payload(inner))
}

func vxlanPanePackets(t *testing.T) []Packet {
	base := fakePackets()[:1] // an ARP request
	t0 := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	out := append([]Packet{}, base...)
	for i, reply := range []bool{false, true} {
		data := vxlanEcho(t, reply)
		out = append(out, Packet{Seq: len(out) + 1, Time: t0.Add(time.Duration(i+1) * time.Millisecond), Point: "NODE1/eth0",
			Proto: "VXLAN", Summary: capture.Summary(data), Data: data, Len: len(data)})
	}
	return out
}

// TestVXLANPacketRows: at 80 columns a VXLAN packet's row is the packet it
// carries with the tunnel's tag under it, two lines whether selected or
// not (the selected one whole), and the pane's row count holds: what
// rowLines says a row takes is what the pane draws.
func TestVXLANPacketRows(t *testing.T) {
	for _, lang := range []string{"en", "ko"} {
		p := newPacketPane(NewCommon(lang))
		p.add(vxlanPanePackets(t), 0)
		const w = 80
		p.sel = 0
		lines := p.view(w, 12)
		text := ansi.Strip(strings.Join(lines, "\n"))
		for _, want := range []string{"IP 10.244.0.2 > 10.244.1.2: ICMP echo request", "IP 10.244.1.2 > 10.244.0.2: ICMP echo reply",
			"⊂ vxlan vni 1 192.168.10.101→192.168.10.102:8472", "⊂ vxlan vni 1 192.168.10.102→192.168.10.101:8472"} {
			if !strings.Contains(text, want) {
				t.Errorf("%s: the pane lacks %q:\n%s", lang, want, text)
			}
		}
		for _, l := range lines {
			if ansi.StringWidth(l) > w {
				t.Errorf("%s: line wider than %d: %q", lang, w, ansi.Strip(l))
			}
		}
		total := 0
		for i := range p.pkts.Len() {
			n := len(p.rowLines(i, w))
			if i > 0 && n != 2 {
				t.Errorf("%s: VXLAN row %d takes %d lines, want 2: %q", lang, i, n, p.rowLines(i, w))
			}
			total += n
		}
		if got := len(p.wrappedRows(total, w)); got != total {
			t.Errorf("%s: rows take %d lines, the pane drew %d", lang, total, got)
		}
		// Selected, the packet's whole summary shows, then the tag.
		p.sel = 1
		sel := p.rowLines(1, w)
		all := ansi.Strip(strings.Join(sel, "\n"))
		if !strings.Contains(all, "seq 1, length 64") || !strings.Contains(sel[len(sel)-1], "⊂ vxlan vni 1") {
			t.Errorf("%s: selected row:\n%s", lang, all)
		}
		if got := len(p.wrappedRows(len(sel)+2+2, w)); got != len(sel)+4 {
			t.Errorf("%s: with the selection, the pane drew %d lines, want %d", lang, got, len(sel)+4)
		}
		if l := ladderLabel(*p.pkts.At(1)); l != "vxlan vni 1: ICMP echo request" {
			t.Errorf("ladder label %q", l)
		}
	}
}

// TestVXLANDetailView: the detail view shows tcpdump -T vxlan's two lines
// (the inner one indented), says in words what the tunnel is, and lists
// the outer layers then the inner ones marked ⊂.
func TestVXLANDetailView(t *testing.T) {
	for lang, words := range map[string]string{
		"en": "inside VXLAN vni 1 from 192.168.10.101 to 192.168.10.102, UDP port 8472",
		"ko": "VXLAN vni 1에 담겨 192.168.10.101에서 192.168.10.102로, UDP 포트 8472",
	} {
		p := newPacketPane(NewCommon(lang))
		p.layers = func(pk Packet) []Layer { return CaptureLayers(pk.Data) }
		p.add(vxlanPanePackets(t), 0)
		p.sel, p.detail = 1, true
		text := ansi.Strip(strings.Join(p.view(100, 60), "\n"))
		for _, want := range []string{
			"#2 IP 192.168.10.101.41234 > 192.168.10.102.8472: VXLAN, flags [I] (0x08), vni 1",
			"  IP 10.244.0.2 > 10.244.1.2: ICMP echo request, id 1, seq 1, length 64",
			words,
			"$ ip netns exec NODE1 tcpdump -ni eth0 -T vxlan",
			"▸ Virtual eXtensible Local Area Network · VNI: 1",
			"▸ ⊂ Ethernet II",
			"▸ ⊂ Internet Protocol Version 4 · Src: 10.244.0.2, Dst: 10.244.1.2",
			"▸ ⊂ Internet Control Message Protocol",
		} {
			if !strings.Contains(text, want) {
				t.Errorf("%s: the detail lacks %q:\n%s", lang, want, text)
			}
		}
		if strings.Contains(text, "⊂ User Datagram") {
			t.Errorf("%s: the outer UDP is marked as inner:\n%s", lang, text)
		}
	}
}

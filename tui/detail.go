package tui

import (
	"fmt"
	"net"
	"strings"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// DecodeLayers is the packet detail the TUI falls back on when a session
// has none: the usual layers of a lesson's frames with their main fields.
func DecodeLayers(data []byte) []Layer {
	p := gopacket.NewPacket(data, layers.LayerTypeEthernet, gopacket.DecodeOptions{Lazy: true, NoCopy: true})
	var out []Layer
	for _, l := range p.Layers() {
		switch v := l.(type) {
		case *layers.Ethernet:
			out = append(out, Layer{Name: "Ethernet", Fields: []Field{
				{"src", v.SrcMAC.String()}, {"dst", v.DstMAC.String()}, {"type", v.EthernetType.String()}}})
		case *layers.ARP:
			op := "request"
			if v.Operation == layers.ARPReply {
				op = "reply"
			}
			out = append(out, Layer{Name: "ARP", Fields: []Field{
				{"op", op},
				{"sender", net.HardwareAddr(v.SourceHwAddress).String() + " " + net.IP(v.SourceProtAddress).String()},
				{"target", net.HardwareAddr(v.DstHwAddress).String() + " " + net.IP(v.DstProtAddress).String()}}})
		case *layers.IPv4:
			out = append(out, Layer{Name: "IPv4", Fields: []Field{
				{"src", v.SrcIP.String()}, {"dst", v.DstIP.String()}, {"ttl", fmt.Sprint(v.TTL)},
				{"proto", v.Protocol.String()}, {"id", fmt.Sprintf("0x%04x", v.Id)}, {"length", fmt.Sprint(v.Length)}}})
		case *layers.IPv6:
			out = append(out, Layer{Name: "IPv6", Fields: []Field{
				{"src", v.SrcIP.String()}, {"dst", v.DstIP.String()}, {"hop limit", fmt.Sprint(v.HopLimit)},
				{"next", v.NextHeader.String()}}})
		case *layers.ICMPv4:
			out = append(out, Layer{Name: "ICMPv4", Fields: []Field{
				{"type", v.TypeCode.String()}, {"id", fmt.Sprint(v.Id)}, {"seq", fmt.Sprint(v.Seq)}}})
		case *layers.ICMPv6:
			out = append(out, Layer{Name: "ICMPv6", Fields: []Field{{"type", v.TypeCode.String()}}})
		case *layers.TCP:
			var flags []string
			for _, f := range []struct {
				on   bool
				name string
			}{{v.SYN, "SYN"}, {v.ACK, "ACK"}, {v.FIN, "FIN"}, {v.RST, "RST"}, {v.PSH, "PSH"}} {
				if f.on {
					flags = append(flags, f.name)
				}
			}
			out = append(out, Layer{Name: "TCP", Fields: []Field{
				{"src port", fmt.Sprint(uint16(v.SrcPort))}, {"dst port", fmt.Sprint(uint16(v.DstPort))},
				{"flags", strings.Join(flags, ",")}, {"seq", fmt.Sprint(v.Seq)}, {"ack", fmt.Sprint(v.Ack)},
				{"window", fmt.Sprint(v.Window)}}})
		case *layers.UDP:
			out = append(out, Layer{Name: "UDP", Fields: []Field{
				{"src port", fmt.Sprint(uint16(v.SrcPort))}, {"dst port", fmt.Sprint(uint16(v.DstPort))},
				{"length", fmt.Sprint(v.Length)}}})
		case *gopacket.Payload:
			out = append(out, Layer{Name: "Payload", Fields: []Field{{"bytes", fmt.Sprint(len(*v))}}})
		}
	}
	return out
}

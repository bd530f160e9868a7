package capture

import (
	"strings"
	"testing"
	"time"
)

func frameByName(name string) []byte {
	for _, f := range testFrames() {
		if f.name == name {
			return f.data
		}
	}
	panic(name)
}

func TestDetailLayers(t *testing.T) {
	cases := []struct {
		frame  string
		layers []string
	}{
		{"arp-request", []string{"Ethernet", "ARP", "Data"}}, // padding to 60 bytes
		{"icmp-echo-request", []string{"Ethernet", "IPv4", "ICMP", "Data"}},
		{"tcp-syn", []string{"Ethernet", "IPv4", "TCP"}},
		{"tcp-rst", []string{"Ethernet", "IPv4", "TCP", "Padding"}},
		{"tcp-data", []string{"Ethernet", "IPv4", "TCP", "Data"}},
		{"dns-answer", []string{"Ethernet", "IPv4", "UDP", "DNS"}},
		{"icmp6-ns", []string{"Ethernet", "IPv6", "ICMPv6"}},
		{"vxlan", []string{"Ethernet", "IPv4", "UDP", "VXLAN", "Ethernet", "IPv4", "ICMP", "Data", "Padding"}},
		{"ip-gre", []string{"Ethernet", "IPv4", "Data", "Padding"}},
		{"ethertype-unknown", []string{"Ethernet", "Data"}},
	}
	for _, c := range cases {
		data := frameByName(c.frame)
		ls := Detail(data)
		var names []string
		for _, l := range ls {
			names = append(names, l.Short)
		}
		if strings.Join(names, ",") != strings.Join(c.layers, ",") {
			t.Errorf("%s: layers %v, want %v", c.frame, names, c.layers)
			continue
		}
		// Layers tile the frame: each starts where the previous ended.
		end := 0
		for _, l := range ls {
			if l.Offset != end || l.Length <= 0 {
				t.Errorf("%s: %s at %d+%d, want offset %d", c.frame, l.Short, l.Offset, l.Length, end)
			}
			end = l.Offset + l.Length
			for _, f := range l.Fields {
				if f.Length > 0 && (f.Offset < l.Offset || f.Offset+f.Length > l.Offset+l.Length) {
					t.Errorf("%s: field %s.%s [%d,%d) outside its layer", c.frame, l.Short, f.Name, f.Offset, f.Offset+f.Length)
				}
			}
		}
		if end != len(data) {
			t.Errorf("%s: layers cover %d of %d bytes", c.frame, end, len(data))
		}
	}
	ls := Detail(frameByName("icmp-echo-request"))
	want := map[string]string{"Source address": "11.11.11.2", "Destination address": "11.11.11.3", "Protocol": "ICMP (1)", "Time to live": "64"}
	for _, f := range ls[1].Fields {
		if w, ok := want[f.Name]; ok && f.Value != w {
			t.Errorf("IPv4 %s = %q, want %q", f.Name, f.Value, w)
		}
		if f.Name == "Source address" && (f.Offset != 26 || f.Length != 4) {
			t.Errorf("source address at %d+%d, want 26+4", f.Offset, f.Length)
		}
	}
	if ls[2].Fields[0].Value != "8 (echo request)" {
		t.Errorf("ICMP type: %q", ls[2].Fields[0].Value)
	}
}

func TestHexDump(t *testing.T) {
	data := frameByName("icmp-echo-request") // 98 bytes
	ip := Detail(data)[1]
	lines := HexDump(data, ip.Offset, ip.Offset+ip.Length) // bytes 14..34
	if len(lines) != 7 {
		t.Fatalf("%d lines, want 7", len(lines))
	}
	if lines[0].MarkStart != 14 || lines[0].MarkEnd != 16 || lines[1].MarkStart != 0 || lines[1].MarkEnd != 16 ||
		lines[2].MarkStart != 0 || lines[2].MarkEnd != 2 || lines[3].MarkEnd != lines[3].MarkStart {
		t.Errorf("marks: %+v %+v %+v %+v", lines[0], lines[1], lines[2], lines[3])
	}
	if lines[0].Hex[:23] != "02 00 00 00 00 03 02 00" || lines[0].Hex[HexCol(12):HexCol(14)-1] != "08 00" {
		t.Errorf("hex: %q", lines[0].Hex)
	}
	if lines[6].Offset != 96 || len(lines[6].Bytes) != 2 {
		t.Errorf("last line: %+v", lines[6])
	}
	s := lines[0].String()
	if !strings.HasPrefix(s, "0000  02 00") || !strings.Contains(s, "[45 00]") {
		t.Errorf("rendered: %q", s)
	}
	if a := lines[6].ASCII; a != "FG" {
		t.Errorf("ascii %q", a)
	}
}

func TestLadderNAT(t *testing.T) {
	// The same UDP flow before (RED's side) and after masquerade (outside).
	frames := testFrames()
	var in, out []byte
	for _, f := range frames {
		switch f.name {
		case "udp":
			in = f.data
		case "nat-udp":
			out = f.data
		}
	}
	base := time.Now()
	pkts := []Packet{
		{Seq: 1, Time: base, Point: "RED/veth0", Data: in, Len: len(in), Src: "11.11.11.2", Dst: "11.11.11.3", Summary: Summary(in)},
		{Seq: 1, Time: base.Add(time.Microsecond), Point: "host/out0", Data: out, Len: len(out), Src: "203.0.113.1", Dst: "203.0.113.2", Summary: Summary(out)},
	}
	hosts := map[string]string{"11.11.11.2": "RED", "11.11.11.3": "BLUE", "203.0.113.1": "host", "203.0.113.2": "OUTSIDE"}
	l := BuildLadder(pkts, hosts, "RED", "host", "OUTSIDE")
	if strings.Join(l.Columns, ",") != "RED,host,OUTSIDE,BLUE" {
		t.Errorf("columns %v", l.Columns)
	}
	if len(l.Arrows) != 2 || l.Arrows[0].From != 0 || l.Arrows[0].To != 3 || l.Arrows[1].From != 1 || l.Arrows[1].To != 2 {
		t.Errorf("arrows %+v", l.Arrows)
	}
	if l.Arrows[0].Label != "UDP 40000>5000" {
		t.Errorf("label %q", l.Arrows[0].Label)
	}
	txt := RenderLadder(l, 80)
	lines := strings.Split(strings.TrimRight(txt, "\n"), "\n")
	if len(lines) != 4 {
		t.Fatalf("render:\n%s", txt)
	}
	for _, ln := range lines {
		if len([]rune(ln)) > 80 {
			t.Errorf("line wider than 80: %q", ln)
		}
	}
	if !strings.Contains(lines[0], "RED") || !strings.Contains(lines[0], "OUTSIDE") ||
		!strings.Contains(lines[2], "UDP 40000>5000") || !strings.Contains(lines[2], "->|") || !strings.Contains(lines[3], "@host/out0") {
		t.Errorf("render:\n%s", txt)
	}
	t.Logf("\n%s", txt)
	if s := RenderLadder(Ladder{}, 40); s != "(no packets)\n" {
		t.Errorf("empty: %q", s)
	}
	_ = RenderLadder(l, 5) // too narrow: must not panic
}

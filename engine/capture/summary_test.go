package capture

import (
	"os"

	"github.com/gopacket/gopacket/layers"
	"testing"
	"time"
)

func framesAsPackets(frames []namedFrame) []Packet {
	base := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	sum := NewSummarizer()
	dec := NewDecoder()
	var pkts []Packet
	for i, f := range frames {
		d, _ := dec.Decode(f.data)
		src, dst, proto := endpoints(d, newAddrCache())
		pkts = append(pkts, Packet{Seq: uint64(i + 1), Time: base.Add(time.Duration(i) * time.Millisecond), Point: "lab/test",
			Data: f.data, Len: len(f.data), Summary: string(sum.Append(nil, d, len(f.data))), Src: src, Dst: dst, Proto: proto})
	}
	return pkts
}

// TestSummaryMatchesTcpdumpSynthetic holds every summary of the synthetic
// frame table to tcpdump's own line for the same frame.
func TestSummaryMatchesTcpdumpSynthetic(t *testing.T) {
	frames := testFrames()
	pkts := framesAsPackets(frames)
	// Cut at snaplen 64 (wire length kept), and a packet whose IP header
	// claims more than the wire carried.
	echo := frameByName("icmp-echo-request")
	syn := frameByName("tcp-syn")
	for _, c := range []struct {
		name string
		data []byte
		wire int
	}{{"echo-snap64", echo[:64], len(echo)}, {"echo-short-wire", echo[:64], 64}, {"syn-snap40", syn[:40], len(syn)}} {
		d, _ := Decode(c.data)
		frames = append(frames, namedFrame{c.name, c.data})
		pkts = append(pkts, Packet{Time: pkts[len(pkts)-1].Time.Add(time.Millisecond), Data: c.data, Len: c.wire,
			Summary: string(NewSummarizer().Append(nil, d, c.wire))})
	}
	file := writeTemp(t, "synthetic.pcap", func(f *os.File) error { return WritePcap(f, pkts) })
	lines := tcpdumpLines(t, file)
	if len(lines) != len(pkts) {
		t.Fatalf("tcpdump read %d packets, we wrote %d:\n%q", len(lines), len(pkts), lines)
	}
	for i, p := range pkts {
		if p.Summary != lines[i] {
			t.Errorf("%s:\n ours:    %s\n tcpdump: %s", frames[i].name, p.Summary, lines[i])
		}
	}
}

func TestSummaryExamples(t *testing.T) {
	want := map[string]string{
		"arp-request":       "ARP, Request who-has 11.11.11.3 tell 11.11.11.2, length 46",
		"arp-reply":         "ARP, Reply 11.11.11.3 is-at 02:00:00:00:00:03, length 46",
		"icmp-echo-request": "IP 11.11.11.2 > 11.11.11.3: ICMP echo request, id 7, seq 1, length 64",
		"udp":               "IP 11.11.11.2.40000 > 11.11.11.3.5000: UDP, length 10",
		"dns-query":         "IP 11.11.11.2.40001 > 11.11.11.3.53: 4660+ A? red.lab. (25)",
	}
	for _, f := range testFrames() {
		if w, ok := want[f.name]; ok {
			if got := Summary(f.data); got != w {
				t.Errorf("%s: got %q, want %q", f.name, got, w)
			}
		}
	}
}

// TestDecodeSummaryAllocs: decoding and summarising into a reused buffer
// allocates nothing in steady state.
func TestDecodeSummaryAllocs(t *testing.T) {
	frames := testFrames()
	dec := NewDecoder()
	sum := NewSummarizer()
	buf := make([]byte, 0, 1024)
	// gopacket allocates each IPv6 hop-by-hop option it decodes (MLD
	// reports carry one); every other frame must cost nothing.
	var plain []namedFrame
	for _, f := range frames {
		if d, _ := Decode(f.data); !d.Has(layers.LayerTypeIPv6) || d.IP6.HopByHop == nil {
			plain = append(plain, f)
		}
	}
	frames = plain
	allocs := testing.AllocsPerRun(200, func() {
		for _, f := range frames {
			d, _ := dec.Decode(f.data)
			buf = sum.Append(buf[:0], d, len(f.data))
		}
	})
	if allocs != 0 {
		for _, f := range frames {
			a := testing.AllocsPerRun(50, func() {
				d, _ := dec.Decode(f.data)
				buf = sum.Append(buf[:0], d, len(f.data))
			})
			if a != 0 {
				t.Errorf("%s: %.1f allocations per decode+summary", f.name, a)
			}
		}
		t.Fatalf("%.1f allocations per pass over %d frames, want 0", allocs, len(frames))
	}
}

func TestDecodeErrors(t *testing.T) {
	if _, err := Decode([]byte{1, 2, 3}); err == nil {
		t.Error("3-byte frame decoded without error")
	}
	f := testFrames()[3].data // ICMP echo
	d, err := Decode(f[:30])  // cut inside the IPv4 header
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Layers) != 1 || d.Err == nil {
		t.Errorf("truncated IPv4: layers %v, err %v", d.Layers, d.Err)
	}
	_ = Summary(f[:30]) // must not panic
	for n := 0; n <= len(f); n++ {
		_ = Summary(f[:n])
		_ = Detail(f[:n])
	}
}

// BenchmarkDecode decodes and summarises a mix of realistic frames.
func BenchmarkDecode(b *testing.B) {
	frames := testFrames()
	dec := NewDecoder()
	sum := NewSummarizer()
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f := frames[i%len(frames)].data
		d, _ := dec.Decode(f)
		buf = sum.Append(buf[:0], d, len(f))
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pkts/s")
}

// BenchmarkDecodeOnly is the decoder without the summary.
func BenchmarkDecodeOnly(b *testing.B) {
	frames := testFrames()
	dec := NewDecoder()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_, _ = dec.Decode(frames[i%len(frames)].data)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pkts/s")
}

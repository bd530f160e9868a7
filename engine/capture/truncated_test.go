package capture

import (
	"os"
	"strings"
	"testing"
	"time"
)

// TestSummaryTruncatedMatchesTcpdump cuts every synthetic frame at several
// snapshot lengths (keeping the wire length) and compares with tcpdump.
// Known difference: a TCP header cut inside its options.
func TestSummaryTruncatedMatchesTcpdump(t *testing.T) {
	var pkts []Packet
	var names []string
	base := time.Now()
	for _, f := range testFrames() {
		for _, n := range []int{16, 30, 36, 40, 50, 60} {
			if n >= len(f.data) {
				continue
			}
			d, _ := Decode(f.data[:n])
			pkts = append(pkts, Packet{Time: base, Data: f.data[:n], Len: len(f.data), Summary: string(NewSummarizer().Append(nil, d, len(f.data)))})
			names = append(names, f.name+"/"+itoa(n))
		}
	}
	file := writeTemp(t, "cuts.pcap", func(f *os.File) error { return WritePcap(f, pkts) })
	lines := tcpdumpLines(t, file)
	if len(lines) != len(pkts) {
		t.Fatalf("tcpdump read %d packets, we wrote %d", len(lines), len(pkts))
	}
	for i, p := range pkts {
		// Known differences: tcpdump prints what it has of a TCP header
		// cut inside its options, of an IPv4 header cut inside its options
		// and of an IPv6 hop-by-hop header; we print only the marker.
		if strings.Contains(lines[i], "[|tcp]") && strings.Contains(lines[i], "options [") ||
			strings.Contains(lines[i], "remaining caplen") || strings.Contains(lines[i], "[|hbhopt]") {
			continue
		}
		if p.Summary != lines[i] {
			t.Errorf("%s:\n ours:    %s\n tcpdump: %s", names[i], p.Summary, lines[i])
		}
	}
}

package capture

import (
	"fmt"
	"io"
	"sort"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// ExportSnaplen is the snapshot length written in file headers.
const ExportSnaplen = 262144

func captureInfo(p *Packet) gopacket.CaptureInfo {
	l := p.Len
	if l < len(p.Data) {
		l = len(p.Data)
	}
	return gopacket.CaptureInfo{Timestamp: p.Time, CaptureLength: len(p.Data), Length: l}
}

// SortByTime sorts packets by capture time; packets with equal times keep
// their order (stable), so one point's packets never swap.
func SortByTime(pkts []Packet) {
	sort.SliceStable(pkts, func(i, j int) bool { return pkts[i].Time.Before(pkts[j].Time) })
}

// ByPoint returns the packets of one capture point, in their order.
func ByPoint(pkts []Packet, point string) []Packet {
	var out []Packet
	for _, p := range pkts {
		if p.Point == point {
			out = append(out, p)
		}
	}
	return out
}

// WritePcap writes packets as a classic pcap file (Ethernet, microsecond
// timestamps) in the order given. For one file per capture point, pass
// ByPoint(pkts, point).
func WritePcap(w io.Writer, pkts []Packet) error {
	pw := pcapgo.NewWriter(w)
	if err := pw.WriteFileHeader(ExportSnaplen, layers.LinkTypeEthernet); err != nil {
		return err
	}
	for i := range pkts {
		if err := pw.WritePacket(captureInfo(&pkts[i]), pkts[i].Data); err != nil {
			return fmt.Errorf("write packet %d: %w", i, err)
		}
	}
	return nil
}

// WritePcapNG writes packets as one pcapng file with an interface block per
// capture point (named after it, e.g. "BLUE/veth1"), packets merged in time
// order. points fixes the interface order; points met in pkts but missing
// from it are added after, in order of first appearance.
func WritePcapNG(w io.Writer, points []string, pkts []Packet) error {
	index := map[string]int{}
	var names []string
	add := func(p string) {
		if _, ok := index[p]; !ok {
			index[p] = len(names)
			names = append(names, p)
		}
	}
	for _, p := range points {
		add(p)
	}
	for i := range pkts {
		add(pkts[i].Point)
	}
	if len(names) == 0 {
		names = []string{"none"}
	}
	intf := func(name string) pcapgo.NgInterface {
		return pcapgo.NgInterface{Name: name, LinkType: layers.LinkTypeEthernet, SnapLength: ExportSnaplen,
			TimestampResolution: 9, Description: "nettutor capture point " + name}
	}
	nw, err := pcapgo.NewNgWriterInterface(w, intf(names[0]), pcapgo.NgWriterOptions{
		SectionInfo: pcapgo.NgSectionInfo{Application: "nettutor"}})
	if err != nil {
		return err
	}
	for _, n := range names[1:] {
		if _, err := nw.AddInterface(intf(n)); err != nil {
			return err
		}
	}
	sorted := append([]Packet(nil), pkts...)
	SortByTime(sorted)
	for i := range sorted {
		ci := captureInfo(&sorted[i])
		ci.InterfaceIndex = index[sorted[i].Point]
		if err := nw.WritePacket(ci, sorted[i].Data); err != nil {
			return fmt.Errorf("write packet %d: %w", i, err)
		}
	}
	return nw.Flush()
}

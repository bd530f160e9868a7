package tui

import (
	"testing"
	"time"
)

// BenchmarkFloodView is the model's own share of a flood frame, without
// a program, a renderer or the packets' transport: one iteration takes a
// batch of 1000 packets (50 ms of BenchmarkRenderFlood's 20 000 a
// second) through Update and draws the screen (Model.Render), the veth
// lesson open at 120x40. cpu-ms/frame is the process's CPU time (user
// and system) per iteration, which a loaded machine inflates less than
// the wall time ns/op; held is the list's length at the end.
func BenchmarkFloodView(b *testing.B) {
	d := openLesson(b, "en", "veth", 120, 40, 4)
	m := d.root()
	base := fakePackets()[2]
	gen := m.lesson.pgen
	ch := make(chan Packet)
	const batch = 1000
	seq := 0
	next := func() []Packet {
		pkts := make([]Packet, batch)
		for i := range pkts {
			seq++
			pkts[i] = base
			pkts[i].Seq = seq
			pkts[i].Time = t0.Add(time.Duration(seq) * 50 * time.Microsecond)
		}
		return pkts
	}
	m.Update(packetsMsg{gen: gen, pkts: next(), ch: ch})
	_ = m.Render()
	b.ReportAllocs()
	cpu0 := renderCPU()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		pkts := next()
		m.Update(packetsMsg{gen: gen, pkts: pkts, ch: ch})
		if m.Render() == "" {
			b.Fatal("no frame")
		}
	}
	b.StopTimer()
	b.ReportMetric(float64((renderCPU()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/frame")
	b.ReportMetric(float64(m.lesson.pk.pkts.Len()), "held")
}

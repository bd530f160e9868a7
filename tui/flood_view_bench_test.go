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

// BenchmarkFloodSource is BenchmarkRenderFlood without the model and the
// screen: the same 20 000 packets a second from a 1 ms ticker, through
// the same batching (waitPackets), each batch dropped. Its CPU per batch
// is what the flood's source and transport cost in that benchmark (the
// real capture has its own); BenchmarkRenderFlood's cpu-ms/frame less
// this is the frame's own.
func BenchmarkFloodSource(b *testing.B) {
	const perMs, secs = 20, 1
	total := b.N * secs * 1000 * perMs
	base := fakePackets()[2]
	ch := make(chan Packet, packetBuffer)
	batches := make(chan int, 1)
	go func() {
		cmd := waitPackets(1, ch, nil)
		n := 0
		for {
			msg := cmd().(packetsMsg)
			if msg.done {
				batches <- n
				return
			}
			n++
		}
	}()
	cpu0 := renderCPU()
	b.ResetTimer()
	tick := time.NewTicker(time.Millisecond)
	for seq := 0; seq < total; {
		<-tick.C
		for j := 0; j < perMs && seq < total; j++ {
			seq++
			pk := base
			pk.Seq = seq
			ch <- pk
		}
	}
	tick.Stop()
	close(ch)
	n := <-batches
	b.StopTimer()
	b.ReportMetric(float64((renderCPU()-cpu0).Microseconds())/1000/float64(max(n, 1)), "cpu-ms/frame")
	b.ReportMetric(float64(n)/float64(b.N*secs), "frames/s")
}

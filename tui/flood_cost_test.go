package tui

import (
	"testing"
	"time"
)

// styled must give what the protocol's style renders, for either
// background, and keep giving it when the styles change.
func TestStyledIsRender(t *testing.T) {
	texts := []string{
		"IP 10.0.0.1 > 10.0.0.2: ICMP echo request, id 1, seq 1, length 64",
		" leading and trailing ", "a  b", "한국어 문장", "ARP, Request who-has 10.0.0.2 tell 10.0.0.1", "X",
		"two\nlines", "tab\there", "",
	}
	p := newPacketPane(NewCommon("en"))
	for _, dark := range []bool{true, false, true} {
		p.c.Styles = NewStyles(dark)
		for _, proto := range []string{"ARP", "ICMP", "ICMP6", "TCP", "UDP", "DNS", "IGMP", ""} {
			for _, s := range texts {
				if got, want := p.rows.styled(&p, proto, s), p.protoStyle(proto).Render(s); got != want {
					t.Errorf("dark %v %s %q: styled %q, Render %q", dark, proto, s, got, want)
				}
			}
		}
	}
}

// The packet store keeps the newest packets in order across chunk
// boundaries as the oldest go, and lets go of what it drops.
func TestPacketStoreOrder(t *testing.T) {
	var s pktStore
	seq := 0
	add := func(n int) {
		b := make([]Packet, n)
		for i := range b {
			seq++
			b[i] = Packet{Seq: seq, Data: []byte{1}}
		}
		s.Append(b)
	}
	check := func(what string) {
		t.Helper()
		for i := 0; i < s.Len(); i++ {
			if got, want := s.At(i).Seq, seq-s.Len()+1+i; got != want {
				t.Fatalf("%s: packet %d of %d is #%d, want #%d", what, i, s.Len(), got, want)
			}
		}
	}
	add(pktChunk - 3)
	add(7) // across a boundary
	check("after two batches")
	s.DropFront(pktChunk + 1) // the whole first chunk and one more
	if s.Len() != 3 {
		t.Fatalf("len %d after dropping, want 3", s.Len())
	}
	check("after a drop")
	dropped := s.spare
	if dropped == nil {
		t.Fatal("the emptied chunk was not kept for reuse")
	}
	for i := range dropped {
		if dropped[i].Data != nil {
			t.Fatalf("a dropped slot (%d) still holds its frame", i)
		}
	}
	for range 5 {
		add(3*pktChunk + 11)
		s.DropFront(2*pktChunk + 5)
		check("in a flood")
	}
	s.DropFront(s.Len())
	if s.Len() != 0 || len(s.chunks) != 0 {
		t.Fatalf("len %d, %d chunks after dropping all", s.Len(), len(s.chunks))
	}
	add(2)
	check("after emptying")
}

// A flood's batches are handed on while it flows (the batcher sleeps out
// its window, it does not wait for a pause: a stream that never pauses
// would hang this test), each within maxBatch, and every packet arrives
// once and in order. How long a frame lags the newest packet is measured
// by BenchmarkRenderFlood (lag-ms, max-lag-ms), not asserted here.
func TestFloodBatchesWhileItFlows(t *testing.T) {
	ch := make(chan Packet, packetBuffer)
	stop := make(chan struct{})
	sent := make(chan int, 1)
	go func() {
		seq := 0
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				sent <- seq
				return
			case <-tick.C:
				for range 20 {
					seq++
					ch <- Packet{Seq: seq}
				}
			}
		}
	}()
	cmd := waitPackets(1, ch, nil)
	next, batches := 1, 0
	for batches < 5 {
		msg := cmd().(packetsMsg)
		if len(msg.pkts) == 0 || len(msg.pkts) > maxBatch {
			t.Fatalf("a batch of %d packets", len(msg.pkts))
		}
		for _, pk := range msg.pkts {
			if pk.Seq != next {
				t.Fatalf("packet #%d where #%d was next", pk.Seq, next)
			}
			next++
		}
		batches++
	}
	close(stop)
	if total := <-sent; next-1 > total {
		t.Fatalf("%d packets taken, %d sent", next-1, total)
	}
}

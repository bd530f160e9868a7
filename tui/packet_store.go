package tui

// pktChunk is how many packets one chunk of a pktStore holds (a power of
// two, so an index splits with a shift and a mask).
const (
	pktChunkShift = 10
	pktChunk      = 1 << pktChunkShift
)

// pktStore is the packets pane's list: packets in fixed chunks, the oldest
// let go from the front and the newest added at the back.
//
// A slice would copy every held packet whenever it grows or, once the
// oldest are sliced off, whenever its slack at the back runs out: under a
// flood at the pane's limit (100 000 packets of 152 bytes) that is 15 MB
// copied into a fresh allocation every second or so, with the page faults
// and the garbage it brings. Here adding a batch copies only the batch,
// letting packets go clears only their slots, and a chunk emptied at the
// front is kept for the next one needed at the back.
type pktStore struct {
	chunks []*[pktChunk]Packet
	head   int // index of the first packet in chunks[0]
	n      int
	spare  *[pktChunk]Packet // an emptied chunk kept for reuse
}

// Len is the number of packets held.
func (s *pktStore) Len() int { return s.n }

// At is packet i (0 is the oldest held); the pointer is valid until the
// packet is let go.
func (s *pktStore) At(i int) *Packet {
	if i < 0 || i >= s.n {
		panic("pktStore: index out of range")
	}
	j := s.head + i
	return &s.chunks[j>>pktChunkShift][j&(pktChunk-1)]
}

// Append adds pkts at the back (copied).
func (s *pktStore) Append(pkts []Packet) {
	for len(pkts) > 0 {
		end := s.head + s.n
		slot := end & (pktChunk - 1)
		if end>>pktChunkShift >= len(s.chunks) {
			c := s.spare
			s.spare = nil
			if c == nil {
				c = new([pktChunk]Packet)
			}
			s.chunks = append(s.chunks, c)
		}
		k := copy(s.chunks[end>>pktChunkShift][slot:], pkts)
		s.n += k
		pkts = pkts[k:]
	}
}

// DropFront lets the oldest k packets go: their slots are cleared, so
// their frames and strings are the collector's at once.
func (s *pktStore) DropFront(k int) {
	k = min(k, s.n)
	for k > 0 {
		c := s.chunks[0]
		m := min(k, pktChunk-s.head)
		clear(c[s.head : s.head+m])
		s.head += m
		s.n -= m
		k -= m
		if s.head == pktChunk || s.n == 0 {
			// The first chunk is empty: keep it for the back.
			s.chunks[0] = nil
			s.chunks = s.chunks[1:]
			s.head = 0
			s.spare = c
		}
	}
	if s.n == 0 {
		s.chunks, s.head = s.chunks[:0], 0
	}
}

// Reset lets every packet go.
func (s *pktStore) Reset() { *s = pktStore{} }

package capture

import (
	"fmt"
	"sync"
)

// What one session's captures may hold in its own process. A capture
// point's kernel ring (TPACKET_V3) is mapped into the process that reads it:
// before the budget, every link an exercise shell made got a 4 MiB ring in
// the TUI's process and every frame up to 256 KiB was kept, so a learner's
// shell could grow the TUI (and, under serve, the server's cgroup) without
// bound.
const (
	// DefaultMaxPoints is how many capture points may be open at once.
	DefaultMaxPoints = 32
	// DefaultPointRing is the kernel ring of a lesson's own capture point:
	// what it was before the budget, so a lesson keeps every packet.
	DefaultPointRing = DefaultRcvBuf
	// DefaultShellRing is the kernel ring of a point on a link found in a
	// lab shell: a learner's commands, read as they come; a flood beyond
	// it is counted as dropped by the kernel, as tcpdump counts it.
	DefaultShellRing = 1 << 20
	// DefaultMaxRingBytes bounds the kernel rings of every open point.
	DefaultMaxRingBytes = 64 << 20
	// DefaultMaxStoredBytes bounds the frame bytes a session keeps: the
	// newest are kept, the oldest let go.
	DefaultMaxStoredBytes = 32 << 20
	// DefaultMaxStoredPackets bounds the packets a session keeps.
	DefaultMaxStoredPackets = 100_000
)

// Budget is one session's capture budget: the number of points open at
// once and the bytes of their kernel rings (checked by Start when
// Options.Budget is set), and the frame bytes and packets kept (checked by
// whoever keeps them, who reports what it let go with Evicted). It also
// counts what a cap kept out, for the packets pane. Safe for concurrent use.
type Budget struct {
	MaxPoints        int   // points open at once
	PointRing        int   // kernel ring of a lesson's point, bytes
	ShellRing        int   // kernel ring of a point on a link found in a shell, bytes
	MaxRingBytes     int   // kernel rings of all open points, bytes
	MaxStoredBytes   int64 // frame bytes kept
	MaxStoredPackets int   // packets kept

	mu             sync.Mutex
	points         int
	ringBytes      int
	peakPoints     int
	peakRingBytes  int
	uncaptured     int
	shells         uint64
	evictedPackets uint64
	evictedBytes   uint64
}

// NewBudget returns a budget with the default limits.
func NewBudget() *Budget {
	return &Budget{MaxPoints: DefaultMaxPoints, PointRing: DefaultPointRing, ShellRing: DefaultShellRing,
		MaxRingBytes: DefaultMaxRingBytes, MaxStoredBytes: DefaultMaxStoredBytes, MaxStoredPackets: DefaultMaxStoredPackets}
}

// PointOptions are the options of a lesson's capture point under b.
func (b *Budget) PointOptions() Options { return b.options(b.PointRing) }

// ShellOptions are the options of a point on a link found in a lab shell:
// its frames are cut at ShellSnaplen, so that its small ring has blocks
// enough for the kernel to fill one while the reader walks another.
func (b *Budget) ShellOptions() Options {
	o := b.options(b.ShellRing)
	o.Snaplen, o.StreamBuffer = ShellSnaplen, 256
	return o
}

// ShellSnaplen is the snap length of a shell's point: a whole 64 KiB IP
// packet (a GSO segment) with its link-layer header.
const ShellSnaplen = 65536 + 1024

func (b *Budget) options(ring int) Options {
	// The readers of a budgeted point (lessons, the shell) take packets
	// from Updates and keep them in the session's store, under the stored
	// bytes budget; the point's own ring would hold the same frames a
	// second time, out of that budget, so it keeps only the newest.
	return Options{RcvBuf: ring, RingSize: 1, Budget: b}
}

// BudgetError is a capture point the budget refused.
type BudgetError struct {
	Point     string
	Ring      int // the ring it asked for, bytes
	Points    int // points open
	MaxPoints int
	RingBytes int // ring bytes open
	MaxRing   int
}

// Error says which limit the point would cross.
func (e *BudgetError) Error() string {
	if e.Points >= e.MaxPoints {
		return fmt.Sprintf("capture %s: capture budget: %d points open (limit %d)", e.Point, e.Points, e.MaxPoints)
	}
	return fmt.Sprintf("capture %s: capture budget: %s of rings open, %s more would pass %s",
		e.Point, FormatBytes(int64(e.RingBytes)), FormatBytes(int64(e.Ring)), FormatBytes(int64(e.MaxRing)))
}

// acquire takes a point with a ring of ring bytes, or refuses it.
func (b *Budget) acquire(point string, ring int) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.points+1 > b.MaxPoints || b.ringBytes+ring > b.MaxRingBytes {
		return &BudgetError{Point: point, Ring: ring, Points: b.points, MaxPoints: b.MaxPoints,
			RingBytes: b.ringBytes, MaxRing: b.MaxRingBytes}
	}
	b.points++
	b.ringBytes += ring
	b.peakPoints = max(b.peakPoints, b.points)
	b.peakRingBytes = max(b.peakRingBytes, b.ringBytes)
	return nil
}

// release gives back what acquire took.
func (b *Budget) release(ring int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.points--
	b.ringBytes -= ring
}

// ShellStarted marks a new lab shell capture: the links it could not
// capture are counted afresh.
func (b *Budget) ShellStarted() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.shells++
	b.uncaptured = 0
}

// SetUncaptured records how many links the running shell capture found
// and could not capture, because the budget refused them.
func (b *Budget) SetUncaptured(n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.uncaptured = n
}

// Evicted records packets (and their frame bytes) let go, oldest first, to
// stay under MaxStoredBytes or MaxStoredPackets.
func (b *Budget) Evicted(packets int, bytes int64) {
	if packets <= 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.evictedPackets += uint64(packets)
	b.evictedBytes += uint64(bytes)
}

// BudgetStats is what a budget holds and what it kept out.
type BudgetStats struct {
	Points         int    // points open now
	RingBytes      int    // their kernel rings, bytes
	PeakPoints     int    // most points open at once so far
	PeakRingBytes  int    // most ring bytes open at once so far
	Uncaptured     int    // links the latest shell capture could not capture
	Shells         uint64 // shell captures started
	EvictedPackets uint64 // packets let go to stay under the stored budget
	EvictedBytes   uint64
}

// Stats returns the counts now.
func (b *Budget) Stats() BudgetStats {
	b.mu.Lock()
	defer b.mu.Unlock()
	return BudgetStats{Points: b.points, RingBytes: b.ringBytes, PeakPoints: b.peakPoints, PeakRingBytes: b.peakRingBytes, Uncaptured: b.uncaptured, Shells: b.shells,
		EvictedPackets: b.evictedPackets, EvictedBytes: b.evictedBytes}
}

// FormatBytes prints a size the way the help and the packets pane state
// limits: "32 MiB", "512 KiB", "900 B".
func FormatBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

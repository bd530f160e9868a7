package tui

import (
	"strconv"

	tea "charm.land/bubbletea/v2"
	"github.com/nettutor/nettutor/assets"
	"github.com/nettutor/nettutor/engine/capture"
)

// The session's capture budget (capture.Budget) bounds what the TUI's own
// process holds for the lab: points and their kernel rings are counted by
// capture.Start; the frame bytes kept are bounded here, on their way to
// the packets pane and in it. Both places let the oldest go, so what is
// kept is the newest.

// budgeted is a Session under a capture budget (the LabBackend's).
type budgeted interface {
	// CaptureBudget is the session's budget.
	CaptureBudget() *capture.Budget
	// Took tells the session that the UI took packets of n frame bytes off
	// stream ch (they are the pane's to count from then on).
	Took(ch <-chan Packet, n int)
}

// CaptureBudget implements budgeted.
func (s *labSession) CaptureBudget() *capture.Budget { return s.budget }

// Took implements budgeted.
func (s *labSession) Took(ch <-chan Packet, n int) {
	s.pmu.Lock()
	defer s.pmu.Unlock()
	// A replaced stream's packets were counted on it; a stream whose
	// packets did not all come through offer never counts below zero.
	if ch == s.ch && s.queued.Add(-int64(n)) < 0 {
		s.queued.Store(0)
	}
}

// offer puts tp on the session's stream. The frames waiting there for the
// UI stay under the stored bytes budget: the oldest waiting packets make
// room for the newest, so a flood while the shell has the terminal keeps
// its end, not its start. s.pmu must be held.
func (s *labSession) offer(tp Packet) {
	n := int64(len(tp.Data))
	if b := s.budget; b != nil {
		k, kb := 0, int64(0)
	room:
		for s.queued.Load()+n > b.MaxStoredBytes {
			select {
			case old := <-s.ch:
				s.queued.Add(-int64(len(old.Data)))
				k, kb = k+1, kb+int64(len(old.Data))
			default:
				break room // the UI has taken the rest
			}
		}
		b.Evicted(k, kb)
	}
	select {
	case s.ch <- tp:
		s.queued.Add(n)
	default:
		s.drops.Add(1)
	}
}

// waitSession is waitPackets on a session's stream, under its budget when
// it has one.
func waitSession(gen int, ch <-chan Packet, s Session) tea.Cmd {
	b, _ := s.(budgeted)
	return waitPacketsBudget(gen, ch, s.Drops, b)
}

// paneLimits are the pane's bounds: the budget's, or the defaults for a
// session without one.
func (p *packetPane) paneLimits() (bytes int64, packets int) {
	if p.budget != nil {
		return p.budget.MaxStoredBytes, p.budget.MaxStoredPackets
	}
	return capture.DefaultMaxStoredBytes, maxPackets
}

// trim lets the oldest packets go until the pane is under its limits.
func (p *packetPane) trim() {
	maxB, maxN := p.paneLimits()
	n, nb := 0, int64(0)
	for n < p.pkts.Len() && (p.pkts.Len()-n > maxN || p.bytes-nb > maxB) {
		nb += int64(len(p.pkts.At(n).Data))
		n++
	}
	if n == 0 {
		return
	}
	// Let the oldest go from the front of the store: their slots are
	// cleared, nothing held is copied (pktStore).
	p.pkts.DropFront(n)
	p.sel = max(0, p.sel-n)
	p.off = max(0, p.off-n)
	p.bytes -= nb
	if p.budget != nil {
		p.budget.Evicted(n, nb)
	} else {
		p.evicted += uint64(n)
	}
}

// setBudget takes the session's budget from a packets message; a new
// session's counts start at zero.
func (p *packetPane) setBudget(b *capture.Budget) {
	if b != nil && b != p.budget {
		p.budget = b
		p.evicted, p.baseEvicted, p.baseShells = 0, 0, 0
	}
}

// budgetBase remembers the budget's counts when the pane starts afresh:
// its lines speak of the packets and the shell since then.
func (p *packetPane) budgetBase() {
	p.evicted = 0
	if p.budget != nil {
		st := p.budget.Stats()
		p.baseEvicted, p.baseShells = st.EvictedPackets, st.Shells
	}
}

// budgetLines says where a cap of the budget bit: links a shell could not
// capture, and the oldest packets let go.
func (p *packetPane) budgetLines() []string {
	var out []string
	maxB, maxN := p.paneLimits()
	evicted := p.evicted
	if b := p.budget; b != nil {
		st := b.Stats()
		if st.Shells > p.baseShells && st.Uncaptured > 0 {
			out = append(out, assets.M(p.c.Lang, "budget.links",
				"n", thousands(uint64(st.Uncaptured)), "max", strconv.Itoa(b.MaxPoints)))
		}
		evicted = st.EvictedPackets - min(p.baseEvicted, st.EvictedPackets)
	}
	if evicted > 0 {
		out = append(out, assets.M(p.c.Lang, "budget.stored",
			"n", thousands(evicted), "bytes", capture.FormatBytes(maxB), "max", thousands(uint64(maxN))))
	}
	return out
}

// thousands prints n with a comma between each three digits: 3,210.
func thousands(n uint64) string {
	s := strconv.FormatUint(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

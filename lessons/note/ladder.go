package note

import (
	"sort"
	"strconv"
	"strings"

	"github.com/nettutor/nettutor/engine"
	"github.com/nettutor/nettutor/engine/capture"
	"github.com/nettutor/nettutor/engine/diagram"
	"github.com/nettutor/nettutor/engine/journey"
	"github.com/nettutor/nettutor/lessons"
)

// This file is the hop-by-hop ladder that the TUI's packets pane, `run
// --plain` and the note all draw: one lane per namespace of the lesson, one
// arrow per packet across every capture point that saw it (grouped by
// journey.Observe), and the NAT rewrite on the hop where it happened.

// HopLadder is packets drawn across a lesson's namespaces.
type HopLadder struct {
	Lanes  []string // namespace names, left to right
	Arrows []HopArrow
}

// HopArrow is one packet.
type HopArrow struct {
	// From and To are the lanes it starts and ends in: where it was seen
	// first and last, or, where it was seen arriving (or leaving), the
	// namespace that owns its source (or destination) address.
	From, To int
	// Seen lists the lanes of the namespaces a capture point saw it in.
	Seen []int
	// Rewrite is its first NAT rewrite, RewriteLane the lane of the
	// namespace that made it (-1 without one).
	Rewrite     *journey.Rewrite
	RewriteLane int
	// Undo says Rewrite is conntrack undoing another packet's NAT (the
	// reply's side of the mapping); Again, that it is conntrack applying
	// an earlier packet's NAT to a later one in the same direction.
	Undo, Again bool
	Label       string   // e.g. "ICMP echo request id 7 seq 1"
	Points      []string // "NS/dev" of each hop, in path order
	Packets     []int    // indexes of its frames in the packets given
	Observed    journey.Observed
}

// LaneOrder puts namespace names in the ladder's order: the lab's inside
// namespaces in the order given, the host in the middle (right of them all
// when there is an outside world, else between their halves), the outside
// world on the right. Names appear once.
func LaneOrder(names []string) []string {
	var order []string
	seen := map[string]bool{}
	host, outside := false, false
	for _, n := range names {
		if seen[n] || n == "" {
			continue
		}
		seen[n] = true
		switch n {
		case engine.HostNS:
			host = true
		case "OUTSIDE":
			outside = true
		default:
			order = append(order, n)
		}
	}
	if host {
		// With no outside world the host is the middle of the lab, where
		// a bridge between its namespaces is: RED host BLUE.
		at := len(order)
		if !outside {
			at = (len(order) + 1) / 2
		}
		order = append(order[:at], append([]string{engine.HostNS}, order[at:]...)...)
	}
	if outside {
		order = append(order, "OUTSIDE")
	}
	return order
}

// Lanes are the lanes of a lab: its namespaces in LaneOrder, the host only
// when it has a link of its own besides lo (the veth lesson's host takes
// no part in any path).
func Lanes(snap *engine.Snapshot) []string {
	if snap == nil {
		return nil
	}
	var names []string
	for _, ns := range snap.Namespaces {
		if ns.Name == engine.HostNS && !hasLinks(&ns) {
			continue
		}
		names = append(names, ns.Name)
	}
	return LaneOrder(names)
}

func hasLinks(ns *engine.Namespace) bool {
	for _, l := range ns.Links {
		if l.Name != "lo" {
			return true
		}
	}
	return false
}

// Frame is a captured frame as the ladder needs it.
type Frame struct {
	Point string // "NS/dev"
	journey.Sighting
	Label string // the arrow's text when this frame is a packet's first
}

// BuildHopLadder groups frames into packets and draws them across lanes.
// hosts maps addresses to namespaces (engine.Snapshot.AddressBook); snap
// orders hops and tells directions (may be nil). A namespace that a packet
// crossed and lanes lacks gets a lane of its own, at its place in
// LaneOrder: the ladder's lanes are lanes, perhaps with more.
func BuildHopLadder(frames []Frame, lanes []string, hosts map[string]string, snap *engine.Snapshot) HopLadder {
	return BuildHopLadderIn("en", frames, lanes, hosts, snap)
}

// BuildHopLadderIn is BuildHopLadder with the hops' why in lang.
func BuildHopLadderIn(lang string, frames []Frame, lanes []string, hosts map[string]string, snap *engine.Snapshot) HopLadder {
	ss := make([]journey.Sighting, len(frames))
	for i, f := range frames {
		ss[i] = f.Sighting
	}
	obs := journey.ObserveIn(lang, ss, snap)
	all := append([]string{}, lanes...)
	for _, o := range obs {
		all = append(all, o.Namespaces()...)
	}
	l := HopLadder{Lanes: LaneOrder(all)}
	// Keep the caller's order for the lanes it gave (it is fixed for the
	// lesson); new ones go where LaneOrder puts them among them.
	if len(lanes) > 0 {
		l.Lanes = mergeLanes(lanes, l.Lanes)
	}
	lane := map[string]int{}
	for i, n := range l.Lanes {
		lane[n] = i
	}
	owner := func(ip string) (int, bool) {
		n, ok := hosts[ip]
		if !ok {
			return 0, false
		}
		i, ok := lane[n]
		return i, ok
	}
	for _, o := range obs {
		if len(o.Hops) == 0 {
			continue
		}
		a := HopArrow{RewriteLane: -1, Observed: o, Label: frames[o.Hops[0].Sighting].Label}
		for _, h := range o.Hops {
			pt := h.NS + "/" + h.Dev
			if h.Encap != nil {
				// Seen inside a tunnel's packet: the point says which
				// tunnel carried it there (the journey joins the outer
				// copy with the pods' own packet into one arrow).
				e := h.Encap
				pt += " ⊂ " + e.Kind + " " + strconv.Itoa(e.VNI) + " " + e.Src + "→" + e.Dst + ":" + strconv.Itoa(e.Dport)
			}
			a.Points = append(a.Points, pt)
			a.Packets = append(a.Packets, h.Sighting)
			if a.Rewrite == nil && h.Rewrite != nil {
				r := *h.Rewrite
				a.Rewrite, a.RewriteLane, a.Undo, a.Again = &r, lane[r.NS], h.Undo, h.Again
			}
		}
		for _, n := range o.Namespaces() {
			a.Seen = append(a.Seen, lane[n])
		}
		first, last := o.Hops[0], o.Hops[len(o.Hops)-1]
		a.From, a.To = lane[first.NS], lane[last.NS]
		// Seen arriving: it came from its source's namespace; seen
		// leaving: it goes to its destination's.
		// Seen leaving a namespace that does not own its source, it was
		// forwarded there: it came from the source's namespace too.
		if first.Dir == "in" || hosts[first.Src] != first.NS {
			if i, ok := owner(first.Src); ok && i != a.From && !contains(a.Seen, i) {
				a.From = i
			}
		}
		if last.Dir == "out" {
			if i, ok := owner(last.Dst); ok && i != a.To && !contains(a.Seen, i) {
				a.To = i
			}
		}
		// Seen in one namespace only, with nothing said about where it
		// went: it goes to its destination's (a capture on one end of a
		// veth sees both ways of the pair).
		if a.From == a.To {
			if i, ok := owner(last.Dst); ok && i != a.To {
				a.To = i
			} else if i, ok := owner(first.Src); ok && i != a.From {
				a.From = i
			}
		}
		l.Arrows = append(l.Arrows, a)
	}
	return l
}

// mergeLanes keeps fixed in its order and puts each name of canon that
// fixed lacks after the canon name before it.
func mergeLanes(fixed, canon []string) []string {
	out := append([]string{}, fixed...)
	have := map[string]bool{}
	for _, n := range fixed {
		have[n] = true
	}
	for i, n := range canon {
		if have[n] {
			continue
		}
		at := 0
		for k := i - 1; k >= 0; k-- {
			if j := index(out, canon[k]); j >= 0 {
				at = j + 1
				break
			}
		}
		out = append(out[:at], append([]string{n}, out[at:]...)...)
		have[n] = true
	}
	return out
}

func index(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}

func contains(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// RewriteKind names a rewrite as the ladder labels it: the NAT rule's own
// ("SNAT"), conntrack giving a later packet of the flow the same mapping
// ("as the first packet (SNAT)"), or conntrack undoing it on a reply
// ("reverse NAT (un-SNAT)": the reply's destination put back).
func RewriteKind(r *journey.Rewrite, undo, again bool) string {
	// One name for each rewrite, the journey's (a Service's masquerade as
	// kube-proxy's MASQUERADE, conntrack's undoing as reverse NAT).
	return r.Label("en", undo, again)
}

// RewriteText is a rewrite as the ladder draws it: "11.11.11.2 → 203.0.113.1".
func RewriteText(r *journey.Rewrite) string {
	if r == nil {
		return ""
	}
	return r.From + " → " + r.To
}

// ArrowLine draws one arrow across lanes centred at the columns given
// (centre(i) for lane i) into line, which holds the rails already: ● on
// each lane a capture saw the packet in, and the packet's label in the
// first stretch between two lanes that has room for it (else the widest),
// so that no label hides a lane the packet crossed.
func ArrowLine(line []rune, a HopArrow, centre func(int) int) {
	from, to := centre(a.From), centre(a.To)
	lo, hi := min(from, to), max(from, to)
	set := func(x int, r rune) {
		if x >= 0 && x < len(line) {
			line[x] = r
		}
	}
	if from == to {
		// A packet that stayed in one namespace (to itself).
		for i, c := range []rune(" ◀ " + a.Label) {
			set(from+1+i, c)
		}
		return
	}
	for x := lo + 1; x < hi; x++ {
		set(x, '─')
	}
	if to > from {
		set(to-1, '▶')
	} else {
		set(to+1, '◀')
	}
	for _, s := range a.Seen {
		set(centre(s), '●')
	}
	// The stretches between the lanes the packet touched.
	stops := []int{lo, hi}
	for _, s := range a.Seen {
		if c := centre(s); c > lo && c < hi {
			stops = append(stops, c)
		}
	}
	sort.Ints(stops)
	lbl := []rune(a.Label)
	best, bestRoom := 0, -1
	for k := 0; k+1 < len(stops); k++ {
		room := stops[k+1] - stops[k] - 5
		if room >= len(lbl) {
			best, bestRoom = k, room
			if to < from {
				continue // leftward: the last stretch that fits is its start
			}
			break
		}
		if bestRoom < len(lbl) && room > bestRoom {
			best, bestRoom = k, room
		}
	}
	if bestRoom < 3 {
		return
	}
	if len(lbl) > bestRoom {
		lbl = append(lbl[:bestRoom-1], '…')
	}
	x0, x1 := stops[best], stops[best+1]
	at := x0 + 1 + (x1-x0-1-len(lbl)-2)/2
	for i, c := range append(append([]rune{' '}, lbl...), ' ') {
		set(at+i, c)
	}
}

// RewriteLine draws, under an arrow with a NAT rewrite, the rewrite at the
// lane of the namespace that made it: "╰ SNAT 11.11.11.2 → 203.0.113.1".
// It reports false when the arrow has none.
func RewriteLine(line []rune, a HopArrow, centre func(int) int) bool {
	if a.Rewrite == nil || a.RewriteLane < 0 {
		return false
	}
	body := RewriteKind(a.Rewrite, a.Undo, a.Again) + " " + RewriteText(a.Rewrite)
	text := []rune("╰ " + body)
	at := centre(a.RewriteLane)
	if at+len(text) > len(line) {
		// No room right of the lane: the text ends at it instead.
		text = []rune(body + " ╯")
		at = max(0, at-len(text)+1)
	}
	for i, c := range text {
		if at+i < len(line) {
			line[at+i] = c
		}
	}
	return true
}

// RenderHopLadder draws the ladder as plain text about width columns
// wide: lane names on top, a rail per lane, one arrow line per packet with
// the capture points it was seen at on the right, and under an arrow with
// a NAT rewrite a line that shows it at its lane.
func RenderHopLadder(l HopLadder, width int) string {
	n := len(l.Lanes)
	if n == 0 || len(l.Arrows) == 0 {
		return "(no packets)\n"
	}
	colW := max(width/n, 10)
	centre := func(i int) int { return i*colW + colW/2 }
	w := centre(n-1) + 2
	var b strings.Builder
	head := []rune(strings.Repeat(" ", w+colW))
	for i, name := range l.Lanes {
		r := []rune(name)
		if len(r) > colW-1 {
			r = append(r[:colW-2], '~')
		}
		copy(head[max(0, centre(i)-len(r)/2):], r)
	}
	b.WriteString(strings.TrimRight(string(head), " ") + "\n")
	rail := func() []rune {
		line := []rune(strings.Repeat(" ", w))
		for i := 0; i < n; i++ {
			line[centre(i)] = '|'
		}
		return line
	}
	b.WriteString(strings.TrimRight(string(rail()), " ") + "\n")
	for _, a := range l.Arrows {
		line := rail()
		ArrowLine(line, a, centre)
		s := strings.TrimRight(string(line), " ")
		s += strings.Repeat(" ", max(1, w-len([]rune(s)))) + " @" + strings.Join(a.Points, ", ")
		b.WriteString(s + "\n")
		rw := append(rail(), []rune(strings.Repeat(" ", colW))...)
		if RewriteLine(rw, a, centre) {
			b.WriteString(strings.TrimRight(string(rw), " ") + "\n")
		}
	}
	return b.String()
}

// Namespaces lists the namespaces a lesson creates (its `ip netns add`
// commands), in the order it creates them: the lanes' order for the
// lesson, fixed whatever step it is at.
func Namespaces(l *lessons.Lesson) []string {
	var out []string
	if l == nil {
		return nil
	}
	for _, st := range l.Steps {
		for _, a := range st.Actions {
			f := strings.Fields(a.Command())
			for i := 0; i+2 < len(f); i++ {
				if f[i] == "netns" && f[i+1] == "add" {
					out = append(out, f[i+2])
				}
			}
		}
	}
	return out
}

// StepLadder is the hop ladder of a step's packets (time-sorted capture
// packets, as Packets and `run --plain` have them) over the lab's lanes.
//
// order is the lesson's namespaces (Namespaces): lanes keep that order and
// the host sits between the inside and OUTSIDE when the lab's host has
// links.
func StepLadder(order []string, snap *engine.Snapshot, cp []capture.Packet) HopLadder {
	labels := capture.BuildLadder(cp, nil)
	frames := make([]Frame, len(cp))
	for i, p := range cp {
		ns, dev, _ := strings.Cut(p.Point, "/")
		dir := "" // not outgoing, or not said: the snapshot's MACs tell
		if p.Outgoing {
			dir = "out"
		}
		frames[i] = Frame{Point: p.Point, Sighting: journey.Sighting{NS: ns, Dev: dev, Dir: dir, Time: p.Time, Data: p.Data}}
		if i < len(labels.Arrows) {
			frames[i].Label = labels.Arrows[i].Label
		}
	}
	var hosts map[string]string
	if snap != nil {
		hosts = snap.AddressBook()
	}
	// The lesson's whole list places the lanes (the host right of the
	// inside namespaces when the lesson has OUTSIDE, even before it is
	// made); the lab as it is says which are there.
	have := map[string]bool{}
	for _, n := range Lanes(snap) {
		have[n] = true
	}
	names := append(append(append([]string{}, order...), Lanes(snap)...), engine.HostNS)
	var lanes []string
	for _, n := range LaneOrder(names) {
		if have[n] {
			lanes = append(lanes, n)
		}
	}
	return BuildHopLadder(frames, lanes, hosts, snap)
}

// LadderText is a step's packets as the transcript draws them: the hop
// ladder of lesson l, 100 columns wide.
func LadderText(l *lessons.Lesson, snap *engine.Snapshot, pkts []lessons.Packet) string {
	cp := lessons.ToCapture(pkts)
	capture.SortByTime(cp)
	return RenderHopLadder(StepLadder(Namespaces(l), snap, cp), 100)
}

// sequence is the hop ladder as Mermaid draws it: one message per packet
// from its first lane to its last, labelled with the capture points it was
// seen at, and each rewrite as a note over the lanes it spans.
func sequence(l HopLadder) string {
	cl := capture.Ladder{Columns: l.Lanes}
	var rw []diagram.Rewrite
	for i, a := range l.Arrows {
		cl.Arrows = append(cl.Arrows, capture.Arrow{From: a.From, To: a.To, Label: a.Label, Point: strings.Join(a.Points, " → ")})
		if a.Rewrite != nil {
			field := "src"
			if a.Rewrite.Kind == "dnat" {
				field = "dst"
			}
			before, after := "", ""
			for k, h := range a.Observed.Hops {
				if h.Rewrite != nil && k > 0 {
					before = a.Observed.Hops[k-1].NS + "/" + a.Observed.Hops[k-1].Dev
					after = h.NS + "/" + h.Dev
					break
				}
			}
			rw = append(rw, diagram.Rewrite{Arrow: i, Before: before, After: after, Field: field,
				Old: a.Rewrite.From, New: a.Rewrite.To, FromColumn: a.From, ToColumn: a.To,
				Kind: RewriteKind(a.Rewrite, a.Undo, a.Again)})
		}
	}
	return diagram.Sequence(cl, rw)
}

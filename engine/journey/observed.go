package journey

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"net"
	"sort"
	"strings"
	"time"

	"github.com/nettutor/nettutor/engine"
)

// This file builds journeys from what captures saw, without sending
// anything: the packets pane and the transcript have the frames of every
// capture point of a step, and one packet crosses several of them. The
// same echo request seen on br0 and on OUTSIDE's eth0 is one packet with
// two hops, not two packets, and where its source changed between them is
// the NAT rewrite.

// Sighting is one frame as one capture point saw it.
type Sighting struct {
	NS   string    // lab namespace of the point, "host" for the lab host
	Dev  string    // the point's interface
	Dir  string    // "in" or "out"; "" when the capture did not say
	Time time.Time // kernel receive time
	Data []byte    // the frame from the Ethernet header on
}

// ObservedHop is one hop of an observed packet: where it was seen, with
// the addresses there.
type ObservedHop struct {
	Hop
	// Sighting is the index, in the slice given to Observe, of the frame
	// this hop is.
	Sighting int
	// Rewrite is the NAT that changed the packet between the hop before
	// and this one (nil when nothing changed): the hop where the new
	// addresses show first is the one that proves the rewrite.
	Rewrite *Rewrite
	// Undo says the rewrite is conntrack putting back, on a reply, the
	// NAT that its request got (seen among the same sightings): the
	// reply of a SNATed echo has its destination put back, with no DNAT
	// rule.
	Undo bool
	// Again says an earlier packet, in the same direction, had the same
	// rewrite: conntrack applied the mapping of the flow's first packet
	// (the nat table sees only that one).
	Again bool
}

// Observed is one packet across every capture point that saw it.
type Observed struct {
	Proto string // ICMP, TCP, UDP, ARP, or the frame's EtherType as IP6/ETH
	Hops  []ObservedHop
	// icmpError: an ICMP error (unreachable, time exceeded, ...), which
	// answers the packet it quotes.
	icmpError bool
}

// Sightings lists the indexes of the frames that are this packet, in hop
// order.
func (o *Observed) Sightings() []int {
	out := make([]int, len(o.Hops))
	for i, h := range o.Hops {
		out[i] = h.Sighting
	}
	return out
}

// Namespaces lists the namespaces the packet was seen in, in path order,
// each once (a packet that leaves a namespace does not come back to it).
func (o *Observed) Namespaces() []string {
	var out []string
	for _, h := range o.Hops {
		if len(out) == 0 || out[len(out)-1] != h.NS {
			out = append(out, h.NS)
		}
	}
	return out
}

// Rewrites lists the packet's NAT rewrites in path order.
func (o *Observed) Rewrites() []Rewrite {
	var out []Rewrite
	for _, h := range o.Hops {
		if h.Rewrite != nil {
			out = append(out, *h.Rewrite)
		}
	}
	return out
}

// Journey is the observed packet as a Journey: its hops (all observed), its
// rewrites (all confirmed: both sides were captured), and From and To as
// the first hop's namespace and the destination address first seen. The
// result stays empty: captures alone do not say whether an answer came.
func (o *Observed) Journey() *Journey {
	j := &Journey{Proto: strings.ToLower(o.Proto), Hops: []Hop{}, Rules: []RuleHit{}, NAT: o.Rewrites(),
		Evidence: Evidence{Observed: []string{"hops (the step's capture points)", "nat (the addresses at the next capture point)"},
			Replayed: []string{"why (the snapshot's routes, fdb and sysctls)"}}}
	if j.NAT == nil {
		j.NAT = []Rewrite{}
	}
	for _, h := range o.Hops {
		j.Hops = append(j.Hops, h.Hop)
	}
	if len(o.Hops) > 0 {
		j.From, j.To = o.Hops[0].NS, o.Hops[0].Dst
	}
	return j
}

// Tcpdump is the command a person types to watch the capture point dev in
// namespace ns as nettutor does: in the lab host's namespace plainly,
// elsewhere through ip netns exec.
func Tcpdump(ns, dev string) string {
	if ns == "" || ns == engine.HostNS {
		return "tcpdump -ni " + dev
	}
	return "ip netns exec " + ns + " tcpdump -ni " + dev
}

// sameWindow bounds how far apart two sightings of one packet may be: a
// packet crosses a lab in microseconds, and an IP ID comes round again
// only after 65536 packets of the flow.
const sameWindow = time.Second

// sight is a sighting decoded to what grouping needs.
type sight struct {
	i        int
	key      string // what NAT and forwarding leave alone
	proto    string
	src, dst string // IP addresses (ARP: sender and target)
	sp, dp   int    // TCP/UDP ports
	hasPorts bool
	// icmpError: an ICMP error message (not an echo or a timestamp).
	icmpError bool
	srcMAC    string
	dstMAC    string
	// encap: the frame was a VXLAN datagram, keyed and named by the
	// packet inside it, so the tunnel's legs join that packet's hops.
	encap *Encap
}

// Observe groups sightings into packets: frames with the same invariant
// fields (the IP ID and length with the ICMP type and sequence, the TCP
// sequence and flags, or a UDP payload; ARP's addresses; any other frame's
// bytes from the network header on) within a second of each other are one
// packet when their addresses agree on at least one side, so a source or a
// destination NAT in between is allowed and becomes the rewrite of the hop
// after it. Hops are in path order: the snapshot's links order what they
// can (a veth end before its peer, a bridge port before its bridge, in
// before out in one namespace), time the rest; the snapshot also tells a
// frame's direction when the sighting does not. snap may be nil.
// Packets come out in the order of their first sighting.
func Observe(ss []Sighting, snap *engine.Snapshot) []Observed {
	return ObserveIn("en", ss, snap)
}

// ObserveIn is Observe with the hops' why in lang ("en" or "ko").
func ObserveIn(lang string, ss []Sighting, snap *engine.Snapshot) []Observed {
	var e *env
	if snap != nil {
		e = envFromSnapshot(snap)
	} else {
		e = &env{}
	}
	idx := make([]int, len(ss))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return ss[idx[a]].Time.Before(ss[idx[b]].Time) })
	type group struct {
		key   string
		last  time.Time
		seen  map[string]bool // ns/dev/dir met
		ms    []sight
		first int
	}
	var groups []*group
	open := map[string][]*group{}
	for _, i := range idx {
		s := decodeSight(i, ss[i].Data)
		dir := ss[i].Dir
		if dir == "" {
			dir = guessDir(e, ss[i].NS, ss[i].Dev, s.srcMAC)
		}
		at := ss[i].NS + "/" + ss[i].Dev + "/" + dir
		var g *group
		for _, c := range open[s.key] {
			if ss[i].Time.Sub(c.last) > sameWindow || c.seen[at] {
				continue
			}
			p := c.ms[len(c.ms)-1]
			if p.src == s.src || p.dst == s.dst {
				g = c
				break
			}
		}
		if g == nil {
			g = &group{key: s.key, seen: map[string]bool{}, first: len(groups)}
			groups = append(groups, g)
			open[s.key] = append(open[s.key], g)
		}
		g.seen[at] = true
		g.last = ss[i].Time
		g.ms = append(g.ms, s)
	}
	x := &explainer{e: e}
	out := make([]Observed, 0, len(groups))
	for _, g := range groups {
		o := Observed{Proto: g.ms[0].proto, icmpError: g.ms[0].icmpError}
		hs := make([]Hop, len(g.ms))
		for k, s := range g.ms {
			sg := ss[s.i]
			dir := sg.Dir
			if dir == "" {
				dir = guessDir(e, sg.NS, sg.Dev, s.srcMAC)
			}
			hs[k] = Hop{NS: sg.NS, Dev: sg.Dev, Dir: dir, Src: s.src, Dst: s.dst, Observed: true,
				Encap: s.encap, srcMAC: s.srcMAC, dstMAC: s.dstMAC, t: sg.Time}
			if s.hasPorts {
				hs[k].Sport, hs[k].Dport = s.sp, s.dp
			}
		}
		// untie reorders hops: each is found again by its point and
		// direction, which are unique within a packet.
		where := map[string]int{}
		for k, h := range hs {
			where[h.NS+"/"+h.Dev+"/"+h.Dir] = g.ms[k].i
		}
		x.untie(hs)
		for k, h := range hs {
			oh := ObservedHop{Hop: h, Sighting: where[h.NS+"/"+h.Dev+"/"+h.Dir]}
			if k > 0 {
				oh.Rewrite = rewriteBetween(hs[k-1], h)
				if r := oh.Rewrite; r != nil && hs[k-1].NS != h.NS {
					// Between two namespaces with no capture point in
					// the one in between (WEB and OUTSIDE, the host
					// uncaptured), the namespace that owns the NAT's
					// address made it: MASQUERADE takes the outgoing
					// link's, a published port is the host's.
					nat := r.To
					if r.Kind == "dnat" {
						nat = r.From
					}
					ip, _, _ := strings.Cut(nat, ":")
					if n := e.owner(ip); n != nil {
						r.NS = n.name
					}
				}
			}
			oh.Why = observedWhy(lang, e, hs, k)
			o.Hops = append(o.Hops, oh)
		}
		out = append(out, o)
	}
	markConntrack(out)
	markServiceMasq(e, out)
	return out
}

// markConntrack tells the NAT rule's own rewrite from conntrack's: of a
// mapping and its reverse, the first seen is the NAT and the other its
// undoing on the way back (Undo); a mapping seen before, in the same
// direction, is conntrack repeating the first packet's (Again). An ICMP
// error answers the packet it quotes, so its rewrite is always the
// reverse of that packet's NAT, seen or not (a capture may have missed
// the packet it quotes).
func markConntrack(obs []Observed) {
	type pair struct{ kind, from, to string }
	rev := map[string]string{"snat": "dnat", "dnat": "snat"}
	undo := map[pair]bool{} // every mapping seen, and whether it was an undo
	for i := range obs {
		for k := range obs[i].Hops {
			h := &obs[i].Hops[k]
			r := h.Rewrite
			if r == nil {
				continue
			}
			p := pair{r.Kind, r.From, r.To}
			if u, ok := undo[p]; ok {
				h.Undo, h.Again = u, true
				continue
			}
			_, reverse := undo[pair{rev[r.Kind], r.To, r.From}]
			h.Undo = reverse || obs[i].icmpError
			undo[p] = h.Undo
		}
	}
}

// rewriteBetween is the NAT that turned the packet at a into the packet at
// b, or nil. It happened where the packet was between the two points: in
// a's namespace when both are in one, or when a saw it coming in (the
// capture sees a frame before PREROUTING); in b's when a saw it going out
// (after POSTROUTING), so it changed after it arrived in b's.
func rewriteBetween(a, b Hop) *Rewrite {
	ns := a.NS
	if a.NS != b.NS && a.Dir == "out" {
		ns = b.NS
	}
	ep := func(ip string, port int) string {
		if port != 0 {
			return fmt.Sprintf("%s:%d", ip, port)
		}
		return ip
	}
	switch {
	case a.Src != b.Src || a.Sport != b.Sport:
		return &Rewrite{NS: ns, Kind: "snat", From: ep(a.Src, a.Sport), To: ep(b.Src, b.Sport), Confirmed: true}
	case a.Dst != b.Dst || a.Dport != b.Dport:
		return &Rewrite{NS: ns, Kind: "dnat", From: ep(a.Dst, a.Dport), To: ep(b.Dst, b.Dport), Confirmed: true}
	}
	return nil
}

// observedWhy says, from the snapshot alone, why the packet at hs[i] went
// on: the bridge's fdb decision on a bridge port, the route that matches
// its destination on the way out, or that the destination is this
// namespace's own. It is the replayed part of an observed journey; with
// no snapshot it is empty.
func observedWhy(lang string, e *env, hs []Hop, i int) string {
	h := hs[i]
	n := e.ns(h.NS)
	if n == nil || h.Dst == "" || net.ParseIP(h.Dst) == nil {
		return ""
	}
	l := n.link(h.Dev)
	if enc := h.Encap; enc != nil && (l == nil || l.Master == "") {
		// The tunnel's leg: the outer packet's addresses decide here.
		key := "why.encap_out"
		if h.Dir == "in" {
			key = "why.encap_in"
			if n.localIPs[enc.Dst] {
				return tr(lang, "why.decap_seen", enc.Dport, enc.Dst, enc.VNI)
			}
		}
		s := tr(lang, key, enc.VNI, enc.Src, enc.Dst, enc.Dport)
		if r := n.matchRoute(net.ParseIP(enc.Dst)); r != nil && h.Dir == "out" {
			s += "; " + tr(lang, "why.route", routeText(r))
		}
		return s
	}
	if l != nil && l.Master != "" {
		port, kind := fdbDecision(n, l.Master, h.dstMAC)
		switch kind {
		case "local":
			return tr(lang, "obs.fdb_local", l.Master, h.dstMAC, h.NS)
		case "learned", "static":
			return tr(lang, "obs.fdb_learned", l.Master, h.dstMAC, port, kind)
		}
		return tr(lang, "obs.fdb_flood", l.Master, h.dstMAC)
	}
	if h.Dir == "in" && n.localIPs[h.Dst] && (i+1 == len(hs) || hs[i+1].NS != h.NS) {
		return tr(lang, "obs.delivered", h.Dst, h.NS)
	}
	r := n.matchRoute(net.ParseIP(h.Dst))
	if h.Dir == "out" {
		if r != nil {
			return tr(lang, "obs.route", routeText(r))
		}
		return ""
	}
	if n.localIPs[h.Dst] || (i+1 < len(hs) && hs[i+1].NS == h.NS && hs[i+1].Dst != h.Dst) {
		return "" // delivered here later, or DNATed first: the next hop says
	}
	// Arrived for another namespace: forwarded, if forwarding is on.
	on, key := n.forwards(h.Dev)
	if !on {
		return tr(lang, "obs.no_forward", h.NS, shortKey(key))
	}
	if r != nil {
		return tr(lang, "obs.forward", shortKey(key), routeText(r))
	}
	if dev := connected(n, h.Dst); dev != "" {
		return tr(lang, "obs.forward_connected", shortKey(key), dev)
	}
	return tr(lang, "obs.no_route", h.Dst)
}

// connected is the link whose address's subnet holds ip: the kernel's
// connected route, which a snapshot without its routes still implies.
func connected(n *nsEnv, ip string) string {
	dst := net.ParseIP(ip)
	for _, l := range n.snap.Links {
		for _, a := range l.Addrs {
			if _, c, err := net.ParseCIDR(a); err == nil && c.Contains(dst) {
				return l.Name
			}
		}
	}
	return ""
}

// guessDir tells a frame's direction from the snapshot: out when the frame
// comes from the interface's own MAC. A bridge forwarding a frame out of a
// port keeps the sender's MAC, so this is only the fallback for a capture
// that did not say.
func guessDir(e *env, ns, dev, srcMAC string) string {
	if n := e.ns(ns); n != nil {
		if l := n.link(dev); l != nil && l.MAC != "" && strings.EqualFold(l.MAC, srcMAC) {
			return "out"
		}
	}
	return "in"
}

// decodeSight reads what grouping needs from a frame.
func decodeSight(i int, b []byte) sight {
	if inner, enc := vxlanInner(b); inner != nil {
		s := decodeSight(i, inner)
		if s.proto != "ARP" {
			s.encap = enc
			s.dstMAC = net.HardwareAddr(b[0:6]).String()
			s.srcMAC = net.HardwareAddr(b[6:12]).String()
			return s
		}
	}
	s := sight{i: i, proto: "ETH"}
	h := fnv.New64a()
	if len(b) < 14 {
		h.Write(b)
		s.key = fmt.Sprintf("raw %x", h.Sum64())
		return s
	}
	s.dstMAC = net.HardwareAddr(b[0:6]).String()
	s.srcMAC = net.HardwareAddr(b[6:12]).String()
	et := binary.BigEndian.Uint16(b[12:14])
	l3 := b[14:]
	if et == 0x8100 && len(l3) >= 4 {
		et, l3 = binary.BigEndian.Uint16(l3[2:4]), l3[4:]
	}
	switch {
	case et == 0x0806 && len(l3) >= 28:
		s.proto = "ARP"
		s.src, s.dst = net.IP(l3[14:18]).String(), net.IP(l3[24:28]).String()
		// A flooded request is the same frame on every port: the sender's
		// MAC and both addresses name it.
		s.key = fmt.Sprintf("arp %d %x %s %s", binary.BigEndian.Uint16(l3[6:8]), l3[8:14], s.src, s.dst)
		return s
	case et == 0x0800 && len(l3) >= 20 && l3[0]>>4 == 4:
		ihl := int(l3[0]&0x0f) * 4
		if ihl >= 20 && len(l3) >= ihl {
			s.decodeIPv4(l3, ihl)
			return s
		}
	case et == 0x86dd:
		s.proto = "IP6"
		if len(l3) >= 40 {
			s.src, s.dst = net.IP(l3[8:24]).String(), net.IP(l3[24:40]).String()
			// The hop limit is the only field a router changes.
			h.Write(l3[0:7])
			h.Write(l3[8:])
		} else {
			h.Write(l3)
		}
		s.key = fmt.Sprintf("ip6 %x", h.Sum64())
		return s
	}
	h.Write(b[12:])
	s.key = fmt.Sprintf("eth %x", h.Sum64())
	return s
}

// decodeIPv4 keys an IPv4 packet on what forwarding and NAT leave alone:
// the IP ID, length and protocol, and per protocol the ICMP type, code and
// sequence (NAT may remap an echo's id), the TCP sequence, acknowledgement
// and flags, or the UDP payload. Addresses, ports, TTL and checksums are
// left out: they are what changes on the way.
func (s *sight) decodeIPv4(ip []byte, ihl int) {
	s.proto = "IP"
	s.src, s.dst = net.IP(ip[12:16]).String(), net.IP(ip[16:20]).String()
	id, tot := binary.BigEndian.Uint16(ip[4:6]), binary.BigEndian.Uint16(ip[2:4])
	frag := binary.BigEndian.Uint16(ip[6:8]) & 0x1fff
	l4 := ip[ihl:]
	h := fnv.New64a()
	rest := ""
	switch ip[9] {
	case 1:
		s.proto = "ICMP"
		if len(l4) >= 8 {
			switch l4[0] {
			case 0, 8, 13, 14:
				rest = fmt.Sprintf("t%d c%d seq %d", l4[0], l4[1], binary.BigEndian.Uint16(l4[6:8]))
				h.Write(l4[8:])
			default:
				// An error quotes the packet it is about, whose addresses
				// NAT rewrites too: its IP ID names it.
				rest = fmt.Sprintf("t%d c%d", l4[0], l4[1])
				s.icmpError = true
				if len(l4) >= 8+6 {
					h.Write(l4[8+4 : 8+6])
				}
			}
		}
	case 6:
		s.proto = "TCP"
		if len(l4) >= 14 {
			s.sp, s.dp, s.hasPorts = int(binary.BigEndian.Uint16(l4[0:2])), int(binary.BigEndian.Uint16(l4[2:4])), true
			rest = fmt.Sprintf("seq %d ack %d f%x", binary.BigEndian.Uint32(l4[4:8]), binary.BigEndian.Uint32(l4[8:12]), l4[13])
		}
	case 17:
		s.proto = "UDP"
		if len(l4) >= 8 {
			s.sp, s.dp, s.hasPorts = int(binary.BigEndian.Uint16(l4[0:2])), int(binary.BigEndian.Uint16(l4[2:4])), true
			h.Write(l4[8:])
		}
	default:
		h.Write(l4)
	}
	s.key = fmt.Sprintf("ip4 p%d id%d len%d f%d %s %x", ip[9], id, tot, frag, rest, h.Sum64())
}

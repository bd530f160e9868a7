package journey

import (
	"net"
	"strings"

	"github.com/nettutor/nettutor/engine"
)

// linkRef names a link in a namespace.
type linkRef struct{ ns, name string }

// l2Domain walks the Ethernet segment a link is on: across veth pairs, up
// into the bridge a link is a port of and down to the bridge's other ports.
// It stops at links that are down (they carry nothing) and returns what it
// reached and the first down link it met.
func l2Domain(s *engine.Snapshot, from linkRef) (map[linkRef]bool, *linkRef) {
	seen := map[linkRef]bool{}
	var down *linkRef
	queue := []linkRef{from}
	for len(queue) > 0 {
		ref := queue[0]
		queue = queue[1:]
		if seen[ref] {
			continue
		}
		n := s.NS(ref.ns)
		if n == nil {
			continue
		}
		l := n.Link(ref.name)
		if l == nil {
			continue
		}
		seen[ref] = true
		if l.State != "up" {
			if down == nil {
				r := ref
				down = &r
			}
			continue
		}
		if l.Peer != nil && l.Peer.NS != "" {
			queue = append(queue, linkRef{l.Peer.NS, l.Peer.Name})
		}
		if l.Master != "" {
			queue = append(queue, linkRef{ref.ns, l.Master})
		}
		if l.Kind == "bridge" {
			for _, p := range n.Links {
				if p.Master == l.Name {
					queue = append(queue, linkRef{ref.ns, p.Name})
				}
			}
		}
	}
	return seen, down
}

// l2Why says why frames sent on link from cannot reach link to, as far as
// the snapshot shows: a link down on the way (down is then true), a veth
// end that is not a port of the bridge on the sender's side, or two
// separate segments. ok says the frames do reach it. The ARP of a sender
// that gets no answer is explained by it, in Predict and in Trace alike.
func l2Why(s *engine.Snapshot, from, to linkRef) (why msg, down, ok bool) {
	if s == nil || from.name == "" || to.name == "" || from == to {
		return msg{}, false, true
	}
	dom, d := l2Domain(s, from)
	if dom[to] {
		return msg{}, false, true
	}
	if d != nil {
		return m("stop.link_down", d.ns, d.name), true, false
	}
	// Look from the other side for a veth end that should be a port of a
	// bridge on our side.
	other, od := l2Domain(s, to)
	if od != nil {
		return m("stop.link_down", od.ns, od.name), true, false
	}
	var bridges []linkRef
	for ref := range dom {
		if l := s.NS(ref.ns).Link(ref.name); l != nil && l.Kind == "bridge" {
			bridges = append(bridges, ref)
		}
	}
	if len(bridges) == 1 {
		br := bridges[0]
		for ref := range other {
			l := s.NS(ref.ns).Link(ref.name)
			if ref.ns == br.ns && l != nil && l.Kind == "veth" && l.Master != br.name && l.Peer != nil {
				mst := l.Master
				if mst == "" {
					mst = "none"
				}
				return m("stop.not_port", ref.ns, ref.name, l.Peer.NS, l.Peer.Name, br.name, mst), false, false
			}
		}
	}
	return m("stop.not_same_l2", from.ns, from.name, to.ns, to.name), false, false
}

// holderOf is the link of n that has the address ip.
func holderOf(n *nsEnv, ip string) string {
	for _, l := range n.snap.Links {
		for _, a := range l.Addrs {
			if a == ip || strings.HasPrefix(a, ip+"/") {
				return l.Name
			}
		}
	}
	return ""
}

// arpDrop is the stop of a sender in ns whose ARP for next on dev got no
// answer, with the cause the snapshot's links give when they give one.
func (x *explainer) arpDrop(ns, dev, next, leg string) *Drop {
	if n := x.e.ns(ns); n != nil && x.e.owner(next) == nil && next != x.j.To && next != x.s.src {
		if _, _, pd := x.proxyFor(n, dev, next, leg); pd != nil {
			return pd
		}
	}
	d := newDrop(x.lang, ns, dev, ReasonARP, leg, m("stop.arp", ns, next, dev))
	if n := x.e.ns(ns); n != nil && n.vx[dev] != nil {
		if mac, _ := n.neighMAC(next, dev); mac == "" {
			d.add(m("stop.vxlan_no_neigh", next, dev))
		}
	}
	if rd := x.arpRPFilter(ns, dev, next, leg); rd != nil {
		return rd
	}
	if o := x.e.owner(next); o != nil {
		if s, down, ok := l2Why(x.e.snap, linkRef{ns, dev}, linkRef{o.name, holderOf(o, next)}); !ok {
			d.add(m("stop.because", s))
			if down {
				d.Reason = ReasonLinkDown
			}
		}
	}
	return d
}

// arpRPFilter explains an ARP request for next that its owner ignored
// because of strict reverse path filtering: the request's sender address
// (the packet's source, which may belong to another link of the asker:
// ip route ... src) has no route back by the link it arrived on, so
// arp_process's route lookup fails and no reply is sent. nil otherwise.
func (x *explainer) arpRPFilter(ns, dev, next, leg string) *Drop {
	o := x.e.owner(next)
	if o == nil {
		return nil
	}
	hl := holderOf(o, next)
	sender := x.src
	if sender == "" {
		sender = x.s.src
	}
	if n := x.e.ns(ns); sender == "" && n != nil {
		// The neighbour failed before the trace: no request was seen.
		// The kernel asks from the source the route gives the packet.
		if r := n.matchRoute(net.ParseIP(x.j.To)); r != nil {
			sender = firstAddr(n, r.Dev, r.Src)
		}
	}
	for _, q := range x.pkts {
		if q.arp && q.arpOp == 1 && q.arpTPA == next && q.ns == ns && q.out {
			sender = q.arpSPA
		}
	}
	ip := net.ParseIP(sender)
	if hl == "" || ip == nil || o.rpFilter(hl) != "1" {
		return nil
	}
	if r := o.matchRoute(ip); r != nil && r.Dev == hl {
		return nil
	}
	return newDrop(x.lang, o.name, hl, ReasonRPFilter, leg, m("stop.rp_filter_arp", ns, next, dev, sender, o.name, o.rpFilter(hl), hl))
}

// Owner finds the namespace and link of a snapshot that hold the address
// ip: the end of a path, for Predict and for the checks that name where an
// address lives (lessons' DNAT and grading hints).
func Owner(s *engine.Snapshot, ip string) (*engine.Namespace, *engine.Link) {
	for i := range s.Namespaces {
		n := &s.Namespaces[i]
		for j := range n.Links {
			for _, a := range n.Links[j].Addrs {
				if a == ip || strings.HasPrefix(a, ip+"/") {
					return n, &n.Links[j]
				}
			}
		}
	}
	return nil, nil
}

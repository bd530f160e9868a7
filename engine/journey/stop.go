package journey

import (
	"errors"
	"net"
	"strings"
	"syscall"

	"github.com/vishvananda/netlink"
)

// stop finds where the request, or its reply, went no further, and why.
// The order of the checks is the kernel's order on that path: the link,
// then the forwarding switch, the route (and rp_filter), the filter rules,
// and last the neighbour (ARP) resolution for the next hop.
func (x *explainer) stop() *Drop {
	hs := x.j.Hops
	if len(hs) == 0 {
		return x.senderStop(x.p.From, x.s.src, x.j.To, "request")
	}
	last := hs[len(hs)-1]
	n := x.e.ns(last.NS)
	if last.Dir == "in" && n != nil && n.localIPs[last.Dst] {
		return x.replyStop(last)
	}
	return x.hopStop(hs, "request")
}

// senderStop explains a packet that the capture never saw leave ns.
func (x *explainer) senderStop(nsName, src, dst, leg string) *Drop {
	n := x.e.ns(nsName)
	ip := net.ParseIP(dst)
	if n == nil || ip == nil {
		return newDrop(x.lang, nsName, "?", ReasonUnknown, leg, m("stop.nothing_left", nsName))
	}
	rs, err := n.h.RouteGetWithOptions(ip, &netlink.RouteGetOptions{SrcAddr: net.ParseIP(src)})
	if err != nil || len(rs) == 0 {
		reason := ReasonNoRoute
		if leg == "reply" {
			reason = ReasonNoRouteBack
		}
		key := "stop.no_route"
		if leg == "reply" {
			key = "stop.no_route_back_err"
		}
		return newDrop(x.lang, nsName, "route", reason, leg, m(key, nsName, dst, errText(err)))
	}
	dev := n.devName(rs[0].LinkIndex)
	if d := x.linkDown(n, dev, leg); d != nil {
		return d
	}
	pv := pktView{proto: protoNum(x.p.Proto), src: src, dst: dst, out: dev, state: "NEW"}
	if leg == "reply" {
		pv.state = "ESTABLISHED"
	}
	if v, rule := x.chain(n, "filter", "OUTPUT", pv); v == "drop" || v == "reject" {
		return x.ruleDrop(nsName, "filter OUTPUT", rule, leg)
	}
	next := dst
	if rs[0].Gw != nil {
		next = rs[0].Gw.String()
	}
	if d := x.ownerLinkDown(next, leg); d != nil {
		return d
	}
	if x.arpUnanswered(nsName, dev, next) {
		return x.arpDrop(nsName, dev, next, leg)
	}
	return newDrop(x.lang, nsName, dev, ReasonUnknown, leg, m("stop.nothing_left_by", nsName, dev))
}

// replyStop explains a request that arrived but whose reply did not come
// back.
func (x *explainer) replyStop(arrived Hop) *Drop {
	rh := x.j.Reply.Hops
	if len(rh) > 0 {
		return x.hopStop(rh, "reply")
	}
	n := x.e.ns(arrived.NS)
	pv := pktView{proto: protoNum(x.p.Proto), src: arrived.Src, dst: arrived.Dst, sp: arrived.Sport, dp: arrived.Dport, in: arrived.Dev, state: "NEW"}
	if v, rule := x.chain(n, "filter", "INPUT", pv); v == "drop" || v == "reject" {
		return x.ruleDrop(n.name, "filter INPUT", rule, "request")
	}
	d := x.senderStop(arrived.NS, arrived.Dst, arrived.Src, "reply")
	if d.Reason == ReasonNoRouteBack {
		d.add(m("stop.unchanged", arrived.Src, arrived.NS))
		if h := x.snatHint(arrived.Src); len(h) > 0 {
			d.add(m("stop.hints", h))
		}
	}
	return d
}

// snatHint names the source NAT rules that did not rewrite src on the way,
// and the device the packet left by, for "MASQUERADE on the wrong
// interface".
func (x *explainer) snatHint(src string) []msg {
	var hints []msg
	for i, h := range x.j.Hops {
		if h.Dir != "out" || i == 0 {
			continue
		}
		n := x.e.ns(h.NS)
		for _, r := range n.rules {
			if r.Table == "nat" && r.Chain == "POSTROUTING" && (r.Target == "MASQUERADE" || r.Target == "SNAT") {
				hints = append(hints, m("stop.snat_nomatch", h.NS, ruleText(r), h.Dev))
			}
		}
		if len(hints) == 0 && h.Src == src && x.forwardedAt(i) {
			hints = append(hints, m("stop.no_snat", h.NS, h.Dev))
		}
	}
	return hints
}

// forwardedAt says whether the namespace of request hop i forwards what
// arrived on the device the packet came in by (its last "in" hop there).
func (x *explainer) forwardedAt(i int) bool {
	h := x.j.Hops[i]
	n := x.e.ns(h.NS)
	in := ""
	for k := i - 1; k >= 0 && x.j.Hops[k].NS == h.NS; k-- {
		if x.j.Hops[k].Dir == "in" {
			in = x.j.Hops[k].Dev
			break
		}
	}
	on, _ := n.forwards(in)
	return on
}

// hopStop explains a leg whose last captured hop is hs[len-1].
func (x *explainer) hopStop(hs []Hop, leg string) *Drop {
	last := hs[len(hs)-1]
	n := x.e.ns(last.NS)
	if n == nil {
		return newDrop(x.lang, last.NS, last.Dev, ReasonUnknown, leg, m("stop.nothing_left", last.NS))
	}
	if d, ok := x.tunnelStop(hs, leg); ok {
		return d
	}
	l := n.link(last.Dev)
	if last.Dir == "out" {
		if d := x.linkDown(n, last.Dev, leg); d != nil {
			return d
		}
		return newDrop(x.lang, last.NS, last.Dev, ReasonUnknown, leg, m("stop.not_seen_again", last.NS, last.Dev))
	}
	state := "NEW"
	if leg == "reply" {
		state = "ESTABLISHED"
	}
	pv := pktView{proto: protoNum(x.p.Proto), src: last.Src, dst: last.Dst, sp: last.Sport, dp: last.Dport, in: last.Dev, state: state}
	if l != nil && l.Master != "" {
		port, kind := fdbDecision(n, l.Master, last.dstMAC)
		if kind != "local" && n.on("net.bridge.bridge-nf-call-iptables") {
			pv.in, pv.out = l.Master, l.Master
			if v, rule := x.chain(n, "filter", "FORWARD", pv); v == "drop" || v == "reject" {
				d := newDrop(x.lang, n.name, "filter FORWARD", ReasonBrNF, leg, m("stop.brnf", n.name, l.Master, last.Dev, rule))
				d.Rule = rule
				return d
			}
		}
		if port != "" {
			if d := x.linkDown(n, port, leg); d != nil {
				return d
			}
		}
		return newDrop(x.lang, n.name, l.Master, ReasonUnknown, leg, m("stop.bridge_nowhere", l.Master, last.Dev))
	}
	if on, key := n.forwards(last.Dev); !on {
		dst := last.Dst
		if leg == "reply" && n.localIPs[dst] && len(x.j.Hops) > 0 {
			// A reply to a masqueraded request arrives for the router's
			// own address and is un-SNATed to the request's source before
			// the forwarding decision: name that address.
			dst = x.j.Hops[0].Src
		}
		return newDrop(x.lang, n.name, last.Dev, ReasonForwardOff, leg, m("stop.forward_off", dst, n.name, key))
	}
	dst := net.ParseIP(last.Dst)
	rs, err := n.h.RouteGetWithOptions(dst, &netlink.RouteGetOptions{Iif: last.Dev, SrcAddr: net.ParseIP(last.Src)})
	if err != nil || len(rs) == 0 {
		if errors.Is(err, syscall.EXDEV) || errors.Is(err, syscall.EINVAL) {
			return newDrop(x.lang, n.name, last.Dev, ReasonRPFilter, leg, m("stop.rp_filter", n.rpFilter(last.Dev), last.Dev, last.Src, last.Dev, errText(err)))
		}
		reason := ReasonNoRoute
		if leg == "reply" {
			reason = ReasonNoRouteBack
		}
		key := "stop.no_route"
		if leg == "reply" {
			key = "stop.no_route_back_err"
		}
		return newDrop(x.lang, n.name, "route", reason, leg, m(key, n.name, last.Dst, errText(err)))
	}
	out := n.devName(rs[0].LinkIndex)
	if d := x.tooBigFor(n, out, leg); d != nil {
		return d
	}
	pv.out = out
	if ol := n.link(out); ol != nil && ol.Master != "" {
		pv.out = ol.Master
	}
	if v, rule := x.chain(n, "filter", "FORWARD", pv); v == "drop" || v == "reject" {
		return x.forwardDrop(n.name, rule, leg, pv)
	}
	if d := x.linkDown(n, out, leg); d != nil {
		return d
	}
	next := last.Dst
	if rs[0].Gw != nil {
		next = rs[0].Gw.String()
	}
	if d := x.ownerLinkDown(next, leg); d != nil {
		return d
	}
	if x.arpUnanswered(n.name, out, next) {
		return x.arpDrop(n.name, out, next, leg)
	}
	return newDrop(x.lang, n.name, out, ReasonUnknown, leg, m("stop.not_seen_out", n.name, out))
}

func (x *explainer) ruleDrop(ns, where, rule, leg string) *Drop {
	reason := ReasonRule
	if strings.HasPrefix(rule, "-P ") {
		reason = ReasonPolicy
	}
	d := newDrop(x.lang, ns, where, reason, leg, m("stop.rule", where, ns, rule))
	d.Rule = rule
	return d
}

// linkDown reports dev, or the far end of its veth, when it is down.
func (x *explainer) linkDown(n *nsEnv, dev, leg string) *Drop {
	l := n.link(dev)
	if l == nil {
		return nil
	}
	if l.State == "down" {
		return newDrop(x.lang, n.name, dev, ReasonLinkDown, leg, m("stop.link_down", n.name, dev))
	}
	if l.Peer != nil && l.Peer.NS != "" {
		if pn := x.e.ns(l.Peer.NS); pn != nil {
			if pl := pn.link(l.Peer.Name); pl != nil && pl.State == "down" {
				return newDrop(x.lang, pn.name, pl.Name, ReasonLinkDown, leg, m("stop.peer_down", pn.name, pl.Name, n.name, dev))
			}
		}
	}
	return nil
}

// arpUnanswered reports that ns asked for ip on dev (as seen by the
// capture) and no answer for ip was seen anywhere.
func (x *explainer) arpUnanswered(ns, dev, ip string) bool {
	asked := false
	for _, q := range x.pkts {
		if !q.arp {
			continue
		}
		if q.arpOp == 2 && q.arpSPA == ip {
			return false
		}
		if q.arpOp == 1 && q.arpTPA == ip && q.ns == ns && q.out {
			asked = true
		}
	}
	if asked {
		return true
	}
	// The neighbour may have failed before the trace began: the kernel then
	// drops at once without asking again for a while.
	if n := x.e.ns(ns); n != nil {
		for _, nb := range n.snap.Neighbors {
			if nb.IP == ip && nb.Dev == dev && (nb.State == "failed" || nb.State == "incomplete") {
				return true
			}
		}
	}
	return false
}

// ownerLinkDown reports a down link on the owner's side of ip: the link
// that holds the address, or the far end of its veth. An ARP for ip then
// goes unanswered, but the cause is the link, not a missing host.
func (x *explainer) ownerLinkDown(ip, leg string) *Drop {
	o := x.e.owner(ip)
	if o == nil {
		return nil
	}
	for _, l := range o.snap.Links {
		for _, a := range l.Addrs {
			if a == ip || strings.HasPrefix(a, ip+"/") {
				if d := x.linkDown(o, l.Name, leg); d != nil {
					d.add(m("stop.cannot_answer", o.name, ip))
					return d
				}
			}
		}
	}
	return nil
}

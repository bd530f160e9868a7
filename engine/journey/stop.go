package journey

import (
	"errors"
	"fmt"
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
		return &Drop{NS: nsName, Where: "?", Reason: ReasonUnknown, Leg: leg, Detail: "nothing was seen leaving " + nsName}
	}
	rs, err := n.h.RouteGetWithOptions(ip, &netlink.RouteGetOptions{SrcAddr: net.ParseIP(src)})
	if err != nil || len(rs) == 0 {
		reason := ReasonNoRoute
		if leg == "reply" {
			reason = ReasonNoRouteBack
		}
		return &Drop{NS: nsName, Where: "route", Reason: reason, Leg: leg,
			Detail: fmt.Sprintf("%s has no route to %s (%s)", nsName, dst, errnoText(err))}
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
		return ruleDrop(nsName, "filter OUTPUT", rule, leg)
	}
	next := dst
	if rs[0].Gw != nil {
		next = rs[0].Gw.String()
	}
	if d := x.ownerLinkDown(next, leg); d != nil {
		return d
	}
	if x.arpUnanswered(nsName, dev, next) {
		return &Drop{NS: nsName, Where: dev, Reason: ReasonARP, Leg: leg,
			Detail: fmt.Sprintf("%s asked who-has %s on %s and no one answered", nsName, next, dev)}
	}
	return &Drop{NS: nsName, Where: dev, Reason: ReasonUnknown, Leg: leg,
		Detail: fmt.Sprintf("nothing was seen leaving %s by %s", nsName, dev)}
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
		return ruleDrop(n.name, "filter INPUT", rule, "request")
	}
	d := x.senderStop(arrived.NS, arrived.Dst, arrived.Src, "reply")
	if d.Reason == ReasonNoRouteBack {
		d.Detail += ": " + arrived.Src + " reached " + arrived.NS + " unchanged" + x.snatHint(arrived.Src)
	}
	return d
}

// snatHint names the source NAT rules that did not rewrite src on the way,
// and the device the packet left by, for "MASQUERADE on the wrong
// interface".
func (x *explainer) snatHint(src string) string {
	var hints []string
	for i, h := range x.j.Hops {
		if h.Dir != "out" || i == 0 {
			continue
		}
		n := x.e.ns(h.NS)
		for _, r := range n.rules {
			if r.Table == "nat" && r.Chain == "POSTROUTING" && (r.Target == "MASQUERADE" || r.Target == "SNAT") {
				hints = append(hints, fmt.Sprintf("in %s, %q did not match: the packet left by %s", h.NS, ruleText(r), h.Dev))
			}
		}
		if len(hints) == 0 && h.Src == src && n.sysctl["net.ipv4.ip_forward"] == "1" {
			hints = append(hints, fmt.Sprintf("%s forwarded it by %s without a source NAT", h.NS, h.Dev))
		}
	}
	if len(hints) == 0 {
		return ""
	}
	return "; " + strings.Join(hints, "; ")
}

// hopStop explains a leg whose last captured hop is hs[len-1].
func (x *explainer) hopStop(hs []Hop, leg string) *Drop {
	last := hs[len(hs)-1]
	n := x.e.ns(last.NS)
	if n == nil {
		return &Drop{NS: last.NS, Where: last.Dev, Reason: ReasonUnknown, Leg: leg}
	}
	l := n.link(last.Dev)
	if last.Dir == "out" {
		if d := x.linkDown(n, last.Dev, leg); d != nil {
			return d
		}
		return &Drop{NS: last.NS, Where: last.Dev, Reason: ReasonUnknown, Leg: leg,
			Detail: fmt.Sprintf("sent out of %s/%s and not seen again", last.NS, last.Dev)}
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
				return &Drop{NS: n.name, Where: "filter FORWARD", Rule: rule, Reason: ReasonBrNF, Leg: leg,
					Detail: fmt.Sprintf("net.bridge.bridge-nf-call-iptables=1 in %s: the frame bridged by %s from %s went through filter FORWARD, and %q dropped it", n.name, l.Master, last.Dev, rule)}
			}
		}
		if port != "" {
			if d := x.linkDown(n, port, leg); d != nil {
				return d
			}
		}
		return &Drop{NS: n.name, Where: l.Master, Reason: ReasonUnknown, Leg: leg,
			Detail: fmt.Sprintf("bridge %s took it in from %s and sent it nowhere that was seen", l.Master, last.Dev)}
	}
	if n.sysctl["net.ipv4.ip_forward"] != "1" {
		return &Drop{NS: n.name, Where: last.Dev, Reason: ReasonForwardOff, Leg: leg,
			Detail: fmt.Sprintf("%s is not %s's and net.ipv4.ip_forward=0 there: it was not forwarded", last.Dst, n.name)}
	}
	dst := net.ParseIP(last.Dst)
	rs, err := n.h.RouteGetWithOptions(dst, &netlink.RouteGetOptions{Iif: last.Dev, SrcAddr: net.ParseIP(last.Src)})
	if err != nil || len(rs) == 0 {
		if errors.Is(err, syscall.EXDEV) || errors.Is(err, syscall.EINVAL) {
			return &Drop{NS: n.name, Where: last.Dev, Reason: ReasonRPFilter, Leg: leg,
				Detail: fmt.Sprintf("rp_filter=%s on %s: the route back to %s does not go out by %s (%s)", n.rpFilter(last.Dev), last.Dev, last.Src, last.Dev, errnoText(err))}
		}
		reason := ReasonNoRoute
		if leg == "reply" {
			reason = ReasonNoRouteBack
		}
		return &Drop{NS: n.name, Where: "route", Reason: reason, Leg: leg,
			Detail: fmt.Sprintf("%s has no route to %s (%s)", n.name, last.Dst, errnoText(err))}
	}
	out := n.devName(rs[0].LinkIndex)
	pv.out = out
	if ol := n.link(out); ol != nil && ol.Master != "" {
		pv.out = ol.Master
	}
	if v, rule := x.chain(n, "filter", "FORWARD", pv); v == "drop" || v == "reject" {
		return ruleDrop(n.name, "filter FORWARD", rule, leg)
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
		return &Drop{NS: n.name, Where: out, Reason: ReasonARP, Leg: leg,
			Detail: fmt.Sprintf("%s asked who-has %s on %s and no one answered", n.name, next, out)}
	}
	return &Drop{NS: n.name, Where: out, Reason: ReasonUnknown, Leg: leg,
		Detail: fmt.Sprintf("%s routes it out of %s, but it was not seen there", n.name, out)}
}

func ruleDrop(ns, where, rule, leg string) *Drop {
	reason := ReasonRule
	if strings.HasPrefix(rule, "-P ") {
		reason = ReasonPolicy
	}
	return &Drop{NS: ns, Where: where, Rule: rule, Reason: reason, Leg: leg,
		Detail: fmt.Sprintf("%s in %s: %s", where, ns, rule)}
}

// linkDown reports dev, or the far end of its veth, when it is down.
func (x *explainer) linkDown(n *nsEnv, dev, leg string) *Drop {
	l := n.link(dev)
	if l == nil {
		return nil
	}
	if l.State == "down" {
		return &Drop{NS: n.name, Where: dev, Reason: ReasonLinkDown, Leg: leg, Detail: fmt.Sprintf("%s/%s is down", n.name, dev)}
	}
	if l.Peer != nil && l.Peer.NS != "" {
		if pn := x.e.ns(l.Peer.NS); pn != nil {
			if pl := pn.link(l.Peer.Name); pl != nil && pl.State == "down" {
				return &Drop{NS: pn.name, Where: pl.Name, Reason: ReasonLinkDown, Leg: leg,
					Detail: fmt.Sprintf("%s/%s, the other end of %s/%s, is down", pn.name, pl.Name, n.name, dev)}
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
					d.Detail += fmt.Sprintf(": %s, which has %s, cannot answer its ARP", o.name, ip)
					return d
				}
			}
		}
	}
	return nil
}

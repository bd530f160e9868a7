package journey

import (
	"net"
	"strconv"
	"strings"

	"github.com/vishvananda/netlink"
)

// tunnelHops sets Encap on the hops at a VXLAN device: going out, the
// outer packet the device's fdb makes for the frame's destination MAC;
// coming in, the outer packet that arrived in that namespace just before.
func (x *explainer) tunnelHops(hs []Hop) []Hop {
	for i := range hs {
		h := &hs[i]
		n := x.e.ns(h.NS)
		if n == nil || h.Encap != nil || n.vx[h.Dev] == nil {
			continue
		}
		if h.Dir == "out" {
			h.Encap = n.encapOf(n.vx[h.Dev], h.dstMAC)
			continue
		}
		for k := i - 1; k >= 0; k-- {
			if hs[k].NS == h.NS && hs[k].Encap != nil && hs[k].Dir == "in" {
				e := *hs[k].Encap
				h.Encap = &e
				break
			}
		}
	}
	return hs
}

// tunnelBefore orders a tunnel's hops in one namespace, which one capture
// time does not: the frame leaves by the VXLAN device before its outer
// packet leaves by the underlay, and the outer packet arrives before the
// device gives the inner one to the stack. ok false: not a tunnel pair.
func (x *explainer) tunnelBefore(a, b Hop) (before, ok bool) {
	if a.NS != b.NS || a.Dir != b.Dir {
		return false, false
	}
	n := x.e.ns(a.NS)
	if n == nil {
		return false, false
	}
	av, bv := n.vx[a.Dev] != nil, n.vx[b.Dev] != nil
	switch {
	case av && b.Encap != nil && !bv:
		return a.Dir == "out", true
	case bv && a.Encap != nil && !av:
		return a.Dir == "in", true
	}
	return false, false
}

// tunnelWhy is why for hs[i] when it is a tunnel's hop, else whyPlain.
func (x *explainer) tunnelWhy(n *nsEnv, hs []Hop, i int, leg string) string {
	h := hs[i]
	l := n.link(h.Dev)
	if d := n.vx[h.Dev]; d != nil {
		if h.Dir == "in" {
			return x.t("why.vxlan_in", d.name, d.vni) + "; " + x.whyPlain(hs, i, leg)
		}
		return x.vxlanOutWhy(n, d, h)
	}
	if h.Encap == nil || (l != nil && l.Master != "") {
		return x.whyPlain(hs, i, leg)
	}
	e := h.Encap
	if h.Dir == "out" {
		s := x.t("why.encap_out", e.VNI, e.Src, e.Dst, e.Dport)
		if r := n.matchRoute(net.ParseIP(e.Dst)); r != nil {
			s += "; " + x.t("why.route", x.routeText(r))
		}
		if l != nil && l.Peer != nil && l.Peer.NS != "" {
			s += "; " + x.t("why.veth", l.Peer.NS, l.Peer.Name)
		}
		return s
	}
	if n.localIPs[e.Dst] {
		if d := n.decapDev(e.Dport, e.VNI); d != nil {
			return x.t("why.decap", e.Dport, e.Dst, d.name, e.VNI)
		}
		return x.t("why.no_decap", e.Dport, e.VNI, e.Dst, n.vxListening())
	}
	s := x.t("why.encap_in", e.VNI, e.Src, e.Dst, e.Dport)
	if r := n.matchRoute(net.ParseIP(e.Dst)); r != nil {
		s += "; " + x.t("why.route", x.routeText(r))
	}
	return s
}

// vxlanOutWhy says how the frame that leaves by VXLAN device d finds its
// remote VTEP: the route, the neighbour entry for the next hop (the inner
// destination MAC) and the fdb entry for that MAC.
func (x *explainer) vxlanOutWhy(n *nsEnv, d *vxDev, h Hop) string {
	var parts []string
	next := h.Dst
	if r := n.matchRoute(net.ParseIP(h.Dst)); r != nil {
		parts = append(parts, x.t("why.route", x.routeText(r)))
		if r.Gw != "" {
			next = r.Gw
		}
	}
	mac, state := h.dstMAC, ""
	if nm, st := n.neighMAC(next, d.name); nm != "" && (mac == "" || strings.EqualFold(nm, mac)) {
		mac, state = nm, st
	}
	if mac != "" {
		if state == "" {
			state = "?"
		}
		parts = append(parts, x.t("why.vxlan_neigh", next, mac, state))
	}
	if h.Encap != nil {
		key := "why.vxlan_fdb_fdb"
		if _, how := d.vteps(mac); how == "default" {
			key = "why.vxlan_fdb_default"
		}
		parts = append(parts, x.t(key, d.name, mac, h.Encap.Dst, h.Encap.VNI, h.Encap.Dport))
	} else {
		parts = append(parts, x.t("why.vxlan_no_fdb", d.name, mac))
	}
	return strings.Join(parts, "; ")
}

// tunnelStop explains a leg whose last hop is a tunnel's: a frame that
// left by a VXLAN device and no outer packet after it, or an outer packet
// that reached its VTEP and no device took it. ok false: not such a hop.
func (x *explainer) tunnelStop(hs []Hop, leg string) (*Drop, bool) {
	last := hs[len(hs)-1]
	n := x.e.ns(last.NS)
	if n == nil {
		return nil, false
	}
	if d := n.vx[last.Dev]; d != nil && last.Dir == "out" {
		if dr := x.linkDown(n, d.name, leg); dr != nil {
			return dr, true
		}
		if dr := x.tooBigFor(n, d.name, leg); dr != nil {
			return dr, true
		}
		return x.vxlanSendStop(n, d, last.dstMAC, leg), true
	}
	e := last.Encap
	if e == nil || last.Dir != "in" || !n.localIPs[e.Dst] {
		return nil, false
	}
	if l := n.link(last.Dev); l != nil && l.Master != "" {
		return nil, false
	}
	dr := x.decapStop(n, last.Dev, *e, leg)
	if dr.Reason != ReasonUnknown {
		return dr, true
	}
	// The device took it: the inner packet goes on from the device as
	// from any link (rp_filter, forwarding, routes and rules), even when
	// no capture saw it there.
	vd := n.decapDev(e.Dport, e.VNI)
	inner := Hop{NS: n.name, Dev: vd.name, Dir: "in", Src: last.Src, Dst: last.Dst, Sport: last.Sport, Dport: last.Dport}
	return x.hopStop(append(append([]Hop{}, hs...), inner), leg), true
}

// vxlanSendStop is the stop of a frame for mac that VXLAN device d of n
// took and no outer packet followed.
func (x *explainer) vxlanSendStop(n *nsEnv, d *vxDev, mac, leg string) *Drop {
	enc := n.encapOf(d, mac)
	if enc == nil {
		return named(newDrop(x.lang, n.name, d.name, ReasonNoFDB, leg, m("stop.no_fdb", n.name, d.name, mac)), "mac", mac)
	}
	r := n.matchRoute(net.ParseIP(enc.Dst))
	if r == nil {
		return newDrop(x.lang, n.name, "route", ReasonNoRoute, leg, m("stop.no_route_vtep", n.name, enc.Dst, d.name))
	}
	if dr := x.linkDown(n, r.Dev, leg); dr != nil {
		return dr
	}
	return newDrop(x.lang, n.name, d.name, ReasonUnknown, leg, m("stop.not_seen_again", n.name, d.name))
}

// decapStop is the stop of an outer packet e that reached n, its VTEP,
// on dev and went no further.
func (x *explainer) decapStop(n *nsEnv, dev string, e Encap, leg string) *Drop {
	vd := n.decapDev(e.Dport, e.VNI)
	if vd == nil {
		return named(newDrop(x.lang, n.name, dev, ReasonVXLANPort, leg, m("stop.vxlan_port", n.name, e.Dst, e.Dport, e.VNI, n.vxListening())),
			"vtep", e.Dst, "port", strconv.Itoa(e.Dport), "vni", strconv.Itoa(e.VNI), "devices", n.vxListening())
	}
	pv := pktView{proto: 17, src: e.Src, dst: e.Dst, dp: e.Dport, in: dev, state: "NEW"}
	if v, rule := x.chain(n, "filter", "INPUT", pv); v == "drop" || v == "reject" {
		return x.ruleDrop(n.name, "filter INPUT", rule, leg)
	}
	if dr := x.linkDown(n, vd.name, leg); dr != nil {
		return dr
	}
	return newDrop(x.lang, n.name, vd.name, ReasonUnknown, leg, m("stop.not_decapped", n.name, vd.name))
}

// packetLen is the IPv4 length of the probe: an echo of Size bytes of
// data with its IP and ICMP headers (0 without a size).
func (x *explainer) packetLen() int {
	if x.p.Size <= 0 {
		return 0
	}
	return x.p.Size + 28
}

// tooBigFor is the stop of a sized probe that n routes into the VXLAN
// device dev when it is bigger than the device's MTU: with DF set the
// kernel does not forward it and answers "fragmentation needed". nil when
// it fits, dev is no tunnel or the probe has no size. The outer packet is
// not held to the underlay's MTU: a VXLAN device leaves DF off the outer
// header unless told `df set`, so the kernel fragments it instead.
func (x *explainer) tooBigFor(n *nsEnv, dev, leg string) *Drop {
	plen := x.packetLen()
	l := n.link(dev)
	if plen == 0 || l == nil || n.vx[dev] == nil || l.MTU <= 0 || plen <= l.MTU {
		return nil
	}
	return named(newDrop(x.lang, n.name, dev, ReasonTunnelMTU, leg, m("stop.tunnel_mtu_dev", n.name, dev, l.MTU, plen)),
		"mtu", strconv.Itoa(l.MTU), "packet", strconv.Itoa(plen))
}

// tooBigStop explains a sized echo the sender refused to send (EMSGSIZE):
// it already knows a smaller path MTU, from an earlier "fragmentation
// needed". The replayed path says which tunnel on the way is too small.
func (x *explainer) tooBigStop() *Drop {
	from := x.e.ns(x.p.From)
	plen := x.packetLen()
	pmtu := 0
	if from != nil && from.h != nil {
		if rs, err := from.h.RouteGetWithOptions(net.ParseIP(x.j.To), &netlink.RouteGetOptions{}); err == nil && len(rs) > 0 {
			pmtu = rs[0].MTU
		}
	}
	d := newDrop(x.lang, x.p.From, "route", ReasonTunnelMTU, "request", m("stop.too_big_known", x.p.From, plen, x.j.To, strconv.Itoa(pmtu)))
	replay := predictIn(x.e, Probe{From: x.p.From, Dst: x.j.To, Proto: "icmp", Size: x.p.Size}, x.lang, "")
	d.Names = map[string]string{"packet": strconv.Itoa(plen), "pmtu": strconv.Itoa(pmtu)}
	if replay.Drop != nil && replay.Drop.Reason == ReasonTunnelMTU {
		d.NS, d.Where = replay.Drop.NS, replay.Drop.Where
		d.Names["mtu"] = replay.Drop.Names["mtu"]
		d.add(m("stop.because", replay.Drop.parts[0]))
		return d
	}
	for _, h := range replay.Hops {
		if n := x.e.ns(h.NS); n != nil && n.vx[h.Dev] != nil && h.Dir == "out" {
			d.NS, d.Where = h.NS, h.Dev
			if l := n.link(h.Dev); l != nil {
				d.add(m("stop.tunnel_on_path", h.NS, h.Dev, l.MTU))
				d.Names["mtu"] = strconv.Itoa(l.MTU)
			}
			return d
		}
	}
	d.Reason = ReasonUnknown
	return d
}

// tunnelWalk replays a frame that n routes into VXLAN device d towards
// next: the neighbour entry (the frame's MAC), the fdb, the outer
// packet's way across the underlay to the VTEP, and the device there
// that takes it. It returns the hops after the device's own (the last
// one the arrival at the remote device) and the namespace reached.
func (x *explainer) tunnelWalk(n *nsEnv, d *vxDev, next, leg string) ([]Hop, *nsEnv, *Drop) {
	mac, _ := n.neighMAC(next, d.name)
	if mac == "" {
		// The kernel asks who-has on the device: a broadcast, which only
		// the default (all-zeros) entries carry.
		if dsts, _ := d.vteps("ff:ff:ff:ff:ff:ff"); len(dsts) == 0 {
			dr := newDrop(x.lang, n.name, d.name, ReasonARP, leg, m("stop.arp", n.name, next, d.name))
			dr.add(m("stop.vxlan_no_neigh", next, d.name))
			return nil, nil, dr
		}
	}
	if dr := x.tooBigFor(n, d.name, leg); dr != nil {
		return nil, nil, dr
	}
	enc := n.encapOf(d, mac)
	if enc == nil {
		return nil, nil, named(newDrop(x.lang, n.name, d.name, ReasonNoFDB, leg, m("stop.no_fdb", n.name, d.name, mac)), "mac", mac)
	}
	x.outer = &pktView{proto: 17, src: enc.Src, dst: enc.Dst, dp: enc.Dport, state: "NEW"}
	defer func() { x.outer = nil }()
	var hops []Hop
	cur := n
	for k := 0; k < 4; k++ {
		r := cur.matchRoute(net.ParseIP(enc.Dst))
		if r == nil {
			return nil, nil, newDrop(x.lang, cur.name, "route", ReasonNoRoute, leg, m("stop.no_route_vtep", cur.name, enc.Dst, d.name))
		}
		if k > 0 {
			if v, rule := x.chain(cur, "filter", "FORWARD", pktView{proto: 17, src: enc.Src, dst: enc.Dst, dp: enc.Dport, in: hops[len(hops)-1].Dev, out: r.Dev, state: "NEW"}); v == "drop" || v == "reject" {
				return nil, nil, x.ruleDrop(cur.name, "filter FORWARD", rule, leg)
			}
		}
		e := *enc
		hops = append(hops, Hop{NS: cur.name, Dev: r.Dev, Dir: "out", Encap: &e, Why: x.t("why.encap_out", e.VNI, e.Src, e.Dst, e.Dport) + "; " + x.t("why.route", x.routeText(r))})
		if dr := x.linkDown(cur, r.Dev, leg); dr != nil {
			return nil, nil, dr
		}
		nx := enc.Dst
		if r.Gw != "" {
			nx = r.Gw
		}
		on := x.e.owner(nx)
		if on == nil {
			return nil, nil, newDrop(x.lang, cur.name, r.Dev, ReasonARP, leg, m("stop.arp_nobody", cur.name, nx, r.Dev))
		}
		l2, target, dr := x.l2Walk(cur, r.Dev, on, nx)
		if dr != nil {
			return nil, nil, dr
		}
		for i := range l2 {
			l2[i].Encap = &e
		}
		hops = append(hops, l2...)
		hops = append(hops, Hop{NS: on.name, Dev: target, Dir: "in", Encap: &e})
		if on.localIPs[enc.Dst] {
			vd := on.decapDev(enc.Dport, enc.VNI)
			if vd == nil {
				return nil, nil, named(newDrop(x.lang, on.name, target, ReasonVXLANPort, leg, m("stop.vxlan_port", on.name, enc.Dst, enc.Dport, enc.VNI, on.vxListening())),
					"vtep", enc.Dst, "port", strconv.Itoa(enc.Dport), "vni", strconv.Itoa(enc.VNI), "devices", on.vxListening())
			}
			if v, rule := x.chain(on, "filter", "INPUT", pktView{proto: 17, src: enc.Src, dst: enc.Dst, dp: enc.Dport, in: target, state: "NEW"}); v == "drop" || v == "reject" {
				return nil, nil, x.ruleDrop(on.name, "filter INPUT", rule, leg)
			}
			hops[len(hops)-1].Why = x.t("why.decap", enc.Dport, enc.Dst, vd.name, enc.VNI)
			if dr := x.linkDown(on, vd.name, leg); dr != nil {
				return nil, nil, dr
			}
			hops = append(hops, Hop{NS: on.name, Dev: vd.name, Dir: "in", Encap: &e})
			return hops, on, nil
		}
		if fw, key := on.forwards(target); !fw && on.knowsForwarding(target) {
			return nil, nil, newDrop(x.lang, on.name, target, ReasonForwardOff, leg, m("stop.forward_off", enc.Dst, on.name, key))
		}
		cur = on
	}
	return nil, nil, newDrop(x.lang, n.name, d.name, ReasonUnknown, leg, m("stop.too_long"))
}

// tunnelBack replays the reply from cur to src when its way crosses a
// tunnel, and returns the reply's stop there (nil: none, or no tunnel).
func (x *explainer) tunnelBack(cur *nsEnv, src string) *Drop {
	if x.back || src == "" {
		return nil
	}
	back := &explainer{e: x.e, lang: x.lang, back: true}
	j := predictInWith(back, x.e, Probe{From: cur.name, Dst: src, Proto: x.p.Proto, Size: x.p.Size}, x.lang, "")
	if j.Drop == nil {
		return nil
	}
	switch j.Drop.Reason {
	case ReasonNoFDB, ReasonVXLANPort, ReasonTunnelMTU:
	default:
		return nil
	}
	crossed := false
	for _, h := range j.Hops {
		crossed = crossed || h.Encap != nil
	}
	if !crossed && j.Drop.Reason != ReasonNoFDB {
		return nil
	}
	j.Drop.Leg = "reply"
	return j.Drop
}

// proxyFor is the namespace and device that answer n's ARP for next, a
// gateway no namespace holds (the caller asks only for a gateway: a
// destination no one holds is plainly unanswered), on its veth dev: the veth's far end, when
// proxy ARP is on there. With it off, the stop no-proxy-arp; nil, nil
// when dev is no veth into a visible namespace.
func (x *explainer) proxyFor(n *nsEnv, dev, next, leg string) (*nsEnv, string, *Drop) {
	l := n.link(dev)
	if l == nil || l.Peer == nil || l.Peer.NS == "" {
		return nil, "", nil
	}
	pn := x.e.ns(l.Peer.NS)
	if pn == nil || pn.link(l.Peer.Name) == nil || pn.link(l.Peer.Name).Master != "" {
		return nil, "", nil // a bridge port answers nothing itself
	}
	pl := l.Peer.Name
	if on, key := pn.proxyARP(pl); !on {
		return nil, "", named(newDrop(x.lang, n.name, dev, ReasonNoProxyARP, leg, m("stop.no_proxy_arp", n.name, next, dev, pn.name, pl, key)),
			"gw", next, "node", pn.name, "peer", pl, "key", key)
	}
	if fw, key := pn.forwards(pl); !fw && pn.knowsForwarding(pl) {
		return nil, "", named(newDrop(x.lang, n.name, dev, ReasonNoProxyARP, leg, m("stop.proxy_arp_noforward", n.name, next, dev, pn.name, pl, key)),
			"gw", next, "node", pn.name, "peer", pl, "key", key)
	}
	return pn, pl, nil
}

// byDefault adds to a request's stop for want of forwarding or of a route
// the router before it that sent the packet there by its default route,
// having no route of its own to the destination: on a cluster's nodes
// (a missing route to the other node's pod subnet) that is the fault,
// while the stop is where the kernel dropped it. It returns that router
// ("" when none).
func (x *explainer) byDefault(d *Drop) string {
	if d == nil || d.Leg != "request" || (d.Reason != ReasonForwardOff && d.Reason != ReasonNoRoute) {
		return ""
	}
	hs := x.j.Hops
	for i := len(hs) - 1; i > 0; i-- {
		h := hs[i]
		if h.NS == d.NS || h.Dir != "out" || h.Encap != nil {
			continue
		}
		n := x.e.ns(h.NS)
		if n == nil || i == 0 || hs[0].NS == h.NS {
			return ""
		}
		r := n.matchRoute(net.ParseIP(x.j.To))
		if r == nil || r.Dst != "default" {
			return ""
		}
		d.add(m("stop.by_default", h.NS, x.j.To, r.Gw))
		named(d, "router", h.NS, "gw", r.Gw)
		return h.NS
	}
	return ""
}

// named sets names (key, value, ...) on d for a hint, and returns d.
func named(d *Drop, kv ...string) *Drop {
	if d.Names == nil {
		d.Names = map[string]string{}
	}
	for i := 0; i+1 < len(kv); i += 2 {
		d.Names[kv[i]] = kv[i+1]
	}
	return d
}

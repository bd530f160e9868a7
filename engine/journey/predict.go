package journey

import (
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/nettutor/nettutor/engine"
)

// Predict is the journey an ICMP echo from namespace from to dst would
// take, replayed from a snapshot alone, in English (PredictProbe says it
// in another language, or for TCP and UDP).
func Predict(snap *engine.Snapshot, from, dst string) *Journey {
	return PredictProbe(snap, Probe{From: from, Dst: dst, Proto: "icmp"}, "en")
}

// PredictProbe is the journey probe p would take, replayed from a snapshot
// alone: nothing is sent and no kernel is asked. Every hop has Observed
// false, and the evidence says so. It is the one place where a path is
// reasoned about from a snapshot: the exercise checks' diagnoses
// (lessons/check.go) and `run --plain` come from it, and it shares its
// stop reasons, their wording and the l2 reasoning with Trace.
func PredictProbe(snap *engine.Snapshot, p Probe, lang string) *Journey {
	return predictIn(envFromSnapshot(snap), p, lang,
		"rules (iptables -S rules of the snapshot; policies are not in it)")
}

// PredictLab is PredictProbe on an engine lab: the same replay, and still
// nothing is sent, but with what the snapshot lacks read from the lab's
// kernel: the chains' policies (FORWARD DROP, as Docker sets it) and the
// sysctls (ip_forward, bridge-nf-call-iptables). snap is the lab's
// snapshot (nil: read now). `run --plain` shows each step's probes so.
func PredictLab(lab *engine.Lab, snap *engine.Snapshot, p Probe, lang string) (*Journey, error) {
	e, err := openLabEnvSnap(lab, snap)
	if err != nil {
		return nil, err
	}
	defer e.close()
	return predictIn(e, p, lang, "rules (iptables -S rules and policies of the lab, matched against the packet)"), nil
}

// predictIn walks the probe's path through e's namespaces by replayed
// lookups alone.
func predictIn(e *env, p Probe, lang, rulesFrom string) *Journey {
	return predictInWith(&explainer{e: e, lang: lang}, e, p, lang, rulesFrom)
}

// predictInWith is predictIn with the explainer x (tunnelBack's walks the
// reply's way and does not look back again).
func predictInWith(x *explainer, e *env, p Probe, lang, rulesFrom string) *Journey {
	from, dst := p.From, p.Dst
	if p.Proto == "" {
		p.Proto = "icmp"
	}
	j := &Journey{From: from, To: dst, Proto: p.Proto, Port: p.Port, Hops: []Hop{}, Rules: []RuleHit{}, NAT: []Rewrite{},
		Evidence: Evidence{Observed: []string{},
			Replayed: []string{"routes (longest prefix of the snapshot's main table)", "links and bridge ports (snapshot)"},
			Inferred: []string{rulesFrom, "nat", "drop"}}}
	x.j, x.p = j, p
	j.Reply = &Leg{Result: "lost", Hops: []Hop{}}
	// The namespaces whose nat rules were read over netlink for a DNAT
	// the replay followed (svc_predict.go): their nat rules are replayed.
	natRead := map[string]bool{}
	defer func() {
		// Say which crossed namespaces had rules the replay could not read.
		seen := map[string]bool{}
		for _, h := range j.Hops {
			if n := e.ns(h.NS); n != nil && n.unparsed > 0 && !seen[h.NS] && !(natRead[h.NS] && n.unparsedNATOnly()) {
				seen[h.NS] = true
				j.Unreplayed = append(j.Unreplayed, h.NS)
				j.Evidence.Inferred = append(j.Evidence.Inferred, fmt.Sprintf("not replayed: %d rule(s) of %s not in iptables form", n.unparsed, h.NS))
			}
		}
	}()
	stop := func(d *Drop) *Journey {
		j.Drop = d
		x.byDefault(d)
		switch d.Reason {
		case ReasonRule, ReasonPolicy, ReasonBrNF, ReasonRPFilter, ReasonSvcRejected, ReasonSvcNoLocal:
			j.Result = Dropped
		case ReasonNoRoute:
			j.Result = NoRoute
		default:
			j.Result = NoReply
		}
		return j
	}
	cur := e.ns(from)
	if cur == nil {
		var names []string
		for _, n := range e.nss {
			names = append(names, n.name)
		}
		return stop(newDrop(lang, from, "?", ReasonUnknown, "request", m("stop.no_ns", from, strings.Join(names, ", "))))
	}
	if net.ParseIP(dst).To4() == nil {
		return stop(newDrop(lang, from, "?", ReasonUnknown, "request", m("stop.bad_dst", dst)))
	}
	src := ""
	var in *Hop // where the packet came into cur
	// The routers on the way and the device each forwarded the request
	// out of: the reply comes in there, and is forwarded only if that
	// device forwards.
	type router struct {
		n   *nsEnv
		out string
	}
	var routers []router
	// The sender's nat OUTPUT is read once; its DNAT goes on the first
	// hop out.
	sentNAT := false
	var pending, pendingMasq *Rewrite
	pendingWhy := ""
	// A Service's DNAT followed in PREROUTING (svc_predict.go): where, to
	// which endpoint, and the masquerade conntrack recorded for the reply.
	svcNS, svcEP, masq := "", "", ""
	// The connection's source port, as conntrack's original tuple holds
	// it until a source rewrite in the replay (then unknown: 0).
	sport := p.Sport
	undecided := func(d *Drop) *Journey {
		j.Drop, j.Result = d, Undecided
		j.Reply.Result = ""
		return j
	}
	for depth := 0; depth < 8; depth++ {
		if in != nil {
			// nat PREROUTING comes before the routing decision: a DNAT
			// (a published port) sends the packet on to its new address.
			pv := pktView{proto: protoNum(p.Proto), src: src, dst: dst, dp: p.Port, in: in.Dev, state: "NEW"}
			v, rule := x.chain(cur, "nat", "PREROUTING", pv)
			to := ""
			if v == "dnat" {
				to = cur.ruleTo(rule)
			}
			// kube-proxy's DNAT (-m statistic, -m addrtype: not in the
			// iptables -S replay) read over netlink, with conntrack's
			// choice (svc_predict.go); it decides where the -S replay
			// found nothing, or found one of several.
			s := predictSvcDNAT(cur, protoNum(p.Proto), src, dst, sport, p.Port, false)
			if s != nil && s.stopped {
				// A Service address no rule translates, dropped or
				// rejected by filter on every path (no endpoints).
				if to == "" && e.owner(dst) == nil {
					return stop(x.svcRejectStop(cur, "filter FORWARD", hostPort(dst, p.Port, protoNum(p.Proto)), s.stopAt))
				}
				s = nil
			}
			if s != nil && (to == "" || len(s.choices) > 0 || !sameTo(to, p.Port, s.to, s.port)) {
				if len(s.choices) > 0 {
					return undecided(x.svcDNATStop(cur.name, "nat PREROUTING", s.choices, s.byCT))
				}
				from := hostPort(dst, p.Port, protoNum(p.Proto))
				toHP := hostPort(s.to, s.port, protoNum(p.Proto))
				rw := Rewrite{NS: cur.name, Kind: "dnat", From: from, To: toHP}
				j.NAT = append(j.NAT, rw)
				in.NAT = append(in.NAT, rw)
				in.Why = joinWhy(in.Why, x.svcDNATWhy(s, "nat PREROUTING", from, toHP))
				dst, p.Port = s.to, s.port
				to = ""
				svcNS, svcEP, masq = cur.name, toHP, s.masq
				natRead[cur.name] = true
			}
			if to != "" {
				{ // the iptables -S replay's DNAT (a published port)
					host, port := to, p.Port
					if h, ps, err := net.SplitHostPort(to); err == nil {
						host = h
						if n, err := strconv.Atoi(ps); err == nil {
							port = n
						}
					}
					j.NAT = append(j.NAT, Rewrite{NS: cur.name, Kind: "dnat", From: hostPort(dst, p.Port, protoNum(p.Proto)), To: hostPort(host, port, protoNum(p.Proto)), Rule: rule})
					in.Why = x.t("why.dnat", hostPort(dst, p.Port, protoNum(p.Proto)), hostPort(host, port, protoNum(p.Proto)))
					dst, p.Port = host, port
				}
			}
		}
		if cur.localIPs[dst] {
			if in != nil && in.Why == "" {
				in.Why = x.t("why.delivered", dst, cur.name)
			}
			break
		}
		ip := net.ParseIP(dst)
		if in != nil {
			// Forwarding is the ingress device's: on on br0 and off on
			// uplink forwards RED's request and drops OUTSIDE's reply.
			if on, key := cur.forwards(in.Dev); !on && cur.knowsForwarding(in.Dev) {
				return stop(newDrop(lang, cur.name, in.Dev, ReasonForwardOff, "request", m("stop.forward_off", dst, cur.name, key)))
			}
		}
		r := cur.matchRoute(ip)
		if r == nil {
			return stop(newDrop(lang, cur.name, "route", ReasonNoRoute, "request", m("stop.no_route_subnet", cur.name, dst)))
		}
		if r.Type == "blackhole" || r.Type == "unreachable" || r.Type == "prohibit" {
			// A route that drops: blackhole silently, the others with an
			// ICMP error; no device to follow (Calico's block route).
			return stop(newDrop(lang, cur.name, "route", ReasonNoRoute, "request", m("stop.route_type", cur.name, dst, r.Type+" "+r.Dst)))
		}
		if src == "" {
			src = firstAddr(cur, r.Dev, r.Src)
		}
		if in == nil && !sentNAT {
			// nat OUTPUT of the sender after its first route lookup; a
			// DNAT there routes the packet again, to its new address.
			sentNAT = true
			s := predictSvcDNAT(cur, protoNum(p.Proto), src, dst, sport, p.Port, true)
			if s != nil && s.stopped {
				if e.owner(dst) == nil {
					return stop(x.svcRejectStop(cur, "filter OUTPUT", hostPort(dst, p.Port, protoNum(p.Proto)), s.stopAt))
				}
				s = nil
			}
			if s != nil {
				if len(s.choices) > 0 {
					return undecided(x.svcDNATStop(cur.name, "nat OUTPUT", s.choices, s.byCT))
				}
				from := hostPort(dst, p.Port, protoNum(p.Proto))
				toHP := hostPort(s.to, s.port, protoNum(p.Proto))
				rw := Rewrite{NS: cur.name, Kind: "dnat", From: from, To: toHP}
				j.NAT = append(j.NAT, rw)
				pending = &rw
				pendingWhy = x.svcDNATWhy(s, "nat OUTPUT", from, toHP)
				dst, p.Port = s.to, s.port
				svcNS, svcEP, masq = cur.name, toHP, s.masq
				natRead[cur.name] = true
				continue
			}
		}
		pv := pktView{proto: protoNum(p.Proto), src: src, dst: dst, dp: p.Port, out: r.Dev, state: "NEW"}
		if in == nil && masq != "" && cur.name == svcNS {
			// The sender's own connection to a Service, masqueraded on
			// its way out (conntrack's reply tuple goes back to masq).
			rw := Rewrite{NS: cur.name, Kind: KindMasquerade, From: src, To: masq, Rule: kubeMasqRule(cur)}
			j.NAT = append(j.NAT, rw)
			pendingMasq = &rw
			src, masq, sport = masq, "", 0
		}
		if in != nil {
			pv.in = in.Dev
			if v, rule := x.chain(cur, "filter", "FORWARD", pv); v == "drop" || v == "reject" {
				return stop(x.forwardDrop(cur.name, rule, "request", pv))
			}
			if masq != "" && cur.name == svcNS {
				// conntrack's reply tuple goes back to masq: the packet
				// left svcNS masqueraded (KUBE-POSTROUTING).
				rw := Rewrite{NS: cur.name, Kind: KindMasquerade, From: src, To: masq, Rule: kubeMasqRule(cur)}
				j.NAT = append(j.NAT, rw)
				pendingMasq = &rw
				src, masq, sport = masq, "", 0
			} else if v, rule := x.chain(cur, "nat", "POSTROUTING", pv); v == "snat" {
				to := firstAddr(cur, r.Dev, "")
				j.NAT = append(j.NAT, Rewrite{NS: cur.name, Kind: "snat", From: src, To: to, Rule: rule})
				src, sport = to, 0
			}
		}
		why := x.t("why.route", x.routeText(r))
		if n := len(j.NAT); n > 0 && j.NAT[n-1].NS == cur.name && in != nil && j.NAT[n-1].Kind != KindMasquerade {
			why += "; " + x.t("why.snat", j.NAT[n-1].From, j.NAT[n-1].To)
		}
		j.Hops = append(j.Hops, Hop{NS: cur.name, Dev: r.Dev, Dir: "out", Src: src, Dst: dst, Why: why})
		natWhy := "" // the Service rewrites' why, kept when a tunnel's replaces the hop's
		if pending != nil {
			h := &j.Hops[len(j.Hops)-1]
			h.NAT = append(h.NAT, *pending)
			natWhy = pendingWhy
			h.Why = joinWhy(pendingWhy, h.Why)
			pending = nil
		}
		if pendingMasq != nil {
			h := &j.Hops[len(j.Hops)-1]
			h.NAT = append(h.NAT, *pendingMasq)
			w := x.t("svcpredict.why_masq", pendingMasq.From, pendingMasq.To, hookPath(pendingMasq.Rule))
			natWhy = joinWhy(natWhy, w)
			h.Why = joinWhy(h.Why, w)
			pendingMasq = nil
		}
		if in != nil {
			routers = append(routers, router{cur, r.Dev})
		}
		if d := x.linkDown(cur, r.Dev, "request"); d != nil {
			return stop(d)
		}
		next := dst
		if r.Gw != "" {
			next = r.Gw
		}
		if d := cur.vx[r.Dev]; d != nil {
			// Into a tunnel: the outer packet's way to the remote VTEP,
			// and the device there that decapsulates it.
			x.src = src
			mac, _ := cur.neighMAC(next, d.name)
			h := &j.Hops[len(j.Hops)-1]
			h.Encap, h.dstMAC = cur.encapOf(d, mac), mac
			h.Why = joinWhy(natWhy, x.vxlanOutWhy(cur, d, *h))
			hops, on, dr := x.tunnelWalk(cur, d, next, "request")
			if dr != nil {
				return stop(dr)
			}
			for i := range hops {
				hops[i].Src, hops[i].Dst = src, dst
			}
			j.Hops = append(j.Hops, hops...)
			in = &j.Hops[len(j.Hops)-1]
			cur = on
			continue
		}
		on := e.owner(next)
		if on == nil {
			// A gateway no namespace holds (Calico's 169.254.1.1) is
			// answered by proxy ARP on the far end of the veth, or not.
			var pn *nsEnv
			var pl string
			var dr *Drop
			if r.Gw != "" {
				pn, pl, dr = x.proxyFor(cur, r.Dev, next, "request")
			}
			if dr != nil {
				return stop(dr)
			}
			if pn == nil {
				if o, ol, mac := x.neighOwner(cur, r.Dev, next); o != nil {
					j.Hops = append(j.Hops, Hop{NS: o.name, Dev: ol, Dir: "in", Src: src, Dst: dst, Why: x.t("why.neigh_owner", cur.name, next, mac, o.name, ol)})
					in = &j.Hops[len(j.Hops)-1]
					cur = o
					continue
				}
				return stop(newDrop(lang, cur.name, r.Dev, ReasonARP, "request", m("stop.arp_nobody", cur.name, next, r.Dev)))
			}
			j.Hops = append(j.Hops, Hop{NS: pn.name, Dev: pl, Dir: "in", Src: src, Dst: dst, Why: x.t("why.proxy_arp", pn.name, next, pl)})
			in = &j.Hops[len(j.Hops)-1]
			cur = pn
			continue
		}
		if d := x.ownerLinkDown(next, "request"); d != nil {
			return stop(d)
		}
		x.src = src
		hops, target, d := x.l2Walk(cur, r.Dev, on, next)
		if d != nil {
			return stop(d)
		}
		for i := range hops {
			hops[i].Src, hops[i].Dst = src, dst
		}
		j.Hops = append(j.Hops, hops...)
		j.Hops = append(j.Hops, Hop{NS: on.name, Dev: target, Dir: "in", Src: src, Dst: dst})
		in = &j.Hops[len(j.Hops)-1]
		cur = on
	}
	if !cur.localIPs[dst] {
		return stop(newDrop(lang, cur.name, "route", ReasonUnknown, "request", m("stop.too_long")))
	}
	// Delivered in another namespace: its filter INPUT (kube-proxy's
	// DROP for a Service with no local endpoints, svc_local.go).
	if cur.name != from && cur.hasInputRules() {
		if d := x.inputStop(cur, protoNum(p.Proto), src, dst, p.Port); d != nil {
			return stop(d)
		}
	}
	// A Service that sent the connection back to its own client.
	if svcNS != "" && cur.name == from {
		if d := x.svcSelfStop(svcNS, svcEP, src); d != nil {
			if d.Reason == ReasonHairpinOff {
				// The bridge did not send it back out of the port it
				// came in by: the journey ends before that port.
				for k, h := range j.Hops {
					if h.NS == svcNS && h.Dev == d.Where && h.Dir == "out" {
						j.Hops = j.Hops[:k]
						break
					}
				}
			}
			return stop(d)
		}
	}
	// A tunnel on the way back: the reply crosses it with the other
	// node's device, port and fdb, which may not match.
	if d := x.tunnelBack(cur, src); d != nil {
		return stop(d)
	}
	// The way back, to the source as it arrived.
	if s := net.ParseIP(src); s != nil && cur.matchRoute(s) == nil {
		d := newDrop(lang, cur.name, "route", ReasonNoRouteBack, "reply", m("stop.no_route_back", cur.name, src))
		if h := x.snatHint(src); len(h) > 0 {
			d.add(m("stop.hints", h))
		}
		return stop(d)
	}
	for k := len(routers) - 1; k >= 0; k-- {
		rt := routers[k]
		if on, key := rt.n.forwards(rt.out); !on && rt.n.knowsForwarding(rt.out) {
			return stop(newDrop(lang, rt.n.name, rt.out, ReasonForwardOff, "reply", m("stop.forward_off", j.Hops[0].Src, rt.n.name, key)))
		}
	}
	j.Result = Replied
	j.Reply.Result = "delivered"
	return j
}

// l2Walk finds how a frame sent out of dev in ns reaches the link of on
// that has next: a veth straight to it, or through a bridge (its ports).
// It returns the hops in between and the device it arrives on in on; when
// the snapshot shows no way, the stop with the l2 reason (l2Why).
func (x *explainer) l2Walk(ns *nsEnv, dev string, on *nsEnv, next string) ([]Hop, string, *Drop) {
	e := x.e
	holder := ""
	for _, l := range on.snap.Links {
		for _, a := range l.Addrs {
			if strings.HasPrefix(a, next+"/") {
				holder = l.Name
			}
		}
	}
	fail := func() ([]Hop, string, *Drop) {
		s, down, ok := l2Why(e.snap, linkRef{ns.name, dev}, linkRef{on.name, holder})
		if ok {
			// The segment reaches it by a way the walk below does not
			// follow (bridges in a chain): it arrives, hops unknown.
			return nil, holder, nil
		}
		reason := ReasonARP
		if down {
			reason = ReasonLinkDown
		}
		d := newDrop(x.lang, ns.name, dev, reason, "request", m("stop.arp", ns.name, next, dev))
		d.add(m("stop.because", s))
		return nil, "", d
	}
	l := ns.link(dev)
	if l == nil {
		return fail()
	}
	var hops []Hop
	bridgeNS, bridge, entry := ns, "", ""
	switch {
	case l.Kind == "bridge":
		bridge = l.Name
	case l.Peer != nil && l.Peer.NS == on.name && l.Peer.Name == holder:
		return nil, holder, nil
	case l.Peer != nil && l.Peer.NS != "":
		bridgeNS = e.ns(l.Peer.NS)
		if bridgeNS == nil {
			return fail()
		}
		pl := bridgeNS.link(l.Peer.Name)
		if pl == nil || pl.Master == "" {
			return fail()
		}
		bridge, entry = pl.Master, pl.Name
		hops = append(hops, Hop{NS: bridgeNS.name, Dev: entry, Dir: "in", Why: x.t("why.bridge_port", bridge)})
	default:
		return fail()
	}
	if bridgeNS == on && bridge == holder {
		return hops, holder, nil // the bridge's own address: up to its namespace
	}
	for _, p := range bridgeNS.snap.Links {
		if p.Master == bridge && p.Name != entry && p.Peer != nil && p.Peer.NS == on.name && p.Peer.Name == holder {
			if bridgeNS.on("net.bridge.bridge-nf-call-iptables") {
				// Bridged IPv4 meets filter FORWARD, with the bridge as
				// both devices (as Docker's FORWARD policy DROP shows).
				pv := pktView{proto: protoNum(x.p.Proto), src: x.src, dst: x.p.Dst, dp: x.p.Port, in: bridge, out: bridge, state: "NEW"}
				if x.outer != nil {
					pv = *x.outer
					pv.in, pv.out = bridge, bridge
				}
				if v, rule := x.chain(bridgeNS, "filter", "FORWARD", pv); v == "drop" || v == "reject" {
					d := newDrop(x.lang, bridgeNS.name, "filter FORWARD", ReasonBrNF, "request", m("stop.brnf", bridgeNS.name, bridge, entry, rule))
					d.Rule = rule
					return nil, "", d
				}
			}
			hops = append(hops, Hop{NS: bridgeNS.name, Dev: p.Name, Dir: "out", Why: x.t("why.bridge_towards", bridge, on.name)})
			if d := x.linkDown(bridgeNS, p.Name, "request"); d != nil {
				return nil, "", d
			}
			return hops, holder, nil
		}
	}
	return fail()
}

func firstAddr(n *nsEnv, dev, pref string) string {
	if pref != "" {
		return pref
	}
	if l := n.link(dev); l != nil {
		for _, a := range l.Addrs {
			if ip, _, _ := strings.Cut(a, "/"); !strings.Contains(ip, ":") {
				return ip
			}
		}
	}
	return ""
}

// envFromSnapshot is an env with no live namespace behind it: what Predict
// replays from.
func envFromSnapshot(snap *engine.Snapshot) *env {
	e := &env{snap: snap}
	for i := range snap.Namespaces {
		ns := &snap.Namespaces[i]
		n := &nsEnv{name: ns.Name, snap: ns, policy: map[string]string{}, sysctl: map[string]string{}, localIPs: map[string]bool{}}
		for k, v := range ns.Sysctl {
			n.sysctl[k] = v
		}
		for _, l := range ns.Links {
			for _, a := range l.Addrs {
				ip, _, _ := strings.Cut(a, "/")
				n.localIPs[ip] = true
			}
		}
		for _, line := range ns.Rules {
			if r, ok := replayed(line); ok {
				n.rules = append(n.rules, r)
			} else {
				n.unparsed++
				if strings.HasPrefix(line, "#") {
					n.unrendered++
				}
			}
		}
		n.readVXLAN()
		e.nss = append(e.nss, n)
	}
	return e
}

// ruleTo is the --to-destination of the DNAT rule whose iptables -S text
// is rule, "" when no rule of n has that text.
func (n *nsEnv) ruleTo(rule string) string {
	for _, r := range n.rules {
		if ruleText(r) == rule {
			return r.ToDest
		}
	}
	return ""
}

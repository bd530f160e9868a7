package journey

import (
	"fmt"
	"net"
	"strings"

	"github.com/nettutor/nettutor/engine"
	"github.com/nettutor/nettutor/engine/iptables"
)

// Predict is the journey a probe from namespace from to dst would take,
// replayed from a snapshot alone: nothing is sent and no kernel is asked.
// Every hop has Observed false, and the evidence says so. It is the seam
// through which the exercise checks' path diagnoses (lessons/check.go)
// can come from this one model: a check has a snapshot, and Trace's
// explanation and Predict share the stop reasons and their wording.
func Predict(snap *engine.Snapshot, from, dst string) *Journey {
	e := envFromSnapshot(snap)
	j := &Journey{From: from, To: dst, Proto: "icmp", Hops: []Hop{}, Rules: []RuleHit{}, NAT: []Rewrite{},
		Evidence: Evidence{Observed: []string{},
			Replayed: []string{"routes (longest prefix of the snapshot's main table)", "links and bridge ports (snapshot)"},
			Inferred: []string{"rules (iptables -S rules of the snapshot; policies are not in it)", "nat", "drop"}}}
	x := &explainer{e: e, j: j, p: Probe{From: from, Dst: dst, Proto: "icmp"}}
	j.Reply = &Leg{Result: "lost", Hops: []Hop{}}
	stop := func(d *Drop) *Journey {
		j.Drop = d
		switch d.Reason {
		case ReasonRule, ReasonPolicy, ReasonBrNF, ReasonRPFilter:
			j.Result = Dropped
		case ReasonNoRoute:
			j.Result = NoRoute
		default:
			j.Result = NoReply
		}
		return j
	}
	cur := e.ns(from)
	if cur == nil || net.ParseIP(dst).To4() == nil {
		return stop(&Drop{NS: from, Where: "?", Reason: ReasonUnknown, Leg: "request", Detail: fmt.Sprintf("no namespace %q or no IPv4 address %q", from, dst)})
	}
	src := ""
	var in *Hop // where the packet came into cur
	for depth := 0; depth < 8; depth++ {
		if cur.localIPs[dst] {
			break
		}
		ip := net.ParseIP(dst)
		if in != nil && cur.sysctl["net.ipv4.ip_forward"] != "1" {
			return stop(&Drop{NS: cur.name, Where: in.Dev, Reason: ReasonForwardOff, Leg: "request",
				Detail: fmt.Sprintf("%s is not %s's and net.ipv4.ip_forward=0 there: it was not forwarded", dst, cur.name)})
		}
		r := cur.matchRoute(ip)
		if r == nil {
			return stop(&Drop{NS: cur.name, Where: "route", Reason: ReasonNoRoute, Leg: "request",
				Detail: fmt.Sprintf("%s has no route to %s", cur.name, dst)})
		}
		if src == "" {
			src = firstAddr(cur, r.Dev, r.Src)
		}
		pv := pktView{proto: 1, src: src, dst: dst, out: r.Dev, state: "NEW"}
		if in != nil {
			pv.in = in.Dev
			if v, rule := x.chain(cur, "filter", "FORWARD", pv); v == "drop" || v == "reject" {
				return stop(ruleDrop(cur.name, "filter FORWARD", rule, "request"))
			}
			if v, _ := x.chain(cur, "nat", "POSTROUTING", pv); v == "snat" {
				to := firstAddr(cur, r.Dev, "")
				j.NAT = append(j.NAT, Rewrite{NS: cur.name, Kind: "snat", From: src, To: to})
				src = to
			}
		}
		j.Hops = append(j.Hops, Hop{NS: cur.name, Dev: r.Dev, Dir: "out", Src: src, Dst: dst, Why: "route " + routeText(r)})
		if d := x.linkDown(cur, r.Dev, "request"); d != nil {
			return stop(d)
		}
		next := dst
		if r.Gw != "" {
			next = r.Gw
		}
		on := e.owner(next)
		if on == nil {
			return stop(&Drop{NS: cur.name, Where: r.Dev, Reason: ReasonARP, Leg: "request",
				Detail: fmt.Sprintf("%s asks who-has %s on %s and no namespace has that address", cur.name, next, r.Dev)})
		}
		if d := x.ownerLinkDown(next, "request"); d != nil {
			return stop(d)
		}
		hops, target, why := l2Walk(e, cur, r.Dev, on, next)
		if target == "" {
			return stop(&Drop{NS: cur.name, Where: r.Dev, Reason: ReasonUnknown, Leg: "request", Detail: why})
		}
		for i := range hops {
			hops[i].Src, hops[i].Dst = src, dst
		}
		j.Hops = append(j.Hops, hops...)
		h := Hop{NS: on.name, Dev: target, Dir: "in", Src: src, Dst: dst}
		if on.localIPs[dst] {
			h.Why = fmt.Sprintf("%s is %s's own address: delivered", dst, on.name)
		}
		j.Hops = append(j.Hops, h)
		in = &j.Hops[len(j.Hops)-1]
		cur = on
	}
	if !cur.localIPs[dst] {
		return stop(&Drop{NS: cur.name, Where: "route", Reason: ReasonUnknown, Leg: "request", Detail: "the path is longer than 8 namespaces"})
	}
	// The way back, to the source as it arrived.
	if s := net.ParseIP(src); s != nil && cur.matchRoute(s) == nil {
		d := &Drop{NS: cur.name, Where: "route", Reason: ReasonNoRouteBack, Leg: "reply",
			Detail: fmt.Sprintf("%s has no route to %s", cur.name, src)}
		return stop(d)
	}
	j.Result = Replied
	j.Reply.Result = "delivered"
	return j
}

// l2Walk finds how a frame sent out of dev in ns reaches the link of on
// that has next: a veth straight to it, or through a bridge (its ports).
// It returns the hops in between, the device it arrives on in on, and
// when it finds no way, why.
func l2Walk(e *env, ns *nsEnv, dev string, on *nsEnv, next string) ([]Hop, string, string) {
	holder := ""
	for _, l := range on.snap.Links {
		for _, a := range l.Addrs {
			if strings.HasPrefix(a, next+"/") {
				holder = l.Name
			}
		}
	}
	l := ns.link(dev)
	if l == nil {
		return nil, "", fmt.Sprintf("%s has no link %s", ns.name, dev)
	}
	var hops []Hop
	bridgeNS, bridge, entry := ns, "", ""
	switch {
	case l.Kind == "bridge":
		bridge = l.Name
	case l.Peer != nil && l.Peer.NS == on.name && l.Peer.Name == holder:
		return nil, holder, ""
	case l.Peer != nil && l.Peer.NS != "":
		bridgeNS = e.ns(l.Peer.NS)
		if bridgeNS == nil {
			return nil, "", fmt.Sprintf("%s/%s leads to no visible namespace", ns.name, dev)
		}
		pl := bridgeNS.link(l.Peer.Name)
		if pl == nil || pl.Master == "" {
			return nil, "", fmt.Sprintf("%s/%s, the other end of %s/%s, is not a bridge port and has no %s", l.Peer.NS, l.Peer.Name, ns.name, dev, next)
		}
		bridge, entry = pl.Master, pl.Name
		hops = append(hops, Hop{NS: bridgeNS.name, Dev: entry, Dir: "in", Why: "bridge " + bridge + " port"})
	default:
		return nil, "", fmt.Sprintf("%s/%s leads nowhere visible", ns.name, dev)
	}
	if bridgeNS == on && bridge == holder {
		return hops, holder, "" // the bridge's own address: up to its namespace
	}
	for _, p := range bridgeNS.snap.Links {
		if p.Master == bridge && p.Name != entry && p.Peer != nil && p.Peer.NS == on.name && p.Peer.Name == holder {
			hops = append(hops, Hop{NS: bridgeNS.name, Dev: p.Name, Dir: "out", Why: "bridge " + bridge + ": to the port towards " + on.name})
			if d := (&explainer{e: e}).linkDown(bridgeNS, p.Name, "request"); d != nil {
				return nil, "", d.Detail
			}
			return hops, holder, ""
		}
	}
	return nil, "", fmt.Sprintf("no port of %s/%s leads to %s/%s (which has %s)", bridgeNS.name, bridge, on.name, holder, next)
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
			if r, err := iptables.Parse(strings.Fields(line)); err == nil {
				n.rules = append(n.rules, r)
			}
		}
		e.nss = append(e.nss, n)
	}
	return e
}

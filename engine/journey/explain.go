package journey

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"

	"github.com/nettutor/nettutor/engine"
	"github.com/nettutor/nettutor/engine/iptables"
	"github.com/vishvananda/netlink"
)

// explainer holds the evidence of one trace while it is turned into a
// journey.
type explainer struct {
	e     *env
	lang  string // of the why and the stop's detail
	p     Probe
	s     sent
	pkts  []*pkt
	fwd   map[tuple]bool // the request's tuples, before and after each NAT
	j     *Journey
	reqIn []*pkt
	repIn []*pkt
	src   string // Predict: the request's source address where it is now
	// outer is the outer packet while Predict walks the underlay under a
	// tunnel: bridges' filter FORWARD sees it, not the inner one.
	outer *pktView
	// back says the replay walks the reply's way (tunnelBack).
	back bool
}

func explain(e *env, lang string, p Probe, dst string, s sent, pkts []*pkt, flows []flow) *Journey {
	j := &Journey{From: p.From, To: dst, Proto: p.Proto, Port: p.Port, Hops: []Hop{}, Rules: []RuleHit{}, NAT: []Rewrite{},
		Evidence: Evidence{
			Observed: []string{"hops (AF_PACKET capture on every veth and bridge)", "nat (conntrack tuples)", "reply"},
			Replayed: []string{"routes (route get in each namespace, with iif and src)", "fdb (bridge fdb of the snapshot)"},
			Inferred: []string{"rules (iptables -S rules and policies matched against the captured packet)", "drop"},
		}}
	x := &explainer{e: e, lang: lang, p: p, s: s, pkts: pkts, j: j, fwd: map[tuple]bool{}}
	if s.tooBig {
		j.Result = NoReply
		j.Drop = x.tooBigStop()
		j.Reply = &Leg{Result: "lost", Hops: []Hop{}}
		return j
	}
	if s.connectErr != nil {
		j.Result = NoRoute
		key := "stop.no_route_sent"
		if n := e.ns(p.From); n != nil && n.matchRoute(net.ParseIP(dst)) == nil {
			key = "stop.no_route_subnet_sent" // not even a default route: say what is missing
		}
		j.Drop = newDrop(lang, p.From, "route", ReasonNoRoute, "request", m(key, p.From, dst, errText(s.connectErr)))
		j.Reply = &Leg{Result: "lost", Hops: []Hop{}}
		return j
	}
	t0 := tuple{proto: protoNum(p.Proto), src: s.src, dst: dst, sp: s.sport, dp: p.Port}
	if t0.proto == 1 {
		t0.sp = 0
	}
	x.fwd[t0] = true
	x.closeOverNAT(flows)
	x.classify()
	j.Hops = x.tunnelHops(x.hops(x.reqIn, x.requestOrigin(t0)))
	j.Reply = &Leg{Result: "lost", Kind: s.kind, Hops: x.tunnelHops(x.hops(x.repIn, replyOrigin(j.Hops)))}
	if !s.replied && s.icmpErr != "" {
		j.Reply.Kind = "icmp error: " + s.icmpErr // an answer, but not from the destination
	}
	if s.replied {
		j.Reply.Result = "delivered"
	}
	for i := range j.Hops {
		j.Hops[i].Why = x.why(j.Hops, i, "request")
	}
	for i := range j.Reply.Hops {
		j.Reply.Hops[i].Why = x.why(j.Reply.Hops, i, "reply")
	}
	x.natFromHops()
	x.confirmNAT()
	x.rulesCrossed()
	if s.replied {
		j.Result = Replied
		return j
	}
	j.Drop = x.stop()
	x.byDefault(j.Drop)
	switch j.Drop.Reason {
	case ReasonRule, ReasonPolicy, ReasonBrNF, ReasonRPFilter:
		j.Result = Dropped
	case ReasonNoRoute:
		j.Result = NoRoute
	default:
		j.Result = NoReply
	}
	return j
}

func protoNum(p string) uint8 {
	switch p {
	case "tcp":
		return 6
	case "udp":
		return 17
	}
	return 1
}

// closeOverNAT adds to the request's tuples every form conntrack says the
// request takes after a rewrite, and notes each rewrite.
func (x *explainer) closeOverNAT(flows []flow) {
	for changed := true; changed; {
		changed = false
		for _, f := range flows {
			if !x.fwd[f.orig] {
				continue
			}
			after := f.replyDir.reverse()
			if x.fwd[after] {
				continue
			}
			x.fwd[after] = true
			changed = true
			if after.src != f.orig.src || after.sp != f.orig.sp {
				x.j.NAT = append(x.j.NAT, Rewrite{NS: f.ns, Kind: "snat", From: hostPort(f.orig.src, f.orig.sp, f.orig.proto), To: hostPort(after.src, after.sp, f.orig.proto)})
			}
			if after.dst != f.orig.dst || after.dp != f.orig.dp {
				x.j.NAT = append(x.j.NAT, Rewrite{NS: f.ns, Kind: "dnat", From: hostPort(f.orig.dst, f.orig.dp, f.orig.proto), To: hostPort(after.dst, after.dp, f.orig.proto)})
			}
		}
	}
}

func hostPort(ip string, port int, proto uint8) string {
	if proto == 1 || port == 0 {
		return ip
	}
	return fmt.Sprintf("%s:%d", ip, port)
}

// classify splits the captured packets of this probe into the request's
// and the reply's (ICMP errors about the request count with the reply).
func (x *explainer) classify() {
	for _, q := range x.pkts {
		if q.arp || q.proto != protoNum(x.p.Proto) && q.proto != 1 {
			continue
		}
		if q.proto == 1 && x.p.Proto == "icmp" {
			if q.sport != x.s.sport && q.inner == nil {
				continue
			}
			switch {
			case q.icmpTyp == 8 && x.fwd[q.tuple()]:
				x.reqIn = append(x.reqIn, q)
			case q.icmpTyp == 0 && x.fwd[q.tuple().reverse()]:
				x.repIn = append(x.repIn, q)
			case q.inner != nil && q.inner.sport == x.s.sport && x.fwd[q.inner.tuple()]:
				x.repIn = append(x.repIn, q)
			}
			continue
		}
		if q.proto == 1 {
			if q.inner != nil && x.fwd[q.inner.tuple()] {
				x.repIn = append(x.repIn, q)
			}
			continue
		}
		switch {
		case x.fwd[q.tuple()]:
			x.reqIn = append(x.reqIn, q)
		case x.fwd[q.tuple().reverse()]:
			x.repIn = append(x.repIn, q)
		case q.sport == x.s.sport:
			// conntrack forgets a flow that a RST answered at once, and a
			// DNAT keeps the source port: the port ties the rewritten
			// packet to the probe.
			x.reqIn = append(x.reqIn, q)
		case q.dport == x.s.sport:
			x.repIn = append(x.repIn, q)
		}
	}
}

// requestOrigin finds the hop where the probe left its sender: the
// sender's own packet, with the probe's tuple, going out.
func (x *explainer) requestOrigin(t0 tuple) func(Hop) bool {
	return func(h Hop) bool {
		return h.NS == x.p.From && h.Dir == "out" && h.Src == t0.src && h.Dst == t0.dst &&
			(t0.proto == 1 || h.Sport == t0.sp && h.Dport == t0.dp)
	}
}

// replyOrigin finds the hop where the reply left the namespace that
// answered: going out, the reverse of the request as it arrived there.
func replyOrigin(req []Hop) func(Hop) bool {
	if len(req) == 0 || req[len(req)-1].Dir != "in" {
		return nil
	}
	last := req[len(req)-1]
	return func(h Hop) bool {
		return h.NS == last.NS && h.Dir == "out" && h.Src == last.Dst && h.Dst == last.Src &&
			h.Sport == last.Dport && h.Dport == last.Sport
	}
}

// hops turns captured packets into hops, one per capture point and
// direction (the first time the packet was seen there). origin, when
// known, picks the hop where the leg began (see untie).
func (x *explainer) hops(ps []*pkt, origin func(Hop) bool) []Hop {
	out := []Hop{}
	seen := map[string]bool{}
	for _, q := range ps {
		dir := "in"
		if q.out {
			dir = "out"
		}
		k := q.ns + "/" + q.dev + "/" + dir
		if seen[k] {
			continue
		}
		seen[k] = true
		h := Hop{NS: q.ns, Dev: q.dev, Dir: dir, Src: q.src, Dst: q.dst, Observed: true, Encap: q.encap, srcMAC: q.srcMAC, dstMAC: q.dstMAC, t: q.t}
		if q.proto != 1 {
			h.Sport, h.Dport = q.sport, q.dport
		}
		out = append(out, h)
	}
	x.untieFrom(out, origin)
	return out
}

// untie puts hops in path order. Capture times alone do not give it: the
// kernel stamps a packet once when it is received, so a frame seen on a
// bridge port and then on the bridge carries one time at both, and the
// stamps of different sockets are not taken at the same moment of the
// packet's way. The topology (a veth's far end comes after it, a port
// before its bridge, in before out) orders what it can; time orders the
// rest.
func (x *explainer) untie(hs []Hop) { x.untieFrom(hs, nil) }

// untieFrom is untie when the hop where the leg began is known (origin
// says which): nothing comes before it. The rule "in before out" holds
// for a packet a namespace forwards, not for one it sends: a pod that
// reaches itself through its Service (hairpin) sends the packet out of
// eth0 and gets it back in on eth0, and without its origin that in would
// be put first.
func (x *explainer) untieFrom(hs []Hop, origin func(Hop) bool) {
	n := len(hs)
	indeg := make([]int, n)
	first := make([]bool, n)
	for k := range hs {
		first[k] = origin != nil && origin(hs[k])
		for i := range hs {
			// Sent through a bridge: the bridge's out comes before its
			// port's, and the bridge's is the origin.
			if first[k] && i != k && hs[i].NS == hs[k].NS && hs[i].Dir == "out" && x.before(hs[i], hs[k]) {
				first[k] = false
			}
		}
	}
	for i := range hs {
		for k := range hs {
			if i != k && !first[k] && x.before(hs[i], hs[k]) && (first[i] || !x.before(hs[k], hs[i])) {
				indeg[k]++
			}
		}
	}
	done := make([]bool, n)
	out := make([]Hop, 0, n)
	for len(out) < n {
		pick := -1
		for i := range hs {
			if !done[i] && indeg[i] == 0 && (pick < 0 || hs[i].t.Before(hs[pick].t)) {
				pick = i
			}
		}
		if pick < 0 { // a cycle: take the earliest left
			for i := range hs {
				if !done[i] && (pick < 0 || hs[i].t.Before(hs[pick].t)) {
					pick = i
				}
			}
		}
		done[pick] = true
		out = append(out, hs[pick])
		for k := range hs {
			if !done[k] && !first[k] && x.before(hs[pick], hs[k]) && (first[pick] || !x.before(hs[k], hs[pick])) {
				indeg[k]--
			}
		}
	}
	copy(hs, out)
}

// before reports that a packet at hop a must have been there before b.
func (x *explainer) before(a, b Hop) bool {
	if t, ok := x.tunnelBefore(a, b); ok {
		return t
	}
	if a.NS != b.NS {
		n := x.e.ns(a.NS)
		if n == nil || a.Dir != "out" || b.Dir != "in" {
			return false
		}
		l := n.link(a.Dev)
		return l != nil && l.Peer != nil && l.Peer.NS == b.NS && l.Peer.Name == b.Dev
	}
	n := x.e.ns(a.NS)
	if n == nil {
		return false
	}
	la, lb := n.link(a.Dev), n.link(b.Dev)
	switch {
	case a.Dir == "in" && b.Dir == "out":
		return true
	case a.Dir == "in" && b.Dir == "in":
		return la != nil && la.Master == b.Dev // the port, then its bridge
	case a.Dir == "out" && b.Dir == "out":
		return lb != nil && lb.Master == a.Dev // the bridge, then its port
	}
	return false
}

// why says why the packet at hops[i] went on to the next hop (or that it
// arrived).
func (x *explainer) why(hs []Hop, i int, leg string) string {
	h := hs[i]
	n := x.e.ns(h.NS)
	if n == nil {
		return ""
	}
	return x.tunnelWhy(n, hs, i, leg)
}

// whyPlain is why for a hop outside a tunnel (and for the inner packet
// once a VXLAN device has taken it out).
func (x *explainer) whyPlain(hs []Hop, i int, leg string) string {
	h := hs[i]
	n := x.e.ns(h.NS)
	l := n.link(h.Dev)
	var parts []string
	if h.Dir == "out" {
		if l != nil && l.Master != "" {
			port, kind := fdbDecision(n, l.Master, h.dstMAC)
			switch kind {
			case "learned", "static":
				parts = append(parts, x.t("why.fdb_port", l.Master, h.dstMAC, port, x.t("fdb."+kind)))
			default:
				parts = append(parts, x.t("why.fdb_flood_out", l.Master, h.dstMAC))
			}
		} else if ip := net.ParseIP(h.Dst); ip != nil {
			if r := n.matchRoute(ip); r != nil {
				parts = append(parts, x.t("why.route", x.routeText(r)))
			} else {
				parts = append(parts, x.t("why.sent_out", h.Dev))
			}
		}
		if i > 0 && hs[i-1].NS == h.NS && hs[i-1].Src != h.Src && h.Src != "" {
			if leg == "reply" {
				parts = append(parts, x.t("why.undo_dnat", hs[i-1].Src, h.Src))
			} else {
				parts = append(parts, x.t("why.snat", hs[i-1].Src, h.Src))
			}
		}
		if l != nil && l.Peer != nil && l.Peer.NS != "" {
			parts = append(parts, x.t("why.veth", l.Peer.NS, l.Peer.Name))
		}
		return strings.Join(parts, "; ")
	}
	// in
	if l != nil && l.Master != "" {
		port, kind := fdbDecision(n, l.Master, h.dstMAC)
		switch kind {
		case "local":
			return x.t("why.fdb_local", l.Master, h.dstMAC, h.NS)
		case "learned", "static":
			s := x.t("why.fdb_port", l.Master, h.dstMAC, port, x.t("fdb."+kind))
			if n.on("net.bridge.bridge-nf-call-iptables") {
				s += "; " + x.t("why.brnf")
			}
			return s
		}
		return x.t("why.fdb_flood_in", l.Master, h.dstMAC)
	}
	dst, src := net.ParseIP(h.Dst), net.ParseIP(h.Src)
	if dst == nil {
		return ""
	}
	s := ""
	if i+1 < len(hs) && hs[i+1].NS == h.NS && hs[i+1].Dst != h.Dst {
		if leg == "reply" {
			s = x.t("why.undo_snat", h.Dst, hs[i+1].Dst) + "; "
		} else {
			s = x.t("why.dnat", h.Dst, hs[i+1].Dst) + "; "
		}
		dst = net.ParseIP(hs[i+1].Dst)
	} else if n.localIPs[h.Dst] {
		return x.t("why.delivered", h.Dst, h.NS)
	}
	on, key := n.forwards(h.Dev)
	if !on {
		return s + x.t("why.forward_off", shortKey(key))
	}
	rs, err := n.h.RouteGetWithOptions(dst, &netlink.RouteGetOptions{Iif: h.Dev, SrcAddr: src})
	if err != nil || len(rs) == 0 {
		return s + x.t("why.lookup_failed", h.Dev, h.Src, errText(err))
	}
	r := n.matchRoute(dst)
	rt := "dev " + n.devName(rs[0].LinkIndex)
	if r != nil {
		rt = x.routeText(r)
	}
	return s + x.t("why.forwarded", shortKey(key), h.Dev, rt)
}

// fdbDecision is what bridge br does with a frame for mac: local (the
// bridge's or a port's own address), learned or static (on a port), or
// flood.
func fdbDecision(n *nsEnv, br, mac string) (port, kind string) {
	if l := n.link(br); l != nil && strings.EqualFold(l.MAC, mac) {
		return br, "local"
	}
	if mac == "ff:ff:ff:ff:ff:ff" {
		return "", "flood"
	}
	for _, f := range n.snap.FDB {
		if !strings.EqualFold(f.MAC, mac) {
			continue
		}
		pl := n.link(f.Dev)
		if f.Master != br && (pl == nil || pl.Master != br) && f.Dev != br {
			continue
		}
		switch f.State {
		case "permanent":
			return f.Dev, "local"
		case "static":
			return f.Dev, "static"
		}
		return f.Dev, "learned"
	}
	return "", "flood"
}

func (x *explainer) confirmNAT() {
	for i := range x.j.NAT {
		r := &x.j.NAT[i]
		ip, _, _ := strings.Cut(r.To, ":")
		for _, h := range append(append([]Hop{}, x.j.Hops...), x.j.Reply.Hops...) {
			if (r.Kind == "snat" && (h.Src == ip || h.Dst == ip)) || (r.Kind == "dnat" && (h.Dst == ip || h.Src == ip)) {
				r.Confirmed = true
			}
		}
		if n := x.e.ns(r.NS); n != nil {
			for _, rl := range n.rules {
				if rl.Table == "nat" && (r.Kind == "snat" && (rl.Target == "MASQUERADE" || rl.Target == "SNAT") || r.Kind == "dnat" && rl.Target == "DNAT") {
					r.Rule = ruleText(rl)
					break
				}
			}
		}
	}
}

// pktView is a packet as a chain of netfilter sees it.
type pktView struct {
	proto    uint8
	src, dst string
	sp, dp   int
	in, out  string
	state    string
}

// rulesCrossed matches the rules of each namespace the request crossed
// against the packet as it was there: PREROUTING, FORWARD and POSTROUTING
// where it was forwarded, OUTPUT and POSTROUTING where it was sent, INPUT
// where it was delivered.
func (x *explainer) rulesCrossed() {
	hs := x.j.Hops
	for i, h := range hs {
		n := x.e.ns(h.NS)
		if n == nil {
			continue
		}
		pv := pktView{proto: protoNum(x.p.Proto), src: h.Src, dst: h.Dst, sp: h.Sport, dp: h.Dport, state: "NEW"}
		l := n.link(h.Dev)
		if h.Dir == "in" && l != nil && l.Master != "" {
			// A bridged frame meets filter FORWARD when br_netfilter is on,
			// with the bridge as in and out device.
			if i+1 < len(hs) && hs[i+1].NS == h.NS && hs[i+1].Dir == "out" && n.on("net.bridge.bridge-nf-call-iptables") {
				pv.in, pv.out = l.Master, l.Master
				x.chain(n, "filter", "FORWARD", pv)
			}
			continue
		}
		if h.Dir == "in" {
			pv.in = h.Dev
			x.chain(n, "nat", "PREROUTING", pv)
			if i+1 < len(hs) && hs[i+1].NS == h.NS && hs[i+1].Dir == "out" {
				nx := hs[i+1]
				pv.dst, pv.dp = nx.Dst, nx.Dport
				pv.out = nx.Dev
				if ol := n.link(nx.Dev); ol != nil && ol.Master != "" {
					pv.out = ol.Master
				}
				x.chain(n, "filter", "FORWARD", pv)
				x.chain(n, "nat", "POSTROUTING", pv)
			} else if n.localIPs[h.Dst] {
				x.chain(n, "filter", "INPUT", pv)
			}
			continue
		}
		if i == 0 {
			pv.out = h.Dev
			x.chain(n, "filter", "OUTPUT", pv)
			x.chain(n, "nat", "POSTROUTING", pv)
		}
	}
}

// chain evaluates table/chain for pv, records the rules that matched and
// returns the verdict with the deciding rule ("" when the chain has none).
func (x *explainer) chain(n *nsEnv, table, chain string, pv pktView) (verdict, rule string) {
	v, r, hit := evalChain(n, table, chain, pv, 0)
	if hit {
		x.j.Rules = append(x.j.Rules, RuleHit{NS: n.name, Table: table, Chain: chain, Rule: r, Verdict: v, Source: "inferred"})
	}
	return v, r
}

// evalChain walks a chain as netfilter would for pv. hit says a rule (or a
// non-ACCEPT policy) decided.
func evalChain(n *nsEnv, table, chain string, pv pktView, depth int) (verdict, rule string, hit bool) {
	if depth > 8 {
		return "accept", "", false
	}
	for _, r := range n.rules {
		if r.Table != table || r.Chain != chain || !matches(r, pv) {
			continue
		}
		switch r.Target {
		case "ACCEPT":
			return "accept", ruleText(r), true
		case "DROP":
			return "drop", ruleText(r), true
		case "REJECT":
			return "reject", ruleText(r), true
		case "MASQUERADE", "SNAT":
			return "snat", ruleText(r), true
		case "DNAT":
			return "dnat", ruleText(r), true
		case "RETURN":
			return "", "", false
		case "", "LOG":
			continue
		default:
			if v, rl, h := evalChain(n, table, r.Target, pv, depth+1); h {
				return v, rl, true
			}
		}
	}
	if depth > 0 {
		return "", "", false
	}
	if p := n.policy[table+"/"+chain]; p == "DROP" {
		return "drop", "-P " + chain + " DROP", true
	}
	return "accept", "", false
}

func ruleText(r iptables.Rule) string {
	s := r.String()
	if strings.HasPrefix(s, "-t ") {
		if f := strings.SplitN(s, " ", 3); len(f) == 3 {
			s = f[2]
		}
	}
	return s
}

func matches(r iptables.Rule, pv pktView) bool {
	if r.Src != "" && inCIDR(r.Src, pv.src) == r.NotSrc {
		return false
	}
	if r.Dst != "" && inCIDR(r.Dst, pv.dst) == r.NotDst {
		return false
	}
	if r.In != "" && ifMatch(r.In, pv.in) == r.NotIn {
		return false
	}
	if r.Out != "" && ifMatch(r.Out, pv.out) == r.NotOut {
		return false
	}
	if r.Proto != "" && (r.Proto == protoName(pv.proto)) == r.NotProto {
		return false
	}
	if r.DPort != 0 && r.DPort != pv.dp {
		return false
	}
	if r.SPort != 0 && r.SPort != pv.sp {
		return false
	}
	if len(r.CTState) > 0 {
		in := false
		for _, s := range r.CTState {
			if strings.EqualFold(s, pv.state) {
				in = true
			}
		}
		if in == r.NotCTState {
			return false
		}
	}
	return true
}

func protoName(p uint8) string {
	switch p {
	case 6:
		return "tcp"
	case 17:
		return "udp"
	}
	return "icmp"
}

func inCIDR(cidr, ip string) bool {
	a := net.ParseIP(ip)
	if a == nil {
		return false
	}
	if !strings.Contains(cidr, "/") {
		return net.ParseIP(cidr).Equal(a)
	}
	_, c, err := net.ParseCIDR(cidr)
	return err == nil && c.Contains(a)
}

func ifMatch(pat, dev string) bool {
	if dev == "" {
		return false
	}
	if strings.HasSuffix(pat, "+") {
		return strings.HasPrefix(dev, strings.TrimSuffix(pat, "+"))
	}
	return pat == dev
}

func errnoText(err error) string {
	var en syscall.Errno
	if errors.As(err, &en) {
		return en.Error()
	}
	if err == nil {
		return "no route"
	}
	return err.Error()
}

// natFromHops adds the rewrites that the captures show: the packet came
// into a namespace with one address and left it with another. conntrack
// says the same when it still holds the flow; when it does not (a SYN
// answered by a RST is forgotten at once), the captures are the evidence.
func (x *explainer) natFromHops() {
	hs := x.j.Hops
	for i := 0; i < len(hs); {
		k := i
		for k+1 < len(hs) && hs[k+1].NS == hs[i].NS {
			k++
		}
		in, out := hs[i], hs[k]
		if in.Dir == "in" && out.Dir == "out" {
			pr := protoNum(x.p.Proto)
			if in.Dst != out.Dst || in.Dport != out.Dport {
				x.addNAT(Rewrite{NS: in.NS, Kind: "dnat", From: hostPort(in.Dst, in.Dport, pr), To: hostPort(out.Dst, out.Dport, pr), Confirmed: true})
			}
			if in.Src != out.Src || in.Sport != out.Sport {
				x.addNAT(Rewrite{NS: in.NS, Kind: "snat", From: hostPort(in.Src, in.Sport, pr), To: hostPort(out.Src, out.Sport, pr), Confirmed: true})
			}
		}
		i = k + 1
	}
}

func (x *explainer) addNAT(r Rewrite) {
	for _, o := range x.j.NAT {
		if o.NS == r.NS && o.Kind == r.Kind {
			return
		}
	}
	x.j.NAT = append(x.j.NAT, r)
}

// t is one sentence of the explanation in the journey's language.
func (x *explainer) t(key string, args ...any) string { return tr(x.lang, key, args...) }

// routeText is a route as `ip route` prints it, with its kind in words: a
// default route, or a connected one (no gateway), as a learner reads them.
func (x *explainer) routeText(r *engine.Route) string {
	kind := "route.connected"
	switch {
	case r.Dst == "default":
		kind = "route.default"
	case r.Gw != "":
		kind = "route.gateway"
	}
	return routeText(r) + " (" + x.t(kind) + ")"
}

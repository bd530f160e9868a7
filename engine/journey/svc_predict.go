package journey

// The replay (predict.go) through a Service's DNAT. kube-proxy's rules
// choose an endpoint with `-m statistic` (or nftables' numgen), which the
// iptables -S replay does not read; the netlink walk of svc_rules.go
// finds every destination a NEW packet may get. Which one a connection
// got is the kernel's choice, made once per connection and kept in
// conntrack: when the namespace's table holds an entry for this source
// and destination, the replay follows the endpoint that entry's reply
// tuple names; with one possible destination, it follows that; with more
// and no entry, it says so and stops rather than pick one.

import (
	"fmt"
	"net"
	"sort"
	"strings"

	"github.com/vishvananda/netlink"
)

// ReasonSvcRandom is the replay's stop at a DNAT with several possible
// destinations and no conntrack entry to say which one the kernel chose.
const ReasonSvcRandom = "svc-random"

// Undecided is a journey's result when the replay stopped at a choice the
// kernel makes per connection (ReasonSvcRandom): neither delivered nor lost.
const Undecided = "undecided"

// svcDNAT is what the replay does at a namespace's nat hook for a packet
// to a Service address.
type svcDNAT struct {
	to      string   // the destination followed ("" when none)
	port    int      // its port (the packet's when the DNAT keeps it)
	byCT    bool     // conntrack's entry named it
	masq    string   // the source conntrack's reply goes back to, when not the packet's (a masquerade)
	chain   string   // the nat chain whose DNAT gives it (when the walk found it)
	choices []string // several destinations and no entry: the replay stops
	// stopped: no rule translates it and the filter rules drop or reject
	// it on every path (kube-proxy's REJECT for a Service without
	// endpoints).
	stopped bool
	stopAt  *ruleAt // the rule that stopped it, when one did
}

// predictSvcDNAT reads n's nat rules over netlink (PREROUTING for a
// packet that arrived, OUTPUT for one n sends) and, when they DNAT the
// packet, decides where the replay goes on. sport is the connection's
// source port when known (0: not). nil: no DNAT applies (or there is no
// live namespace to read).
func predictSvcDNAT(n *nsEnv, proto uint8, src, dst string, sport, port int, sent bool) *svcDNAT {
	if n == nil || n.h == nil {
		return nil // a snapshot alone: no kernel to read
	}
	s, d := net.ParseIP(src), net.ParseIP(dst)
	if d == nil || d.To4() == nil {
		return nil
	}
	if s == nil || s.To4() == nil {
		s = net.IPv4zero
	}
	v, err := n.natWalk(proto, s, d, port, sent)
	if err != nil {
		return nil
	}
	if len(v.targets) == 0 {
		if v.stopped && !v.unknown {
			return &svcDNAT{stopped: true, stopAt: v.stopAt}
		}
		return nil
	}
	to, p, back, several := n.ctEndpoint(proto, s.String(), d.String(), sport, port)
	if len(several) > 1 {
		return &svcDNAT{choices: several, byCT: true}
	}
	if to != "" {
		r := &svcDNAT{to: to, port: p, byCT: true}
		if back != s.String() {
			r.masq = back
		}
		for _, t := range v.targets {
			if t.addr == to {
				r.chain = t.chain
			}
		}
		return r
	}
	if len(v.targets) == 1 && !v.passes && !v.unknown {
		t := v.targets[0]
		p := port
		if t.port != 0 {
			p = t.port
		}
		return &svcDNAT{to: t.addr, port: p, chain: t.chain}
	}
	r := &svcDNAT{}
	for _, t := range v.targets {
		p := port
		if t.port != 0 {
			p = t.port
		}
		r.choices = append(r.choices, hostPort(t.addr, p, proto))
	}
	return r
}

// ctEndpoint is the endpoint that n's conntrack table recorded for a
// connection from src to dst:port (its reply tuple's source), when an
// entry was DNATed, and the address the reply goes back to (its reply
// tuple's destination: not src when the connection was masqueraded).
// With the connection's source port (sport, not 0) the entry whose
// original tuple has it is that very connection's. Without it, or when
// no entry has it (a rewrite before n changed the port), of several
// entries (several connections) the one last updated (ctAge): the
// connection just made. But timeouts count whole seconds, and a
// lesson's step may connect several times in a second: when the
// connections of the last seconds went to different endpoints, several
// lists them, and no one is picked.
func (n *nsEnv) ctEndpoint(proto uint8, src, dst string, sport, port int) (to string, p int, back string, several []string) {
	fs, err := n.h.ConntrackTableList(netlink.ConntrackTable, netlink.FAMILY_V4)
	if err != nil {
		return "", 0, "", nil
	}
	var hits []*netlink.ConntrackFlow
	var best *netlink.ConntrackFlow
	for _, f := range fs {
		o, r := f.Forward, f.Reverse
		if o.Protocol != proto || !o.SrcIP.Equal(net.ParseIP(src)) || !o.DstIP.Equal(net.ParseIP(dst)) {
			continue
		}
		if proto != 1 && int(o.DstPort) != port {
			continue
		}
		if r.SrcIP.Equal(o.DstIP) && (proto == 1 || r.SrcPort == o.DstPort) {
			continue // not DNATed
		}
		if sport != 0 && proto != 1 && int(o.SrcPort) == sport {
			p = int(r.SrcPort)
			return r.SrcIP.String(), p, r.DstIP.String(), nil // this very connection
		}
		hits = append(hits, f)
		if best == nil || ctAge(f) < ctAge(best) {
			best = f
		}
	}
	if best == nil {
		return "", 0, "", nil
	}
	ep := func(f *netlink.ConntrackFlow) string {
		return hostPort(f.Reverse.SrcIP.String(), int(f.Reverse.SrcPort), proto)
	}
	seen := map[string]bool{}
	for _, f := range hits {
		if ctAge(f) <= ctAge(best)+2 && !seen[ep(f)] {
			seen[ep(f)] = true
			several = append(several, ep(f))
		}
	}
	if len(several) > 1 {
		return "", 0, "", several
	}
	p = int(best.Reverse.SrcPort)
	if proto == 1 {
		p = 0
	}
	return best.Reverse.SrcIP.String(), p, best.Reverse.DstIP.String(), nil
}

// svcDNATStop is the replay's stop at a random choice of endpoint.
func (x *explainer) svcDNATStop(ns, hook string, choices []string, byCT bool) *Drop {
	sort.Strings(choices)
	key := "svcpredict.stop_random"
	if byCT {
		key = "svcpredict.stop_ct_several"
	}
	d := newDrop(x.lang, ns, hook, ReasonSvcRandom, "request", m(key, ns, strings.Join(choices, ", ")))
	d.Names = map[string]string{"node": ns, "endpoints": strings.Join(choices, ", ")}
	return d
}

// svcDNATWhy is the why of the hop where the replay followed a Service's
// DNAT.
func (x *explainer) svcDNATWhy(s *svcDNAT, hook, from, to string) string {
	where := hook
	if s.chain != "" {
		where = fmt.Sprintf("%s, %s", hook, s.chain)
	}
	if s.byCT {
		return x.t("svcpredict.why_ct", where, from, to)
	}
	return x.t("svcpredict.why_one", where, from, to)
}

// sameTo says whether a DNAT rule's --to-destination (addr or addr:port;
// without a port the packet keeps port) names host:port.
func sameTo(to string, port int, host string, p int) bool {
	h, ps, err := net.SplitHostPort(to)
	if err != nil {
		return to == host && port == p
	}
	return h == host && ps == fmt.Sprint(p)
}

// svcSelfStop is the stop of a connection a Service sent back to the pod
// that made it (the endpoint is the sender's own address): the bridge
// port it came in by must have hairpin on, and the packet must arrive
// masqueraded, else the pod answers itself and the client drops it. The
// same stops and words as a traced journey's (svc_journey.go).
func (x *explainer) svcSelfStop(svcNS, ep, src string) *Drop {
	j := x.j
	if port, br := x.ingressPort(svcNS); port != "" {
		if on, err := x.hairpin(svcNS, port); err == nil && !on {
			d := newDrop(x.lang, svcNS, port, ReasonHairpinOff, "request", m("svc.stop_hairpin", svcNS, port, br, j.From))
			d.Names = map[string]string{"node": svcNS, "port": port, "bridge": br, "pod": j.From, "endpoint": ep}
			return d
		}
	}
	host, _, err := net.SplitHostPort(ep)
	if err != nil {
		host = ep
	}
	if src == host {
		d := newDrop(x.lang, j.From, "eth0", ReasonNoMasq, "reply", m("svc.stop_nomasq", j.From, host, svcNS))
		for _, h := range j.Hops {
			if h.NS == j.From && h.Dir == "in" {
				d.Where = h.Dev
			}
		}
		d.Names = map[string]string{"node": svcNS, "pod": j.From, "endpoint": ep}
		return d
	}
	return nil
}

// tcpCtTimeouts are the kernel's default TCP conntrack timeouts in
// seconds by state (nf_conntrack_proto_tcp.c: SYN_SENT, SYN_RECV,
// ESTABLISHED, FIN_WAIT, CLOSE_WAIT, LAST_ACK, TIME_WAIT, CLOSE,
// SYN_SENT2).
var tcpCtTimeouts = map[uint8]uint32{1: 120, 2: 60, 3: 432000, 4: 120, 5: 60, 6: 30, 7: 120, 8: 10, 9: 120}

// ctAge is how long ago an entry's timer was last set, in seconds: its
// state's full timeout less what is left. conntrack keeps no start time
// unless nf_conntrack_timestamp is on (then TimeStart is used).
func ctAge(f *netlink.ConntrackFlow) int64 {
	if f.TimeStart != 0 {
		return -int64(f.TimeStart / 1e9)
	}
	full := uint32(30) // UDP's and ICMP's
	if t, ok := f.ProtoInfo.(*netlink.ProtoInfoTCP); ok {
		if v, ok := tcpCtTimeouts[t.State]; ok {
			full = v
		}
	} else if f.Forward.Protocol == 17 && f.TimeOut > 30 {
		full = 120 // an assured UDP stream
	}
	return int64(full) - int64(f.TimeOut)
}

// unparsedNATOnly says whether every rule of n the iptables -S replay
// does not read is a nat table's (the snapshot's "# nft: ip nat" lines,
// or nat rules it spells but the replay does not read, such as -m
// statistic): where the replay followed a DNAT over netlink, nothing is
// left unread.
func (n *nsEnv) unparsedNATOnly() bool {
	k := 0
	for _, line := range n.snap.Rules {
		if strings.HasPrefix(line, "# nft: ip nat ") {
			k++
		} else if _, ok := replayed(line); !ok && strings.HasPrefix(line, "-t nat ") {
			k++
		}
	}
	return k == n.unparsed
}

// svcRejectStop is the replay's stop at a Service address that no rule of
// n translates and its filter hook (hook) drops or rejects on every path:
// kube-proxy's "no local endpoints" DROP (a load balancer's address under
// externalTrafficPolicy: Local, on a node with no endpoint) when the
// rule that stopped it is that one, else its REJECT for a Service
// without endpoints.
func (x *explainer) svcRejectStop(n *nsEnv, hook, svc string, at *ruleAt) *Drop {
	if at != nil {
		if rule := n.ruleText(*at); strings.Contains(rule, noLocalComment) {
			return x.filterDrop(n.name, at.chain, rule, svc)
		}
	}
	ns := n.name
	d := newDrop(x.lang, ns, hook, ReasonSvcRejected, "request", m("svcpredict.stop_rejected", ns, svc, hook))
	d.Names = map[string]string{"node": ns, "service": svc}
	return d
}

package journey

// The journey of a connection to a Service address. Which endpoint the
// kernel chose, and by which rules, is taken from the nftables trace
// events of the probe itself (meta nftrace, nftrace.go): the kernel
// reports each rule whose verdict the packet took, in order, with a
// trace id per packet, so the chain path KUBE-SERVICES → KUBE-SVC-… →
// KUBE-SEP-… and the rule whose `statistic` (or `numgen`) match sent it
// there are the kernel's own account of this packet, not a guess. Rule
// counters read before and after would need two full rule dumps and
// would count any other packet too; the conntrack entry names the
// endpoint (its reply tuple, the DNAT destination) but not the rules, so
// it confirms the endpoint the trace names.

import (
	"fmt"
	"strings"
)

// Service stops (svc_journey.go): each has a cause id of the same name
// in lessons/cause_service.go.
const (
	ReasonSvcRejected = "svc-rejected"    // no endpoints: kube-proxy's REJECT in filter
	ReasonHairpinOff  = "hairpin-off"     // a pod sent to itself: its bridge port's hairpin mode is off
	ReasonBrNFOff     = "bridge-nf-off"   // the reply was bridged past netfilter: never un-DNATed
	ReasonStaleCT     = "stale-conntrack" // a UDP conntrack entry still sends to a gone endpoint
	ReasonNoMasq      = "no-masquerade"   // the endpoint answers its own source address directly
)

// ServicePath is how a destination that no namespace owns (a Service's
// ClusterIP) was translated on the way.
type ServicePath struct {
	NS       string `json:"ns"`       // where the DNAT happened
	Service  string `json:"service"`  // the address and port asked for
	Endpoint string `json:"endpoint"` // the DNAT's destination (conntrack's reply tuple)
	// Chains are the chains the packet entered in that namespace's nat
	// hook, in order, up to the one that did the DNAT.
	Chains []string `json:"chains"`
	// ChosenBy is the rule whose match sent the packet to the endpoint's
	// chain (a `statistic` or `numgen` match when there is a choice).
	ChosenBy string `json:"chosen_by,omitempty"`
	// Random says a random match (statistic, numgen) made the choice.
	Random   bool   `json:"random"`
	DNATRule string `json:"dnat_rule,omitempty"`
	Evidence string `json:"evidence"`
}

// serviceJourney fills the Service parts of j: the chosen endpoint and the
// chain path, the rules behind the DNAT and the masquerade, each rewrite
// under the hop that made it, and the Service's own stops.
func (x *explainer) serviceJourney(observed map[string][]RuleHit) {
	j := x.j
	svc := j.To
	unowned := x.e.owner(svc) == nil
	for i := range j.NAT {
		r := &j.NAT[i]
		for _, h := range observed[r.NS] {
			switch {
			case r.Kind == "dnat" && h.Verdict == "dnat":
				r.Rule = h.Rule
			case r.Kind == "snat" && h.Verdict == "snat":
				r.Rule = h.Rule
				// A Service's (any rule, the address being no one's) or
				// kube-proxy's own (a NodePort's, KUBE-POSTROUTING).
				if strings.Contains(h.Rule, "MASQUERADE") && (unowned || strings.HasPrefix(h.Chain, "KUBE-")) {
					r.Kind = KindMasquerade
				}
			}
		}
	}
	if unowned {
		x.servicePath(observed)
	}
	x.rewritesOnHops()
	if unowned {
		x.serviceStop(observed)
	}
	// A NodePort's (the address is the node's own) under
	// externalTrafficPolicy: Local, stopped by kube-proxy's filter DROP.
	x.localPolicyStop(observed)
}

// servicePath names the endpoint, the chains and the choosing rule.
func (x *explainer) servicePath(observed map[string][]RuleHit) {
	j := x.j
	var dn *Rewrite
	for i := range j.NAT {
		if j.NAT[i].Kind == "dnat" && (j.NAT[i].From == j.To || strings.HasPrefix(j.NAT[i].From, j.To+":")) {
			dn = &j.NAT[i]
			break
		}
	}
	if dn == nil {
		return
	}
	sp := &ServicePath{NS: dn.NS, Service: dn.From, Endpoint: dn.To, DNATRule: dn.Rule,
		Evidence: "chains and choice: nftables trace events of the probe (meta nftrace); endpoint: conntrack's reply tuple"}
	hits := observed[dn.NS]
	// The nat hits of the hook that translated: from the first nat hit to
	// the DNAT.
	last := -1
	for i, h := range hits {
		if h.Verdict == "dnat" {
			last = i
		}
	}
	if last < 0 {
		sp.Evidence = "endpoint: conntrack's reply tuple (no trace events in " + dn.NS + ")"
		j.Service = sp
		return
	}
	table := hits[last].Table
	first := last
	for first > 0 && hits[first-1].Table == table && hits[first-1].Chain != "POSTROUTING" && hits[first-1].Chain != "INPUT" {
		first--
	}
	for i := first; i <= last; i++ {
		h := hits[i]
		if len(sp.Chains) == 0 || sp.Chains[len(sp.Chains)-1] != h.Chain {
			sp.Chains = append(sp.Chains, h.Chain)
		}
		// The rule that jumped into the DNAT's chain chose the endpoint.
		if v, ok := strings.CutPrefix(h.Verdict, "jump "); ok && v == hits[last].Chain {
			sp.ChosenBy = h.Rule
		} else if v, ok := strings.CutPrefix(h.Verdict, "goto "); ok && v == hits[last].Chain {
			sp.ChosenBy = h.Rule
		}
	}
	sp.Random = strings.Contains(sp.ChosenBy, "statistic") || strings.Contains(sp.ChosenBy, "numgen")
	j.Service = sp
}

// rewritesOnHops puts each rewrite under the hop that made it: a DNAT
// under the hop where the packet entered that namespace (PREROUTING; the
// sender's first hop for OUTPUT), a source NAT under the first hop out
// of it (POSTROUTING).
func (x *explainer) rewritesOnHops() {
	j := x.j
	for _, r := range j.NAT {
		at := -1
		for i, h := range j.Hops {
			if h.NS != r.NS {
				continue
			}
			if r.Kind == "dnat" && (h.Dir == "in" || i == 0) || r.Kind != "dnat" && h.Dir == "out" {
				at = i
				break
			}
		}
		if at < 0 {
			continue
		}
		h := &j.Hops[at]
		h.NAT = append(h.NAT, r)
		if r.Kind == "dnat" && j.Service != nil && j.Service.NS == r.NS {
			h.Why = joinWhy(h.Why, x.t("svc.why_dnat", strings.Join(j.Service.Chains, " → "), r.From, r.To))
		} else if r.Kind == KindMasquerade {
			// The hop's own why named the new source a SNAT: the
			// masquerade's sentence takes its place.
			from, _, _ := strings.Cut(r.From, ":")
			to, _, _ := strings.Cut(r.To, ":")
			h.Why = joinWhy(dropPart(h.Why, x.t("why.snat", from, to)), x.t("svc.why_masq", r.From, r.To))
		}
	}
}

// dropPart removes the sentence part from a why joined with "; ".
func dropPart(why, part string) string {
	var keep []string
	for _, p := range strings.Split(why, "; ") {
		if p != part && p != "" {
			keep = append(keep, p)
		}
	}
	return strings.Join(keep, "; ")
}

func joinWhy(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// serviceStop names the stop of a Service connection that did not come
// back: the REJECT of a Service with no endpoints, a pod sent to itself
// through a port with hairpin off or with no masquerade, or a reply
// bridged past netfilter.
func (x *explainer) serviceStop(observed map[string][]RuleHit) {
	j := x.j
	for ns, hs := range observed {
		for _, h := range hs {
			if h.Table == "filter" && h.Verdict == "drop" && strings.Contains(h.Rule, "-j REJECT") &&
				(strings.HasPrefix(h.Chain, "KUBE-") || strings.Contains(h.Rule, "has no endpoints")) {
				d := newDrop(x.lang, ns, "filter "+h.Chain, ReasonSvcRejected, "request", m("svc.stop_rejected", ns, h.Chain, h.Rule))
				d.Rule, d.Observed = h.Rule, true
				d.Names = map[string]string{"node": ns, "chain": h.Chain, "rule": h.Rule, "service": hostPort(j.To, j.Port, protoNum(j.Proto))}
				j.Drop, j.Result = d, Dropped
				return
			}
		}
	}
	// A UDP flow that conntrack keeps on an endpoint the Service no
	// longer has (svc_stale.go).
	if j.Proto == "udp" && j.Result != Replied {
		if ns, src := x.svcEntry(); ns != "" {
			if d := x.staleStop(ns, src); d != nil && (d.Names["sport"] == fmt.Sprint(x.p.Sport) || x.delivered()) {
				j.Drop, j.Result = d, NoReply
				return
			}
		}
	}
	if j.Result == Replied || j.Service == nil {
		return
	}
	ep, _, _ := strings.Cut(j.Service.Endpoint, ":")
	from := x.e.ns(j.From)
	// A pod sent to itself.
	if from != nil && from.localIPs[ep] {
		if port, br := x.ingressPort(j.Service.NS); port != "" {
			if on, err := x.hairpin(j.Service.NS, port); err == nil && !on {
				d := newDrop(x.lang, j.Service.NS, port, ReasonHairpinOff, "request", m("svc.stop_hairpin", j.Service.NS, port, br, j.From))
				d.Names = map[string]string{"node": j.Service.NS, "port": port, "bridge": br, "pod": j.From, "endpoint": j.Service.Endpoint}
				j.Drop, j.Result = d, NoReply
				return
			}
		}
		// Hairpin on, but the request reached the pod from its own address.
		for _, h := range j.Hops {
			if h.NS == j.From && h.Dir == "in" && h.Src == ep {
				d := newDrop(x.lang, j.From, h.Dev, ReasonNoMasq, "reply", m("svc.stop_nomasq", j.From, ep, j.Service.NS))
				d.Names = map[string]string{"node": j.Service.NS, "pod": j.From, "endpoint": j.Service.Endpoint}
				j.Drop, j.Result = d, NoReply
				return
			}
		}
	}
	// The reply reached the client from the endpoint's own address: it was
	// never un-DNATed. A node that bridged it with bridge-nf-call-iptables
	// off let it pass by conntrack.
	if j.Reply == nil {
		return
	}
	for _, h := range j.Reply.Hops {
		if h.NS != j.From || h.Dir != "in" || h.Src != ep {
			continue
		}
		for _, r := range j.Reply.Hops {
			n := x.e.ns(r.NS)
			l := n.link(r.Dev)
			if n == nil || l == nil || l.Master == "" || r.Dir != "in" {
				continue
			}
			if v := n.sysctl["net.bridge.bridge-nf-call-iptables"]; v == "0" {
				d := newDrop(x.lang, r.NS, l.Master, ReasonBrNFOff, "reply", m("svc.stop_brnf", r.NS, l.Master, ep, j.From, j.To))
				d.Names = map[string]string{"node": r.NS, "bridge": l.Master, "key": "net.bridge.bridge-nf-call-iptables", "endpoint": j.Service.Endpoint, "pod": j.From}
				j.Drop, j.Result = d, NoReply
				return
			}
		}
		d := newDrop(x.lang, j.From, h.Dev, ReasonNoMasq, "reply", m("svc.stop_nomasq", j.From, ep, j.Service.NS))
		d.Names = map[string]string{"node": j.Service.NS, "pod": j.From, "endpoint": j.Service.Endpoint}
		j.Drop, j.Result = d, NoReply
		return
	}
}

// ingressPort is the bridge port by which the request came into ns, and
// its bridge.
func (x *explainer) ingressPort(ns string) (port, bridge string) {
	n := x.e.ns(ns)
	if n == nil {
		return "", ""
	}
	for _, h := range x.j.Hops {
		if h.NS == ns && h.Dir == "in" {
			if l := n.link(h.Dev); l != nil && l.Master != "" {
				return h.Dev, l.Master
			}
		}
	}
	return "", ""
}

// hairpin reads the bridge port's hairpin mode (IFLA_BRPORT_MODE, what
// `bridge -d link` prints as hairpin on).
func (x *explainer) hairpin(ns, dev string) (bool, error) {
	n := x.e.ns(ns)
	l, err := n.h.LinkByName(dev)
	if err != nil {
		return false, err
	}
	p, err := n.h.LinkGetProtinfo(l)
	if err != nil {
		return false, err
	}
	return p.Hairpin, nil
}

// svcEntry is the namespace that translated the Service address (where
// its DNAT was seen) and the request's source as it came in there.
func (x *explainer) svcEntry() (ns, src string) {
	j := x.j
	if j.Service != nil {
		ns = j.Service.NS
	}
	for _, r := range j.NAT {
		if ns == "" && r.Kind == "dnat" && (r.From == j.To || strings.HasPrefix(r.From, j.To+":")) {
			ns = r.NS
		}
	}
	if ns == "" {
		return "", ""
	}
	for _, h := range j.Hops {
		if h.NS == ns && (h.Dir == "in" || ns == j.From) {
			return ns, h.Src
		}
	}
	return "", ""
}

// delivered says whether the request reached the namespace that holds
// its destination (after any DNAT): a UDP probe that nothing answered
// but that got where the rules sent it.
func (x *explainer) delivered() bool {
	j := x.j
	if len(j.Hops) == 0 {
		return false
	}
	last := j.Hops[len(j.Hops)-1]
	n := x.e.ns(last.NS)
	return last.Dir == "in" && n != nil && n.localIPs[last.Dst]
}

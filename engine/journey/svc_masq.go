package journey

// A Service's masquerade, named as kube-proxy makes it. kube-proxy marks
// a packet that must have its source rewritten (KUBE-MARK-MASQ, --or-mark
// 0x4000: a pod the Service sends to itself, a NodePort client from
// outside the cluster) and KUBE-POSTROUTING masquerades every marked
// packet (`-j MASQUERADE --random-fully`). A capture sees only that the
// source changed; this file tells such a change from a source NAT by a
// SNAT rule, and names the rule, for every view that reads rewrites:
// the journey pane (y), the ladder, the transcript and `trace`.

import (
	"strings"

	"github.com/nettutor/nettutor/engine/iptables"
)

// KindMasquerade is the Rewrite kind of a masquerade by kube-proxy's
// KUBE-POSTROUTING rule (svc_masq.go); "snat" stays for a SNAT rule's.
const KindMasquerade = "masquerade"

// kubeMasqRule is kube-proxy's KUBE-POSTROUTING MASQUERADE rule in n, as
// the snapshot lists it (without its -t nat), or "". A rule the snapshot
// reads only in nft's words (`--random-fully`, "# nft: ip nat
// KUBE-POSTROUTING: ... xt target MASQUERADE") is named by its chain and
// target, with the rest elided: iptables -t nat -S prints it in full.
func kubeMasqRule(n *nsEnv) string {
	if n == nil || n.snap == nil {
		return ""
	}
	for _, line := range n.snap.Rules {
		switch {
		case strings.HasPrefix(line, "-t nat -A KUBE-POSTROUTING ") && strings.Contains(line, "-j MASQUERADE"):
			return strings.TrimPrefix(line, "-t nat ")
		case strings.HasPrefix(line, "# nft: ip nat KUBE-POSTROUTING:") && strings.Contains(strings.ToLower(line), "masquerade"):
			return "-A KUBE-POSTROUTING … -j MASQUERADE"
		}
	}
	return ""
}

// snatRule is a SNAT rule of n's nat table that takes a packet from src
// to dst and gives it the source to: a real source NAT, which keeps its
// own name ("" when there is none).
func snatRule(n *nsEnv, src, dst, to string) string {
	if n == nil {
		return ""
	}
	toIP, _, _ := strings.Cut(to, ":")
	for _, r := range n.rules {
		if r.Table != "nat" || r.Target != "SNAT" {
			continue
		}
		ts, _, _ := strings.Cut(r.ToSource, ":")
		lo, hi, rng := strings.Cut(ts, "-")
		if !rng {
			hi = lo
		}
		if toIP != lo && toIP != hi {
			continue
		}
		if matches(r, pktView{src: src, dst: dst, state: "NEW"}) || matchesAddrs(r, src, dst) {
			return ruleText(r)
		}
	}
	return ""
}

// matchesAddrs is matches on the addresses alone (the capture does not
// say the devices).
func matchesAddrs(r iptables.Rule, src, dst string) bool {
	if r.Src != "" && inCIDR(r.Src, src) == r.NotSrc {
		return false
	}
	if r.Dst != "" && inCIDR(r.Dst, dst) == r.NotDst {
		return false
	}
	return true
}

// markServiceMasq names the masquerades among the observed rewrites: a
// new source made by a namespace that holds kube-proxy's KUBE-POSTROUTING
// MASQUERADE, on a packet the Service's DNAT sent on (its destination
// changed on the way, or its flow's did), and no SNAT rule there that
// gives that source. Such a rewrite becomes KindMasquerade with the rule.
// On the reply, conntrack undoes it (the destination put back): that
// rewrite is marked Undo and names the same rule, so that it reads as
// the masquerade undone, not as a new source NAT.
func markServiceMasq(e *env, obs []Observed) {
	type mapping struct{ from, to string }
	type made struct{ ns, rule string }
	masq := map[mapping]made{}   // a masquerade's mapping -> where, by which rule
	dnatted := map[string]bool{} // a masqueraded flow's source
	for i := range obs {
		hs := obs[i].Hops
		dst := false
		for k := 1; k < len(hs); k++ {
			h, p := &hs[k], hs[k-1]
			from, to := hostPort(p.Dst, p.Dport, 0), hostPort(h.Dst, h.Dport, 0)
			dstCh := from != to
			r := h.Rewrite
			if r == nil {
				dst = dst || dstCh
				continue
			}
			if m, ok := masq[mapping{to, from}]; ok && dstCh {
				// The reply: its destination is the masquerade's source
				// put back (and its source, when it changed too, the
				// DNAT's undone), by conntrack where the masquerade was.
				h.Undo, h.Again, r.NS, r.Rule = true, false, m.ns, m.rule
				continue
			}
			dst = dst || dstCh
			if r.Kind != "snat" || h.Undo {
				continue
			}
			// The namespace that made it: the rewrite's own, or, when the
			// capture points are all in the pod (a pod sent to itself),
			// the one that owns the new source (MASQUERADE takes the
			// outgoing link's address).
			n := e.ns(r.NS)
			rule := kubeMasqRule(n)
			if ip, _, _ := strings.Cut(r.To, ":"); rule == "" && e.owner(ip) != nil {
				n = e.owner(ip)
				rule = kubeMasqRule(n)
			}
			if rule == "" || !dst && !dnatted[r.From] {
				continue
			}
			if snatRule(n, p.Src, h.Dst, r.To) != "" {
				continue // a SNAT rule's own source: a source NAT
			}
			r.NS, r.Kind, r.Rule = n.name, KindMasquerade, rule
			masq[mapping{r.From, r.To}] = made{n.name, rule}
			dnatted[r.From] = true
		}
	}
}

// Undoes names what a rewrite that conntrack made on a reply puts back:
// "MASQUERADE" for the masquerade of a Service's request (its rule is
// kube-proxy's; with the DNAT when the capture saw both undone at once),
// else the NAT of the other side ("SNAT" for a destination put back,
// "DNAT" for a source).
func (r *Rewrite) Undoes() string {
	masq := strings.Contains(r.Rule, "-j MASQUERADE")
	switch {
	case r.Kind == "dnat" && masq:
		return "MASQUERADE"
	case r.Kind == "snat" && masq:
		return "DNAT, MASQUERADE" // both undone between two capture points
	case r.Kind == "dnat":
		return "SNAT"
	}
	return "DNAT"
}

// Label names the rewrite as every view shows it, in lang: a Service's
// masquerade as kube-proxy's (MASQUERADE and the chain of the rule that
// did it), a SNAT or DNAT by its kind; undo and again as the views mark
// conntrack's reverse mapping and a later packet of the flow.
func (r *Rewrite) Label(lang string, undo, again bool) string {
	kind := strings.ToUpper(r.Kind)
	if r.Kind == KindMasquerade {
		kind = tr(lang, "rewrite.masquerade", ruleChain(r.Rule))
	}
	switch {
	case undo:
		return tr(lang, "rewrite.undo", r.Undoes())
	case again && r.Kind == KindMasquerade:
		return tr(lang, "rewrite.masq_again", ruleChain(r.Rule))
	case again:
		return tr(lang, "rewrite.again", kind)
	}
	return kind
}

// ruleChain is the chain of a rule in -A CHAIN form ("POSTROUTING" when
// the rule does not say).
func ruleChain(rule string) string {
	f := strings.Fields(rule)
	for i := 0; i+1 < len(f); i++ {
		if f[i] == "-A" {
			return f[i+1]
		}
	}
	return "POSTROUTING"
}

// why is a masquerade as a hop's line says it: the addresses and the rule
// that made it (kube-proxy's KUBE-POSTROUTING … -j MASQUERADE).
func (r Rewrite) why(lang string) string {
	return tr(lang, "why.masq", r.From, r.To, hookPath(r.Rule))
}

// srcNAT is the source rewrite from → to at hop h as its line says it: the
// masquerade among the hop's rewrites when there is one, else a SNAT.
func (h Hop) srcNAT(lang, from, to string) string {
	for _, r := range h.NAT {
		if r.Kind == KindMasquerade {
			return tr(lang, "why.masq", from, to, hookPath(r.Rule))
		}
	}
	return tr(lang, "why.snat", from, to)
}

// hookPath is where in nat a masquerade's rule sits, from the hook:
// "POSTROUTING → KUBE-POSTROUTING" for kube-proxy's, "POSTROUTING" for a
// rule there or one not known.
func hookPath(rule string) string {
	if c := ruleChain(rule); c != "POSTROUTING" {
		return "POSTROUTING → " + c
	}
	return "POSTROUTING"
}

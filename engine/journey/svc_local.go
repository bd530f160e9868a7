package journey

// externalTrafficPolicy: Local. kube-proxy sends a NodePort's (or a load
// balancer's) traffic only to the endpoints on the node that received it
// (KUBE-EXT-… ends in KUBE-SVL-…, the chain of the node's own endpoints).
// A node with none leaves nat untranslated and writes, in the filter
// table, a DROP in KUBE-EXTERNAL-SERVICES with the comment "SERVICE has
// no local endpoints" (reached from INPUT and FORWARD for NEW
// connections). The replay reads those filter rules as the kernel would
// for the packet (over netlink: the DROP's -m addrtype is not in the
// iptables -S replay) and names the rule that stopped it; the trace names
// it from the kernel's own trace events.

import (
	"net"
	"strings"
	"time"

	"github.com/google/nftables"
)

// ReasonSvcNoLocal is the stop of a connection to a node's NodePort (or a
// load balancer address) under externalTrafficPolicy: Local on a node
// that holds no endpoint of the Service: kube-proxy's DROP in filter.
const ReasonSvcNoLocal = "svc-no-local-endpoints"

// noLocalComment is the words of kube-proxy's comment on that DROP.
const noLocalComment = "has no local endpoints"

// inputStop walks n's filter INPUT for a NEW packet src→dst:dport that
// arrived in n for one of its own addresses (after nat PREROUTING, whose
// marks it keeps), and returns the stop when every path drops there:
// kube-proxy's "no local endpoints" DROP as ReasonSvcNoLocal, any other
// rule as a drop rule, named. nil when a path accepts it or the rules
// cannot be read.
func (x *explainer) inputStop(n *nsEnv, proto uint8, src, dst string, dport int) *Drop {
	s, d := net.ParseIP(src), net.ParseIP(dst)
	if s == nil || d == nil {
		return nil
	}
	w, err := newRuleWalk(n, proto, s, d, dport)
	if err != nil {
		return nil
	}
	defer w.close()
	marks := map[uint32]bool{}
	nat := w.hook(nftables.ChainTypeNAT, *nftables.ChainHookPrerouting, 0)
	if len(nat) == 0 {
		marks[0] = true
	}
	for _, es := range nat {
		for _, e := range es {
			switch e.kind {
			case "dnat", "unknown":
				return nil // translated, or not followed: not this stop
			default:
				marks[e.mark] = true
			}
		}
	}
	var at *ruleAt
	for m := range marks {
		stopped := false
		for _, es := range w.hook(nftables.ChainTypeFilter, *nftables.ChainHookInput, m) {
			all := len(es) > 0
			for _, e := range es {
				all = all && e.kind == "drop"
			}
			if all {
				stopped = true
				if at == nil {
					at = es[0].at
				}
			}
		}
		if !stopped {
			return nil
		}
	}
	if w.readErr != nil || len(marks) == 0 {
		return nil
	}
	svc := hostPort(dst, dport, proto)
	if at == nil {
		d := newDrop(x.lang, n.name, "filter INPUT", ReasonPolicy, "request", m("stop.svc_input_policy", n.name, svc))
		d.Rule = "-P INPUT DROP"
		return d
	}
	rule := n.ruleText(*at)
	return x.filterDrop(n.name, at.chain, rule, svc)
}

// filterDrop is the stop at a filter rule that dropped the connection to
// svc in ns: kube-proxy's "no local endpoints" DROP with its cause, else a
// drop rule named as it is.
func (x *explainer) filterDrop(ns, chain, rule, svc string) *Drop {
	if strings.Contains(rule, noLocalComment) {
		name := commentService(rule)
		d := newDrop(x.lang, ns, "filter "+chain, ReasonSvcNoLocal, "request", m("svc.stop_no_local", ns, chain, svc, name, rule))
		d.Rule = rule
		d.Names = map[string]string{"node": ns, "chain": chain, "rule": rule, "service": name, "addr": svc}
		return d
	}
	d := newDrop(x.lang, ns, "filter "+chain, ReasonRule, "request", m("stop.svc_filter_rule", ns, chain, svc, rule))
	d.Rule = rule
	d.Names = map[string]string{"node": ns, "chain": chain, "rule": rule}
	return d
}

// forwardDrop is the stop at a filter FORWARD rule (pv the packet as the
// chain saw it). A load balancer's address is not the node's own: a
// connection to it under externalTrafficPolicy: Local on a node with no
// endpoint is routed, and kube-proxy's "no local endpoints" DROP for that
// address (KUBE-EXTERNAL-SERVICES, reached from FORWARD) stops it there.
func (x *explainer) forwardDrop(ns, rule, leg string, pv pktView) *Drop {
	if leg == "request" && strings.HasPrefix(rule, "-A ") && strings.Contains(rule, noLocalComment) {
		return x.filterDrop(ns, ruleChain(rule), rule, hostPort(pv.dst, pv.dp, pv.proto))
	}
	return x.ruleDrop(ns, "filter FORWARD", rule, leg)
}

// commentService is the Service a kube-proxy comment names
// ("default/web:http has no local endpoints" → default/web:http).
func commentService(rule string) string {
	_, c, ok := strings.Cut(rule, `--comment "`)
	if !ok {
		return ""
	}
	c, _, _ = strings.Cut(c, `"`)
	name, _, _ := strings.Cut(c, " ")
	return name
}

// ruleText is the rule at a as iptables -S prints it: the snapshot's
// line, or, for a rule the snapshot reads only in nft's words (-m
// addrtype), iptables-save's own line in n.
func (n *nsEnv) ruleText(a ruleAt) string {
	prefix := "-t " + a.table + " -A " + a.chain + " "
	k := 0
	for _, line := range n.snap.Rules {
		if !strings.HasPrefix(line, prefix) && !strings.HasPrefix(line, "# nft: ip "+a.table+" "+a.chain+":") {
			continue
		}
		if k == a.idx {
			if strings.HasPrefix(line, "# nft:") {
				if n.save == nil {
					n.save = n.startSave()
				}
				if s := n.save.line(a.table, a.chain, a.idx, 2*time.Second); s != "" {
					return s
				}
				return "-A " + a.chain + " … (iptables -t " + a.table + " -S " + a.chain + ")"
			}
			return strings.TrimPrefix(line, "-t "+a.table+" ")
		}
		k++
	}
	return "-A " + a.chain + " … (iptables -t " + a.table + " -S " + a.chain + ")"
}

// localPolicyStop names, from the probe's own trace events, kube-proxy's
// "no local endpoints" DROP that stopped it (trace: serviceJourney).
func (x *explainer) localPolicyStop(observed map[string][]RuleHit) bool {
	j := x.j
	if j.Result == Replied {
		return false
	}
	for ns, hs := range observed {
		for _, h := range hs {
			if h.Table == "filter" && h.Verdict == "drop" && strings.Contains(h.Rule, noLocalComment) {
				d := x.filterDrop(ns, h.Chain, h.Rule, hostPort(j.To, j.Port, protoNum(j.Proto)))
				d.Observed = true
				j.Drop, j.Result = d, Dropped
				return true
			}
		}
	}
	return false
}

// hasInputRules reports whether n has rules in filter INPUT: only then is
// the walk worth its netlink reads.
func (n *nsEnv) hasInputRules() bool {
	for _, line := range n.snap.Rules {
		if strings.HasPrefix(line, "-t filter -A INPUT ") || strings.HasPrefix(line, "# nft: ip filter INPUT:") {
			return true
		}
	}
	return n.policy["filter/INPUT"] == "DROP"
}

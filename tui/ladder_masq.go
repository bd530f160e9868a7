package tui

import (
	"slices"
	"strconv"
	"strings"

	"github.com/nettutor/nettutor/engine/journey"
	"github.com/nettutor/nettutor/lessons/note"
)

// A Service journey in the ladder. kube-proxy translates a connection to
// a Service in one node namespace twice: the DNAT to an endpoint in nat
// PREROUTING (or OUTPUT), then, for a packet KUBE-MARK-MASQ marked (a pod
// reaching itself through the Service, a NodePort from outside), the
// MASQUERADE of KUBE-POSTROUTING on the way out. Between two capture
// points both addresses may have changed; journey.Observe gives such a
// hop one rewrite (the source's), so the ladder drew a plain SNAT and
// lost the DNAT. Here an arrow whose source was changed by a namespace
// holding kube-proxy's KUBE-POSTROUTING MASQUERADE rule, on a packet that
// was DNATed on the way, gets a line per rewrite: the DNAT, then the
// masquerade with its own label, each at the lane of the namespace that
// made it; on the reply, conntrack's undoing of both.

// svcRewrite is one rewrite of a Service journey's arrow.
type svcRewrite struct {
	hop         int    // the observed hop where the new address shows first
	ns          string // the namespace that made it
	lane        int    // its lane in the ladder
	kind        string // "dnat", "snat" or "masq"
	from, to    string
	undo, again bool
	unmasq      bool // undo of a masquerade: a reply's destination put back
}

// masqNS reports whether the namespace ns holds kube-proxy's
// KUBE-POSTROUTING MASQUERADE rule in the lab as last read.
func (p *packetPane) masqNS(ns string) bool {
	if p.snap == nil {
		return false
	}
	n := p.snap.NS(ns)
	if n == nil {
		return false
	}
	for _, r := range n.Rules {
		if strings.Contains(r, "-A KUBE-POSTROUTING ") && strings.Contains(r, "-j MASQUERADE") {
			return true
		}
	}
	return false
}

// serviceRewrites gives, by arrow index, the rewrites of the arrows of l
// that take part in a Service's masquerade (the request's, a later
// packet's of the same flow, and the reply's undoing); other arrows are
// left to the ladder's one rewrite line.
func (p *packetPane) serviceRewrites(l note.HopLadder) map[int][]svcRewrite {
	type mapping struct{ kind, from, to string }
	seen := map[mapping]bool{} // every mapping seen: true for an undo
	var out map[int][]svcRewrite
	for ai, a := range l.Arrows {
		hs := a.Observed.Hops
		var rs []svcRewrite
		masq, dnatted := false, false
		for k := 1; k < len(hs); k++ {
			prev, cur := hs[k-1], hs[k]
			dstCh := prev.Dst != cur.Dst || prev.Dport != cur.Dport
			srcCh := prev.Src != cur.Src || prev.Sport != cur.Sport
			if !dstCh && !srcCh {
				continue
			}
			ns := prev.NS
			if cur.Rewrite != nil {
				ns = cur.Rewrite.NS
			}
			if srcCh && !cur.Undo {
				// A new source made by kube-proxy's masquerade: the
				// namespace whose address it is holds the rule.
				if owner := p.hosts[cur.Src]; owner != "" && p.masqNS(owner) && (dstCh || dnatted) {
					ns, masq = owner, true
				}
			}
			if dstCh {
				rs = append(rs, svcRewrite{hop: k, ns: ns, kind: "dnat", from: ep(prev.Dst, prev.Dport), to: ep(cur.Dst, cur.Dport)})
				dnatted = true
			}
			if srcCh {
				rs = append(rs, svcRewrite{hop: k, ns: ns, kind: "snat", from: ep(prev.Src, prev.Sport), to: ep(cur.Src, cur.Sport)})
			}
		}
		if len(rs) == 0 {
			continue
		}
		// Request, repeat or reply: as journey.Observe tells a NAT rule's
		// own rewrite from conntrack's, by the mappings seen before. A
		// reply's new source undoes its request's DNAT; its new
		// destination undoes a source NAT or the masquerade.
		for i := range rs {
			r := &rs[i]
			if r.kind == "snat" && masq {
				r.kind = "masq"
			}
			m := mapping{r.kind, r.from, r.to}
			if u, ok := seen[m]; ok {
				r.undo, r.again = u, true
				if u && r.kind == "dnat" {
					_, r.unmasq = seen[mapping{"masq", r.to, r.from}]
				}
				continue
			}
			switch r.kind {
			case "snat":
				_, r.undo = seen[mapping{"dnat", r.to, r.from}]
			case "dnat":
				_, r.unmasq = seen[mapping{"masq", r.to, r.from}]
				_, snat := seen[mapping{"snat", r.to, r.from}]
				r.undo = r.unmasq || snat
			}
			seen[m] = r.undo
		}
		if !masq && !anyMasqUndo(rs) {
			continue
		}
		// A reply's hop that undoes the masquerade was translated where
		// the masquerade was made: the namespace that owns the address
		// put back (the capture points may all be in the pod).
		for _, u := range rs {
			if !u.unmasq {
				continue
			}
			ip, _, _ := strings.Cut(u.from, ":")
			if owner := p.hosts[ip]; owner != "" {
				for i := range rs {
					if rs[i].hop == u.hop {
						rs[i].ns = owner
					}
				}
			}
		}
		kept := rs[:0]
		for _, r := range rs {
			if r.lane = slices.Index(l.Lanes, r.ns); r.lane >= 0 {
				kept = append(kept, r)
			}
		}
		if out == nil {
			out = map[int][]svcRewrite{}
		}
		out[ai] = kept
	}
	return out
}

func anyMasqUndo(rs []svcRewrite) bool {
	for _, r := range rs {
		if r.kind == "masq" || r.unmasq {
			return true
		}
	}
	return false
}

func ep(ip string, port int) string {
	if port != 0 {
		return ip + ":" + strconv.Itoa(port)
	}
	return ip
}

// text is the rewrite as the ladder labels it: the masquerade with its
// own label (assets: tui.ladder.*), the others as note.RewriteKind does.
func (r svcRewrite) text(c *Common) string {
	switch {
	case r.kind == "masq" && r.again:
		return c.Tf("tui.ladder.masq_again", r.from, r.to)
	case r.kind == "masq":
		return c.Tf("tui.ladder.masq", r.from, r.to)
	case r.unmasq:
		return c.Tf("tui.ladder.unmasq", r.from, r.to)
	}
	return note.RewriteKind(&journey.Rewrite{Kind: r.kind}, r.undo, r.again) + " " + r.from + " → " + r.to
}

// rewriteLine draws text under an arrow at column at of a rail line: "╰ "
// and the text right of the lane, or, with no room there, the text and
// " ╯" ending at it (as note.RewriteLine draws it). The text may hold wide
// runes (Korean): the rail is cut around its cells.
func rewriteLine(rail []rune, at int, text string) string {
	body := "╰ " + text
	start := at
	if at+width(body) > len(rail) {
		body = text + " ╯"
		start = max(0, at-width(body)+1)
	}
	end := min(len(rail), start+width(body))
	return string(rail[:start]) + body + string(rail[end:])
}

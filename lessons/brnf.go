package lessons

// br_netfilter where a lesson needs it: a Service address DNATed to a
// backend on the client's own bridge (a Kubernetes node's pod → ClusterIP
// → pod on the same bridge). The request is routed by the host and
// translated there; the backend answers the client directly, and that
// reply crosses only the bridge. Unless bridged IPv4 goes through
// netfilter (net.bridge.bridge-nf-call-iptables=1), conntrack never sees
// it and cannot undo the DNAT: the client gets an answer from the
// backend's own address, which matches none of its sockets.

import (
	"net"
	"net/netip"
	"strconv"
	"strings"

	"github.com/nettutor/nettutor/engine"
)

// CauseNoBrNetfilter blames bridged replies that bypass conntrack.
const CauseNoBrNetfilter = "no-br-netfilter" // {ns} {bridge} {key} {backend}: the DNAT's reply is bridged past conntrack

func init() { Causes = append(Causes, CauseNoBrNetfilter) }

const brnfKey = "net.bridge.bridge-nf-call-iptables"

// brnfGap finds a tcp check's destination DNATed, in the namespace that
// holds the sender's bridge, to a backend on that same bridge, while that
// namespace's bridged traffic skips iptables and conntrack.
func (d *diag) brnfGap(g AssertArgs) string {
	host, ps, err := net.SplitHostPort(g.Addr)
	if err != nil {
		return ""
	}
	ip, err1 := netip.ParseAddr(host)
	port, err2 := strconv.Atoi(ps)
	from := d.s.NS(g.From)
	if err1 != nil || err2 != nil || from == nil {
		return ""
	}
	bridgeOf := func(n *engine.Namespace) (string, string) {
		for _, l := range veths(n) {
			if l.Peer == nil {
				continue
			}
			if pn := d.s.NS(l.Peer.NS); pn != nil {
				if pl := pn.Link(l.Peer.Name); pl != nil && pl.Master != "" {
					return pn.Name, pl.Master
				}
			}
		}
		return "", ""
	}
	rns, br := bridgeOf(from)
	rn := d.s.NS(rns)
	if rn == nil {
		return ""
	}
	// A Service address (held by nobody) or the router's own (a published
	// port): a destination held elsewhere is another fault's business.
	if on, _, _ := d.holder(ip); on != nil && on.Name != rns {
		return ""
	}
	for _, r := range natRules(rn, "PREROUTING", "DNAT") {
		if r.NotDst || (r.Dst != "" && !prefixHolds(r.Dst, ip)) || (r.DPort != 0 && r.DPort != port) {
			continue
		}
		to, _, _ := strings.Cut(r.ToDest, ":")
		a, err := netip.ParseAddr(to)
		if err != nil {
			continue
		}
		bn, _, _ := d.holder(a)
		if bn == nil {
			continue
		}
		if ns2, br2 := bridgeOf(bn); ns2 != rns || br2 != br {
			continue
		}
		if v, err := d.c.lab.ReadSysctl(rns, brnfKey); err == nil && v == "1" {
			return ""
		}
		d.v["ns"], d.v["bridge"], d.v["key"], d.v["backend"] = rns, br, brnfKey, to
		return CauseNoBrNetfilter
	}
	return ""
}

// prefixHolds says whether the CIDR p holds ip.
func prefixHolds(p string, ip netip.Addr) bool {
	pp, ok := prefixOf(p)
	return ok && pp.Contains(ip)
}

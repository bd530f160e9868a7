package lessons

import (
	"net"
	"net/netip"
	"strconv"

	"github.com/nettutor/nettutor/assets"
	"github.com/nettutor/nettutor/engine"
	"github.com/nettutor/nettutor/engine/iptables"
)

// dnatCatches says why a connection from ns from to addr, a server that is
// not on the namespace doing the NAT, went somewhere else: a DNAT rule in
// PREROUTING of another namespace that matches the port without asking
// where the packet is going or where it came from. That is the rule of
// docker-networks/publish written without Docker's `-m addrtype --dst-type
// LOCAL` and `! -i docker0`: it publishes the port and also hijacks the
// containers' own outbound connections to that port. "" when no such rule.
func dnatCatches(s *engine.Snapshot, from, addr string) string {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil || s == nil {
		return ""
	}
	ip, err := netip.ParseAddr(host)
	port, perr := strconv.Atoi(portStr)
	if err != nil || perr != nil {
		return ""
	}
	dst, _ := owner(s, ip)
	if dst == nil {
		// An address nobody holds (a Kubernetes Service's) is reached only
		// through a DNAT: the rule is its meaning, not a hijack.
		return ""
	}
	for _, n := range s.Namespaces {
		if n.Name == from || (dst != nil && n.Name == dst.Name) {
			continue
		}
		for _, text := range n.Rules {
			words, err := splitWords(text)
			if err != nil {
				continue
			}
			// A rule with matches the engine cannot parse (-m addrtype) is
			// not judged here: it is Docker's form.
			r, err := iptables.Parse(words)
			if err != nil || r.Target != "DNAT" || r.Chain != "PREROUTING" || r.In != "" {
				continue
			}
			if r.DPort != 0 && r.DPort != port {
				continue
			}
			if r.Dst != "" {
				if p, err := netip.ParsePrefix(r.Dst); err != nil || p.Contains(ip) == r.NotDst {
					continue
				}
			}
			return assets.C("fault.dnat.broad", "ns", n.Name, "rule", text, "from", from, "to", r.ToDest, "addr", addr)
		}
	}
	return ""
}

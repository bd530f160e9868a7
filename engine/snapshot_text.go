package engine

import (
	"fmt"
	"strings"
)

// Text renders the snapshot as plain text for transcripts and `inspect`:
// one block per namespace listing its links (state, addresses, master, veth
// peer), routes, neighbours, rules and ip_forward.
func (s *Snapshot) Text() string {
	var b strings.Builder
	for i, ns := range s.Namespaces {
		if i > 0 {
			b.WriteString("\n")
		}
		fwd := ns.Sysctl["net.ipv4.ip_forward"]
		fmt.Fprintf(&b, "[%s]", ns.Name)
		if fwd != "" {
			fmt.Fprintf(&b, "  ip_forward=%s", fwd)
		}
		b.WriteString("\n")
		for _, l := range ns.Links {
			mark := "●"
			if l.State != "up" {
				mark = "○"
			}
			fmt.Fprintf(&b, "  %s %-10s %-8s %-4s", mark, l.Name, l.Kind, strings.ToUpper(l.State))
			var extra []string
			for _, a := range l.Addrs {
				if !strings.HasPrefix(a, "fe80:") {
					extra = append(extra, a)
				}
			}
			if l.Master != "" {
				extra = append(extra, "master "+l.Master)
			}
			if l.Peer != nil {
				peer := l.Peer.Name
				if l.Peer.NS != ns.Name {
					peer = l.Peer.NS + "/" + l.Peer.Name
				}
				extra = append(extra, "<-> "+peer)
			}
			b.WriteString(" " + strings.Join(extra, "  "))
			b.WriteString("\n")
		}
		for _, r := range ns.Routes {
			s := "  route " + r.Dst
			if r.Gw != "" {
				s += " via " + r.Gw
			}
			if r.Dev != "" {
				s += " dev " + r.Dev
			}
			b.WriteString(s + "\n")
		}
		for _, n := range ns.Neighbors {
			if strings.Contains(n.IP, ":") {
				continue
			}
			fmt.Fprintf(&b, "  neigh %s %s %s %s\n", n.IP, n.MAC, n.Dev, n.State)
		}
		for _, r := range ns.Rules {
			b.WriteString("  rule  " + RuleLine(r) + "\n")
		}
	}
	return b.String()
}

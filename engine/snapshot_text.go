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
			if v := l.VXLAN; v != nil {
				t := fmt.Sprintf("vni %d port %d", v.ID, v.Port)
				if v.Local != "" {
					t += " local " + v.Local
				}
				if v.Remote != "" {
					t += " remote " + v.Remote
				}
				if v.Dev != "" {
					t += " dev " + v.Dev
				}
				extra = append(extra, t)
			}
			b.WriteString(" " + strings.Join(extra, "  "))
			b.WriteString("\n")
		}
		for _, r := range ns.Routes {
			s := "  route " + r.Dst
			if r.Type != "" {
				s = "  route " + r.Type + " " + r.Dst
			}
			if r.Gw != "" {
				s += " via " + r.Gw
			}
			if r.Dev != "" {
				s += " dev " + r.Dev
			}
			// What the overlay lessons are about, in ip's words: a
			// routing daemon's protocol, and a gateway taken to be on
			// the link.
			if r.Proto != "" && r.Proto != "kernel" && r.Proto != "boot" && r.Proto != "static" {
				s += " proto " + r.Proto
			}
			if r.OnLink {
				s += " onlink"
			}
			b.WriteString(s + "\n")
		}
		for _, n := range ns.Neighbors {
			if strings.Contains(n.IP, ":") {
				continue
			}
			fmt.Fprintf(&b, "  neigh %s %s %s %s\n", n.IP, n.MAC, n.Dev, n.State)
		}
		for _, f := range ns.FDB {
			// Only a VXLAN device's entries with a remote VTEP: a
			// bridge's own and learned entries would fill the screen.
			if f.Dst != "" {
				fmt.Fprintf(&b, "  fdb   %s %s dst %s\n", f.MAC, f.Dev, f.Dst)
			}
		}
		for _, r := range ns.Rules {
			b.WriteString("  rule  " + RuleLine(r) + "\n")
		}
	}
	return b.String()
}

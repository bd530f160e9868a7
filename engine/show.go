package engine

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Show prints part of the kernel's view of one namespace exactly as the
// command it stands for prints it there (`ip -n RED link`, `bridge fdb
// show`, `iptables -t nat -S`, `sysctl net.ipv4.ip_forward`): the output is
// rendered from netlink (showtext.go), so no tool has to be installed, and
// engine/fidelity_test.go holds every form against the real tool. What is
// one of ShowKinds.
type Show struct {
	NS   string
	What string
}

// ShowKinds are the values Show.What accepts: link, addr, brief-link
// (ip -br link), brief-addr (ip -br addr), route, neigh, fdb (bridge fdb
// show), bridge-link (bridge link), nat (iptables -t nat -S), filter
// (iptables -S) and sysctl (sysctl net.ipv4.ip_forward).
var ShowKinds = []string{"link", "addr", "brief-link", "brief-addr", "route", "neigh", "fdb", "bridge-link", "nat", "filter", "sysctl"}

// Command implements Action.
func (a Show) Command() string {
	switch a.What {
	case "fdb":
		return inNS(a.NS, "bridge fdb show")
	case "bridge-link":
		return inNS(a.NS, "bridge link")
	case "brief-link":
		return ipCmd(a.NS, "-br link")
	case "brief-addr":
		return ipCmd(a.NS, "-br addr")
	case "nat":
		return inNS(a.NS, "iptables -t nat -S")
	case "filter":
		return inNS(a.NS, "iptables -S")
	case "sysctl":
		return inNS(a.NS, "sysctl net.ipv4.ip_forward")
	default:
		return ipCmd(a.NS, a.What)
	}
}

// Apply implements Action.
func (a Show) Apply(ctx context.Context, l *Lab) (Result, error) {
	start := time.Now()
	out, err := l.ShowText(a.NS, a.What)
	if err != nil {
		return Result{}, err
	}
	return done(start, out)
}

// Format renders one part of a snapshot in a compact, ip-like form. It is
// not the tools' exact text (the snapshot lacks flags, qdisc and lifetimes):
// Show renders that from netlink.
func (n *Namespace) Format(what string) (string, error) {
	var b strings.Builder
	switch what {
	case "link":
		for _, l := range n.Links {
			b.WriteString(n.linkLine(l) + "\n")
		}
	case "addr":
		for _, l := range n.Links {
			b.WriteString(n.linkLine(l) + "\n")
			for _, a := range l.Addrs {
				fam := "inet"
				if strings.Contains(a, ":") {
					fam = "inet6"
				}
				fmt.Fprintf(&b, "    %s %s\n", fam, a)
			}
		}
	case "route":
		for _, r := range n.Routes {
			s := r.Dst
			if r.Gw != "" {
				s += " via " + r.Gw
			}
			if r.Dev != "" {
				s += " dev " + r.Dev
			}
			if r.Proto != "" && r.Proto != "boot" {
				s += " proto " + r.Proto
			}
			if r.Scope != "" {
				s += " scope " + r.Scope
			}
			if r.Src != "" {
				s += " src " + r.Src
			}
			b.WriteString(s + "\n")
		}
	case "neigh":
		for _, e := range n.Neighbors {
			s := e.IP + " dev " + e.Dev
			if e.MAC != "" {
				s += " lladdr " + e.MAC
			}
			b.WriteString(s + " " + strings.ToUpper(e.State) + "\n")
		}
	case "fdb":
		for _, e := range n.FDB {
			s := e.MAC + " dev " + e.Dev
			if e.Self {
				s += " self"
			}
			if e.Master != "" {
				s += " master " + e.Master
			}
			if e.State != "" {
				s += " " + e.State
			}
			b.WriteString(s + "\n")
		}
	case "nat", "filter":
		prefix := "-t " + what + " "
		for _, r := range n.Rules {
			if strings.HasPrefix(r, prefix) {
				b.WriteString(strings.TrimPrefix(r, prefix) + "\n")
			}
		}
	default:
		return "", fmt.Errorf("show %q: want one of %s", what, strings.Join(ShowKinds, ", "))
	}
	return strings.TrimRight(b.String(), "\n"), nil
}

func (n *Namespace) linkLine(l Link) string {
	name := l.Name
	if l.Peer != nil {
		if l.Peer.NS == n.Name {
			name += "@" + l.Peer.Name
		} else {
			name += "@if" + l.Peer.Name
			if l.Peer.NS != "" {
				name = l.Name + "@" + l.Peer.Name + " (netns " + l.Peer.NS + ")"
			}
		}
	}
	flags := strings.ToUpper(l.State)
	s := fmt.Sprintf("%d: %s: <%s> mtu %d", l.Index, name, flags, l.MTU)
	if l.Master != "" {
		s += " master " + l.Master
	}
	s += " state " + strings.ToUpper(l.Oper)
	if l.MAC != "" {
		s += " link/ether " + l.MAC
	}
	return s
}

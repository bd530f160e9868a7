package engine

import (
	"context"
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

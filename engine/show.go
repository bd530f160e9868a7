package engine

import (
	"context"
	"strings"
	"time"
)

// Show prints part of the kernel's view of one namespace exactly as the
// command it stands for prints it there (`ip -n RED link`, `bridge fdb
// show`, `iptables -t nat -S`, `sysctl net.ipv4.ip_forward`): the output is
// rendered from netlink (showtext.go), so no tool has to be installed, and
// engine/fidelity_test.go holds every form against the real tool. What is
// one of ShowKinds; Dev, where DevShowKinds allow it, narrows the output to
// one link (`ip neigh show dev flannel.1`).
type Show struct {
	NS   string
	What string
	Dev  string
	// Dst narrows a conntrack show to the entries whose original
	// destination is this address (conntrack -L -d DST).
	Dst string
}

// ShowKinds are the values Show.What accepts: link, addr, brief-link
// (ip -br link), brief-addr (ip -br addr), route, neigh, fdb (bridge fdb
// show), bridge-link (bridge link), nat (iptables -t nat -S), filter
// (iptables -S), sysctl (sysctl net.ipv4.ip_forward) and detail-link
// (ip -d link: a VXLAN device's id, port and underlay link).
var ShowKinds = []string{"link", "addr", "brief-link", "brief-addr", "route", "neigh", "fdb", "bridge-link", "nat", "filter", "sysctl", "detail-link"}

// DevShowKinds are the ShowKinds that take a Dev.
var DevShowKinds = []string{"link", "addr", "brief-link", "brief-addr", "route", "neigh", "fdb", "detail-link"}

// Command implements Action.
func (a Show) Command() string {
	switch a.What {
	case "fdb":
		if a.Dev != "" {
			// The overlay lessons' form (bridge's own -n).
			return bridgeCmd(a.NS, "fdb show dev "+a.Dev)
		}
		return inNS(a.NS, "bridge fdb show")
	case "bridge-link":
		return inNS(a.NS, "bridge link")
	case "brief-link":
		return ipCmd(a.NS, "-br link"+a.devWords(" show "))
	case "brief-addr":
		return ipCmd(a.NS, "-br addr"+a.devWords(" show dev "))
	case "detail-link":
		return ipCmd(a.NS, "-d link"+a.devWords(" show "))
	case "nft-kube-proxy", "conntrack":
		return inNS(a.NS, strings.Join(a.toolShowArgv(), " "))
	case "nat":
		return inNS(a.NS, "iptables -t nat -S")
	case "filter":
		return inNS(a.NS, "iptables -S")
	case "sysctl":
		return inNS(a.NS, "sysctl net.ipv4.ip_forward")
	case "link":
		return ipCmd(a.NS, "link"+a.devWords(" show "))
	default: // addr, route, neigh
		return ipCmd(a.NS, a.What+a.devWords(" show dev "))
	}
}

// devWords is how the command names Dev: "" without one.
func (a Show) devWords(words string) string {
	if a.Dev == "" {
		return ""
	}
	return words + a.Dev
}

// Apply implements Action.
func (a Show) Apply(ctx context.Context, l *Lab) (Result, error) {
	start := time.Now()
	if a.toolShowArgv() != nil {
		out, err := l.showTool(a)
		if err != nil {
			return Result{}, err
		}
		return done(start, out)
	}
	out, err := l.ShowTextDev(a.NS, a.What, a.Dev)
	if err != nil {
		return Result{}, err
	}
	return done(start, out)
}

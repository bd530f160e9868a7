package tui

import (
	"slices"
	"strings"

	"github.com/nettutor/nettutor/engine"
)

// ChangeSet names what a step changed in the lab, by key: see the *Key
// functions. The topology pane highlights these.
type ChangeSet map[string]bool

func nsKey(ns string) string              { return "ns/" + ns }
func linkKey(ns, name string) string      { return "link/" + ns + "/" + name }
func addrKey(ns, dev, addr string) string { return "addr/" + ns + "/" + dev + "/" + addr }
func routeKey(ns string, r engine.Route) string {
	return "route/" + ns + "/" + r.Dst + "/" + r.Gw + "/" + r.Dev
}
func neighKey(ns, ip string) string  { return "neigh/" + ns + "/" + ip }
func ruleKey(ns, rule string) string { return "rule/" + ns + "/" + rule }
func sysctlKey(ns, k string) string  { return "sysctl/" + ns + "/" + k }
func fdbKey(ns, br string) string    { return "fdb/" + ns + "/" + br }

// Diff returns what is new or different in cur compared with prev. A nil
// prev means nothing is highlighted (a lab seen for the first time).
func Diff(prev, cur *engine.Snapshot) ChangeSet {
	cs := ChangeSet{}
	if prev == nil || cur == nil {
		return cs
	}
	for _, n := range cur.Namespaces {
		pn := prev.NS(n.Name)
		if pn == nil {
			cs[nsKey(n.Name)] = true
			pn = &engine.Namespace{}
		}
		for _, l := range n.Links {
			pl := pn.Link(l.Name)
			if pl == nil || pl.State != l.State || operClass(pl) != operClass(&l) || pl.Master != l.Master ||
				pl.MTU != l.MTU || pl.Kind != l.Kind || !samePeer(pl.Peer, l.Peer) || vtepChanged(pn, &n, pl, &l) {
				cs[linkKey(n.Name, l.Name)] = true
			}
			for _, a := range l.Addrs {
				if pl == nil || !slices.Contains(pl.Addrs, a) {
					cs[addrKey(n.Name, l.Name, a)] = true
				}
			}
		}
		for _, r := range n.Routes {
			if !slices.ContainsFunc(pn.Routes, func(p engine.Route) bool {
				return p.Dst == r.Dst && p.Gw == r.Gw && p.Dev == r.Dev
			}) {
				cs[routeKey(n.Name, r)] = true
			}
		}
		for _, nb := range n.Neighbors {
			if !slices.ContainsFunc(pn.Neighbors, func(p engine.Neighbor) bool {
				return p.IP == nb.IP && p.MAC == nb.MAC
			}) {
				cs[neighKey(n.Name, nb.IP)] = true
			}
		}
		for _, r := range n.Rules {
			if !slices.Contains(pn.Rules, r) {
				cs[ruleKey(n.Name, r)] = true
			}
		}
		for k, v := range n.Sysctl {
			if pv, ok := pn.Sysctl[k]; !ok || pv != v {
				cs[sysctlKey(n.Name, k)] = true
			}
		}
		learned := func(ns *engine.Namespace, br string) int {
			c := 0
			for _, f := range ns.FDB {
				if f.Master == br && f.State == "" && !f.Self {
					c++
				}
			}
			return c
		}
		for _, l := range n.Links {
			if l.Kind == "bridge" && learned(&n, l.Name) != learned(pn, l.Name) {
				cs[fdbKey(n.Name, l.Name)] = true
			}
		}
	}
	return cs
}

func samePeer(a, b *engine.PeerRef) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// operClass folds the link state into up, nocarrier or down.
func operClass(l *engine.Link) string {
	if l.State != "up" {
		return "down"
	}
	switch strings.ToLower(l.Oper) {
	case "", "up", "unknown":
		return "up"
	}
	return "nocarrier"
}
